//! Entry points for the fuzz targets in `fuzz/`. Each is one call into the parser the server
//! itself uses, so a target follows that parser when it changes; nothing here is used by the
//! server and nothing here bypasses a check.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{HeaderMap, Request};

use crate::app::AppState;

/// The client address that the `Client` extractor derives from the peer address and the
/// `X-Forwarded-For` headers (under `server.trusted_proxy_hops` of `state`).
pub async fn client_ip(state: &AppState, headers: HeaderMap, peer: SocketAddr) -> String {
    let mut req = Request::new(());
    *req.headers_mut() = headers;
    req.extensions_mut().insert(ConnectInfo(peer));
    let (mut parts, ()) = req.into_parts();
    match super::extract::Client::from_request_parts(&mut parts, state).await {
        Ok(super::extract::Client(info)) => info.ip,
        Err(never) => match never {},
    }
}

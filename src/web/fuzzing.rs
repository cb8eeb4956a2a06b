//! Entry points for the fuzz targets in `fuzz/`. Each is one call into the parser the server
//! itself uses, so a target follows that parser when it changes; nothing here is used by the
//! server and nothing here bypasses a check.

use std::net::SocketAddr;

use axum::http::HeaderMap;

/// The X-Forwarded-For parser itself (what the `Client` extractor calls), without an app.
pub fn forwarded_client_ip(peer: SocketAddr, headers: &HeaderMap, hops: usize) -> String {
    crate::request::forwarded::client_ip(Some(peer.ip()), headers, hops)
}

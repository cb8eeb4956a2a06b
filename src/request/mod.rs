//! Where a request comes from, for every HTTP edge (pages, the OpenID Provider, the admin API):
//! the client's address (behind `[server] trusted_proxy_hops` proxies) and user agent. Below the
//! edges so that none of them imports another for it.

pub mod forwarded;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::app::AppState;
use crate::audit::ClientInfo;

/// The request's client, for throttling and the audit log.
pub struct Client(pub ClientInfo);

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let ip = forwarded::client_ip(peer, &parts.headers, state.settings.server.trusted_proxy_hops);
        let user_agent =
            parts.headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(512).collect();
        Ok(Client(ClientInfo { ip, user_agent }))
    }
}

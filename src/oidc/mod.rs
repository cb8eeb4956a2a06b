//! The OpenID Provider's protocol edge. Handlers parse, call `tokens/` or `auth/`, and map.

mod authorize;
mod client_auth;
mod discovery;
mod end_session;
mod introspect;
mod revoke;
mod token;
mod userinfo;

use axum::Router;

pub use discovery::metadata as discovery_metadata;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(discovery::router())
        .merge(authorize::router())
        .merge(token::router())
        .merge(userinfo::router())
        .merge(introspect::router())
        .merge(revoke::router())
        .merge(end_session::router())
}

/// Endpoint paths, used by discovery and the handlers.
pub mod paths {
    pub const AUTHORIZE: &str = "/authorize";
    pub const TOKEN: &str = "/token";
    pub const USERINFO: &str = "/userinfo";
    pub const JWKS: &str = "/jwks.json";
    pub const INTROSPECT: &str = "/introspect";
    pub const REVOKE: &str = "/revoke";
    pub const END_SESSION: &str = "/end_session";
}

//! The OpenID Provider's protocol edge. Handlers parse, call `tokens/` or `auth/`, and map.

mod authorize;
mod client_auth;
mod discovery;
mod dpop_proof;
mod end_session;
mod introspect;
mod par;
mod revoke;
mod token;
mod userinfo;

use axum::Router;

pub use crate::tokens::discovery::{metadata as discovery_metadata, paths};

use crate::app::AppState;
use crate::config::Settings;

/// The OpenID Provider's endpoints, without layers: `crate::server` merges and wraps every edge.
pub fn router(settings: &Settings) -> Router<AppState> {
    Router::new()
        .merge(discovery::router(settings))
        .merge(authorize::router())
        .merge(token::router())
        .merge(userinfo::router())
        .merge(introspect::router())
        .merge(revoke::router())
        .merge(par::router())
        .merge(end_session::router())
}

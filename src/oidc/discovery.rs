//! OpenID Connect Discovery 1.0 and the JWKS.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::paths;
use crate::app::AppState;
use crate::config::Settings;

/// The discovery document depends only on settings: it is serialised once, here.
pub fn router(settings: &Settings) -> Router<AppState> {
    let document = Bytes::from(super::discovery_metadata(settings).to_string());
    Router::new().route("/.well-known/openid-configuration", get(move || configuration(document.clone()))).route(paths::JWKS, get(jwks))
}

async fn configuration(document: Bytes) -> impl IntoResponse {
    (
        [
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::CONTENT_TYPE, "application/json"),
        ],
        document,
    )
}

async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    (
        [
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::CONTENT_TYPE, "application/jwk-set+json"),
        ],
        axum::body::Bytes::from(state.keys.jwks_json().await.as_bytes().to_vec()),
    )
}

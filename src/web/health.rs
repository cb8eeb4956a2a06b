use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready to serve: the database answers (within a few seconds). Not ready is 503 with
/// Retry-After, so a load balancer takes this instance out until its database is back.
async fn readyz(State(state): State<AppState>) -> Response {
    let mut r = if state.db.ping().await {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        let mut r = (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(crate::error::RETRY_AFTER_SECS));
        r
    };
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

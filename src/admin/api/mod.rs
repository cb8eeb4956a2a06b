//! The admin REST API at `/api/v1/…`: JSON in and out, bearer tokens only (no cookies, so no
//! CSRF), errors as `{"error": code, "message": text}`. Described by the OpenAPI document at
//! `/api/v1/openapi.json`. See `docs/admin-api.md`.

use axum::Router;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}

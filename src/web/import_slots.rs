//! At most a few CSV imports at once. One import holds its body (up to `server.max_import_bytes`)
//! and several working copies of it in memory, so sixty administrators uploading at once would
//! need gigabytes; a request beyond the slots ([`crate::app::IMPORT_SLOTS`]) is answered 503 before
//! its body is read.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::error::{AppError, error_page};

/// For the API; the page says it in its language (error-imports-busy-*).
const BUSY: &str = "Other imports are running on this server. Try again in a minute; nothing was imported.";

/// Middleware for the import routes: holds a slot for the whole request, or answers 503.
pub async fn one_of_few(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Ok(_slot) = state.import_slots.try_acquire() else {
        let api = req.uri().path().starts_with("/api/");
        let mut r = if api {
            AppError::Json { status: StatusCode::SERVICE_UNAVAILABLE, error: "temporarily_unavailable", message: BUSY.into(), field: None }
                .into_response()
        } else {
            error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                &super::say::text("error-imports-busy-title"),
                &super::say::text("error-imports-busy-message"),
            )
        };
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        return r;
    };
    next.run(req).await
}

//! The browser-facing edge: sign-in and account pages, health checks, layers.

mod account;
mod admin;
pub mod cookies;
pub mod csrf;
mod demo;
mod email_login;
mod extract;
mod headers;
mod health;
mod invitations;
mod login;
mod mfa;
mod saml;
pub mod signin;
pub mod sso;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use extract::{Client, CurrentUser, MaybeUser};

use crate::app::AppState;
use crate::error::AppError;

const CSS: &str = include_str!("../../templates/stile.css");

pub fn router(state: AppState) -> Router {
    let limit = state.settings.server.max_body_bytes;
    let timeout = Duration::from_secs(state.settings.server.request_timeout_secs);
    Router::new()
        .route("/", get(home))
        .route("/static/stile.css", get(css))
        .merge(login::router())
        .merge(email_login::router())
        .merge(account::router())
        .merge(invitations::router())
        .merge(mfa::router())
        .merge(sso::router())
        .merge(saml::router())
        .merge(health::router())
        .merge(crate::oidc::router())
        .merge(crate::admin::api::router())
        .merge(demo::router())
        .merge(admin::router())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        // After the site-wide body limit, so CSV imports get their own, larger one.
        .merge(
            crate::admin::api::upload_router(state.settings.server.max_import_bytes)
                .layer(axum::middleware::from_fn(headers::security_headers)),
        )
        .merge(admin::upload_router(state.settings.server.max_import_bytes).layer(axum::middleware::from_fn(headers::security_headers)))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            // Only the path: query strings may carry codes and tokens.
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

async fn home(user: MaybeUser) -> Redirect {
    if user.0.is_some() { Redirect::to("/account") } else { Redirect::to("/login") }
}

async fn css() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"), (axum::http::header::CACHE_CONTROL, "public, max-age=3600")], CSS)
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// A `next` target we are willing to send the browser to after sign-in: a path on this site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.contains(['\r', '\n']) && n.len() <= 4096 => {
            n.to_owned()
        }
        _ => "/account".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_targets() {
        assert_eq!(safe_next(Some("/authorize?x=1")), "/authorize?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/account");
        assert_eq!(safe_next(Some("https://evil.example")), "/account");
        assert_eq!(safe_next(Some("/\\evil.example")), "/account");
        assert_eq!(safe_next(None), "/account");
    }
}

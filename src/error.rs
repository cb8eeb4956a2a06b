//! The edge error types. Only these render errors; everything else returns its own thiserror
//! enum and is mapped here. Internal detail is logged once and never sent to the client.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::auth::AuthError;
use crate::store::StoreError;

/// Errors from the browser-facing pages.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("csrf check failed")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("busy")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("{0}")]
    Internal(String),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    site_name: &'a str,
    title: &'a str,
    message: &'a str,
    signed_in: bool,
}

/// Renders the error page; the deployment name is not known here, so pages say "Stile" only if
/// the handler did not render its own page.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let page = ErrorPage { site_name: "Sign in", title, message, signed_in: false };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, title.to_owned()).into_response(),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::SignInRequired { next } => {
                let target = format!("/login?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
                Redirect::to(&target).into_response()
            }
            AppError::Csrf => error_page(
                StatusCode::FORBIDDEN,
                "This form has expired",
                "For your security the form could not be accepted. Go back, reload the page and try again.",
            ),
            AppError::BadRequest(msg) => error_page(StatusCode::BAD_REQUEST, "Something is wrong with that request", &msg),
            AppError::NotFound => error_page(StatusCode::NOT_FOUND, "Page not found", "There is no page at this address."),
            AppError::Busy => {
                let mut r = error_page(StatusCode::SERVICE_UNAVAILABLE, "Busy", "The service is busy. Wait a moment and try again.");
                r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
                r
            }
            AppError::Store(_) | AppError::Auth(_) | AppError::Internal(_) => {
                tracing::error!(error = %error_chain(&self), "request failed");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Something went wrong on our side. Try again in a moment.",
                )
            }
        }
    }
}

/// The full chain of causes, for the log.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

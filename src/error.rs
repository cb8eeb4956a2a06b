//! The edge error types. Only these render errors; everything else returns its own thiserror
//! enum and is mapped here. Internal detail is logged once and never sent to the client.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::auth::AuthError;
pub use crate::report::error_chain;
use crate::store::StoreError;

/// Errors from the browser-facing pages.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    SignInRequired { next: String },
    /// Step-up: a second factor is needed before this action. A redirect to the code page (or
    /// to enrolment, for someone with none), carrying [`StepUpRedirect`] so the admin UI can
    /// add the form to return to.
    #[error("step-up required")]
    StepUpRequired { enrolled: bool },
    #[error("csrf check failed")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("busy")]
    Busy,
    /// The database cannot be reached: 503 with Retry-After (logged once per outage, by the store).
    #[error("database unavailable")]
    Unavailable,
    /// Refused by the delegation rules; the reason is shown.
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A JSON error for the REST API: `{"error": code, "message": ..., "field": ...}`.
    #[error("{error}: {message}")]
    Json { status: StatusCode, error: &'static str, message: String, field: Option<&'static str> },
    /// A SCIM error (RFC 7644 §3.12) as `application/scim+json`.
    #[error(transparent)]
    Scim(#[from] crate::scim::ScimError),
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

/// What an error page says, kept on its response so that the web edge, which knows the
/// deployment's name, can render it again with that name in the header (see
/// [`with_site_name`]).
#[derive(Debug, Clone)]
pub struct ErrorPageText {
    pub title: String,
    pub message: String,
}

/// Renders the error page. The deployment name is not known here; the web edge puts it in
/// with [`with_site_name`].
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let mut r = render_error_page(status, "Stile", title, message);
    r.extensions_mut().insert(ErrorPageText { title: title.to_owned(), message: message.to_owned() });
    r
}

fn render_error_page(status: StatusCode, site_name: &str, title: &str, message: &str) -> Response {
    let page = ErrorPage { site_name, title, message, signed_in: false };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, title.to_owned()).into_response(),
    }
}

/// The same error page with the deployment's name in its header and title; status and headers
/// (Retry-After, cookies) are kept. Other responses are returned unchanged.
pub fn with_site_name(res: Response, site_name: &str) -> Response {
    let Some(text) = res.extensions().get::<ErrorPageText>().cloned() else { return res };
    let (mut parts, _) = res.into_parts();
    let (fresh, body) = render_error_page(parts.status, site_name, &text.title, &text.message).into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    if let Some(ct) = fresh.headers.get(axum::http::header::CONTENT_TYPE) {
        parts.headers.insert(axum::http::header::CONTENT_TYPE, ct.clone());
    }
    Response::from_parts(parts, body)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::SignInRequired { next } => {
                let target = format!("/login?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
                Redirect::to(&target).into_response()
            }
            AppError::StepUpRequired { enrolled } => {
                let mut r = Redirect::to(StepUpRedirect::target(enrolled, "/admin").as_str()).into_response();
                r.extensions_mut().insert(StepUpRedirect { enrolled });
                r
            }
            AppError::Csrf => error_page(StatusCode::FORBIDDEN, &text("error-csrf-title"), &text("error-csrf-message")),
            AppError::BadRequest(msg) => error_page(StatusCode::BAD_REQUEST, &text("error-bad-request-title"), &said(&msg)),
            AppError::NotFound => error_page(StatusCode::NOT_FOUND, &text("error-not-found-title"), &text("error-not-found-message")),
            AppError::Busy => {
                let mut r = error_page(StatusCode::SERVICE_UNAVAILABLE, &text("error-busy-title"), &text("error-busy-message"));
                r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
                r
            }
            AppError::Unavailable => unavailable_page(),
            AppError::Forbidden(reason) => error_page(StatusCode::FORBIDDEN, &text("error-forbidden-title"), &said(&reason)),
            AppError::Conflict(msg) => error_page(StatusCode::CONFLICT, &text("error-conflict-title"), &said(&msg)),
            AppError::Json { status, error, message, field } => {
                let mut body = serde_json::json!({ "error": error, "message": message });
                if let (Some(f), Some(o)) = (field, body.as_object_mut()) {
                    o.insert("field".into(), serde_json::json!(f));
                }
                let mut r = (status, axum::Json(body)).into_response();
                r.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static(RETRY_AFTER_SECS));
                }
                if status == StatusCode::UNAUTHORIZED {
                    // A DPoP-bound token refused for its proof is challenged as DPoP (RFC 9449
                    // §7.1), as at userinfo; everything else as Bearer.
                    let challenge = if error == "invalid_dpop_proof" {
                        "DPoP error=\"invalid_dpop_proof\", algs=\"RS256 PS256 ES256\""
                    } else {
                        "Bearer"
                    };
                    r.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static(challenge));
                }
                r
            }
            AppError::Scim(e) => {
                let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut r = (status, scim_json(&e.body())).into_response();
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static(RETRY_AFTER_SECS));
                }
                if status == StatusCode::UNAUTHORIZED {
                    r.headers_mut()
                        .insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer realm=\"scim\""));
                }
                r
            }
            AppError::Store(e) if crate::store::caused_by_unavailable(&e) => unavailable_page(),
            AppError::Auth(e) if crate::store::caused_by_unavailable(&e) => unavailable_page(),
            AppError::Store(_) | AppError::Auth(_) | AppError::Internal(_) => {
                tracing::error!(error = %error_chain(&self), "request failed");
                error_page(StatusCode::INTERNAL_SERVER_ERROR, &text("error-internal-title"), &text("error-internal-message"))
            }
        }
    }
}

/// An error page's words, in the language of the request being answered.
fn text(key: &str) -> String {
    crate::i18n::Tr::plain(crate::i18n::current()).get(key).0
}

/// A refusal worded in English where it arose (for the admin API, relying apps and logs too), in
/// the page's language where the catalogue has it (`i18n::refusals`).
fn said(english: &str) -> String {
    crate::i18n::refusals::say(english)
}

/// Seconds a client is asked to wait when the database is unavailable.
pub const RETRY_AFTER_SECS: &str = "5";

/// A SCIM response body: JSON as `application/scim+json`, never cached.
pub fn scim_json(v: &serde_json::Value) -> Response {
    let mut r = axum::Json(v).into_response();
    r.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/scim+json"));
    r.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    r
}

/// The page for "the database cannot be reached": 503 and Retry-After, no detail.
fn unavailable_page() -> Response {
    let mut r = error_page(StatusCode::SERVICE_UNAVAILABLE, &text("error-unavailable-title"), &text("error-unavailable-message"));
    r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static(RETRY_AFTER_SECS));
    r
}

/// Marks the redirect [`AppError::StepUpRequired`] answers with.
#[derive(Debug, Clone, Copy)]
pub struct StepUpRedirect {
    pub enrolled: bool,
}

impl StepUpRedirect {
    /// The second-factor page (or enrolment, saying why) that returns to `next`.
    pub fn target(enrolled: bool, next: &str) -> String {
        let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        if enrolled { format!("/login/2fa?step_up=1&next={next}") } else { format!("/login/2fa/enrol?step_up=1&next={next}") }
    }
}

impl AppError {
    /// A failure from below: "busy" when the mail queue is full (the person can try again
    /// shortly), "unavailable" when the database cannot be reached, otherwise an internal error
    /// with its whole chain for the log.
    pub fn from_failure(e: &(dyn std::error::Error + 'static)) -> Self {
        if crate::store::caused_by_unavailable(e) {
            return AppError::Unavailable;
        }
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = cur {
            if let Some(crate::mail::MailError::QueueFull) = err.downcast_ref::<crate::mail::MailError>() {
                return AppError::Busy;
            }
            cur = err.source();
        }
        AppError::Internal(error_chain(e))
    }
}

/// Errors from the OAuth/OIDC JSON endpoints, in RFC 6749 §5.2 shape, never cached.
#[derive(Debug)]
pub struct OAuthError {
    pub status: StatusCode,
    pub code: &'static str,
    pub description: String,
    /// `Basic` (client authentication failed with HTTP Basic), `Bearer` (RFC 6750) or `DPoP`
    /// (RFC 9449 §7.1).
    pub www_authenticate: Option<&'static str>,
    /// A nonce for the client's next DPoP proof (the `DPoP-Nonce` header, RFC 9449 §8).
    pub dpop_nonce: Option<String>,
}

impl OAuthError {
    pub fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        Self { status, code, description: description.into(), www_authenticate: None, dpop_nonce: None }
    }
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", d)
    }
    pub fn invalid_client(d: impl Into<String>, basic: bool) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "invalid_client", d);
        e.www_authenticate = basic.then_some("Basic");
        e
    }
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", d)
    }
    pub fn invalid_token(d: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "invalid_token", d);
        e.www_authenticate = Some("Bearer");
        e
    }
    /// A failure on our side: `temporarily_unavailable` (503, Retry-After) when the database
    /// cannot be reached, otherwise `server_error` (500) with the cause logged.
    pub fn server_error(e: &(dyn std::error::Error + 'static)) -> Self {
        if crate::store::caused_by_unavailable(e) {
            return Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the service is temporarily unavailable; try again in a moment",
            );
        }
        tracing::error!(error = %error_chain(e), "oauth request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "the server could not complete the request")
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        use axum::http::{HeaderValue, header};
        let body = serde_json::json!({ "error": self.code, "error_description": self.description });
        let mut res = (self.status, axum::Json(body)).into_response();
        let h = res.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            h.insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS));
        }
        if let Some(scheme) = self.www_authenticate {
            let value = if scheme == "Bearer" {
                // RFC 6750 §3: the error code in the challenge; the description is ASCII we wrote.
                format!("Bearer error=\"{}\", error_description=\"{}\"", self.code, self.description.replace('"', "'"))
            } else if scheme == "DPoP" {
                format!(
                    "DPoP error=\"{}\", error_description=\"{}\", algs=\"RS256 PS256 ES256\"",
                    self.code,
                    self.description.replace('"', "'")
                )
            } else {
                "Basic realm=\"stile\"".to_owned()
            };
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(header::WWW_AUTHENTICATE, v);
            }
        }
        if let Some(n) = self.dpop_nonce
            && let Ok(v) = HeaderValue::from_str(&n)
        {
            h.insert("dpop-nonce", v);
        }
        res
    }
}

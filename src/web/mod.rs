//! The browser-facing edge: sign-in and account pages, health checks, the admin UI, and the
//! request checks and headers `crate::server` layers over every edge.

mod account;
mod admin;
mod around;
pub mod cookies;
pub mod csrf;
mod demo;
mod email_login;
mod extract;
pub mod flash;
pub mod fuzzing;
pub mod headers;
mod health;
pub mod import_slots;
pub mod input;
mod invitations;
pub mod language;
mod login;
mod metrics;
mod mfa;
mod passkeys;
mod saml;
pub mod say;
pub mod signin;
mod site_errors;
pub mod sso;
mod to_the_end;

use axum::Router;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;

pub use crate::request::Client;
pub use extract::{CurrentUser, MaybeUser};
pub use metrics::record_layer as record_metrics;

use crate::app::AppState;
use crate::error::AppError;

const CSS: &str = include_str!("../../templates/stile.css");
const COPY_JS: &str = include_str!("../../templates/copy.js");

/// The pages (sign-in, account, SSO, health, the demo app, the admin UI), without layers or
/// fallback: `crate::server` merges every edge's router and wraps them once.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/static/stile.css", get(css))
        .route("/static/copy.js", get(copy_js))
        .route("/static/logo", get(logo))
        .merge(login::router())
        .merge(email_login::router())
        .merge(account::router())
        .merge(invitations::router())
        .merge(language::router())
        .merge(mfa::router())
        .merge(passkeys::router())
        .merge(sso::router())
        .merge(saml::router())
        .merge(health::router())
        .merge(metrics::router())
        .merge(demo::router())
        .merge(admin::router())
}

/// The admin UI's CSV upload, which reads its body with its own (larger) limit.
pub fn upload_router() -> Router<AppState> {
    admin::upload_router()
}

/// The SAML assertion consumer service, with its own body limit and input check.
pub fn acs_router() -> Router<AppState> {
    saml::acs_router()
}

async fn home(user: MaybeUser) -> Redirect {
    if user.0.is_some() { Redirect::to("/account") } else { Redirect::to("/login") }
}

/// The style sheet, with the deployment's logo beside its name when one is configured (so no
/// page needs to know about it).
async fn css(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    let css = if state.logo.is_none() { std::borrow::Cow::Borrowed(CSS) } else { std::borrow::Cow::Owned(format!("{CSS}{LOGO_CSS}")) };
    ([(axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"), (axum::http::header::CACHE_CONTROL, "public, max-age=3600")], css)
}

const LOGO_CSS: &str = ".brand::before { content: \"\"; display: inline-block; width: 5em; height: 1.8em; margin-right: 12px; vertical-align: middle; \
     background: url(/static/logo) left center / contain no-repeat; }\n";

/// The configured logo, checked and read at start (`services::logo`); 404 when there is none.
/// The site's CSP (no scripts) also covers an SVG opened on its own.
async fn logo(axum::extract::State(state): axum::extract::State<AppState>) -> Result<axum::response::Response, AppError> {
    let logo = state.logo.as_ref().ok_or(AppError::NotFound)?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, logo.content_type), (axum::http::header::CACHE_CONTROL, "public, max-age=3600")],
        logo.bytes.clone(),
    )
        .into_response())
}

async fn copy_js() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (axum::http::header::CACHE_CONTROL, "public, max-age=3600")],
        COPY_JS,
    )
}

/// The answer for any path no edge serves.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Error pages name the deployment in their header, as every other page does.
pub fn site_error_pages(state: &AppState) -> around::AroundLayer<site_errors::SiteErrors> {
    site_errors::layer(state.settings.clone())
}

/// A `next` target we are willing to send the browser to after sign-in: a place on this site.
/// It is resolved as a URL reference against the site's origin (as the browser will resolve
/// the `Location` it becomes) and accepted only when the result stays on that origin and the
/// text has no control characters (a browser drops tabs and newlines, so `/\t/evil.example`
/// would become `//evil.example`) and no backslashes (read as `/`); the path, query and
/// fragment of the result are returned, so the `Location` is always a plain absolute path.
pub fn safe_next(next: Option<&str>) -> String {
    resolve_next(next).unwrap_or_else(|| "/account".to_owned())
}

fn resolve_next(next: Option<&str>) -> Option<String> {
    let next = next?;
    if !next.starts_with('/') || next.len() > 4096 || next.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    // Any origin of our own will do: only whether the result leaves it matters.
    let base = url::Url::parse("https://stile.invalid/").ok()?;
    let url = base.join(next).ok()?;
    if url.origin() != base.origin() || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let mut out = url.path().to_owned();
    if let Some(q) = url.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = url.fragment() {
        out.push('#');
        out.push_str(f);
    }
    // The result must be read the same way again (never `//host`).
    (out.starts_with('/') && !out.starts_with("//")).then_some(out)
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
        // A tab, newline or other control character anywhere: browsers drop some of them.
        for bad in ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/account\u{7f}", "/a\u{0}b", "/a\u{85}b"] {
            assert_eq!(safe_next(Some(bad)), "/account", "{bad:?}");
        }
        // A backslash anywhere, not only second.
        assert_eq!(safe_next(Some("/account/\\evil")), "/account");
        assert_eq!(safe_next(Some("/\\/evil.example")), "/account");
        // Not a path, or another origin once resolved.
        for bad in ["evil.example", "account", "https:evil.example", "/..//evil.example", "//user@evil.example", ""] {
            assert_eq!(safe_next(Some(bad)), "/account", "{bad:?}");
        }
        // Encoded forms stay encoded (a path, never a host), and paths come back normalised.
        assert_eq!(safe_next(Some("/%09/evil.example")), "/%09/evil.example");
        assert_eq!(safe_next(Some("/a/../authorize?x=1#f")), "/authorize?x=1#f");
        assert_eq!(safe_next(Some("/caf\u{e9}")), "/caf%C3%A9");
    }
}

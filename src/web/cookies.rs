//! Cookie names and attributes. With an https issuer the cookies get the `__Host-` prefix, which
//! browsers only accept with Secure, Path=/ and no Domain.

use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::app::AppState;

pub fn session_name(state: &AppState) -> &'static str {
    if state.settings.issuer_is_https() { "__Host-stile_session" } else { "stile_session" }
}

/// A sign-in waiting for its second factor.
pub fn mfa_pending_name(state: &AppState) -> &'static str {
    if state.settings.issuer_is_https() { "__Host-stile_mfa" } else { "stile_mfa" }
}

/// Addresses this browser signed in to by emailed link, having no password (see
/// `web::login::email_signin`).
pub fn email_signin_name(state: &AppState) -> &'static str {
    if state.settings.issuer_is_https() { "__Host-stile_by_email" } else { "stile_by_email" }
}

pub fn csrf_name(state: &AppState) -> &'static str {
    if state.settings.issuer_is_https() { "__Host-stile_csrf" } else { "stile_csrf" }
}

pub fn build(state: &AppState, name: &'static str, value: String, max_age_secs: Option<i64>) -> Cookie<'static> {
    let mut c =
        Cookie::build((name, value)).path("/").http_only(true).same_site(SameSite::Lax).secure(state.settings.issuer_is_https()).build();
    if let Some(secs) = max_age_secs {
        c.set_max_age(time::Duration::seconds(secs));
    }
    c
}

pub fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut c = build(state, name, String::new(), None);
    c.make_removal();
    c
}

/// The language chosen with the language link (issue 18). Not a secret.
pub fn language_name(state: &AppState) -> &'static str {
    if state.settings.issuer_is_https() { "__Host-stile_lang" } else { "stile_lang" }
}

/// The language a relying app asked for (`ui_locales`) while its sign-in goes on.
pub fn ui_locales_name(state: &AppState) -> &'static str {
    if state.settings.issuer_is_https() { "__Host-stile_ui_locales" } else { "stile_ui_locales" }
}

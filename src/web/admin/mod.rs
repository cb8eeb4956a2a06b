//! The admin web UI under `/admin/…`: server-rendered pages over the admin service layer
//! (`crate::admin::ops`). Handlers here only read forms, call one service function and render;
//! who may do what is decided by the service layer (and so by `policy::delegation`), never here.
//! Navigation hides what the actor cannot use, but the service layer refuses it anyway.
//!
//! Every form carries the CSRF token; a successful POST redirects (POST-redirect-GET) with a
//! `done` code that the next page turns into a fixed notice; a refusal or bad input re-renders
//! the page with the reason (or shows the 403 page for a plain button).

mod audit;
mod bans;
mod bodies;
mod clients;
mod connections;
mod data;
mod fields;
mod home;
mod import_form;
pub(super) mod labels;
mod memberships;
mod roles;
mod user_list;
mod users;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

pub use fields::{Button, HtmlForm};
pub use labels::{ban_kind_key, kind_key, member_kind_key, mfa_key, names_list, outcome_key, status_key, target_type_key};

use super::csrf::CsrfForm;
use super::extract::Client;
use super::{CurrentUser, csrf, say};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(users::router())
        .merge(user_list::router())
        .merge(memberships::router())
        .merge(bodies::router())
        .merge(roles::router())
        .merge(clients::router())
        .merge(connections::router())
        .merge(bans::router())
        .merge(audit::router())
        .merge(data::router())
        .layer(axum::middleware::from_fn(step_up_return))
}

/// Sends a step-up redirect (see `admin::ops::require_step_up`) to the code page with the form
/// the action came from to return to: a POST cannot be replayed by a redirect, so the person
/// enters the code, is back on the form and submits it again.
async fn step_up_return(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let back = form_page(req.uri().path());
    let mut res = next.run(req).await;
    if let Some(s) = res.extensions().get::<crate::error::StepUpRedirect>().copied()
        && let Ok(v) = axum::http::HeaderValue::from_str(&crate::error::StepUpRedirect::target(s.enrolled, &back))
    {
        res.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    res
}

/// The page whose form posts to `path`: the path itself, or its parent for the plain-button
/// actions (`…/rotate`, `…/secret`, `…/remove`, `…/admin-access`, `…/action`).
fn form_page(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((parent, last)) if matches!(last, "rotate" | "secret" | "remove" | "admin-access" | "action") && !parent.is_empty() => {
            parent.to_owned()
        }
        _ => path.to_owned(),
    }
}

/// Admin routes that take large bodies (the CSV import form), for merging outside the site-wide
/// body limit; they read their body with `server.max_import_bytes` themselves.
pub fn upload_router() -> Router<AppState> {
    data::upload_router()
}

/// The signed-in administrator: the acting principal for the service layer, the browser's
/// cookies and its CSRF token.
pub struct Admin {
    pub actor: AdminActor,
    pub jar: CookieJar,
    pub csrf: String,
    pub site_name: String,
    /// The browser session, for one-time values handed to the page a POST redirects to.
    pub session: crate::store::sessions::SessionRow,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let me = CurrentUser::from_request_parts(parts, state).await?;
        let Ok(Client(from)) = Client::from_request_parts(parts, state).await;
        let jar = CookieJar::from_headers(&parts.headers);
        let (jar, csrf) = csrf::token(state, jar);
        let actor = AdminActor::for_session(state, me.user, &me.session, from).await?;
        Ok(Admin { actor, jar, csrf, site_name: state.settings.server.name.clone(), session: me.session })
    }
}

impl Admin {
    /// The navigation for a page in `section`, with the notice for a `done` code, if any.
    pub fn nav(&self, section: Section, done: Option<&str>) -> Nav {
        let su = self.actor.is_superuser();
        let mut items = vec![
            NavItem::new("/admin", "admin-nav-home", section == Section::Home),
            NavItem::new("/admin/users", "admin-nav-users", section == Section::Users),
            NavItem::new("/admin/bodies", "admin-nav-bodies", section == Section::Bodies),
        ];
        items.push(NavItem::new("/admin/audit", "admin-nav-audit", section == Section::Audit));
        if su {
            items.push(NavItem::new("/admin/clients", "admin-nav-clients", section == Section::Clients));
            items.push(NavItem::new("/admin/connections", "admin-nav-connections", section == Section::Connections));
            items.push(NavItem::new("/admin/bans", "admin-nav-bans", section == Section::Bans));
        }
        Nav { items, notice: done.and_then(notice_text) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Users,
    Bodies,
    Clients,
    Connections,
    Bans,
    Audit,
}

pub struct NavItem {
    pub href: &'static str,
    /// The catalogue key of its label.
    pub label: &'static str,
    pub current: bool,
}

impl NavItem {
    fn new(href: &'static str, label: &'static str, current: bool) -> Self {
        NavItem { href, label, current }
    }
}

pub struct Nav {
    pub items: Vec<NavItem>,
    /// The catalogue key of the notice to show.
    pub notice: Option<&'static str>,
}

/// The fixed notices a redirect may ask for (never text from the request): the catalogue key
/// of each `done` code's notice.
fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "user-created" => "admin-notice-user-created",
        "user-welcomed" => "admin-notice-user-welcomed",
        "session-ended" => "admin-notice-session-ended",
        "app-revoked" => "admin-notice-app-revoked",
        "invitation-resent" => "admin-notice-invitation-resent",
        "invitation-withdrawn" => "admin-notice-invitation-withdrawn",
        "user-saved" => "admin-notice-user-saved",
        "flagged" => "admin-notice-flagged",
        "unflagged" => "admin-notice-unflagged",
        "disabled" => "admin-notice-disabled",
        "enabled" => "admin-notice-enabled",
        "superuser-on" => "admin-notice-superuser-on",
        "superuser-off" => "admin-notice-superuser-off",
        "logged-out" => "admin-notice-logged-out",
        "mfa-reset" => "admin-notice-mfa-reset",
        "mfa-none" => "admin-notice-mfa-none",
        "passkeys-removed" => "admin-notice-passkeys-removed",
        "email-sent" => "admin-notice-email-sent",
        "user-removed" => "admin-notice-user-removed",
        "member-added" => "admin-notice-member-added",
        "member-invited" => "admin-notice-member-invited",
        "member-saved" => "admin-notice-member-saved",
        "member-removed" => "admin-notice-member-removed",
        "body-created" => "admin-notice-body-created",
        "body-saved" => "admin-notice-body-saved",
        "linked" => "admin-notice-linked",
        "scim-token-created" => "admin-notice-scim-token-created",
        "scim-token-revoked" => "admin-notice-scim-token-revoked",
        "unlinked" => "admin-notice-unlinked",
        "role-created" => "admin-notice-role-created",
        "role-saved" => "admin-notice-role-saved",
        "role-deleted" => "admin-notice-role-deleted",
        "client-created" => "admin-notice-client-created",
        "client-saved" => "admin-notice-client-saved",
        "client-rotated" => "admin-notice-client-rotated",
        "client-removed" => "admin-notice-client-removed",
        "connection-created" => "admin-notice-connection-created",
        "connection-saved" => "admin-notice-connection-saved",
        "connection-secret" => "admin-notice-connection-secret",
        "connection-removed" => "admin-notice-connection-removed",
        "banned" => "admin-notice-banned",
        "unbanned" => "admin-notice-unbanned",
        "imported" => "admin-notice-imported",
        "bulk-done" => "admin-notice-bulk-done",
        "bulk-partly" => "admin-notice-bulk-partly",
        "bulk-refused" => "admin-notice-bulk-refused",
        "bulk-none" => "admin-notice-bulk-none",
        "bulk-no-body" => "admin-notice-bulk-no-body",
        _ => return None,
    })
}

/// A refusal or bad input to show on the page, or a failure for the error page.
pub struct Problem {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<&'static str>,
}

impl Problem {
    /// Splits a service-layer error: what a person can act on is shown on the form, in the
    /// page's language; a missing record or an internal failure goes to the error pages
    /// (internal text is never shown).
    pub fn from_admin(e: AdminError) -> Result<Problem, AppError> {
        match e {
            AdminError::Forbidden(_) | AdminError::Invalid { .. } | AdminError::Conflict(_) | AdminError::MailQueueFull => {}
            AdminError::Store(crate::store::StoreError::Conflict(_)) => {}
            other => return Err(other.into()),
        }
        Ok(Problem { status: e.status(), field: e.field(), message: crate::i18n::refusals::say(&e.public_message_for_form()) })
    }

    pub fn new(status: StatusCode, field: Option<&'static str>, message: impl Into<String>) -> Self {
        Problem { status, message: message.into(), field }
    }
}

trait FormMessage {
    fn public_message_for_form(&self) -> String;
}

impl FormMessage for AdminError {
    /// For `Invalid`, only the message (the field is shown by the page).
    fn public_message_for_form(&self) -> String {
        match self {
            AdminError::Invalid { message, .. } => message.clone(),
            other => other.public_message(),
        }
    }
}

/// "2026-11-22 19:04 UTC".
pub fn when(t: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(t).ok().and_then(|d| d.format(&fmt).ok()).unwrap_or_default()
}

/// [`when`], or "Never" in the page's language (for templates, which pass references).
pub fn when_or_never(t: &Option<i64>) -> String {
    t.map(when).unwrap_or_else(|| say::text("admin-never"))
}

/// [`when`] for templates, which pass references.
pub fn when_ref(t: &i64) -> String {
    when(*t)
}

/// A path segment or query value, percent-encoded.
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

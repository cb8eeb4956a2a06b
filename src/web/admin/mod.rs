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

use super::csrf::CsrfForm;
use super::extract::Client;
use super::{CurrentUser, csrf};
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
            NavItem::new("/admin", "Overview", section == Section::Home),
            NavItem::new("/admin/users", "Users", section == Section::Users),
            NavItem::new("/admin/bodies", "Organisations", section == Section::Bodies),
        ];
        items.push(NavItem::new("/admin/audit", "Audit log", section == Section::Audit));
        if su {
            items.push(NavItem::new("/admin/clients", "Relying apps", section == Section::Clients));
            items.push(NavItem::new("/admin/connections", "Single sign-on", section == Section::Connections));
            items.push(NavItem::new("/admin/bans", "Bans", section == Section::Bans));
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
    pub notice: Option<&'static str>,
}

/// The fixed notices a redirect may ask for (never text from the request).
fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "user-created" => "The user has been created. No email was sent; they can sign in by emailed link.",
        "user-welcomed" => "The user has been created and sent a welcome email with a link to sign in for the first time.",
        "session-ended" => "The session has been ended; the apps it signed into have been told.",
        "app-revoked" => "The app's access has been revoked: its tokens for this user no longer work, and it has to ask again.",
        "invitation-resent" => "The invitation has been sent again with a new link; the old link no longer works.",
        "invitation-withdrawn" => "The invitation has been withdrawn; its link no longer works.",
        "user-saved" => "The user's details have been saved.",
        "flagged" => "The user is now flagged.",
        "unflagged" => "The user is no longer flagged.",
        "disabled" => "The account is disabled and its sessions have ended.",
        "enabled" => "The account is enabled again.",
        "superuser-on" => "The user is now a superuser.",
        "superuser-off" => "The user is no longer a superuser.",
        "logged-out" => "The user has been signed out everywhere; their tokens no longer work.",
        "mfa-reset" => "Two-factor authentication has been reset; the user has been told by email.",
        "mfa-none" => "The user had no two-factor authentication to reset.",
        "passkeys-removed" => "The user's passkeys have been removed.",
        "email-sent" => "A sign-in email is on its way to the user.",
        "user-removed" => "The user has been removed: their personal details are blanked and the audit log keeps their id.",
        "member-added" => "The user has been added to the organisation.",
        "member-invited" => "The user has been sent an invitation by email; they join the organisation when they accept it.",
        "member-saved" => "The membership has been saved.",
        "member-removed" => "The user has been removed from the organisation.",
        "body-created" => "The organisation has been created.",
        "body-saved" => "The organisation's settings have been saved.",
        "linked" => "The contractor organisation has been linked.",
        "scim-token-created" => "The SCIM token has been made. Copy its secret now: it is not shown again.",
        "scim-token-revoked" => "The SCIM token has been revoked: the directory's next request with it is refused.",
        "unlinked" => "The contractor organisation has been unlinked.",
        "role-created" => "The role has been created.",
        "role-saved" => "The role has been saved.",
        "role-deleted" => "The role has been deleted.",
        "client-created" => "The relying app has been registered.",
        "client-saved" => "The relying app has been saved.",
        "client-rotated" => "The relying app has a new secret; the old one no longer works.",
        "client-removed" => "The relying app has been removed.",
        "connection-created" => "The SSO connection has been added. Give the IdP the details shown below.",
        "connection-saved" => "The SSO connection has been saved.",
        "connection-secret" => "The new client secret has been stored. It is not shown anywhere.",
        "connection-removed" => "The SSO connection has been removed; its users' accounts stay.",
        "banned" => "The ban is in place; anyone it covers has been signed out.",
        "unbanned" => "The ban has been lifted.",
        "imported" => "The users have been imported.",
        "bulk-done" => "Done for every selected user.",
        "bulk-partly" => "Done for some of the selected users; the others were refused. The audit log says why.",
        "bulk-refused" => "Nothing was done: every selected user was refused. The audit log says why.",
        "bulk-none" => "Nothing was done: select at least one user you may act on.",
        "bulk-no-body" => "Nothing was done: choose the organisation to add the users to.",
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
    /// Splits a service-layer error: what a person can act on is shown on the form; a missing
    /// record or an internal failure goes to the error pages (internal text is never shown).
    pub fn from_admin(e: AdminError) -> Result<Problem, AppError> {
        match e {
            AdminError::Forbidden(_) | AdminError::Invalid { .. } | AdminError::Conflict(_) => {}
            AdminError::Store(crate::store::StoreError::Conflict(_)) => {}
            other => return Err(other.into()),
        }
        Ok(Problem { status: e.status(), field: e.field(), message: e.public_message_for_form() })
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

/// [`when`], or "Never" (for templates, which pass references).
pub fn when_or_never(t: &Option<i64>) -> String {
    t.map(when).unwrap_or_else(|| "Never".into())
}

/// [`when`] for templates, which pass references.
pub fn when_ref(t: &i64) -> String {
    when(*t)
}

/// A path segment or query value, percent-encoded.
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

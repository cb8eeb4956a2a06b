//! Users: search and the flagged list, create, and one user's page with every action on them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Admin, CsrfForm, HtmlForm, Nav, Problem, Section, enc, fields, when};
use crate::admin::ops::{self, bodies::BodyView, memberships::MembershipInput, roles::RoleView, users::UserView};
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::{Tr, current};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users/new", get(new_page).post(create))
        .route("/admin/users/{id}", get(show).post(edit))
        .route("/admin/users/{id}/action", post(action))
        .route("/admin/users/{id}/memberships", post(add_membership))
        .route("/admin/users/{id}/sessions/end", post(end_session))
        .route("/admin/users/{id}/apps/revoke", post(revoke_app))
        .route("/admin/users/{id}/invitations", post(invitation_action))
}

pub struct Check {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_new.html")]
struct NewPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    superuser: bool,
    email: String,
    name: String,
    /// The organisation chosen (its roles are offered), or the list to choose from.
    body: Option<BodyView>,
    bodies: Vec<BodyView>,
    roles: Vec<Check>,
    make_superuser: bool,
    send_welcome: bool,
}

/// The new-user form. `fixed_body` is sent only when the form showed that organisation's roles.
#[derive(Deserialize)]
struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default, deserialize_with = "fields::trimmed")]
    body_id: Option<String>,
    #[serde(default, deserialize_with = "fields::trimmed")]
    fixed_body: Option<String>,
    #[serde(default, deserialize_with = "fields::values")]
    roles: Vec<String>,
    #[serde(default, deserialize_with = "fields::ticked")]
    superuser: bool,
    #[serde(default, deserialize_with = "fields::ticked")]
    send_welcome: bool,
}

/// The user page's details form.
#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

/// A button on the user page: what to do, and the removal's confirmation box.
#[derive(Deserialize)]
struct ActionForm {
    #[serde(default, rename = "do")]
    action: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    confirm_superuser: String,
}

/// The "add to an organisation" form.
#[derive(Deserialize)]
struct AddMembershipForm {
    #[serde(default, deserialize_with = "fields::trimmed")]
    body_id: Option<String>,
}

#[derive(Deserialize)]
struct NewQuery {
    body: Option<String>,
}

fn role_checks(roles: &[RoleView], chosen: &[String]) -> Vec<Check> {
    roles
        .iter()
        .map(|r| Check {
            value: r.id.clone(),
            label: if r.description.is_empty() { r.name.clone() } else { format!("{} – {}", r.name, r.description) },
            checked: chosen.contains(&r.id),
        })
        .collect()
}

async fn new_form(
    state: &AppState,
    admin: &Admin,
    body_id: Option<&str>,
    f: Option<&NewUserForm>,
    problem: Option<Problem>,
) -> Result<Response, AppError> {
    let (body, bodies, roles) = match body_id {
        Some(id) => {
            let body = ops::bodies::show(state, &admin.actor, id).await?;
            let roles = ops::roles::list(state, &admin.actor, id).await?;
            let chosen = f.map(|f| f.roles.clone()).unwrap_or_default();
            (Some(body), Vec::new(), role_checks(&roles, &chosen))
        }
        None => (None, ops::bodies::list(state, &admin.actor).await?, Vec::new()),
    };
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let page = NewPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Users, None),
        csrf: admin.csrf.clone(),
        error_field: problem.as_ref().and_then(|p| p.field),
        error: problem.map(|p| p.message),
        superuser: admin.actor.is_superuser(),
        email: f.map(|f| f.email.clone()).unwrap_or_default(),
        name: f.map(|f| f.name.clone()).unwrap_or_default(),
        body,
        bodies,
        roles,
        make_superuser: f.is_some_and(|f| f.superuser),
        send_welcome: f.is_some_and(|f| f.send_welcome),
    };
    Ok((status, admin.jar.clone(), page).into_response())
}

async fn new_page(State(state): State<AppState>, admin: Admin, Query(q): Query<NewQuery>) -> Result<Response, AppError> {
    new_form(&state, &admin, q.body.as_deref().filter(|b| !b.is_empty()), None, None).await
}

async fn create(
    State(state): State<AppState>,
    admin: Admin,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<NewUserForm>>,
) -> Result<Response, AppError> {
    let roles = f.roles.clone();
    let input = ops::users::NewUser {
        email: f.email.clone(),
        name: f.name.clone(),
        body_id: f.body_id.clone(),
        membership: MembershipInput { roles: (!roles.is_empty()).then_some(roles), ..Default::default() },
        superuser: f.superuser,
        send_welcome: f.send_welcome,
    };
    // The organisation chosen from the list is kept on the form only if the form showed its roles.
    let shown_body = f.fixed_body.clone();
    match ops::users::create(&state, &admin.actor, input).await {
        Ok(u) => {
            let done = if f.send_welcome { "user-welcomed" } else { "user-created" };
            Ok(Redirect::to(&format!("/admin/users/{}?done={done}", enc(&u.user.id))).into_response())
        }
        Err(e) => new_form(&state, &admin, shown_body.as_deref(), Some(&f), Some(email_problem(e, &f.email)?)).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user.html")]
struct UserPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    superuser: bool,
    is_me: bool,
    u: UserView,
    name: String,
    email: String,
    mfa_enabled: bool,
    passkeys: i64,
    created: String,
    last_login: String,
    /// "Active", "Disabled, flagged"…, in the page's language.
    status: String,
    memberships: Vec<ops::memberships::MembershipView>,
    /// Organisations the user could be added to.
    bodies: Vec<BodyView>,
    sessions: Vec<SessionLine>,
    apps: Vec<AppLine>,
    events: Vec<EventLine>,
    invitations: Vec<InvitationLine>,
}

/// A live session on the user's page.
pub struct SessionLine {
    pub sid: String,
    pub device: String,
    pub ip: String,
    pub started: String,
    pub last_seen: String,
}

/// An app holding grants for the user, or that they consented to.
pub struct AppLine {
    pub client_id: String,
    pub name: String,
    pub access: String,
    pub since: String,
}

/// One of the user's recent audit events.
pub struct EventLine {
    pub when: String,
    pub action: String,
    /// Catalogue key: "Done" or "Refused".
    pub outcome: &'static str,
    /// Catalogue key: "By them" or "To them".
    pub role: &'static str,
}

/// An invitation sent to the user, with its state.
pub struct InvitationLine {
    pub id: String,
    pub what: String,
    pub state: &'static str,
    /// When it was sent (and how often), accepted, withdrawn or expires, in words.
    pub detail: String,
    /// It can still be resent or withdrawn.
    pub open: bool,
}

/// A refusal of the form; one of the address typed is said in the page's language (the service
/// layer says it in English, for the API and the command line).
fn email_problem(e: crate::admin::AdminError, email: &str) -> Result<Problem, AppError> {
    use crate::web::say::Say;
    let mut p = Problem::from_admin(e)?;
    if p.field == Some("email")
        && let Err(bad) = crate::email::Email::parse(email)
    {
        p.message = bad.say();
    }
    Ok(p)
}

/// Text built here is escaped by the page, so the catalogue is used as plain text.
fn tr() -> Tr {
    Tr::plain(current())
}

/// A session's browser and system in the page's language (the API says them in English).
fn device_said(d: ops::user_activity::Device) -> String {
    let t = crate::i18n::Tr::plain(crate::i18n::current());
    match (d.browser, d.system) {
        ("", "") => t.get("user-device-unknown").0,
        ("", system) => t.msg("user-device-system").arg("system", system).to_string(),
        (browser, "") => browser.to_owned(),
        (browser, system) => t.msg("user-device-on").arg("browser", browser).arg("system", system).to_string(),
    }
}

fn app_line(a: ops::user_activity::AppView) -> AppLine {
    let t = tr();
    let mut access = Vec::new();
    if a.grants > 0 {
        access.push(if a.offline { t.get("user-app-signed-in-offline").0 } else { t.get("user-app-signed-in").0 });
    }
    if let Some(scopes) = &a.consent_scopes {
        access.push(t.msg("user-app-consented").arg("scopes", scopes).to_string());
    }
    AppLine { client_id: a.client_id, name: a.client_name, access: access.join("; "), since: when(a.since) }
}

fn invitation_line(i: ops::invitations::InvitationView) -> InvitationLine {
    use ops::invitations::InvitationState as S;
    let t = tr();
    let what = match (i.kind.as_str(), i.body_name.is_empty()) {
        ("welcome", true) => t.get("user-invitation-welcome").0,
        ("welcome", false) => t.msg("user-invitation-welcome-to").arg("organisation", &i.body_name).to_string(),
        (_, _) => t.msg("user-invitation-join").arg("organisation", &i.body_name).to_string(),
    };
    let (key, at) = match i.state {
        S::Sent => ("user-invitation-detail-sent", when(i.expires_at)),
        S::Expired => ("user-invitation-detail-expired", when(i.expires_at)),
        S::Accepted => ("user-invitation-detail-accepted", i.used_at.map(when).unwrap_or_default()),
        S::Withdrawn => ("user-invitation-detail-withdrawn", i.withdrawn_at.map(when).unwrap_or_default()),
    };
    let detail = t.n(key, i.send_count).arg("sent", when(i.sent_at)).arg("at", at).to_string();
    InvitationLine { id: i.id, what, state: i.state.label_key(), detail, open: i.state.is_open() }
}

async fn user_page(
    state: &AppState,
    admin: &Admin,
    id: &str,
    done: Option<&str>,
    f: Option<&EditForm>,
    problem: Option<Problem>,
) -> Result<Response, AppError> {
    let d = ops::users::show(state, &admin.actor, id).await?;
    let member_of: Vec<&str> = d.memberships.iter().map(|m| m.body_id.as_str()).collect();
    let bodies = ops::bodies::list(state, &admin.actor).await?.into_iter().filter(|b| !member_of.contains(&b.id.as_str())).collect();
    let activity = ops::user_activity::of_user(state, &admin.actor, id).await?;
    let sessions = activity
        .sessions
        .into_iter()
        .map(|s| SessionLine {
            started: when(s.started_at),
            last_seen: when(s.last_seen_at),
            sid: s.sid,
            device: device_said(s.device_kind),
            ip: s.ip,
        })
        .collect();
    let apps = activity.apps.into_iter().map(app_line).collect();
    let events = activity
        .events
        .into_iter()
        .map(|e| EventLine {
            when: when(e.at),
            role: if e.actor_user_id.as_deref() == Some(id) { "user-event-by-them" } else { "user-event-to-them" },
            outcome: if e.outcome == "success" { "user-event-done" } else { "user-event-refused" },
            action: e.action,
        })
        .collect();
    let invitations =
        ops::invitations::of_user(state, &admin.actor, &d.user.id, &d.user.email).await?.into_iter().map(invitation_line).collect();
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let page = UserPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Users, done),
        csrf: admin.csrf.clone(),
        error_field: problem.as_ref().and_then(|p| p.field),
        error: problem.map(|p| p.message),
        superuser: admin.actor.is_superuser(),
        is_me: admin.actor.user_id() == Some(d.user.id.as_str()),
        name: f.map(|f| f.name.clone()).unwrap_or_else(|| d.user.name.clone()),
        email: f.map(|f| f.email.clone()).unwrap_or_else(|| d.user.email.clone()),
        mfa_enabled: d.mfa_enabled,
        passkeys: d.passkeys,
        created: when(d.user.created_at),
        last_login: d.user.last_login_at.map(when).unwrap_or_else(|| tr().get("people-never").0),
        status: status_text(d.user.disabled, d.user.flagged, d.user.superuser),
        memberships: d.memberships,
        u: d.user,
        bodies,
        sessions,
        apps,
        events,
        invitations,
    };
    Ok((status, admin.jar.clone(), page).into_response())
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    user_page(&state, &admin, &id, q.done.as_deref(), None, None).await
}

async fn edit(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<EditForm>>,
) -> Result<Response, AppError> {
    let input = ops::users::UserEdit { name: Some(f.name.clone()), email: Some(f.email.clone()) };
    match ops::users::update(&state, &admin.actor, &id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{}?done=user-saved", enc(&id))).into_response()),
        Err(e) => user_page(&state, &admin, &id, None, Some(&f), Some(email_problem(e, &f.email)?)).await,
    }
}

/// The buttons on a user's page, each one service call.
async fn action(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<ActionForm>>,
) -> Result<Response, AppError> {
    let a = &admin.actor;
    let result: Result<&str, crate::admin::AdminError> = match f.action.as_str() {
        "flag" => ops::users::set_flagged(&state, a, &id, true).await.map(|_| "flagged"),
        "unflag" => ops::users::set_flagged(&state, a, &id, false).await.map(|_| "unflagged"),
        "disable" => ops::users::set_disabled(&state, a, &id, true).await.map(|_| "disabled"),
        "enable" => ops::users::set_disabled(&state, a, &id, false).await.map(|_| "enabled"),
        "superuser-on" => {
            // Everything, everywhere: asked twice, like removing a user.
            if f.confirm_superuser != "yes" {
                let p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("confirm_superuser"), tr().get("user-superuser-unconfirmed"));
                return user_page(&state, &admin, &id, None, None, Some(p)).await;
            }
            ops::users::set_superuser(&state, a, &id, true).await.map(|_| "superuser-on")
        }
        "superuser-off" => ops::users::set_superuser(&state, a, &id, false).await.map(|_| "superuser-off"),
        "logout" => ops::users::logout_everywhere(&state, a, &id).await.map(|_| "logged-out"),
        "reset-2fa" => ops::users::reset_mfa(&state, a, &id).await.map(|had| if had { "mfa-reset" } else { "mfa-none" }),
        "remove-passkeys" => ops::users::remove_passkeys(&state, a, &id).await.map(|_| "passkeys-removed"),
        "send-email" => ops::users::send_sign_in_email(&state, a, &id).await.map(|_| "email-sent"),
        "remove" => {
            if f.confirm != "yes" {
                let p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("confirm"), tr().get("user-remove-unconfirmed"));
                return user_page(&state, &admin, &id, None, None, Some(p)).await;
            }
            return match ops::users::remove(&state, a, &id).await {
                Ok(()) => Ok(Redirect::to("/admin/users?done=user-removed").into_response()),
                Err(e) => user_page(&state, &admin, &id, None, None, Some(Problem::from_admin(e)?)).await,
            };
        }
        _ => return Err(AppError::BadRequest(crate::web::say::text("people-bad-user-action"))),
    };
    match result {
        Ok(done) => Ok(Redirect::to(&format!("/admin/users/{}?done={done}", enc(&id))).into_response()),
        Err(e) => user_page(&state, &admin, &id, None, None, Some(Problem::from_admin(e)?)).await,
    }
}

async fn add_membership(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<AddMembershipForm>>,
) -> Result<Response, AppError> {
    let Some(body_id) = f.body_id else {
        let p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("body_id"), tr().get("user-choose-organisation"));
        return user_page(&state, &admin, &id, None, None, Some(p)).await;
    };
    match ops::memberships::add(&state, &admin.actor, &body_id, &id, MembershipInput::default()).await {
        Ok(ops::memberships::AddOutcome::Added(m)) => {
            Ok(Redirect::to(&format!("/admin/memberships/{}?done=member-added", enc(&m.id))).into_response())
        }
        Ok(ops::memberships::AddOutcome::Invited { .. }) => {
            Ok(Redirect::to(&format!("/admin/users/{}?done=member-invited", enc(&id))).into_response())
        }
        Err(e) => user_page(&state, &admin, &id, None, None, Some(Problem::from_admin(e)?)).await,
    }
}

#[derive(Deserialize)]
struct SessionForm {
    #[serde(default)]
    sid: String,
}

/// "End this session": the session, its grants and back-channel logouts, as signing out does.
async fn end_session(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<SessionForm>>,
) -> Result<Response, AppError> {
    match ops::user_activity::end_session(&state, &admin.actor, &id, &f.sid).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{}?done=session-ended", enc(&id))).into_response()),
        Err(e) => user_page(&state, &admin, &id, None, None, Some(Problem::from_admin(e)?)).await,
    }
}

#[derive(Deserialize)]
struct AppForm {
    #[serde(default)]
    client_id: String,
}

/// Revokes an app's consent and grants for the user.
async fn revoke_app(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<AppForm>>,
) -> Result<Response, AppError> {
    match ops::user_activity::revoke_app(&state, &admin.actor, &id, &f.client_id).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{}?done=app-revoked", enc(&id))).into_response()),
        Err(e) => user_page(&state, &admin, &id, None, None, Some(Problem::from_admin(e)?)).await,
    }
}

#[derive(Deserialize)]
struct InvitationForm {
    #[serde(default)]
    invitation: String,
    #[serde(default, rename = "do")]
    action: String,
}

/// Resends or withdraws one of the invitations listed on the user's page.
async fn invitation_action(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<InvitationForm>>,
) -> Result<Response, AppError> {
    let d = ops::users::show(&state, &admin.actor, &id).await?;
    // Only an invitation this page lists: an id from elsewhere is not found here.
    let listed = ops::invitations::of_user(&state, &admin.actor, &d.user.id, &d.user.email).await?;
    if !listed.iter().any(|i| i.id == f.invitation) {
        return Err(AppError::from(crate::admin::AdminError::NotFound("invitation")));
    }
    let result = match f.action.as_str() {
        "resend" => ops::invitations::resend(&state, &admin.actor, &f.invitation).await.map(|_| "invitation-resent"),
        "withdraw" => ops::invitations::withdraw(&state, &admin.actor, &f.invitation).await.map(|_| "invitation-withdrawn"),
        _ => return Err(AppError::BadRequest(crate::web::say::text("people-bad-invitation-action"))),
    };
    match result {
        Ok(done) => Ok(Redirect::to(&format!("/admin/users/{}?done={done}", enc(&id))).into_response()),
        Err(e) => user_page(&state, &admin, &id, None, None, Some(Problem::from_admin(e)?)).await,
    }
}

/// "Active", "Disabled, flagged", "Active, superuser": the status first, in sentence case, in
/// the page's language (the users list says the same).
pub fn status_text(disabled: bool, flagged: bool, superuser: bool) -> String {
    let t = tr();
    let mut parts = vec![t.get(if disabled { "people-disabled" } else { "people-active" }).0];
    if flagged {
        parts.push(t.get("people-flagged-lower").0);
    }
    if superuser {
        parts.push(t.get("people-superuser-lower").0);
    }
    parts.join(", ")
}

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

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users/new", get(new_page).post(create))
        .route("/admin/users/{id}", get(show).post(edit))
        .route("/admin/users/{id}/action", post(action))
        .route("/admin/users/{id}/memberships", post(add_membership))
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
    };
    // The organisation chosen from the list is kept on the form only if the form showed its roles.
    let shown_body = f.fixed_body.clone();
    match ops::users::create(&state, &admin.actor, input).await {
        Ok(u) => Ok(Redirect::to(&format!("/admin/users/{}?done=user-created", enc(&u.user.id))).into_response()),
        Err(e) => new_form(&state, &admin, shown_body.as_deref(), Some(&f), Some(Problem::from_admin(e)?)).await,
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
    created: String,
    last_login: String,
    memberships: Vec<ops::memberships::MembershipView>,
    /// Organisations the user could be added to.
    bodies: Vec<BodyView>,
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
        created: when(d.user.created_at),
        last_login: d.user.last_login_at.map(when).unwrap_or_else(|| "never".into()),
        memberships: d.memberships,
        u: d.user,
        bodies,
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
        Err(e) => user_page(&state, &admin, &id, None, Some(&f), Some(Problem::from_admin(e)?)).await,
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
                let p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("confirm_superuser"),
                    "Tick the box to confirm that this user should be a superuser.",
                );
                return user_page(&state, &admin, &id, None, None, Some(p)).await;
            }
            ops::users::set_superuser(&state, a, &id, true).await.map(|_| "superuser-on")
        }
        "superuser-off" => ops::users::set_superuser(&state, a, &id, false).await.map(|_| "superuser-off"),
        "logout" => ops::users::logout_everywhere(&state, a, &id).await.map(|_| "logged-out"),
        "reset-2fa" => ops::users::reset_mfa(&state, a, &id).await.map(|had| if had { "mfa-reset" } else { "mfa-none" }),
        "send-email" => ops::users::send_sign_in_email(&state, a, &id).await.map(|_| "email-sent"),
        "remove" => {
            if f.confirm != "yes" {
                let p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("confirm"),
                    "Tick the box to confirm that you want to remove this user.",
                );
                return user_page(&state, &admin, &id, None, None, Some(p)).await;
            }
            return match ops::users::remove(&state, a, &id).await {
                Ok(()) => Ok(Redirect::to("/admin/users?done=user-removed").into_response()),
                Err(e) => user_page(&state, &admin, &id, None, None, Some(Problem::from_admin(e)?)).await,
            };
        }
        _ => return Err(AppError::BadRequest("That is not something that can be done to a user.".into())),
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
        let p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("body_id"), "Choose an organisation.");
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

//! One user's membership of one body: roles, direct permissions, workstreams and areas.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::roles::{PermGroup, perm_groups};
use super::users::Check;
use super::{Admin, Button, CsrfForm, HtmlForm, Nav, Problem, Section, enc, fields};
use crate::admin::ops::{self, memberships::MembershipInput, memberships::MembershipView, memberships::Workstream};
use crate::app::AppState;
use crate::error::AppError;
use crate::policy::delegation::{Action, Target};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/memberships/{id}", get(show).post(save)).route("/admin/memberships/{id}/remove", post(remove))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/membership.html")]
struct MembershipPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    m: MembershipView,
    user_email: String,
    roles: Vec<Check>,
    groups: Vec<PermGroup>,
    workstreams: String,
    areas: String,
    /// What the delegation policy lets this administrator change here.
    can_workstreams: bool,
    can_areas: bool,
}

fn workstream_lines(ws: &[Workstream]) -> String {
    ws.iter().map(|w| format!("{} {}", w.prefix, w.access)).collect::<Vec<_>>().join("\n")
}

/// "PREFIX ACCESS" per line; the access word is checked by the service layer.
fn parse_workstreams(lines: &[String]) -> Result<Vec<Workstream>, Problem> {
    lines
        .iter()
        .map(|l| {
            let mut parts = l.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some(prefix), Some(access), None) => Ok(Workstream { prefix: prefix.to_owned(), access: access.to_owned() }),
                _ => Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("workstreams"),
                    crate::i18n::Tr::plain(crate::i18n::current())
                        .msg("admin-member-bad-workstream")
                        .arg("line", format!("{l:?}"))
                        .to_string(),
                )),
            }
        })
        .collect()
}

/// The membership form. Workstreams and areas are None when the page did not offer them (no
/// right to change them); sent empty, they are Some("").
#[derive(Deserialize)]
struct MembershipForm {
    #[serde(default, deserialize_with = "fields::values")]
    roles: Vec<String>,
    #[serde(default, deserialize_with = "fields::values")]
    permissions: Vec<String>,
    workstreams: Option<String>,
    areas: Option<String>,
}

async fn render(
    state: &AppState,
    admin: &Admin,
    id: &str,
    done: Option<&str>,
    f: Option<&MembershipForm>,
    problem: Option<Problem>,
) -> Result<Response, AppError> {
    let m = ops::memberships::show(state, &admin.actor, id).await?;
    let user = ops::users::show(state, &admin.actor, &m.user_id).await?;
    let body_roles = ops::roles::list(state, &admin.actor, &m.body_id).await?;
    let cat = ops::catalogue::read(state, &admin.actor).await?;
    let chosen_roles = f.map(|f| f.roles.clone()).unwrap_or_else(|| m.roles.iter().map(|r| r.id.clone()).collect());
    let direct = f.map(|f| f.permissions.clone()).unwrap_or_else(|| m.direct_permissions.clone());
    let roles =
        body_roles.iter().map(|r| Check { value: r.id.clone(), label: r.name.clone(), checked: chosen_roles.contains(&r.id) }).collect();
    let body = ops::bodies::show(state, &admin.actor, &m.body_id).await?;
    let target = Target { body_id: &body.id, body_kind: body.kind, principals: &body.principals };
    let can_workstreams = admin.actor.check(Action::ManageWorkstreams, Some(&target)).is_ok();
    let can_areas = admin.actor.check(Action::ManageAreas, Some(&target)).is_ok();
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let page = MembershipPage {
        can_workstreams,
        can_areas,
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Users, done),
        csrf: admin.csrf.clone(),
        error_field: problem.as_ref().and_then(|p| p.field),
        error: problem.map(|p| p.message),
        user_email: user.user.email,
        roles,
        groups: perm_groups(&cat, &direct, m.body_kind),
        workstreams: f.map(|f| f.workstreams.clone().unwrap_or_default()).unwrap_or_else(|| workstream_lines(&m.workstreams)),
        areas: f.map(|f| f.areas.clone().unwrap_or_default()).unwrap_or_else(|| m.areas.join("\n")),
        m,
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
    render(&state, &admin, &id, q.done.as_deref(), None, None).await
}

async fn save(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<MembershipForm>>,
) -> Result<Response, AppError> {
    let workstreams = match parse_workstreams(&fields::lines(f.workstreams.as_deref().unwrap_or_default())) {
        Ok(w) => w,
        Err(p) => return render(&state, &admin, &id, None, Some(&f), Some(p)).await,
    };
    // Each part is sent only when changed: each needs its own right (setting permissions,
    // workstreams, areas; a council has no workstreams at all), and a part left as it was must
    // not stand in the way of changing another.
    let current = ops::memberships::show(&state, &admin.actor, &id).await?;
    let same = |a: &[String], b: &[String]| {
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        a.sort();
        a.dedup();
        b.sort();
        b.dedup();
        a == b
    };
    let roles = f.roles.clone();
    let current_roles: Vec<String> = current.roles.iter().map(|r| r.id.clone()).collect();
    let permissions = f.permissions.clone();
    let areas = fields::lines(f.areas.as_deref().unwrap_or_default());
    let input = MembershipInput {
        roles: (!same(&roles, &current_roles)).then_some(roles),
        permissions: (!same(&permissions, &current.direct_permissions)).then_some(permissions),
        // A field the page did not offer (no right to change it) is left as it is.
        workstreams: (f.workstreams.is_some() && workstreams != current.workstreams).then_some(workstreams),
        areas: (f.areas.is_some() && !same(&areas, &current.areas)).then_some(areas),
    };
    match ops::memberships::update(&state, &admin.actor, &id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/memberships/{}?done=member-saved", enc(&id))).into_response()),
        Err(e) => render(&state, &admin, &id, None, Some(&f), Some(Problem::from_admin(e)?)).await,
    }
}

async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    _: CsrfForm<HtmlForm<Button>>,
) -> Result<Response, AppError> {
    let m = ops::memberships::show(&state, &admin.actor, &id).await?;
    match ops::memberships::remove(&state, &admin.actor, &id).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/bodies/{}?done=member-removed", enc(&m.body_id))).into_response()),
        Err(e) => render(&state, &admin, &id, None, None, Some(Problem::from_admin(e)?)).await,
    }
}

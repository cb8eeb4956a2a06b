//! A body's custom roles: create (from scratch or from a template), edit, delete.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Admin, Button, CsrfForm, HtmlForm, Nav, Problem, Section, enc, fields};
use crate::admin::ops::{self, bodies::BodyView, catalogue::Catalogue, roles::RoleInput};
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::{ShippedLabel, current, shipped_label};
use crate::policy::body::BodyKind;
use crate::web::say;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/bodies/{id}/roles/new", get(new_page).post(create))
        .route("/admin/roles/{id}", get(show).post(save))
        .route("/admin/roles/{id}/delete", post(delete))
}

/// The Street Manager roles a role may stand for.
const SM_ROLES: [&str; 8] = ["Planner", "HighwayAuthority", "Contractor", "DataExport", "UI", "API", "Admin", "StreetWorksAdmin"];

pub struct PermCheck {
    pub key: String,
    pub label: String,
    pub checked: bool,
}

/// Catalogue permissions grouped by namespace, for checkbox fieldsets.
pub struct PermGroup {
    pub namespace: String,
    pub title: String,
    pub perms: Vec<PermCheck>,
}

/// Catalogue permissions grouped by namespace, the namespace a body of `body_kind` uses first.
pub fn perm_groups(cat: &Catalogue, chosen: &[String], body_kind: BodyKind) -> Vec<PermGroup> {
    let mut groups: Vec<PermGroup> = Vec::new();
    for p in &cat.permissions {
        let label = shipped_label(current(), ShippedLabel::Permission, &p.key, &p.label);
        let check = PermCheck { key: p.key.clone(), label, checked: chosen.contains(&p.key) };
        match groups.iter_mut().find(|g| g.namespace == p.namespace) {
            Some(g) => g.perms.push(check),
            None => groups.push(PermGroup { title: namespace_title(&p.namespace), namespace: p.namespace.clone(), perms: vec![check] }),
        }
    }
    let home = if matches!(body_kind, BodyKind::Council | BodyKind::Other) { "fms" } else { "sm" };
    groups.sort_by_key(|g| (g.namespace != home, g.namespace.clone()));
    groups
}

fn namespace_title(ns: &str) -> String {
    match ns {
        "fms" => say::text("admin-perms-fms"),
        "sm" => say::text("admin-perms-sm"),
        other => crate::i18n::Tr::plain(crate::i18n::current()).msg("admin-perms-other").arg("namespace", other).to_string(),
    }
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/role.html")]
struct RolePage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    body: BodyView,
    /// None when creating.
    role_id: Option<String>,
    name: String,
    description: String,
    mfa_required: bool,
    phishing_resistant: bool,
    templates: Vec<Opt>,
    sm_roles: Vec<Opt>,
    groups: Vec<PermGroup>,
}

/// The role form, as posted or as loaded for editing.
#[derive(Deserialize)]
struct Values {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default, deserialize_with = "fields::ticked")]
    mfa_required: bool,
    #[serde(default, deserialize_with = "fields::ticked")]
    phishing_resistant: bool,
    #[serde(default)]
    sm_role: String,
    #[serde(default)]
    template: String,
    #[serde(default, deserialize_with = "fields::values")]
    permissions: Vec<String>,
}

async fn render(
    state: &AppState,
    admin: &Admin,
    body: BodyView,
    role_id: Option<String>,
    v: Values,
    done: Option<&str>,
    problem: Option<Problem>,
) -> Result<Response, AppError> {
    let cat = ops::catalogue::read(state, &admin.actor).await?;
    let templates = if role_id.is_none() {
        cat.templates_for(body.kind.as_str())
            .into_iter()
            .filter_map(|t| {
                let key = t.template_key.clone()?;
                let label = shipped_label(current(), ShippedLabel::RoleTemplate, &key, &t.name);
                Some(Opt { selected: key == v.template, label, value: key })
            })
            .collect()
    } else {
        Vec::new()
    };
    let sm_roles = SM_ROLES.iter().map(|r| Opt { value: (*r).to_owned(), label: (*r).to_owned(), selected: *r == v.sm_role }).collect();
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let page = RolePage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Bodies, done),
        csrf: admin.csrf.clone(),
        error_field: problem.as_ref().and_then(|p| p.field),
        error: problem.map(|p| p.message),
        groups: perm_groups(&cat, &v.permissions, body.kind),
        body,
        role_id,
        name: v.name,
        description: v.description,
        mfa_required: v.mfa_required,
        phishing_resistant: v.phishing_resistant,
        templates,
        sm_roles,
    };
    Ok((status, admin.jar.clone(), page).into_response())
}

fn empty() -> Values {
    Values {
        name: String::new(),
        description: String::new(),
        mfa_required: false,
        phishing_resistant: false,
        sm_role: String::new(),
        template: String::new(),
        permissions: Vec::new(),
    }
}

async fn new_page(State(state): State<AppState>, admin: Admin, Path(body_id): Path<String>) -> Result<Response, AppError> {
    let body = ops::bodies::show(&state, &admin.actor, &body_id).await?;
    render(&state, &admin, body, None, empty(), None, None).await
}

fn input(f: &Values, creating: bool) -> RoleInput {
    let template = fields::nonempty(&f.template).filter(|_| creating);
    let permissions = f.permissions.clone();
    RoleInput {
        name: if template.is_some() { fields::nonempty(&f.name) } else { Some(f.name.clone()) },
        description: if template.is_some() { fields::nonempty(&f.description) } else { Some(f.description.clone()) },
        // From a template with nothing ticked: the template's permissions.
        permissions: if template.is_some() && permissions.is_empty() { None } else { Some(permissions) },
        mfa_required: if template.is_some() && !f.mfa_required { None } else { Some(f.mfa_required) },
        phishing_resistant: if template.is_some() && !f.phishing_resistant { None } else { Some(f.phishing_resistant) },
        sm_role: if template.is_some() && f.sm_role.is_empty() { None } else { Some(f.sm_role.clone()) },
        template,
    }
}

async fn create(
    State(state): State<AppState>,
    admin: Admin,
    Path(body_id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<Values>>,
) -> Result<Response, AppError> {
    match ops::roles::create(&state, &admin.actor, &body_id, input(&f, true)).await {
        Ok(r) => Ok(Redirect::to(&format!("/admin/roles/{}?done=role-created", enc(&r.id))).into_response()),
        Err(e) => {
            let p = Problem::from_admin(e)?;
            let body = ops::bodies::show(&state, &admin.actor, &body_id).await?;
            render(&state, &admin, body, None, f, None, Some(p)).await
        }
    }
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn load(state: &AppState, admin: &Admin, role_id: &str) -> Result<(BodyView, Values), AppError> {
    let r = ops::roles::show(state, &admin.actor, role_id).await?;
    let body = ops::bodies::show(state, &admin.actor, r.body_id.as_deref().unwrap_or_default()).await?;
    let v = Values {
        name: r.name,
        description: r.description,
        mfa_required: r.mfa_required,
        phishing_resistant: r.phishing_resistant,
        sm_role: r.sm_role.unwrap_or_default().to_owned(),
        template: String::new(),
        permissions: r.permissions,
    };
    Ok((body, v))
}

async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let (body, v) = load(&state, &admin, &id).await?;
    render(&state, &admin, body, Some(id), v, q.done.as_deref(), None).await
}

async fn save(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<Values>>,
) -> Result<Response, AppError> {
    match ops::roles::update(&state, &admin.actor, &id, input(&f, false)).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/roles/{}?done=role-saved", enc(&id))).into_response()),
        Err(e) => {
            let p = Problem::from_admin(e)?;
            let (body, _) = load(&state, &admin, &id).await?;
            render(&state, &admin, body, Some(id), f, None, Some(p)).await
        }
    }
}

async fn delete(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    _: CsrfForm<HtmlForm<Button>>,
) -> Result<Response, AppError> {
    let (body, v) = load(&state, &admin, &id).await?;
    match ops::roles::delete(&state, &admin.actor, &id).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/bodies/{}?done=role-deleted", enc(&body.id))).into_response()),
        Err(e) => render(&state, &admin, body, Some(id), v, None, Some(Problem::from_admin(e)?)).await,
    }
}

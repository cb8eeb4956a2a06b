//! Organisations (bodies): the list, creating one (superusers), and one body's page with its
//! settings, members, roles and contractor links.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::roles::Opt;
use super::{Admin, CsrfForm, HtmlForm, Nav, Problem, Section, enc, fields};
use crate::admin::ops::{self, bodies::BodyInput, bodies::BodyView, roles::RoleView};
use crate::app::AppState;
use crate::error::AppError;
use crate::policy::body::{BodyStatus, MfaPolicy};
use crate::policy::delegation::{Action, BodyKind, Target};
use crate::web::flash;
use crate::web::say;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/bodies", get(list))
        .route("/admin/bodies/new", get(new_page).post(create))
        .route("/admin/bodies/{id}", get(show).post(save))
        .route("/admin/bodies/{id}/contractors", post(link))
        .route("/admin/bodies/{id}/contractors/remove", post(unlink))
        .route("/admin/bodies/{id}/scim/tokens", post(scim_token_add))
        .route("/admin/bodies/{id}/scim/tokens/revoke", post(scim_token_revoke))
}

/// The choices of kind, status and 2FA policy: (value, catalogue key of its label).
fn kinds() -> Vec<(&'static str, &'static str)> {
    BodyKind::ALL.iter().map(|k| (k.as_str(), super::kind_key(k))).collect()
}

fn statuses() -> Vec<(&'static str, &'static str)> {
    BodyStatus::ALL.iter().map(|s| (s.as_str(), super::status_key(s))).collect()
}

fn mfa() -> Vec<(&'static str, &'static str)> {
    MfaPolicy::ALL.iter().map(|p| (p.as_str(), super::mfa_key(p))).collect()
}

fn opts(list: &[(&str, &str)], current: &str) -> Vec<Opt> {
    list.iter().map(|(v, key)| Opt { value: (*v).to_owned(), label: say::text(key), selected: *v == current }).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/bodies.html")]
struct ListPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    superuser: bool,
    bodies: Vec<BodyView>,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn list(State(state): State<AppState>, admin: Admin, Query(q): Query<DoneQuery>) -> Result<ListPage, AppError> {
    let bodies = ops::bodies::list(&state, &admin.actor).await?;
    Ok(ListPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Bodies, q.done.as_deref()),
        superuser: admin.actor.is_superuser(),
        bodies,
    })
}

/// The settings form as posted.
#[derive(Deserialize)]
struct BodyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    mfa_policy: String,
    #[serde(default)]
    fms_body_id: String,
    #[serde(default)]
    swa_code: String,
    #[serde(default)]
    password_min_length: String,
    #[serde(default)]
    sso_connection_id: String,
    #[serde(default)]
    domains: String,
}

/// The contractor link and unlink forms.
#[derive(Deserialize)]
struct ContractorForm {
    #[serde(default)]
    contractor_id: String,
}

/// The settings form's values.
pub struct Settings {
    pub name: String,
    pub kinds: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub mfa: Vec<Opt>,
    pub fms_body_id: String,
    pub swa_code: String,
    pub password_min_length: String,
    pub sso_connection_id: String,
    /// The SSO connections bound to this body, to choose from.
    pub connections: Vec<Opt>,
    pub domains: String,
}

impl Settings {
    fn of(b: &BodyView) -> Self {
        Settings {
            name: b.name.clone(),
            kinds: opts(&kinds(), b.kind.as_str()),
            statuses: opts(&statuses(), b.status.as_str()),
            mfa: opts(&mfa(), b.mfa_policy.as_str()),
            fms_body_id: b.fms_body_id.clone().unwrap_or_default(),
            swa_code: b.swa_code.clone().unwrap_or_default(),
            password_min_length: b.password_min_length.map(|n| n.to_string()).unwrap_or_default(),
            sso_connection_id: b.sso_connection_id.clone().unwrap_or_default(),
            connections: Vec::new(),
            domains: b.domains.join("\n"),
        }
    }

    fn posted(f: &BodyForm) -> Self {
        Settings {
            name: f.name.clone(),
            kinds: opts(&kinds(), &f.kind),
            statuses: opts(&statuses(), &f.status),
            mfa: opts(&mfa(), &f.mfa_policy),
            fms_body_id: f.fms_body_id.clone(),
            swa_code: f.swa_code.clone(),
            password_min_length: f.password_min_length.clone(),
            sso_connection_id: f.sso_connection_id.clone(),
            connections: Vec::new(),
            domains: f.domains.clone(),
        }
    }
}

/// The form as a service-layer input. Fields only superusers may change are sent only by
/// superusers' forms (others see them read-only), so an admin's save leaves them alone.
fn input(f: &BodyForm, superuser: bool) -> Result<BodyInput, Problem> {
    let min = match fields::nonempty(&f.password_min_length) {
        None => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("password_min_length"), say::text("admin-body-min-length-number"))
        })?),
    };
    let su = |value: &String| superuser.then(|| value.clone());
    Ok(BodyInput {
        name: Some(f.name.clone()),
        kind: su(&f.kind).filter(|k| !k.is_empty()).map(|k| k.parse()),
        status: su(&f.status).filter(|s| !s.is_empty()).map(|s| s.parse()),
        fms_body_id: su(&f.fms_body_id),
        swa_code: su(&f.swa_code),
        mfa_policy: fields::nonempty(&f.mfa_policy).map(|p| p.parse()),
        password_min_length: min,
        sso_connection_id: su(&f.sso_connection_id),
        domains: superuser.then(|| fields::lines(&f.domains)),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/body_new.html")]
struct NewPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    s: Settings,
}

fn new_form(admin: &Admin, s: Settings, problem: Option<Problem>) -> Response {
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let page = NewPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Bodies, None),
        csrf: admin.csrf.clone(),
        error_field: problem.as_ref().and_then(|p| p.field),
        error: problem.map(|p| p.message),
        s,
    };
    (status, admin.jar.clone(), page).into_response()
}

async fn new_page(admin: Admin) -> Result<Response, AppError> {
    if !admin.actor.is_superuser() {
        return Err(AppError::Forbidden(say::text("admin-refusal-add-body")));
    }
    let blank = Settings {
        name: String::new(),
        kinds: opts(&kinds(), ""),
        statuses: opts(&statuses(), "active"),
        mfa: opts(&mfa(), "optional"),
        fms_body_id: String::new(),
        swa_code: String::new(),
        password_min_length: String::new(),
        sso_connection_id: String::new(),
        connections: Vec::new(),
        domains: String::new(),
    };
    Ok(new_form(&admin, blank, None))
}

async fn create(
    State(state): State<AppState>,
    admin: Admin,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<BodyForm>>,
) -> Result<Response, AppError> {
    let mut input = match input(&f, true) {
        Ok(i) => i,
        Err(p) => return Ok(new_form(&admin, Settings::posted(&f), Some(p))),
    };
    // On create every field is meant, superuser or not: the service layer decides.
    input.kind = fields::nonempty(&f.kind).map(|k| k.parse());
    match ops::bodies::create(&state, &admin.actor, input).await {
        Ok(b) => Ok(Redirect::to(&format!("/admin/bodies/{}?done=body-created", enc(&b.id))).into_response()),
        Err(e) => Ok(new_form(&admin, Settings::posted(&f), Some(Problem::from_admin(e)?))),
    }
}

pub struct Member {
    pub user_id: String,
    pub membership_id: String,
    pub email: String,
    pub name: String,
    pub kind: &'static str,
    pub roles: String,
    /// Disabled in this body by its directory (SCIM).
    pub disabled: bool,
}

pub struct Linked {
    pub id: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/body.html")]
struct BodyPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    superuser: bool,
    b: BodyView,
    s: Settings,
    members: Vec<Member>,
    listing: Listing,
    roles: Vec<RoleView>,
    contractors: Vec<Linked>,
    principals: Vec<Linked>,
    /// Contractor organisations this administrator can see, to link.
    linkable: Vec<Linked>,
    takes_contractors: bool,
    /// What the delegation policy lets this administrator change here.
    can_edit: bool,
    can_link: bool,
    can_export: bool,
    /// SCIM provisioning, for those who may see it.
    scim: Option<ops::scim::Overview>,
    /// A SCIM secret just made: shown once.
    scim_secret: Option<String>,
    scim_url: String,
}

async fn names(state: &AppState, admin: &Admin, ids: &[String]) -> Vec<Linked> {
    let mut out = Vec::new();
    for id in ids {
        // A body this administrator cannot open is shown by its id.
        let name = ops::bodies::show(state, &admin.actor, id).await.map(|b| b.name).unwrap_or_else(|_| id.clone());
        out.push(Linked { id: id.clone(), name });
    }
    out
}

/// Which page of the members the body page shows: `?role=ID` for the holders of one role,
/// `?after=…` for the page after another (the "Next page" link).
#[derive(Debug, Default, Deserialize)]
struct ShowQuery {
    done: Option<String>,
    #[serde(default)]
    role: String,
    #[serde(default)]
    after: String,
}

/// The page's members listing and the links around it.
struct Listing {
    /// The role whose holders are shown, if one is.
    role: Option<RoleView>,
    /// Whether this is a later page (offer the first again).
    later: bool,
    /// The "Next page" link, when there are more.
    next: Option<String>,
}

async fn render(
    state: &AppState,
    admin: &Admin,
    id: &str,
    q: &ShowQuery,
    f: Option<&BodyForm>,
    problem: Option<Problem>,
) -> Result<Response, AppError> {
    render_full(state, admin, id, q, f, problem, None).await
}

async fn render_full(
    state: &AppState,
    admin: &Admin,
    id: &str,
    q: &ShowQuery,
    f: Option<&BodyForm>,
    problem: Option<Problem>,
    scim_secret: Option<String>,
) -> Result<Response, AppError> {
    let b = ops::bodies::show(state, &admin.actor, id).await?;
    let roles = ops::roles::list(state, &admin.actor, id).await?;
    let role = if q.role.is_empty() { None } else { Some(roles.iter().find(|r| r.id == q.role).cloned().ok_or(AppError::NotFound)?) };
    let page = match ops::memberships::page(state, &admin.actor, id, role.as_ref().map(|r| r.id.as_str()), &q.after, ops::memberships::PAGE)
        .await
    {
        Err(crate::admin::AdminError::Invalid { field: "after", message }) => return Err(AppError::BadRequest(message)),
        other => other?,
    };
    let next = page.next.map(|after| {
        let role = role.as_ref().map(|r| format!("role={}&", enc(&r.id))).unwrap_or_default();
        format!("/admin/bodies/{}?{role}after={}#members-h", enc(&b.id), enc(&after))
    });
    let listing = Listing { role, later: !q.after.is_empty(), next };
    let members = page
        .members
        .into_iter()
        .map(|(u, m)| Member {
            user_id: u.id,
            membership_id: m.id,
            email: u.email,
            name: u.name,
            kind: m.member_kind,
            roles: m.roles.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", "),
            disabled: m.disabled,
        })
        .collect();
    let done = q.done.as_deref();
    let takes_contractors = matches!(b.kind, BodyKind::Promoter | BodyKind::HighwayAuthority);
    let (can_edit, can_link, can_export) = {
        let target = Target { body_id: &b.id, body_kind: b.kind, principals: &b.principals };
        (
            admin.actor.check(Action::EditOrganisation, Some(&target)).is_ok(),
            admin.actor.check(Action::LinkContractor, Some(&target)).is_ok(),
            admin.actor.check(Action::ExportOrganisation, Some(&target)).is_ok(),
        )
    };
    let linkable = if takes_contractors {
        ops::bodies::list(state, &admin.actor)
            .await?
            .into_iter()
            .filter(|c| c.kind == BodyKind::Contractor && !b.contractors.contains(&c.id))
            .map(|c| Linked { id: c.id, name: c.name })
            .collect()
    } else {
        Vec::new()
    };
    let mut s = f.map(Settings::posted).unwrap_or_else(|| Settings::of(&b));
    if admin.actor.is_superuser() {
        s.connections = ops::connections::of_body(state, &b.id)
            .await?
            .into_iter()
            .map(|(value, label)| Opt { selected: value == s.sso_connection_id, value, label })
            .collect();
    }
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let page = BodyPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Bodies, done),
        csrf: admin.csrf.clone(),
        error_field: problem.as_ref().and_then(|p| p.field),
        error: problem.map(|p| p.message),
        superuser: admin.actor.is_superuser(),
        s,
        members,
        listing,
        roles,
        contractors: names(state, admin, &b.contractors).await,
        principals: names(state, admin, &b.principals).await,
        linkable,
        takes_contractors,
        can_edit,
        can_link,
        can_export,
        scim: ops::scim::overview(state, &admin.actor, &b.id).await.ok(),
        scim_secret,
        scim_url: ops::scim::base_url(state),
        b,
    };
    Ok((status, admin.jar.clone(), page).into_response())
}

async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let secret = flash::take(&state, (&admin.session).into(), &scim_slot(&id)).await?.map(|s| s.as_str().to_owned());
    render_full(&state, &admin, &id, &q, None, None, secret).await
}

/// Where a SCIM secret just made for body `id` waits for its page.
fn scim_slot(id: &str) -> String {
    format!("scim-secret:{id}")
}

async fn save(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<BodyForm>>,
) -> Result<Response, AppError> {
    let input = match input(&f, admin.actor.is_superuser()) {
        Ok(i) => i,
        Err(p) => return render(&state, &admin, &id, &ShowQuery::default(), Some(&f), Some(p)).await,
    };
    match ops::bodies::update(&state, &admin.actor, &id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/bodies/{}?done=body-saved", enc(&id))).into_response()),
        Err(e) => render(&state, &admin, &id, &ShowQuery::default(), Some(&f), Some(Problem::from_admin(e)?)).await,
    }
}

async fn link(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<ContractorForm>>,
) -> Result<Response, AppError> {
    let Some(contractor) = fields::nonempty(&f.contractor_id) else {
        let p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("contractor_id"), say::text("admin-body-pick-contractor"));
        return render(&state, &admin, &id, &ShowQuery::default(), None, Some(p)).await;
    };
    match ops::bodies::link_contractor(&state, &admin.actor, &id, &contractor).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/bodies/{}?done=linked", enc(&id))).into_response()),
        Err(crate::admin::AdminError::NotFound(_)) => {
            let p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("contractor_id"), say::text("admin-body-no-such-org"));
            render(&state, &admin, &id, &ShowQuery::default(), None, Some(p)).await
        }
        Err(e) => render(&state, &admin, &id, &ShowQuery::default(), None, Some(Problem::from_admin(e)?)).await,
    }
}

async fn unlink(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<ContractorForm>>,
) -> Result<Response, AppError> {
    match ops::bodies::unlink_contractor(&state, &admin.actor, &id, &f.contractor_id).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/bodies/{}?done=unlinked", enc(&id))).into_response()),
        Err(e) => render(&state, &admin, &id, &ShowQuery::default(), None, Some(Problem::from_admin(e)?)).await,
    }
}

#[derive(Deserialize)]
struct ScimTokenForm {
    #[serde(default)]
    label: String,
}

#[derive(Deserialize)]
struct ScimRevokeForm {
    token_id: String,
}

/// Makes a SCIM secret and shows it on the body page redirected to, once (POST-redirect-GET:
/// a reload makes nothing; the secret goes through `web::flash`, never the URL).
async fn scim_token_add(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<ScimTokenForm>>,
) -> Result<Response, AppError> {
    match ops::scim::create_token(&state, &admin.actor, &id, &f.label).await {
        Ok(made) => {
            flash::put(&state, (&admin.session).into(), &scim_slot(&id), made.secret.expose()).await?;
            Ok(Redirect::to(&format!("/admin/bodies/{}?done=scim-token-created", enc(&id))).into_response())
        }
        Err(e) => render(&state, &admin, &id, &ShowQuery::default(), None, Some(Problem::from_admin(e)?)).await,
    }
}

async fn scim_token_revoke(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<ScimRevokeForm>>,
) -> Result<Response, AppError> {
    match ops::scim::revoke_token(&state, &admin.actor, &f.token_id).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/bodies/{}?done=scim-token-revoked", enc(&id))).into_response()),
        Err(e) => render(&state, &admin, &id, &ShowQuery::default(), None, Some(Problem::from_admin(e)?)).await,
    }
}

//! Relying apps (OIDC clients), superusers only: list, register, edit, rotate the secret,
//! remove, and a machine client's administrative rights. Every successful POST redirects; a new
//! secret is handed to the page redirected to through `web::flash` (never the URL) and shown
//! there once (it is never stored in the clear, so it cannot be shown again).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::roles::Opt;
use super::{Admin, Button, CsrfForm, HtmlForm, Nav, Problem, Section, enc, fields};
use crate::admin::ops::{
    self,
    clients::{AdminAccess, ClientInput, ClientView},
};
use crate::app::AppState;
use crate::error::AppError;
use crate::web::flash;
use crate::web::say::text;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/clients", get(list))
        .route("/admin/clients/new", get(new_page).post(create))
        .route("/admin/clients/{id}", get(show).post(save))
        .route("/admin/clients/{id}/rotate", post(rotate))
        .route("/admin/clients/{id}/remove", post(remove))
        .route("/admin/clients/{id}/admin-access", post(admin_access))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/clients.html")]
struct ListPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    clients: Vec<ClientView>,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn list(State(state): State<AppState>, admin: Admin, Query(q): Query<DoneQuery>) -> Result<ListPage, AppError> {
    let clients = ops::clients::list(&state, &admin.actor).await?;
    Ok(ListPage { site_name: admin.site_name.clone(), signed_in: true, nav: admin.nav(Section::Clients, q.done.as_deref()), clients })
}

const GRANTS: [&str; 3] = ["authorization_code", "refresh_token", "client_credentials"];
const METHODS: [&str; 4] = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"];
const ALGS: [&str; 2] = ["RS256", "ES256"];
/// The admin-access levels, with the catalogue key of each one's label.
const LEVELS: [(&str, &str); 3] = [("none", "people-none"), ("body", "app-level-body"), ("superuser", "app-level-superuser")];

fn opts(list: &[&str], current: &str) -> Vec<Opt> {
    list.iter().map(|v| Opt { value: (*v).to_owned(), label: (*v).to_owned(), selected: *v == current }).collect()
}

/// The client form as posted.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Posted {
    client_id: String,
    name: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    backchannel_logout_uri: String,
    #[serde(deserialize_with = "fields::values")]
    grant_types: Vec<String>,
    scopes: String,
    token_endpoint_auth_method: String,
    id_token_signing_alg: String,
    permission_namespaces: String,
    body_id: String,
    id_token_claims: String,
    access_token_audience: String,
    #[serde(deserialize_with = "fields::ticked")]
    first_party: bool,
    #[serde(deserialize_with = "fields::ticked")]
    require_pkce: bool,
    #[serde(deserialize_with = "fields::ticked")]
    require_mfa: bool,
    #[serde(deserialize_with = "fields::ticked")]
    require_phr: bool,
    jwks: String,
    jwks_uri: String,
    #[serde(deserialize_with = "fields::ticked")]
    require_pushed_authorization_requests: bool,
    #[serde(deserialize_with = "fields::ticked")]
    dpop_bound_access_tokens: bool,
}

/// The administrative-access form.
#[derive(Default, Deserialize)]
#[serde(default)]
struct AccessForm {
    level: String,
    #[serde(deserialize_with = "fields::trimmed")]
    admin_body_id: Option<String>,
    admin_permissions: String,
}

/// The client form's values.
pub struct Form {
    pub client_id: String,
    pub name: String,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub backchannel_logout_uri: String,
    pub grants: Vec<Opt>,
    pub scopes: String,
    pub methods: Vec<Opt>,
    pub algs: Vec<Opt>,
    pub permission_namespaces: String,
    pub bodies: Vec<Opt>,
    pub id_token_claims: String,
    pub access_token_audience: String,
    pub first_party: bool,
    pub require_pkce: bool,
    pub require_mfa: bool,
    pub require_phr: bool,
    pub jwks: String,
    pub jwks_uri: String,
    pub require_par: bool,
    pub require_dpop: bool,
}

async fn body_opts(state: &AppState, admin: &Admin, current: &str) -> Result<Vec<Opt>, AppError> {
    Ok(ops::bodies::list(state, &admin.actor)
        .await?
        .into_iter()
        .map(|b| Opt { selected: b.id == current, value: b.id, label: b.name })
        .collect())
}

impl Form {
    async fn of(state: &AppState, admin: &Admin, c: &ClientView) -> Result<Self, AppError> {
        let grants: Vec<String> = c.grant_types.iter().map(|g| (*g).to_owned()).collect();
        Ok(Form {
            client_id: c.client_id.clone(),
            name: c.name.clone(),
            redirect_uris: c.redirect_uris.join("\n"),
            post_logout_redirect_uris: c.post_logout_redirect_uris.join("\n"),
            backchannel_logout_uri: c.backchannel_logout_uri.clone().unwrap_or_default(),
            grants: GRANTS
                .iter()
                .map(|g| Opt { value: (*g).to_owned(), label: (*g).to_owned(), selected: grants.iter().any(|x| x == g) })
                .collect(),
            scopes: c.scopes.join(" "),
            methods: opts(&METHODS, c.token_endpoint_auth_method),
            algs: opts(&ALGS, c.id_token_signing_alg),
            permission_namespaces: c.permission_namespaces.join(" "),
            bodies: body_opts(state, admin, c.body_id.as_deref().unwrap_or_default()).await?,
            id_token_claims: c.id_token_claims.join(" "),
            access_token_audience: c.access_token_audience.clone().unwrap_or_default(),
            first_party: c.first_party,
            require_pkce: c.require_pkce,
            require_mfa: c.require_mfa,
            require_phr: c.require_phr,
            jwks: c.jwks.as_ref().map(|v| serde_json::to_string_pretty(v).unwrap_or_default()).unwrap_or_default(),
            jwks_uri: c.jwks_uri.clone().unwrap_or_default(),
            require_par: c.require_pushed_authorization_requests,
            require_dpop: c.dpop_bound_access_tokens,
        })
    }

    async fn posted(state: &AppState, admin: &Admin, f: &Posted) -> Result<Self, AppError> {
        Ok(Form {
            client_id: f.client_id.clone(),
            name: f.name.clone(),
            redirect_uris: f.redirect_uris.clone(),
            post_logout_redirect_uris: f.post_logout_redirect_uris.clone(),
            backchannel_logout_uri: f.backchannel_logout_uri.clone(),
            grants: GRANTS
                .iter()
                .map(|g| Opt { value: (*g).to_owned(), label: (*g).to_owned(), selected: f.grant_types.iter().any(|x| x == g) })
                .collect(),
            scopes: f.scopes.clone(),
            methods: opts(&METHODS, &f.token_endpoint_auth_method),
            algs: opts(&ALGS, &f.id_token_signing_alg),
            permission_namespaces: f.permission_namespaces.clone(),
            bodies: body_opts(state, admin, &f.body_id).await?,
            id_token_claims: f.id_token_claims.clone(),
            access_token_audience: f.access_token_audience.clone(),
            first_party: f.first_party,
            require_pkce: f.require_pkce,
            require_mfa: f.require_mfa,
            require_phr: f.require_phr,
            jwks: f.jwks.clone(),
            jwks_uri: f.jwks_uri.clone(),
            require_par: f.require_pushed_authorization_requests,
            require_dpop: f.dpop_bound_access_tokens,
        })
    }
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

fn input(f: &Posted, creating: bool) -> ClientInput {
    ClientInput {
        client_id: if creating { fields::nonempty(&f.client_id) } else { None },
        name: Some(f.name.clone()),
        redirect_uris: Some(fields::lines(&f.redirect_uris)),
        post_logout_redirect_uris: Some(fields::lines(&f.post_logout_redirect_uris)),
        backchannel_logout_uri: Some(f.backchannel_logout_uri.trim().to_owned()),
        grant_types: Some(f.grant_types.clone()),
        scopes: Some(words(&f.scopes)),
        token_endpoint_auth_method: fields::nonempty(&f.token_endpoint_auth_method),
        id_token_signing_alg: fields::nonempty(&f.id_token_signing_alg),
        permission_namespaces: Some(words(&f.permission_namespaces)),
        body_id: Some(f.body_id.clone()),
        id_token_claims: Some(words(&f.id_token_claims)),
        access_token_audience: Some(f.access_token_audience.trim().to_owned()),
        first_party: Some(f.first_party),
        require_pkce: Some(f.require_pkce),
        require_mfa: Some(f.require_mfa),
        require_phr: Some(f.require_phr),
        jwks: Some(serde_json::Value::String(f.jwks.trim().to_owned())),
        jwks_uri: Some(f.jwks_uri.trim().to_owned()),
        require_pushed_authorization_requests: Some(f.require_pushed_authorization_requests),
        dpop_bound_access_tokens: Some(f.dpop_bound_access_tokens),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/client.html")]
struct ClientPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    /// None when registering.
    id: Option<String>,
    form: Form,
    /// A secret just made: shown once.
    secret: Option<String>,
    levels: Vec<Opt>,
    admin_bodies: Vec<Opt>,
    admin_permissions: String,
    /// What the app's developers configure besides its id and secret.
    issuer: String,
    discovery: String,
}

struct Render {
    id: Option<String>,
    form: Form,
    secret: Option<String>,
    access: AdminAccess,
}

async fn render(state: &AppState, admin: &Admin, r: Render, done: Option<&str>, problem: Option<Problem>) -> Result<Response, AppError> {
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let page = ClientPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Clients, done),
        csrf: admin.csrf.clone(),
        error_field: problem.as_ref().and_then(|p| p.field),
        error: problem.map(|p| p.message),
        id: r.id,
        form: r.form,
        secret: r.secret,
        levels: LEVELS.iter().map(|(v, l)| Opt { value: (*v).to_owned(), label: text(l), selected: *v == r.access.level }).collect(),
        admin_bodies: body_opts(state, admin, r.access.body_id.as_deref().unwrap_or_default()).await?,
        admin_permissions: r.access.permissions.join(" "),
        issuer: state.settings.issuer().to_owned(),
        discovery: format!("{}/.well-known/openid-configuration", state.settings.issuer()),
    };
    // The copy buttons' script (the only one on the site): allowed here, from this origin only.
    let csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    Ok((status, [(axum::http::header::CONTENT_SECURITY_POLICY, csp)], admin.jar.clone(), page).into_response())
}

async fn new_page(State(state): State<AppState>, admin: Admin) -> Result<Response, AppError> {
    if !admin.actor.is_superuser() {
        return Err(AppError::Forbidden(text("app-superuser-only")));
    }
    // The same defaults as `stile client add`.
    let d = crate::clients::ClientSpec::default();
    let mut form = Form::posted(&state, &admin, &Posted::default()).await?;
    form.scopes = d.scopes.join(" ");
    form.require_pkce = d.require_pkce;
    form.first_party = d.first_party;
    form.require_mfa = d.require_mfa;
    for g in &mut form.grants {
        g.selected = d.grant_types.iter().any(|t| t.as_str() == g.value);
    }
    form.methods = opts(&METHODS, d.auth_method.as_str());
    form.algs = opts(&ALGS, d.id_token_alg.as_str());
    render(
        &state,
        &admin,
        Render { id: None, form, secret: None, access: AdminAccess { level: "none".into(), ..Default::default() } },
        None,
        None,
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    admin: Admin,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<Posted>>,
) -> Result<Response, AppError> {
    match ops::clients::create(&state, &admin.actor, input(&f, true)).await {
        Ok(c) => {
            if let Some(secret) = &c.client_secret {
                flash::put(&state, (&admin.session).into(), &secret_slot(&c.client.client_id), secret.expose()).await?;
            }
            Ok(Redirect::to(&format!("/admin/clients/{}?done=client-created", enc(&c.client.client_id))).into_response())
        }
        Err(e) => {
            let p = Problem::from_admin(e)?;
            let form = Form::posted(&state, &admin, &f).await?;
            render(
                &state,
                &admin,
                Render { id: None, form, secret: None, access: AdminAccess { level: "none".into(), ..Default::default() } },
                None,
                Some(p),
            )
            .await
        }
    }
}

async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let c = ops::clients::show(&state, &admin.actor, &id).await?;
    let form = Form::of(&state, &admin, &c).await?;
    let secret = flash::take(&state, (&admin.session).into(), &secret_slot(&id)).await?.map(|s| s.as_str().to_owned());
    render(&state, &admin, Render { id: Some(id), form, secret, access: c.admin_access }, q.done.as_deref(), None).await
}

/// Where a secret just made for `client_id` waits for its page.
fn secret_slot(client_id: &str) -> String {
    format!("client-secret:{client_id}")
}

async fn with_problem(state: &AppState, admin: &Admin, id: &str, f: Option<&Posted>, p: Problem) -> Result<Response, AppError> {
    let c = ops::clients::show(state, &admin.actor, id).await?;
    let form = match f {
        Some(f) => Form::posted(state, admin, f).await?,
        None => Form::of(state, admin, &c).await?,
    };
    render(state, admin, Render { id: Some(id.to_owned()), form, secret: None, access: c.admin_access }, None, Some(p)).await
}

async fn save(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<Posted>>,
) -> Result<Response, AppError> {
    match ops::clients::update(&state, &admin.actor, &id, input(&f, false)).await {
        Ok(c) => {
            // Changing the auth method may have made a secret: shown once on the next page.
            if let Some(secret) = &c.client_secret {
                flash::put(&state, (&admin.session).into(), &secret_slot(&id), secret.expose()).await?;
            }
            Ok(Redirect::to(&format!("/admin/clients/{}?done=client-saved", enc(&id))).into_response())
        }
        Err(e) => with_problem(&state, &admin, &id, Some(&f), Problem::from_admin(e)?).await,
    }
}

async fn rotate(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    _: CsrfForm<HtmlForm<Button>>,
) -> Result<Response, AppError> {
    match ops::clients::rotate_secret(&state, &admin.actor, &id).await {
        Ok(c) => {
            if let Some(secret) = &c.client_secret {
                flash::put(&state, (&admin.session).into(), &secret_slot(&id), secret.expose()).await?;
            }
            Ok(Redirect::to(&format!("/admin/clients/{}?done=client-rotated", enc(&id))).into_response())
        }
        Err(e) => with_problem(&state, &admin, &id, None, Problem::from_admin(e)?).await,
    }
}

async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    _: CsrfForm<HtmlForm<Button>>,
) -> Result<Response, AppError> {
    match ops::clients::remove(&state, &admin.actor, &id).await {
        Ok(()) => Ok(Redirect::to("/admin/clients?done=client-removed").into_response()),
        Err(e) => with_problem(&state, &admin, &id, None, Problem::from_admin(e)?).await,
    }
}

async fn admin_access(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<AccessForm>>,
) -> Result<Response, AppError> {
    let access = AdminAccess { level: f.level, body_id: f.admin_body_id, permissions: words(&f.admin_permissions) };
    match ops::clients::set_admin_access(&state, &admin.actor, &id, access).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/clients/{}?done=client-saved", enc(&id))).into_response()),
        Err(e) => with_problem(&state, &admin, &id, None, Problem::from_admin(e)?).await,
    }
}

//! SSO connections (superusers only): list, add an OIDC or a SAML connection (IdP metadata pasted
//! or fetched once from a URL), edit, replace the upstream client secret, remove. A client secret
//! goes in and is never shown; the page shows what to give the IdP instead.

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
    connections::{ClaimsInput, ConnectionInput, ConnectionView, GroupRoleInput, SecretInput},
};
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::{Tr, current};
use crate::secret::SecretString;
use crate::sso::connection::{ClaimMapping, Kind, MfaTrust};
use crate::web::say::text;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/connections", get(list))
        .route("/admin/connections/new", get(new_page).post(create))
        .route("/admin/connections/new/test", post(test_new))
        .route("/admin/connections/{id}/test", post(test_saved))
        .route("/admin/connections/{id}", get(show).post(save))
        .route("/admin/connections/{id}/secret", post(rotate))
        .route("/admin/connections/{id}/remove", post(remove))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/connections.html")]
struct ListPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    connections: Vec<ConnectionView>,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

#[derive(Deserialize)]
struct NewQuery {
    kind: Option<String>,
}

async fn list(State(state): State<AppState>, admin: Admin, Query(q): Query<DoneQuery>) -> Result<ListPage, AppError> {
    let connections = ops::connections::list(&state, &admin.actor).await?;
    Ok(ListPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Connections, q.done.as_deref()),
        connections,
    })
}

/// The sign-in modes, with the catalogue key of each one's label.
const MODES: [(&str, &str); 2] = [("offered", "conn-mode-offered"), ("required", "conn-mode-required")];

fn opts(list: &[(&str, &str)], current: &str) -> Vec<Opt> {
    list.iter().map(|(v, l)| Opt { value: (*v).to_owned(), label: text(l), selected: *v == current }).collect()
}

/// The connection form's values, as typed or as stored.
pub struct Form {
    pub oidc: bool,
    pub name: String,
    pub bodies: Vec<Opt>,
    pub domains: String,
    pub modes: Vec<Opt>,
    pub show_button: bool,
    pub trust_upstream_mfa: bool,
    pub trust_upstream_phr: bool,
    pub jit: bool,
    pub email_claim: String,
    pub name_claim: String,
    pub groups_claim: String,
    /// "group = role name" lines.
    pub group_roles: String,
    pub mfa_values: String,
    pub issuer: String,
    pub client_id: String,
    pub scopes: String,
    pub use_userinfo: bool,
    pub hosted_domain: String,
    pub idp_metadata_url: String,
    pub idp_metadata_xml: String,
    pub sign_requests: bool,
    pub allow_idp_initiated: bool,
}

async fn body_opts(state: &AppState, admin: &Admin, current: &str) -> Result<Vec<Opt>, AppError> {
    Ok(ops::bodies::list(state, &admin.actor)
        .await?
        .into_iter()
        .map(|b| Opt { selected: b.id == current, value: b.id, label: b.name })
        .collect())
}

impl Form {
    async fn blank(state: &AppState, admin: &Admin, kind: Kind) -> Result<Self, AppError> {
        let claims = ClaimMapping::default_for(kind);
        let mfa = MfaTrust::default();
        let oidc = kind == Kind::Oidc;
        Ok(Form {
            oidc,
            name: String::new(),
            bodies: body_opts(state, admin, "").await?,
            domains: String::new(),
            modes: opts(&MODES, "offered"),
            show_button: true,
            trust_upstream_mfa: false,
            trust_upstream_phr: false,
            jit: false,
            email_claim: claims.email,
            name_claim: claims.name,
            groups_claim: claims.groups,
            group_roles: String::new(),
            mfa_values: if oidc { mfa.oidc_amr.join(" ") } else { mfa.saml_authn_contexts.join("\n") },
            issuer: String::new(),
            client_id: String::new(),
            scopes: "email profile".into(),
            use_userinfo: false,
            hosted_domain: String::new(),
            idp_metadata_url: String::new(),
            idp_metadata_xml: String::new(),
            sign_requests: false,
            allow_idp_initiated: false,
        })
    }

    async fn of(state: &AppState, admin: &Admin, c: &ConnectionView) -> Result<Self, AppError> {
        let oidc = c.oidc.is_some();
        Ok(Form {
            oidc,
            name: c.name.clone(),
            bodies: body_opts(state, admin, &c.body_id).await?,
            domains: c.domains.join("\n"),
            modes: opts(&MODES, c.mode),
            show_button: c.show_button,
            trust_upstream_mfa: c.trust_upstream_mfa,
            trust_upstream_phr: c.trust_upstream_phr,
            jit: c.jit,
            email_claim: c.claims.email.clone(),
            name_claim: c.claims.name.clone(),
            groups_claim: c.claims.groups.clone(),
            group_roles: c
                .group_roles
                .iter()
                .map(|g| format!("{} = {}", g.group, if g.role.is_empty() { &g.role_id } else { &g.role }))
                .collect::<Vec<_>>()
                .join("\n"),
            mfa_values: if oidc { c.mfa.oidc_amr.join(" ") } else { c.mfa.saml_authn_contexts.join("\n") },
            issuer: c.oidc.as_ref().map(|o| o.issuer.clone()).unwrap_or_default(),
            client_id: c.oidc.as_ref().map(|o| o.client_id.clone()).unwrap_or_default(),
            scopes: c.oidc.as_ref().map(|o| o.scopes.join(" ")).unwrap_or_default(),
            use_userinfo: c.oidc.as_ref().is_some_and(|o| o.use_userinfo),
            hosted_domain: c.oidc.as_ref().and_then(|o| o.hosted_domain.clone()).unwrap_or_default(),
            idp_metadata_url: String::new(),
            idp_metadata_xml: String::new(),
            sign_requests: c.saml.as_ref().is_some_and(|s| s.sign_requests),
            allow_idp_initiated: c.allow_idp_initiated,
        })
    }

    async fn posted(state: &AppState, admin: &Admin, f: &Posted, oidc: bool) -> Result<Self, AppError> {
        Ok(Form {
            oidc,
            name: f.name.clone(),
            bodies: body_opts(state, admin, &f.body_id).await?,
            domains: f.domains.clone(),
            modes: opts(&MODES, &f.mode),
            show_button: f.show_button,
            trust_upstream_mfa: f.trust_upstream_mfa,
            trust_upstream_phr: f.trust_upstream_phr,
            jit: f.jit,
            email_claim: f.email_claim.clone(),
            name_claim: f.name_claim.clone(),
            groups_claim: f.groups_claim.clone(),
            group_roles: f.group_roles.clone(),
            mfa_values: f.mfa_values.clone(),
            issuer: f.issuer.clone(),
            client_id: f.client_id.clone(),
            scopes: f.scopes.clone(),
            use_userinfo: f.use_userinfo,
            hosted_domain: f.hosted_domain.clone(),
            idp_metadata_url: f.idp_metadata_url.clone(),
            idp_metadata_xml: f.idp_metadata_xml.clone(),
            sign_requests: f.sign_requests,
            allow_idp_initiated: f.allow_idp_initiated,
        })
    }
}

/// The connection form as posted; a connection of one kind sends only its kind's fields.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Posted {
    kind: String,
    name: String,
    body_id: String,
    domains: String,
    mode: String,
    #[serde(deserialize_with = "fields::ticked")]
    show_button: bool,
    #[serde(deserialize_with = "fields::ticked")]
    trust_upstream_mfa: bool,
    #[serde(deserialize_with = "fields::ticked")]
    trust_upstream_phr: bool,
    #[serde(deserialize_with = "fields::ticked")]
    jit: bool,
    email_claim: String,
    name_claim: String,
    groups_claim: String,
    group_roles: String,
    mfa_values: String,
    issuer: String,
    client_id: String,
    client_secret: String,
    scopes: String,
    #[serde(deserialize_with = "fields::ticked")]
    use_userinfo: bool,
    hosted_domain: String,
    idp_metadata_url: String,
    idp_metadata_xml: String,
    #[serde(deserialize_with = "fields::ticked")]
    sign_requests: bool,
    #[serde(deserialize_with = "fields::ticked")]
    allow_idp_initiated: bool,
}

/// The new client secret form.
#[derive(Deserialize)]
struct SecretForm {
    #[serde(default)]
    client_secret: String,
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

/// The form as a service-layer input; only the fields of the connection's kind are sent.
fn input(f: &Posted, oidc: bool, creating: bool) -> Result<ConnectionInput, Problem> {
    let mut group_roles = Vec::new();
    for line in fields::lines(&f.group_roles) {
        let Some((group, role)) = line.rsplit_once('=') else {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("group_roles"),
                Tr::plain(current()).msg("conn-group-roles-form").arg("line", format!("{line:?}")).to_string(),
            ));
        };
        group_roles.push(GroupRoleInput { group: group.trim().to_owned(), role: role.trim().to_owned() });
    }
    let mfa_values = if oidc { words(&f.mfa_values) } else { fields::lines(&f.mfa_values) };
    let mut i = ConnectionInput {
        name: Some(f.name.clone()),
        domains: Some(fields::lines(&f.domains)),
        mode: fields::nonempty(&f.mode),
        show_button: Some(f.show_button),
        trust_upstream_mfa: Some(f.trust_upstream_mfa),
        trust_upstream_phr: Some(f.trust_upstream_phr),
        jit: Some(f.jit),
        claims: Some(ClaimsInput {
            email: Some(f.email_claim.clone()),
            name: Some(f.name_claim.clone()),
            groups: Some(f.groups_claim.clone()),
        }),
        group_roles: Some(group_roles),
        ..Default::default()
    };
    if creating {
        i.kind = Some(if oidc { "oidc" } else { "saml" }.to_owned());
        i.body_id = Some(f.body_id.clone());
    }
    if oidc {
        i.mfa_oidc_amr = Some(mfa_values);
        i.issuer = Some(f.issuer.clone());
        i.client_id = Some(f.client_id.clone());
        i.scopes = Some(words(&f.scopes));
        i.use_userinfo = Some(f.use_userinfo);
        i.hosted_domain = Some(f.hosted_domain.clone());
        if creating {
            i.client_secret = Some(SecretString::new(&f.client_secret));
        }
    } else {
        i.mfa_saml_authn_contexts = Some(mfa_values);
        i.idp_metadata_xml = fields::nonempty(&f.idp_metadata_xml);
        i.idp_metadata_url = fields::nonempty(&f.idp_metadata_url);
        i.sign_requests = Some(f.sign_requests);
        i.allow_idp_initiated = Some(f.allow_idp_initiated);
    }
    Ok(i)
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/connection.html")]
struct ConnectionPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    /// None when adding one.
    c: Option<ConnectionView>,
    form: Form,
    /// What "Test the connection" found.
    test: Option<TestResult>,
}

/// A test of the IdP as the form describes it: its discovery document or metadata fetched and
/// its keys read, nothing saved.
pub struct TestResult {
    pub ok: bool,
    pub lines: Vec<(String, String)>,
}

fn render(admin: &Admin, c: Option<ConnectionView>, form: Form, done: Option<&str>, problem: Option<Problem>) -> Response {
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let page = ConnectionPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Connections, done),
        csrf: admin.csrf.clone(),
        error_field: problem.as_ref().and_then(|p| p.field),
        error: problem.map(|p| p.message),
        c,
        form,
        test: None,
    };
    (status, admin.jar.clone(), page).into_response()
}

fn kind_of(s: &str) -> Result<Kind, AppError> {
    Kind::parse(s).ok_or_else(|| AppError::BadRequest(text("conn-choose-kind")))
}

async fn new_page(State(state): State<AppState>, admin: Admin, Query(q): Query<NewQuery>) -> Result<Response, AppError> {
    if !admin.actor.is_superuser() {
        return Err(AppError::Forbidden(text("conn-superuser-only")));
    }
    let kind = kind_of(q.kind.as_deref().unwrap_or("oidc"))?;
    Ok(render(&admin, None, Form::blank(&state, &admin, kind).await?, None, None))
}

async fn create(
    State(state): State<AppState>,
    admin: Admin,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<Posted>>,
) -> Result<Response, AppError> {
    let oidc = kind_of(&f.kind)? == Kind::Oidc;
    let result = match input(&f, oidc, true) {
        Ok(i) => ops::connections::create(&state, &admin.actor, i).await.map_err(Problem::from_admin),
        Err(p) => Err(Ok(p)),
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/admin/connections/{}?done=connection-created", enc(&c.id))).into_response()),
        Err(p) => {
            let p = p?;
            Ok(render(&admin, None, Form::posted(&state, &admin, &f, oidc).await?, None, Some(p)))
        }
    }
}

async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let c = ops::connections::show(&state, &admin.actor, &id).await?;
    let form = Form::of(&state, &admin, &c).await?;
    Ok(render(&admin, Some(c), form, q.done.as_deref(), None))
}

async fn with_problem(state: &AppState, admin: &Admin, id: &str, f: Option<&Posted>, p: Problem) -> Result<Response, AppError> {
    let c = ops::connections::show(state, &admin.actor, id).await?;
    let form = match f {
        Some(f) => Form::posted(state, admin, f, c.oidc.is_some()).await?,
        None => Form::of(state, admin, &c).await?,
    };
    Ok(render(admin, Some(c), form, None, Some(p)))
}

async fn save(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<Posted>>,
) -> Result<Response, AppError> {
    let oidc = f.kind == "oidc";
    let result = match input(&f, oidc, false) {
        Ok(i) => ops::connections::update(&state, &admin.actor, &id, i).await.map_err(Problem::from_admin),
        Err(p) => Err(Ok(p)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/admin/connections/{}?done=connection-saved", enc(&id))).into_response()),
        Err(p) => with_problem(&state, &admin, &id, Some(&f), p?).await,
    }
}

async fn rotate(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<SecretForm>>,
) -> Result<Response, AppError> {
    let input = SecretInput { client_secret: SecretString::new(&f.client_secret) };
    if input.client_secret.is_empty() {
        let p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("client_secret"), text("conn-give-new-secret"));
        return with_problem(&state, &admin, &id, None, p).await;
    }
    match ops::connections::rotate_secret(&state, &admin.actor, &id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/connections/{}?done=connection-secret", enc(&id))).into_response()),
        Err(e) => with_problem(&state, &admin, &id, None, Problem::from_admin(e)?).await,
    }
}

async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    _: CsrfForm<HtmlForm<Button>>,
) -> Result<Response, AppError> {
    match ops::connections::remove(&state, &admin.actor, &id).await {
        Ok(()) => Ok(Redirect::to("/admin/connections?done=connection-removed").into_response()),
        Err(e) => with_problem(&state, &admin, &id, None, Problem::from_admin(e)?).await,
    }
}

async fn test_new(
    State(state): State<AppState>,
    admin: Admin,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<Posted>>,
) -> Result<Response, AppError> {
    test(&state, &admin, None, &f).await
}

async fn test_saved(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<Posted>>,
) -> Result<Response, AppError> {
    test(&state, &admin, Some(&id), &f).await
}

/// "Test the connection": fetches what the form names (an OIDC issuer's discovery document and
/// keys, or SAML metadata) and shows what was found or why it failed. Nothing is saved, so the
/// form comes back as typed (without the client secret, which is never sent back).
async fn test(state: &AppState, admin: &Admin, id: Option<&str>, f: &Posted) -> Result<Response, AppError> {
    if !admin.actor.is_superuser() {
        return Err(AppError::Forbidden(text("conn-superuser-only")));
    }
    let c = match id {
        Some(id) => Some(ops::connections::show(state, &admin.actor, id).await?),
        None => None,
    };
    let oidc = match &c {
        Some(c) => c.oidc.is_some(),
        None => kind_of(&f.kind)? == Kind::Oidc,
    };
    let result = if oidc { test_oidc(state, &f.issuer).await } else { test_saml(state, f, c.as_ref()).await };
    let form = Form::posted(state, admin, f, oidc).await?;
    let page = ConnectionPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Connections, None),
        csrf: admin.csrf.clone(),
        error_field: None,
        error: None,
        c,
        form,
        test: Some(result),
    };
    Ok((admin.jar.clone(), page).into_response())
}

async fn test_oidc(state: &AppState, issuer: &str) -> TestResult {
    if issuer.trim().is_empty() {
        return TestResult { ok: false, lines: vec![(text("conn-test-problem"), text("conn-test-no-issuer"))] };
    }
    match crate::auth::upstream_oidc::probe(state, issuer).await {
        Ok(p) => {
            let ok = p.token_endpoint.is_some() && !p.keys.is_empty();
            let none = || text("conn-test-none");
            let mut lines = vec![
                (text("app-issuer"), p.issuer),
                (text("conn-test-sign-in-endpoint"), p.authorization_endpoint),
                (text("conn-test-token-endpoint"), p.token_endpoint.unwrap_or_else(none)),
                (text("conn-test-signing-keys"), if p.keys.is_empty() { none() } else { p.keys.join(", ") }),
            ];
            if !ok {
                lines.push((text("conn-test-problem"), text("conn-test-oidc-incomplete")));
            }
            TestResult { ok, lines }
        }
        Err(e) => {
            tracing::info!(error = %crate::error::error_chain(&e), "SSO connection test failed");
            TestResult { ok: false, lines: vec![(text("conn-test-problem"), oidc_failure(&e))] }
        }
    }
}

fn oidc_failure(e: &crate::auth::upstream_oidc::UpstreamOidcError) -> String {
    use crate::auth::upstream_oidc::UpstreamOidcError as E;
    text(match e {
        E::BadIssuer => "conn-test-bad-issuer",
        E::Discovery(_) => "conn-test-discovery-failed",
        _ => "conn-test-failed",
    })
}

async fn test_saml(state: &AppState, f: &Posted, c: Option<&ConnectionView>) -> TestResult {
    let read = if let Some(url) = nonempty(&f.idp_metadata_url) {
        crate::sso::saml::read_metadata(state, &url).await.map_err(|e| match e {
            crate::sso::saml::SamlAdminError::Metadata(_) | crate::sso::saml::SamlAdminError::Read(..) => e.to_string(),
            other => {
                tracing::warn!(error = %crate::error::error_chain(&other), "SSO connection test failed");
                text("conn-test-metadata-unreadable")
            }
        })
    } else if let Some(xml) = nonempty(&f.idp_metadata_xml) {
        crate::auth::saml::metadata::parse_idp(&xml)
            .map_err(|e| Tr::plain(current()).msg("conn-test-metadata-unusable").arg("why", e).to_string())
    } else if c.is_some() {
        return TestResult { ok: true, lines: vec![(text("conn-test-metadata"), text("conn-test-metadata-stored"))] };
    } else {
        return TestResult { ok: false, lines: vec![(text("conn-test-problem"), text("conn-test-no-metadata"))] };
    };
    match read {
        Ok(md) => TestResult {
            ok: !md.certs.is_empty(),
            lines: vec![
                (text("conn-idp-entity-id"), md.entity_id),
                (text("conn-idp-sso-url"), md.sso_redirect_url),
                (
                    text("conn-test-certificates"),
                    if md.certs.is_empty() {
                        text("conn-test-none")
                    } else {
                        md.certs.iter().map(|c| c.fingerprint()).collect::<Vec<_>>().join(", ")
                    },
                ),
            ],
        },
        Err(why) => TestResult { ok: false, lines: vec![(text("conn-test-problem"), why)] },
    }
}

/// A form field's text, trimmed, if anything was typed.
fn nonempty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

//! Council single sign-on at the edge: starting an upstream sign-in, the one place every upstream
//! protocol ends (`finish`), and the page for upstream failures. See src/sso/mod.rs for how a
//! protocol plugs in.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::json;

use super::extract::Client;
use super::{cookies, safe_next, signin};
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::auth::federated::{self, AMR_FEDERATED, AMR_MFA, FederatedError};
use crate::auth::upstream_oidc::{self, CallbackError, CallbackParams, UpstreamOidcError};
use crate::auth::{ClientInfo, SsoRequired};
use crate::error::AppError;
use crate::policy::mfa::{ACR_MFA, ACR_PHR};
use crate::secret::{random_token, token_hash};
use crate::sso::{Connection, Failure, KindConfig, UpstreamIdentity};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sso/start/{id}", get(start))
        .route(upstream_oidc::CALLBACK_PATH, get(shared_oidc_callback))
        .route(&format!("{}/{{id}}", upstream_oidc::CALLBACK_PATH), get(oidc_callback))
}

/// The cookie that binds an upstream sign-in to the browser that started it. SameSite=Lax is
/// enough for OIDC (the IdP returns with a top-level GET); a POST binding from another site
/// (SAML ACS) needs its own SameSite=None cookie.
pub fn browser_cookie_name(state: &AppState) -> &'static str {
    if state.settings.issuer_is_https() { "__Host-stile_sso" } else { "stile_sso" }
}

/// The browser's SSO binding secret, creating one (and its cookie) when absent. Store only
/// `token_hash` of it (as `browser_hash` of a login state).
pub fn browser_secret(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    let name = browser_cookie_name(state);
    if let Some(c) = jar.get(name)
        && c.value().len() >= 43
    {
        let v = c.value().to_owned();
        return (jar, v);
    }
    let value = random_token(&*state.rng).expose().to_owned();
    let jar = jar.add(cookies::build(state, name, value.clone(), None));
    (jar, value)
}

/// The hash of the browser's SSO binding secret, if it has one.
pub fn browser_hash(state: &AppState, jar: &CookieJar) -> Option<String> {
    jar.get(browser_cookie_name(state)).map(|c| token_hash(c.value()))
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
    login_hint: Option<String>,
}

/// Sends the browser to the connection's IdP.
async fn start(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(q): Query<StartQuery>,
) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref());
    let Some(conn) = store::connections::get(&state.db, &id).await? else { return Err(AppError::NotFound) };
    if !federated::may_start(&state, &client).await? {
        let t = crate::i18n::Tr::plain(crate::i18n::current());
        let mut r = crate::error::error_page(StatusCode::TOO_MANY_REQUESTS, &t.get("sso-too-many-title").0, &t.get("sso-too-many").0);
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("600"));
        return Ok(r);
    }
    let hint = q.login_hint.filter(|h| !h.is_empty() && h.len() <= 254);
    match &conn.config {
        KindConfig::Oidc(_) => oidc_start(&state, jar, &client, &conn, &next, hint.as_deref()).await,
        KindConfig::Saml(_) => saml_start(&state, jar, &client, &conn, &next, hint.as_deref()).await,
    }
}

async fn oidc_start(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    conn: &Connection,
    next: &str,
    login_hint: Option<&str>,
) -> Result<Response, AppError> {
    let (jar, secret) = browser_secret(state, jar);
    match upstream_oidc::start(state, conn, &token_hash(&secret), next, login_hint).await {
        Ok(url) => Ok((jar, Redirect::to(&url)).into_response()),
        Err(UpstreamOidcError::Store(e)) => Err(e.into()),
        Err(e) => failure(state, jar, client, Some(conn), e.failure(), next, &crate::error::error_chain(&e)).await,
    }
}

/// The IdP sends the browser back here: each OIDC connection's own redirect URI.
async fn oidc_callback(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(p): Query<CallbackParams>,
) -> Result<Response, AppError> {
    let hash = browser_hash(&state, &jar);
    match upstream_oidc::callback(&state, hash.as_deref(), &id, &p).await {
        Ok(v) => finish(&state, jar, &client, &v.conn, v.identity, &v.next).await,
        Err(CallbackError::Refused(r)) => failure(&state, jar, &client, r.conn.as_ref(), r.failure, &r.next, &r.detail).await,
        Err(CallbackError::Store(e)) => Err(e.into()),
    }
}

/// The redirect URI all OIDC connections shared before each had its own. Never accepted (a
/// response here could come from any IdP); audited with the connection's new redirect URI so
/// the operator can see which IdP registration to update.
async fn shared_oidc_callback(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    Query(p): Query<CallbackParams>,
) -> Result<Response, AppError> {
    let r = upstream_oidc::refuse_shared_callback(&state, &p).await?;
    failure(&state, jar, &client, r.conn.as_ref(), r.failure, &r.next, &r.detail).await
}

async fn saml_start(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    conn: &Connection,
    next: &str,
    _login_hint: Option<&str>,
) -> Result<Response, AppError> {
    super::saml::start(state, jar, client, conn, next).await
}

/// Where every upstream protocol ends once it has verified the IdP's response: links or creates
/// the account, sets membership and mapped roles, decides about Stile's own second factor,
/// starts the session (or parks it for the second factor) and goes on to `next`.
pub async fn finish(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    conn: &Connection,
    identity: UpstreamIdentity,
    next: &str,
) -> Result<Response, AppError> {
    let next = safe_next(Some(next));
    match federated::sign_in(state, conn, &identity, client).await {
        Ok(f) if f.phr_done => signin::start(state, jar, client, &f.user, &[AMR_FEDERATED, AMR_MFA], ACR_PHR, &next).await,
        Ok(f) if f.mfa_done => signin::start(state, jar, client, &f.user, &[AMR_FEDERATED, AMR_MFA], ACR_MFA, &next).await,
        Ok(f) => signin::after_first_factor(state, jar, client, &f.user, &[AMR_FEDERATED], &next).await,
        // Already audited with the reason.
        Err(FederatedError::NoAccount) => Ok(failure_page(state, jar, Some(conn), Failure::NoAccount, &next)),
        Err(FederatedError::Disabled) => Ok(failure_page(state, jar, Some(conn), Failure::Disabled, &next)),
        Err(FederatedError::Banned) => Ok(failure_page(state, jar, Some(conn), Failure::NotAllowed, &next)),
        Err(FederatedError::NoSubject) => Ok(failure_page(state, jar, Some(conn), Failure::BadResponse, &next)),
        Err(FederatedError::Store(e)) => Err(e.into()),
    }
}

/// Audits an upstream failure with its detail (never shown) and answers with the failure page.
pub async fn failure(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    conn: Option<&Connection>,
    what: Failure,
    next: &str,
    detail: &str,
) -> Result<Response, AppError> {
    let details = json!({
        "connection_id": conn.map(|c| c.id.clone()),
        "reason": what.reason(),
        "detail": detail.chars().take(500).collect::<String>(),
    });
    // A 502 is ours or the IdP's fault, not the person's: the operator needs the cause in the
    // log (the audit log holds it too, but nobody watches that for outages).
    if matches!(what, Failure::Unavailable | Failure::Misconfigured) {
        tracing::warn!(connection = conn.map(|c| c.id.as_str()), reason = what.reason(), detail, "upstream sign-in failed");
    }
    audit::user_event(&state.db, state, "signin.sso", None, None, client, Outcome::Failure, Some(details)).await?;
    Ok(failure_page(state, jar, conn, what, next))
}

#[derive(Template, WebTemplate)]
#[template(path = "sso_required.html")]
struct RequiredPage<'a> {
    site_name: &'a str,
    signed_in: bool,
    connection_id: &'a str,
    connection_name: &'a str,
    message: String,
    next: &'a str,
    email: &'a str,
}

/// The answer to a password, emailed-link or password-setting attempt for an address whose
/// organisation requires its own sign-in: why, and the way to it.
pub fn required_page(state: &AppState, jar: CookieJar, r: &SsoRequired, next: &str, email: &str) -> Response {
    let page = RequiredPage {
        site_name: &state.settings.server.name,
        signed_in: false,
        connection_id: &r.connection_id,
        connection_name: &r.connection_name,
        message: super::say::sso_required(&r.connection_name),
        next,
        email,
    };
    (StatusCode::FORBIDDEN, jar, page).into_response()
}

/// A button on the sign-in pages.
pub struct SsoButton {
    pub id: String,
    pub name: String,
}

impl From<&Connection> for SsoButton {
    fn from(c: &Connection) -> Self {
        SsoButton { id: c.id.clone(), name: c.name.clone() }
    }
}

/// The "Sign in with …" buttons the sign-in page shows: only those of connections for `domain`
/// (a relying app's `domain_hint`, or the domain of its `login_hint`). With no domain known,
/// none: one council's button is no use to another's staff.
pub async fn buttons(state: &AppState, domain: Option<&str>) -> Result<Vec<SsoButton>, AppError> {
    let Some(domain) = domain.and_then(|d| crate::email::normalise_domain(d).ok()) else {
        return Ok(Vec::new());
    };
    Ok(crate::sso::buttons(&state.db).await?.iter().filter(|c| c.domains.contains(&domain)).map(SsoButton::from).collect())
}

/// Where home-realm discovery sends an email: the IdP (required), or the password page with the
/// IdP offered, or nowhere in particular.
pub enum Realm {
    Required(Connection),
    Offered(Connection),
    None,
}

pub async fn realm_for(state: &AppState, email: &crate::email::Email) -> Result<Realm, AppError> {
    Ok(match crate::sso::for_email(&state.db, email).await? {
        Some(c) if c.mode == crate::sso::Mode::Required => Realm::Required(c),
        Some(c) => Realm::Offered(c),
        None => Realm::None,
    })
}

/// The address that starts a sign-in at a connection, with `next` and a login hint.
pub fn start_url(conn_id: &str, next: &str, login_hint: Option<&str>) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let mut u = format!("/sso/start/{}?next={}", enc(conn_id), enc(next));
    if let Some(h) = login_hint {
        u.push_str("&login_hint=");
        u.push_str(&enc(h));
    }
    u
}

#[derive(Template, WebTemplate)]
#[template(path = "sso_problem.html")]
struct ProblemPage<'a> {
    site_name: &'a str,
    signed_in: bool,
    heading: &'a str,
    message: String,
    next: &'a str,
    connection_name: &'a str,
    retry_connection: Option<&'a str>,
}

/// The page for an upstream sign-in that did not work: what happened in plain words, a way to
/// try again where that may help, and the other sign-in methods.
pub fn failure_page(state: &AppState, jar: CookieJar, conn: Option<&Connection>, what: Failure, next: &str) -> Response {
    let t = crate::i18n::Tr::plain(crate::i18n::current());
    let unnamed = t.get("sso-your-organisation").0;
    let name = conn.map(|c| c.name.as_str()).unwrap_or(&unnamed);
    let (status, key, retry) = match what {
        Failure::Cancelled => (StatusCode::BAD_REQUEST, "sso-cancelled", true),
        Failure::Unavailable => (StatusCode::BAD_GATEWAY, "sso-unavailable", true),
        Failure::BadResponse => (StatusCode::BAD_REQUEST, "sso-bad-response", true),
        Failure::Expired => (StatusCode::BAD_REQUEST, "sso-expired", true),
        Failure::NoAccount => (StatusCode::FORBIDDEN, "sso-no-account", false),
        Failure::Disabled => (StatusCode::FORBIDDEN, "sso-disabled", false),
        Failure::NotAllowed => (StatusCode::FORBIDDEN, "sso-not-allowed", false),
        Failure::Misconfigured => (StatusCode::BAD_GATEWAY, "sso-misconfigured", false),
    };
    // Each failure's heading is `KEY-title`, its message `KEY` (which may name the connection).
    let heading = t.get(&format!("{key}-title")).0;
    let message = t.msg(key).arg("name", name).to_string();
    let page = ProblemPage {
        site_name: &state.settings.server.name,
        signed_in: false,
        heading: &heading,
        message,
        next,
        connection_name: name,
        retry_connection: if retry { conn.map(|c| c.id.as_str()) } else { None },
    };
    (status, jar, page).into_response()
}

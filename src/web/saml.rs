//! Upstream SAML at the edge: our SP metadata, the redirect to the IdP with an AuthnRequest, and
//! the ACS that takes the IdP's form post.
//!
//! Binding a response to the browser: the IdP's page posts the form to us from its own site, and
//! browsers do not send SameSite=Lax cookies on such a cross-site POST — so the SSO cookie the
//! OIDC flow uses would be missing here. SAML sign-ins get their own cookie (`stile_saml`) with a
//! random value whose hash is stored with the AuthnRequest: with an https issuer it is
//! `SameSite=None; Secure; HttpOnly` (the `__Host-` prefix pins it to this host), so the browser
//! sends it with the post. It grants nothing by itself — it only lets the browser that started a
//! sign-in finish it — and the ACS needs no CSRF token because InResponseTo (inside the signed
//! assertion) must name a request that this cookie started, once. With a plain-http issuer
//! (development only) the cookie has no SameSite attribute, which browsers treat as Lax but still
//! send on a top-level POST made within two minutes of setting it.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use super::extract::Client;
use super::sso::{failure, finish};
use crate::app::AppState;
use crate::auth::ClientInfo;
use crate::auth::saml::profile::profile;
use crate::auth::saml::request::{AuthnRequestParams, redirect_url};
use crate::auth::saml::response::{Expected, ResponseError, decode_post, validate};
use crate::error::AppError;
use crate::secret::{ct_eq, random_id, random_token, token_hash};
use crate::sso::saml::{sp_key, sp_metadata, sp_urls};
use crate::sso::{Connection, Failure, UpstreamIdentity};
use crate::store::connections::LoginStateRow;
use crate::store::saml::Acceptance;
use crate::store::{self};

/// How long an AuthnRequest may take to come back.
const REQUEST_TTL_SECS: i64 = 600;

pub fn router() -> Router<AppState> {
    Router::new().route("/sso/saml/{id}/metadata", get(metadata))
}

/// The ACS alone: it reads its own body with its own limit (`server.max_saml_response_bytes`),
/// so a response over it still gets the SSO failure page and an audit row. Merged outside the
/// site-wide body limit.
pub fn acs_router() -> Router<AppState> {
    Router::new().route("/sso/saml/{id}/acs", post(acs)).layer(axum::extract::DefaultBodyLimit::disable())
}

pub fn cookie_name(state: &AppState) -> &'static str {
    if state.settings.issuer_is_https() { "__Host-stile_saml" } else { "stile_saml" }
}

fn binding_cookie(state: &AppState, value: String) -> Cookie<'static> {
    let https = state.settings.issuer_is_https();
    let mut c = Cookie::build((cookie_name(state), value)).path("/").http_only(true).secure(https).build();
    if https {
        c.set_same_site(SameSite::None);
    }
    c
}

async fn saml_connection(state: &AppState, id: &str) -> Result<Connection, AppError> {
    match store::connections::get(&state.db, id).await? {
        Some(c) if c.saml().is_some() => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

async fn metadata(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let conn = saml_connection(&state, &id).await?;
    let xml = sp_metadata(&state, &conn).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/samlmetadata+xml; charset=utf-8")], xml).into_response())
}

/// Sends the browser to the IdP with an AuthnRequest (called by `GET /sso/start/{id}`).
pub async fn start(state: &AppState, jar: CookieJar, client: &ClientInfo, conn: &Connection, next: &str) -> Result<Response, AppError> {
    let Some(cfg) = conn.saml() else { return Err(AppError::NotFound) };
    let now = state.now();
    // Old requests and expired replay-cache entries go as new sign-ins start.
    store::saml::prune(&state.db, now).await?;
    store::connections::prune_login_states(&state.db, now).await?;

    let (jar, secret) = match jar.get(cookie_name(state)).map(|c| c.value().to_owned()).filter(|v| v.len() >= 43) {
        Some(v) => (jar, v),
        None => {
            let v = random_token(&*state.rng).expose().to_owned();
            (jar.add(binding_cookie(state, v.clone())), v)
        }
    };
    // xsd:ID must not start with a digit.
    let request_id = format!("_{}", random_id(&*state.rng, 24));
    let signer = if cfg.sign_requests {
        match sp_key(state, conn) {
            Ok(k) => Some(k),
            Err(e) => {
                return failure(
                    state,
                    jar,
                    client,
                    Some(conn),
                    Failure::Unavailable,
                    next,
                    &format!("SP key: {}", crate::error::error_chain(&e)),
                )
                .await;
            }
        }
    } else {
        None
    };
    let (entity_id, acs_url) = sp_urls(state, &conn.id);
    let params = AuthnRequestParams {
        id: &request_id,
        issue_instant: now,
        idp_sso_url: &cfg.idp_sso_url,
        sp_entity_id: &entity_id,
        acs_url: &acs_url,
        relay_state: &request_id,
    };
    let url = match redirect_url(&params, signer.as_ref()) {
        Ok(u) => u,
        Err(e) => {
            return failure(
                state,
                jar,
                client,
                Some(conn),
                Failure::Unavailable,
                next,
                &format!("AuthnRequest: {}", crate::error::error_chain(&e)),
            )
            .await;
        }
    };
    store::connections::insert_login_state(
        &state.db,
        &LoginStateRow {
            id_hash: token_hash(&request_id),
            connection_id: conn.id.clone(),
            browser_hash: token_hash(&secret),
            next: next.to_owned(),
            data: "{}".into(),
            created_at: now,
            expires_at: now + REQUEST_TTL_SECS,
            used_at: None,
        },
    )
    .await?;
    Ok((jar, Redirect::to(&url)).into_response())
}

#[derive(Default)]
struct AcsForm {
    saml_response: String,
    relay_state: String,
}

/// Reads the ACS form post within `limit` bytes, refusing control characters and invalid UTF-8
/// like every other form (see `web::input`). The error is for the audit log.
async fn read_acs_form(body: axum::body::Body, limit: usize) -> Result<AcsForm, String> {
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| format!("SAML post larger than the {limit}-byte limit (server.max_saml_response_bytes) or cut short"))?;
    super::input::check_pairs(&bytes, "form", true).map_err(|e| e.to_string())?;
    let mut form = AcsForm::default();
    for (k, v) in url::form_urlencoded::parse(&bytes) {
        let slot = match k.as_ref() {
            "SAMLResponse" => &mut form.saml_response,
            "RelayState" => &mut form.relay_state,
            _ => continue,
        };
        if !slot.is_empty() {
            return Err(format!("{k} sent more than once"));
        }
        *slot = v.into_owned();
    }
    Ok(form)
}

fn failure_for(e: &ResponseError) -> Failure {
    match e {
        // The IdP did not sign the person in (cancelled, refused, or its own error).
        ResponseError::Status(s) if s.ends_with(":Responder") => Failure::Unavailable,
        ResponseError::Status(_) => Failure::Cancelled,
        ResponseError::InResponseTo | ResponseError::Unsolicited => Failure::Expired,
        _ => Failure::BadResponse,
    }
}

/// The IdP's form post. No CSRF token: see the module comment.
async fn acs(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    Path(id): Path<String>,
    body: axum::body::Body,
) -> Result<Response, AppError> {
    let conn = saml_connection(&state, &id).await?;
    let Some(cfg) = conn.saml() else { return Err(AppError::NotFound) };
    let now = state.now();
    let form = match read_acs_form(body, state.settings.server.max_saml_response_bytes).await {
        Ok(f) => f,
        Err(detail) => return failure(&state, jar, &client, Some(&conn), Failure::BadResponse, "/account", &detail).await,
    };

    // Which request this answers: the RelayState names it, and this browser must have started it.
    let browser = jar.get(cookie_name(&state)).map(|c| token_hash(c.value()));
    let relay = form.relay_state.trim();
    let pending = if relay.is_empty() || relay.len() > 80 {
        None
    } else {
        store::connections::login_state(&state.db, &token_hash(relay)).await?.filter(|s| s.connection_id == conn.id)
    };
    let (request_id, next) = match pending {
        Some(s) => {
            let same_browser = browser.as_deref().is_some_and(|b| ct_eq(b.as_bytes(), s.browser_hash.as_bytes()));
            if !same_browser || s.used_at.is_some() || s.expires_at <= now {
                let why = if !same_browser { "started in another browser" } else { "used or expired" };
                return failure(&state, jar, &client, Some(&conn), Failure::Expired, &s.next, &format!("SAML request {why}")).await;
            }
            (Some(relay.to_owned()), s.next)
        }
        None if conn.allow_idp_initiated => (None, "/account".to_owned()),
        None => {
            return failure(
                &state,
                jar,
                &client,
                Some(&conn),
                Failure::Expired,
                "/account",
                "SAML response for no request of this browser",
            )
            .await;
        }
    };

    let certs = match cfg.trusted_certs() {
        Ok(c) => c,
        Err(e) => return failure(&state, jar, &client, Some(&conn), Failure::Unavailable, &next, &e.to_string()).await,
    };
    let (entity_id, acs_url) = sp_urls(&state, &conn.id);
    let expected = Expected {
        acs_url: &acs_url,
        sp_entity_id: &entity_id,
        idp_entity_id: &cfg.idp_entity_id,
        certs: &certs,
        now,
        skew_secs: cfg.clock_skew_secs,
        in_response_to: request_id.as_deref(),
        allow_idp_initiated: conn.allow_idp_initiated,
    };
    if form.saml_response.is_empty() {
        return failure(&state, jar, &client, Some(&conn), Failure::BadResponse, &next, "no SAMLResponse in the post").await;
    }
    let verified = match decode_post(&form.saml_response).and_then(|xml| validate(&xml, &expected)) {
        Ok(v) => v,
        Err(e) => {
            return failure(&state, jar, &client, Some(&conn), failure_for(&e), &next, &format!("SAML response refused: {e}")).await;
        }
    };
    let keep_until = verified.expires_at.saturating_add(cfg.clock_skew_secs);
    match store::saml::accept(
        &state.db,
        &conn.id,
        request_id.as_deref().map(token_hash).as_deref(),
        &verified.assertion_id,
        keep_until,
        now,
    )
    .await?
    {
        Acceptance::Accepted => {}
        Acceptance::Replayed => {
            let detail = format!("SAML assertion {} replayed", verified.assertion_id);
            return failure(&state, jar, &client, Some(&conn), Failure::BadResponse, &next, &detail).await;
        }
        Acceptance::RequestGone => {
            return failure(&state, jar, &client, Some(&conn), Failure::Expired, &next, "SAML request used meanwhile").await;
        }
    }

    let person = profile(&verified, &conn.mapping.claims);
    let identity = UpstreamIdentity {
        subject: person.subject,
        email: person.email,
        // The IdP's own directory vouches for the address; linking still requires it to be in
        // the connection's domains.
        email_verified: true,
        name: person.name,
        groups: person.groups,
        upstream_mfa: verified.authn_context_class.as_deref().is_some_and(|c| conn.saml_context_is_mfa(c)),
        upstream_phr: verified.authn_context_class.as_deref().is_some_and(|c| conn.saml_context_is_phr(c)),
        amr: verified.authn_context_class.clone().into_iter().collect(),
        session_index: verified.session_index.clone(),
    };
    finish(&state, jar, &client, &conn, identity, &next).await
}

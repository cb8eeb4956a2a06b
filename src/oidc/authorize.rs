//! The authorization endpoint (GET and POST) and the consent step.
//!
//! Until the client and redirect URI are known to be right, errors are shown on our own page;
//! after that they go back to the client (RFC 6749 §4.1.2.1).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawForm, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;

use super::client_auth::Params;
use super::paths;
use crate::app::AppState;
use crate::clients::Client;
use crate::error::AppError;
use crate::secret::random_id;
use crate::store;
use crate::tokens::grants::{self, CodeData};
use crate::tokens::issue::Authn;
use crate::tokens::pushed;
use crate::web::csrf::CsrfForm;
use crate::web::{CurrentUser, MaybeUser, csrf};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::AUTHORIZE, get(authorize_get).post(authorize_post)).route("/authorize/consent", post(consent_post))
}

/// A validated authorization request.
struct Request {
    client: Client,
    redirect_uri: String,
    state: Option<String>,
    form_post: bool,
    scope: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    /// RFC 9449 §10: the DPoP key (thumbprint) the code is bound to, from `dpop_jkt` or, for a
    /// pushed request, from the proof sent to `/par`.
    dpop_jkt: Option<String>,
    prompt: Vec<String>,
    max_age: Option<i64>,
    login_hint: Option<String>,
    id_token_hint_sub: Option<String>,
    /// `acr_values` asked for the MFA level.
    acr_mfa: bool,
    /// `acr_values` asked for the phishing-resistant level (`phr`).
    acr_phr: bool,
    /// The original parameters, to come back to after sign-in or consent (for a pushed
    /// request: client_id and request_uri only).
    raw: Vec<(String, String)>,
    /// A pushed request (RFC 9126): the hash of its request_uri, spent with the code it yields,
    /// and when it was pushed (a sign-in after that satisfies its prompt=login).
    pushed: Option<(String, i64)>,
}

/// Where an error goes.
enum Failure {
    /// Client or redirect URI not trustworthy: our own page.
    Page(String),
    /// Back to the client.
    Client { client_redirect: String, state: Option<String>, form_post: bool, code: &'static str, description: String },
}

fn params_from_query(q: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

async fn authorize_get(State(state): State<AppState>, user: MaybeUser, jar: CookieJar, RawQuery(q): RawQuery) -> Response {
    run(&state, user, jar, params_from_query(&q.unwrap_or_default()), false).await
}

async fn authorize_post(State(state): State<AppState>, user: MaybeUser, jar: CookieJar, RawForm(body): RawForm) -> Response {
    run(&state, user, jar, params_from_query(&String::from_utf8_lossy(&body)), false).await
}

async fn run(state: &AppState, user: MaybeUser, jar: CookieJar, raw: Vec<(String, String)>, consented_now: bool) -> Response {
    let req = match parse(state, raw).await {
        Ok(r) => r,
        Err(f) => return fail(state, f),
    };
    match decide(state, user, jar, req, consented_now).await {
        Ok(r) => r,
        Err(f) => fail(state, f),
    }
}

fn to_client(req: &Request, code: &'static str, description: impl Into<String>) -> Failure {
    Failure::Client {
        client_redirect: req.redirect_uri.clone(),
        state: req.state.clone(),
        form_post: req.form_post,
        code,
        description: description.into(),
    }
}

/// A pushed request's parameters in place of the request's own (RFC 9126 §4): only client_id
/// and request_uri are read from the request itself.
async fn unpushed(state: &AppState, raw: Vec<(String, String)>) -> Result<(Vec<(String, String)>, Option<(String, i64)>), Failure> {
    let outer = Params(raw);
    let page = |m: &str| Failure::Page(m.to_owned());
    let Some(request_uri) = outer.get("request_uri").map_err(|e| page(&e.description))? else {
        return Ok((outer.0, None));
    };
    let client_id = outer
        .get("client_id")
        .map_err(|e| page(&e.description))?
        .ok_or_else(|| page("The request does not say which application is asking (client_id is missing)."))?;
    let gone = || page("This sign-in request has expired or has already been used. Go back to the application and start again.");
    let hash = pushed::handle_hash(request_uri).ok_or_else(gone)?;
    let row = pushed::open(&state.db, &hash, client_id, state.now()).await.map_err(|e| {
        tracing::error!(error = %crate::error::error_chain(&e), "cannot read a pushed authorization request");
        page("Something went wrong on our side. Try again in a moment.")
    })?;
    let (params, pushed_at) = row.ok_or_else(gone)?;
    // The pushed request names the same client (it was pushed by it, authenticated).
    if !params.iter().any(|(k, v)| k == "client_id" && v == client_id) {
        return Err(gone());
    }
    Ok((params, Some((hash, pushed_at))))
}

async fn parse(state: &AppState, raw: Vec<(String, String)>) -> Result<Request, Failure> {
    let outer_raw = raw.clone();
    let (raw, pushed) = unpushed(state, raw).await?;
    // The language layer reads only the query: a pushed request's language (the query has only
    // client_id and request_uri) and a POSTed request's (in its body) decide the pages of this
    // sign-in as a query's would.
    let asked = raw.iter().find(|(k, _)| k == "ui_locales").and_then(|(_, v)| crate::i18n::Lang::from_ui_locales(v));
    if pushed.is_some() || asked.is_some() {
        crate::i18n::note_ui_locales(asked);
    }
    let mut req = check(state, raw, pushed.is_some()).await?;
    if let Some(p) = pushed {
        req.raw = outer_raw.into_iter().filter(|(k, _)| k == "client_id" || k == "request_uri").collect();
        req.pushed = Some(p);
    }
    Ok(req)
}

/// Checks a pushed request as the authorization endpoint will (RFC 9126 §2.1): Ok, or the
/// error code and description to answer.
pub(super) async fn check_pushed(state: &AppState, params: Vec<(String, String)>) -> Result<(), (&'static str, String)> {
    match check(state, params, true).await {
        Ok(_) => Ok(()),
        Err(Failure::Page(m)) => Err(("invalid_request", m)),
        Err(Failure::Client { code, description, .. }) => Err((code, description)),
    }
}

/// Checks an authorization request's parameters; `pushed` when they came through PAR.
async fn check(state: &AppState, raw: Vec<(String, String)>, pushed: bool) -> Result<Request, Failure> {
    let p = Params(raw);
    let page = |m: &str| Failure::Page(m.to_owned());
    let client_id = p
        .get("client_id")
        .map_err(|e| page(&e.description))?
        .ok_or_else(|| page("The request does not say which application is asking (client_id is missing)."))?;
    let row =
        store::clients::by_id(&state.db, client_id).await.map_err(|_| page("Something went wrong on our side. Try again in a moment."))?;
    let client =
        row.and_then(|r| Client::from_row(r).ok()).ok_or_else(|| page("The application asking you to sign in is not registered here."))?;
    let redirect_uri = p.get("redirect_uri").map_err(|e| page(&e.description))?.ok_or_else(|| page("The request has no redirect_uri."))?;
    if !client.has_redirect_uri(redirect_uri) {
        return Err(page("The application asked to send you to an address it has not registered, so it cannot continue."));
    }
    let redirect_uri = redirect_uri.to_owned();
    let st = p.get("state").ok().flatten().map(str::to_owned);
    let mode = p.get("response_mode").ok().flatten();
    let form_post = mode == Some("form_post");
    let base = |code: &'static str, d: String| Failure::Client {
        client_redirect: redirect_uri.clone(),
        state: st.clone(),
        form_post,
        code,
        description: d,
    };
    let get = |name: &str| p.get(name).map_err(|e| base("invalid_request", e.description));
    if !matches!(mode, None | Some("query") | Some("form_post")) {
        return Err(base("invalid_request", "response_mode must be query or form_post".into()));
    }
    if get("request")?.is_some() {
        return Err(base("request_not_supported", "request objects are not supported".into()));
    }
    if get("request_uri")?.is_some() {
        return Err(base("invalid_request", "a pushed request cannot itself name a request_uri".into()));
    }
    if !pushed && (client.require_par || state.settings.oauth.require_pushed_authorization_requests) {
        return Err(base(
            "invalid_request",
            "this client must push its authorization request first (PAR, RFC 9126) and send its request_uri".into(),
        ));
    }
    match get("response_type")? {
        Some("code") => {}
        None => return Err(base("invalid_request", "response_type is missing".into())),
        Some(_) => return Err(base("unsupported_response_type", "only response_type=code is supported".into())),
    }
    if !client.allows_grant(crate::clients::GrantType::AuthorizationCode) {
        return Err(base("unauthorized_client", "this client may not use the authorization code flow".into()));
    }
    let scope = get("scope")?.unwrap_or("");
    let scopes = grants::scopes_of(scope);
    if !scopes.contains(&"openid") {
        return Err(base("invalid_scope", "scope must include openid".into()));
    }
    if let Some(bad) = scopes.iter().find(|s| !client.scopes.iter().any(|c| c == *s)) {
        return Err(base("invalid_scope", format!("the scope {bad} is not allowed for this client")));
    }
    let mut unique: Vec<&str> = Vec::new();
    for s in scopes {
        if !unique.contains(&s) {
            unique.push(s);
        }
    }
    let scope = unique.join(" ");
    let code_challenge = get("code_challenge")?.map(str::to_owned);
    match get("code_challenge_method")? {
        None if code_challenge.is_some() => return Err(base("invalid_request", "code_challenge_method must be S256".into())),
        None | Some("S256") => {}
        Some(_) => return Err(base("invalid_request", "only the S256 code_challenge_method is supported".into())),
    }
    match &code_challenge {
        Some(c) if !is_sha256_b64url(c) => {
            return Err(base("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)".into()));
        }
        None if client.is_public() || client.require_pkce => {
            return Err(base("invalid_request", "PKCE (code_challenge with S256) is required".into()));
        }
        _ => {}
    }
    let dpop_jkt = get("dpop_jkt")?.map(str::to_owned);
    if dpop_jkt.as_ref().is_some_and(|j| !is_sha256_b64url(j)) {
        return Err(base("invalid_request", "dpop_jkt must be a JWK SHA-256 thumbprint, base64url (43 characters)".into()));
    }
    let prompt: Vec<String> =
        get("prompt")?.map(|p| p.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect()).unwrap_or_default();
    if prompt.iter().any(|p| !matches!(p.as_str(), "none" | "login" | "consent" | "select_account")) {
        return Err(base("invalid_request", "prompt may only contain none, login, consent or select_account".into()));
    }
    if prompt.iter().any(|p| p == "none") && prompt.len() > 1 {
        return Err(base("invalid_request", "prompt=none cannot be combined with other values".into()));
    }
    let max_age = match get("max_age")? {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| base("invalid_request", "max_age must be a whole number of seconds".into()))?,
        ),
    };
    let id_token_hint_sub = match get("id_token_hint")? {
        None => None,
        Some(hint) => {
            let claims = crate::tokens::jwt::verify(&state.keys, hint, None, state.settings.issuer(), None)
                .await
                .map_err(|_| base("invalid_request", "id_token_hint is not an ID token issued here".into()))?;
            Some(claims.get("sub").and_then(|s| s.as_str()).unwrap_or_default().to_owned())
        }
    };
    let nonce = get("nonce")?.map(str::to_owned);
    let login_hint = get("login_hint")?.map(str::to_owned);
    let acr_values = get("acr_values")?;
    let acr_mfa = crate::policy::mfa::acr_values_request_mfa(acr_values);
    let acr_phr = crate::policy::mfa::acr_values_request_phr(acr_values);
    // ui_locales is read by the language layer (`web::language`), which keeps it for the
    // pages of this sign-in; here it is only checked like every other parameter.
    get("ui_locales")?;
    Ok(Request {
        client,
        redirect_uri,
        state: st,
        form_post,
        scope,
        nonce,
        code_challenge,
        dpop_jkt,
        prompt,
        max_age,
        login_hint,
        id_token_hint_sub,
        acr_mfa,
        acr_phr,
        raw: p.0,
        pushed: None,
    })
}

/// A base64url SHA-256 (a PKCE challenge, a JWK thumbprint): 43 characters.
fn is_sha256_b64url(s: &str) -> bool {
    s.len() == 43 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn has(req: &Request, prompt: &str) -> bool {
    req.prompt.iter().any(|p| p == prompt)
}

/// The parameters carried through a sign-in redirect; anything else is ignored (RFC 6749 §3.1)
/// and not carried, so junk parameters cannot swell the redirect.
const CARRIED: [&str; 18] = [
    "client_id",
    "request_uri",
    "redirect_uri",
    "response_type",
    "response_mode",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "dpop_jkt",
    "prompt",
    "max_age",
    "login_hint",
    "id_token_hint",
    "acr_values",
    "ui_locales",
    "display",
];

/// The longest authorize URL carried through sign-in (what `safe_next` accepts).
const MAX_RETURN_URL: usize = 4096;

/// The authorize URL to return to, without `prompt=login` (already satisfied by signing in), or
/// an error to the client when even the recognised parameters are too long to carry.
fn carried_url(req: &Request) -> Result<String, Failure> {
    let url = return_url(req, true);
    if url.len() > MAX_RETURN_URL {
        return Err(to_client(
            req,
            "invalid_request",
            format!("the request is too long to carry through sign-in (at most {MAX_RETURN_URL} bytes)"),
        ));
    }
    Ok(url)
}

/// The authorize URL to return to, without `prompt=login` (already satisfied by signing in).
fn return_url(req: &Request, drop_login: bool) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in req.raw.iter().filter(|(k, _)| CARRIED.contains(&k.as_str())) {
        if drop_login && k == "prompt" {
            let rest: Vec<&str> = v.split(' ').filter(|p| *p != "login" && !p.is_empty()).collect();
            if !rest.is_empty() {
                ser.append_pair(k, &rest.join(" "));
            }
            continue;
        }
        ser.append_pair(k, v);
    }
    format!("{}?{}", paths::AUTHORIZE, ser.finish())
}

async fn decide(state: &AppState, user: MaybeUser, jar: CookieJar, req: Request, consented_now: bool) -> Result<Response, Failure> {
    let now = state.now();
    let internal = |_| to_client(&req, "server_error", "the server could not complete the request");
    let session_ok = match &user.0 {
        None => false,
        Some(u) => {
            let fresh_enough = req.max_age.is_none_or(|m| now - u.session.auth_time <= m);
            let hint_ok = req.id_token_hint_sub.as_deref().is_none_or(|s| s == u.user.id);
            // A pushed request's prompt=login is met by a sign-in after it was pushed.
            let login_ok = !has(&req, "login") || req.pushed.as_ref().is_some_and(|(_, at)| u.session.auth_time >= *at);
            fresh_enough && hint_ok && login_ok
        }
    };
    if !session_ok {
        if has(&req, "none") {
            return Err(to_client(&req, "login_required", "the user is not signed in"));
        }
        let next = carried_url(&req)?;
        let mut target = format!("/login?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
        if let Some(h) = &req.login_hint {
            target.push_str("&login_hint=");
            target.push_str(&url::form_urlencoded::byte_serialize(h.as_bytes()).collect::<String>());
        }
        return Ok(Redirect::to(&target).into_response());
    }
    let Some(me) = user.0 else { return Err(to_client(&req, "login_required", "the user is not signed in")) };
    // Members of a suspended body cannot act for it through an app bound to it.
    match grants::body_allows(state, &req.client).await {
        Ok(()) => {}
        Err(grants::GrantError::InvalidGrant(d)) => return Err(to_client(&req, "access_denied", d)),
        Err(e) => {
            tracing::error!(error = %crate::error::error_chain(&e), "cannot check the client's body");
            return Err(to_client(&req, "server_error", "the server could not complete the request"));
        }
    }
    // The phishing-resistant level: only a passkey (this session's, or a step-up) will do.
    let phr_needed =
        crate::auth::mfa::phr_requirement(state, &me.user, req.client.require_phr, req.acr_phr).await.map_err(internal)?.is_some();
    if phr_needed && me.session.acr != crate::policy::mfa::ACR_PHR {
        if has(&req, "none") {
            return Err(to_client(&req, "interaction_required", "a passkey is required"));
        }
        let next = carried_url(&req)?;
        return Ok(Redirect::to(&format!(
            "/login/2fa?phr=1&next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ))
        .into_response());
    }
    if !crate::policy::mfa::acr_is_multi_factor(&me.session.acr) {
        let needed = crate::auth::mfa::requirement(state, &me.user, req.client.require_mfa, req.acr_mfa).await.map_err(internal)?;
        if needed.is_some() {
            // Step-up: the second factor on top of this session, not a whole new sign-in.
            if has(&req, "none") {
                return Err(to_client(&req, "interaction_required", "a second factor is required"));
            }
            let next = carried_url(&req)?;
            return Ok(Redirect::to(&format!(
                "/login/2fa?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            ))
            .into_response());
        }
    }
    if !req.client.first_party && !consented_now {
        let remembered = store::consents::get(&state.db, &me.user.id, &req.client.id).await.map_err(internal)?;
        let covered = remembered.as_deref().is_some_and(|granted| {
            let granted = grants::scopes_of(granted);
            grants::scopes_of(&req.scope).iter().all(|s| granted.contains(s))
        });
        if !covered || has(&req, "consent") {
            if has(&req, "none") {
                return Err(to_client(&req, "consent_required", "the user has not consented to this client"));
            }
            let orgs = crate::tokens::claims::authorisation(&state.db, &me.user, &req.client).await.map_err(internal)?;
            return Ok(consent_page(state, jar, &me, &req, &orgs));
        }
    }
    let authn = Authn {
        auth_time: me.session.auth_time,
        amr: crate::auth::session::amr_of(&me.session),
        // `phr` only where it was asked for or required: an app that asked for `mfa` (or
        // nothing) gets the level it knows, which a passkey sign-in meets.
        acr: if me.session.acr == crate::policy::mfa::ACR_PHR && !phr_needed {
            crate::policy::mfa::ACR_MFA.to_owned()
        } else {
            me.session.acr.clone()
        },
        sid: Some(me.session.sid.clone()),
    };
    let data = CodeData {
        client_id: req.client.id.clone(),
        redirect_uri: req.redirect_uri.clone(),
        scope: req.scope.clone(),
        nonce: req.nonce.clone(),
        code_challenge: req.code_challenge.clone(),
        dpop_jkt: req.dpop_jkt.clone(),
        authn,
        session_expires_at: me.session.absolute_expires_at,
    };
    let pushed = req.pushed.as_ref().map(|(h, _)| h.as_str());
    let code = match grants::issue_code(state, &me.user.id, &data, pushed).await {
        Ok(c) => c,
        Err(grants::GrantError::InvalidGrant(d)) => return Err(to_client(&req, "invalid_request_uri", d)),
        Err(e) => {
            tracing::error!(error = %crate::error::error_chain(&e), "cannot issue code");
            return Err(to_client(&req, "server_error", "the server could not complete the request"));
        }
    };
    store::sessions::add_client(&state.db, &me.session.id_hash, &req.client.id, now).await.map_err(internal)?;
    let mut fields = vec![("code", code.expose().to_owned())];
    if let Some(s) = &req.state {
        fields.push(("state", s.clone()));
    }
    fields.push(("iss", state.settings.issuer().to_owned()));
    Ok(respond(state, &req.redirect_uri, req.form_post, &fields))
}

/// Sends the browser back to the client, by redirect or by auto-submitted form (form_post).
fn respond(state: &AppState, redirect_uri: &str, form_post: bool, fields: &[(&str, String)]) -> Response {
    if form_post {
        return form_post_page(redirect_uri, fields, &random_id(&*state.rng, 16));
    }
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        ser.append_pair(k, v);
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let target = format!("{redirect_uri}{sep}{}", ser.finish());
    // 303 so a POSTed authorization request becomes a GET at the client.
    match HeaderValue::from_str(&target) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => {
            let t = crate::i18n::Tr::plain(crate::i18n::current());
            crate::error::error_page(StatusCode::BAD_REQUEST, &t.get("error-cannot-continue-title").0, &t.get("refused-unusable-address").0)
        }
    }
}

#[derive(Template)]
#[template(path = "form_post.html")]
struct FormPost<'a> {
    action: &'a str,
    fields: &'a [(&'a str, String)],
    nonce: &'a str,
}

fn form_post_page(action: &str, fields: &[(&str, String)], nonce: &str) -> Response {
    let origin = url::Url::parse(action).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    let html = match (FormPost { action, fields, nonce }).render() {
        Ok(h) => h,
        Err(_) => {
            let t = crate::i18n::Tr::plain(crate::i18n::current());
            return crate::error::error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &t.get("error-internal-title").0,
                &t.get("error-internal-message").0,
            );
        }
    };
    let csp = format!("default-src 'none'; script-src 'nonce-{nonce}'; form-action {origin}; frame-ancestors 'none'; base-uri 'none'");
    let mut res = Html(html).into_response();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

fn fail(state: &AppState, f: Failure) -> Response {
    match f {
        // In the page's language; a pushed request's refusal (`check_pushed`) stays English.
        Failure::Page(msg) => AppError::BadRequest(msg).into_response(),
        Failure::Client { client_redirect, state: st, form_post, code, description } => {
            let mut fields = vec![("error", code.to_owned()), ("error_description", description)];
            if let Some(s) = st {
                fields.push(("state", s));
            }
            fields.push(("iss", state.settings.issuer().to_owned()));
            respond(state, &client_redirect, form_post, &fields)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "consent.html")]
struct ConsentPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    client_name: String,
    email: String,
    scopes: Vec<(String, String)>,
    request: String,
    /// What the app will receive about the person's organisations (the `bodies` claim).
    orgs: Vec<OrgGrant>,
}

struct OrgGrant {
    name: String,
    roles: String,
    permissions: String,
}

/// The names, or "none" in the request's language.
fn listed(v: Option<&serde_json::Value>) -> String {
    let items: Vec<&str> = v.and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|x| x.as_str()).collect()).unwrap_or_default();
    if items.is_empty() { crate::i18n::Tr::plain(crate::i18n::current()).get("consent-none").0 } else { items.join(", ") }
}

/// What a scope lets the app do, in the request's language.
fn describe(scope: &str) -> String {
    let t = crate::i18n::Tr::plain(crate::i18n::current());
    match scope {
        "openid" => t.get("scope-openid").0,
        "profile" => t.get("scope-profile").0,
        "email" => t.get("scope-email").0,
        "offline_access" => t.get("scope-offline-access").0,
        other => t.msg("scope-other").arg("scope", other).to_string(),
    }
}

fn consent_page(
    state: &AppState,
    jar: CookieJar,
    me: &CurrentUser,
    req: &Request,
    authorisation: &serde_json::Map<String, serde_json::Value>,
) -> Response {
    let orgs = authorisation
        .get("bodies")
        .and_then(|b| b.as_array())
        .map(|bodies| {
            bodies
                .iter()
                .map(|b| OrgGrant {
                    name: b.get("name").and_then(|n| n.as_str()).unwrap_or_default().to_owned(),
                    roles: listed(b.get("roles")),
                    permissions: listed(b.get("permissions")),
                })
                .collect()
        })
        .unwrap_or_default();
    let (jar, csrf) = csrf::token(state, jar);
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &req.raw {
        if k != "prompt" {
            ser.append_pair(k, v);
        }
    }
    let page = ConsentPage {
        site_name: state.settings.server.name.clone(),
        signed_in: true,
        csrf,
        client_name: req.client.name.clone(),
        email: me.user.email.clone(),
        scopes: grants::scopes_of(&req.scope).into_iter().map(|s| (s.to_owned(), describe(s))).collect(),
        request: ser.finish(),
        orgs,
    };
    (jar, page).into_response()
}

#[derive(serde::Deserialize)]
struct ConsentForm {
    #[serde(default)]
    request: String,
    #[serde(default)]
    decision: String,
}

async fn consent_post(
    State(state): State<AppState>,
    me: CurrentUser,
    jar: CookieJar,
    CsrfForm(axum::Form(f)): CsrfForm<axum::Form<ConsentForm>>,
) -> Result<Response, AppError> {
    let raw = params_from_query(&f.request);
    let req = match parse(&state, raw.clone()).await {
        Ok(r) => r,
        Err(fl) => return Ok(fail(&state, fl)),
    };
    if f.decision != "allow" {
        return Ok(fail(&state, to_client(&req, "access_denied", "the user did not allow access")));
    }
    store::consents::set(&state.db, &me.user.id, &req.client.id, &req.scope, state.now()).await?;
    let who = crate::auth::ClientInfo::default();
    crate::audit::user_event(
        &state.db,
        &state,
        "consent.grant",
        Some(&me.user.id),
        Some(&me.user.id),
        &who,
        crate::audit::Outcome::Success,
        Some(serde_json::json!({"client_id": req.client.id, "scope": req.scope})),
    )
    .await?;
    Ok(run(&state, MaybeUser(Some(me)), jar, raw, true).await)
}

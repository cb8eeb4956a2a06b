//! Signing in through an upstream OpenID Connect IdP (Entra ID, Google Workspace, …) with the
//! `openidconnect` crate: discovery (cached per connection), authorization code flow with PKCE,
//! `state` and `nonce` bound to the browser (a single-use, short-lived `sso_login_states` row
//! that only the browser holding the SSO cookie can use), ID token validation (signature by the
//! IdP's JWKS, refreshed once on an unknown `kid`; iss, aud, exp, nonce), optional userinfo, and
//! the `hd` check. Outbound HTTP uses `AppState::http`: short timeouts, no redirects.
//!
//! Mix-up defence (RFC 9700 §4.4): every connection has its own redirect URI, a callback is
//! only accepted on the redirect URI of the connection its `state` was made for, and the
//! authorization response must name its issuer (`iss`, RFC 9207) whenever the IdP's discovery
//! document says it does.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{CoreClient, CoreIdToken, CoreJwsSigningAlgorithm, CoreResponseType, CoreTokenResponse};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl, JsonWebKeySet, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::app::AppState;
use crate::secret::{random_token, token_hash};
use crate::sso::{Connection, Failure, OidcConfig, UpstreamIdentity};
use crate::store::{self, StoreError, connections::LoginStateRow};

/// How long a sign-in may take at the IdP.
const LOGIN_TTL_SECS: i64 = 600;

/// The path of a connection's callback, below the issuer.
pub const CALLBACK_PATH: &str = "/sso/oidc/callback";

/// The redirect URI to register at a connection's IdP: each connection has its own, so an IdP
/// can only send a code back to the connection it was configured for, and a response arriving
/// at one connection's URI is never taken for another's (RFC 9700 §4.4.2). `issuer` is Stile's.
pub fn redirect_uri(issuer: &str, connection_id: &str) -> String {
    let id: String = url::form_urlencoded::byte_serialize(connection_id.as_bytes()).collect();
    format!("{}{CALLBACK_PATH}/{id}", issuer.trim_end_matches('/'))
}

pub use crate::services::upstream_discovery::{DiscoveryCache, IssParameter, Metadata};

#[derive(Debug, thiserror::Error)]
pub enum UpstreamOidcError {
    #[error("not an OIDC connection")]
    NotOidc,
    #[error("the issuer URL is not valid")]
    BadIssuer,
    #[error("discovery failed: {0}")]
    Discovery(String),
    #[error("the client secret cannot be read: {0}")]
    Secret(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UpstreamOidcError {
    /// What the person is told: the IdP is down, or our side is misconfigured (also "not available").
    pub fn failure(&self) -> Failure {
        Failure::Unavailable
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct StateData {
    nonce: String,
    pkce_verifier: String,
}

fn oidc(conn: &Connection) -> Result<&OidcConfig, UpstreamOidcError> {
    conn.oidc().ok_or(UpstreamOidcError::NotOidc)
}

/// The IdP's discovery document and keys: from the cache unless `refresh`.
async fn metadata(state: &AppState, conn: &Connection, refresh: bool) -> Result<Metadata, UpstreamOidcError> {
    let cfg = oidc(conn)?;
    let now = state.now();
    if !refresh && let Some(md) = state.sso_discovery.get(&conn.id, &cfg.issuer, now, cfg.discovery_ttl_secs) {
        return Ok(md);
    }
    let issuer = IssuerUrl::new(cfg.issuer.clone()).map_err(|_| UpstreamOidcError::BadIssuer)?;
    let md =
        Metadata::discover_async(issuer, &state.http).await.map_err(|e| UpstreamOidcError::Discovery(crate::report::error_chain(&e)))?;
    state.sso_discovery.put(&conn.id, &cfg.issuer, now, &md);
    Ok(md)
}

/// What a test of an issuer found: its discovery document was fetched and its keys read.
pub struct Probe {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: Option<String>,
    /// "kid (alg)" for each key in its JWKS.
    pub keys: Vec<String>,
}

/// Fetches `issuer`'s discovery document and JWKS now (nothing cached, nothing stored), for
/// testing a connection before it is saved or switched on.
pub async fn probe(state: &AppState, issuer: &str) -> Result<Probe, UpstreamOidcError> {
    let issuer = IssuerUrl::new(issuer.trim().to_owned()).map_err(|_| UpstreamOidcError::BadIssuer)?;
    let md =
        Metadata::discover_async(issuer, &state.http).await.map_err(|e| UpstreamOidcError::Discovery(crate::report::error_chain(&e)))?;
    let keys = md
        .jwks()
        .keys()
        .iter()
        .map(|k| {
            use openidconnect::JsonWebKey as _;
            let kid = k.key_id().map(|id| id.as_str().to_owned()).unwrap_or_else(|| "no key id".into());
            match k.signing_alg() {
                openidconnect::JsonWebKeyAlgorithm::Algorithm(a) => {
                    let alg = serde_json::to_value(a).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                    format!("{kid} ({alg})")
                }
                _ => kid,
            }
        })
        .collect();
    Ok(Probe {
        issuer: md.issuer().as_str().to_owned(),
        authorization_endpoint: md.authorization_endpoint().as_str().to_owned(),
        token_endpoint: md.token_endpoint().map(|t| t.as_str().to_owned()),
        keys,
    })
}

/// Starts a sign-in: records state, nonce and PKCE verifier for this browser and returns the
/// IdP's authorization URL to send the browser to.
pub async fn start(
    state: &AppState,
    conn: &Connection,
    browser_hash: &str,
    next: &str,
    login_hint: Option<&str>,
) -> Result<String, UpstreamOidcError> {
    let cfg = oidc(conn)?;
    let md = metadata(state, conn, false).await?;
    let secret =
        crate::sso::client_secret(&state.master_key, conn).map_err(|e| UpstreamOidcError::Secret(crate::report::error_chain(&e)))?;
    let redirect = RedirectUrl::new(redirect_uri(state.settings.issuer(), &conn.id)).map_err(|_| UpstreamOidcError::BadIssuer)?;
    let client = CoreClient::from_provider_metadata(
        md,
        ClientId::new(cfg.client_id.clone()),
        secret.map(|s| ClientSecret::new(s.expose().to_owned())),
    )
    .set_redirect_uri(redirect);
    let csrf = random_token(&*state.rng).expose().to_owned();
    let nonce = random_token(&*state.rng).expose().to_owned();
    // 43 characters of base64url: within RFC 7636's 43–128 unreserved characters.
    let verifier = random_token(&*state.rng).expose().to_owned();
    let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.clone()));
    let (csrf_for_url, nonce_for_url) = (csrf.clone(), nonce.clone());
    let mut req = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            move || CsrfToken::new(csrf_for_url),
            move || Nonce::new(nonce_for_url),
        )
        .set_pkce_challenge(challenge)
        .add_scopes(cfg.scopes.iter().map(|s| Scope::new(s.clone())));
    if let Some(h) = login_hint {
        req = req.add_extra_param("login_hint", h.to_owned());
    }
    if let Some(hd) = &cfg.hosted_domain {
        req = req.add_extra_param("hd", crate::email::ascii_domain(hd));
    }
    let (url, _, _) = req.url();
    let now = state.now();
    let data = serde_json::to_string(&StateData { nonce, pkce_verifier: verifier }).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    store::connections::insert_login_state(
        &state.db,
        &LoginStateRow {
            id_hash: token_hash(&csrf),
            connection_id: conn.id.clone(),
            browser_hash: browser_hash.to_owned(),
            next: next.to_owned(),
            data,
            created_at: now,
            expires_at: now + LOGIN_TTL_SECS,
            used_at: None,
        },
    )
    .await?;
    Ok(url.to_string())
}

/// What the IdP sent back to the redirect URI.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// RFC 9207: the IdP names itself, so a response from another IdP cannot be passed off as its.
    pub iss: Option<String>,
}

/// A verified upstream sign-in, ready for `crate::web::sso::finish`.
#[derive(Debug)]
pub struct Verified {
    pub conn: Connection,
    pub identity: UpstreamIdentity,
    pub next: String,
}

/// Why a callback was refused: what to tell the person, and what to write in the audit log.
#[derive(Debug)]
pub struct Refused {
    pub failure: Failure,
    pub conn: Option<Connection>,
    pub next: String,
    pub detail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("upstream sign-in refused: {}", .0.detail)]
    Refused(Box<Refused>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn refused(failure: Failure, conn: Option<&Connection>, next: &str, detail: impl Into<String>) -> CallbackError {
    CallbackError::Refused(Box::new(Refused { failure, conn: conn.cloned(), next: next.to_owned(), detail: detail.into() }))
}

/// The sign-in a callback continues, once its state is spent: the connection and where to go
/// after. Every later refusal names both.
struct Pending<'a> {
    conn: &'a Connection,
    cfg: &'a OidcConfig,
    md: Metadata,
    next: &'a str,
}

impl Pending<'_> {
    fn refuse(&self, failure: Failure, detail: impl Into<String>) -> CallbackError {
        refused(failure, Some(self.conn), self.next, detail)
    }
}

/// Checks everything the IdP sent to the redirect URI of connection `connection_id` and returns
/// who signed in. `browser_hash` is the hash of the browser's SSO cookie, if it has one.
pub async fn callback(
    state: &AppState,
    browser_hash: Option<&str>,
    connection_id: &str,
    p: &CallbackParams,
) -> Result<Verified, CallbackError> {
    let row = spend_state(state, browser_hash, connection_id, p).await?;
    let next = row.next.clone();
    let Some(conn) = store::connections::get(&state.db, &row.connection_id).await? else {
        return Err(refused(Failure::Expired, None, &next, "connection removed"));
    };
    let cfg = oidc(&conn).map_err(|e| refused(Failure::BadResponse, Some(&conn), &next, e.to_string()))?;
    let md = metadata(state, &conn, false).await.map_err(|e| refused(e.failure(), Some(&conn), &next, e.to_string()))?;
    let pending = Pending { conn: &conn, cfg, md, next: &next };
    let code = pending.authorization_code(p)?;
    let data: StateData = serde_json::from_str(&row.data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let token = pending.redeem(state, code, &data).await?;
    let Some(id_token) = token.extra_fields().id_token() else {
        return Err(pending.refuse(Failure::BadResponse, "no ID token"));
    };
    let subject = pending.verify_id_token(state, id_token, &data, state.now()).await?;
    let claims = pending.claims(state, id_token, token.access_token().secret(), &subject).await?;
    let identity = identity_from(&conn, subject, &claims);
    Ok(Verified { conn: conn.clone(), identity, next })
}

/// Spends the sign-in's `state`: only once, only in the browser that started it, and only at
/// the redirect URI of the connection it was made for. A refusal says which of these failed.
async fn spend_state(
    state: &AppState,
    browser_hash: Option<&str>,
    connection_id: &str,
    p: &CallbackParams,
) -> Result<LoginStateRow, CallbackError> {
    let default_next = "/account";
    // Connection ids are UUIDs: anything else in the path is no connection's (and a NUL byte
    // must not reach PostgreSQL, which would refuse the whole statement).
    if connection_id.is_empty() || !connection_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(refused(Failure::Expired, None, default_next, "no such connection"));
    }
    let Some(state_value) = p.state.as_deref().filter(|s| !s.is_empty()) else {
        return Err(refused(Failure::Expired, None, default_next, "no state parameter"));
    };
    let id_hash = token_hash(state_value);
    let row = match browser_hash {
        Some(b) => store::connections::consume_login_state(&state.db, &id_hash, b, connection_id, state.now()).await?,
        None => None,
    };
    if let Some(row) = row {
        return Ok(row);
    }
    let why = match (store::connections::login_state(&state.db, &id_hash).await?, browser_hash) {
        (None, _) => "unknown state".to_owned(),
        // A response for one connection's sign-in arriving at another's redirect URI: the
        // mix-up attack, or an IdP registered with the wrong redirect URI. Never used.
        (Some(r), _) if r.connection_id != connection_id => {
            format!("state was made for connection {}, not for connection {connection_id}", r.connection_id)
        }
        (Some(_), None) => "no SSO cookie in this browser".to_owned(),
        (Some(r), Some(b)) if r.browser_hash != b => "state started in another browser".to_owned(),
        (Some(r), _) if r.used_at.is_some() => "state already used".to_owned(),
        (Some(_), _) => "state expired".to_owned(),
    };
    Err(refused(Failure::Expired, None, default_next, why))
}

/// ID token signing algorithms accepted from an IdP.
const ID_TOKEN_ALGS: [CoreJwsSigningAlgorithm; 8] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
];

impl Pending<'_> {
    /// The authorization response's code, once it names the right issuer and is not an error.
    fn authorization_code<'p>(&self, p: &'p CallbackParams) -> Result<&'p str, CallbackError> {
        // RFC 9207: the response names its issuer; one that names another is refused, and so is
        // one that names none from an IdP whose discovery document promises it always does.
        match p.iss.as_deref() {
            Some(iss) if iss != self.cfg.issuer => {
                return Err(self.refuse(Failure::BadResponse, format!("response iss {iss:?} is not the connection's issuer")));
            }
            None if self.md.additional_metadata().supported() => {
                return Err(self.refuse(
                    Failure::BadResponse,
                    "response has no iss, though the IdP's discovery document says it sends one (RFC 9207)",
                ));
            }
            _ => {}
        }
        if let Some(err) = p.error.as_deref() {
            let desc: String = p.error_description.as_deref().unwrap_or("").chars().take(300).collect();
            let what = if matches!(err, "access_denied" | "login_required" | "consent_required" | "interaction_required") {
                Failure::Cancelled
            } else {
                Failure::Unavailable
            };
            return Err(self.refuse(what, format!("IdP error {err}: {desc}")));
        }
        p.code.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| self.refuse(Failure::BadResponse, "no code"))
    }

    /// Redeems the code at the IdP's token endpoint, with our client secret and PKCE verifier.
    async fn redeem(&self, state: &AppState, code: &str, data: &StateData) -> Result<CoreTokenResponse, CallbackError> {
        let secret = crate::sso::client_secret(&state.master_key, self.conn)
            .map_err(|e| self.refuse(Failure::Unavailable, format!("client secret: {}", crate::report::error_chain(&e))))?;
        let client_secret = secret.map(|s| ClientSecret::new(s.expose().to_owned()));
        let redirect = RedirectUrl::new(redirect_uri(state.settings.issuer(), &self.conn.id))
            .map_err(|_| self.refuse(Failure::Unavailable, "bad redirect URI"))?;
        let client = CoreClient::from_provider_metadata(self.md.clone(), ClientId::new(self.cfg.client_id.clone()), client_secret)
            .set_redirect_uri(redirect);
        let token_request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| self.refuse(Failure::Unavailable, format!("token endpoint: {}", crate::report::error_chain(&e))))?;
        token_request.set_pkce_verifier(PkceCodeVerifier::new(data.pkce_verifier.clone())).request_async(&state.http).await.map_err(|e| {
            let (what, detail) = match &e {
                RequestTokenError::ServerResponse(r) => (Failure::BadResponse, format!("token endpoint refused: {}", r.error())),
                RequestTokenError::Request(_) => {
                    (Failure::Unavailable, format!("token endpoint unreachable: {}", crate::report::error_chain(&e)))
                }
                _ => (Failure::BadResponse, format!("token response: {}", crate::report::error_chain(&e))),
            };
            self.refuse(what, detail)
        })
    }

    /// The ID token's subject, once its signature (by the IdP's keys, fetched again once on an
    /// unknown key), issuer, audience, expiry and nonce check out at `now`.
    async fn verify_id_token(&self, state: &AppState, id_token: &CoreIdToken, data: &StateData, now: i64) -> Result<String, CallbackError> {
        let nonce = Nonce::new(data.nonce.clone());
        let time = chrono::DateTime::<chrono::Utc>::from_timestamp(now, 0).unwrap_or_default();
        let verify = |jwks: JsonWebKeySet<_>| {
            let client =
                CoreClient::from_provider_metadata(self.md.clone().set_jwks(jwks), ClientId::new(self.cfg.client_id.clone()), None);
            let verifier = client.id_token_verifier().set_allowed_algs(ID_TOKEN_ALGS.to_vec()).set_time_fn(move || time);
            id_token.claims(&verifier, &nonce).map(|c| c.subject().to_string())
        };
        match verify(self.md.jwks().clone()) {
            Ok(s) => Ok(s),
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                // The IdP may have rotated its keys since we cached them: fetch once more.
                let fresh = metadata(state, self.conn, true).await.map_err(|e| self.refuse(e.failure(), e.to_string()))?;
                verify(fresh.jwks().clone())
                    .map_err(|e| self.refuse(Failure::BadResponse, format!("ID token: {}", crate::report::error_chain(&e))))
            }
            Err(e) => Err(self.refuse(Failure::BadResponse, format!("ID token: {}", crate::report::error_chain(&e)))),
        }
    }

    /// The verified ID token's claims, checked for the hosted domain, with userinfo's added
    /// (never overriding the ID token's) when the connection asks for it.
    async fn claims(
        &self,
        state: &AppState,
        id_token: &CoreIdToken,
        access_token: &str,
        subject: &str,
    ) -> Result<Map<String, Value>, CallbackError> {
        let mut claims = jwt_payload(&id_token.to_string()).ok_or_else(|| self.refuse(Failure::BadResponse, "ID token payload"))?;
        // From the signed ID token only: userinfo cannot vouch for the hosted domain.
        if let Some(hd) = &self.cfg.hosted_domain {
            let got = claims.get("hd").and_then(Value::as_str).unwrap_or("");
            if !crate::email::same_domain(got, hd) {
                return Err(self.refuse(Failure::BadResponse, format!("hd {got:?} is not {hd:?}")));
            }
        }
        if self.cfg.use_userinfo
            && let Some(endpoint) = self.md.userinfo_endpoint()
        {
            let info = userinfo(state, endpoint.as_str(), access_token)
                .await
                .map_err(|d| self.refuse(Failure::Unavailable, format!("userinfo: {d}")))?;
            if info.get("sub").and_then(Value::as_str) != Some(subject) {
                return Err(self.refuse(Failure::BadResponse, "userinfo is about another subject"));
            }
            for (k, v) in info {
                claims.entry(k).or_insert(v);
            }
        }
        Ok(claims)
    }
}

/// A callback at the redirect URI that every OIDC connection shared before each had its own
/// (`CALLBACK_PATH` without a connection id): always refused, since nothing in it says which IdP
/// sent it. The state is looked at, never used, to name the connection and its new redirect URI.
pub async fn refuse_shared_callback(state: &AppState, p: &CallbackParams) -> Result<Refused, StoreError> {
    let row = match p.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => store::connections::login_state(&state.db, &token_hash(s)).await?,
        None => None,
    };
    let conn = match &row {
        Some(r) => store::connections::get(&state.db, &r.connection_id).await?,
        None => None,
    };
    let detail = match &conn {
        Some(c) => format!(
            "callback at the old shared redirect URI; register {} at the IdP of connection {}",
            redirect_uri(state.settings.issuer(), &c.id),
            c.id
        ),
        None => "callback at the old shared redirect URI, for no known sign-in".to_owned(),
    };
    let next = row.map(|r| r.next).unwrap_or_else(|| "/account".to_owned());
    Ok(Refused { failure: Failure::Misconfigured, conn, next, detail })
}

/// The claims of a JWT whose signature has already been checked.
fn jwt_payload(jwt: &str) -> Option<Map<String, Value>> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Largest userinfo answer read: a few kilobytes is usual; more is cut off, not buffered.
const MAX_USERINFO_BYTES: usize = 256 * 1024;

/// The failure's whole cause chain (a refused connection, a timeout), which is what the operator
/// needs in the log; the access token travels in a header and is never part of it.
async fn userinfo(state: &AppState, endpoint: &str, access_token: &str) -> Result<Map<String, Value>, String> {
    let chain = |e: reqwest::Error| crate::report::error_chain(&e);
    let mut res = state.http.get(endpoint).bearer_auth(access_token).send().await.map_err(chain)?;
    if !res.status().is_success() {
        return Err(format!("status {}", res.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(chain)? {
        if body.len().saturating_add(chunk.len()) > MAX_USERINFO_BYTES {
            return Err("the answer is too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    match serde_json::from_slice::<Value>(&body).map_err(|e| e.to_string())? {
        Value::Object(m) => Ok(m),
        _ => Err("not a JSON object".into()),
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Maps verified claims onto an upstream identity by the connection's claim mapping.
pub fn identity_from(conn: &Connection, subject: String, claims: &Map<String, Value>) -> UpstreamIdentity {
    let m = &conn.mapping.claims;
    let email = claims.get(&m.email).and_then(Value::as_str).map(str::to_owned);
    // `email` is only trusted with email_verified; a different claim (e.g. Entra ID's `upn`) is
    // one the administrator chose because the IdP's directory controls it.
    let email_verified = if m.email == "email" {
        matches!(claims.get("email_verified"), Some(Value::Bool(true)))
            || claims.get("email_verified").and_then(Value::as_str) == Some("true")
    } else {
        email.is_some()
    };
    let amr = string_list(claims.get("amr"));
    UpstreamIdentity {
        subject,
        email,
        email_verified,
        name: claims.get(&m.name).and_then(Value::as_str).map(str::to_owned),
        groups: string_list(claims.get(&m.groups)),
        upstream_mfa: conn.oidc_amr_is_mfa(&amr),
        upstream_phr: conn.oidc_is_phr(claims.get("acr").and_then(Value::as_str), &amr),
        amr,
        session_index: claims.get("sid").and_then(Value::as_str).map(str::to_owned),
    }
}

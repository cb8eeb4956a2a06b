//! Relying apps (OAuth clients): the domain type, the rules a registration must follow, and
//! registration, update, secret rotation and removal. No HTTP here.
//!
//! A confidential client's secret is 256 random bits shown once; only its SHA-256 is stored, and
//! a presented secret is checked by hashing it and comparing the hashes in constant time.
//! Redirect URIs are matched exactly as registered (RFC 9700 §4.1.3), so they are stored exactly
//! as given, never normalised.

use std::net::{Ipv4Addr, Ipv6Addr};

use std::sync::Arc;

use url::{Host, Url};

use crate::clock::{Random, Timestamp};
use crate::jose::JwkSet;
use crate::policy::mfa::MfaLevel;
use crate::secret::{self, SecretString};
use crate::store::{self, Db, Exec, StoreError, clients::ClientRow, flag, json_list, parse_json_list};

use crate::services::keys::Alg;
use crate::services::security_cache::SecurityCache;

/// Scopes every deployment knows. Other scopes must look like `[a-z][a-z0-9_.:-]*`.
pub const KNOWN_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// Claims a client may ask to always receive in its ID tokens.
pub const ID_TOKEN_CLAIMS: [&str; 7] = ["email", "email_verified", "name", "given_name", "family_name", "roles", "bodies"];

const MAX_URI_LEN: usize = 2000;
const MAX_NAME_LEN: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A registration or change that breaks a rule; the message says what to do instead.
    #[error("{0}")]
    Invalid(String),
    #[error("no client with id {0:?}")]
    NotFound(String),
    #[error("a client with id {0:?} already exists")]
    Conflict(String),
    #[error("client {0:?} authenticates without a shared secret (auth method none or private_key_jwt) and has no secret")]
    Public(String),
    #[error("stored client {id:?} is not valid: {reason}")]
    Corrupt { id: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(msg: impl Into<String>) -> ClientError {
    ClientError::Invalid(msg.into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

impl GrantType {
    pub const ALL: [GrantType; 3] = [GrantType::AuthorizationCode, GrantType::RefreshToken, GrantType::ClientCredentials];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

impl std::fmt::Display for GrantType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a client authenticates at the token endpoint (`token_endpoint_auth_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    /// A public client: no secret, PKCE instead.
    None,
    /// A JWT signed with the client's own private key (RFC 7523, OIDC Core §9); Stile holds only
    /// the public keys (`jwks` or `jwks_uri`).
    PrivateKeyJwt,
}

impl AuthMethod {
    pub const ALL: [AuthMethod; 4] =
        [AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost, AuthMethod::None, AuthMethod::PrivateKeyJwt];

    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::None => "none",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl std::fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A registered relying app.
#[derive(Clone)]
pub struct Client {
    pub id: String,
    pub name: String,
    secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub auth_method: AuthMethod,
    pub id_token_alg: Alg,
    pub permission_namespaces: Vec<String>,
    pub body_id: Option<String>,
    pub id_token_claims: Vec<String>,
    pub access_token_audience: Option<String>,
    pub first_party: bool,
    pub require_pkce: bool,
    /// Every sign-in to this client needs a second factor.
    pub require_mfa: bool,
    /// Every sign-in to this client needs a passkey (the phishing-resistant level; implies
    /// `require_mfa`). Stored as [`MfaLevel::PhishingResistant`] in `require_mfa`.
    pub require_phr: bool,
    /// private_key_jwt: the client's public keys (JSON text of a JWK set) or where it publishes them.
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    /// Authorization requests only through the PAR endpoint (RFC 9126).
    pub require_par: bool,
    /// Tokens only with a DPoP proof (RFC 9449).
    pub require_dpop: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("has_secret", &self.secret_hash.is_some())
            .field("redirect_uris", &self.redirect_uris)
            .field("grant_types", &self.grant_types)
            .field("auth_method", &self.auth_method)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn from_row(row: ClientRow) -> Result<Self, ClientError> {
        let id = row.id;
        let corrupt = |reason: String| ClientError::Corrupt { id: id.clone(), reason };
        let list = |s: &str| parse_json_list(s).map_err(|e| corrupt(e.to_string()));
        let redirect_uris = list(&row.redirect_uris)?;
        let post_logout_redirect_uris = list(&row.post_logout_redirect_uris)?;
        let scopes = list(&row.scopes)?;
        let permission_namespaces = list(&row.permission_namespaces)?;
        let id_token_claims = list(&row.id_token_claims)?;
        let grant_types = list(&row.grant_types)?
            .iter()
            .map(|g| GrantType::parse(g).ok_or_else(|| corrupt(format!("unknown grant type {g:?}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let auth_method = AuthMethod::parse(&row.token_endpoint_auth_method)
            .ok_or_else(|| corrupt(format!("unknown auth method {:?}", row.token_endpoint_auth_method)))?;
        let id_token_alg = Alg::parse(&row.id_token_signing_alg).map_err(|e| corrupt(e.to_string()))?;
        Ok(Client {
            id,
            name: row.name,
            secret_hash: row.secret_hash,
            redirect_uris,
            post_logout_redirect_uris,
            backchannel_logout_uri: row.backchannel_logout_uri,
            grant_types,
            scopes,
            auth_method,
            id_token_alg,
            permission_namespaces,
            body_id: row.body_id,
            id_token_claims,
            access_token_audience: row.access_token_audience,
            first_party: row.first_party != 0,
            require_pkce: row.require_pkce != 0,
            require_mfa: MfaLevel::from_stored(row.require_mfa).requires_mfa(),
            require_phr: MfaLevel::from_stored(row.require_mfa).requires_phr(),
            jwks: row.jwks,
            jwks_uri: row.jwks_uri,
            require_par: row.require_par != 0,
            require_dpop: row.require_dpop != 0,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// A public client (`none`): it has no secret and must use PKCE.
    pub fn is_public(&self) -> bool {
        self.auth_method == AuthMethod::None
    }

    /// Whether the client authenticates with a shared secret (client_secret_basic or _post).
    pub fn uses_secret(&self) -> bool {
        matches!(self.auth_method, AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost)
    }

    /// Whether a secret hash is stored (never the secret or the hash itself).
    pub fn has_secret(&self) -> bool {
        self.secret_hash.is_some()
    }

    /// Checks a presented client secret: its SHA-256 against the stored one, in constant time.
    /// Always false for public clients.
    pub fn verify_secret(&self, presented: &str) -> bool {
        if !self.uses_secret() {
            return false;
        }
        let Some(stored) = self.secret_hash.as_deref() else { return false };
        secret::ct_eq(secret::token_hash(presented).as_bytes(), stored.as_bytes())
    }

    /// Exact string comparison (RFC 9700): no normalisation of case, ports, slashes or queries.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    /// Exact string comparison, as for redirect URIs.
    pub fn has_post_logout_redirect_uri(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|r| r == uri)
    }

    pub fn allows_grant(&self, g: GrantType) -> bool {
        self.grant_types.contains(&g)
    }

    /// The `aud` of access tokens issued to this client: its configured resource, else its id.
    pub fn access_token_audience(&self) -> &str {
        self.access_token_audience.as_deref().unwrap_or(&self.id)
    }

    /// The client's settings as a spec (with its id), to change and pass to [`update`].
    pub fn to_spec(&self) -> ClientSpec {
        ClientSpec {
            name: self.name.clone(),
            redirect_uris: self.redirect_uris.clone(),
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
            backchannel_logout_uri: self.backchannel_logout_uri.clone(),
            grant_types: self.grant_types.clone(),
            scopes: self.scopes.clone(),
            auth_method: self.auth_method,
            id_token_alg: self.id_token_alg,
            permission_namespaces: self.permission_namespaces.clone(),
            body_id: self.body_id.clone(),
            id_token_claims: self.id_token_claims.clone(),
            access_token_audience: self.access_token_audience.clone(),
            first_party: self.first_party,
            require_pkce: self.require_pkce,
            require_mfa: self.require_mfa,
            require_phr: self.require_phr,
            jwks: self.jwks.clone(),
            jwks_uri: self.jwks_uri.clone(),
            require_par: self.require_par,
            require_dpop: self.require_dpop,
            id: Some(self.id.clone()),
        }
    }
}

/// What a registration asks for. `Default` gives a confidential `client_secret_basic` client
/// with the authorization_code and refresh_token grants, the scopes openid, profile, email and
/// offline_access, RS256 ID tokens and PKCE required; it still needs a name and redirect URIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSpec {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub auth_method: AuthMethod,
    pub id_token_alg: Alg,
    pub permission_namespaces: Vec<String>,
    pub body_id: Option<String>,
    pub id_token_claims: Vec<String>,
    pub access_token_audience: Option<String>,
    pub first_party: bool,
    pub require_pkce: bool,
    /// Every sign-in to this client needs a second factor.
    pub require_mfa: bool,
    /// Every sign-in to this client needs a passkey (the phishing-resistant level; implies
    /// `require_mfa`). Stored as [`MfaLevel::PhishingResistant`] in `require_mfa`.
    pub require_phr: bool,
    /// private_key_jwt only: a JWK set of public keys (JSON), or the https URL of one; exactly one.
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    /// Authorization requests only through the PAR endpoint (RFC 9126).
    pub require_par: bool,
    /// Tokens only with a DPoP proof (RFC 9449).
    pub require_dpop: bool,
    /// The client id to use; generated when `None`.
    pub id: Option<String>,
}

impl Default for ClientSpec {
    fn default() -> Self {
        ClientSpec {
            name: String::new(),
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            backchannel_logout_uri: None,
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            scopes: KNOWN_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            auth_method: AuthMethod::ClientSecretBasic,
            id_token_alg: Alg::RS256,
            permission_namespaces: Vec::new(),
            body_id: None,
            id_token_claims: Vec::new(),
            access_token_audience: None,
            first_party: false,
            require_pkce: true,
            require_mfa: false,
            require_phr: false,
            jwks: None,
            jwks_uri: None,
            require_par: false,
            require_dpop: false,
            id: None,
        }
    }
}

impl ClientSpec {
    /// The defaults (see [`ClientSpec`]) with a name and redirect URIs.
    pub fn new(name: impl Into<String>, redirect_uris: Vec<String>) -> Self {
        ClientSpec { name: name.into(), redirect_uris, ..Default::default() }
    }
}

/// Checks every rule that needs no database. `register` and `update` also check that the body
/// exists.
pub fn validate(spec: &ClientSpec) -> Result<(), ClientError> {
    if let Some(id) = &spec.id
        && !is_valid_client_id(id)
    {
        return Err(invalid(format!("client id {id:?} is not valid: use 3 to 64 of A-Z a-z 0-9 . _ -")));
    }
    let name = spec.name.trim();
    if name.is_empty() {
        return Err(invalid("a client needs a name"));
    }
    if name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(invalid(format!("the client name must be at most {MAX_NAME_LEN} characters, without control characters")));
    }
    check_grants(spec)?;
    check_keys(spec)?;
    for uri in &spec.redirect_uris {
        check_uri("redirect URI", uri, true)?;
    }
    for uri in &spec.post_logout_redirect_uris {
        check_uri("post-logout redirect URI", uri, true)?;
    }
    if let Some(uri) = &spec.backchannel_logout_uri {
        check_uri("back-channel logout URI", uri, false)?;
    }
    for s in &spec.scopes {
        if !(KNOWN_SCOPES.contains(&s.as_str()) || (s.len() <= 128 && is_lower_name(s, "_.:-"))) {
            return Err(invalid(format!(
                "scope {s:?} is not valid: use {} or a lower-case name of a-z 0-9 _ . : - starting with a letter",
                KNOWN_SCOPES.join(", ")
            )));
        }
    }
    for ns in &spec.permission_namespaces {
        if !(ns.len() <= 64 && is_lower_name(ns, "_")) {
            return Err(invalid(format!(
                "permission namespace {ns:?} is not valid: use a lower-case name of a-z 0-9 _ starting with a letter, such as fms or sm"
            )));
        }
    }
    for c in &spec.id_token_claims {
        if !ID_TOKEN_CLAIMS.contains(&c.as_str()) {
            return Err(invalid(format!("ID token claim {c:?} is not one Stile can add; choose from {}", ID_TOKEN_CLAIMS.join(", "))));
        }
    }
    if let Some(aud) = &spec.access_token_audience
        && (aud.is_empty() || aud.len() > MAX_URI_LEN || aud.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err(invalid(format!("access token audience {aud:?} must be a non-empty value without spaces, such as the API's URL")));
    }
    if let Some(body) = &spec.body_id
        && body.is_empty()
    {
        return Err(invalid("the bound body id is empty"));
    }
    Ok(())
}

fn check_grants(spec: &ClientSpec) -> Result<(), ClientError> {
    let has = |g| spec.grant_types.contains(&g);
    if spec.grant_types.is_empty() {
        return Err(invalid("a client needs at least one grant type: authorization_code, refresh_token or client_credentials"));
    }
    if spec.auth_method == AuthMethod::None {
        if has(GrantType::ClientCredentials) {
            return Err(invalid(
                "client_credentials needs a confidential client (client_secret_basic or client_secret_post): a public client has no secret",
            ));
        }
        if !has(GrantType::AuthorizationCode) {
            return Err(invalid("a public client (auth method none) must allow the authorization_code grant"));
        }
        if !spec.require_pkce {
            return Err(invalid("a public client (auth method none) always requires PKCE; it cannot be switched off"));
        }
    }
    if has(GrantType::RefreshToken) && !has(GrantType::AuthorizationCode) {
        return Err(invalid("the refresh_token grant needs the authorization_code grant as well"));
    }
    if has(GrantType::AuthorizationCode) && spec.redirect_uris.is_empty() {
        return Err(invalid("the authorization_code grant needs at least one redirect URI"));
    }
    Ok(())
}

/// A private_key_jwt client has its public keys, inline or by URL (one of them); no other
/// client has either. An inline set is stored as Stile reads it: public members only.
fn check_keys(spec: &ClientSpec) -> Result<(), ClientError> {
    match (spec.auth_method, &spec.jwks, &spec.jwks_uri) {
        (AuthMethod::PrivateKeyJwt, Some(_), Some(_)) => {
            Err(invalid("give the client's keys either inline (JWKS) or as a JWKS URI, not both"))
        }
        (AuthMethod::PrivateKeyJwt, None, None) => {
            Err(invalid("a private_key_jwt client needs its public keys: a JWK set, or the https URI where it publishes one"))
        }
        (AuthMethod::PrivateKeyJwt, Some(jwks), None) => {
            JwkSet::parse(jwks, true).map_err(|e| invalid(format!("the JWK set is not usable: {e}")))?;
            Ok(())
        }
        (AuthMethod::PrivateKeyJwt, None, Some(uri)) => check_uri("JWKS URI", uri, false),
        (_, None, None) => Ok(()),
        (m, _, _) => Err(invalid(format!("only a private_key_jwt client has a JWK set or JWKS URI; this one uses {m}"))),
    }
}

/// Redirect-style URIs: absolute, no fragment, no credentials; https, http only on a loopback
/// host, or (when `private_scheme`) a private-use scheme with a dot (RFC 8252 §7.1).
fn check_uri(what: &str, uri: &str, private_scheme: bool) -> Result<(), ClientError> {
    if uri.is_empty() {
        return Err(invalid(format!("a {what} is empty")));
    }
    if uri.len() > MAX_URI_LEN {
        return Err(invalid(format!("{what} is longer than {MAX_URI_LEN} characters")));
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(format!("{what} {uri:?} contains spaces or control characters")));
    }
    if uri.contains('#') {
        return Err(invalid(format!("{what} {uri:?} must not contain a fragment (the part from #)")));
    }
    let url = Url::parse(uri).map_err(|e| invalid(format!("{what} {uri:?} is not an absolute URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(format!("{what} {uri:?} must not contain a user name or password")));
    }
    let allowed = if private_scheme {
        "use https, http only on 127.0.0.1, [::1] or localhost, or a native app's private-use scheme such as com.example.app:/callback"
    } else {
        "use https, or http only on 127.0.0.1, [::1] or localhost"
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err(invalid(format!("{what} {uri:?} uses http on a host that is not loopback: {allowed}"))),
        s if private_scheme && s.contains('.') && s != "https" => Ok(()),
        s => Err(invalid(format!("{what} {uri:?} has scheme {s:?}: {allowed}"))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip == Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `^[a-z][a-z0-9<extra>]*$`
fn is_lower_name(s: &str, extra: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z')) && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(c))
}

/// `^[A-Za-z0-9._-]{3,64}$`
fn is_valid_client_id(id: &str) -> bool {
    (3..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Trims the name and drops repeated list entries (keeping the first), so that what is stored
/// is what was meant.
fn normalise(mut spec: ClientSpec) -> ClientSpec {
    fn dedup<T: PartialEq + Clone>(v: &mut Vec<T>) {
        let mut seen: Vec<T> = Vec::with_capacity(v.len());
        v.retain(|x| {
            if seen.contains(x) {
                false
            } else {
                seen.push(x.clone());
                true
            }
        });
    }
    spec.name = spec.name.trim().to_owned();
    dedup(&mut spec.redirect_uris);
    dedup(&mut spec.post_logout_redirect_uris);
    dedup(&mut spec.grant_types);
    dedup(&mut spec.scopes);
    dedup(&mut spec.permission_namespaces);
    dedup(&mut spec.id_token_claims);
    // An inline JWK set is kept as its public members only, so no private part is ever stored.
    if let Some(text) = &spec.jwks
        && let Ok(set) = JwkSet::parse(text, true)
    {
        spec.jwks = Some(set.to_json());
    }
    let blank = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    spec.jwks = blank(spec.jwks.take());
    spec.jwks_uri = blank(spec.jwks_uri.take());
    spec
}

async fn check_body(db: impl Exec, body_id: Option<&str>) -> Result<(), ClientError> {
    if let Some(b) = body_id
        && store::bodies::by_id(db, b).await?.is_none()
    {
        return Err(invalid(format!("there is no body with id {b:?}")));
    }
    Ok(())
}

fn to_row(spec: &ClientSpec, id: String, secret_hash: Option<String>, created_at: Timestamp, updated_at: Timestamp) -> ClientRow {
    let grants: Vec<String> = spec.grant_types.iter().map(|g| g.as_str().to_owned()).collect();
    ClientRow {
        id,
        name: spec.name.clone(),
        secret_hash,
        redirect_uris: json_list(&spec.redirect_uris),
        post_logout_redirect_uris: json_list(&spec.post_logout_redirect_uris),
        backchannel_logout_uri: spec.backchannel_logout_uri.clone(),
        grant_types: json_list(&grants),
        scopes: json_list(&spec.scopes),
        token_endpoint_auth_method: spec.auth_method.as_str().to_owned(),
        id_token_signing_alg: spec.id_token_alg.as_str().to_owned(),
        permission_namespaces: json_list(&spec.permission_namespaces),
        body_id: spec.body_id.clone(),
        id_token_claims: json_list(&spec.id_token_claims),
        access_token_audience: spec.access_token_audience.clone(),
        first_party: flag(spec.first_party),
        require_pkce: flag(spec.require_pkce),
        require_mfa: MfaLevel::from_flags(spec.require_mfa, spec.require_phr).stored(),
        jwks: spec.jwks.clone(),
        jwks_uri: spec.jwks_uri.clone(),
        require_par: flag(spec.require_par),
        require_dpop: flag(spec.require_dpop),
        created_at,
        updated_at,
    }
}

fn map_store(id: &str) -> impl FnOnce(StoreError) -> ClientError + '_ {
    move |e| match e {
        StoreError::NotFound(_) => ClientError::NotFound(id.to_owned()),
        StoreError::Conflict(_) => ClientError::Conflict(id.to_owned()),
        other => ClientError::Store(other),
    }
}

/// A fresh secret and the hash to store for it.
fn new_secret(rng: &dyn Random) -> (SecretString, String) {
    let s = secret::random_token(rng);
    let hash = secret::token_hash(s.expose());
    (s, hash)
}

/// Registers a client. A confidential client gets a fresh 256-bit secret, returned here once and
/// stored only as its SHA-256; a public client gets `None`. Nothing is stored when a rule is broken.
/// On `db`: the pool, or the caller's transaction (which then commits it with its audit row).
pub async fn register(
    db: impl Exec,
    spec: ClientSpec,
    rng: &dyn Random,
    now: Timestamp,
) -> Result<(Client, Option<SecretString>), ClientError> {
    let spec = normalise(spec);
    validate(&spec)?;
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = store::begin_on(&mut c, immediate).await?;
    check_body(&mut *tx, spec.body_id.as_deref()).await?;
    let id = spec.id.clone().unwrap_or_else(|| new_client_id(rng));
    let (secret, hash) = match spec.auth_method {
        AuthMethod::None | AuthMethod::PrivateKeyJwt => (None, None),
        _ => {
            let (s, h) = new_secret(rng);
            (Some(s), Some(h))
        }
    };
    let row = to_row(&spec, id.clone(), hash, now, now);
    store::clients::insert(&mut *tx, &row).await.map_err(map_store(&id))?;
    tx.commit().await.map_err(StoreError::from)?;
    store::security_epoch::changed();
    Ok((Client::from_row(row)?, secret))
}

pub async fn get(db: impl Exec, id: &str) -> Result<Option<Client>, ClientError> {
    store::clients::by_id(db, id).await?.map(Client::from_row).transpose()
}

/// Client `id` through the cache of clients (`services::security_cache`): for the endpoints that
/// read a client on every request. Dropped at once when any client changes in this process or,
/// on PostgreSQL, in any instance; never used more than `security_cache::TTL` after it was read.
pub async fn cached(cache: &SecurityCache, db: &Db, id: &str) -> Result<Option<Arc<Client>>, ClientError> {
    cache.client(db, id, Client::from_row).await
}

/// Every client, by name.
pub async fn list(db: &Db) -> Result<Vec<Client>, ClientError> {
    store::clients::list(db).await?.into_iter().map(Client::from_row).collect()
}

/// Replaces every setting of client `id` with `spec` (whose `id` must be `None` or `id`). A client
/// that becomes confidential gets a fresh secret, returned once; one that becomes public loses
/// its secret. On `db`: the pool, or the caller's transaction.
pub async fn update(
    db: impl Exec,
    id: &str,
    spec: ClientSpec,
    rng: &dyn Random,
    now: Timestamp,
) -> Result<(Client, Option<SecretString>), ClientError> {
    if spec.id.as_deref().is_some_and(|s| s != id) {
        return Err(invalid("a client's id cannot be changed; register a new client instead"));
    }
    let spec = normalise(spec);
    validate(&spec)?;
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = store::begin_on(&mut c, immediate).await?;
    let existing = get(&mut *tx, id).await?.ok_or_else(|| ClientError::NotFound(id.to_owned()))?;
    check_body(&mut *tx, spec.body_id.as_deref()).await?;
    let mut row = to_row(&spec, id.to_owned(), existing.secret_hash.clone(), existing.created_at, now);
    store::clients::update(&mut *tx, &row, now).await.map_err(map_store(id))?;
    let mut secret = None;
    match (spec.auth_method, existing.has_secret()) {
        (AuthMethod::None | AuthMethod::PrivateKeyJwt, true) => {
            store::clients::set_secret_hash(&mut *tx, id, None, now).await.map_err(map_store(id))?;
            row.secret_hash = None;
        }
        (AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost, false) => {
            let (s, h) = new_secret(rng);
            store::clients::set_secret_hash(&mut *tx, id, Some(&h), now).await.map_err(map_store(id))?;
            row.secret_hash = Some(h);
            secret = Some(s);
        }
        _ => {}
    }
    tx.commit().await.map_err(StoreError::from)?;
    store::security_epoch::changed();
    Ok((Client::from_row(row)?, secret))
}

/// Replaces a confidential client's secret; the old one stops working at once. Refused for
/// public clients. On `db`: the pool, or the caller's transaction.
pub async fn rotate_secret(db: impl Exec, id: &str, rng: &dyn Random, now: Timestamp) -> Result<SecretString, ClientError> {
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = store::begin_on(&mut c, immediate).await?;
    let client = get(&mut *tx, id).await?.ok_or_else(|| ClientError::NotFound(id.to_owned()))?;
    if !client.uses_secret() {
        return Err(ClientError::Public(id.to_owned()));
    }
    let (s, h) = new_secret(rng);
    store::clients::set_secret_hash(&mut *tx, id, Some(&h), now).await.map_err(map_store(id))?;
    tx.commit().await.map_err(StoreError::from)?;
    store::security_epoch::changed();
    Ok(s)
}

/// Deletes a client with its consents, session links and outstanding codes and tokens; on the
/// pool or the caller's transaction.
pub async fn remove(db: impl Exec, id: &str) -> Result<(), ClientError> {
    store::clients::delete(db, id).await.map_err(map_store(id))
}

/// A generated client id: 128 random bits in lower-case hex, so it never starts with `-` (a
/// command line would read that as an option) and survives any copy and paste.
fn new_client_id(rng: &dyn Random) -> String {
    let mut buf = [0u8; 16];
    rng.fill(&mut buf);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ClientSpec {
        ClientSpec::new("FixMyStreet", vec!["https://fms.example.org/auth/OIDC".into()])
    }

    fn refused(s: &ClientSpec) -> String {
        match validate(s) {
            Err(ClientError::Invalid(m)) => m,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid() {
        validate(&spec()).unwrap();
        let s = spec();
        assert_eq!(s.grant_types, vec![GrantType::AuthorizationCode, GrantType::RefreshToken]);
        assert_eq!(s.auth_method, AuthMethod::ClientSecretBasic);
        assert!(s.require_pkce);
    }

    #[test]
    fn names_and_ids() {
        assert!(refused(&ClientSpec { name: "  ".into(), ..spec() }).contains("name"));
        assert!(refused(&ClientSpec { name: "a\nb".into(), ..spec() }).contains("control"));
        validate(&ClientSpec { id: Some("fixmystreet.camden-1_x".into()), ..spec() }).unwrap();
        for bad in ["ab", "has space", "slash/es", &"x".repeat(65), "ünï"] {
            assert!(refused(&ClientSpec { id: Some(bad.into()), ..spec() }).contains("client id"), "{bad}");
        }
    }

    #[test]
    fn redirect_uris() {
        for good in [
            "https://app.example.org/cb",
            "https://app.example.org:8443/cb?x=1",
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://localhost:3000/callback",
            "com.example.app:/oauth2redirect",
            "uk.gov.camden.app://cb",
        ] {
            validate(&ClientSpec { redirect_uris: vec![good.into()], ..spec() }).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        let cases = [
            ("http://example.org/cb", "not loopback"),
            ("http://127.0.0.2/cb", "not loopback"),
            ("http://localhost.example.org/cb", "not loopback"),
            ("https://app.example.org/cb#frag", "fragment"),
            ("https://app.example.org/cb#", "fragment"),
            ("/cb", "absolute"),
            ("app.example.org/cb", "absolute"),
            ("javascript:alert(1)", "scheme"),
            ("myapp:/cb", "scheme"),
            ("https://user:pw@app.example.org/cb", "user name"),
            (" https://app.example.org/cb", "spaces"),
            ("", "empty"),
        ];
        for (bad, why) in cases {
            let m = refused(&ClientSpec { redirect_uris: vec![bad.into()], ..spec() });
            assert!(m.contains(why), "{bad}: {m}");
            let m = refused(&ClientSpec { post_logout_redirect_uris: vec![bad.into()], ..spec() });
            assert!(m.contains("post-logout") && m.contains(why), "{bad}: {m}");
        }
        assert!(refused(&ClientSpec { redirect_uris: vec![], ..spec() }).contains("at least one redirect URI"));
        // A client-credentials-only client needs none.
        validate(&ClientSpec { redirect_uris: vec![], grant_types: vec![GrantType::ClientCredentials], ..spec() }).unwrap();
    }

    #[test]
    fn backchannel_uri() {
        validate(&ClientSpec { backchannel_logout_uri: Some("https://fms.example.org/logout".into()), ..spec() }).unwrap();
        validate(&ClientSpec { backchannel_logout_uri: Some("http://localhost:3000/bc".into()), ..spec() }).unwrap();
        for bad in ["http://fms.example.org/logout", "com.example.app:/logout", "https://fms.example.org/l#x"] {
            let m = refused(&ClientSpec { backchannel_logout_uri: Some(bad.into()), ..spec() });
            assert!(m.contains("back-channel"), "{bad}: {m}");
        }
    }

    #[test]
    fn grants_and_public_clients() {
        let public = ClientSpec { auth_method: AuthMethod::None, ..spec() };
        validate(&public).unwrap();
        let m = refused(&ClientSpec { grant_types: vec![GrantType::AuthorizationCode, GrantType::ClientCredentials], ..public.clone() });
        assert!(m.contains("client_credentials") && m.contains("confidential"), "{m}");
        assert!(refused(&ClientSpec { require_pkce: false, ..public.clone() }).contains("PKCE"));
        assert!(refused(&ClientSpec { grant_types: vec![], ..public.clone() }).contains("at least one grant"));
        // Confidential clients may switch PKCE off and use client_credentials.
        validate(&ClientSpec { require_pkce: false, ..spec() }).unwrap();
        validate(&ClientSpec { grant_types: vec![GrantType::ClientCredentials, GrantType::AuthorizationCode], ..spec() }).unwrap();
        let m = refused(&ClientSpec { grant_types: vec![GrantType::RefreshToken, GrantType::ClientCredentials], ..spec() });
        assert!(m.contains("refresh_token"), "{m}");
    }

    #[test]
    fn scopes_namespaces_claims_audience() {
        validate(&ClientSpec { scopes: vec!["openid".into(), "fms:read".into(), "api.v2-x_y".into()], ..spec() }).unwrap();
        for bad in ["OpenID", "1abc", "has space", "", "a*"] {
            assert!(refused(&ClientSpec { scopes: vec![bad.into()], ..spec() }).contains("scope"), "{bad}");
        }
        validate(&ClientSpec { permission_namespaces: vec!["fms".into(), "sm".into(), "street_works2".into()], ..spec() }).unwrap();
        for bad in ["FMS", "fms:x", "2fa", "a-b"] {
            assert!(refused(&ClientSpec { permission_namespaces: vec![bad.into()], ..spec() }).contains("namespace"), "{bad}");
        }
        validate(&ClientSpec { id_token_claims: ID_TOKEN_CLAIMS.iter().map(|c| (*c).to_owned()).collect(), ..spec() }).unwrap();
        assert!(refused(&ClientSpec { id_token_claims: vec!["password".into()], ..spec() }).contains("choose from"));
        validate(&ClientSpec { access_token_audience: Some("https://api.example.org".into()), ..spec() }).unwrap();
        assert!(refused(&ClientSpec { access_token_audience: Some(String::new()), ..spec() }).contains("audience"));
    }

    #[test]
    fn normalise_trims_and_dedups() {
        let n = normalise(ClientSpec {
            name: "  App ".into(),
            scopes: vec!["openid".into(), "email".into(), "openid".into()],
            grant_types: vec![GrantType::AuthorizationCode, GrantType::AuthorizationCode],
            ..spec()
        });
        assert_eq!(n.name, "App");
        assert_eq!(n.scopes, vec!["openid", "email"]);
        assert_eq!(n.grant_types, vec![GrantType::AuthorizationCode]);
    }

    fn client(auth: AuthMethod, secret: Option<&str>) -> Client {
        let s = ClientSpec { auth_method: auth, ..spec() };
        Client::from_row(to_row(&s, "c1".into(), secret.map(secret::token_hash), 1, 2)).unwrap()
    }

    #[test]
    fn verify_secret_hashes_and_compares() {
        let c = client(AuthMethod::ClientSecretBasic, Some("s3cret-value"));
        assert!(c.has_secret());
        assert!(c.verify_secret("s3cret-value"));
        assert!(!c.verify_secret("s3cret-valuE"));
        assert!(!c.verify_secret(""));
        // The stored hash itself is not a secret that works.
        assert!(!c.verify_secret(&secret::token_hash("s3cret-value")));
        // Public clients never verify, even with a stray hash stored.
        assert!(!client(AuthMethod::None, Some("s3cret-value")).verify_secret("s3cret-value"));
        assert!(!client(AuthMethod::ClientSecretPost, None).verify_secret(""));
        assert!(!format!("{c:?}").contains(&secret::token_hash("s3cret-value")));
    }

    #[test]
    fn row_roundtrip_and_helpers() {
        let s = ClientSpec {
            post_logout_redirect_uris: vec!["https://fms.example.org/".into()],
            id_token_alg: Alg::ES256,
            first_party: true,
            access_token_audience: None,
            ..spec()
        };
        let c = Client::from_row(to_row(&s, "c1".into(), None, 1, 2)).unwrap();
        assert_eq!(c.to_spec(), ClientSpec { id: Some("c1".into()), ..s });
        assert!(c.has_redirect_uri("https://fms.example.org/auth/OIDC"));
        assert!(!c.has_redirect_uri("https://fms.example.org/auth/oidc"));
        assert!(!c.has_redirect_uri("https://fms.example.org/auth/OIDC/"));
        assert!(c.has_post_logout_redirect_uri("https://fms.example.org/"));
        assert!(!c.has_post_logout_redirect_uri("https://fms.example.org"));
        assert!(c.allows_grant(GrantType::RefreshToken));
        assert!(!c.allows_grant(GrantType::ClientCredentials));
        assert_eq!(c.access_token_audience(), "c1");
        let c = Client { access_token_audience: Some("https://api".into()), ..c };
        assert_eq!(c.access_token_audience(), "https://api");
        let mut row = to_row(&spec(), "c2".into(), None, 1, 1);
        row.grant_types = "[\"implicit\"]".into();
        assert!(matches!(Client::from_row(row), Err(ClientError::Corrupt { .. })));
    }
}

//! The grants: authorization codes, refresh-token rotation with reuse detection, client
//! credentials; and the revocation state that introspection reads.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::issue::{self, AccessTokenInput, Authn, IdTokenInput, IssueError};
use crate::app::AppState;
use crate::clients::{Client, GrantType};
use crate::clock::Timestamp;
use crate::secret::{SecretString, ct_eq, random_id, random_token, token_hash};
use crate::store::{self, StoreError, grants::TokenRow, users::UserRow};

#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// RFC 6749 `invalid_grant`, with a description for the client developer.
    #[error("{0}")]
    InvalidGrant(&'static str),
    #[error("{0}")]
    InvalidScope(&'static str),
    #[error("{0}")]
    UnauthorizedClient(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error(transparent)]
    Client(#[from] crate::clients::ClientError),
    #[error("stored grant data is invalid")]
    Corrupt,
}

/// What an authorization code stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeData {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// RFC 9449 §10: the code is redeemed only with a DPoP proof made with this key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
    pub authn: Authn,
    /// When the session ends at the latest; refresh tokens without offline access end with it.
    pub session_expires_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RefreshData {
    scope: String,
    authn: Authn,
    offline: bool,
    /// The DPoP key a public client's refresh token is bound to (RFC 9449 §5): every refresh
    /// needs a proof made with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jkt: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub scope: String,
}

pub fn scopes_of(scope: &str) -> Vec<&str> {
    scope.split(' ').filter(|s| !s.is_empty()).collect()
}

/// Stores a fresh code and returns it. The family id is chosen now so that a replayed code can
/// revoke what its first redemption produced.
pub async fn issue_code(state: &AppState, user_id: &str, data: &CodeData, pushed: Option<&str>) -> Result<SecretString, GrantError> {
    let now = state.now();
    let code = random_token(&*state.rng);
    let row = TokenRow {
        hash: token_hash(code.expose()),
        kind: store::grants::KIND_CODE.into(),
        user_id: Some(user_id.to_owned()),
        client_id: Some(data.client_id.clone()),
        session_sid: data.authn.sid.clone(),
        family_id: Some(random_id(&*state.rng, 16)),
        data: serde_json::to_string(data).map_err(|_| GrantError::Corrupt)?,
        created_at: now,
        expires_at: now + state.settings.tokens.code_ttl_secs,
        used_at: None,
        revoked_at: None,
    };
    let mut tx = state.db.begin().await?;
    // A pushed request yields one code: it is spent in the transaction that stores the code.
    if let Some(hash) = pushed
        && store::grants::consume_for_client(&mut *tx, hash, store::grants::KIND_PAR, &data.client_id, now).await?.is_none()
    {
        return Err(GrantError::InvalidGrant("the request_uri has expired or has already been used"));
    }
    store::grants::insert(&mut *tx, &row).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(code)
}

/// RFC 7636 S256: BASE64URL(SHA256(verifier)) == challenge.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let valid = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    valid && ct_eq(URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())).as_bytes(), challenge.as_bytes())
}

/// Where a presented code or refresh token stands at `now`, before anything is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Good,
    /// Issued to another client: refused without touching it (asked first, so that another
    /// client cannot revoke a grant by replaying its token).
    OtherClient,
    /// Used before: a replay, which revokes what its first use produced.
    Used,
    /// Revoked, or expired at `now`.
    Dead,
}

fn standing(row: &TokenRow, client_id: &str, now: Timestamp) -> Standing {
    if row.client_id.as_deref() != Some(client_id) {
        Standing::OtherClient
    } else if row.used_at.is_some() {
        Standing::Used
    } else if row.revoked_at.is_some() || row.expires_at <= now {
        Standing::Dead
    } else {
        Standing::Good
    }
}

/// RFC 7636 at the token endpoint: a verifier matching the code's challenge, none without a
/// challenge, and a challenge wherever the client must use PKCE.
fn check_pkce(challenge: Option<&str>, verifier: Option<&str>, required: bool) -> Result<(), GrantError> {
    match (challenge, verifier) {
        (Some(ch), Some(v)) if pkce_matches(v, ch) => Ok(()),
        (Some(_), Some(_)) => Err(GrantError::InvalidGrant("code_verifier does not match the code_challenge")),
        (Some(_), None) => Err(GrantError::InvalidGrant("code_verifier is required")),
        (None, Some(_)) => Err(GrantError::InvalidGrant("code_verifier given but no code_challenge was sent")),
        (None, None) if required => Err(GrantError::InvalidGrant("PKCE is required for this client")),
        (None, None) => Ok(()),
    }
}

/// The scope of a refreshed grant: as granted, or narrowed to `requested`, never widened.
fn narrowed_scope(granted: &str, requested: Option<&str>) -> Result<String, GrantError> {
    match requested.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(granted.to_owned()),
        Some(req) => {
            let granted = scopes_of(granted);
            if scopes_of(req).iter().any(|s| !granted.contains(s)) {
                return Err(GrantError::InvalidScope("the requested scope exceeds what was granted"));
            }
            Ok(scopes_of(req).join(" "))
        }
    }
}

async fn live_user(state: &AppState, user_id: Option<&str>) -> Result<UserRow, GrantError> {
    let Some(id) = user_id else { return Err(GrantError::Corrupt) };
    match store::users::by_id(&state.db, id).await? {
        Some(u) if !u.is_disabled() && !crate::abuse::is_banned(state, &u.email()).await? => Ok(u),
        _ => Err(GrantError::InvalidGrant("the user can no longer sign in")),
    }
}

/// [`live_user`] for a grant's family: a user disabled or banned has the family revoked too.
/// Disabling and banning end every grant, but one redeemed just before the ban outlived it;
/// revoked, lifting the ban does not bring it back.
async fn live_user_of_family(state: &AppState, user_id: Option<&str>, family: &str, now: Timestamp) -> Result<UserRow, GrantError> {
    let refused = match live_user(state, user_id).await {
        Err(e @ GrantError::InvalidGrant(_)) => e,
        other => return other,
    };
    store::grants::revoke_family(&state.db, family, now).await?;
    Err(refused)
}

/// Members of a suspended or disabled body cannot act for it: a client bound to such a body gets
/// no tokens for its users.
pub async fn body_allows(state: &AppState, client: &Client) -> Result<(), GrantError> {
    if let Some(body_id) = client.body_id.as_deref()
        && let Some(body) = store::bodies::by_id(&state.db, body_id).await?
        && !body.status.is_active()
    {
        return Err(GrantError::InvalidGrant("the organisation this app belongs to is suspended"));
    }
    Ok(())
}

/// Redeems a code: every check first (reads only), then one transaction that uses the code up
/// (only if it was issued to this client), stores the grant and the first refresh token. A
/// connection lost anywhere in it leaves the code unused; nothing is half-written.
pub async fn redeem_code(
    state: &AppState,
    client: &Client,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
    jkt: Option<&str>,
) -> Result<TokenResponse, GrantError> {
    let now = state.now();
    let hash = token_hash(code);
    let Some(row) = store::grants::by_hash(&state.db, &hash, store::grants::KIND_CODE).await? else {
        return Err(GrantError::InvalidGrant("the authorization code is invalid or has expired"));
    };
    match standing(&row, &client.id, now) {
        // Another client's code is refused without touching it: its owner can still redeem it.
        Standing::OtherClient => return Err(GrantError::InvalidGrant("the authorization code was issued to another client")),
        Standing::Used => return Err(code_replayed(state, client, &row).await),
        Standing::Dead => return Err(GrantError::InvalidGrant("the authorization code is invalid or has expired")),
        Standing::Good => {}
    }
    let data: CodeData = serde_json::from_str(&row.data).map_err(|_| GrantError::Corrupt)?;
    if data.client_id != client.id {
        return Err(GrantError::InvalidGrant("the authorization code was issued to another client"));
    }
    if redirect_uri != Some(data.redirect_uri.as_str()) {
        return Err(GrantError::InvalidGrant("redirect_uri does not match the authorization request"));
    }
    check_pkce(data.code_challenge.as_deref(), verifier, client.is_public() || client.require_pkce)?;
    if let Some(bound) = data.dpop_jkt.as_deref()
        && jkt != Some(bound)
    {
        return Err(GrantError::InvalidGrant(
            "the authorization code is bound to a DPoP key (dpop_jkt): send a DPoP proof made with that key",
        ));
    }
    let user = live_user(state, row.user_id.as_deref()).await?;
    body_allows(state, client).await?;
    let family = row.family_id.clone().ok_or(GrantError::Corrupt)?;
    let scopes = scopes_of(&data.scope);
    let offline = scopes.contains(&"offline_access");
    let refresh_expires = if offline { now + state.settings.tokens.offline_refresh_token_ttl_secs } else { data.session_expires_at };
    let grant = TokenRow {
        hash: family.clone(),
        kind: store::grants::KIND_GRANT.into(),
        user_id: Some(user.id.clone()),
        client_id: Some(client.id.clone()),
        session_sid: data.authn.sid.clone(),
        family_id: None,
        data: json!({ "offline": offline }).to_string(),
        created_at: now,
        expires_at: refresh_expires.max(now + state.settings.tokens.access_token_ttl_secs),
        used_at: None,
        revoked_at: None,
    };
    let issued =
        prepare(state, client, &user, &data.scope, &data.authn, data.nonce.as_deref(), &family, offline, refresh_expires, jkt).await?;
    let db = &state.db;
    let mut tx = db.begin().await?;
    store::fault_point(db, &mut tx, "code:begin").await?;
    if store::grants::consume_for_client(&mut tx, &hash, store::grants::KIND_CODE, &client.id, now).await?.is_none() {
        // Used (or revoked) since the checks above: a concurrent redemption won.
        drop(tx);
        return Err(match store::grants::by_hash(db, &hash, store::grants::KIND_CODE).await? {
            Some(old) if old.used_at.is_some() => code_replayed(state, client, &old).await,
            _ => GrantError::InvalidGrant("the authorization code is invalid or has expired"),
        });
    }
    store::fault_point(db, &mut tx, "code:consumed").await?;
    store::grants::insert(&mut tx, &grant).await?;
    store::fault_point(db, &mut tx, "code:grant").await?;
    if let Some(rt) = &issued.refresh_row {
        store::grants::insert(&mut tx, rt).await?;
    }
    store::fault_point(db, &mut tx, "code:refresh").await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(issued.response)
}

/// RFC 6749 §4.1.2: a code used twice revokes what its first use produced.
async fn code_replayed(state: &AppState, client: &Client, old: &TokenRow) -> GrantError {
    if let Some(family) = old.family_id.as_deref() {
        if let Err(e) = store::grants::revoke_family(&state.db, family, state.now()).await {
            return e.into();
        }
        tracing::warn!(client_id = %client.id, "authorization code replayed; grant revoked");
    }
    GrantError::InvalidGrant("the authorization code has already been used; tokens issued from it are revoked")
}

/// A refresh token presented again after its rotation: someone holds a copy. The whole family
/// is revoked.
async fn refresh_reused(state: &AppState, client: &Client, old: &TokenRow) -> GrantError {
    if let Some(family) = old.family_id.as_deref() {
        if let Err(e) = store::grants::revoke_family(&state.db, family, state.now()).await {
            return e.into();
        }
        tracing::warn!(client_id = %client.id, "refresh token reused; grant revoked");
    }
    GrantError::InvalidGrant("the refresh token has already been used; the grant is revoked")
}

/// Tokens made and signed, with the refresh token's row still to be stored (by the caller, in
/// the transaction that uses up what they replace).
struct Issued {
    response: TokenResponse,
    refresh_row: Option<TokenRow>,
}

#[allow(clippy::too_many_arguments)]
async fn prepare(
    state: &AppState,
    client: &Client,
    user: &UserRow,
    scope: &str,
    authn: &Authn,
    nonce: Option<&str>,
    family: &str,
    offline: bool,
    refresh_expires: i64,
    jkt: Option<&str>,
) -> Result<Issued, GrantError> {
    let scopes = scopes_of(scope);
    // Offline grants outlive the session, so their access tokens do not name it.
    let at_authn = Authn { sid: if offline { None } else { authn.sid.clone() }, ..authn.clone() };
    let at =
        issue::access_token(state, AccessTokenInput { user: Some(user), client, scope, authn: Some(&at_authn), family: Some(family), jkt })
            .await?;
    let id_token = if scopes.contains(&"openid") {
        Some(issue::id_token(state, IdTokenInput { user, client, scopes: &scopes, authn, nonce }).await?)
    } else {
        None
    };
    let (refresh_token, refresh_row) = if client.allows_grant(GrantType::RefreshToken) && refresh_expires > state.now() {
        let rt = random_token(&*state.rng);
        // A public client's refresh token is bound to its DPoP key. A confidential client's is
        // bound to the client's own authentication already (RFC 9449 §5), so it is bound to the
        // key as well only when the client requires DPoP: such a client sends a proof with
        // every token request anyway, and its refresh tokens then say `cnf` at introspection.
        let bound = if client.is_public() || client.require_dpop { jkt.map(str::to_owned) } else { None };
        let data = RefreshData { scope: scope.to_owned(), authn: authn.clone(), offline, jkt: bound };
        let row = TokenRow {
            hash: token_hash(rt.expose()),
            kind: store::grants::KIND_REFRESH.into(),
            user_id: Some(user.id.clone()),
            client_id: Some(client.id.clone()),
            session_sid: authn.sid.clone(),
            family_id: Some(family.to_owned()),
            data: serde_json::to_string(&data).map_err(|_| GrantError::Corrupt)?,
            created_at: state.now(),
            expires_at: refresh_expires,
            used_at: None,
            revoked_at: None,
        };
        (Some(rt.expose().to_owned()), Some(row))
    } else {
        (None, None)
    };
    let response = TokenResponse {
        access_token: at.token,
        token_type: if jkt.is_some() { "DPoP" } else { "Bearer" },
        expires_in: at.expires_in,
        refresh_token,
        id_token,
        scope: scope.to_owned(),
    };
    Ok(Issued { response, refresh_row })
}

/// Rotates a refresh token: every check first (reads only), then one transaction that uses the
/// old token up (only if it was issued to this client) and stores its successor. A connection
/// lost anywhere in it leaves the old token usable, so the client's retry succeeds.
pub async fn refresh(
    state: &AppState,
    client: &Client,
    token: &str,
    requested_scope: Option<&str>,
    jkt: Option<&str>,
) -> Result<TokenResponse, GrantError> {
    let now = state.now();
    let hash = token_hash(token);
    let Some(row) = store::grants::by_hash(&state.db, &hash, store::grants::KIND_REFRESH).await? else {
        return Err(GrantError::InvalidGrant("the refresh token is invalid, expired or revoked"));
    };
    match standing(&row, &client.id, now) {
        // Another client's token is refused without touching it: its owner's next refresh works.
        Standing::OtherClient => return Err(GrantError::InvalidGrant("the refresh token was issued to another client")),
        Standing::Used => return Err(refresh_reused(state, client, &row).await),
        Standing::Dead => return Err(GrantError::InvalidGrant("the refresh token is invalid, expired or revoked")),
        Standing::Good => {}
    }
    let family = row.family_id.clone().ok_or(GrantError::Corrupt)?;
    if !store::grants::family_active(&state.db, &family).await? {
        return Err(GrantError::InvalidGrant("the grant has been revoked"));
    }
    let data: RefreshData = serde_json::from_str(&row.data).map_err(|_| GrantError::Corrupt)?;
    if !data.offline
        && let Some(sid) = data.authn.sid.as_deref()
        && !store::sessions::live_by_sid(&state.db, sid, now).await?
    {
        store::grants::revoke_family(&state.db, &family, now).await?;
        return Err(GrantError::InvalidGrant("the session this grant belonged to has ended"));
    }
    if let Some(bound) = data.jkt.as_deref()
        && jkt != Some(bound)
    {
        return Err(GrantError::InvalidGrant("the refresh token is bound to a DPoP key: send a DPoP proof made with that key"));
    }
    let user = live_user_of_family(state, row.user_id.as_deref(), &family, now).await?;
    body_allows(state, client).await?;
    let scope = narrowed_scope(&data.scope, requested_scope)?;
    let issued = prepare(state, client, &user, &scope, &data.authn, None, &family, data.offline, row.expires_at, jkt).await?;
    let db = &state.db;
    let mut tx = db.begin().await?;
    store::fault_point(db, &mut tx, "refresh:begin").await?;
    if store::grants::consume_for_client(&mut tx, &hash, store::grants::KIND_REFRESH, &client.id, now).await?.is_none() {
        // Used (or revoked) since the checks above: a concurrent rotation won, so this is reuse.
        drop(tx);
        return Err(match store::grants::by_hash(db, &hash, store::grants::KIND_REFRESH).await? {
            Some(old) if old.used_at.is_some() => refresh_reused(state, client, &old).await,
            _ => GrantError::InvalidGrant("the refresh token is invalid, expired or revoked"),
        });
    }
    store::fault_point(db, &mut tx, "refresh:consumed").await?;
    if let Some(rt) = &issued.refresh_row {
        store::grants::insert(&mut tx, rt).await?;
    }
    store::fault_point(db, &mut tx, "refresh:stored").await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(issued.response)
}

pub async fn client_credentials(
    state: &AppState,
    client: &Client,
    requested_scope: Option<&str>,
    jkt: Option<&str>,
) -> Result<TokenResponse, GrantError> {
    if client.is_public() || !client.allows_grant(GrantType::ClientCredentials) {
        return Err(GrantError::UnauthorizedClient("this client may not use the client_credentials grant"));
    }
    // User-facing scopes mean nothing without a user.
    let allowed: Vec<&str> =
        client.scopes.iter().map(String::as_str).filter(|s| !matches!(*s, "openid" | "profile" | "email" | "offline_access")).collect();
    let scope = match requested_scope.map(str::trim).filter(|s| !s.is_empty()) {
        None => allowed.join(" "),
        Some(req) => {
            let req = scopes_of(req);
            if req.iter().any(|s| !allowed.contains(s)) {
                return Err(GrantError::InvalidScope("a requested scope is not allowed for this client"));
            }
            req.join(" ")
        }
    };
    let at = issue::access_token(state, AccessTokenInput { user: None, client, scope: &scope, authn: None, family: None, jkt }).await?;
    Ok(TokenResponse {
        access_token: at.token,
        token_type: if jkt.is_some() { "DPoP" } else { "Bearer" },
        expires_in: at.expires_in,
        refresh_token: None,
        id_token: None,
        scope,
    })
}

/// An access token that is active, as introspection and userinfo see it: its claims, the client
/// it was issued to and, unless the client acts for itself, its user.
pub struct ActiveAccessToken {
    pub claims: Value,
    pub client: Arc<Client>,
    pub user: Option<UserRow>,
}

/// Introspection of an access token we issued: active only if it verifies, has not expired,
/// its client still exists, it was not revoked (itself or its grant), its session (if it names
/// one) is still live, and its user (if it has one) can still sign in and may act for the body
/// the client is bound to. The client and the ban list come from the cache
/// (`services::security_cache`); the rest is read in one query.
pub async fn access_token_claims(state: &AppState, token: &str) -> Result<Option<Value>, GrantError> {
    Ok(active_access_token(state, token).await?.map(|t| t.claims))
}

/// As [`access_token_claims`], with the client and the user the token stands for.
pub async fn active_access_token(state: &AppState, token: &str) -> Result<Option<ActiveAccessToken>, GrantError> {
    let now = state.now();
    let Ok(claims) = super::jwt::verify(&state.keys, token, Some("at+jwt"), state.settings.issuer(), Some(now)).await else {
        return Ok(None);
    };
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let (Some(jti), Some(client_id)) = (text("jti"), text("client_id")) else { return Ok(None) };
    let Some(client) = crate::clients::cached(&state.security, &state.db, client_id).await? else { return Ok(None) };
    let family = jti.split_once('.').map(|(f, _)| f);
    let sid = text("sid");
    // Client credentials: the client is the subject, and there is no user to check.
    let user_id = text("sub").filter(|sub| *sub != client_id);
    let body_id = user_id.and(client.body_id.as_deref());
    let jti_hash = token_hash(jti);
    // A token with no grant, session or user behind it (client credentials) can only be revoked
    // itself: once found unrevoked, the cache answers until a revocation anywhere.
    let machine = family.is_none() && sid.is_none() && user_id.is_none();
    if machine && state.security.known_unrevoked(&jti_hash) {
        return Ok(Some(ActiveAccessToken { claims, client, user: None }));
    }
    let epoch = store::security_epoch::current();
    let standing = store::grants::access_token_state(&state.db, &jti_hash, family, sid, user_id, body_id, now).await?;
    if standing.jti_revoked || (family.is_some() && !standing.family_active) || (sid.is_some() && !standing.session_live) {
        return Ok(None);
    }
    if machine {
        state.security.note_unrevoked(jti_hash, epoch);
    }
    let user = match user_id {
        None => None,
        Some(_) => {
            let Some(user) = standing.user else { return Ok(None) };
            if user.is_disabled() || crate::abuse::is_banned(state, &user.email()).await? {
                return Ok(None);
            }
            // Members of a body that is not active cannot act for it (as `body_allows`).
            if let Some(status) = standing.body_status
                && !crate::policy::body::BodyStatus::try_from(status).is_ok_and(|s| s.is_active())
            {
                return Ok(None);
            }
            Some(user)
        }
    };
    Ok(Some(ActiveAccessToken { claims, client, user }))
}

/// A live refresh token of `client`, for introspection: its row, scope and the DPoP key it is
/// bound to, if any.
pub async fn refresh_token_info(
    state: &AppState,
    client: &Client,
    token: &str,
) -> Result<Option<(TokenRow, String, Option<String>)>, GrantError> {
    let now = state.now();
    let Some(row) = store::grants::by_hash(&state.db, &token_hash(token), store::grants::KIND_REFRESH).await? else { return Ok(None) };
    if row.used_at.is_some() || row.revoked_at.is_some() || row.expires_at <= now || row.client_id.as_deref() != Some(client.id.as_str()) {
        return Ok(None);
    }
    let Some(family) = row.family_id.as_deref() else { return Ok(None) };
    if !store::grants::family_active(&state.db, family).await? {
        return Ok(None);
    }
    let data: RefreshData = serde_json::from_str(&row.data).map_err(|_| GrantError::Corrupt)?;
    if !data.offline
        && let Some(sid) = data.authn.sid.as_deref()
        && !store::sessions::live_by_sid(&state.db, sid, now).await?
    {
        return Ok(None);
    }
    // Inactive where a refresh would be refused, and revoked as a refresh would revoke it.
    match live_user_of_family(state, row.user_id.as_deref(), family, now).await {
        Ok(_) => {}
        Err(GrantError::InvalidGrant(_)) => return Ok(None),
        Err(e) => return Err(e),
    }
    match body_allows(state, client).await {
        Ok(()) => {}
        Err(GrantError::InvalidGrant(_)) => return Ok(None),
        Err(e) => return Err(e),
    }
    Ok(Some((row, data.scope, data.jkt)))
}

/// RFC 7009: revokes a token of `client`. Unknown tokens and other clients' tokens are ignored.
pub async fn revoke(state: &AppState, client: &Client, token: &str, hint: Option<&str>) -> Result<(), GrantError> {
    let now = state.now();
    let as_refresh = || async {
        if let Some(row) = store::grants::by_hash(&state.db, &token_hash(token), store::grants::KIND_REFRESH).await?
            && row.client_id.as_deref() == Some(client.id.as_str())
            && let Some(family) = row.family_id.as_deref()
        {
            store::grants::revoke_family(&state.db, family, now).await?;
            return Ok::<bool, GrantError>(true);
        }
        Ok(false)
    };
    if hint != Some("access_token") && as_refresh().await? {
        return Ok(());
    }
    // An access token: verify it is ours and this client's, then revoke its jti.
    if let Ok(claims) = super::jwt::verify(&state.keys, token, Some("at+jwt"), state.settings.issuer(), None).await
        && claims.get("client_id").and_then(Value::as_str) == Some(client.id.as_str())
        && let Some(jti) = claims.get("jti").and_then(Value::as_str)
    {
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(now);
        store::grants::revoke_jti(&state.db, &token_hash(jti), exp.max(now), now).await?;
        return Ok(());
    }
    if hint == Some("access_token") {
        as_refresh().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256() {
        // RFC 7636 Appendix B.
        assert!(pkce_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(!pkce_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(!pkce_matches("short", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
    }

    const T0: Timestamp = 1_800_000_000;
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn row(client_id: Option<&str>, expires_at: Timestamp) -> TokenRow {
        TokenRow {
            hash: "h".into(),
            kind: store::grants::KIND_REFRESH.into(),
            user_id: Some("u".into()),
            client_id: client_id.map(str::to_owned),
            session_sid: None,
            family_id: Some("f".into()),
            data: "{}".into(),
            created_at: T0 - 60,
            expires_at,
            used_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn a_token_stands_until_the_second_it_expires() {
        assert_eq!(standing(&row(Some("app"), T0 + 1), "app", T0), Standing::Good);
        assert_eq!(standing(&row(Some("app"), T0), "app", T0), Standing::Dead);
        let revoked = TokenRow { revoked_at: Some(T0 - 1), ..row(Some("app"), T0 + 60) };
        assert_eq!(standing(&revoked, "app", T0), Standing::Dead);
        let used = TokenRow { used_at: Some(T0 - 1), ..row(Some("app"), T0 + 60) };
        assert_eq!(standing(&used, "app", T0), Standing::Used);
        // Even expired, a used token is a replay: what it produced is revoked.
        let used_and_expired = TokenRow { used_at: Some(T0 - 1), ..row(Some("app"), T0 - 1) };
        assert_eq!(standing(&used_and_expired, "app", T0), Standing::Used);
    }

    #[test]
    fn another_clients_token_is_refused_before_replay_is_considered() {
        // A second app replaying the first app's used token must not revoke the first app's grant.
        let used = TokenRow { used_at: Some(T0 - 1), ..row(Some("app"), T0 + 60) };
        assert_eq!(standing(&used, "second-app", T0), Standing::OtherClient);
        assert_eq!(standing(&row(None, T0 + 60), "app", T0), Standing::OtherClient, "a token of no client is no one's");
        assert_eq!(standing(&row(Some("app"), T0 + 60), "App", T0), Standing::OtherClient, "ids compare exactly");
    }

    #[test]
    fn pkce_at_the_token_endpoint() {
        let refused = |r: Result<(), GrantError>| match r {
            Err(GrantError::InvalidGrant(m)) => m,
            other => panic!("expected invalid_grant, got {other:?}"),
        };
        assert!(check_pkce(Some(CHALLENGE), Some(VERIFIER), true).is_ok());
        assert!(check_pkce(None, None, false).is_ok());
        assert_eq!(refused(check_pkce(Some(CHALLENGE), Some(&VERIFIER[1..]), false)), "code_verifier does not match the code_challenge");
        assert_eq!(refused(check_pkce(Some(CHALLENGE), None, false)), "code_verifier is required");
        assert_eq!(refused(check_pkce(None, Some(VERIFIER), false)), "code_verifier given but no code_challenge was sent");
        assert_eq!(refused(check_pkce(None, None, true)), "PKCE is required for this client");
    }

    #[test]
    fn a_refresh_narrows_the_scope_and_never_widens_it() {
        assert_eq!(narrowed_scope("openid email profile", None).unwrap(), "openid email profile");
        assert_eq!(narrowed_scope("openid email profile", Some("  ")).unwrap(), "openid email profile");
        assert_eq!(narrowed_scope("openid email profile", Some("email  openid")).unwrap(), "email openid");
        assert!(matches!(narrowed_scope("openid email", Some("openid offline_access")), Err(GrantError::InvalidScope(_))));
        assert!(matches!(narrowed_scope("openid email", Some("openid emai")), Err(GrantError::InvalidScope(_))));
    }
}

//! Building and signing ID tokens, access tokens (RFC 9068) and logout tokens.

use serde_json::{Map, Value, json};

use super::claims;
use super::jwt;
use super::keys::{Alg, KeyError};
use crate::app::AppState;
use crate::clients::Client;
use crate::secret::random_id;
use crate::store::{StoreError, users::UserRow};

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How and when the user authenticated, carried from the session into tokens.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, Default)]
pub struct Authn {
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub acr: String,
    /// The session's public id, if the grant is tied to a session.
    pub sid: Option<String>,
}

pub struct IdTokenInput<'a> {
    pub user: &'a UserRow,
    pub client: &'a Client,
    pub scopes: &'a [&'a str],
    pub authn: &'a Authn,
    pub nonce: Option<&'a str>,
}

pub async fn id_token(state: &AppState, i: IdTokenInput<'_>) -> Result<String, IssueError> {
    let now = state.now();
    let mut c = Map::new();
    c.insert("iss".into(), json!(state.settings.issuer()));
    c.insert("sub".into(), json!(i.user.id));
    // A single string, as FixMyStreet (and OIDC Core for one audience) expects.
    c.insert("aud".into(), json!(i.client.id));
    c.insert("exp".into(), json!(now + state.settings.tokens.id_token_ttl_secs));
    c.insert("iat".into(), json!(now));
    c.insert("auth_time".into(), json!(i.authn.auth_time));
    if let Some(n) = i.nonce {
        c.insert("nonce".into(), json!(n));
    }
    if !i.authn.acr.is_empty() {
        c.insert("acr".into(), json!(i.authn.acr));
    }
    if !i.authn.amr.is_empty() {
        c.insert("amr".into(), json!(i.authn.amr));
    }
    if let Some(sid) = &i.authn.sid {
        c.insert("sid".into(), json!(sid));
    }
    c.extend(claims::standard(i.user, i.scopes, &i.client.id_token_claims));
    c.extend(claims::authorisation(&state.db, i.user, i.client).await?);
    let key = state.keys.current(i.client.id_token_alg).await?;
    Ok(jwt::sign(&key, "JWT", &Value::Object(c))?)
}

pub struct AccessTokenInput<'a> {
    /// None for client_credentials: the client acts for itself.
    pub user: Option<&'a UserRow>,
    pub client: &'a Client,
    pub scope: &'a str,
    pub authn: Option<&'a Authn>,
    /// The grant family, when there is one; it prefixes the jti so introspection can find it.
    pub family: Option<&'a str>,
}

pub struct IssuedAccessToken {
    pub token: String,
    pub expires_in: i64,
}

pub async fn access_token(state: &AppState, i: AccessTokenInput<'_>) -> Result<IssuedAccessToken, IssueError> {
    let now = state.now();
    let ttl = state.settings.tokens.access_token_ttl_secs;
    let rand = random_id(&*state.rng, 16);
    let jti = match i.family {
        Some(f) => format!("{f}.{rand}"),
        None => rand,
    };
    let mut c = Map::new();
    c.insert("iss".into(), json!(state.settings.issuer()));
    c.insert("exp".into(), json!(now + ttl));
    c.insert("aud".into(), json!(i.client.access_token_audience()));
    c.insert("sub".into(), json!(i.user.map(|u| u.id.as_str()).unwrap_or(i.client.id.as_str())));
    c.insert("client_id".into(), json!(i.client.id));
    c.insert("iat".into(), json!(now));
    c.insert("jti".into(), json!(jti));
    c.insert("scope".into(), json!(i.scope));
    if let Some(a) = i.authn {
        c.insert("auth_time".into(), json!(a.auth_time));
        if !a.acr.is_empty() {
            c.insert("acr".into(), json!(a.acr));
        }
        if !a.amr.is_empty() {
            c.insert("amr".into(), json!(a.amr));
        }
        if let Some(sid) = &a.sid {
            c.insert("sid".into(), json!(sid));
        }
    }
    if let Some(u) = i.user {
        c.extend(claims::authorisation(&state.db, u, i.client).await?);
    }
    let alg = Alg::parse(&state.settings.tokens.access_token_alg)?;
    let key = state.keys.current(alg).await?;
    Ok(IssuedAccessToken { token: jwt::sign(&key, "at+jwt", &Value::Object(c))?, expires_in: ttl })
}

/// An OIDC Back-Channel Logout token for one client.
pub async fn logout_token(state: &AppState, client: &Client, sub: &str, sid: &str) -> Result<String, IssueError> {
    let now = state.now();
    let c = json!({
        "iss": state.settings.issuer(),
        "sub": sub,
        "aud": client.id,
        "iat": now,
        "exp": now + 120,
        "jti": random_id(&*state.rng, 16),
        "sid": sid,
        "events": { "http://schemas.openid.net/event/backchannel-logout": {} },
    });
    let key = state.keys.current(client.id_token_alg).await?;
    Ok(jwt::sign(&key, "logout+jwt", &c)?)
}

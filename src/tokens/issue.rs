//! Building and signing ID tokens, access tokens (RFC 9068) and logout tokens.

use serde_json::{Map, Value, json};

use super::claims;
use super::jwt;
use super::keys::{Alg, KeyError};
use crate::app::AppState;
use crate::clients::Client;
use crate::clock::Timestamp;
use crate::config::Settings;
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
    let mut c = id_token_claims(&state.settings, state.now(), &i);
    c.extend(claims::authorisation(&state.db, i.user, i.client).await?);
    let key = state.keys.current(i.client.id_token_alg).await?;
    Ok(jwt::sign(&key, "JWT", &Value::Object(c))?)
}

/// An ID token's claims at `now`, all but the authorisation claims (which are read from the
/// database).
pub fn id_token_claims(settings: &Settings, now: Timestamp, i: &IdTokenInput<'_>) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("iss".into(), json!(settings.issuer()));
    c.insert("sub".into(), json!(i.user.id));
    // A single string, as FixMyStreet (and OIDC Core for one audience) expects.
    c.insert("aud".into(), json!(i.client.id));
    c.insert("exp".into(), json!(now + settings.tokens.id_token_ttl_secs));
    c.insert("iat".into(), json!(now));
    c.insert("auth_time".into(), json!(i.authn.auth_time));
    if let Some(n) = i.nonce {
        c.insert("nonce".into(), json!(n));
    }
    insert_authn(&mut c, i.authn);
    c.extend(claims::standard(i.user, i.scopes, &i.client.id_token_claims));
    c
}

/// How the user authenticated (`acr`, `amr`, `sid`), each only when there is one.
fn insert_authn(c: &mut Map<String, Value>, a: &Authn) {
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

pub struct AccessTokenInput<'a> {
    /// None for client_credentials: the client acts for itself.
    pub user: Option<&'a UserRow>,
    pub client: &'a Client,
    pub scope: &'a str,
    pub authn: Option<&'a Authn>,
    /// The grant family, when there is one; it prefixes the jti so introspection can find it.
    pub family: Option<&'a str>,
    /// The thumbprint of the DPoP key the token is bound to (`cnf.jkt`, RFC 9449 §6).
    pub jkt: Option<&'a str>,
}

pub struct IssuedAccessToken {
    pub token: String,
    pub expires_in: i64,
}

pub async fn access_token(state: &AppState, i: AccessTokenInput<'_>) -> Result<IssuedAccessToken, IssueError> {
    let rand = random_id(&*state.rng, 16);
    let jti = match i.family {
        Some(f) => format!("{f}.{rand}"),
        None => rand,
    };
    let mut c = access_token_claims(&state.settings, state.now(), &jti, &i);
    if let Some(u) = i.user {
        c.authorisation = claims::authorisation(&state.db, u, i.client).await?;
    }
    let alg = Alg::parse(&state.settings.tokens.access_token_alg)?;
    let key = state.keys.current(alg).await?;
    Ok(IssuedAccessToken { token: jwt::sign(&key, "at+jwt", &c)?, expires_in: state.settings.tokens.access_token_ttl_secs })
}

/// An access token's claims (RFC 9068 §2.2), written to JSON as they are. Issuing one is the
/// busiest request there is, and a map of JSON values allocated every name and value, then freed
/// them (bench/README.md, "Sixth pass"). An empty or absent optional claim is left out.
#[derive(Debug, serde::Serialize)]
pub struct AccessTokenClaims<'a> {
    iss: &'a str,
    exp: Timestamp,
    aud: &'a str,
    sub: &'a str,
    client_id: &'a str,
    iat: Timestamp,
    jti: &'a str,
    scope: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "str::is_empty")]
    acr: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    amr: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cnf: Option<Confirmation<'a>>,
    /// The user's bodies, roles and permissions as the client sees them (`claims::authorisation`).
    #[serde(flatten)]
    authorisation: Map<String, Value>,
}

/// RFC 9449 §6.1: the thumbprint of the DPoP key the token is bound to.
#[derive(Debug, serde::Serialize)]
struct Confirmation<'a> {
    jkt: &'a str,
}

/// An access token's claims at `now`, all but the authorisation claims (the caller adds them
/// for a user). Without a user (client credentials) the client is the subject.
pub fn access_token_claims<'a>(settings: &'a Settings, now: Timestamp, jti: &'a str, i: &AccessTokenInput<'a>) -> AccessTokenClaims<'a> {
    AccessTokenClaims {
        iss: settings.issuer(),
        exp: now + settings.tokens.access_token_ttl_secs,
        aud: i.client.access_token_audience(),
        sub: i.user.map(|u| u.id.as_str()).unwrap_or(i.client.id.as_str()),
        client_id: &i.client.id,
        iat: now,
        jti,
        scope: i.scope,
        auth_time: i.authn.map(|a| a.auth_time),
        acr: i.authn.map(|a| a.acr.as_str()).unwrap_or_default(),
        amr: i.authn.map(|a| a.amr.as_slice()).unwrap_or_default(),
        sid: i.authn.and_then(|a| a.sid.as_deref()),
        cnf: i.jkt.map(|jkt| Confirmation { jkt }),
        authorisation: Map::new(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::{ClientSpec, GrantType};
    use crate::clock::OsRandom;

    const T0: Timestamp = 1_800_000_000;

    fn settings() -> Settings {
        let mut s = Settings::load_without_env(None).expect("the embedded defaults load");
        s.server.issuer = "https://id.example.org".into();
        s.tokens.id_token_ttl_secs = 300;
        s.tokens.access_token_ttl_secs = 120;
        s
    }

    async fn client(audience: Option<&str>) -> Client {
        let (db, _dir) = crate::auth::testing::scratch_db().await;
        let spec = ClientSpec {
            id: Some("permits".into()),
            name: "Permits".into(),
            redirect_uris: vec!["https://permits.example.org/cb".into()],
            grant_types: vec![GrantType::AuthorizationCode, GrantType::ClientCredentials],
            scopes: vec!["openid".into(), "email".into()],
            access_token_audience: audience.map(str::to_owned),
            ..ClientSpec::default()
        };
        crate::clients::register(&db, spec, &OsRandom, T0).await.expect("a valid client").0
    }

    fn user() -> UserRow {
        UserRow {
            id: "user-1".into(),
            email: "ada@example.org".into(),
            email_verified: 1,
            name: "Ada Lovelace".into(),
            password_hash: None,
            superuser: 0,
            flagged: 0,
            disabled: 0,
            created_at: T0 - 1000,
            updated_at: T0 - 1000,
            last_login_at: None,
            language: None,
        }
    }

    #[tokio::test]
    async fn an_id_token_is_for_one_client_and_lives_its_ttl_from_now() {
        let (client, user) = (client(None).await, user());
        let authn = Authn { auth_time: T0 - 30, amr: vec!["pwd".into(), "otp".into()], acr: "mfa".into(), sid: Some("sid-1".into()) };
        let i = IdTokenInput { user: &user, client: &client, scopes: &["openid", "email"], authn: &authn, nonce: Some("n-0S6") };
        let c = id_token_claims(&settings(), T0, &i);
        assert_eq!(c["iss"], "https://id.example.org");
        assert_eq!((c["sub"].clone(), c["aud"].clone()), (json!("user-1"), json!("permits")), "aud is one string");
        assert_eq!((c["iat"].clone(), c["exp"].clone(), c["auth_time"].clone()), (json!(T0), json!(T0 + 300), json!(T0 - 30)));
        assert_eq!((c["nonce"].clone(), c["acr"].clone(), c["sid"].clone()), (json!("n-0S6"), json!("mfa"), json!("sid-1")));
        assert_eq!(c["amr"], json!(["pwd", "otp"]));
        assert_eq!(c["email"], "ada@example.org");

        // No nonce, no acr, no amr, no session: the claims are left out, not sent empty.
        let bare = Authn { auth_time: T0, ..Authn::default() };
        let c = id_token_claims(&settings(), T0, &IdTokenInput { nonce: None, authn: &bare, scopes: &["openid"], ..i });
        for absent in ["nonce", "acr", "amr", "sid", "email"] {
            assert!(!c.contains_key(absent), "{absent} in {c:?}");
        }
    }

    #[tokio::test]
    async fn an_access_token_names_its_audience_and_a_client_acting_for_itself() {
        let client = client(Some("https://api.example.org")).await;
        let user = user();
        let authn = Authn { auth_time: T0 - 5, amr: vec!["pwd".into()], acr: String::new(), sid: None };
        let i = AccessTokenInput {
            user: Some(&user),
            client: &client,
            scope: "openid email",
            authn: Some(&authn),
            family: Some("fam"),
            jkt: None,
        };
        let settings = settings();
        let c = serde_json::to_value(access_token_claims(&settings, T0, "fam.abc", &i)).expect("claims are JSON");
        assert_eq!(
            (c["aud"].clone(), c["sub"].clone(), c["client_id"].clone()),
            (json!("https://api.example.org"), json!("user-1"), json!("permits"))
        );
        assert_eq!((c["iat"].clone(), c["exp"].clone(), c["jti"].clone()), (json!(T0), json!(T0 + 120), json!("fam.abc")));
        assert_eq!((c["scope"].clone(), c["auth_time"].clone(), c["amr"].clone()), (json!("openid email"), json!(T0 - 5), json!(["pwd"])));
        assert!(c.get("acr").is_none() && c.get("sid").is_none() && c.get("cnf").is_none());

        let own = access_token_claims(&settings, T0, "xyz", &AccessTokenInput { user: None, authn: None, family: None, ..i });
        let own = serde_json::to_value(own).expect("claims are JSON");
        assert_eq!(own["sub"], "permits", "client credentials: the client is the subject");
        for absent in ["auth_time", "acr", "amr", "sid", "cnf", "bodies"] {
            assert!(own.get(absent).is_none(), "{absent} in {own}");
        }
        let bound = access_token_claims(&settings, T0, "xyz", &AccessTokenInput { jkt: Some("thumb"), ..i });
        assert_eq!(serde_json::to_value(bound).expect("claims are JSON")["cnf"], json!({ "jkt": "thumb" }));
    }
}

//! Relying apps (clients), through `crate::clients`: list, show, create, edit, rotate the secret,
//! remove, and set a machine client's administrative rights. Superusers only. Secrets are
//! returned once, by `create`, `update` (when a client becomes confidential) and `rotate_secret`.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Subject, audit_ok, commit_err, guard, require_step_up};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::clients::{self, AuthMethod, Client, ClientSpec, GrantType};
use crate::policy::delegation::Action;
use crate::secret::SecretString;
use crate::store::{self, clients::ClientAdminAccess};
use crate::tokens::keys::Alg;

#[derive(Debug, Clone, Serialize)]
pub struct ClientView {
    pub client_id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub grant_types: Vec<&'static str>,
    pub scopes: Vec<String>,
    pub token_endpoint_auth_method: &'static str,
    pub id_token_signing_alg: &'static str,
    pub permission_namespaces: Vec<String>,
    pub body_id: Option<String>,
    pub id_token_claims: Vec<String>,
    pub access_token_audience: Option<String>,
    pub first_party: bool,
    pub require_pkce: bool,
    pub require_mfa: bool,
    /// Every sign-in needs a passkey or security key (implies `require_mfa`).
    pub require_phr: bool,
    /// private_key_jwt: the client's public keys (a JWK set), or where it publishes them.
    pub jwks: Option<serde_json::Value>,
    pub jwks_uri: Option<String>,
    /// RFC 9126 client metadata: authorization requests only through the PAR endpoint.
    pub require_pushed_authorization_requests: bool,
    /// RFC 9449 client metadata: tokens only with a DPoP proof.
    pub dpop_bound_access_tokens: bool,
    pub has_secret: bool,
    pub admin_access: AdminAccess,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A machine client's administrative rights with the `stile:admin` scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminAccess {
    /// `none`, `superuser`, or `body` (the rights of an administrator of `body_id` holding
    /// `permissions`).
    pub level: String,
    #[serde(default)]
    pub body_id: Option<String>,
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// A client and, when one was just made, its secret (shown once).
#[derive(Debug, Serialize)]
pub struct ClientWithSecret {
    #[serde(flatten)]
    pub client: ClientView,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose")]
    pub client_secret: Option<SecretString>,
}

fn expose<S: serde::Serializer>(s: &Option<SecretString>, ser: S) -> Result<S::Ok, S::Error> {
    match s {
        Some(s) => ser.serialize_str(s.expose()),
        None => ser.serialize_none(),
    }
}

async fn view(state: &AppState, c: Client) -> Result<ClientView, AdminError> {
    let access = store::clients::client_admin_access(&state.db, &c.id).await?;
    let admin_access = match access {
        Some(a) => AdminAccess {
            level: a.admin_access.unwrap_or_else(|| "none".into()),
            body_id: a.admin_body_id,
            permissions: store::parse_json_list(&a.admin_permissions)?,
        },
        None => AdminAccess { level: "none".into(), ..Default::default() },
    };
    Ok(ClientView {
        has_secret: c.has_secret(),
        client_id: c.id,
        name: c.name,
        redirect_uris: c.redirect_uris,
        post_logout_redirect_uris: c.post_logout_redirect_uris,
        backchannel_logout_uri: c.backchannel_logout_uri,
        grant_types: c.grant_types.iter().map(|g| g.as_str()).collect(),
        scopes: c.scopes,
        token_endpoint_auth_method: c.auth_method.as_str(),
        id_token_signing_alg: c.id_token_alg.as_str(),
        permission_namespaces: c.permission_namespaces,
        body_id: c.body_id,
        id_token_claims: c.id_token_claims,
        access_token_audience: c.access_token_audience,
        first_party: c.first_party,
        require_pkce: c.require_pkce,
        require_mfa: c.require_mfa,
        require_phr: c.require_phr,
        jwks: c.jwks.as_deref().and_then(|t| serde_json::from_str(t).ok()),
        jwks_uri: c.jwks_uri,
        require_pushed_authorization_requests: c.require_par,
        dpop_bound_access_tokens: c.require_dpop,
        admin_access,
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}

/// A client's settings; on create, unset fields take `ClientSpec`'s defaults, on update they
/// keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub client_id: Option<String>,
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub backchannel_logout_uri: Option<String>,
    pub grant_types: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub token_endpoint_auth_method: Option<String>,
    pub id_token_signing_alg: Option<String>,
    pub permission_namespaces: Option<Vec<String>>,
    pub body_id: Option<String>,
    pub id_token_claims: Option<Vec<String>>,
    pub access_token_audience: Option<String>,
    pub first_party: Option<bool>,
    pub require_pkce: Option<bool>,
    pub require_mfa: Option<bool>,
    /// Every sign-in needs a passkey or security key; true implies `require_mfa`.
    pub require_phr: Option<bool>,
    /// A JWK set of public keys: a JSON object, or its text (an empty string clears it).
    pub jwks: Option<serde_json::Value>,
    /// An empty string clears it. Giving one of `jwks` and `jwks_uri` drops the other.
    pub jwks_uri: Option<String>,
    pub require_pushed_authorization_requests: Option<bool>,
    pub dpop_bound_access_tokens: Option<bool>,
}

fn apply(mut spec: ClientSpec, i: ClientInput) -> Result<ClientSpec, AdminError> {
    let blank_none = |s: String| if s.trim().is_empty() { None } else { Some(s) };
    if let Some(v) = i.name {
        spec.name = v;
    }
    if let Some(v) = i.redirect_uris {
        spec.redirect_uris = v;
    }
    if let Some(v) = i.post_logout_redirect_uris {
        spec.post_logout_redirect_uris = v;
    }
    if let Some(v) = i.backchannel_logout_uri {
        spec.backchannel_logout_uri = blank_none(v);
    }
    if let Some(v) = i.grant_types {
        spec.grant_types = v
            .iter()
            .map(|g| {
                GrantType::parse(g).ok_or_else(|| AdminError::invalid("grant_types", format!("{g:?} is not a grant type Stile supports.")))
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(v) = i.scopes {
        spec.scopes = v;
    }
    if let Some(v) = i.token_endpoint_auth_method {
        spec.auth_method = AuthMethod::parse(&v).ok_or_else(|| {
            AdminError::invalid(
                "token_endpoint_auth_method",
                "Choose how the app authenticates: client_secret_basic, client_secret_post, private_key_jwt or none (a public app).",
            )
        })?;
        if spec.auth_method != AuthMethod::PrivateKeyJwt {
            spec.jwks = None;
            spec.jwks_uri = None;
        }
    }
    let jwks_given = i.jwks.is_some();
    if let Some(v) = i.jwks {
        spec.jwks = match v {
            serde_json::Value::Object(_) => Some(v.to_string()),
            serde_json::Value::String(t) => blank_none(t),
            _ => return Err(AdminError::invalid("jwks", "Give the app's public keys as a JWK set: {\"keys\": [...]}.")),
        };
        if spec.jwks.is_some() && i.jwks_uri.as_deref().is_none_or(|u| u.trim().is_empty()) {
            spec.jwks_uri = None;
        }
    }
    if let Some(text) = spec.jwks.as_deref().filter(|_| jwks_given) {
        check_jwks(text)?;
    }
    if let Some(v) = i.jwks_uri {
        spec.jwks_uri = blank_none(v.trim().to_owned());
        if spec.jwks_uri.is_some() && spec.jwks.is_some() && !jwks_given {
            spec.jwks = None;
        }
    }
    if let Some(v) = i.require_pushed_authorization_requests {
        spec.require_par = v;
    }
    if let Some(v) = i.dpop_bound_access_tokens {
        spec.require_dpop = v;
    }
    if let Some(v) = i.id_token_signing_alg {
        spec.id_token_alg = Alg::parse(&v).map_err(|_| AdminError::invalid("id_token_signing_alg", "Use RS256 or ES256."))?;
    }
    if let Some(v) = i.permission_namespaces {
        spec.permission_namespaces = v;
    }
    if let Some(v) = i.body_id {
        spec.body_id = blank_none(v);
    }
    if let Some(v) = i.id_token_claims {
        spec.id_token_claims = v;
    }
    if let Some(v) = i.access_token_audience {
        spec.access_token_audience = blank_none(v);
    }
    if let Some(v) = i.first_party {
        spec.first_party = v;
    }
    if let Some(v) = i.require_pkce {
        spec.require_pkce = v;
    }
    if let Some(v) = i.require_mfa {
        spec.require_mfa = v;
        // Turning 2FA off turns the passkey requirement off with it, unless both are given.
        spec.require_phr &= v;
    }
    if let Some(v) = i.require_phr {
        spec.require_phr = v;
    }
    spec.require_mfa |= spec.require_phr;
    Ok(spec)
}

/// A pasted JWK set, checked here so that the form shows the problem on its field: above all a
/// private key (`d`, or the RSA primes) or a shared-secret (`oct`) key, which must never be given
/// to Stile.
fn check_jwks(text: &str) -> Result<(), AdminError> {
    let parsed: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| AdminError::invalid("jwks", "The public keys are not JSON: give a JWK set, {\"keys\": [...]}."))?;
    let keys = parsed.get("keys").and_then(serde_json::Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let private = ["d", "p", "q", "dp", "dq", "qi", "oth"];
    if keys.iter().any(|k| private.iter().any(|m| k.get(*m).is_some())) {
        return Err(AdminError::invalid(
            "jwks",
            "The key set holds a private key (it has a \"d\" member). Paste only the app's public keys, and treat that private key as exposed: make a new one.",
        ));
    }
    if keys.iter().any(|k| k.get("kty").and_then(serde_json::Value::as_str) == Some("oct") || k.get("k").is_some()) {
        return Err(AdminError::invalid(
            "jwks",
            "The key set holds a shared-secret (oct) key. private_key_jwt needs the app's public RSA or P-256 keys; for a shared secret use client_secret_basic.",
        ));
    }
    crate::jose::JwkSet::parse(text, true).map_err(|e| AdminError::invalid("jwks", format!("The public keys cannot be used: {e}.")))?;
    Ok(())
}

async fn superuser(state: &AppState, actor: &AdminActor, action: &str, id: &str) -> Result<(), AdminError> {
    let subject = Subject { target_type: "client", target_id: id, body_id: None };
    guard(state, actor, action, &subject, actor.check(Action::ManageClients, None)).await
}

/// [`superuser`], then step-up: these actions mint or expose credentials, or grant rights.
async fn superuser_stepped_up(state: &AppState, actor: &AdminActor, action: &str, id: &str) -> Result<(), AdminError> {
    superuser(state, actor, action, id).await?;
    require_step_up(state, actor, action, &Subject { target_type: "client", target_id: id, body_id: None }).await
}

pub async fn list(state: &AppState, actor: &AdminActor) -> Result<Vec<ClientView>, AdminError> {
    actor.check(Action::ManageClients, None)?;
    let mut out = Vec::new();
    for c in clients::list(&state.db).await? {
        out.push(view(state, c).await?);
    }
    Ok(out)
}

pub async fn show(state: &AppState, actor: &AdminActor, id: &str) -> Result<ClientView, AdminError> {
    actor.check(Action::ManageClients, None)?;
    let c = clients::get(&state.db, id).await?.ok_or(AdminError::NotFound("client"))?;
    view(state, c).await
}

/// Registers a client (step-up first); the audit row is written in the same transaction.
pub async fn create(state: &AppState, actor: &AdminActor, input: ClientInput) -> Result<ClientWithSecret, AdminError> {
    superuser_stepped_up(state, actor, "client.create", input.client_id.as_deref().unwrap_or("")).await?;
    let mut spec = ClientSpec { id: input.client_id.clone(), ..Default::default() };
    spec = apply(spec, input)?;
    let mut tx = state.db.begin().await?;
    let (client, secret) = clients::register(&mut tx, spec, &*state.rng, state.now()).await?;
    let subject = Subject { target_type: "client", target_id: &client.id, body_id: client.body_id.as_deref() };
    audit_ok(&mut tx, state, actor, "client.create", &subject, Some(json!({ "name": client.name }))).await?;
    tx.commit().await.map_err(commit_err)?;
    // Again once committed: a request that read the old state during the transaction cached it.
    crate::store::security_epoch::changed();
    Ok(ClientWithSecret { client: view(state, client).await?, client_secret: secret })
}

/// Changes a client (step-up first: redirect URIs decide where codes go, and a client made
/// confidential gets a secret); the audit row is written in the same transaction.
pub async fn update(state: &AppState, actor: &AdminActor, id: &str, input: ClientInput) -> Result<ClientWithSecret, AdminError> {
    superuser(state, actor, "client.update", id).await?;
    let existing = clients::get(&state.db, id).await?.ok_or(AdminError::NotFound("client"))?;
    require_step_up(state, actor, "client.update", &Subject { target_type: "client", target_id: id, body_id: existing.body_id.as_deref() })
        .await?;
    if input.client_id.as_deref().is_some_and(|c| c != id) {
        return Err(AdminError::invalid("client_id", "A client's id cannot be changed."));
    }
    let spec = apply(existing.to_spec(), input)?;
    let mut tx = state.db.begin().await?;
    let (client, secret) = clients::update(&mut tx, id, spec, &*state.rng, state.now()).await?;
    let subject = Subject { target_type: "client", target_id: id, body_id: client.body_id.as_deref() };
    audit_ok(&mut tx, state, actor, "client.update", &subject, Some(json!({ "new_secret": secret.is_some() }))).await?;
    tx.commit().await.map_err(commit_err)?;
    // Again once committed: a request that read the old state during the transaction cached it.
    crate::store::security_epoch::changed();
    Ok(ClientWithSecret { client: view(state, client).await?, client_secret: secret })
}

/// Gives a confidential client a new secret (step-up first); audited in the same transaction.
pub async fn rotate_secret(state: &AppState, actor: &AdminActor, id: &str) -> Result<ClientWithSecret, AdminError> {
    superuser_stepped_up(state, actor, "client.rotate_secret", id).await?;
    let mut tx = state.db.begin().await?;
    let secret = clients::rotate_secret(&mut tx, id, &*state.rng, state.now()).await?;
    audit_ok(&mut tx, state, actor, "client.rotate_secret", &Subject { target_type: "client", target_id: id, body_id: None }, None).await?;
    tx.commit().await.map_err(commit_err)?;
    // Again once committed: a request that read the old state during the transaction cached it.
    crate::store::security_epoch::changed();
    Ok(ClientWithSecret { client: show(state, actor, id).await?, client_secret: Some(secret) })
}

/// Removes a client; audited in the same transaction.
pub async fn remove(state: &AppState, actor: &AdminActor, id: &str) -> Result<(), AdminError> {
    superuser(state, actor, "client.remove", id).await?;
    let mut tx = state.db.begin().await?;
    clients::remove(&mut tx, id).await?;
    audit_ok(&mut tx, state, actor, "client.remove", &Subject { target_type: "client", target_id: id, body_id: None }, None).await?;
    tx.commit().await.map_err(commit_err)?;
    // Again once committed: a request that read the old state during the transaction cached it.
    crate::store::security_epoch::changed();
    Ok(())
}

/// Sets what a machine client may administer with a `stile:admin` client_credentials token.
/// Granting rights (any level but `none`) needs step-up: a machine client acts without one.
pub async fn set_admin_access(state: &AppState, actor: &AdminActor, id: &str, access: AdminAccess) -> Result<ClientView, AdminError> {
    superuser(state, actor, "client.admin_access", id).await?;
    if access.level != "none" {
        require_step_up(state, actor, "client.admin_access", &Subject { target_type: "client", target_id: id, body_id: None }).await?;
    }
    clients::get(&state.db, id).await?.ok_or(AdminError::NotFound("client"))?;
    let stored = match access.level.as_str() {
        "none" => ClientAdminAccess { admin_access: None, admin_body_id: None, admin_permissions: "[]".into() },
        "superuser" => ClientAdminAccess { admin_access: Some("superuser".into()), admin_body_id: None, admin_permissions: "[]".into() },
        "body" => {
            let body_id =
                access.body_id.clone().ok_or_else(|| AdminError::invalid("body_id", "Choose the organisation the app administers."))?;
            store::bodies::by_id(&state.db, &body_id)
                .await?
                .ok_or_else(|| AdminError::invalid("body_id", "There is no such organisation."))?;
            if let Some(p) = store::roles::unknown_permissions(&state.db, &access.permissions).await?.first() {
                return Err(AdminError::invalid("permissions", format!("{p:?} is not a permission in the catalogue.")));
            }
            ClientAdminAccess {
                admin_access: Some("body".into()),
                admin_body_id: Some(body_id),
                admin_permissions: serde_json::to_string(&access.permissions).map_err(|e| AdminError::Internal(e.to_string()))?,
            }
        }
        _ => return Err(AdminError::invalid("level", "Choose the level of access: none, an organisation's administrator or superuser.")),
    };
    let mut tx = state.db.begin().await?;
    store::clients::set_client_admin_access(&mut tx, id, &stored, state.now()).await?;
    let subject = Subject { target_type: "client", target_id: id, body_id: stored.admin_body_id.as_deref() };
    audit_ok(
        &mut tx,
        state,
        actor,
        "client.admin_access",
        &subject,
        Some(json!({ "level": access.level, "permissions": access.permissions })),
    )
    .await?;
    tx.commit().await.map_err(commit_err)?;
    // Again once committed: a request that read the old state during the transaction cached it.
    crate::store::security_epoch::changed();
    show(state, actor, id).await
}

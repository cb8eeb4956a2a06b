//! SCIM provisioning's writes: a body's directory creating, updating, disabling and deleting its
//! staff and their groups, through the same checks and audit as every other admin action. The
//! SCIM client acts as an administrator of one body ([`ScimActor`]) and sees only that body's
//! members whose address is in one of its email domains; anything else is "not found".
//!
//! Deprovisioning (`active: false`) disables the membership in this body only: its roles stay
//! for re-activation, but it grants nothing and appears in no token. When the account has no
//! other live membership it is disabled too (and enabled again on re-activation, only if it was
//! this directory that disabled it). Either way every session ends, every refresh token is
//! revoked and back-channel logouts go out, in the transaction that writes the change and its
//! audit row.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{LoadedBody, Subject, audit_ok, commit_err, guard, load_body};
use crate::admin::{AdminActor, AdminError, StepUp};
use crate::app::AppState;
use crate::auth::ClientInfo;
use crate::policy::delegation::{self, Action, BodyKind};
use crate::scim::{ScimError, filter};
use crate::secret::{SecretString, ct_eq, random_token, token_hash};
use crate::store::{self, scim::MemberRow};

mod groups;
mod users;

pub use groups::{create_group, delete_group, get_group, list_groups, patch_group, replace_group};
pub use users::{create_user, delete_user, get_user, list_users, patch_user, replace_user};

/// The scope an access token needs for SCIM (client_credentials).
pub const SCIM_SCOPE: &str = "scim";
/// Every SCIM secret starts with this, then the token's id, a dot and the secret.
const SECRET_PREFIX: &str = "scim.";

/// A body's directory, acting with a body administrator's rights in that body only.
#[derive(Debug, Clone)]
pub struct ScimActor {
    pub body_id: String,
    pub admin: AdminActor,
}

/// Why a SCIM request was not let in.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("Send the SCIM secret token, or an access token with the scim scope, in the Authorization header: Bearer <token>.")]
    Missing,
    #[error("The token is not valid: it may have been revoked or have expired.")]
    Invalid,
    #[error("The access token does not carry the scim scope.")]
    InsufficientScope,
    #[error(transparent)]
    Admin(#[from] AdminError),
}

impl From<store::StoreError> for AuthError {
    fn from(e: store::StoreError) -> Self {
        AuthError::Admin(AdminError::Store(e))
    }
}

/// The administrator permissions a SCIM client of a body of this kind acts with: enough to add,
/// edit and remove ordinary members, never to make administrators.
pub fn permissions_for(kind: BodyKind) -> Vec<String> {
    let p: &[&str] = match kind {
        BodyKind::Council | BodyKind::Other => &["fms:user_manage_permissions"],
        BodyKind::Promoter => &["sm:admin_planner_users"],
        BodyKind::HighwayAuthority => &["sm:admin_planner_users", "sm:admin_ha_users"],
        BodyKind::Contractor => &["sm:admin_contractor_users"],
    };
    p.iter().map(|s| (*s).to_owned()).collect()
}

/// The actor behind a request's bearer token: a body's SCIM secret, or an access token from
/// client_credentials with the `scim` scope whose client holds a body administrator's rights.
pub async fn authenticate(state: &AppState, bearer: &str, from: ClientInfo) -> Result<ScimActor, AuthError> {
    if let Some(rest) = bearer.strip_prefix(SECRET_PREFIX) {
        let (id, _) = rest.split_once('.').ok_or(AuthError::Invalid)?;
        let row = store::scim::token(&state.db, id).await?.ok_or(AuthError::Invalid)?;
        if !ct_eq(token_hash(bearer).as_bytes(), row.secret_hash.as_bytes()) || row.revoked_at.is_some() {
            return Err(AuthError::Invalid);
        }
        let body = store::bodies::by_id(&state.db, &row.body_id).await?.ok_or(AuthError::Invalid)?;
        let permissions: BTreeSet<String> = store::parse_json_list(&row.permissions)?.into_iter().collect();
        store::scim::touch_token(&state.db, &row.id, state.now()).await?;
        let policy = delegation::Actor {
            superuser: false,
            memberships: vec![delegation::Membership {
                body_id: row.body_id.clone(),
                body_kind: body.kind,
                active: body.status.is_active(),
                permissions,
            }],
        };
        let admin = AdminActor { user: None, client_id: Some(format!("scim-token:{}", row.id)), policy, from, step_up: StepUp::Exempt };
        return Ok(ScimActor { body_id: row.body_id, admin });
    }
    let claims = crate::tokens::grants::access_token_claims(state, bearer).await.map_err(AdminError::from)?.ok_or(AuthError::Invalid)?;
    let s = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_owned);
    let client_id = s("client_id").ok_or(AuthError::Invalid)?;
    // Only a machine client's own token: a person's token is not a directory.
    if s("sub").as_deref() != Some(client_id.as_str()) {
        return Err(AuthError::Invalid);
    }
    let issuer = state.settings.issuer();
    let auds = [format!("{issuer}/scim/v2"), format!("{issuer}/api/v1"), client_id.clone()];
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => auds.contains(a),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(|a| auds.iter().any(|x| x == a)),
        _ => false,
    };
    if !aud_ok {
        return Err(AuthError::Invalid);
    }
    if !s("scope").unwrap_or_default().split(' ').any(|x| x == SCIM_SCOPE) {
        return Err(AuthError::InsufficientScope);
    }
    let access = store::clients::client_admin_access(&state.db, &client_id).await?.ok_or(AuthError::Invalid)?;
    let body_id = match (access.admin_access.as_deref(), access.admin_body_id) {
        (Some("body"), Some(b)) => b,
        _ => {
            return Err(AuthError::Admin(AdminError::Forbidden(
                "A SCIM client acts for one organisation: a superuser gives it an organisation administrator's rights (admin access \"body\")."
                    .into(),
            )));
        }
    };
    let admin = AdminActor::for_client(state, &client_id, from).await?;
    Ok(ScimActor { body_id, admin })
}

// ---------------------------------------------------------------------------------------------
// Administration of a body's SCIM secrets and its sync status.

/// A SCIM secret as administrators see it (never the secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenView {
    pub id: String,
    pub body_id: String,
    pub label: String,
    pub permissions: Vec<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl TokenView {
    fn of(r: store::scim::TokenRow) -> Result<Self, AdminError> {
        Ok(TokenView {
            permissions: store::parse_json_list(&r.permissions)?,
            id: r.id,
            body_id: r.body_id,
            label: r.label,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

/// A new secret: shown this once.
#[derive(Debug)]
pub struct NewToken {
    pub token: TokenView,
    pub secret: SecretString,
}

/// What the body page shows of provisioning.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Overview {
    pub tokens: Vec<TokenView>,
    pub last_sync_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub users: i64,
    pub disabled_users: i64,
    pub groups: i64,
}

/// Who may see and manage a body's SCIM set-up: a superuser, or an administrator of the body
/// holding every permission a SCIM client of it acts with (nobody hands out rights they lack).
fn check_manage(actor: &AdminActor, body: &LoadedBody) -> Result<(), AdminError> {
    actor.check(Action::ViewMembers, Some(&body.target()))?;
    let perms: BTreeSet<String> = permissions_for(body.kind).into_iter().collect();
    delegation::check_grant(&actor.policy, &body.target(), &perms).map_err(AdminError::from)
}

pub async fn overview(state: &AppState, actor: &AdminActor, body_id: &str) -> Result<Overview, AdminError> {
    let body = load_body(state, body_id).await?;
    actor.check(Action::ViewMembers, Some(&body.target()))?;
    let tokens = store::scim::tokens_of_body(&state.db, body_id).await?.into_iter().map(TokenView::of).collect::<Result<Vec<_>, _>>()?;
    let status = store::scim::status(&state.db, body_id).await?;
    let (users, disabled_users, groups) = store::scim::counts(&state.db, body_id).await?;
    Ok(Overview {
        tokens,
        last_sync_at: status.last_sync_at,
        last_error: status.last_error,
        last_error_at: status.last_error_at,
        users,
        disabled_users,
        groups,
    })
}

/// Makes a SCIM secret for a body; a person needs a recent second factor (step-up).
pub async fn create_token(state: &AppState, actor: &AdminActor, body_id: &str, label: &str) -> Result<NewToken, AdminError> {
    let body = load_body(state, body_id).await?;
    let subject = Subject { target_type: "body", target_id: body_id, body_id: Some(body_id) };
    guard(state, actor, "scim.token.create", &subject, check_manage(actor, &body)).await?;
    super::require_step_up(state, actor, "scim.token.create", &subject).await?;
    let label = label.trim();
    if label.chars().count() > 100 || label.chars().any(char::is_control) {
        return Err(AdminError::invalid("label", "A label must be at most 100 characters, without control characters."));
    }
    let now = state.now();
    let id = store::new_id(now, &*state.rng);
    let secret = SecretString::new(format!("{SECRET_PREFIX}{id}.{}", random_token(&*state.rng).expose()));
    let permissions = permissions_for(body.kind);
    let mut tx = state.db.begin().await?;
    store::scim::insert_token(
        &mut tx,
        &store::scim::NewToken { id: &id, body_id, label, secret_hash: &token_hash(secret.expose()), permissions: &permissions },
        now,
    )
    .await?;
    audit_ok(&mut tx, state, actor, "scim.token.create", &subject, Some(json!({ "token_id": id, "label": label }))).await?;
    tx.commit().await.map_err(commit_err)?;
    let row = store::scim::token(&state.db, &id).await?.ok_or(AdminError::NotFound("SCIM token"))?;
    Ok(NewToken { token: TokenView::of(row)?, secret })
}

/// Revokes a SCIM secret: its next request is refused.
pub async fn revoke_token(state: &AppState, actor: &AdminActor, token_id: &str) -> Result<TokenView, AdminError> {
    let row = store::scim::token(&state.db, token_id).await?.ok_or(AdminError::NotFound("SCIM token"))?;
    let body = load_body(state, &row.body_id).await?;
    let subject = Subject { target_type: "body", target_id: &row.body_id, body_id: Some(&row.body_id) };
    let check = actor.check(Action::ViewMembers, Some(&body.target()));
    if let Err(AdminError::Forbidden(_)) = &check
        && actor.administered_bodies().is_some_and(|b| !b.contains(&row.body_id))
    {
        // Not another body's business whether the token exists.
        return Err(AdminError::NotFound("SCIM token"));
    }
    guard(state, actor, "scim.token.revoke", &subject, check).await?;
    let mut tx = state.db.begin().await?;
    if !store::scim::revoke_token(&mut tx, token_id, state.now()).await? {
        return Err(AdminError::Conflict("This SCIM token is already revoked.".into()));
    }
    audit_ok(&mut tx, state, actor, "scim.token.revoke", &subject, Some(json!({ "token_id": token_id }))).await?;
    tx.commit().await.map_err(commit_err)?;
    let row = store::scim::token(&state.db, token_id).await?.ok_or(AdminError::NotFound("SCIM token"))?;
    TokenView::of(row)
}

/// Notes a failed SCIM request on the body page (not a missing resource: directories look
/// users up before creating them).
pub async fn record_error(state: &AppState, body_id: &str, e: &ScimError) {
    if e.status == 404 {
        return;
    }
    let text = match e.scim_type {
        Some(t) => format!("{} {t}: {}", e.status, e.detail),
        None => format!("{}: {}", e.status, e.detail),
    };
    let text: String = text.chars().take(500).collect();
    if let Err(err) = store::scim::record_error(&state.db, body_id, &text, state.now()).await {
        tracing::warn!(error = %err, "cannot record a SCIM error");
    }
}

// ---------------------------------------------------------------------------------------------
// Errors.

impl From<AdminError> for ScimError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Forbidden(m) => ScimError::forbidden(m),
            AdminError::StepUpRequired { .. } => ScimError::forbidden("This action needs a person's second factor."),
            AdminError::NotFound(what) => ScimError::not_found(what),
            AdminError::Invalid { message, .. } => ScimError::bad_request("invalidValue", message),
            AdminError::Conflict(m) => ScimError::conflict(m),
            AdminError::Store(store::StoreError::Conflict(what)) => ScimError::conflict(format!("{what} already exists.")),
            AdminError::Store(store::StoreError::NotFound(what)) => ScimError::not_found(what),
            AdminError::Store(store::StoreError::Unavailable(_)) => {
                ScimError::new(503, None, "The service is temporarily unavailable. Try again in a moment.")
            }
            other => {
                tracing::error!(error = %crate::error::error_chain(&other), "SCIM request failed");
                ScimError::new(500, None, "Something went wrong on our side. Try again in a moment.")
            }
        }
    }
}

impl From<store::StoreError> for ScimError {
    fn from(e: store::StoreError) -> Self {
        ScimError::from(AdminError::Store(e))
    }
}

// ---------------------------------------------------------------------------------------------
// What users and groups share.

/// The SCIM base URL, for `meta.location` and `$ref`.
pub fn base_url(state: &AppState) -> String {
    format!("{}/scim/v2", state.settings.issuer())
}

fn domain_of(email: &str) -> &str {
    email.rsplit_once('@').map_or("", |(_, d)| d)
}

/// The body, once the actor may act in it (a suspended body's directory is refused).
async fn scoped_body(state: &AppState, sa: &ScimActor) -> Result<(LoadedBody, Vec<String>), ScimError> {
    let body = load_body(state, &sa.body_id).await?;
    sa.admin.check(Action::ViewMembers, Some(&body.target()))?;
    let domains = store::bodies::domains(&state.db, &sa.body_id).await?;
    Ok((body, domains))
}

/// A member the directory may see: in the body, not removed, with an address in its domains.
async fn load_member(state: &AppState, sa: &ScimActor, domains: &[String], id: &str) -> Result<MemberRow, ScimError> {
    store::scim::member(&state.db, &sa.body_id, id)
        .await?
        .filter(|m| domains.iter().any(|d| d == domain_of(&m.email)))
        .ok_or_else(|| ScimError::not_found("user"))
}

fn parse_filter(f: Option<&str>) -> Result<Option<filter::Filter>, ScimError> {
    f.map(str::trim).filter(|f| !f.is_empty()).map(filter::parse).transpose().map_err(|e| ScimError::bad_request("invalidFilter", e.0))
}

fn check_if_match(if_match: Option<&str>, current: &str) -> Result<(), ScimError> {
    match if_match.map(str::trim) {
        None | Some("*") => Ok(()),
        Some(tags) if tags.split(',').any(|t| t.trim() == current) => Ok(()),
        Some(_) => Err(ScimError::new(412, None, "The resource has changed since it was read (If-Match).")),
    }
}

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

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::memberships::MembershipInput;
use super::{LoadedBody, Subject, audit_ok, commit_err, guard, holding_of, load_body};
use crate::admin::{AdminActor, AdminError, StepUp};
use crate::app::AppState;
use crate::auth::ClientInfo;
use crate::email::Email;
use crate::logout::{self, Which};
use crate::policy::delegation::{self, Action, BodyKind};
use crate::scim::group::GroupInput;
use crate::scim::user::UserInput;
use crate::scim::{self, Paging, ScimError, filter, patch};
use crate::secret::{SecretString, ct_eq, random_token, token_hash};
use crate::store::{self, Tx, scim::MemberRow, users::FlagColumn};

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
// Users.

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

fn attributes_of(m: &MemberRow) -> Map<String, Value> {
    m.attributes.as_deref().and_then(|a| serde_json::from_str::<Map<String, Value>>(a).ok()).unwrap_or_default()
}

/// The version of a member as SCIM sees it: any change to the account, the membership's state or
/// what the directory stored moves it.
fn version_of(m: &MemberRow) -> String {
    format!("{}.{}.{}", m.version.unwrap_or(0), m.updated_at, m.membership_disabled_at.unwrap_or(0))
}

fn is_active(m: &MemberRow) -> bool {
    m.membership_disabled_at.is_none() && m.disabled == 0
}

fn render_member(m: &MemberRow, groups: &[(String, String)], base: &str) -> Value {
    let attributes = attributes_of(m);
    scim::user::render(
        &scim::user::UserData {
            id: &m.user_id,
            email: &m.email,
            display_name: &m.name,
            external_id: m.external_id.as_deref(),
            active: is_active(m),
            attributes: &attributes,
            created: m.created_at,
            updated: m.updated_at.max(m.scim_updated_at.unwrap_or(0)),
            version: version_of(m),
            groups,
        },
        base,
    )
}

async fn render_one(state: &AppState, sa: &ScimActor, m: &MemberRow) -> Result<Value, ScimError> {
    let groups: Vec<(String, String)> =
        store::scim::groups_of_user(&state.db, &sa.body_id, &m.user_id).await?.into_iter().map(|(id, name, _)| (id, name)).collect();
    Ok(render_member(m, &groups, &base_url(state)))
}

fn parse_filter(f: Option<&str>) -> Result<Option<filter::Filter>, ScimError> {
    f.map(str::trim).filter(|f| !f.is_empty()).map(filter::parse).transpose().map_err(|e| ScimError::bad_request("invalidFilter", e.0))
}

/// A page of the body's members matching `filter`.
pub async fn list_users(state: &AppState, sa: &ScimActor, filter_text: Option<&str>, paging: Paging) -> Result<Value, ScimError> {
    let f = parse_filter(filter_text)?;
    let (_, domains) = scoped_body(state, sa).await?;
    // What Entra ID and Okta send before every create: answered from an index, not a scan.
    let rows = match f.as_ref().and_then(filter::simple_eq) {
        Some((attr, v)) if attr == "username" => match Email::parse(v) {
            Ok(e) => store::scim::member_by_email(&state.db, &sa.body_id, e.as_str()).await?.into_iter().collect(),
            Err(_) => Vec::new(),
        },
        Some((attr, v)) if attr == "externalid" => store::scim::members_by_external_id(&state.db, &sa.body_id, v).await?,
        _ => store::scim::members(&state.db, &sa.body_id).await?,
    };
    let mut groups: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for g in store::scim::groups(&state.db, &sa.body_id).await? {
        for (user_id, _) in store::scim::group_members(&state.db, &g.id).await? {
            groups.entry(user_id).or_default().push((g.id.clone(), g.display_name.clone()));
        }
    }
    let base = base_url(state);
    let matching: Vec<Value> = rows
        .iter()
        .filter(|m| domains.iter().any(|d| d == domain_of(&m.email)))
        .map(|m| render_member(m, groups.get(&m.user_id).map_or(&[][..], Vec::as_slice), &base))
        .filter(|v| f.as_ref().is_none_or(|f| filter::matches(f, v)))
        .collect();
    Ok(scim::list_response(matching.len(), paging, paging.slice(&matching)))
}

pub async fn get_user(state: &AppState, sa: &ScimActor, id: &str) -> Result<Value, ScimError> {
    let (_, domains) = scoped_body(state, sa).await?;
    let m = load_member(state, sa, &domains, id).await?;
    render_one(state, sa, &m).await
}

fn clean_name(name: &str) -> Result<String, ScimError> {
    let name = name.trim();
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ScimError::bad_request("invalidValue", "displayName must be at most 200 characters, without control characters."));
    }
    Ok(name.to_owned())
}

fn attributes_json(input: &UserInput) -> String {
    serde_json::to_string(&input.attributes).unwrap_or_else(|_| "{}".into())
}

/// An address the directory may use: valid, not banned, in one of the body's own domains and
/// in no domain another body's SSO connection serves.
async fn check_address(state: &AppState, sa: &ScimActor, body: &LoadedBody, user_name: &str) -> Result<Email, ScimError> {
    let email = Email::parse(user_name).map_err(|e| ScimError::bad_request("invalidValue", format!("userName: {e}")))?;
    if crate::auth::abuse::is_banned(state, &email).await.map_err(AdminError::from)? {
        return Err(ScimError::bad_request("invalidValue", "userName: this address or its domain is banned."));
    }
    let owners = super::accounts::Owners::of(&state.db, email.domain()).await?;
    let subject = Subject { target_type: "user", target_id: "", body_id: Some(&body.body.id) };
    let check = crate::policy::accounts::check_new_account(false, Some(&sa.body_id), email.domain(), &owners.of_domain(email.domain()))
        .map_err(AdminError::from);
    guard(state, &sa.admin, "scim.user.create", &subject, check).await?;
    Ok(email)
}

/// Creates a member: a new account, or an existing account with an address in the body's own
/// domain that is not yet a member (its directory is that address's authority).
pub async fn create_user(state: &AppState, sa: &ScimActor, body_json: &Value) -> Result<Value, ScimError> {
    let input = UserInput::parse(body_json)?;
    let (body, _) = scoped_body(state, sa).await?;
    let email = check_address(state, sa, &body, &input.user_name).await?;
    let name = clean_name(&input.display_name)?;
    let now = state.now();
    let existing = store::users::by_email(&state.db, &email).await?;
    if let Some(u) = &existing {
        if store::scim::member(&state.db, &sa.body_id, &u.id).await?.is_some() {
            return Err(ScimError::conflict("A user with this userName already exists."));
        }
        if u.is_superuser() {
            return Err(ScimError::forbidden("This address belongs to a superuser; only a superuser can add them to an organisation."));
        }
    }
    let user_id = existing.as_ref().map_or_else(|| store::new_id(now, &*state.rng), |u| u.id.clone());
    let prepared = super::memberships::prepare_add(state, &sa.admin, &body, &user_id, &MembershipInput::default()).await?;
    let ending = match (&existing, input.active) {
        (Some(u), false) => Some(logout::Ending::read(state, &u.id, Which::All).await?),
        _ => None,
    };
    let mut tx = state.db.begin().await?;
    match &existing {
        None => {
            let new = store::users::NewUser {
                id: &user_id,
                email: &email,
                name: &name,
                email_verified: false,
                password_hash: None,
                superuser: false,
            };
            store::users::insert(&mut tx, &new, now).await?;
            store::users::set_created_for(&mut tx, &user_id, &sa.body_id).await?;
        }
        Some(u) => {
            if u.name != name && !name.is_empty() {
                store::users::set_name_email(&mut tx, &u.id, &name, &u.email, now).await?;
            }
        }
    }
    let membership_id = super::memberships::write_add(&mut tx, state, &sa.admin, &user_id, &prepared).await?;
    store::scim::save_user(&mut tx, &sa.body_id, &user_id, input.external_id.as_deref(), &attributes_json(&input), now).await?;
    let mut ended = None;
    if input.active {
        // A directory that deleted this account here before and now provisions it again.
        if store::scim::disabled_account(&mut tx, &sa.body_id, &user_id).await? {
            store::users::set_flag(&mut tx, &user_id, FlagColumn::Disabled, false, now).await?;
            store::scim::set_disabled_account(&mut tx, &sa.body_id, &user_id, false).await?;
        }
    } else {
        ended = deactivate(&mut tx, state, sa, &user_id, &membership_id, false, ending).await?;
    }
    let subject = Subject { target_type: "user", target_id: &user_id, body_id: Some(&sa.body_id) };
    let details = json!({ "email_domain": email.domain(), "adopted": existing.is_some(), "active": input.active });
    audit_ok(&mut tx, state, &sa.admin, "scim.user.create", &subject, Some(details)).await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    if let Some(e) = ended {
        e.notify(state);
    }
    let m = store::scim::member(&state.db, &sa.body_id, &user_id).await?.ok_or_else(|| ScimError::not_found("user"))?;
    render_one(state, sa, &m).await
}

/// Disables a membership (and the account, when it has no other live membership), inside `tx`;
/// `ending` (read before the transaction) ends the sessions and revokes the refresh tokens.
async fn deactivate(
    tx: &mut Tx,
    state: &AppState,
    sa: &ScimActor,
    user_id: &str,
    membership_id: &str,
    superuser: bool,
    ending: Option<logout::Ending>,
) -> Result<Option<logout::Ended>, ScimError> {
    let now = state.now();
    store::scim::set_membership_disabled(&mut *tx, membership_id, Some(now)).await?;
    disable_account_if_alone(tx, state, sa, user_id, superuser).await?;
    Ok(match ending {
        Some(e) => Some(e.write_on(state, tx).await?),
        None => None,
    })
}

/// An account whose only live membership was this body's is disabled with it (and marked, so
/// re-activation enables it again); one that belongs to other bodies keeps them.
async fn disable_account_if_alone(tx: &mut Tx, state: &AppState, sa: &ScimActor, user_id: &str, superuser: bool) -> Result<(), ScimError> {
    if superuser || store::scim::other_live_memberships(&mut *tx, user_id, &sa.body_id).await? > 0 {
        return Ok(());
    }
    let already: i64 = store::users::live_by_id(&mut *tx, user_id).await?.map_or(1, |u| u.disabled);
    if already == 0 {
        store::users::set_flag(&mut *tx, user_id, FlagColumn::Disabled, true, state.now()).await?;
        store::scim::set_disabled_account(&mut *tx, &sa.body_id, user_id, true).await?;
    }
    Ok(())
}

fn check_if_match(if_match: Option<&str>, current: &str) -> Result<(), ScimError> {
    match if_match.map(str::trim) {
        None | Some("*") => Ok(()),
        Some(tags) if tags.split(',').any(|t| t.trim() == current) => Ok(()),
        Some(_) => Err(ScimError::new(412, None, "The resource has changed since it was read (If-Match).")),
    }
}

/// PUT: the resource becomes `body_json`.
pub async fn replace_user(
    state: &AppState,
    sa: &ScimActor,
    id: &str,
    body_json: &Value,
    if_match: Option<&str>,
) -> Result<Value, ScimError> {
    let (body, domains) = scoped_body(state, sa).await?;
    let m = load_member(state, sa, &domains, id).await?;
    check_if_match(if_match, &scim::etag(&version_of(&m)))?;
    let input = UserInput::parse(body_json)?;
    apply_user(state, sa, &body, &domains, m, input, "scim.user.replace").await
}

/// PATCH: the operations are applied to the resource as it is rendered, and the result stored
/// as by PUT.
pub async fn patch_user(state: &AppState, sa: &ScimActor, id: &str, body_json: &Value, if_match: Option<&str>) -> Result<Value, ScimError> {
    let ops = patch::parse_request(body_json)?;
    let (body, domains) = scoped_body(state, sa).await?;
    let m = load_member(state, sa, &domains, id).await?;
    check_if_match(if_match, &scim::etag(&version_of(&m)))?;
    let mut resource = render_one(state, sa, &m).await?;
    patch::apply(&mut resource, &ops)?;
    let input = UserInput::parse(&resource)?;
    apply_user(state, sa, &body, &domains, m, input, "scim.user.update").await
}

async fn apply_user(
    state: &AppState,
    sa: &ScimActor,
    body: &LoadedBody,
    domains: &[String],
    m: MemberRow,
    input: UserInput,
    action: &str,
) -> Result<Value, ScimError> {
    let subject = Subject { target_type: "user", target_id: &m.user_id, body_id: Some(&sa.body_id) };
    let membership = store::memberships::by_id(&state.db, &m.membership_id).await?.ok_or_else(|| ScimError::not_found("user"))?;
    let kind = holding_of(state, &membership).await?.kind(body.kind);
    let mut check = sa.admin.check(Action::EditUser(kind), Some(&body.target()));
    if check.is_ok() && m.superuser != 0 {
        check = Err(AdminError::Forbidden("Only a superuser can change a superuser's account.".into()));
    }
    guard(state, &sa.admin, action, &subject, check).await?;
    let name = clean_name(&input.display_name)?;
    let email = Email::parse(&input.user_name).map_err(|e| ScimError::bad_request("invalidValue", format!("userName: {e}")))?;
    let email_changes = email.as_str() != m.email;
    if email_changes {
        if !domains.iter().any(|d| d == email.domain()) {
            let e = AdminError::Forbidden(format!("userName must be an address in one of {}'s email domains.", body.body.name));
            guard(state, &sa.admin, action, &subject, Err(e)).await?;
        }
        check_address(state, sa, body, email.as_str()).await?;
        if store::memberships::of_user(&state.db, &m.user_id).await?.len() > 1 {
            let e = AdminError::Forbidden(
                "This account also belongs to another organisation, so its address cannot be changed from here; a superuser can change it."
                    .into(),
            );
            guard(state, &sa.admin, action, &subject, Err(e)).await?;
        }
    }
    let was_active = m.membership_disabled_at.is_none();
    let deactivating = was_active && !input.active;
    let reactivating = !was_active && input.active;
    let ending = if deactivating { Some(logout::Ending::read(state, &m.user_id, Which::All).await?) } else { None };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if email_changes || name != m.name {
        store::users::set_name_email(&mut tx, &m.user_id, &name, email.as_str(), now).await?;
    }
    store::scim::save_user(&mut tx, &sa.body_id, &m.user_id, input.external_id.as_deref(), &attributes_json(&input), now).await?;
    let mut ended = None;
    if deactivating {
        ended = deactivate(&mut tx, state, sa, &m.user_id, &m.membership_id, m.superuser != 0, ending).await?;
    } else if reactivating {
        store::scim::set_membership_disabled(&mut tx, &m.membership_id, None).await?;
    }
    if input.active && store::scim::disabled_account(&mut tx, &sa.body_id, &m.user_id).await? {
        store::users::set_flag(&mut tx, &m.user_id, FlagColumn::Disabled, false, now).await?;
        store::scim::set_disabled_account(&mut tx, &sa.body_id, &m.user_id, false).await?;
    }
    store::fault_point(&state.db, &mut tx, "scim_user:written").await?;
    let details = json!({
        "name_changed": name != m.name,
        "email_changed": email_changes,
        "active": input.active,
        "deactivated": deactivating,
        "reactivated": reactivating,
    });
    let action = if deactivating {
        "scim.user.deactivate"
    } else if reactivating {
        "scim.user.reactivate"
    } else {
        action
    };
    audit_ok(&mut tx, state, &sa.admin, action, &subject, Some(details)).await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    if let Some(e) = ended {
        e.notify(state);
    }
    let m = store::scim::member(&state.db, &sa.body_id, &m.user_id).await?.ok_or_else(|| ScimError::not_found("user"))?;
    render_one(state, sa, &m).await
}

/// DELETE: the account leaves the body (its roles and groups there go), its sessions end and
/// its refresh tokens are revoked; an account in no other body is disabled. The directory can
/// provision it again later (POST), which enables it.
pub async fn delete_user(state: &AppState, sa: &ScimActor, id: &str) -> Result<(), ScimError> {
    let (body, domains) = scoped_body(state, sa).await?;
    let m = load_member(state, sa, &domains, id).await?;
    let subject = Subject { target_type: "user", target_id: &m.user_id, body_id: Some(&sa.body_id) };
    let membership = store::memberships::by_id(&state.db, &m.membership_id).await?.ok_or_else(|| ScimError::not_found("user"))?;
    let kind = holding_of(state, &membership).await?.kind(body.kind);
    let mut check = sa.admin.check(Action::RemoveUser(kind), Some(&body.target()));
    if check.is_ok() && m.superuser != 0 {
        check = Err(AdminError::Forbidden("Only a superuser can change a superuser's account.".into()));
    }
    guard(state, &sa.admin, "scim.user.delete", &subject, check).await?;
    let ending = logout::Ending::read(state, &m.user_id, Which::All).await?;
    let now = state.now();
    let attributes = m.attributes.clone().unwrap_or_else(|| "{}".into());
    let mut tx = state.db.begin().await?;
    store::scim::save_user(&mut tx, &sa.body_id, &m.user_id, m.external_id.as_deref(), &attributes, now).await?;
    store::scim::leave_groups(&mut tx, &sa.body_id, &m.user_id).await?;
    store::memberships::delete(&mut tx, &m.membership_id).await?;
    disable_account_if_alone(&mut tx, state, sa, &m.user_id, m.superuser != 0).await?;
    let ended = ending.write_on(state, &mut tx).await?;
    store::fault_point(&state.db, &mut tx, "scim_user:written").await?;
    audit_ok(&mut tx, state, &sa.admin, "scim.user.delete", &subject, Some(json!({ "membership_id": m.membership_id }))).await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    ended.notify(state);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Groups.

async fn render_group(state: &AppState, g: &store::scim::GroupRow) -> Result<Value, ScimError> {
    let members = store::scim::group_members(&state.db, &g.id).await?;
    Ok(scim::group::render(
        &scim::group::GroupData {
            id: &g.id,
            display_name: &g.display_name,
            external_id: g.external_id.as_deref(),
            members: &members,
            created: g.created_at,
            updated: g.updated_at,
            version: g.version,
        },
        &base_url(state),
    ))
}

pub async fn list_groups(
    state: &AppState,
    sa: &ScimActor,
    filter_text: Option<&str>,
    paging: Paging,
    without_members: bool,
) -> Result<Value, ScimError> {
    let f = parse_filter(filter_text)?;
    scoped_body(state, sa).await?;
    let mut matching = Vec::new();
    for g in store::scim::groups(&state.db, &sa.body_id).await? {
        let mut v = render_group(state, &g).await?;
        if f.as_ref().is_none_or(|f| filter::matches(f, &v)) {
            if without_members && let Some(o) = v.as_object_mut() {
                o.remove("members");
            }
            matching.push(v);
        }
    }
    Ok(scim::list_response(matching.len(), paging, paging.slice(&matching)))
}

async fn load_group(state: &AppState, sa: &ScimActor, id: &str) -> Result<store::scim::GroupRow, ScimError> {
    store::scim::group(&state.db, &sa.body_id, id).await?.ok_or_else(|| ScimError::not_found("group"))
}

pub async fn get_group(state: &AppState, sa: &ScimActor, id: &str) -> Result<Value, ScimError> {
    scoped_body(state, sa).await?;
    let g = load_group(state, sa, id).await?;
    render_group(state, &g).await
}

/// The members a group may hold: the directory's own users (members of the body in its
/// domains), each of a kind the actor may edit.
async fn check_members(
    state: &AppState,
    sa: &ScimActor,
    body: &LoadedBody,
    domains: &[String],
    ids: &BTreeSet<String>,
    action: &str,
) -> Result<BTreeMap<String, String>, ScimError> {
    let mut memberships = BTreeMap::new();
    for id in ids {
        let Ok(m) = load_member(state, sa, domains, id).await else {
            return Err(ScimError::bad_request("invalidValue", format!("There is no user {id:?} in this organisation.")));
        };
        let membership = store::memberships::by_id(&state.db, &m.membership_id).await?.ok_or_else(|| ScimError::not_found("user"))?;
        let kind = holding_of(state, &membership).await?.kind(body.kind);
        let subject = Subject { target_type: "user", target_id: id, body_id: Some(&sa.body_id) };
        guard(state, &sa.admin, action, &subject, sa.admin.check(Action::EditUser(kind), Some(&body.target()))).await?;
        memberships.insert(id.clone(), m.membership_id);
    }
    Ok(memberships)
}

/// The body's SSO connections, whose group → role mappings apply to its SCIM groups.
async fn mappings(state: &AppState, body_id: &str) -> Result<Vec<crate::connection::Connection>, ScimError> {
    let mut out = Vec::new();
    for id in store::scim::connection_ids_of_body(&state.db, body_id).await? {
        if let Some(c) = store::connections::get(&state.db, &id).await? {
            out.push(c);
        }
    }
    Ok(out)
}

/// Makes each member's mapped roles those their groups (by display name or external id) map
/// to; roles no mapping manages, granted by an administrator, are left alone.
async fn sync_roles(
    tx: &mut Tx,
    sa: &ScimActor,
    connections: &[crate::connection::Connection],
    memberships: &BTreeMap<String, String>,
) -> Result<Vec<Value>, ScimError> {
    let mut changes = Vec::new();
    if connections.is_empty() {
        return Ok(changes);
    }
    for (user_id, membership_id) in memberships {
        let mut names = Vec::new();
        for (_, name, external) in store::scim::groups_of_user(&mut *tx, &sa.body_id, user_id).await? {
            names.push(name);
            names.extend(external);
        }
        let mut wanted = BTreeSet::new();
        let mut managed = BTreeSet::new();
        for c in connections {
            let (w, m) = c.mapped_roles(&names);
            wanted.extend(w);
            managed.extend(m);
        }
        let held: BTreeSet<String> = store::scim::membership_roles(&mut *tx, membership_id).await?.into_iter().collect();
        for role in &managed {
            if wanted.contains(role) && !held.contains(role) {
                store::memberships::add_role(&mut *tx, membership_id, role).await?;
                changes.push(json!({ "user_id": user_id, "added": role }));
            } else if !wanted.contains(role) && held.contains(role) {
                store::scim::remove_role(&mut *tx, membership_id, role).await?;
                changes.push(json!({ "user_id": user_id, "removed": role }));
            }
        }
    }
    Ok(changes)
}

pub async fn create_group(state: &AppState, sa: &ScimActor, body_json: &Value) -> Result<Value, ScimError> {
    let input = GroupInput::parse(body_json)?;
    let (body, domains) = scoped_body(state, sa).await?;
    let ids: BTreeSet<String> = input.members.iter().cloned().collect();
    let memberships = check_members(state, sa, &body, &domains, &ids, "scim.group.create").await?;
    let connections = mappings(state, &sa.body_id).await?;
    let now = state.now();
    let id = store::new_id(now, &*state.rng);
    let mut tx = state.db.begin().await?;
    store::scim::insert_group(&mut tx, &id, &sa.body_id, &input.display_name, input.external_id.as_deref(), now).await?;
    store::scim::replace_group_members(&mut tx, &id, &input.members).await?;
    let roles = sync_roles(&mut tx, sa, &connections, &memberships).await?;
    let subject = Subject { target_type: "scim_group", target_id: &id, body_id: Some(&sa.body_id) };
    let details = json!({ "display_name": input.display_name, "members": input.members.len(), "roles": roles });
    audit_ok(&mut tx, state, &sa.admin, "scim.group.create", &subject, Some(details)).await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    get_group(state, sa, &id).await
}

pub async fn replace_group(
    state: &AppState,
    sa: &ScimActor,
    id: &str,
    body_json: &Value,
    if_match: Option<&str>,
) -> Result<Value, ScimError> {
    let input = GroupInput::parse(body_json)?;
    write_group(state, sa, id, input, if_match).await
}

pub async fn patch_group(
    state: &AppState,
    sa: &ScimActor,
    id: &str,
    body_json: &Value,
    if_match: Option<&str>,
) -> Result<Value, ScimError> {
    let ops = patch::parse_request(body_json)?;
    scoped_body(state, sa).await?;
    let g = load_group(state, sa, id).await?;
    let mut resource = render_group(state, &g).await?;
    patch::apply(&mut resource, &ops)?;
    let input = GroupInput::parse(&resource)?;
    write_group(state, sa, id, input, if_match).await
}

async fn write_group(state: &AppState, sa: &ScimActor, id: &str, input: GroupInput, if_match: Option<&str>) -> Result<Value, ScimError> {
    let (body, domains) = scoped_body(state, sa).await?;
    let g = load_group(state, sa, id).await?;
    check_if_match(if_match, &scim::etag(&g.version.to_string()))?;
    let before: BTreeSet<String> = store::scim::group_members(&state.db, id).await?.into_iter().map(|(u, _)| u).collect();
    let after: BTreeSet<String> = input.members.iter().cloned().collect();
    // Members leaving may have left the body meanwhile: only those still in it are synced.
    let mut affected: BTreeSet<String> = after.clone();
    for u in before.symmetric_difference(&after) {
        if load_member(state, sa, &domains, u).await.is_ok() {
            affected.insert(u.clone());
        }
    }
    let memberships = check_members(state, sa, &body, &domains, &affected, "scim.group.update").await?;
    let connections = mappings(state, &sa.body_id).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::scim::update_group(&mut tx, id, &input.display_name, input.external_id.as_deref(), now).await?;
    store::scim::replace_group_members(&mut tx, id, &input.members).await?;
    let roles = sync_roles(&mut tx, sa, &connections, &memberships).await?;
    let subject = Subject { target_type: "scim_group", target_id: id, body_id: Some(&sa.body_id) };
    let details = json!({
        "display_name": input.display_name,
        "added": after.difference(&before).count(),
        "removed": before.difference(&after).count(),
        "roles": roles,
    });
    audit_ok(&mut tx, state, &sa.admin, "scim.group.update", &subject, Some(details)).await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    get_group(state, sa, id).await
}

pub async fn delete_group(state: &AppState, sa: &ScimActor, id: &str) -> Result<(), ScimError> {
    let (body, domains) = scoped_body(state, sa).await?;
    let g = load_group(state, sa, id).await?;
    let mut affected = BTreeSet::new();
    for (u, _) in store::scim::group_members(&state.db, id).await? {
        if load_member(state, sa, &domains, &u).await.is_ok() {
            affected.insert(u);
        }
    }
    let memberships = check_members(state, sa, &body, &domains, &affected, "scim.group.delete").await?;
    let connections = mappings(state, &sa.body_id).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    store::scim::delete_group(&mut tx, &g.id).await?;
    let roles = sync_roles(&mut tx, sa, &connections, &memberships).await?;
    let subject = Subject { target_type: "scim_group", target_id: id, body_id: Some(&sa.body_id) };
    audit_ok(&mut tx, state, &sa.admin, "scim.group.delete", &subject, Some(json!({ "display_name": g.display_name, "roles": roles })))
        .await?;
    store::scim::record_sync(&mut tx, &sa.body_id, now).await?;
    tx.commit().await.map_err(commit_err)?;
    Ok(())
}

//! The service layer: one file per area. See the `admin` module documentation.

pub mod abuse;
pub mod accounts;
pub mod audit_log;
pub mod bodies;
pub mod catalogue;
pub mod clients;
pub mod connections;
pub mod demo;
pub mod export;
pub mod import;
pub mod invitations;
pub mod keys;
pub mod memberships;
pub mod roles;
pub mod scim;
pub mod user_activity;
pub mod user_list;
pub mod users;

use std::collections::BTreeSet;

use serde_json::Value;

use super::{AdminActor, AdminError};
use crate::app::AppState;
use crate::policy::delegation::{Action, BodyKind, MemberKind, Target};
use crate::policy::street_manager::SmRole;
use crate::store::{self, Tx, audit::NewEvent, bodies::BodyRow, memberships::MembershipRow};

/// One page of a listing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Which page to show: 1-based, at most 200 a page.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Default for Paging {
    fn default() -> Self {
        Paging { page: 1, per_page: 50 }
    }
}

impl Paging {
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Self {
        Paging { page: page.unwrap_or(1).max(1), per_page: per_page.unwrap_or(50).clamp(1, 200) }
    }
    fn offset(self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// What an audit row says an admin action was about.
pub(crate) struct Subject<'a> {
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub body_id: Option<&'a str>,
}

fn event<'a>(actor: &'a AdminActor, action: &'a str, s: &Subject<'a>, outcome: &'a str, details: Option<Value>) -> NewEvent<'a> {
    NewEvent {
        actor_user_id: actor.user_id(),
        actor_client_id: actor.client_id.as_deref(),
        action,
        target_type: s.target_type,
        target_id: s.target_id,
        body_id: s.body_id,
        ip: &actor.from.ip,
        user_agent: &actor.from.user_agent,
        outcome,
        details,
    }
}

/// Audits a successful change inside its transaction.
pub(crate) async fn audit_ok(
    tx: &mut Tx,
    state: &AppState,
    actor: &AdminActor,
    action: &str,
    s: &Subject<'_>,
    details: Option<Value>,
) -> Result<(), AdminError> {
    store::audit::insert(&mut *tx, &event(actor, action, s, "success", details), state.now()).await?;
    crate::admin::idempotency::record_effect(tx, s.target_type, s.target_id).await?;
    Ok(())
}

/// Audits an action that changes nothing (or that is done by another module).
pub(crate) async fn audit_now(
    state: &AppState,
    actor: &AdminActor,
    action: &str,
    s: &Subject<'_>,
    details: Option<Value>,
) -> Result<(), AdminError> {
    store::audit::insert(&state.db, &event(actor, action, s, "success", details), state.now()).await?;
    Ok(())
}

/// Runs a policy check; a refusal is audited (outcome failure, with the reason) and returned.
pub(crate) async fn guard(
    state: &AppState,
    actor: &AdminActor,
    action: &str,
    s: &Subject<'_>,
    result: Result<(), AdminError>,
) -> Result<(), AdminError> {
    if let Err(AdminError::Forbidden(reason)) = &result {
        let details = serde_json::json!({ "reason": reason });
        store::audit::insert(&state.db, &event(actor, action, s, "failure", Some(details)), state.now()).await?;
    }
    result
}

/// Step-up: refuses a dangerous action unless the acting person entered a second factor (TOTP
/// or recovery code) in their session within `[admin] step_up_secs`. Machine clients acting with
/// stored rights are exempt (granting those rights needs step-up), and so is the operator at the
/// command line ([`AdminActor::cli`]). A refusal is audited (outcome failure). Call it after the
/// policy check, so someone refused anyway is not sent to enter a code first.
pub(crate) async fn require_step_up(state: &AppState, actor: &AdminActor, action: &str, s: &Subject<'_>) -> Result<(), AdminError> {
    let second_factor_at = match actor.step_up {
        crate::admin::StepUp::Exempt => return Ok(()),
        crate::admin::StepUp::Person { second_factor_at } => second_factor_at,
    };
    let now = state.now();
    let window_secs = state.settings.admin.step_up_secs;
    if second_factor_at.is_some_and(|at| at <= now && now - at < window_secs) {
        return Ok(());
    }
    let enrolled = match actor.user_id() {
        Some(id) => crate::auth::mfa::enrolled(state, id).await?,
        None => false,
    };
    let details = serde_json::json!({ "reason": "step_up_required", "enrolled": enrolled });
    store::audit::insert(&state.db, &event(actor, action, s, "failure", Some(details)), now).await?;
    Err(AdminError::StepUpRequired { enrolled, window_secs })
}

/// A body and the principals it works for (if it is a contractor).
pub(crate) struct LoadedBody {
    pub body: BodyRow,
    pub kind: BodyKind,
    pub principals: Vec<String>,
}

impl LoadedBody {
    pub fn target(&self) -> Target<'_> {
        Target { body_id: &self.body.id, body_kind: self.kind, principals: &self.principals }
    }
}

pub(crate) async fn load_body(state: &AppState, body_id: &str) -> Result<LoadedBody, AdminError> {
    let body = store::bodies::by_id(&state.db, body_id).await?.ok_or(AdminError::NotFound("body"))?;
    let kind = body.kind;
    let principals = if kind == BodyKind::Contractor { store::bodies::principals_of(&state.db, body_id).await? } else { Vec::new() };
    Ok(LoadedBody { body, kind, principals })
}

/// What a membership holds, as the policy sees it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Holding {
    pub role_ids: Vec<String>,
    pub sm_roles: Vec<SmRole>,
    pub permissions: BTreeSet<String>,
    pub direct: Vec<String>,
}

impl Holding {
    pub fn kind(&self, body: BodyKind) -> MemberKind {
        MemberKind::classify(body, &self.sm_roles, &self.permissions)
    }

    /// Adds the Street Manager roles its permissions amount to, so the role rules and the
    /// member's kind see direct grants too.
    pub fn with_implied_roles(mut self, body_kind: BodyKind) -> Self {
        for r in crate::policy::street_manager::implied_by_permissions(&self.permissions, body_kind) {
            if !self.sm_roles.contains(&r) {
                self.sm_roles.push(r);
            }
        }
        self
    }
}

/// The holding of an existing membership.
pub(crate) async fn holding_of(state: &AppState, m: &MembershipRow) -> Result<Holding, AdminError> {
    let roles = store::memberships::roles(&state.db, &m.id).await?;
    let detail = store::memberships::detail(&state.db, m).await?;
    Ok(Holding {
        role_ids: roles.iter().map(|r| r.id.clone()).collect(),
        sm_roles: roles.iter().filter_map(|r| SmRole::of_role(r.sm_role.as_deref(), r.template_key.as_deref(), m.body_kind)).collect(),
        permissions: detail.permissions.into_iter().collect(),
        direct: detail.direct_permissions,
    }
    .with_implied_roles(m.body_kind))
}

/// The holding that `role_ids` and `direct` permissions of `body` would give, checking that each
/// role belongs to the body and each permission is in the catalogue.
pub(crate) async fn holding_from(
    state: &AppState,
    body: &LoadedBody,
    role_ids: &[String],
    direct: &[String],
) -> Result<Holding, AdminError> {
    let mut h = Holding { role_ids: role_ids.to_vec(), direct: direct.to_vec(), ..Default::default() };
    for id in role_ids {
        let role = store::roles::by_id(&state.db, id).await?;
        let Some(role) = role.filter(|r| r.body_id.as_deref() == Some(body.body.id.as_str())) else {
            return Err(AdminError::invalid("roles", format!("There is no role {id:?} in {}.", body.body.name)));
        };
        if let Some(r) = SmRole::of_role(role.sm_role.as_deref(), role.template_key.as_deref(), body.body.kind) {
            h.sm_roles.push(r);
        }
        h.permissions.extend(store::roles::permissions(&state.db, id).await?);
    }
    let unknown = store::roles::unknown_permissions(&state.db, direct).await?;
    if let Some(p) = unknown.first() {
        return Err(AdminError::invalid("permissions", format!("{p:?} is not a permission in the catalogue.")));
    }
    h.permissions.extend(direct.iter().cloned());
    Ok(h.with_implied_roles(body.body.kind))
}

/// Street Manager's role-combination rules, as an `Invalid` error on the `roles` field.
pub(crate) fn check_sm_rules(h: &Holding) -> Result<(), AdminError> {
    crate::policy::street_manager::check(&h.sm_roles).map_err(|v| AdminError::invalid("roles", v.to_string()))
}

/// Checks `make(kind)` for every membership of a user; a user in no body the actor administers
/// (or a superuser, unless the actor is one) needs a superuser.
pub(crate) async fn check_on_user(
    state: &AppState,
    actor: &AdminActor,
    user: &store::users::UserRow,
    make: impl Fn(MemberKind) -> Action<'static>,
) -> Result<(), AdminError> {
    if actor.is_superuser() {
        return Ok(());
    }
    if user.is_superuser() {
        return Err(AdminError::Forbidden("Only a superuser can change a superuser's account.".into()));
    }
    let memberships = store::memberships::of_user(&state.db, &user.id).await?;
    if memberships.is_empty() {
        actor.check(Action::ManageAllUsers, None)?;
    }
    let several = memberships.len() > 1;
    for m in &memberships {
        let body = load_body(state, &m.body_id).await?;
        let kind = holding_of(state, m).await?.kind(body.kind);
        actor.check(make(kind), Some(&body.target())).map_err(|e| match e {
            AdminError::Forbidden(reason) if several => {
                AdminError::Forbidden(format!("{} is also a member of {}, and there: {reason}", user.email, body.body.name))
            }
            other => other,
        })?;
    }
    Ok(())
}

pub(crate) fn commit_err(e: sqlx::Error) -> AdminError {
    AdminError::Store(store::StoreError::from(e))
}

/// The permission that makes a member of a FixMyStreet body the manager of its staff.
pub(crate) const STAFF_MANAGER: &str = "fms:user_manage_permissions";

/// Refuses (unless a superuser acts) a change after which a council or other FixMyStreet body
/// would have no enabled member left who manages its staff: the body would be locked out of its
/// own administration until a superuser stepped in. `membership_id` is the membership losing
/// the permission (taken away, removed, or its user disabled or removed). Street Manager bodies
/// need no such check: only superusers change their admins.
pub(crate) async fn keep_a_staff_manager(
    state: &AppState,
    actor: &AdminActor,
    body: &LoadedBody,
    membership_id: &str,
) -> Result<(), AdminError> {
    if actor.is_superuser() || body.kind.is_street_manager() {
        return Ok(());
    }
    let holders = store::memberships::holding_permission(&state.db, &body.body.id, STAFF_MANAGER).await?;
    if holders.iter().all(|h| h == membership_id) && !holders.is_empty() {
        return Err(AdminError::Conflict(format!(
            "{} would have nobody left who manages its staff; give {STAFF_MANAGER} to someone else first.",
            body.body.name
        )));
    }
    Ok(())
}

/// [`keep_a_staff_manager`] for every body of a user who is about to be disabled or removed.
pub(crate) async fn keep_staff_managers_of_user(state: &AppState, actor: &AdminActor, user_id: &str) -> Result<(), AdminError> {
    if actor.is_superuser() {
        return Ok(());
    }
    for m in store::memberships::of_user(&state.db, user_id).await? {
        let body = load_body(state, &m.body_id).await?;
        keep_a_staff_manager(state, actor, &body, &m.id).await?;
    }
    Ok(())
}

/// [`keep_a_staff_manager`] for a role that stops granting the permission (edited or deleted):
/// someone must still hold it directly or through another role.
pub(crate) async fn keep_a_staff_manager_without_role(
    state: &AppState,
    actor: &AdminActor,
    body: &LoadedBody,
    role_id: &str,
) -> Result<(), AdminError> {
    if actor.is_superuser() || body.kind.is_street_manager() {
        return Ok(());
    }
    let holders = store::memberships::holding_permission(&state.db, &body.body.id, STAFF_MANAGER).await?;
    let through_role = store::roles::memberships_with(&state.db, role_id).await?;
    for h in &holders {
        if !through_role.contains(h) {
            return Ok(());
        }
        if let Some(m) = store::memberships::by_id(&state.db, h).await?
            && holding_of(state, &m).await?.direct.iter().any(|p| p == STAFF_MANAGER)
        {
            return Ok(());
        }
        for r in store::memberships::roles(&state.db, h).await? {
            if r.id != role_id && store::roles::permissions(&state.db, &r.id).await?.iter().any(|p| p == STAFF_MANAGER) {
                return Ok(());
            }
        }
    }
    if holders.is_empty() {
        return Ok(());
    }
    Err(AdminError::Conflict(format!(
        "{} would have nobody left who manages its staff; give {STAFF_MANAGER} to someone else first.",
        body.body.name
    )))
}

/// Refuses (unless a superuser acts) to `what` an account that was not created for one of the
/// actor's bodies, as recorded when an administrator created or imported it
/// (`users.created_for_body_id`). Adding an existing account to a body, or its owner accepting an
/// invitation, must not hand the account to the body: such a member can be taken out of the
/// body, but the account stays theirs.
pub(crate) async fn check_account_of_body(
    state: &AppState,
    actor: &AdminActor,
    user: &store::users::UserRow,
    what: &str,
) -> Result<(), AdminError> {
    let Some(bodies) = actor.administered_bodies() else { return Ok(()) };
    if let Some(body) = store::users::created_for(&state.db, &user.id).await?
        && bodies.contains(&body)
    {
        return Ok(());
    }
    Err(AdminError::Forbidden(format!(
        "This account was not created for your organisation, so only a superuser can {what}; you can take the user out of your organisation instead."
    )))
}

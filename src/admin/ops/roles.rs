//! A body's custom roles: named groups of catalogue permissions, made from scratch or from a
//! template, optionally standing for a Street Manager role (`sm_role`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{LoadedBody, Subject, audit_ok, check_sm_rules, commit_err, guard, holding_of, load_body};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::policy::body::BodyKind;
use crate::policy::delegation::{Action, MemberKind};
use crate::policy::mfa::MfaLevel;
use crate::policy::street_manager::SmRole;
use crate::store::{self, roles::RoleSpec};

#[derive(Debug, Clone, Serialize)]
pub struct RoleView {
    pub id: String,
    pub body_id: Option<String>,
    pub name: String,
    pub description: String,
    pub namespace: String,
    pub template_key: Option<String>,
    pub mfa_required: bool,
    /// Its holders must sign in with a passkey (the phishing-resistant level; implies
    /// `mfa_required`).
    pub phishing_resistant: bool,
    /// The Street Manager role it stands for, if any.
    pub sm_role: Option<&'static str>,
    pub permissions: Vec<String>,
}

async fn view(state: &AppState, r: store::roles::Role, body_kind: BodyKind) -> Result<RoleView, AdminError> {
    Ok(RoleView {
        permissions: store::roles::permissions(&state.db, &r.id).await?,
        sm_role: SmRole::of_role(r.sm_role.as_deref(), r.template_key.as_deref(), body_kind).map(SmRole::as_str),
        mfa_required: r.mfa_level().requires_mfa(),
        phishing_resistant: r.mfa_level().requires_phr(),
        id: r.id,
        body_id: r.body_id,
        name: r.name,
        description: r.description,
        namespace: r.namespace,
        template_key: r.template_key,
    })
}

pub async fn list(state: &AppState, actor: &AdminActor, body_id: &str) -> Result<Vec<RoleView>, AdminError> {
    let body = load_body(state, body_id).await?;
    actor.check(Action::ViewMembers, Some(&body.target()))?;
    let mut out = Vec::new();
    for r in store::roles::of_body(&state.db, body_id).await? {
        out.push(view(state, r, body.body.kind).await?);
    }
    Ok(out)
}

pub async fn show(state: &AppState, actor: &AdminActor, role_id: &str) -> Result<RoleView, AdminError> {
    let role = store::roles::by_id(&state.db, role_id).await?.ok_or(AdminError::NotFound("role"))?;
    let body_id = role.body_id.clone().ok_or(AdminError::NotFound("role"))?;
    let body = load_body(state, &body_id).await?;
    actor.check(Action::ViewMembers, Some(&body.target()))?;
    view(state, role, body.body.kind).await
}

/// A role. With `template`, unset fields come from that role template.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
    pub mfa_required: Option<bool>,
    /// Holders must sign in with a passkey or security key; true implies `mfa_required`.
    pub phishing_resistant: Option<bool>,
    /// Planner, HighwayAuthority, Contractor, DataExport, UI, API, Admin or StreetWorksAdmin;
    /// empty to clear.
    pub sm_role: Option<String>,
    /// A role template key from the catalogue (create only).
    pub template: Option<String>,
}

struct Settled {
    name: String,
    description: String,
    namespace: String,
    permissions: Vec<String>,
    mfa_required: bool,
    phishing_resistant: bool,
    sm_role: Option<String>,
    template_key: Option<String>,
}

async fn settle(state: &AppState, input: &RoleInput, base: Settled) -> Result<Settled, AdminError> {
    let name = input.name.as_deref().map(str::trim).map(str::to_owned).unwrap_or(base.name);
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AdminError::invalid("name", "A role needs a name of at most 100 characters."));
    }
    let description = input.description.clone().unwrap_or(base.description);
    let mut permissions = input.permissions.clone().unwrap_or(base.permissions);
    permissions.sort();
    permissions.dedup();
    if let Some(p) = store::roles::unknown_permissions(&state.db, &permissions).await?.first() {
        return Err(AdminError::invalid("permissions", format!("{p:?} is not a permission in the catalogue.")));
    }
    let namespaces: BTreeSet<&str> = permissions.iter().filter_map(|p| p.split_once(':').map(|(ns, _)| ns)).collect();
    let namespace = if namespaces.len() == 1 { namespaces.into_iter().next().unwrap_or_default().to_owned() } else { base.namespace };
    let sm_role = match &input.sm_role {
        Some(s) if s.is_empty() => None,
        Some(s) => {
            let r = SmRole::parse(s).ok_or_else(|| {
                AdminError::invalid(
                    "sm_role",
                    "sm_role must be one of Planner, HighwayAuthority, Contractor, DataExport, UI, API, Admin, StreetWorksAdmin.",
                )
            })?;
            Some(r.as_str().to_owned())
        }
        None => base.sm_role,
    };
    let mfa_required = input.mfa_required.unwrap_or(base.mfa_required);
    // Turning 2FA off turns the passkey requirement off with it, unless both are given.
    let phishing_resistant = input.phishing_resistant.unwrap_or(base.phishing_resistant && mfa_required);
    Ok(Settled {
        name,
        description,
        namespace,
        permissions,
        mfa_required: mfa_required || phishing_resistant,
        phishing_resistant,
        sm_role,
        template_key: base.template_key,
    })
}

fn spec(s: &Settled) -> RoleSpec<'_> {
    RoleSpec {
        name: &s.name,
        description: &s.description,
        namespace: &s.namespace,
        mfa_required: s.mfa_required,
        phishing_resistant: s.phishing_resistant,
        sm_role: s.sm_role.as_deref(),
        template_key: s.template_key.as_deref(),
        permissions: &s.permissions,
    }
}

/// The kinds of member (planner, admin, ...) who hold a role.
async fn holder_kinds(state: &AppState, body: &LoadedBody, role_id: &str) -> Result<Vec<MemberKind>, AdminError> {
    let mut kinds = Vec::new();
    for mid in store::roles::memberships_with(&state.db, role_id).await? {
        if let Some(m) = store::memberships::by_id(&state.db, &mid).await? {
            let kind = holding_of(state, &m).await?.kind(body.kind);
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    Ok(kinds)
}

/// Changing what a role grants changes it for every holder, so it needs the right to set each
/// holder's permissions (an admin's: a superuser's), as a change to their membership would.
async fn check_holders(
    state: &AppState,
    actor: &AdminActor,
    body: &LoadedBody,
    role_id: &str,
    granting: &BTreeSet<String>,
) -> Result<(), AdminError> {
    for kind in holder_kinds(state, body, role_id).await? {
        actor.check(Action::SetPermissions { kind, granting }, Some(&body.target()))?;
    }
    Ok(())
}

/// Tagging a role `Admin` or `StreetWorksAdmin` makes its holders admins: superusers only.
fn admin_tag(sm_role: Option<&str>) -> bool {
    matches!(sm_role, Some("Admin") | Some("StreetWorksAdmin"))
}

pub async fn create(state: &AppState, actor: &AdminActor, body_id: &str, input: RoleInput) -> Result<RoleView, AdminError> {
    let body = load_body(state, body_id).await?;
    let base = match &input.template {
        Some(key) => {
            let t = store::roles::template(&state.db, key)
                .await?
                .ok_or_else(|| AdminError::invalid("template", format!("There is no role template {key:?}.")))?;
            Settled {
                permissions: store::roles::permissions(&state.db, &t.id).await?,
                mfa_required: t.mfa_level().requires_mfa(),
                phishing_resistant: t.mfa_level().requires_phr(),
                name: t.name,
                description: t.description,
                namespace: t.namespace,
                sm_role: t.sm_role,
                template_key: t.template_key,
            }
        }
        None => Settled {
            name: String::new(),
            description: String::new(),
            namespace: String::new(),
            permissions: Vec::new(),
            mfa_required: false,
            phishing_resistant: false,
            sm_role: None,
            template_key: None,
        },
    };
    let s = settle(state, &input, base).await?;
    let granting: BTreeSet<String> = s.permissions.iter().cloned().collect();
    let subject = Subject { target_type: "role", target_id: "", body_id: Some(body_id) };
    let mut check = actor.check(Action::ManageRoles { granting: &granting }, Some(&body.target()));
    // An admin template stands for Street Manager's Admin role even with its permissions left out.
    let tag = SmRole::of_role(s.sm_role.as_deref(), s.template_key.as_deref(), body.body.kind).map(SmRole::as_str);
    if check.is_ok() && admin_tag(tag) {
        check = actor.check(Action::ManageAdmins, None);
    }
    guard(state, actor, "role.create", &subject, check).await?;
    let id = store::new_id(state.now(), &*state.rng);
    let mut tx = state.db.begin().await?;
    store::roles::insert(&mut tx, &id, body_id, &spec(&s), state.now()).await?;
    let subject = Subject { target_type: "role", target_id: &id, body_id: Some(body_id) };
    let details = json!({
        "name": s.name,
        "permissions": s.permissions,
        "template": input.template,
        "sm_role": s.sm_role,
        "mfa_required": s.mfa_required,
        "phishing_resistant": s.phishing_resistant,
    });
    audit_ok(&mut tx, state, actor, "role.create", &subject, Some(details)).await?;
    tx.commit().await.map_err(commit_err)?;
    show(state, actor, &id).await
}

pub async fn update(state: &AppState, actor: &AdminActor, role_id: &str, input: RoleInput) -> Result<RoleView, AdminError> {
    if input.template.is_some() {
        return Err(AdminError::invalid("template", "A role's template can only be chosen when it is created."));
    }
    let role = store::roles::by_id(&state.db, role_id).await?.ok_or(AdminError::NotFound("role"))?;
    let body_id = role.body_id.clone().ok_or(AdminError::NotFound("role"))?;
    let body = load_body(state, &body_id).await?;
    let old_permissions = store::roles::permissions(&state.db, role_id).await?;
    let base = Settled {
        name: role.name.clone(),
        description: role.description.clone(),
        namespace: role.namespace.clone(),
        permissions: old_permissions.clone(),
        mfa_required: role.mfa_level().requires_mfa(),
        phishing_resistant: role.mfa_level().requires_phr(),
        sm_role: role.sm_role.clone(),
        template_key: role.template_key.clone(),
    };
    let s = settle(state, &input, base).await?;
    let granting: BTreeSet<String> = s.permissions.iter().filter(|p| !old_permissions.contains(p)).cloned().collect();
    let subject = Subject { target_type: "role", target_id: role_id, body_id: Some(&body_id) };
    let was_admin = old_permissions.iter().any(|p| p.starts_with("sm:admin_"))
        || admin_tag(SmRole::of_role(role.sm_role.as_deref(), role.template_key.as_deref(), body.body.kind).map(SmRole::as_str));
    let mut check = actor.check(Action::ManageRoles { granting: &granting }, Some(&body.target()));
    if check.is_ok() && (was_admin || admin_tag(s.sm_role.as_deref())) {
        check = actor.check(Action::ManageAdmins, None);
    }
    let changes_holders = s.permissions != old_permissions
        || s.sm_role != role.sm_role
        || MfaLevel::from_flags(s.mfa_required, s.phishing_resistant) != role.mfa_level();
    if check.is_ok() && changes_holders {
        check = check_holders(state, actor, &body, role_id, &granting).await;
    }
    // What every holder would hold with the role as changed.
    let new_tag = SmRole::of_role(s.sm_role.as_deref(), s.template_key.as_deref(), body.body.kind);
    let mut holdings = Vec::new();
    for mid in store::roles::memberships_with(&state.db, role_id).await? {
        if let Some(m) = store::memberships::by_id(&state.db, &mid).await? {
            let old = holding_of(state, &m).await?;
            let mut h = super::Holding { direct: old.direct.clone(), ..Default::default() };
            h.permissions.extend(old.direct.iter().cloned());
            h.permissions.extend(s.permissions.iter().cloned());
            for r in store::memberships::roles(&state.db, &m.id).await? {
                if r.id != role_id {
                    h.sm_roles.extend(SmRole::of_role(r.sm_role.as_deref(), r.template_key.as_deref(), body.body.kind));
                    h.permissions.extend(store::roles::permissions(&state.db, &r.id).await?);
                }
            }
            h.sm_roles.extend(new_tag);
            let h = h.with_implied_roles(body.body.kind);
            // A holder turned into another kind of user is, in effect, added as one.
            let new_kind = h.kind(body.kind);
            if check.is_ok() && new_kind != old.kind(body.kind) {
                check = actor.check(Action::AddUser(new_kind), Some(&body.target()));
            }
            holdings.push(h);
        }
    }
    guard(state, actor, "role.update", &subject, check).await?;
    if old_permissions.iter().any(|p| p == super::STAFF_MANAGER) && !s.permissions.iter().any(|p| p == super::STAFF_MANAGER) {
        super::keep_a_staff_manager_without_role(state, actor, &body, role_id).await?;
    }
    // Every holder must still satisfy Street Manager's rules with the role as changed.
    for h in &holdings {
        check_sm_rules(h)?;
    }
    let mut tx = state.db.begin().await?;
    store::roles::update(&mut tx, role_id, &spec(&s), state.now()).await?;
    let details = json!({
        "name": s.name,
        "permissions": s.permissions,
        "sm_role": s.sm_role,
        "mfa_required": s.mfa_required,
        "phishing_resistant": s.phishing_resistant,
    });
    audit_ok(&mut tx, state, actor, "role.update", &subject, Some(details)).await?;
    tx.commit().await.map_err(commit_err)?;
    show(state, actor, role_id).await
}

/// Deletes a role; its holders lose it.
pub async fn delete(state: &AppState, actor: &AdminActor, role_id: &str) -> Result<(), AdminError> {
    let role = store::roles::by_id(&state.db, role_id).await?.ok_or(AdminError::NotFound("role"))?;
    let body_id = role.body_id.clone().ok_or(AdminError::NotFound("role"))?;
    let body = load_body(state, &body_id).await?;
    let permissions = store::roles::permissions(&state.db, role_id).await?;
    let subject = Subject { target_type: "role", target_id: role_id, body_id: Some(&body_id) };
    let none = BTreeSet::new();
    let mut check = actor.check(Action::ManageRoles { granting: &none }, Some(&body.target()));
    let is_admin = permissions.iter().any(|p| p.starts_with("sm:admin_"))
        || admin_tag(SmRole::of_role(role.sm_role.as_deref(), role.template_key.as_deref(), body.body.kind).map(SmRole::as_str));
    if check.is_ok() && is_admin {
        check = actor.check(Action::ManageAdmins, None);
    }
    if check.is_ok() {
        check = check_holders(state, actor, &body, role_id, &none).await;
    }
    guard(state, actor, "role.delete", &subject, check).await?;
    if permissions.iter().any(|p| p == super::STAFF_MANAGER) {
        super::keep_a_staff_manager_without_role(state, actor, &body, role_id).await?;
    }
    let mut tx = state.db.begin().await?;
    store::roles::delete(&mut tx, role_id).await?;
    audit_ok(&mut tx, state, actor, "role.delete", &subject, Some(json!({ "name": role.name }))).await?;
    tx.commit().await.map_err(commit_err)?;
    Ok(())
}

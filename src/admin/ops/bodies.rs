//! Bodies: create and edit (kind, status, domains, 2FA and password policy, SSO connection,
//! external ids), and contractor organisations linked to the promoters and highway authorities
//! they work for.
//!
//! Body administrators may change their organisation's details (name, 2FA policy, password
//! policy) where the delegation rules allow; kind, status, domains, SSO connection and external
//! ids are for superusers, because they decide who can sign in for the body.
//!
//! The 2FA policy has a floor: the policy a superuser last set (`mfa_floor`). A body
//! administrator may raise the policy above it but never set it below; a superuser's change
//! moves the floor. Changing the policy needs step-up (a second factor entered within the last
//! few minutes).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Subject, audit_ok, commit_err, guard, load_body};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::policy::body::{BodyKind, BodyStatus, MfaPolicy, Unknown};
use crate::policy::delegation::Action;
use crate::store::{self, bodies::BodyRow, bodies::BodySettings};

#[derive(Debug, Clone, Serialize)]
pub struct BodyView {
    pub id: String,
    pub name: String,
    pub kind: BodyKind,
    pub status: BodyStatus,
    pub fms_body_id: Option<String>,
    pub swa_code: Option<String>,
    pub mfa_policy: MfaPolicy,
    /// The 2FA policy a superuser last set; body administrators cannot go below it.
    pub mfa_floor: MfaPolicy,
    pub password_min_length: Option<i64>,
    pub sso_connection_id: Option<String>,
    pub domains: Vec<String>,
    /// For a contractor: the promoters and highway authorities it works for.
    pub principals: Vec<String>,
    /// For a promoter or highway authority: its contractors.
    pub contractors: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

async fn view(state: &AppState, b: BodyRow) -> Result<BodyView, AdminError> {
    Ok(BodyView {
        domains: store::bodies::domains(&state.db, &b.id).await?,
        principals: store::bodies::principals_of(&state.db, &b.id).await?,
        contractors: store::bodies::contractors_of(&state.db, &b.id).await?,
        sso_connection_id: store::bodies::sso_connection_id(&state.db, &b.id).await?,
        id: b.id,
        name: b.name,
        kind: b.kind,
        status: b.status,
        fms_body_id: b.fms_body_id,
        swa_code: b.swa_code,
        mfa_policy: b.mfa_policy,
        mfa_floor: b.mfa_floor,
        password_min_length: b.password_min_length,
        created_at: b.created_at,
        updated_at: b.updated_at,
    })
}

/// The bodies the actor administers (all, for a superuser).
pub async fn list(state: &AppState, actor: &AdminActor) -> Result<Vec<BodyView>, AdminError> {
    let visible = actor.administered_bodies();
    let mut out = Vec::new();
    for b in store::bodies::list(&state.db).await? {
        if visible.as_ref().is_none_or(|v| v.contains(&b.id)) {
            out.push(view(state, b).await?);
        }
    }
    Ok(out)
}

pub async fn show(state: &AppState, actor: &AdminActor, id: &str) -> Result<BodyView, AdminError> {
    let body = load_body(state, id).await?;
    actor.check(Action::ViewMembers, Some(&body.target()))?;
    view(state, body.body).await
}

/// A choice as the edge read it: one of the enum's values, or the text that names none (which
/// the operation refuses, with the field's message, the same for every edge).
pub type Choice<T> = Result<T, Unknown>;

/// Reads an optional text field into a [`Choice`]; the text is parsed here, once.
fn choice<'de, D, T>(d: D) -> Result<Option<Choice<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr<Err = Unknown>,
{
    Ok(Option::<String>::deserialize(d)?.map(|s| s.parse()))
}

/// A body's settings. On create, missing fields take defaults; on update, `None` keeps the value
/// (for the optional ids, send an empty string to clear).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyInput {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "choice")]
    pub kind: Option<Choice<BodyKind>>,
    #[serde(default, deserialize_with = "choice")]
    pub status: Option<Choice<BodyStatus>>,
    pub fms_body_id: Option<String>,
    pub swa_code: Option<String>,
    #[serde(default, deserialize_with = "choice")]
    pub mfa_policy: Option<Choice<MfaPolicy>>,
    pub password_min_length: Option<i64>,
    pub sso_connection_id: Option<String>,
    pub domains: Option<Vec<String>>,
}

impl BodyInput {
    /// True if the input changes something only a superuser may change.
    fn touches_superuser_fields(&self, current: &BodySettings, domains: &[String]) -> bool {
        let changed = |new: &Option<String>, old: &Option<String>| {
            new.as_ref().is_some_and(|n| Some(n.trim()).filter(|s| !s.is_empty()) != old.as_deref())
        };
        self.kind.as_ref().is_some_and(|k| *k != Ok(current.kind))
            || self.status.as_ref().is_some_and(|s| *s != Ok(current.status))
            || changed(&self.fms_body_id, &current.fms_body_id)
            || changed(&self.swa_code, &current.swa_code)
            || changed(&self.sso_connection_id, &current.sso_connection_id)
            || self.domains.as_ref().is_some_and(|d| d.as_slice() != domains)
    }
}

fn opt(s: &Option<String>, current: &Option<String>) -> Option<String> {
    match s {
        Some(v) if v.trim().is_empty() => None,
        Some(v) => Some(v.trim().to_owned()),
        None => current.clone(),
    }
}

async fn settle(
    state: &AppState,
    actor: &AdminActor,
    body_id: Option<&str>,
    input: &BodyInput,
    current: BodySettings,
) -> Result<(BodySettings, Option<Vec<String>>), AdminError> {
    let name = input.name.as_deref().map(str::trim).map(str::to_owned).unwrap_or(current.name.clone());
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AdminError::invalid("name", "An organisation needs a name of at most 200 characters."));
    }
    let kind = match &input.kind {
        Some(Ok(k)) => *k,
        Some(Err(_)) => {
            return Err(AdminError::invalid(
                "kind",
                "Choose the kind of organisation: council, highway authority, promoter, contractor or other.",
            ));
        }
        None => current.kind,
    };
    let status = match &input.status {
        Some(Ok(s)) => *s,
        Some(Err(_)) => return Err(AdminError::invalid("status", "The status must be active, suspended or disabled.")),
        None => current.status,
    };
    let mfa_policy = match &input.mfa_policy {
        Some(Ok(p)) => *p,
        Some(Err(_)) => {
            return Err(AdminError::invalid("mfa_policy", "The 2FA policy must be optional, required or phishing_resistant."));
        }
        None => current.mfa_policy,
    };
    let password_min_length = match input.password_min_length {
        Some(0) => None,
        Some(n) if !(8..=128).contains(&n) => {
            return Err(AdminError::invalid(
                "password_min_length",
                "The minimum password length must be between 8 and 128 (0 for the default).",
            ));
        }
        Some(n) => Some(n),
        None => current.password_min_length,
    };
    let sso_connection_id = opt(&input.sso_connection_id, &current.sso_connection_id);
    // A body's SSO connection is one of the connections bound to it (whose sign-ins set its
    // membership and roles), so a new body can have none yet.
    if let Some(c) = sso_connection_id.as_deref().filter(|c| Some(*c) != current.sso_connection_id.as_deref()) {
        let mut conn = state.db.pool().acquire().await.map_err(commit_err)?;
        match store::connections::body_of(&mut conn, c).await? {
            None => return Err(AdminError::invalid("sso_connection_id", format!("There is no SSO connection {c:?}."))),
            Some(b) if Some(b.as_str()) != body_id => {
                return Err(AdminError::invalid(
                    "sso_connection_id",
                    "That SSO connection belongs to another organisation: choose one of this organisation's connections.",
                ));
            }
            Some(_) => {}
        }
    }
    let domains = match &input.domains {
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for d in list {
                let d = crate::email::normalise_domain(d)
                    .map_err(|_| AdminError::invalid("domains", format!("{d:?} is not a domain name.")))?;
                if !out.contains(&d) {
                    out.push(d);
                }
            }
            Some(out)
        }
        None => None,
    };
    let settings = BodySettings {
        name,
        kind,
        status,
        fms_body_id: opt(&input.fms_body_id, &current.fms_body_id),
        swa_code: opt(&input.swa_code, &current.swa_code),
        // A superuser's policy is the new floor; a body administrator's leaves it where it is.
        mfa_floor: actor.is_superuser().then_some(mfa_policy),
        mfa_policy,
        password_min_length,
        sso_connection_id,
    };
    Ok((settings, domains))
}

/// Creates a body with copies of the role templates for its kind. Superusers only.
pub async fn create(state: &AppState, actor: &AdminActor, input: BodyInput) -> Result<BodyView, AdminError> {
    let subject = Subject { target_type: "body", target_id: "", body_id: None };
    guard(state, actor, "body.create", &subject, actor.check(Action::ManageBodies, None)).await?;
    if input.kind.is_none() {
        return Err(AdminError::invalid(
            "kind",
            "Choose the kind of organisation: council, highway authority, promoter, contractor or other.",
        ));
    }
    // `kind` is given (checked above), so the blank's is never used.
    let blank = BodySettings {
        name: String::new(),
        kind: BodyKind::Other,
        status: BodyStatus::Active,
        fms_body_id: None,
        swa_code: None,
        mfa_policy: MfaPolicy::Optional,
        password_min_length: None,
        sso_connection_id: None,
        mfa_floor: None,
    };
    let (settings, domains) = settle(state, actor, None, &input, blank).await?;
    let now = state.now();
    let id = store::new_id(now, &*state.rng);
    let mut tx = state.db.begin().await?;
    store::bodies::create(&mut tx, &id, &settings, now).await?;
    store::bodies::set_domains(&mut tx, &id, domains.as_deref().unwrap_or_default()).await?;
    let rng = state.rng.clone();
    let mut ids = move || store::new_id(now, &*rng);
    store::catalogue::copy_templates_into_body(&mut tx, &id, settings.kind.as_str(), &mut ids, now).await?;
    let subject = Subject { target_type: "body", target_id: &id, body_id: Some(&id) };
    audit_ok(&mut tx, state, actor, "body.create", &subject, Some(json!({ "name": settings.name, "kind": settings.kind }))).await?;
    tx.commit().await.map_err(commit_err)?;
    show(state, actor, &id).await
}

/// Changes a body. A suspended or disabled body's members cannot act for it: they are refused
/// tokens for relying apps bound to it and it is left out of their `bodies` claims.
pub async fn update(state: &AppState, actor: &AdminActor, id: &str, input: BodyInput) -> Result<BodyView, AdminError> {
    let body = load_body(state, id).await?;
    let b = &body.body;
    let current = BodySettings {
        name: b.name.clone(),
        kind: b.kind,
        status: b.status,
        fms_body_id: b.fms_body_id.clone(),
        swa_code: b.swa_code.clone(),
        mfa_policy: b.mfa_policy,
        password_min_length: b.password_min_length,
        sso_connection_id: store::bodies::sso_connection_id(&state.db, id).await?,
        mfa_floor: Some(b.mfa_floor),
    };
    let old_domains = store::bodies::domains(&state.db, id).await?;
    let subject = Subject { target_type: "body", target_id: id, body_id: Some(id) };
    let check = if input.touches_superuser_fields(&current, &old_domains) {
        actor.check(Action::ManageBodies, None)
    } else {
        actor.check(Action::EditOrganisation, Some(&body.target()))
    };
    guard(state, actor, "body.update", &subject, check).await?;
    let (settings, domains) = settle(state, actor, Some(id), &input, current.clone()).await?;
    let floor_check = above_floor(actor, &body.body, settings.mfa_policy, b.mfa_floor).map_err(AdminError::Forbidden);
    guard(state, actor, "body.update", &subject, floor_check).await?;
    if settings.mfa_policy != current.mfa_policy {
        super::require_step_up(state, actor, "body.update", &subject).await?;
    }
    let mut tx = state.db.begin().await?;
    store::bodies::update(&mut tx, id, &settings, state.now()).await?;
    // The floor again, as the transaction sees it after its write: a superuser may have raised it
    // since it was read above.
    let floor = store::bodies::mfa_floor(&mut tx, id).await?.unwrap_or(MfaPolicy::Optional);
    if let Err(reason) = above_floor(actor, &body.body, settings.mfa_policy, floor) {
        drop(tx);
        guard(state, actor, "body.update", &subject, Err(AdminError::Forbidden(reason.clone()))).await?;
        return Err(AdminError::Forbidden(reason));
    }
    if let Some(d) = &domains {
        store::bodies::set_domains(&mut tx, id, d).await?;
    }
    let details = json!({
        "name": settings.name, "kind": settings.kind, "status": settings.status, "mfa_policy": settings.mfa_policy,
        "password_min_length": settings.password_min_length, "fms_body_id": settings.fms_body_id, "swa_code": settings.swa_code,
        "sso_connection_id": settings.sso_connection_id, "domains": domains, "status_from": current.status,
    });
    audit_ok(&mut tx, state, actor, "body.update", &subject, Some(details)).await?;
    tx.commit().await.map_err(commit_err)?;
    show(state, actor, id).await
}

/// Refuses a body administrator a 2FA policy below the floor a superuser set.
fn above_floor(actor: &AdminActor, body: &BodyRow, policy: MfaPolicy, floor: MfaPolicy) -> Result<(), String> {
    if actor.is_superuser() || policy.strength() >= floor.strength() {
        return Ok(());
    }
    if floor.is_phishing_resistant() {
        return Err(format!("A superuser made passkeys required for {}; only a superuser can lower that again.", body.name));
    }
    Err(format!("A superuser made two-factor authentication required for {}; only a superuser can make it optional again.", body.name))
}

async fn link_check(state: &AppState, actor: &AdminActor, principal_id: &str, contractor_id: &str, action: &str) -> Result<(), AdminError> {
    let principal = load_body(state, principal_id).await?;
    let contractor = load_body(state, contractor_id).await?;
    let subject = Subject { target_type: "body", target_id: contractor_id, body_id: Some(principal_id) };
    guard(state, actor, action, &subject, actor.check(Action::LinkContractor, Some(&principal.target()))).await?;
    if !matches!(principal.kind, BodyKind::Promoter | BodyKind::HighwayAuthority) {
        return Err(AdminError::invalid("principal_id", "Contractors work for promoters and highway authorities only."));
    }
    if contractor.kind != BodyKind::Contractor {
        return Err(AdminError::invalid("contractor_id", format!("{} is not a contractor organisation.", contractor.body.name)));
    }
    Ok(())
}

/// Records that a contractor organisation works for a promoter or highway authority.
pub async fn link_contractor(
    state: &AppState,
    actor: &AdminActor,
    principal_id: &str,
    contractor_id: &str,
) -> Result<BodyView, AdminError> {
    link_check(state, actor, principal_id, contractor_id, "body.contractor.link").await?;
    let mut tx = state.db.begin().await?;
    store::bodies::link(&mut tx, principal_id, contractor_id, state.now()).await?;
    let subject = Subject { target_type: "body", target_id: contractor_id, body_id: Some(principal_id) };
    audit_ok(&mut tx, state, actor, "body.contractor.link", &subject, None).await?;
    tx.commit().await.map_err(commit_err)?;
    view(state, load_body(state, principal_id).await?.body).await
}

pub async fn unlink_contractor(
    state: &AppState,
    actor: &AdminActor,
    principal_id: &str,
    contractor_id: &str,
) -> Result<BodyView, AdminError> {
    link_check(state, actor, principal_id, contractor_id, "body.contractor.unlink").await?;
    let mut tx = state.db.begin().await?;
    if !store::bodies::unlink(&mut tx, principal_id, contractor_id).await? {
        return Err(AdminError::NotFound("contractor link"));
    }
    let subject = Subject { target_type: "body", target_id: contractor_id, body_id: Some(principal_id) };
    audit_ok(&mut tx, state, actor, "body.contractor.unlink", &subject, None).await?;
    tx.commit().await.map_err(commit_err)?;
    view(state, load_body(state, principal_id).await?.body).await
}

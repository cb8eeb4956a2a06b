//! Memberships: a user's roles, direct permissions, workstream access and areas in one body.
//! Every change is checked against the delegation rules (who may add or remove which kind of
//! user, who may set permissions, and that nobody grants what they do not hold) and Street
//! Manager's role-combination rules.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::invitations::InvitedMembership;
use super::{
    LoadedBody, STAFF_MANAGER, Subject, audit_ok, check_sm_rules, commit_err, guard, holding_from, holding_of, keep_a_staff_manager,
    load_body,
};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::policy::body::{BodyKind, BodyStatus};
use crate::policy::delegation::{Action, MemberKind};
use crate::store::{self, Tx};

/// Workstream access: a works-reference prefix and `full_write` or `read_only`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workstream {
    pub prefix: String,
    pub access: String,
}

/// What a membership should hold. On update, `None` leaves that part as it is.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipInput {
    pub roles: Option<Vec<String>>,
    pub permissions: Option<Vec<String>>,
    pub workstreams: Option<Vec<Workstream>>,
    pub areas: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleRef {
    pub id: String,
    pub name: String,
}

/// A membership as administrators see it.
#[derive(Debug, Clone, Serialize)]
pub struct MembershipView {
    pub id: String,
    pub user_id: String,
    pub body_id: String,
    pub body_name: String,
    pub body_kind: BodyKind,
    pub body_status: BodyStatus,
    /// planner, highway authority, contractor, admin or staff.
    pub member_kind: &'static str,
    pub roles: Vec<RoleRef>,
    /// Effective permissions: from roles and direct.
    pub permissions: Vec<String>,
    pub direct_permissions: Vec<String>,
    pub workstreams: Vec<Workstream>,
    pub areas: Vec<String>,
    /// Disabled by the body's directory (SCIM `active: false`): it grants nothing until the
    /// directory restores it.
    pub disabled: bool,
}

pub(crate) async fn view(state: &AppState, m: &store::memberships::MembershipRow) -> Result<MembershipView, AdminError> {
    let d = store::memberships::detail(&state.db, m).await?;
    let kind = holding_of(state, m).await?.kind(m.body_kind);
    Ok(MembershipView {
        id: m.id.clone(),
        user_id: m.user_id.clone(),
        body_id: m.body_id.clone(),
        body_name: m.body_name.clone(),
        body_kind: m.body_kind,
        body_status: m.body_status,
        member_kind: kind.as_str(),
        roles: d.roles.into_iter().map(|(id, name)| RoleRef { id, name }).collect(),
        permissions: d.permissions,
        direct_permissions: d.direct_permissions,
        workstreams: d.workstreams.into_iter().map(|(prefix, access)| Workstream { prefix, access }).collect(),
        areas: d.areas,
        disabled: m.disabled_at.is_some(),
    })
}

fn clean_workstreams(ws: &[Workstream]) -> Result<Vec<(String, String)>, AdminError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for w in ws {
        let prefix = w.prefix.trim();
        if prefix.is_empty() || prefix.len() > 64 || prefix.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AdminError::invalid("workstreams", "A workstream prefix must be 1 to 64 characters without spaces."));
        }
        if !matches!(w.access.as_str(), "full_write" | "read_only") {
            return Err(AdminError::invalid(
                "workstreams",
                format!("Workstream access must be full_write or read_only, not {:?}.", w.access),
            ));
        }
        if out.iter().any(|(p, _)| p == prefix) {
            return Err(AdminError::invalid("workstreams", format!("The workstream {prefix:?} is listed twice.")));
        }
        out.push((prefix.to_owned(), w.access.clone()));
    }
    Ok(out)
}

fn clean_areas(areas: &[String]) -> Result<Vec<String>, AdminError> {
    let mut out: Vec<String> = Vec::new();
    for a in areas {
        let a = a.trim();
        if a.is_empty() || a.len() > 128 || a.chars().any(char::is_control) {
            return Err(AdminError::invalid("areas", "An area must be 1 to 128 characters."));
        }
        if !out.iter().any(|x| x == a) {
            out.push(a.to_owned());
        }
    }
    Ok(out)
}

/// A new membership that passed every check, ready to be written.
pub(crate) struct PreparedAdd {
    body_id: String,
    roles: Vec<String>,
    direct: Vec<String>,
    workstreams: Vec<(String, String)>,
    areas: Vec<String>,
    kind: MemberKind,
}

/// Checks a new membership (delegation and Street Manager rules) before any transaction opens,
/// so a refusal is audited and nothing is written.
pub(crate) async fn prepare_add(
    state: &AppState,
    actor: &AdminActor,
    body: &LoadedBody,
    user_id: &str,
    input: &MembershipInput,
) -> Result<PreparedAdd, AdminError> {
    let roles = input.roles.clone().unwrap_or_default();
    let direct = input.permissions.clone().unwrap_or_default();
    let workstreams = clean_workstreams(input.workstreams.as_deref().unwrap_or_default())?;
    let areas = clean_areas(input.areas.as_deref().unwrap_or_default())?;
    let h = holding_from(state, body, &roles, &direct).await?;
    let kind = h.kind(body.kind);
    let subject = Subject { target_type: "user", target_id: user_id, body_id: Some(&body.body.id) };
    let t = body.target();
    let mut check = actor.check(Action::AddUser(kind), Some(&t));
    if check.is_ok() {
        check = crate::policy::delegation::check_grant(&actor.policy, &t, &h.permissions).map_err(AdminError::from);
    }
    if check.is_ok() && !workstreams.is_empty() {
        check = actor.check(Action::ManageWorkstreams, Some(&t));
    }
    if check.is_ok() && !areas.is_empty() {
        check = actor.check(Action::ManageAreas, Some(&t));
    }
    guard(state, actor, "membership.add", &subject, check).await?;
    check_sm_rules(&h)?;
    Ok(PreparedAdd { body_id: body.body.id.clone(), roles, direct, workstreams, areas, kind })
}

/// Writes a prepared membership inside `tx`, with its audit row.
pub(crate) async fn write_add(
    tx: &mut Tx,
    state: &AppState,
    actor: &AdminActor,
    user_id: &str,
    p: &PreparedAdd,
) -> Result<String, AdminError> {
    let id = store::new_id(state.now(), &*state.rng);
    store::memberships::add(&mut *tx, &id, user_id, &p.body_id, state.now()).await?;
    store::memberships::replace_roles(&mut *tx, &id, &p.roles).await?;
    store::memberships::replace_permissions(&mut *tx, &id, &p.direct).await?;
    store::memberships::replace_workstreams(&mut *tx, &id, &p.workstreams).await?;
    store::memberships::replace_areas(&mut *tx, &id, &p.areas).await?;
    let details = json!({ "membership_id": id, "roles": p.roles, "permissions": p.direct, "kind": p.kind.as_str() });
    let subject = Subject { target_type: "user", target_id: user_id, body_id: Some(&p.body_id) };
    audit_ok(tx, state, actor, "membership.add", &subject, Some(details)).await?;
    Ok(id)
}

/// What adding someone to a body did.
#[derive(Debug, Clone)]
pub enum AddOutcome {
    /// The membership exists now.
    Added(Box<MembershipView>),
    /// An invitation was emailed to the address; the membership will exist once the person
    /// accepts it, signed in. Said the same whether or not the address has an account.
    Invited { email: String, expires_at: i64 },
}

/// How long an invitation stays usable.
const INVITATION_TTL: i64 = super::invitations::TTL_SECS;

/// Adds someone to a body by email. A superuser, or an address in one of the body's own email
/// domains, adds the existing account at once. Any other address is sent an invitation, whether
/// or not it has an account, and the answer is the same either way: adding an account by email
/// must not let a body take over someone else's account, nor tell whether an address has one.
pub async fn add_by_email(
    state: &AppState,
    actor: &AdminActor,
    body_id: &str,
    email: &str,
    input: MembershipInput,
) -> Result<AddOutcome, AdminError> {
    let body = load_body(state, body_id).await?;
    let email = crate::email::Email::parse(email).map_err(|e| AdminError::invalid("email", e.to_string()))?;
    let owners = super::accounts::Owners::of(&state.db, email.domain()).await?;
    if actor.is_superuser() || owners.is_own_domain(&body.body.id, email.domain()) {
        let user = match store::users::by_email(&state.db, &email).await? {
            Some(u) if !u.email.ends_with("@removed.invalid") => u,
            _ => return Err(AdminError::invalid("email", "There is no account with that email; create the user instead.")),
        };
        return add_loaded(state, actor, &body, &user.id, &input).await;
    }
    invite(state, actor, &body, &email, &input).await
}

/// Adds an existing user to a body: at once for a superuser or when the account's address is in
/// one of the body's own email domains, else by invitation (see [`add_by_email`]).
pub async fn add(
    state: &AppState,
    actor: &AdminActor,
    body_id: &str,
    user_id: &str,
    input: MembershipInput,
) -> Result<AddOutcome, AdminError> {
    let body = load_body(state, body_id).await?;
    let user = store::users::by_id(&state.db, user_id).await?.ok_or(AdminError::NotFound("user"))?;
    let email = user.email();
    let owners = super::accounts::Owners::of(&state.db, email.domain()).await?;
    if actor.is_superuser() || owners.is_own_domain(&body.body.id, email.domain()) {
        return add_loaded(state, actor, &body, user_id, &input).await;
    }
    // The delegation rules first (their refusal is the useful answer), then: only someone the
    // actor can already see (a member of one of their bodies), so an id is not a way to learn
    // an address.
    prepare_add(state, actor, &body, user_id, &input).await?;
    super::users::show(state, actor, user_id).await?;
    invite(state, actor, &body, &email, &input).await
}

async fn add_loaded(
    state: &AppState,
    actor: &AdminActor,
    body: &LoadedBody,
    user_id: &str,
    input: &MembershipInput,
) -> Result<AddOutcome, AdminError> {
    let prepared = prepare_add(state, actor, body, user_id, input).await?;
    let mut tx = state.db.begin().await?;
    let id = write_add(&mut tx, state, actor, user_id, &prepared).await?;
    tx.commit().await.map_err(commit_err)?;
    Ok(AddOutcome::Added(Box::new(show(state, actor, &id).await?)))
}

/// Checks the membership as for an immediate add, then stores a hashed single-use token and
/// queues the invitation email, with its audit row (the address's domain, never the address).
async fn invite(
    state: &AppState,
    actor: &AdminActor,
    body: &LoadedBody,
    email: &crate::email::Email,
    input: &MembershipInput,
) -> Result<AddOutcome, AdminError> {
    if crate::auth::abuse::is_banned(state, email).await? {
        return Err(AdminError::invalid("email", "This email address or its domain is banned."));
    }
    let p = prepare_add(state, actor, body, "", input).await?;
    // An account elsewhere may have a saved language; the invitation is in it.
    let saved = store::users::by_email(&state.db, email).await?.and_then(|u| u.language);
    let now = state.now();
    let expires_at = now.saturating_add(INVITATION_TTL);
    let id = store::new_id(now, &*state.rng);
    let secret = crate::secret::random_token(&*state.rng);
    let membership = serde_json::to_string(&InvitedMembership {
        roles: p.roles.clone(),
        permissions: p.direct.clone(),
        workstreams: p.workstreams.iter().map(|(prefix, access)| Workstream { prefix: prefix.clone(), access: access.clone() }).collect(),
        areas: p.areas.clone(),
    })
    .map_err(|e| AdminError::Internal(e.to_string()))?;
    let link = format!("{}/invitations/accept?t={}", state.settings.issuer(), secret.expose());
    let mail = crate::mail::messages::Invitation {
        site_name: &state.settings.server.name,
        body_name: &body.body.name,
        link: &link,
        days: INVITATION_TTL / 86_400,
    }
    .render(crate::i18n::for_recipient(saved.as_deref(), state.settings.ui.default_lang()))
    .map_err(|e| AdminError::Internal(crate::error::error_chain(&e)))?;
    let mut tx = state.db.begin().await?;
    super::invitations::reserve_send(&mut tx, now, email.as_str()).await?;
    store::invitations::insert(
        &mut tx,
        &store::invitations::NewInvitation {
            id: &id,
            token_hash: &crate::secret::token_hash(secret.expose()),
            email: email.as_str(),
            kind: store::invitations::KIND_MEMBERSHIP,
            body_id: Some(&body.body.id),
            user_id: None,
            membership: &membership,
            invited_by_user_id: actor.user_id(),
            invited_by_client_id: actor.client_id.as_deref(),
            expires_at,
        },
        now,
    )
    .await?;
    let details =
        json!({ "invitation_id": id, "email_domain": email.domain(), "roles": p.roles, "permissions": p.direct, "kind": p.kind.as_str() });
    let subject = Subject { target_type: "invitation", target_id: &id, body_id: Some(&body.body.id) };
    audit_ok(&mut tx, state, actor, "membership.invite", &subject, Some(details)).await?;
    super::invitations::queue_in(&mut tx, state, email, &mail, expires_at).await?;
    store::fault_point(&state.db, &mut tx, "membership_invite:queued").await?;
    tx.commit().await.map_err(commit_err)?;
    state.mail_wake.notify_one();
    Ok(AddOutcome::Invited { email: email.as_str().to_owned(), expires_at })
}

/// An invitation as the page that offers to accept it shows it.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub body_name: String,
    /// False when the signed-in account has another address than the one invited.
    pub for_this_account: bool,
}

/// The live invitation with this token, for `user` to accept (None: unknown, used or expired).
pub async fn invitation(state: &AppState, user: &store::users::UserRow, secret: &str) -> Result<Option<InvitationView>, AdminError> {
    let hash = crate::secret::token_hash(secret);
    let Some(row) = store::invitations::live_by_hash(&state.db, &hash, state.now()).await? else { return Ok(None) };
    let Some(body_id) = row.body_id.as_deref().filter(|_| row.kind == store::invitations::KIND_MEMBERSHIP) else { return Ok(None) };
    let Some(body) = store::bodies::by_id(&state.db, body_id).await? else { return Ok(None) };
    Ok(Some(InvitationView { body_name: body.name, for_this_account: user.email().as_str() == row.email }))
}

/// Accepts an invitation for the signed-in `user`: only while it is unused and unexpired, only
/// for the address it was sent to, and only once (the token is used in the same transaction that
/// writes the membership). Returns the body's name. The account stays its owner's: the body's
/// administrators can take the member out of the body, not edit, disable or remove the account.
pub async fn accept_invitation(
    state: &AppState,
    user: &store::users::UserRow,
    secret: &str,
    from: &crate::auth::ClientInfo,
) -> Result<String, AdminError> {
    let gone = || AdminError::invalid("t", "This invitation has expired or has already been used. Ask the organisation for a new one.");
    let hash = crate::secret::token_hash(secret);
    let now = state.now();
    let row = store::invitations::live_by_hash(&state.db, &hash, now).await?.ok_or_else(gone)?;
    if user.email().as_str() != row.email {
        return Err(AdminError::Forbidden(
            "This invitation was sent to another email address. Sign out, then sign in with the address it was sent to.".into(),
        ));
    }
    let body_id = row.body_id.as_deref().filter(|_| row.kind == store::invitations::KIND_MEMBERSHIP).ok_or_else(gone)?;
    let body = load_body(state, body_id).await.map_err(|_| gone())?;
    if !body.body.status.is_active() {
        return Err(AdminError::invalid("t", format!("{} is not active, so it cannot take new members now.", body.body.name)));
    }
    // The inviter may have been removed, disabled or demoted since sending: an old link gives
    // nothing they could not give today.
    super::invitations::check_inviter(state, &row, Some(&body), &user.id, from).await?;
    let m: InvitedMembership = serde_json::from_str(&row.membership).map_err(|e| AdminError::Internal(e.to_string()))?;
    // The roles are checked again: one may have been deleted since, or the rules changed.
    let h = holding_from(state, &body, &m.roles, &m.permissions).await.map_err(|_| {
        AdminError::invalid("t", "What this invitation would give you has changed since it was sent. Ask the organisation for a new one.")
    })?;
    check_sm_rules(&h)?;
    let workstreams: Vec<(String, String)> = m.workstreams.iter().map(|w| (w.prefix.clone(), w.access.clone())).collect();
    let membership_id = store::new_id(now, &*state.rng);
    let mut tx = state.db.begin().await?;
    store::invitations::consume(&mut tx, &hash, user.email().as_str(), &user.id, now).await?.ok_or_else(gone)?;
    store::memberships::add(&mut tx, &membership_id, &user.id, &body.body.id, now).await.map_err(|e| match e {
        store::StoreError::Conflict(_) => AdminError::Conflict(format!("You are already a member of {}.", body.body.name)),
        other => other.into(),
    })?;
    store::memberships::replace_roles(&mut tx, &membership_id, &m.roles).await?;
    store::memberships::replace_permissions(&mut tx, &membership_id, &m.permissions).await?;
    store::memberships::replace_workstreams(&mut tx, &membership_id, &workstreams).await?;
    store::memberships::replace_areas(&mut tx, &membership_id, &m.areas).await?;
    let details = json!({ "invitation_id": row.id, "membership_id": membership_id, "roles": m.roles, "permissions": m.permissions, "kind": h.kind(body.kind).as_str() });
    let event = store::audit::NewEvent {
        actor_user_id: Some(&user.id),
        actor_client_id: None,
        action: "membership.accept",
        target_type: "user",
        target_id: &user.id,
        body_id: Some(&body.body.id),
        ip: &from.ip,
        user_agent: &from.user_agent,
        outcome: "success",
        details: Some(details),
    };
    store::audit::insert(&mut tx, &event, now).await?;
    tx.commit().await.map_err(commit_err)?;
    Ok(body.body.name)
}

async fn load(state: &AppState, membership_id: &str) -> Result<(store::memberships::MembershipRow, LoadedBody), AdminError> {
    let m = store::memberships::by_id(&state.db, membership_id).await?.ok_or(AdminError::NotFound("membership"))?;
    let body = load_body(state, &m.body_id).await?;
    Ok((m, body))
}

pub async fn show(state: &AppState, actor: &AdminActor, membership_id: &str) -> Result<MembershipView, AdminError> {
    let (m, body) = load(state, membership_id).await?;
    if actor.user_id() != Some(m.user_id.as_str()) {
        actor.check(Action::ViewMembers, Some(&body.target()))?;
    }
    view(state, &m).await
}

/// Members shown at once when no limit is asked for (the command line, the body page).
pub const PAGE: i64 = 100;

/// One page of a body's members (or of a role's holders in it): see [`page`].
#[derive(Debug)]
pub struct MemberPage {
    pub members: Vec<(crate::admin::ops::users::UserView, MembershipView)>,
    /// Where the next page starts (`after`), when there is one.
    pub next: Option<String>,
}

/// A page of the members of a body, or of the holders of one of its roles (`role_id`), in a
/// stable order, starting after `after` (the `next` of the page before; empty for the first).
/// `after` must be an id as a page gave it: anything else is refused, not guessed at.
pub async fn page(
    state: &AppState,
    actor: &AdminActor,
    body_id: &str,
    role_id: Option<&str>,
    after: &str,
    limit: i64,
) -> Result<MemberPage, AdminError> {
    let body = load_body(state, body_id).await?;
    actor.check(Action::ViewMembers, Some(&body.target()))?;
    // Ids are UUIDs (older rows may have other plain ids); anything else did not come from a page.
    let plausible = |s: &str| s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !after.is_empty() && !plausible(after) {
        return Err(AdminError::invalid(
            "after",
            "Where the page starts (after) is not one this listing gave: start again from the first page.",
        ));
    }
    let of = match role_id {
        Some(role_id) => {
            let role = store::roles::by_id(&state.db, role_id).await?;
            if role.and_then(|r| r.body_id).as_deref() != Some(body_id) {
                return Err(AdminError::NotFound("role"));
            }
            store::memberships::MembersOf::Role { body_id, role_id }
        }
        None => store::memberships::MembersOf::Body { body_id },
    };
    let (rows, next) = store::memberships::members_page(&state.db, of, after, limit).await?;
    let mut members = Vec::with_capacity(rows.len());
    for (mid, user) in rows {
        if let Some(m) = store::memberships::by_id(&state.db, &mid).await? {
            members.push((crate::admin::ops::users::UserView::from(&user), view(state, &m).await?));
        }
    }
    Ok(MemberPage { members, next })
}

/// Changes what a membership holds. Parts left `None` stay as they are.
pub async fn update(
    state: &AppState,
    actor: &AdminActor,
    membership_id: &str,
    input: MembershipInput,
) -> Result<MembershipView, AdminError> {
    let (m, body) = load(state, membership_id).await?;
    let old = holding_of(state, &m).await?;
    let roles = input.roles.clone().unwrap_or_else(|| old.role_ids.clone());
    let direct = input.permissions.clone().unwrap_or_else(|| old.direct.clone());
    let new = holding_from(state, &body, &roles, &direct).await?;
    let t = body.target();
    let subject = Subject { target_type: "user", target_id: &m.user_id, body_id: Some(&body.body.id) };
    let old_kind = old.kind(body.kind);
    let new_kind = new.kind(body.kind);
    let granting: BTreeSet<String> = new.permissions.difference(&old.permissions).cloned().collect();
    // API clients send the whole membership back: only what actually changes needs the right to change it.
    let same_set = |a: &[String], b: &[String]| a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>();
    let changes_grants = !same_set(&roles, &old.role_ids) || !same_set(&direct, &old.direct);
    let mut check = Ok(());
    if changes_grants {
        check = actor.check(Action::SetPermissions { kind: old_kind, granting: &granting }, Some(&t));
        if check.is_ok() && new_kind != old_kind {
            check = actor.check(Action::SetPermissions { kind: new_kind, granting: &granting }, Some(&t));
        }
        // Turning a member into another kind (a planner into an HA user) is adding a user of
        // that kind, so it follows the same row of the table.
        if check.is_ok() && new_kind != old_kind {
            check = actor.check(Action::AddUser(new_kind), Some(&t));
        }
    }
    let current = store::memberships::detail(&state.db, &m).await?;
    let workstreams = match &input.workstreams {
        Some(ws) => Some(clean_workstreams(ws)?)
            .filter(|ws| ws.iter().collect::<BTreeSet<_>>() != current.workstreams.iter().collect::<BTreeSet<_>>()),
        None => None,
    };
    let areas = match &input.areas {
        Some(a) => Some(clean_areas(a)?).filter(|a| !same_set(a, &current.areas)),
        None => None,
    };
    if check.is_ok() && workstreams.is_some() {
        check = actor.check(Action::ManageWorkstreams, Some(&t));
    }
    if check.is_ok() && areas.is_some() {
        check = actor.check(Action::ManageAreas, Some(&t));
    }
    guard(state, actor, "membership.update", &subject, check).await?;
    check_sm_rules(&new)?;
    if !new.permissions.contains(STAFF_MANAGER) {
        keep_a_staff_manager(state, actor, &body, &m.id).await?;
    }
    let mut tx = state.db.begin().await?;
    if changes_grants {
        store::memberships::replace_roles(&mut tx, &m.id, &roles).await?;
        store::memberships::replace_permissions(&mut tx, &m.id, &direct).await?;
    }
    if let Some(ws) = &workstreams {
        store::memberships::replace_workstreams(&mut tx, &m.id, ws).await?;
    }
    if let Some(a) = &areas {
        store::memberships::replace_areas(&mut tx, &m.id, a).await?;
    }
    let details = json!({
        "membership_id": m.id, "roles": input.roles, "permissions": input.permissions,
        "workstreams": input.workstreams, "areas": input.areas,
    });
    audit_ok(&mut tx, state, actor, "membership.update", &subject, Some(details)).await?;
    tx.commit().await.map_err(commit_err)?;
    view(state, &m).await
}

/// Removes a user from a body (the account stays).
pub async fn remove(state: &AppState, actor: &AdminActor, membership_id: &str) -> Result<(), AdminError> {
    let (m, body) = load(state, membership_id).await?;
    let kind: MemberKind = holding_of(state, &m).await?.kind(body.kind);
    let subject = Subject { target_type: "user", target_id: &m.user_id, body_id: Some(&body.body.id) };
    guard(state, actor, "membership.remove", &subject, actor.check(Action::RemoveUser(kind), Some(&body.target()))).await?;
    keep_a_staff_manager(state, actor, &body, &m.id).await?;
    let mut tx = state.db.begin().await?;
    store::memberships::delete(&mut tx, &m.id).await?;
    audit_ok(&mut tx, state, actor, "membership.remove", &subject, Some(json!({ "membership_id": m.id, "kind": kind.as_str() }))).await?;
    tx.commit().await.map_err(commit_err)?;
    Ok(())
}

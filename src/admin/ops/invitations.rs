//! Invitations as administrators manage them: a new account's welcome email (its link signs the
//! person in for the first time), the state of every invitation sent to a person (sent,
//! accepted, expired, withdrawn), resending (a new link; the old one dies) and withdrawing.
//! Invitations to join a body are made in [`super::memberships`].
//!
//! Two rules hold for every kind:
//! - at most [`SENDS_PER_HOUR`] invitation emails go to one address in an hour, however many
//!   administrators or requests ask, so Stile cannot be used to flood someone's inbox;
//! - on acceptance the inviter's rights are checked again: an inviter removed, disabled or
//!   demoted since sending cannot grant through an old link what they no longer may.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::memberships::Workstream;
use super::{LoadedBody, Subject, audit_ok, commit_err, guard, holding_from, load_body};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::audit::{self, ClientInfo, Outcome};
use crate::auth::session::{SignIn, SignedIn};
use crate::email::Email;
use crate::policy::delegation::Action;
use crate::secret::{SecretString, token_hash};
use crate::store::{self, invitations::InvitationRow};

/// How long an invitation's link works.
/// The window of the per-address limit on invitations sent.
pub(crate) const SEND_WINDOW_SECS: i64 = 3600;
pub const TTL_SECS: i64 = 7 * 24 * 3600;

/// Invitation emails (welcomes, invitations to join, resends) one address may be sent in an hour.
pub const SENDS_PER_HOUR: i64 = 5;

/// Where a welcomed person lands once signed in.
const WELCOME_NEXT: &str = "/account";

/// What an invitation gives (membership) or gave (welcome), as JSON in the invitations table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct InvitedMembership {
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
    #[serde(default)]
    pub workstreams: Vec<Workstream>,
    #[serde(default)]
    pub areas: Vec<String>,
}

/// Counts one invitation email to `email` against the hourly limit, in the transaction that
/// stores the invitation and queues its email: an attempt that is refused, or rolled back
/// (a lost connection, a full mail queue), sends nothing and so counts nothing.
pub(crate) async fn reserve_send(tx: &mut store::Tx, now: i64, email: &str) -> Result<(), AdminError> {
    // Keyed by the address's hash: the throttle table is no place for addresses.
    let key = format!("invitation-send:{}", token_hash(&mailbox(email)));
    let r = store::throttle::reserve(&mut *tx, &key, now, now.saturating_sub(SEND_WINDOW_SECS)).await?;
    if r.attempts > SENDS_PER_HOUR {
        return Err(AdminError::Conflict(format!(
            "{SENDS_PER_HOUR} invitation emails have already been sent to this address in the last hour. Try again later."
        )));
    }
    Ok(())
}

/// The mailbox an address reaches, for the hourly limit: in lower case, without a tag after `+`
/// in its local part ("Ann+1@", "ann+2@" and "ann@" are one inbox to flood).
fn mailbox(email: &str) -> String {
    let lower = email.to_lowercase();
    match lower.rsplit_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.split('+').next().unwrap_or(local)),
        None => lower,
    }
}

/// The state of an invitation, as its page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    Sent,
    Accepted,
    Expired,
    Withdrawn,
}

impl InvitationState {
    pub fn of(row: &InvitationRow, now: i64) -> Self {
        if row.used_at.is_some() {
            InvitationState::Accepted
        } else if row.withdrawn_at.is_some() {
            InvitationState::Withdrawn
        } else if row.expires_at <= now {
            InvitationState::Expired
        } else {
            InvitationState::Sent
        }
    }

    /// The catalogue key of its label ("Sent", "Accepted"…), shown in the page's language.
    pub fn label_key(self) -> &'static str {
        match self {
            InvitationState::Sent => "user-invitation-sent",
            InvitationState::Accepted => "user-invitation-accepted",
            InvitationState::Expired => "user-invitation-expired",
            InvitationState::Withdrawn => "user-invitation-withdrawn",
        }
    }

    /// Whether it can still be resent or withdrawn.
    pub fn is_open(self) -> bool {
        matches!(self, InvitationState::Sent | InvitationState::Expired)
    }
}

/// An invitation as administrators see it (never its token).
#[derive(Debug, Clone, Serialize)]
pub struct InvitationView {
    pub id: String,
    /// `welcome` or `membership`.
    pub kind: String,
    pub body_id: Option<String>,
    pub body_name: String,
    pub state: InvitationState,
    pub created_at: i64,
    pub sent_at: i64,
    pub send_count: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
}

async fn view(state: &AppState, row: &InvitationRow) -> Result<InvitationView, AdminError> {
    let body_name = match &row.body_id {
        Some(b) => store::bodies::by_id(&state.db, b).await?.map(|b| b.name).unwrap_or_default(),
        None => String::new(),
    };
    Ok(InvitationView {
        id: row.id.clone(),
        kind: row.kind.clone(),
        body_id: row.body_id.clone(),
        body_name,
        state: InvitationState::of(row, state.now()),
        created_at: row.created_at,
        sent_at: row.sent_at,
        send_count: row.send_count,
        expires_at: row.expires_at,
        used_at: row.used_at,
        withdrawn_at: row.withdrawn_at,
    })
}

/// Whether `actor` sees an invitation: a superuser all, a body's administrators that body's.
fn visible_to(actor: &AdminActor, row: &InvitationRow) -> bool {
    match actor.administered_bodies() {
        None => true,
        Some(bodies) => row.body_id.as_ref().is_some_and(|b| bodies.contains(b)),
    }
}

/// The invitations sent to a user (welcomes of their account, invitations to their address)
/// that `actor` may see, newest first. The caller has checked that `actor` may see the user.
pub async fn of_user(state: &AppState, actor: &AdminActor, user_id: &str, email: &str) -> Result<Vec<InvitationView>, AdminError> {
    let mut out = Vec::new();
    for row in store::invitations::of_person(&state.db, user_id, email).await? {
        if visible_to(actor, &row) {
            out.push(view(state, &row).await?);
        }
    }
    Ok(out)
}

/// Whether `actor` may give what the invitation gives: for a body, add a member of that kind with
/// those permissions, workstreams and areas (the checks of adding them at once); without one,
/// manage users outside any body (superusers).
async fn may_give(state: &AppState, actor: &AdminActor, body: Option<&LoadedBody>, m: &InvitedMembership) -> Result<(), AdminError> {
    let Some(body) = body else { return actor.check(Action::ManageAllUsers, None) };
    let h = holding_from(state, body, &m.roles, &m.permissions).await?;
    let t = body.target();
    actor.check(Action::AddUser(h.kind(body.kind)), Some(&t))?;
    crate::policy::delegation::check_grant(&actor.policy, &t, &h.permissions).map_err(AdminError::from)?;
    if !m.workstreams.is_empty() {
        actor.check(Action::ManageWorkstreams, Some(&t))?;
    }
    if !m.areas.is_empty() {
        actor.check(Action::ManageAreas, Some(&t))?;
    }
    Ok(())
}

fn parse_membership(row: &InvitationRow) -> Result<InvitedMembership, AdminError> {
    serde_json::from_str(&row.membership).map_err(|e| AdminError::Internal(e.to_string()))
}

/// The inviter as the delegation policy sees them NOW: their account (live and enabled) with
/// today's memberships, the machine client with today's stored rights, or the operator at the
/// command line (neither recorded). None: they can no longer act at all.
async fn inviter_now(state: &AppState, row: &InvitationRow) -> Result<Option<AdminActor>, AdminError> {
    match (&row.invited_by_user_id, &row.invited_by_client_id) {
        (Some(uid), _) => match store::users::live_by_id(&state.db, uid).await? {
            Some(u) if !u.is_disabled() && !crate::auth::abuse::is_banned(state, &u.email()).await? => {
                Ok(Some(AdminActor::for_user(state, u, ClientInfo::default()).await?))
            }
            _ => Ok(None),
        },
        (None, Some(cid)) => match AdminActor::for_client(state, cid, ClientInfo::default()).await {
            Ok(a) => Ok(Some(a)),
            Err(AdminError::Forbidden(_) | AdminError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        },
        (None, None) => Ok(Some(AdminActor::cli())),
    }
}

/// Refuses an acceptance when the inviter could not send this invitation today. The refusal is
/// audited (with the reason) and told to the person without naming the inviter.
pub(crate) async fn check_inviter(
    state: &AppState,
    row: &InvitationRow,
    body: Option<&LoadedBody>,
    accepting_user: &str,
    from: &ClientInfo,
) -> Result<(), AdminError> {
    let m = parse_membership(row)?;
    let reason = match inviter_now(state, row).await? {
        None => Some("inviter_gone".to_owned()),
        Some(inviter) => match may_give(state, &inviter, body, &m).await {
            Ok(()) => None,
            Err(AdminError::Forbidden(r)) => Some(r),
            // A role deleted since: the invitation no longer says what it gives.
            Err(AdminError::Invalid { message, .. }) => Some(message),
            Err(e) => return Err(e),
        },
    };
    let Some(reason) = reason else { return Ok(()) };
    let details = json!({ "invitation_id": row.id, "reason": reason });
    let action = if row.kind == store::invitations::KIND_WELCOME { "invitation.accept" } else { "membership.accept" };
    audit::user_event(&state.db, state, action, Some(accepting_user), Some(accepting_user), from, Outcome::Failure, Some(details)).await?;
    Err(AdminError::Forbidden("Whoever sent this invitation can no longer give what it offers. Ask the organisation for a new one.".into()))
}

/// A welcome ready to be written with its account: the token, and the email to queue once the
/// account's transaction is committed.
pub(crate) struct PreparedWelcome {
    id: String,
    token_hash: String,
    mail: crate::mail::Rendered,
    expires_at: i64,
    membership: String,
}

/// Checks a welcome can go to `email` (not through an address whose sign-in must be single
/// sign-on) and renders it; the hourly limit is checked when it is written.
pub(crate) async fn prepare_welcome(
    state: &AppState,
    email: &Email,
    body: Option<&LoadedBody>,
    m: &InvitedMembership,
) -> Result<PreparedWelcome, AdminError> {
    if crate::sso::required_for(&state.db, email).await?.is_some() {
        return Err(AdminError::invalid(
            "send_welcome",
            "People with this email address sign in with their organisation's single sign-on, so no welcome email can be sent; leave the box unticked.",
        ));
    }
    let now = state.now();
    let secret = crate::secret::random_token(&*state.rng);
    let expires_at = now.saturating_add(TTL_SECS);
    let mail = render_welcome(state, body.map(|b| b.body.name.as_str()), &secret, None)?;
    let membership = serde_json::to_string(m).map_err(|e| AdminError::Internal(e.to_string()))?;
    Ok(PreparedWelcome { id: store::new_id(now, &*state.rng), token_hash: token_hash(secret.expose()), mail, expires_at, membership })
}

/// In the account's saved language (a new account has none yet), else the deployment default.
fn render_welcome(
    state: &AppState,
    body_name: Option<&str>,
    secret: &SecretString,
    saved: Option<&str>,
) -> Result<crate::mail::Rendered, AdminError> {
    let link = format!("{}/invitations/welcome?t={}", state.settings.issuer(), secret.expose());
    crate::mail::messages::Welcome { site_name: &state.settings.server.name, body_name, link: &link, days: TTL_SECS / 86_400 }
        .render(crate::i18n::for_recipient(saved, state.settings.ui.default_lang()))
        .map_err(|e| AdminError::Internal(crate::error::error_chain(&e)))
}

fn render_membership(
    state: &AppState,
    body_name: &str,
    secret: &SecretString,
    saved: Option<&str>,
) -> Result<crate::mail::Rendered, AdminError> {
    let link = format!("{}/invitations/accept?t={}", state.settings.issuer(), secret.expose());
    crate::mail::messages::Invitation { site_name: &state.settings.server.name, body_name, link: &link, days: TTL_SECS / 86_400 }
        .render(crate::i18n::for_recipient(saved, state.settings.ui.default_lang()))
        .map_err(|e| AdminError::Internal(crate::error::error_chain(&e)))
}

/// Writes a prepared welcome for the new account inside its transaction, with its audit row.
pub(crate) async fn write_welcome(
    tx: &mut store::Tx,
    state: &AppState,
    actor: &AdminActor,
    p: &PreparedWelcome,
    user_id: &str,
    email: &Email,
    body_id: Option<&str>,
) -> Result<(), AdminError> {
    reserve_send(tx, state.now(), email.as_str()).await?;
    let new = store::invitations::NewInvitation {
        id: &p.id,
        token_hash: &p.token_hash,
        email: email.as_str(),
        kind: store::invitations::KIND_WELCOME,
        body_id,
        user_id: Some(user_id),
        membership: &p.membership,
        invited_by_user_id: actor.user_id(),
        invited_by_client_id: actor.client_id.as_deref(),
        expires_at: p.expires_at,
    };
    store::invitations::insert(&mut *tx, &new, state.now()).await?;
    let subject = Subject { target_type: "user", target_id: user_id, body_id };
    audit_ok(tx, state, actor, "invitation.welcome", &subject, Some(json!({ "invitation_id": p.id }))).await?;
    queue_in(tx, state, email, &p.mail, p.expires_at).await
}

/// Queues an invitation's email in the transaction that stores the invitation: a link never
/// arrives for nothing, and an invitation (or a resend, which replaces the link) is never
/// stored with no email to carry it. The caller wakes the mail worker after its commit.
pub(crate) async fn queue_in(
    tx: &mut store::Tx,
    state: &AppState,
    email: &Email,
    mail: &crate::mail::Rendered,
    expires_at: i64,
) -> Result<(), AdminError> {
    crate::mail::enqueue_in(tx, state, email, mail, Some(expires_at)).await?;
    Ok(())
}

/// Loads an invitation `actor` may manage: one they cannot see is "not found" (an id is no way
/// to learn about another organisation's invitations).
async fn load_managed(state: &AppState, actor: &AdminActor, id: &str) -> Result<(InvitationRow, Option<LoadedBody>), AdminError> {
    let row = store::invitations::by_id(&state.db, id).await?.ok_or(AdminError::NotFound("invitation"))?;
    if !visible_to(actor, &row) {
        return Err(AdminError::NotFound("invitation"));
    }
    let body = match &row.body_id {
        Some(b) => Some(load_body(state, b).await?),
        None => None,
    };
    Ok((row, body))
}

fn subject_of(row: &InvitationRow) -> Subject<'_> {
    match &row.user_id {
        Some(u) => Subject { target_type: "user", target_id: u, body_id: row.body_id.as_deref() },
        None => Subject { target_type: "invitation", target_id: &row.id, body_id: row.body_id.as_deref() },
    }
}

fn closed(state: InvitationState) -> AdminError {
    AdminError::Conflict(match state {
        InvitationState::Accepted => "This invitation has already been accepted.".into(),
        _ => "This invitation has been withdrawn; send a new one instead.".into(),
    })
}

/// Sends an invitation again with a new link (the old one stops working) and a new expiry. The
/// resender must be able to give what it gives, as if inviting afresh; the hourly limit applies.
pub async fn resend(state: &AppState, actor: &AdminActor, id: &str) -> Result<InvitationView, AdminError> {
    let (row, body) = load_managed(state, actor, id).await?;
    let subject = subject_of(&row);
    let m = parse_membership(&row)?;
    let check = may_give(state, actor, body.as_ref(), &m).await;
    guard(state, actor, "invitation.resend", &subject, check).await?;
    let current = InvitationState::of(&row, state.now());
    if !current.is_open() {
        return Err(closed(current));
    }
    let email = resend_to(state, &row).await?;
    if crate::auth::abuse::is_banned(state, &email).await? {
        return Err(AdminError::invalid("email", "This email address or its domain is banned."));
    }
    let now = state.now();
    let secret = crate::secret::random_token(&*state.rng);
    let expires_at = now.saturating_add(TTL_SECS);
    let body_name = body.as_ref().map(|b| b.body.name.as_str());
    // The language the person saved, if the address has an account that has signed in since.
    let saved = store::users::by_email(&state.db, &email).await?.and_then(|u| u.language);
    let mail = if row.kind == store::invitations::KIND_WELCOME {
        render_welcome(state, body_name, &secret, saved.as_deref())?
    } else {
        render_membership(state, body_name.unwrap_or_default(), &secret, saved.as_deref())?
    };
    let mut tx = state.db.begin().await?;
    reserve_send(&mut tx, now, email.as_str()).await?;
    let Some(updated) = store::invitations::resend(&mut tx, &row.id, email.as_str(), &token_hash(secret.expose()), expires_at, now).await?
    else {
        // Accepted or withdrawn by a parallel request.
        return Err(closed(InvitationState::Withdrawn));
    };
    let details = json!({ "invitation_id": row.id, "kind": row.kind, "send_count": updated.send_count });
    audit_ok(&mut tx, state, actor, "invitation.resend", &subject, Some(details)).await?;
    queue_in(&mut tx, state, &email, &mail, expires_at).await?;
    store::fault_point(&state.db, &mut tx, "invitation_resend:queued").await?;
    tx.commit().await.map_err(commit_err)?;
    state.mail_wake.notify_one();
    view(state, &updated).await
}

/// Where a resent invitation goes. An invitation to join goes where it went before. A welcome
/// goes to its account's address now: an administrator who corrected a mistyped address resends
/// to the right one (the link works only for the account's current address, so the old one
/// would get a link that can never work). A welcome whose account is gone or disabled, or whose
/// address now signs in by single sign-on, is not resent: its link could sign nobody in.
async fn resend_to(state: &AppState, row: &InvitationRow) -> Result<Email, AdminError> {
    let current = match (&row.user_id, row.kind == store::invitations::KIND_WELCOME) {
        (Some(user_id), true) => match store::users::live_by_id(&state.db, user_id).await? {
            Some(u) if u.is_disabled() => {
                return Err(AdminError::Conflict("This account is disabled, so its welcome cannot be sent again. Enable it first.".into()));
            }
            Some(u) => u.email,
            None => return Err(AdminError::Conflict("This account has been removed, so its welcome cannot be sent again.".into())),
        },
        _ => row.email.clone(),
    };
    let email = Email::parse(&current).map_err(|e| AdminError::invalid("email", e.to_string()))?;
    if row.kind == store::invitations::KIND_WELCOME && crate::sso::required_for(&state.db, &email).await?.is_some() {
        return Err(AdminError::Conflict(
            "People with this email address sign in with their organisation's single sign-on, so no welcome email can be sent.".into(),
        ));
    }
    Ok(email)
}

/// Withdraws an invitation: its link stops working. Whoever may add such a member may withdraw it.
pub async fn withdraw(state: &AppState, actor: &AdminActor, id: &str) -> Result<InvitationView, AdminError> {
    let (row, body) = load_managed(state, actor, id).await?;
    let subject = subject_of(&row);
    let check = match &body {
        Some(body) => {
            let m = parse_membership(&row)?;
            match holding_from(state, body, &m.roles, &m.permissions).await {
                Ok(h) => actor.check(Action::AddUser(h.kind(body.kind)), Some(&body.target())),
                // Its roles or permissions are gone: whoever manages the body's members may
                // withdraw it. Any other failure (the database) is not a reason to ask less.
                Err(AdminError::Invalid { .. }) => actor.check(Action::ViewMembers, Some(&body.target())),
                Err(e) => return Err(e),
            }
        }
        None => actor.check(Action::ManageAllUsers, None),
    };
    guard(state, actor, "invitation.withdraw", &subject, check).await?;
    let current = InvitationState::of(&row, state.now());
    if !current.is_open() {
        return Err(closed(current));
    }
    let mut tx = state.db.begin().await?;
    let Some(updated) = store::invitations::withdraw(&mut tx, &row.id, state.now()).await? else {
        return Err(closed(InvitationState::Withdrawn));
    };
    audit_ok(&mut tx, state, actor, "invitation.withdraw", &subject, Some(json!({ "invitation_id": row.id, "kind": row.kind }))).await?;
    tx.commit().await.map_err(commit_err)?;
    view(state, &updated).await
}

/// A welcome as its page shows it before the person continues.
#[derive(Debug, Clone)]
pub struct WelcomeView {
    pub email: String,
    pub body_name: Option<String>,
}

const GONE: &str =
    "This link has expired, has been replaced by a newer email, or has already been used. Sign in with your email address instead.";

/// The live welcome with this token (None: unknown, used, withdrawn, replaced or expired).
pub async fn welcome(state: &AppState, secret: &str) -> Result<Option<WelcomeView>, AdminError> {
    let Some(row) = store::invitations::live_by_hash(&state.db, &token_hash(secret), state.now()).await? else { return Ok(None) };
    if row.kind != store::invitations::KIND_WELCOME {
        return Ok(None);
    }
    let body_name = match &row.body_id {
        Some(b) => store::bodies::by_id(&state.db, b).await?.map(|b| b.name),
        None => None,
    };
    Ok(Some(WelcomeView { email: row.email, body_name }))
}

/// Uses a welcome: the account it was made for is signed in (by the email's possession, like a
/// sign-in link), its address confirmed, the welcome used up, all in one transaction with the
/// audit row. Refused when the link is dead, the account disabled, removed or moved to another
/// address, the address banned or bound to single sign-on, or the inviter could not make this
/// account today. Returns the sign-in to finish (a session, or the second-factor step) and where to go.
pub async fn accept_welcome(
    state: &AppState,
    secret: &str,
    from: &ClientInfo,
    previous: Option<&SecretString>,
) -> Result<(SignedIn, &'static str), AdminError> {
    let gone = || AdminError::invalid("t", GONE);
    let hash = token_hash(secret);
    let now = state.now();
    let row = store::invitations::live_by_hash(&state.db, &hash, now).await?.ok_or_else(gone)?;
    let user_id = row.user_id.clone().filter(|_| row.kind == store::invitations::KIND_WELCOME).ok_or_else(gone)?;
    let user = match store::users::live_by_id(&state.db, &user_id).await? {
        Some(u) if u.email == row.email => u,
        _ => return Err(gone()),
    };
    let email = user.email();
    if user.is_disabled() || crate::auth::abuse::is_banned(state, &email).await? {
        refuse_welcome(state, &row, from, "not_allowed").await?;
        return Err(AdminError::Forbidden("This account cannot be signed in to. Ask the organisation that made it.".into()));
    }
    if crate::sso::required_for(&state.db, &email).await?.is_some() {
        refuse_welcome(state, &row, from, "sso_required").await?;
        return Err(AdminError::Forbidden("Your organisation signs you in with its single sign-on: use the sign-in page.".into()));
    }
    let body = match &row.body_id {
        Some(b) => Some(load_body(state, b).await.map_err(|_| gone())?),
        None => None,
    };
    check_inviter(state, &row, body.as_ref(), &user.id, from).await?;
    let sign_in = SignIn::for_user(state, &user, &[crate::auth::magic_link::AMR_EMAIL], WELCOME_NEXT, from, previous).await?;
    let mut tx = state.db.begin().await?;
    store::invitations::consume(&mut tx, &hash, email.as_str(), &user.id, now).await?.ok_or_else(gone)?;
    // Receiving the email proves the address it was sent to.
    store::users::verify_address(&mut tx, &user.id, &email, now).await?;
    store::users::touch_last_login(&mut tx, &user.id, now).await?;
    // Looked at again now that this transaction has written the account's row (so holds its lock):
    // an admin who disabled, removed or readdressed it since the checks above has committed
    // first, or waits for this sign-in and then ends it with the account's other sessions.
    match store::users::live_by_id(&mut tx, &user.id).await? {
        Some(u) if u.email == row.email && !u.is_disabled() => {}
        _ => return Err(gone()),
    }
    let details = json!({ "invitation_id": row.id, "method": "welcome" });
    audit::user_event(&mut tx, state, "invitation.accept", Some(&user.id), Some(&user.id), from, Outcome::Success, Some(details)).await?;
    let done = sign_in.write_on(state, &mut tx, &user.id).await?;
    tx.commit().await.map_err(commit_err)?;
    Ok((done, WELCOME_NEXT))
}

/// Audits a refused welcome (the person is not signed in, so there is no actor).
async fn refuse_welcome(state: &AppState, row: &InvitationRow, from: &ClientInfo, why: &str) -> Result<(), AdminError> {
    let details = json!({ "invitation_id": row.id, "reason": why });
    audit::user_event(&state.db, state, "invitation.accept", None, row.user_id.as_deref(), from, Outcome::Failure, Some(details)).await?;
    Ok(())
}

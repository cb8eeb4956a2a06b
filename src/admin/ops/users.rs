//! Users: search, show, create, edit, flag, disable, log out everywhere, reset 2FA, send a
//! sign-in email, remove (anonymise) and the superuser flag.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::memberships::{MembershipInput, MembershipView};
use super::{Page, Paging, Subject, audit_now, audit_ok, check_on_user, commit_err, guard, load_body};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::email::Email;
use crate::logout::{self, Which};
use crate::policy::delegation::Action;
use crate::store::{self, users::FlagColumn, users::UserRow};

/// A user as administrators see it (never the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub email_verified: bool,
    pub has_password: bool,
    pub superuser: bool,
    pub flagged: bool,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_at: Option<i64>,
}

impl From<&UserRow> for UserView {
    fn from(u: &UserRow) -> Self {
        UserView {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            email_verified: u.is_email_verified(),
            has_password: u.has_password(),
            superuser: u.is_superuser(),
            flagged: u.flagged != 0,
            disabled: u.is_disabled(),
            created_at: u.created_at,
            updated_at: u.updated_at,
            last_login_at: u.last_login_at,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: UserView,
    pub mfa_enabled: bool,
    /// How many passkeys and security keys the user has.
    pub passkeys: i64,
    /// The memberships the actor may see.
    pub memberships: Vec<MembershipView>,
}

/// A search: part of an email or name, optionally only flagged users or one body's members.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub flagged: bool,
    pub body_id: Option<String>,
}

/// Users the actor may see: a superuser sees everyone, a body administrator their bodies' members.
pub async fn search(state: &AppState, actor: &AdminActor, query: &UserQuery, paging: Paging) -> Result<Page<UserView>, AdminError> {
    let bodies = match &query.body_id {
        Some(b) => {
            let body = load_body(state, b).await?;
            actor.check(Action::ViewMembers, Some(&body.target()))?;
            Some(vec![b.clone()])
        }
        None => actor.administered_bodies(),
    };
    if bodies.as_ref().is_some_and(Vec::is_empty) {
        return Err(AdminError::Forbidden("You are not an administrator of any organisation.".into()));
    }
    if query.q.chars().count() > 200 {
        return Err(AdminError::invalid("q", "Search for at most 200 characters."));
    }
    let (rows, total) = store::users::search_page(
        &state.db,
        &store::users::Search {
            query: query.q.trim(),
            flagged_only: query.flagged,
            bodies: bodies.as_deref(),
            limit: paging.per_page,
            offset: paging.offset(),
        },
    )
    .await?;
    Ok(Page { items: rows.iter().map(UserView::from).collect(), total, page: paging.page, per_page: paging.per_page })
}

/// The flagged users the actor may see.
pub async fn flagged(state: &AppState, actor: &AdminActor, paging: Paging) -> Result<Page<UserView>, AdminError> {
    search(state, actor, &UserQuery { flagged: true, ..Default::default() }, paging).await
}

/// The body an action on a user is recorded under, so each body's audit log shows what its
/// administrators did to its members: the first of the user's bodies the actor administers.
async fn audit_body(state: &AppState, actor: &AdminActor, user: &UserRow) -> Result<Option<String>, AdminError> {
    let visible = actor.administered_bodies();
    Ok(store::memberships::of_user(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|m| m.body_id)
        .find(|b| visible.as_ref().is_none_or(|v| v.contains(b))))
}

async fn load(state: &AppState, id: &str) -> Result<UserRow, AdminError> {
    let mut conn = state.db.pool().acquire().await.map_err(commit_err)?;
    store::users::live_by_id(&mut conn, id).await?.ok_or(AdminError::NotFound("user"))
}

pub async fn show(state: &AppState, actor: &AdminActor, id: &str) -> Result<UserDetail, AdminError> {
    let user = load(state, id).await?;
    let visible = actor.administered_bodies();
    let mut memberships = Vec::new();
    for m in store::memberships::of_user(&state.db, &user.id).await? {
        if visible.as_ref().is_none_or(|v| v.contains(&m.body_id)) {
            memberships.push(super::memberships::view(state, &m).await?);
        }
    }
    if !actor.is_superuser() && memberships.is_empty() && actor.user_id() != Some(user.id.as_str()) {
        // Not "forbidden": whether an address has an account is not a body admin's business.
        return Err(AdminError::NotFound("user"));
    }
    let mfa_enabled = crate::auth::mfa::enrolled(state, &user.id).await?;
    let passkeys = store::passkeys::count_of_user(&state.db, &user.id).await?;
    Ok(UserDetail { user: UserView::from(&user), mfa_enabled, passkeys, memberships })
}

/// A new account: no confirmation email is sent (seed 002); the user signs in by emailed link.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    #[serde(default)]
    pub name: String,
    /// The body to add the user to, with what they hold there. Without one, superusers only.
    pub body_id: Option<String>,
    #[serde(default, flatten)]
    pub membership: MembershipInput,
    #[serde(default)]
    pub superuser: bool,
    /// Email the new user a welcome with a link that signs them in for the first time (see
    /// `admin::ops::invitations`); without it, no email is sent.
    #[serde(default)]
    pub send_welcome: bool,
}

fn clean_name(name: &str) -> Result<String, AdminError> {
    let name = name.trim();
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AdminError::invalid("name", "A name must be at most 200 characters, without control characters."));
    }
    Ok(name.to_owned())
}

async fn clean_email(state: &AppState, email: &str) -> Result<Email, AdminError> {
    let email = Email::parse(email).map_err(|e| AdminError::invalid("email", e.to_string()))?;
    if crate::auth::abuse::is_banned(state, &email).await? {
        return Err(AdminError::invalid("email", "This email address or its domain is banned."));
    }
    Ok(email)
}

/// What only the command line gives a new account: a password hash (the caller has checked the
/// password against the rules, or imports an existing hash) and a verified address. The UI and
/// API never set these: their users set a password by emailed link.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub password_hash: Option<String>,
    pub email_verified: bool,
}

pub async fn create(state: &AppState, actor: &AdminActor, input: NewUser) -> Result<UserDetail, AdminError> {
    create_with(state, actor, input, Credentials::default()).await
}

/// [`create`], with credentials (see [`Credentials`]) written in the same transaction.
pub async fn create_with(state: &AppState, actor: &AdminActor, input: NewUser, credentials: Credentials) -> Result<UserDetail, AdminError> {
    let subject = Subject { target_type: "user", target_id: "", body_id: input.body_id.as_deref() };
    if input.superuser {
        guard(state, actor, "user.create", &subject, actor.check(Action::SetSuperuser, None)).await?;
        super::require_step_up(state, actor, "user.create", &subject).await?;
    }
    let body = match &input.body_id {
        Some(b) => Some(load_body(state, b).await?),
        None => {
            guard(state, actor, "user.create", &subject, actor.check(Action::ManageAllUsers, None)).await?;
            None
        }
    };
    let name = clean_name(&input.name)?;
    let email = clean_email(state, &input.email).await?;
    let now = state.now();
    let id = store::new_id(now, &*state.rng);
    let prepared = match &body {
        Some(body) => Some(super::memberships::prepare_add(state, actor, body, &id, &input.membership).await?),
        None => None,
    };
    // Only in the body's own email domains (superusers: anywhere), so an administrator cannot
    // make an account for someone else's address that SSO or sign-in by email would later
    // hand to its real owner.
    let owners = super::accounts::Owners::of(&state.db, email.domain()).await?;
    let domain_check = crate::policy::accounts::check_new_account(
        actor.is_superuser(),
        input.body_id.as_deref(),
        email.domain(),
        &owners.of_domain(email.domain()),
    )
    .map_err(AdminError::from);
    guard(state, actor, "user.create", &subject, domain_check).await?;
    if credentials.password_hash.is_some() {
        // Not even a superuser gives a password to an address that must sign in by SSO.
        crate::policy::accounts::check_password(email.domain(), &owners.of_domain(email.domain()))
            .map_err(|d| AdminError::invalid("password", d.0))?;
    }
    let welcome = if input.send_welcome {
        let m = super::invitations::InvitedMembership {
            roles: input.membership.roles.clone().unwrap_or_default(),
            permissions: input.membership.permissions.clone().unwrap_or_default(),
            workstreams: input.membership.workstreams.clone().unwrap_or_default(),
            areas: input.membership.areas.clone().unwrap_or_default(),
        };
        Some(super::invitations::prepare_welcome(state, &email, body.as_ref(), &m).await?)
    } else {
        None
    };
    let mut tx = state.db.begin().await?;
    let new = store::users::NewUser {
        id: &id,
        email: &email,
        name: &name,
        email_verified: credentials.email_verified,
        password_hash: credentials.password_hash.as_deref(),
        superuser: input.superuser,
    };
    store::users::insert(&mut tx, &new, now).await?;
    if let Some(p) = &prepared {
        super::memberships::write_add(&mut tx, state, actor, &id, p).await?;
    }
    if let Some(body) = &body {
        store::users::set_created_for(&mut tx, &id, &body.body.id).await?;
    }
    let subject = Subject { target_type: "user", target_id: &id, body_id: input.body_id.as_deref() };
    audit_ok(
        &mut tx,
        state,
        actor,
        "user.create",
        &subject,
        Some(json!({
            "email_domain": email_domain(email.as_str()),
            "superuser": input.superuser,
            "password": credentials.password_hash.is_some(),
        })),
    )
    .await?;
    if let Some(w) = &welcome {
        super::invitations::write_welcome(&mut tx, state, actor, w, &id, &email, input.body_id.as_deref()).await?;
        store::fault_point(&state.db, &mut tx, "user_create:welcome_queued").await?;
    }
    tx.commit().await.map_err(commit_err)?;
    if welcome.is_some() {
        state.mail_wake.notify_one();
    }
    show(state, actor, &id).await
}

/// Name and email; a changed email must be free and is no longer verified.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEdit {
    pub name: Option<String>,
    pub email: Option<String>,
}

pub async fn update(state: &AppState, actor: &AdminActor, id: &str, input: UserEdit) -> Result<UserDetail, AdminError> {
    let user = load(state, id).await?;
    let body = audit_body(state, actor, &user).await?;
    let subject = Subject { target_type: "user", target_id: id, body_id: body.as_deref() };
    let mut check = check_on_user(state, actor, &user, Action::EditUser).await;
    // Compared as stored, so another spelling of the same address is no change.
    let email_changes = input.email.as_deref().is_some_and(|e| Email::parse(e).map_or(true, |e| e.as_str() != user.email));
    if check.is_ok() && email_changes {
        // Only an account created for one of the actor's bodies: a member who joined with an
        // account of their own keeps it.
        check = super::check_account_of_body(state, actor, &user, "change its email address").await;
    }
    if check.is_ok() && email_changes && !actor.is_superuser() && crate::auth::abuse::is_banned(state, &user.email()).await? {
        // Bans match addresses: moving an account off a banned address would lift the ban.
        check = Err(AdminError::Forbidden("This account's address is banned; only a superuser can change it.".into()));
    }
    if check.is_ok() && email_changes && !actor.is_superuser() && user.last_login_at.is_some() {
        // Otherwise an administrator could add any account to their body by email, point it at
        // an address of their own and sign in as its owner by emailed link.
        check = Err(AdminError::Forbidden(
            "Only a superuser can change the email address of an account its owner has already signed in with; they can change it themselves from their account page."
                .into(),
        ));
    }

    guard(state, actor, "user.update", &subject, check).await?;
    let name = match &input.name {
        Some(n) => clean_name(n)?,
        None => user.name.clone(),
    };
    let email = match &input.email {
        Some(e) => clean_email(state, e).await?.to_string(),
        None => user.email.clone(),
    };
    let mut tx = state.db.begin().await?;
    store::users::set_name_email(&mut tx, id, &name, &email, state.now()).await?;
    // The audit log is append-only and outlives anonymisation, so it records domains, never addresses.
    let details = json!({
        "name_changed": name != user.name,
        "email_changed": email != user.email,
        "email_domain_from": email_domain(&user.email),
        "email_domain_to": email_domain(&email),
    });
    audit_ok(&mut tx, state, actor, "user.update", &subject, Some(details)).await?;
    tx.commit().await.map_err(commit_err)?;
    show(state, actor, id).await
}

async fn set_flag(
    state: &AppState,
    actor: &AdminActor,
    id: &str,
    column: FlagColumn,
    value: bool,
    action: &str,
) -> Result<UserRow, AdminError> {
    let user = load(state, id).await?;
    let body = audit_body(state, actor, &user).await?;
    let subject = Subject { target_type: "user", target_id: id, body_id: body.as_deref() };
    let mut check = match column {
        FlagColumn::Superuser => actor.check(Action::SetSuperuser, None),
        _ => check_on_user(state, actor, &user, Action::EditUser).await,
    };
    if check.is_ok() && matches!(column, FlagColumn::Disabled) {
        check = super::check_account_of_body(state, actor, &user, "disable or enable it").await;
    }
    guard(state, actor, action, &subject, check).await?;
    let against_self = match column {
        FlagColumn::Disabled => value,
        FlagColumn::Superuser => !value,
        FlagColumn::Flagged => false,
    };
    if against_self && actor.user_id() == Some(id) {
        return Err(AdminError::invalid("user", "You cannot do this to your own account; ask another superuser."));
    }
    if matches!(column, FlagColumn::Disabled) && value {
        super::keep_staff_managers_of_user(state, actor, id).await?;
    }
    // An account disabled at start-up because its stored address is not one Stile keeps
    // (`store::idn`) would slip past bans and single sign-on that match the address: enabled
    // only once its address is put right.
    if matches!(column, FlagColumn::Disabled) && !value && Email::parse(&user.email).map_or(true, |e| e.as_str() != user.email) {
        return Err(AdminError::invalid(
            "user",
            "This account's address is not written the way Stile keeps addresses now; change its address before enabling it.",
        ));
    }
    // Disabling ends every session and revokes every token in the same transaction as the flag
    // and its audit row: a lost connection never leaves a disabled account signed in.
    let ending =
        if matches!(column, FlagColumn::Disabled) && value { Some(logout::Ending::read(state, id, Which::All).await?) } else { None };
    let mut tx = state.db.begin().await?;
    store::users::set_flag(&mut tx, id, column, value, state.now()).await?;
    if matches!(column, FlagColumn::Superuser | FlagColumn::Disabled)
        && user.is_superuser()
        && store::users::count_active_superusers(&mut tx).await? == 0
    {
        return Err(AdminError::invalid("user", "This is the last superuser; make someone else a superuser first."));
    }
    let ended = match ending {
        Some(e) => Some(e.write_on(state, &mut tx).await?),
        None => None,
    };
    store::fault_point(&state.db, &mut tx, "user_flag:written").await?;
    audit_ok(&mut tx, state, actor, action, &subject, Some(json!({ "value": value }))).await?;
    tx.commit().await.map_err(commit_err)?;
    if let Some(ended) = ended {
        ended.notify(state);
    }
    Ok(user)
}

pub async fn set_flagged(state: &AppState, actor: &AdminActor, id: &str, flagged: bool) -> Result<UserDetail, AdminError> {
    set_flag(state, actor, id, FlagColumn::Flagged, flagged, if flagged { "user.flag" } else { "user.unflag" }).await?;
    show(state, actor, id).await
}

/// Disabling also ends every session and revokes every token of the user.
pub async fn set_disabled(state: &AppState, actor: &AdminActor, id: &str, disabled: bool) -> Result<UserDetail, AdminError> {
    set_flag(state, actor, id, FlagColumn::Disabled, disabled, if disabled { "user.disable" } else { "user.enable" }).await?;
    show(state, actor, id).await
}

/// Making a superuser needs step-up (a second factor entered within the last few minutes).
pub async fn set_superuser(state: &AppState, actor: &AdminActor, id: &str, superuser: bool) -> Result<UserDetail, AdminError> {
    // Only superusers pass the policy check in `set_flag`; step-up is asked of them alone, so
    // anyone else is refused as before rather than sent to enter a code first.
    if superuser && actor.is_superuser() {
        super::require_step_up(state, actor, "user.superuser.grant", &Subject { target_type: "user", target_id: id, body_id: None })
            .await?;
    }
    set_flag(state, actor, id, FlagColumn::Superuser, superuser, if superuser { "user.superuser.grant" } else { "user.superuser.revoke" })
        .await?;
    show(state, actor, id).await
}

/// Ends every session, revokes every refresh token and grant (offline ones too) and sends
/// back-channel logouts; returns how many sessions ended.
pub async fn logout_everywhere(state: &AppState, actor: &AdminActor, id: &str) -> Result<usize, AdminError> {
    Ok(logout_everywhere_tracked(state, actor, id).await?.0)
}

/// As [`logout_everywhere`], also returning the back-channel deliveries, so a caller about to
/// exit (the command line) can wait for them.
pub async fn logout_everywhere_tracked(
    state: &AppState,
    actor: &AdminActor,
    id: &str,
) -> Result<(usize, Vec<tokio::task::JoinHandle<()>>), AdminError> {
    let user = load(state, id).await?;
    let body = audit_body(state, actor, &user).await?;
    let subject = Subject { target_type: "user", target_id: id, body_id: body.as_deref() };
    guard(state, actor, "user.logout_everywhere", &subject, check_on_user(state, actor, &user, Action::EditUser).await).await?;
    // The sessions, their tokens and the audit row together.
    let ending = logout::Ending::read(state, id, Which::All).await?;
    let mut tx = state.db.begin().await?;
    let ended = ending.write_on(state, &mut tx).await?;
    let count = ended.count();
    audit_ok(&mut tx, state, actor, "user.logout_everywhere", &subject, Some(json!({ "sessions": count }))).await?;
    tx.commit().await.map_err(commit_err)?;
    Ok((count, ended.notify(state)))
}

/// Removes the user's second factor (they are told by email); returns whether they had one.
pub async fn reset_mfa(state: &AppState, actor: &AdminActor, id: &str) -> Result<bool, AdminError> {
    let user = load(state, id).await?;
    let body = audit_body(state, actor, &user).await?;
    let subject = Subject { target_type: "user", target_id: id, body_id: body.as_deref() };
    let mut check = check_on_user(state, actor, &user, Action::EditUser).await;
    if check.is_ok() {
        check = super::check_account_of_body(state, actor, &user, "reset its second factor").await;
    }
    guard(state, actor, "mfa.admin_reset", &subject, check).await?;
    Ok(crate::auth::mfa::admin_reset(state, actor.user_id(), &user, &actor.from).await?)
}

/// Removes every passkey and security key of the user (within the same rules as resetting their
/// second factor); returns how many there were.
pub async fn remove_passkeys(state: &AppState, actor: &AdminActor, id: &str) -> Result<u64, AdminError> {
    let user = load(state, id).await?;
    let body = audit_body(state, actor, &user).await?;
    let subject = Subject { target_type: "user", target_id: id, body_id: body.as_deref() };
    let mut check = check_on_user(state, actor, &user, Action::EditUser).await;
    if check.is_ok() {
        check = super::check_account_of_body(state, actor, &user, "remove its passkeys").await;
    }
    guard(state, actor, "passkey.admin_remove_all", &subject, check).await?;
    Ok(crate::auth::passkeys::admin_remove_all(state, actor.user_id(), &user, &actor.from).await?)
}

/// Sends the user a sign-in link and code, as if they had asked for one.
pub async fn send_sign_in_email(state: &AppState, actor: &AdminActor, id: &str) -> Result<(), AdminError> {
    let user = load(state, id).await?;
    let body = audit_body(state, actor, &user).await?;
    let subject = Subject { target_type: "user", target_id: id, body_id: body.as_deref() };
    guard(state, actor, "user.send_sign_in_email", &subject, check_on_user(state, actor, &user, Action::EditUser).await).await?;
    if user.is_disabled() {
        return Err(AdminError::invalid("user", "This account is disabled; enable it first."));
    }
    crate::auth::magic_link::request(state, user.email.as_str(), "/account", &actor.from, crate::auth::magic_link::AskedBy::Administrator)
        .await
        .map_err(|e| match e {
            crate::auth::magic_link::MagicLinkError::TooManyRequests { minutes } => {
                AdminError::Conflict(format!("Too many sign-in emails have been sent; try again in {minutes} minute(s)."))
            }
            other => AdminError::Internal(crate::error::error_chain(&other)),
        })?;
    audit_now(state, actor, "user.send_sign_in_email", &subject, None).await
}

/// Removes a user: signs them out everywhere, then blanks their personal data and removes their
/// memberships, second factor and links. The row and its id stay, so the audit log still names it.
pub async fn remove(state: &AppState, actor: &AdminActor, id: &str) -> Result<(), AdminError> {
    let user = load(state, id).await?;
    let body = audit_body(state, actor, &user).await?;
    let subject = Subject { target_type: "user", target_id: id, body_id: body.as_deref() };
    let mut check = check_on_user(state, actor, &user, Action::RemoveUser).await;
    if check.is_ok() {
        check = super::check_account_of_body(state, actor, &user, "remove the account").await;
    }
    guard(state, actor, "user.remove", &subject, check).await?;
    if actor.user_id() == Some(id) {
        return Err(AdminError::invalid("user", "You cannot remove your own account here."));
    }
    super::keep_staff_managers_of_user(state, actor, id).await?;
    // The sessions and tokens end in the removal's transaction: a refused removal (the last
    // superuser) or a lost connection leaves the account exactly as it was.
    let ending = logout::Ending::read(state, id, Which::All).await?;
    let mut tx = state.db.begin().await?;
    store::users::anonymise(&mut tx, id, state.now()).await?;
    if user.is_superuser() && store::users::count_active_superusers(&mut tx).await? == 0 {
        return Err(AdminError::invalid("user", "This is the last superuser; make someone else a superuser first."));
    }
    let ended = ending.write_on(state, &mut tx).await?;
    store::fault_point(&state.db, &mut tx, "user_remove:written").await?;
    audit_ok(&mut tx, state, actor, "user.remove", &subject, None).await?;
    tx.commit().await.map_err(commit_err)?;
    ended.notify(state);
    Ok(())
}

fn email_domain(address: &str) -> &str {
    address.rsplit_once('@').map_or("", |(_, d)| d)
}

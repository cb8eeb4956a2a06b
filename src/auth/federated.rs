//! Turning a verified upstream identity into a Stile user: account linking, just-in-time
//! provisioning, and the body membership and roles the upstream groups map to. Protocol-neutral.

use serde_json::json;

use super::ClientInfo;
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::email::Email;
use crate::sso::{Connection, UpstreamIdentity};
use crate::store::{self, StoreError, federated::MembershipSync, users::NewUser, users::UserRow};

/// `amr` for a sign-in through an upstream IdP (RFC 8176 has no value for it; "fed" is what
/// several IdPs use).
pub const AMR_FEDERATED: &str = "fed";
/// `amr` added when the upstream's second factor is trusted.
pub const AMR_MFA: &str = "mfa";

/// The window of `[throttle] sso_max_starts` (a fixed window from the address's first start; the
/// refusal page says ten minutes).
pub(crate) const START_WINDOW_SECS: i64 = 600;

/// Counts an upstream sign-in started from this address; false when it has started too many.
/// Counted and read in one statement, so parallel starts can never all see room for one more.
pub async fn may_start(state: &AppState, client: &ClientInfo) -> Result<bool, StoreError> {
    let key = format!("sso:start:{}", client.network());
    let now = state.now();
    let counted = store::throttle::reserve(&state.db, &key, now, now - START_WINDOW_SECS).await?;
    if counted.attempts > state.settings.throttle.sso_max_starts {
        audit::user_event(&state.db, state, "signin.sso.limited", None, None, client, Outcome::Failure, None).await?;
        return Ok(false);
    }
    Ok(true)
}

#[derive(Debug, thiserror::Error)]
pub enum FederatedError {
    /// No linked account, no account with a verified address in the connection's domains, and
    /// just-in-time provisioning is off (or the address cannot be used).
    #[error("no account for this upstream identity")]
    NoAccount,
    #[error("the account is disabled")]
    Disabled,
    /// The address or its domain is banned (the abuse table).
    #[error("the address is banned")]
    Banned,
    #[error("the upstream identity has no subject")]
    NoSubject,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the upstream sign-in settled.
#[derive(Debug)]
pub struct Federated {
    pub user: UserRow,
    /// The upstream's second factor counts: the connection trusts it and the upstream did it.
    pub mfa_done: bool,
    /// The IdP, trusted for it, said a phishing-resistant factor was used: the sign-in meets
    /// the `phishing_resistant` level.
    pub phr_done: bool,
}

async fn refuse<T>(
    state: &AppState,
    conn: &Connection,
    target: Option<&str>,
    client: &ClientInfo,
    reason: &str,
    err: FederatedError,
) -> Result<T, FederatedError> {
    let details = json!({ "connection_id": conn.id, "reason": reason });
    audit::user_event(&state.db, state, "signin.sso", None, target, client, Outcome::Failure, Some(details)).await?;
    Err(err)
}

/// Finds or makes the user for `id`, sets their membership and mapped roles, and audits.
pub async fn sign_in(state: &AppState, conn: &Connection, id: &UpstreamIdentity, client: &ClientInfo) -> Result<Federated, FederatedError> {
    if id.subject.is_empty() {
        return refuse(state, conn, None, client, "no_subject", FederatedError::NoSubject).await;
    }
    // A banned address or domain neither signs in nor gets an account, whatever the IdP says;
    // checked before anything is written.
    if let Some(email) = id.email.as_deref().and_then(|e| Email::parse(e).ok())
        && super::abuse::is_banned(state, &email).await?
    {
        return refuse(state, conn, None, client, "banned", FederatedError::Banned).await;
    }
    let now = state.now();
    let link = store::federated::get(&state.db, &conn.id, &id.subject).await?;
    let user = match &link {
        Some(link) => store::users::by_id(&state.db, &link.user_id).await?,
        None => first_sign_in(state, conn, id, client).await?,
    };
    let Some(user) = user else {
        return refuse(state, conn, None, client, "no_account", FederatedError::NoAccount).await;
    };
    if user.is_disabled() {
        return refuse(state, conn, Some(&user.id), client, "disabled", FederatedError::Disabled).await;
    }
    // The account's own address may differ from what the IdP sent.
    if super::abuse::is_banned(state, &user.email()).await? {
        return refuse(state, conn, Some(&user.id), client, "banned", FederatedError::Banned).await;
    }
    if link.is_some() {
        store::federated::touch(&state.db, &conn.id, &id.subject, now).await?;
    }
    if user.name.is_empty()
        && let Some(name) = id.name.as_deref().map(str::trim).filter(|n| !n.is_empty())
    {
        store::users::set_name(&state.db, &user.id, &name.chars().take(200).collect::<String>(), now).await?;
    }
    sync_roles(state, conn, &user, id, client).await?;
    store::users::touch_last_login(&state.db, &user.id, now).await?;
    // A phishing-resistant factor upstream is a second factor too, where the IdP is trusted.
    let phr_done = conn.trust_upstream_phr && id.upstream_phr;
    let mfa_done = phr_done || (conn.trust_upstream_mfa && id.upstream_mfa);
    let details = json!({
        "connection_id": conn.id,
        "upstream_mfa": id.upstream_mfa,
        "upstream_phr": id.upstream_phr,
        "mfa_trusted": mfa_done,
        "phr_trusted": phr_done,
        "upstream_amr": id.amr,
    });
    audit::user_event(&state.db, state, "signin.sso", Some(&user.id), Some(&user.id), client, Outcome::Success, Some(details)).await?;
    let user = store::users::by_id(&state.db, &user.id).await?.unwrap_or(user);
    Ok(Federated { user, mfa_done, phr_done })
}

/// The email the upstream vouches for, if it may be used to link or create an account: verified
/// and in one of the connection's domains (so one council's IdP cannot claim another's staff).
fn usable_email(conn: &Connection, id: &UpstreamIdentity) -> Result<Email, &'static str> {
    let raw = id.email.as_deref().filter(|e| !e.trim().is_empty()).ok_or("no_email")?;
    let email = Email::parse(raw).map_err(|_| "bad_email")?;
    if !id.email_verified {
        return Err("email_not_verified");
    }
    if !conn.serves_domain(email.domain()) {
        return Err("email_domain_not_served");
    }
    Ok(email)
}

/// No link yet: link to the account with this verified address, or create one (JIT).
async fn first_sign_in(
    state: &AppState,
    conn: &Connection,
    id: &UpstreamIdentity,
    client: &ClientInfo,
) -> Result<Option<UserRow>, FederatedError> {
    let now = state.now();
    let email = match usable_email(conn, id) {
        Ok(e) => e,
        Err(reason) => return refuse(state, conn, None, client, reason, FederatedError::NoAccount).await,
    };
    if let Some(existing) = store::users::by_email(&state.db, &email).await? {
        // A disabled account is not linked (sign_in refuses it next, with nothing written).
        if existing.is_disabled() {
            return Ok(Some(existing));
        }
        match store::federated::link(&state.db, &conn.id, &id.subject, &existing.id, now).await {
            Ok(()) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
        // The IdP vouches for the address in one of its own domains.
        store::users::set_email_verified(&state.db, &existing.id, now).await?;
        let details = json!({ "connection_id": conn.id, "by": "email" });
        audit::user_event(&state.db, state, "sso.link", Some(&existing.id), Some(&existing.id), client, Outcome::Success, Some(details))
            .await?;
        return Ok(Some(existing));
    }
    if !conn.jit {
        return refuse(state, conn, None, client, "jit_off", FederatedError::NoAccount).await;
    }
    // No new accounts for a suspended or disabled body: its members cannot act for it.
    if !body_active(state, conn).await? {
        return refuse(state, conn, None, client, "body_not_active", FederatedError::NoAccount).await;
    }
    let user_id = store::new_id(now, &*state.rng);
    let name: String = id.name.as_deref().unwrap_or("").trim().chars().take(200).collect();
    let new = NewUser { id: &user_id, email: &email, name: &name, email_verified: true, password_hash: None, superuser: false };
    match store::federated::provision(&state.db, &new, &conn.id, &id.subject, now).await {
        Ok(()) => {}
        // A parallel first sign-in made the account or the link: use what it made.
        Err(StoreError::Conflict(_)) => {
            return Ok(match store::federated::get(&state.db, &conn.id, &id.subject).await? {
                Some(link) => store::users::by_id(&state.db, &link.user_id).await?,
                None => None,
            });
        }
        Err(e) => return Err(e.into()),
    }
    let details = json!({ "via": "sso", "connection_id": conn.id, "body_id": conn.body_id });
    audit::user_event(&state.db, state, "user.create", Some(&user_id), Some(&user_id), client, Outcome::Success, Some(details)).await?;
    Ok(store::users::by_id(&state.db, &user_id).await?)
}

/// Membership of the connection's body, and exactly the mapped roles the upstream grants now.
async fn sync_roles(
    state: &AppState,
    conn: &Connection,
    user: &UserRow,
    id: &UpstreamIdentity,
    client: &ClientInfo,
) -> Result<(), FederatedError> {
    let now = state.now();
    let body = store::bodies::by_id(&state.db, &conn.body_id).await?;
    // While the body is suspended or disabled its memberships stay as they are: a sign-in neither
    // joins it nor grants or removes roles (lifting the suspension must not find roles the IdP
    // handed out meanwhile). Tokens and claims leave such a body out anyway.
    if body.as_ref().is_none_or(|b| !b.status.is_active()) {
        let details = json!({ "connection_id": conn.id, "body_id": conn.body_id, "skipped": "body_not_active" });
        audit::user_event(&state.db, state, "sso.roles", None, Some(&user.id), client, Outcome::Failure, Some(details)).await?;
        return Ok(());
    }
    let default_role = body.as_ref().and_then(|b| b.default_role_id.clone());
    let (wanted, managed) = conn.mapped_roles(&id.groups);
    let membership_id = store::new_id(now, &*state.rng);
    let sync = store::federated::sync_membership(
        &state.db,
        &MembershipSync {
            new_membership_id: &membership_id,
            user_id: &user.id,
            body_id: &conn.body_id,
            default_role: default_role.as_deref(),
            wanted: &wanted,
            managed: &managed,
        },
        now,
    )
    .await?;
    if sync.joined || !sync.added.is_empty() || !sync.removed.is_empty() {
        let details = json!({
            "connection_id": conn.id,
            "body_id": conn.body_id,
            "joined": sync.joined,
            "roles_added": sync.added,
            "roles_removed": sync.removed,
        });
        audit::user_event(&state.db, state, "sso.roles", None, Some(&user.id), client, Outcome::Success, Some(details)).await?;
    }
    Ok(())
}

async fn body_active(state: &AppState, conn: &Connection) -> Result<bool, StoreError> {
    Ok(store::bodies::by_id(&state.db, &conn.body_id).await?.is_some_and(|b| b.status.is_active()))
}

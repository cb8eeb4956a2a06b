//! Password sign-in with per-account and per-address throttling. Known and unknown emails do
//! the same work (a dummy hash is verified) and get the same answers.

use serde_json::json;

use super::{AuthError, ClientInfo};
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::email::{Email, EmailError};
use crate::policy::lockout::{self, LockoutRule};
use crate::secret::SecretString;
use crate::store::{self, users::UserRow};

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("{0}")]
    BadEmail(#[from] EmailError),
    #[error("That email and password do not match. Check them and try again.")]
    InvalidCredentials,
    #[error("Too many failed attempts. Wait {minutes} minute(s) and try again.")]
    Locked { minutes: i64 },
    #[error("Too many people are signing in right now. Wait a moment and try again.")]
    Busy,
    #[error("{}", .0.explain())]
    SsoRequired(super::SsoRequired),
    #[error(transparent)]
    Internal(#[from] AuthError),
}

impl From<store::StoreError> for LoginError {
    fn from(e: store::StoreError) -> Self {
        LoginError::Internal(AuthError::Store(e))
    }
}

fn account_key(email: &Email) -> String {
    format!("signin:account:{email}")
}

fn ip_key(ip: &str) -> String {
    format!("signin:ip:{ip}")
}

pub fn account_rule(state: &AppState) -> LockoutRule {
    let t = &state.settings.throttle;
    LockoutRule { max_failures: t.account_max_failures, window_secs: t.account_window_secs, lockout_secs: t.account_lockout_secs }
}

pub fn ip_rule(state: &AppState) -> LockoutRule {
    let t = &state.settings.throttle;
    LockoutRule { max_failures: t.ip_max_failures, window_secs: t.ip_window_secs, lockout_secs: t.ip_lockout_secs }
}

/// Refuses early when the account or the address is locked.
async fn check_locks(state: &AppState, email: &Email, client: &ClientInfo) -> Result<(), LoginError> {
    let now = state.now();
    for key in [account_key(email), ip_key(&client.ip)] {
        if let Some(until) = store::throttle::locked_until(&state.db, &key, now).await? {
            return Err(LoginError::Locked { minutes: lockout::minutes_left(until, now) });
        }
    }
    Ok(())
}

/// Checks an email and password. On success returns the user; the caller starts the session.
#[tracing::instrument(skip_all)]
pub async fn password_sign_in(
    state: &AppState,
    email_input: &str,
    password: &SecretString,
    client: &ClientInfo,
) -> Result<UserRow, LoginError> {
    let email = Email::parse(email_input)?;
    if let Some(required) = super::sso_required(state, &email, "signin.password", client).await? {
        return Err(LoginError::SsoRequired(required));
    }
    check_locks(state, &email, client).await?;

    let user = store::users::by_email(&state.db, &email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let verified = state.hasher.verify(password, stored).await.map_err(|e| match e {
        super::password::HashError::Busy => LoginError::Busy,
        other => LoginError::Internal(other.into()),
    })?;

    let banned = super::abuse::is_banned(state, &email).await?;
    let user = match user {
        Some(u) if verified.ok && !u.is_disabled() && !banned => u,
        other => {
            let reason = match &other {
                None => "unknown_email",
                Some(_) if banned && verified.ok => "banned",
                Some(u) if u.is_disabled() && verified.ok => "disabled",
                Some(u) if !u.has_password() => "no_password",
                Some(_) => "wrong_password",
            };
            let target = other.as_ref().map(|u| u.id.as_str());
            audit::user_event(state, "signin.password", None, target, client, Outcome::Failure, Some(json!({ "reason": reason }))).await?;
            let account_locked = super::throttle::count_failure(state, &account_key(&email), account_rule(state)).await?;
            let ip_locked = super::throttle::count_failure(state, &ip_key(&client.ip), ip_rule(state)).await?;
            if let Some(until) = account_locked.or(ip_locked) {
                let scope = if account_locked.is_some() { "account" } else { "ip" };
                audit::user_event(
                    state,
                    "signin.locked",
                    None,
                    target,
                    client,
                    Outcome::Failure,
                    Some(json!({ "scope": scope, "until": until })),
                )
                .await?;
                return Err(LoginError::Locked { minutes: lockout::minutes_left(until, state.now()) });
            }
            return Err(LoginError::InvalidCredentials);
        }
    };

    store::throttle::clear_failures(&state.db, &account_key(&email)).await?;
    if verified.needs_rehash
        && let Some(old) = user.password_hash.as_deref()
    {
        match state.hasher.hash(password).await {
            Ok(new) => {
                if store::users::upgrade_password_hash(&state.db, &user.id, old, &new, state.now()).await? {
                    let from = if old.starts_with("$2") { "bcrypt" } else { "argon2id (old parameters)" };
                    audit::user_event(
                        state,
                        "password.rehash",
                        Some(&user.id),
                        Some(&user.id),
                        client,
                        Outcome::Success,
                        Some(json!({ "from": from })),
                    )
                    .await?;
                }
            }
            // The sign-in itself succeeded; the upgrade will be tried again next time.
            Err(e) => tracing::warn!(error = %e, "password rehash skipped"),
        }
    }
    store::users::touch_last_login(&state.db, &user.id, state.now()).await?;
    audit::user_event(state, "signin.password", Some(&user.id), Some(&user.id), client, Outcome::Success, None).await?;
    Ok(user)
}

//! Password sign-in with per-account and per-address throttling. Known and unknown emails do
//! the same work (a dummy hash is verified) and get the same answers.

use serde_json::json;

use super::session::{AMR_PASSWORD, SignIn, SignedIn};
use super::throttle::Reservation;
use super::{AuthError, ClientInfo};
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::clock::Timestamp;
use crate::config::ThrottleSettings;
use crate::email::{Email, EmailError};
use crate::policy::lockout::{self, LockoutRule};
use crate::secret::SecretString;
use crate::store::{self, Db, users::UserRow};

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

/// The throttle key of an account's password sign-ins: the address's hash, since the throttle
/// table (and what is copied from it) is no place for addresses.
pub(crate) fn account_key(email: &Email) -> String {
    format!("signin:account:{}", crate::secret::token_hash(email.as_str()))
}

fn ip_key(ip: &str) -> String {
    format!("signin:ip:{ip}")
}

pub fn account_rule(t: &ThrottleSettings) -> LockoutRule {
    LockoutRule { max_failures: t.account_max_failures, window_secs: t.account_window_secs, lockout_secs: t.account_lockout_secs }
}

pub fn ip_rule(t: &ThrottleSettings) -> LockoutRule {
    LockoutRule { max_failures: t.ip_max_failures, window_secs: t.ip_window_secs, lockout_secs: t.ip_lockout_secs }
}

/// Counts this attempt against the account and the address before the password is hashed;
/// refuses without hashing when either is locked or over its limit. Returns the attempt numbers.
///
/// Both are counted in one transaction (one commit, not two, on a sign-in's path). A refusal
/// rolls it back, so neither key counts an attempt that checked nothing.
async fn reserve(db: &Db, rules: &ThrottleSettings, email: &Email, ip: &str, now: Timestamp) -> Result<(i64, i64), LoginError> {
    let mut tx = db.begin().await?;
    let account = match super::throttle::reserve_on(&mut tx, &account_key(email), account_rule(rules), now).await? {
        Reservation::Go { attempts } => attempts,
        Reservation::Locked { until } => return Err(LoginError::Locked { minutes: lockout::minutes_left(until, now) }),
    };
    store::fault_point(db, &mut tx, "signin_password:reserved").await?;
    match super::throttle::reserve_on(&mut tx, &ip_key(ip), ip_rule(rules), now).await? {
        Reservation::Go { attempts } => {
            tx.commit().await.map_err(store::StoreError::from)?;
            Ok((account, attempts))
        }
        Reservation::Locked { until } => Err(LoginError::Locked { minutes: lockout::minutes_left(until, now) }),
    }
}

/// Checks an email and password. On success returns the user and what was started for them:
/// the session (ending `previous`, the browser's old one), or the sign-in parked for its second
/// factor, written in the transaction that records the success.
#[tracing::instrument(skip_all)]
pub async fn password_sign_in(
    state: &AppState,
    email_input: &str,
    password: &SecretString,
    client: &ClientInfo,
    next: &str,
    previous: Option<&SecretString>,
) -> Result<(UserRow, SignedIn), LoginError> {
    let email = Email::parse(email_input)?;
    if let Some(required) = super::sso_required(state, &email, "signin.password", client).await? {
        return Err(LoginError::SsoRequired(required));
    }
    reserve(&state.db, &state.settings.throttle, &email, &client.network(), state.now()).await?;

    let user = store::users::by_email(&state.db, &email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let verified = match state.hasher.verify(password, stored).await {
        Ok(v) => v,
        Err(e) => {
            // Nothing was checked: give both attempts back.
            let mut tx = state.db.begin().await?;
            super::throttle::release(&mut tx, &account_key(&email), state.now()).await?;
            super::throttle::release(&mut tx, &ip_key(&client.network()), state.now()).await?;
            tx.commit().await.map_err(store::StoreError::from)?;
            return Err(match e {
                super::password::HashError::Busy => LoginError::Busy,
                other => LoginError::Internal(other.into()),
            });
        }
    };

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
            // The failure, the counts and any lock it causes land together.
            let (rules, now) = (&state.settings.throttle, state.now());
            let mut tx = state.db.begin().await?;
            audit::user_event(&mut tx, state, "signin.password", None, target, client, Outcome::Failure, Some(json!({ "reason": reason })))
                .await?;
            store::fault_point(&state.db, &mut tx, "signin_password:failure_audited").await?;
            let account_locked = super::throttle::failed(&mut tx, &account_key(&email), account_rule(rules), now).await?;
            let ip_locked = super::throttle::failed(&mut tx, &ip_key(&client.network()), ip_rule(rules), now).await?;
            let locked = account_locked.or(ip_locked);
            if let Some(until) = locked {
                let scope = if account_locked.is_some() { "account" } else { "ip" };
                audit::user_event(
                    &mut tx,
                    state,
                    "signin.locked",
                    None,
                    target,
                    client,
                    Outcome::Failure,
                    Some(json!({ "scope": scope, "until": until })),
                )
                .await?;
            }
            tx.commit().await.map_err(store::StoreError::from)?;
            return Err(match locked {
                Some(until) => LoginError::Locked { minutes: lockout::minutes_left(until, now) },
                None => LoginError::InvalidCredentials,
            });
        }
    };

    // Whether a second factor is due is read before the transaction, so that it holds no lock
    // across reads.
    let sign_in = SignIn::for_user(state, &user, &[AMR_PASSWORD], next, client, previous).await?;
    // One transaction (a sign-in commits twice: the attempt counted before the hash, then this;
    // an upgrade of an old hash adds its own after):
    // the account's count starts afresh, the address's attempt is given back, the last sign-in
    // time and its audit row are written, and the session or parked sign-in starts. Guesses sent
    // in parallel with this one may have locked the account meanwhile: a lock holds against the
    // right password too, and then nothing of the success is written.
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if let Some(until) = super::throttle::succeeded(&mut tx, &account_key(&email), now).await? {
        audit::user_event(
            &mut tx,
            state,
            "signin.password",
            None,
            Some(&user.id),
            client,
            Outcome::Failure,
            Some(json!({ "reason": "locked" })),
        )
        .await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        return Err(LoginError::Locked { minutes: lockout::minutes_left(until, now) });
    }
    super::throttle::release(&mut tx, &ip_key(&client.network()), now).await?;
    store::fault_point(&state.db, &mut tx, "signin_password:cleared").await?;
    store::users::touch_last_login(&mut tx, &user.id, now).await?;
    audit::user_event(&mut tx, state, "signin.password", Some(&user.id), Some(&user.id), client, Outcome::Success, None).await?;
    let signed_in = sign_in.write_on(state, &mut tx, &user.id).await?;
    store::fault_point(&state.db, &mut tx, "signin_password:started").await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    // After the commit, so that no transaction is held across a hash. The sign-in has succeeded
    // and its session is written: a failed upgrade is tried again next time, not answered.
    if verified.needs_rehash
        && let Some(old) = user.password_hash.as_deref()
        && let Err(e) = upgrade_hash(state, &user.id, old, password, client).await
    {
        tracing::warn!(error = %e, "password rehash skipped");
    }
    Ok((user, signed_in))
}

/// Replaces a hash made with old parameters (or bcrypt, from an import) by one made now, unless
/// the hash changed meanwhile; audited.
async fn upgrade_hash(state: &AppState, user_id: &str, old: &str, password: &SecretString, client: &ClientInfo) -> Result<(), AuthError> {
    let new = state.hasher.hash(password).await?;
    if store::users::upgrade_password_hash(&state.db, user_id, old, &new, state.now()).await? {
        let from = if old.starts_with("$2") { "bcrypt" } else { "argon2id (old parameters)" };
        let details = Some(json!({ "from": from }));
        audit::user_event(&state.db, state, "password.rehash", Some(user_id), Some(user_id), client, Outcome::Success, details).await?;
    }
    Ok(())
}

/// Checks a signed-in person's current password (before they change it), counted against the
/// same per-account lockout as signing in: a stolen session cannot guess it without limit, and a
/// locked account refuses even the right one. `Ok(())` when it is right, or when the account has
/// no password to check.
pub async fn check_current_password(state: &AppState, user: &UserRow, password: &SecretString) -> Result<(), LoginError> {
    let Some(stored) = user.password_hash.as_deref() else { return Ok(()) };
    let email = Email::parse(&user.email)?;
    let key = account_key(&email);
    if let Reservation::Locked { until } =
        super::throttle::reserve(&state.db, &key, account_rule(&state.settings.throttle), state.now()).await?
    {
        return Err(LoginError::Locked { minutes: lockout::minutes_left(until, state.now()) });
    }
    let verified = match state.hasher.verify(password, Some(stored)).await {
        Ok(v) => v,
        Err(e) => {
            super::throttle::release(&state.db, &key, state.now()).await?;
            return Err(match e {
                super::password::HashError::Busy => LoginError::Busy,
                other => LoginError::Internal(other.into()),
            });
        }
    };
    if !verified.ok {
        return Err(match super::throttle::failed(&state.db, &key, account_rule(&state.settings.throttle), state.now()).await? {
            Some(until) => LoginError::Locked { minutes: lockout::minutes_left(until, state.now()) },
            None => LoginError::InvalidCredentials,
        });
    }
    match super::throttle::succeeded(&state.db, &key, state.now()).await? {
        Some(until) => Err(LoginError::Locked { minutes: lockout::minutes_left(until, state.now()) }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::testing::scratch_db;

    const T0: Timestamp = 1_800_000_000;
    const RULES: ThrottleSettings = ThrottleSettings {
        account_max_failures: 2,
        account_window_secs: 600,
        account_lockout_secs: 900,
        ip_max_failures: 3,
        ip_window_secs: 300,
        ip_lockout_secs: 1200,
        sso_max_starts: 300,
    };

    fn locked_for(r: Result<(i64, i64), LoginError>) -> i64 {
        match r {
            Err(LoginError::Locked { minutes }) => minutes,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn each_attempt_counts_against_the_account_and_the_address_in_their_windows() {
        let (db, _dir) = scratch_db().await;
        let ann = Email::parse("ann@example.org").unwrap();
        assert_eq!(reserve(&db, &RULES, &ann, "192.0.2.1", T0).await.unwrap(), (1, 1));
        assert_eq!(reserve(&db, &RULES, &ann, "192.0.2.2", T0 + 1).await.unwrap(), (2, 1));
        // A third in the account's window is refused before any hashing, for the lockout time.
        assert_eq!(locked_for(reserve(&db, &RULES, &ann, "192.0.2.3", T0 + 2).await), lockout::minutes_left(T0 + 2 + 900, T0 + 2));
        // Past the window the account's count starts afresh.
        assert_eq!(reserve(&db, &RULES, &ann, "192.0.2.1", T0 + 600).await.unwrap(), (1, 1), "both windows have ended");
    }

    #[tokio::test]
    async fn an_address_over_its_limit_gives_the_accounts_attempt_back() {
        let (db, _dir) = scratch_db().await;
        let ip = "198.51.100.7";
        for (n, who) in ["a@example.org", "b@example.org", "c@example.org"].into_iter().enumerate() {
            let e = Email::parse(who).unwrap();
            assert_eq!(reserve(&db, &RULES, &e, ip, T0).await.unwrap().1, i64::try_from(n).unwrap() + 1);
        }
        let dee = Email::parse("d@example.org").unwrap();
        assert_eq!(locked_for(reserve(&db, &RULES, &dee, ip, T0).await), lockout::minutes_left(T0 + 1200, T0));
        // The refused attempt checked nothing: Dee's account has its first attempt still.
        assert_eq!(reserve(&db, &RULES, &dee, "198.51.100.8", T0).await.unwrap(), (1, 1));
        assert_eq!(reserve(&db, &RULES, &dee, ip, T0 + 300).await.unwrap(), (2, 1), "the address's window has ended");
    }
}

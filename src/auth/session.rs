//! Server-side sessions: the browser holds a random secret, the database its hash.

use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::ClientInfo;
use crate::clock::Timestamp;
use crate::config::SessionSettings;
use crate::policy::mfa::ACR_SINGLE;
use crate::secret::{SecretString, random_id, random_token, token_hash};
use crate::store::{self, Db, StoreError, grants::TokenRow, sessions::SessionRow, users::UserRow};

/// How the user authenticated, for `amr` (RFC 8176).
pub const AMR_PASSWORD: &str = "pwd";

/// Writes to `last_seen_at` at most this often, so reading a page is not always a write.
const TOUCH_INTERVAL_SECS: i64 = 60;

pub struct Started {
    pub token: SecretString,
    pub session: SessionRow,
}

/// The grant kind of a parked sign-in: the first factor is proven, the second is still to come.
pub const KIND_PENDING: &str = "mfa_pending";
const PENDING_TTL_SECS: i64 = 600;

/// A parked sign-in's data.
#[derive(Debug, Serialize, Deserialize)]
pub struct Pending {
    pub amr: Vec<String>,
    pub next: String,
}

/// What a proven first factor leads to, decided before the transaction that spends the proof
/// (an emailed link or code) so that the session, or the parked sign-in, is written in that same
/// transaction: a used link never leaves the person with neither.
pub struct SignIn {
    amr: Vec<String>,
    next: String,
    /// None: a session now; Some(enrolled): the second factor first (enrolment if not enrolled).
    second_factor: Option<bool>,
    /// The hash of the session the browser had, ended in the same transaction.
    previous: Option<String>,
    client: ClientInfo,
}

/// What [`SignIn::write_on`] wrote.
pub enum SignedIn {
    Session(Box<Started>),
    /// A parked sign-in: the cookie value, and whether the user is enrolled (else: enrolment).
    SecondFactor {
        token: SecretString,
        enrolled: bool,
    },
}

impl SignIn {
    /// For an existing account: whether a second factor is due is read now.
    pub async fn for_user(
        state: &AppState,
        user: &UserRow,
        amr: &[&str],
        next: &str,
        client: &ClientInfo,
        previous: Option<&SecretString>,
    ) -> Result<Self, StoreError> {
        let enrolled = crate::auth::mfa::enrolled(state, &user.id).await?;
        let required = crate::auth::mfa::requirement(state, user, false, false).await?.is_some();
        let second_factor = (enrolled || required).then_some(enrolled);
        Ok(Self::new(amr, next, second_factor, client, previous))
    }

    /// For an account created in the same transaction (never enrolled): `mfa_required` says
    /// whether its body or default role requires a second factor.
    pub fn for_new_account(mfa_required: bool, amr: &[&str], next: &str, client: &ClientInfo, previous: Option<&SecretString>) -> Self {
        Self::new(amr, next, mfa_required.then_some(false), client, previous)
    }

    fn new(amr: &[&str], next: &str, second_factor: Option<bool>, client: &ClientInfo, previous: Option<&SecretString>) -> Self {
        Self {
            amr: amr.iter().map(|s| (*s).to_owned()).collect(),
            next: next.to_owned(),
            second_factor,
            previous: previous.map(|p| token_hash(p.expose())),
            client: client.clone(),
        }
    }

    /// Writes the session (ending the browser's previous one) or the parked sign-in for
    /// `user_id` inside `tx`.
    pub async fn write_on(self, state: &AppState, tx: &mut store::Tx, user_id: &str) -> Result<SignedIn, StoreError> {
        let now = state.now();
        match self.second_factor {
            None => {
                if let Some(prev) = &self.previous {
                    store::sessions::delete(&mut *tx, prev).await?;
                }
                let amr: Vec<&str> = self.amr.iter().map(String::as_str).collect();
                let started = new_session(state, user_id, &amr, ACR_SINGLE, &self.client, false);
                store::sessions::insert(&mut *tx, &started.session).await?;
                Ok(SignedIn::Session(Box::new(started)))
            }
            Some(enrolled) => {
                let token = random_token(&*state.rng);
                let data = Pending { amr: self.amr, next: self.next };
                let row = TokenRow {
                    hash: token_hash(token.expose()),
                    kind: KIND_PENDING.into(),
                    user_id: Some(user_id.to_owned()),
                    client_id: None,
                    session_sid: None,
                    family_id: None,
                    data: serde_json::to_string(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    created_at: now,
                    expires_at: now + PENDING_TTL_SECS,
                    used_at: None,
                    revoked_at: None,
                };
                store::grants::insert(&mut *tx, &row).await?;
                Ok(SignedIn::SecondFactor { token, enrolled })
            }
        }
    }
}

/// Starts a session. Any session the browser already had is ended first, so a fixed or stolen
/// pre-sign-in cookie is worth nothing afterwards. `second_factor` says a TOTP or recovery code
/// was entered for this sign-in (not an upstream IdP's MFA, nor an emailed code): step-up counts
/// from then.
pub async fn start(
    state: &AppState,
    user_id: &str,
    amr: &[&str],
    acr: &str,
    client: &ClientInfo,
    previous: Option<&SecretString>,
    second_factor: bool,
) -> Result<Started, StoreError> {
    let started = new_session(state, user_id, amr, acr, client, second_factor);
    // The old session ends only if the new one starts.
    let mut tx = state.db.begin().await?;
    if let Some(prev) = previous {
        store::sessions::delete(&mut tx, &token_hash(prev.expose())).await?;
    }
    store::sessions::insert(&mut tx, &started.session).await?;
    tx.commit().await?;
    Ok(started)
}

/// A new session's secret and row, not yet stored.
fn new_session(state: &AppState, user_id: &str, amr: &[&str], acr: &str, client: &ClientInfo, second_factor: bool) -> Started {
    let now = state.now();
    let s = &state.settings.session;
    let token = random_token(&*state.rng);
    let row = SessionRow {
        id_hash: token_hash(token.expose()),
        sid: random_id(&*state.rng, 16),
        user_id: user_id.to_owned(),
        created_at: now,
        last_seen_at: now,
        idle_expires_at: (now + s.idle_timeout_secs).min(now + s.absolute_timeout_secs),
        absolute_expires_at: now + s.absolute_timeout_secs,
        auth_time: now,
        amr: serde_json::to_string(amr).unwrap_or_else(|_| "[]".into()),
        acr: acr.to_owned(),
        ip: client.ip.clone(),
        user_agent: client.user_agent.chars().take(512).collect(),
        second_factor_at: second_factor.then_some(now),
    };
    Started { token, session: row }
}

/// The session live at `now` for a cookie value, extending its idle expiry (by
/// `settings.idle_timeout_secs`, never past its absolute expiry; written at most once a minute).
pub async fn current(db: &Db, settings: &SessionSettings, token: &str, now: Timestamp) -> Result<Option<SessionRow>, StoreError> {
    let hash = token_hash(token);
    let Some(mut row) = store::sessions::live_by_hash(db, &hash, now).await? else {
        return Ok(None);
    };
    if now - row.last_seen_at >= TOUCH_INTERVAL_SECS {
        let idle = (now + settings.idle_timeout_secs).min(row.absolute_expires_at);
        store::sessions::touch(db, &hash, now, idle).await?;
        row.last_seen_at = now;
        row.idle_expires_at = idle;
    }
    Ok(Some(row))
}

pub async fn end(state: &AppState, token: &str) -> Result<Option<SessionRow>, StoreError> {
    store::sessions::delete(&state.db, &token_hash(token)).await
}

pub async fn end_by_sid(state: &AppState, user_id: &str, sid: &str) -> Result<Option<SessionRow>, StoreError> {
    store::sessions::delete_by_sid_for_user(&state.db, sid, user_id).await
}

pub async fn end_all(state: &AppState, user_id: &str) -> Result<Vec<SessionRow>, StoreError> {
    store::sessions::delete_all_of_user(&state.db, user_id).await
}

/// `amr` for a one-time code (TOTP or recovery code).
pub const AMR_OTP: &str = "otp";

/// Records a second factor (`factor`: [`AMR_OTP`] for a TOTP or recovery code, `hwk` for a
/// passkey) entered now on a live session: adds it and `mfa` to its `amr`, raises its `acr` and
/// restarts the step-up window.
pub async fn record_second_factor(state: &AppState, row: &SessionRow, factor: &str) -> Result<(), StoreError> {
    let mut amr = amr_of(row);
    for m in [factor, "mfa"] {
        if !amr.iter().any(|a| a == m) {
            amr.push(m.to_owned());
        }
    }
    let amr = serde_json::to_string(&amr).unwrap_or_else(|_| "[]".into());
    // A passkey raises the session to the phishing-resistant level; a code never lowers it.
    let acr = if factor == crate::auth::passkeys::AMR_HWK || row.acr == crate::policy::mfa::ACR_PHR {
        crate::policy::mfa::ACR_PHR
    } else {
        crate::policy::mfa::ACR_MFA
    };
    store::sessions::set_authn(&state.db, &row.id_hash, &amr, acr, state.now()).await
}

/// True when the session had a second factor entered within the last `window_secs` (step-up).
pub fn second_factor_within(row: &SessionRow, now: Timestamp, window_secs: i64) -> bool {
    row.second_factor_at.is_some_and(|at| at <= now && now - at < window_secs)
}

pub fn amr_of(row: &SessionRow) -> Vec<String> {
    serde_json::from_str(&row.amr).unwrap_or_default()
}

pub fn expired_before(row: &SessionRow, now: Timestamp) -> bool {
    row.idle_expires_at <= now || row.absolute_expires_at <= now
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::testing::scratch_db;
    use crate::email::Email;

    const T0: Timestamp = 1_800_000_000;
    const SETTINGS: SessionSettings = SessionSettings { idle_timeout_secs: 600, absolute_timeout_secs: 3600, persistent_cookie: false };

    /// A session for a fresh user, started at `T0` with `SETTINGS`; its cookie value.
    async fn started(db: &Db) -> &'static str {
        let email = Email::parse("ann@example.org").unwrap();
        let u = store::users::NewUser { id: "u1", email: &email, name: "Ann", email_verified: true, password_hash: None, superuser: false };
        store::users::insert(db, &u, T0).await.unwrap();
        let token = "the-cookie";
        let row = SessionRow {
            id_hash: token_hash(token),
            sid: "sid1".into(),
            user_id: "u1".into(),
            created_at: T0,
            last_seen_at: T0,
            idle_expires_at: T0 + SETTINGS.idle_timeout_secs,
            absolute_expires_at: T0 + SETTINGS.absolute_timeout_secs,
            auth_time: T0,
            amr: "[]".into(),
            acr: ACR_SINGLE.into(),
            ip: String::new(),
            user_agent: String::new(),
            second_factor_at: None,
        };
        store::sessions::insert(db, &row).await.unwrap();
        token
    }

    #[tokio::test]
    async fn a_session_is_touched_at_most_once_a_minute() {
        let (db, _dir) = scratch_db().await;
        let token = started(&db).await;
        let row = current(&db, &SETTINGS, token, T0 + TOUCH_INTERVAL_SECS - 1).await.unwrap().unwrap();
        assert_eq!((row.last_seen_at, row.idle_expires_at), (T0, T0 + 600), "not written within the minute");
        let stored = store::sessions::live_by_hash(&db, &token_hash(token), T0).await.unwrap().unwrap();
        assert_eq!(stored.last_seen_at, T0);

        let at = T0 + TOUCH_INTERVAL_SECS;
        let row = current(&db, &SETTINGS, token, at).await.unwrap().unwrap();
        assert_eq!((row.last_seen_at, row.idle_expires_at), (at, at + 600));
        let stored = store::sessions::live_by_hash(&db, &token_hash(token), at).await.unwrap().unwrap();
        assert_eq!((stored.last_seen_at, stored.idle_expires_at), (at, at + 600), "and stored");
    }

    #[tokio::test]
    async fn the_idle_limit_ends_a_session_and_never_passes_the_absolute_one() {
        let (db, _dir) = scratch_db().await;
        let token = started(&db).await;
        assert!(current(&db, &SETTINGS, "another-cookie", T0).await.unwrap().is_none(), "an unknown cookie");
        // Kept alive every nine minutes until the idle extension meets the absolute expiry.
        let mut at = T0;
        while at + 540 < T0 + 3600 {
            at += 540;
            let row = current(&db, &SETTINGS, token, at).await.unwrap().expect("live while used");
            assert_eq!(row.idle_expires_at, (at + 600).min(T0 + 3600));
        }
        assert!(current(&db, &SETTINGS, token, T0 + 3600).await.unwrap().is_none(), "dead at its absolute expiry");

        let (db, _dir2) = scratch_db().await;
        let token = started(&db).await;
        assert!(current(&db, &SETTINGS, token, T0 + 599).await.unwrap().is_some());
        assert!(current(&db, &SETTINGS, token, T0 + 599 + 600).await.unwrap().is_none(), "dead after ten idle minutes");
    }
}

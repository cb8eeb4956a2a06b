//! Server-side sessions: the browser holds a random secret, the database its hash.

use crate::app::AppState;
use crate::auth::ClientInfo;
use crate::clock::Timestamp;
use crate::secret::{SecretString, random_id, random_token, token_hash};
use crate::store::{self, StoreError, sessions::SessionRow};

/// How the user authenticated, for `amr` (RFC 8176).
pub const AMR_PASSWORD: &str = "pwd";

/// Writes to `last_seen_at` at most this often, so reading a page is not always a write.
const TOUCH_INTERVAL_SECS: i64 = 60;

pub struct Started {
    pub token: SecretString,
    pub session: SessionRow,
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
    if let Some(prev) = previous {
        store::sessions::delete(&state.db, &token_hash(prev.expose())).await?;
    }
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
    store::sessions::insert(&state.db, &row).await?;
    Ok(Started { token, session: row })
}

/// The live session for a cookie value, extending its idle expiry.
pub async fn current(state: &AppState, token: &str) -> Result<Option<SessionRow>, StoreError> {
    let now = state.now();
    let hash = token_hash(token);
    let Some(mut row) = store::sessions::live_by_hash(&state.db, &hash, now).await? else {
        return Ok(None);
    };
    if now - row.last_seen_at >= TOUCH_INTERVAL_SECS {
        let idle = (now + state.settings.session.idle_timeout_secs).min(row.absolute_expires_at);
        store::sessions::touch(&state.db, &hash, now, idle).await?;
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

/// Records a second factor (TOTP or recovery code) entered now on a live session: adds `otp` and
/// `mfa` to its `amr`, raises its `acr` and restarts the step-up window.
pub async fn record_second_factor(state: &AppState, row: &SessionRow) -> Result<(), StoreError> {
    let mut amr = amr_of(row);
    for m in ["otp", "mfa"] {
        if !amr.iter().any(|a| a == m) {
            amr.push(m.to_owned());
        }
    }
    let amr = serde_json::to_string(&amr).unwrap_or_else(|_| "[]".into());
    store::sessions::set_authn(&state.db, &row.id_hash, &amr, crate::policy::mfa::ACR_MFA, state.now()).await
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

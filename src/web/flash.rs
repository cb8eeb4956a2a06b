//! A one-time value (a new secret, recovery codes) handed from a POST to the page it redirects
//! to: encrypted under the master key, stored under a key derived from the browser session's
//! hash and a slot name, and deleted when read. Nothing secret goes into the URL, a reload of
//! the page does not show it again, and another session (even the same user's) cannot read it.

use zeroize::Zeroizing;

use crate::app::AppState;
use crate::error::AppError;
use crate::secret::token_hash;
use crate::store::{self, sessions::SessionRow};

/// The session a value is for: its hash (the cookie's secret hashed) and its user.
pub struct For<'a> {
    pub session_hash: &'a str,
    pub user_id: &'a str,
}

impl<'a> From<&'a SessionRow> for For<'a> {
    fn from(s: &'a SessionRow) -> Self {
        For { session_hash: &s.id_hash, user_id: &s.user_id }
    }
}

/// Long enough for a slow redirect, short enough that an unread value does not linger.
const TTL_SECS: i64 = 600;

fn key(session_hash: &str, slot: &str) -> String {
    token_hash(&format!("flash:{session_hash}:{slot}"))
}

pub async fn put(state: &AppState, to: For<'_>, slot: &str, value: &str) -> Result<(), AppError> {
    let hash = key(to.session_hash, slot);
    let data = state
        .master_key
        .encrypt(value.as_bytes(), &format!("flash:{hash}"), &*state.rng)
        .map_err(|e| AppError::Internal(crate::error::error_chain(&e)))?;
    let now = state.now();
    store::flash::put(&state.db, &hash, to.user_id, &data, now, now + TTL_SECS).await?;
    Ok(())
}

/// The value put in `slot` by this session, once.
pub async fn take(state: &AppState, from: For<'_>, slot: &str) -> Result<Option<Zeroizing<String>>, AppError> {
    let hash = key(from.session_hash, slot);
    let Some(data) = store::flash::take(&state.db, &hash, state.now()).await? else { return Ok(None) };
    let plain = state.master_key.decrypt(&data, &format!("flash:{hash}")).map_err(|e| AppError::Internal(crate::error::error_chain(&e)))?;
    let text = String::from_utf8(plain.to_vec()).map_err(|_| AppError::Internal("a flash value is not text".into()))?;
    Ok(Some(Zeroizing::new(text)))
}

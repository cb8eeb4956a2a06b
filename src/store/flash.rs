//! One-time values for the page a POST redirects to (a new client secret, recovery codes): kept
//! in `one_time_tokens` (kind 'flash') under a key bound to the browser session, read once and
//! deleted as they are read. The caller encrypts the value; this module never sees it in clear.

use super::{Db, Result};
use crate::clock::Timestamp;

pub const KIND_FLASH: &str = "flash";

/// Stores `data` under `hash`, replacing an unread value with the same key (a second rotation
/// before the page was seen shows only the newer secret).
pub async fn put(db: &Db, hash: &str, user_id: &str, data: &str, now: Timestamp, expires_at: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into one_time_tokens (hash, kind, user_id, data, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)
         on conflict (hash) do update set data = excluded.data, created_at = excluded.created_at, expires_at = excluded.expires_at,
         used_at = null",
    )
    .bind(hash)
    .bind(KIND_FLASH)
    .bind(user_id)
    .bind(data)
    .bind(now)
    .bind(expires_at)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The value under `hash`, deleted in the same statement (so two reads cannot both get it);
/// None when absent or expired.
pub async fn take(db: &Db, hash: &str, now: Timestamp) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, String>("delete from one_time_tokens where hash = $1 and kind = $2 and expires_at > $3 returning data")
        .bind(hash)
        .bind(KIND_FLASH)
        .bind(now)
        .fetch_optional(db.pool())
        .await?)
}

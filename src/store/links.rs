//! Emailed sign-in links (`one_time_tokens` kind 'magic_link'): the row's hash is the SHA-256
//! of the link's secret, its family_id the SHA-256 of the reference the "check your email" page
//! holds, under which the short code is checked.

use super::grants::TokenRow;
use super::{Db, Result};
use crate::clock::Timestamp;

pub const KIND_MAGIC_LINK: &str = "magic_link";

const COLUMNS: &str = "hash, kind, user_id, client_id, session_sid, family_id, data, created_at, expires_at, used_at, revoked_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    #[sqlx(flatten)]
    pub token: TokenRow,
    pub attempts: i64,
}

/// The link row for a page reference, whatever its state.
pub async fn by_reference(db: &Db, reference_hash: &str, kind: &str) -> Result<Option<LinkRow>> {
    Ok(sqlx::query_as::<_, LinkRow>(sql!("select {COLUMNS}, attempts from one_time_tokens where family_id = $1 and kind = $2"))
        .bind(reference_hash)
        .bind(kind)
        .fetch_optional(db.pool())
        .await?)
}

/// Counts one wrong code; at `max` wrong codes the row is revoked in the same statement.
/// Returns the new count.
pub async fn wrong_guess(db: &Db, hash: &str, max: i64, now: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "update one_time_tokens set attempts = attempts + 1,
                revoked_at = case when attempts + 1 >= $2 and revoked_at is null then $3 else revoked_at end
         where hash = $1 returning attempts",
    )
    .bind(hash)
    .bind(max)
    .bind(now)
    .fetch_optional(db.pool())
    .await?
    .unwrap_or(max))
}

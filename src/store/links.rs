//! Emailed links (`one_time_tokens` of the kinds below; see `auth::emailed_link`). A sign-in
//! link's row also carries, as family_id, the SHA-256 of the reference the "check your email"
//! page holds, under which the short code is checked.

use super::grants::TokenRow;
use super::{Db, Result};
use crate::clock::Timestamp;

pub use super::emailed_kinds::{KIND_EMAIL_CHANGE, KIND_MAGIC_LINK, KIND_PASSWORD_SET};

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

/// Counts one code attempt against the link BEFORE the code is checked, in one statement, and
/// returns the new count (so parallel guesses each get their own number). None if the row is gone.
pub async fn reserve_guess(db: &Db, hash: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar::<_, i64>("update one_time_tokens set attempts = attempts + 1 where hash = $1 returning attempts")
        .bind(hash)
        .fetch_optional(db.pool())
        .await?)
}

/// Revokes the link (too many wrong codes): neither the code nor the link works any more.
pub async fn burn(db: &Db, hash: &str, now: Timestamp) -> Result<()> {
    sqlx::query("update one_time_tokens set revoked_at = $2 where hash = $1 and revoked_at is null")
        .bind(hash)
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(())
}

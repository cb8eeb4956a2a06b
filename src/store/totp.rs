//! TOTP secrets (encrypted under the master key) and recovery codes (hashed).

use sqlx::FromRow;

use super::{Db, Exec, Result};
use crate::clock::Timestamp;

#[derive(Clone, FromRow)]
pub struct TotpRow {
    pub user_id: String,
    pub secret_encrypted: String,
    pub last_used_step: Option<i64>,
    pub confirmed_at: Option<i64>,
    pub created_at: i64,
}

impl std::fmt::Debug for TotpRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpRow").field("user_id", &self.user_id).field("confirmed_at", &self.confirmed_at).finish_non_exhaustive()
    }
}

pub async fn get(db: &Db, user_id: &str) -> Result<Option<TotpRow>> {
    Ok(sqlx::query_as::<_, TotpRow>(
        "select user_id, secret_encrypted, last_used_step, confirmed_at, created_at from user_totp where user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?)
}

/// Starts (or restarts) an enrolment: an unconfirmed secret replaces any unconfirmed one. A
/// confirmed secret is never replaced here.
pub async fn begin(db: &Db, user_id: &str, secret_encrypted: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "insert into user_totp (user_id, secret_encrypted, created_at) values ($1, $2, $3)
         on conflict (user_id) do update set secret_encrypted = excluded.secret_encrypted, created_at = excluded.created_at, last_used_step = null
         where user_totp.confirmed_at is null",
    )
    .bind(user_id)
    .bind(secret_encrypted)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes an unconfirmed secret (a cancelled enrolment); a confirmed one is never touched here.
pub async fn cancel_pending(db: &Db, user_id: &str) -> Result<bool> {
    let done = sqlx::query("delete from user_totp where user_id = $1 and confirmed_at is null").bind(user_id).execute(db.pool()).await?;
    Ok(done.rows_affected() == 1)
}

/// Records `step` as used if it is later than any used before: one statement, so the same code
/// cannot be accepted twice even by two instances at once.
pub async fn use_step(db: impl Exec, user_id: &str, step: i64) -> Result<bool> {
    let done =
        sqlx::query("update user_totp set last_used_step = $2 where user_id = $1 and (last_used_step is null or last_used_step < $2)")
            .bind(user_id)
            .bind(step)
            .execute(&mut *db.conn().await?)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Inside the caller's transaction, takes a pending key for confirming: `false` when it is not
/// pending (confirmed already, or meanwhile by a transaction this one waited for), so a second
/// right code sent at the same time is told so rather than checked as a wrong one.
pub async fn claim_pending(db: impl Exec, user_id: &str) -> Result<bool> {
    let done = sqlx::query("update user_totp set confirmed_at = confirmed_at where user_id = $1 and confirmed_at is null")
        .bind(user_id)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Confirms a pending key and stores its recovery code hashes, in one transaction (inside the
/// caller's, a savepoint). `false`, and nothing written, when the key is not pending any more:
/// two right codes sent at once confirm it once, so the recovery codes shown are the ones that
/// work.
pub async fn confirm(db: impl Exec, user_id: &str, recovery_hashes: &[String], now: Timestamp) -> Result<bool> {
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = super::begin_on(&mut c, immediate).await?;
    let done = sqlx::query("update user_totp set confirmed_at = $2 where user_id = $1 and confirmed_at is null")
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    replace_recovery_codes(&mut tx, user_id, recovery_hashes).await?;
    tx.commit().await?;
    Ok(true)
}

/// Inside the caller's transaction it is a savepoint.
pub async fn replace_recovery_codes(db: impl Exec, user_id: &str, recovery_hashes: &[String]) -> Result<()> {
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = super::begin_on(&mut c, immediate).await?;
    sqlx::query("delete from recovery_codes where user_id = $1").bind(user_id).execute(&mut *tx).await?;
    for h in recovery_hashes {
        sqlx::query("insert into recovery_codes (user_id, code_hash) values ($1, $2)").bind(user_id).bind(h).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Uses a recovery code once.
pub async fn use_recovery_code(db: impl Exec, user_id: &str, code_hash: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query("update recovery_codes set used_at = $3 where user_id = $1 and code_hash = $2 and used_at is null")
        .bind(user_id)
        .bind(code_hash)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn unused_recovery_codes(db: &Db, user_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("select count(*) from recovery_codes where user_id = $1 and used_at is null")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?)
}

/// Removes the second factor entirely.
/// Inside the caller's transaction it is a savepoint.
pub async fn remove(db: impl Exec, user_id: &str) -> Result<bool> {
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = super::begin_on(&mut c, immediate).await?;
    let done = sqlx::query("delete from user_totp where user_id = $1").bind(user_id).execute(&mut *tx).await?;
    sqlx::query("delete from recovery_codes where user_id = $1").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// Users with a confirmed second factor, for the admin view.
pub async fn enrolled_user_ids(db: &Db) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar::<_, String>("select user_id from user_totp where confirmed_at is not null").fetch_all(db.pool()).await?)
}

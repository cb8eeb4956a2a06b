//! Idempotency keys of admin API requests (see `admin::idempotency`).

use sqlx::FromRow;

use super::{Db, Result, Tx};
use crate::clock::Timestamp;

#[derive(Debug, Clone, FromRow)]
pub struct IdempotencyRow {
    pub fingerprint: String,
    pub request_hash: String,
    /// 0 while the first request runs (or if it ended without an answer).
    pub status: i64,
    pub content_type: Option<String>,
    pub body: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

const COLUMNS: &str = "fingerprint, request_hash, status, content_type, body, target_type, target_id, created_at, expires_at";

/// Claims a key for a first request; false if it is already claimed (and unexpired).
pub async fn claim(db: &Db, fingerprint: &str, request_hash: &str, now: Timestamp, expires_at: Timestamp) -> Result<bool> {
    let mut tx = db.begin().await?;
    // An expired claim is gone for good; the key may be used afresh.
    sqlx::query("delete from idempotency_keys where fingerprint = $1 and expires_at <= $2")
        .bind(fingerprint)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query(
        "insert into idempotency_keys (fingerprint, request_hash, status, created_at, expires_at) values ($1, $2, 0, $3, $4)
         on conflict (fingerprint) do nothing",
    )
    .bind(fingerprint)
    .bind(request_hash)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(db: &Db, fingerprint: &str, now: Timestamp) -> Result<Option<IdempotencyRow>> {
    Ok(sqlx::query_as::<_, IdempotencyRow>(sql!("select {COLUMNS} from idempotency_keys where fingerprint = $1 and expires_at > $2"))
        .bind(fingerprint)
        .bind(now)
        .fetch_optional(db.pool())
        .await?)
}

/// Records, inside the transaction of the change itself, what the request changed (the last
/// audited target of the transaction: a create audits its new resource last).
pub async fn record_effect(tx: &mut Tx, fingerprint: &str, target_type: &str, target_id: &str) -> Result<()> {
    sqlx::query("update idempotency_keys set target_type = $2, target_id = $3 where fingerprint = $1")
        .bind(fingerprint)
        .bind(target_type)
        .bind(target_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stores the answer to replay.
pub async fn complete(db: &Db, fingerprint: &str, status: u16, content_type: Option<&str>, body: &str) -> Result<()> {
    sqlx::query("update idempotency_keys set status = $2, content_type = $3, body = $4 where fingerprint = $1")
        .bind(fingerprint)
        .bind(i64::from(status))
        .bind(content_type)
        .bind(body)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Gives up a claim whose request changed nothing and got no answer, so a retry runs afresh.
pub async fn release(db: &Db, fingerprint: &str) -> Result<()> {
    sqlx::query("delete from idempotency_keys where fingerprint = $1 and status = 0 and target_type is null")
        .bind(fingerprint)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Takes over a claim left by a request that never finished (its instance died, or the
/// database went away before it could release it); true if this caller now holds it.
pub async fn take_over(db: &Db, fingerprint: &str, claimed_at: Timestamp, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "update idempotency_keys set created_at = $3 where fingerprint = $1 and status = 0 and target_type is null and created_at = $2",
    )
    .bind(fingerprint)
    .bind(claimed_at)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn prune(db: &Db, now: Timestamp) -> Result<u64> {
    let done = sqlx::query("delete from idempotency_keys where expires_at <= $1").bind(now).execute(db.pool()).await?;
    Ok(done.rows_affected())
}

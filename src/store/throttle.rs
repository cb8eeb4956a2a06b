//! Failure counters and locks shared by every instance through the database.

use super::{Db, Result};
use crate::clock::Timestamp;

pub async fn record_failure(db: &Db, key: &str, now: Timestamp) -> Result<()> {
    sqlx::query("insert into throttle_events (key, at) values ($1, $2)").bind(key).bind(now).execute(db.pool()).await?;
    Ok(())
}

pub async fn failures_since(db: &Db, key: &str, since: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("select count(*) from throttle_events where key = $1 and at > $2")
        .bind(key)
        .bind(since)
        .fetch_one(db.pool())
        .await?)
}

pub async fn clear_failures(db: &Db, key: &str) -> Result<()> {
    sqlx::query("delete from throttle_events where key = $1").bind(key).execute(db.pool()).await?;
    Ok(())
}

/// Locks `key` until `until` and forgets its failures, so that after the lock the count
/// starts afresh.
pub async fn lock(db: &Db, key: &str, until: Timestamp) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "insert into throttle_locks (key, until) values ($1, $2)
         on conflict (key) do update set until = excluded.until",
    )
    .bind(key)
    .bind(until)
    .execute(&mut *tx)
    .await?;
    sqlx::query("delete from throttle_events where key = $1").bind(key).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// When the lock on `key` ends, if it is locked at `now`.
pub async fn locked_until(db: &Db, key: &str, now: Timestamp) -> Result<Option<Timestamp>> {
    Ok(sqlx::query_scalar::<_, i64>("select until from throttle_locks where key = $1 and until > $2")
        .bind(key)
        .bind(now)
        .fetch_optional(db.pool())
        .await?)
}

/// Drops events and locks that can no longer matter.
pub async fn prune(db: &Db, older_than: Timestamp, now: Timestamp) -> Result<()> {
    sqlx::query("delete from throttle_events where at <= $1").bind(older_than).execute(db.pool()).await?;
    sqlx::query("delete from throttle_locks where until <= $1").bind(now).execute(db.pool()).await?;
    Ok(())
}

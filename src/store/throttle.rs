//! Failure counters and locks shared by every instance through the database.

use super::{Db, Exec, Result};
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
    let mut tx = db.begin().await?;
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

/// Drops events, locks and counters that can no longer matter.
///
/// On PostgreSQL a counter a request holds is skipped (left for the next pass), so the prune
/// never waits for a row: a multi-row delete that waited would lock rows in no set order, and
/// could deadlock with a request counting two keys (an address and a network) in one
/// transaction. SQLite has one writer at a time, so nothing there can deadlock.
pub async fn prune(db: &Db, older_than: Timestamp, now: Timestamp) -> Result<()> {
    sqlx::query("delete from throttle_events where at <= $1").bind(older_than).execute(db.pool()).await?;
    sqlx::query("delete from throttle_locks where until <= $1").bind(now).execute(db.pool()).await?;
    let counters = match db.kind() {
        super::DbKind::Postgres => {
            "delete from throttle_counters where key in
               (select key from throttle_counters where window_start <= $1 and locked_until <= $2 for update skip locked)"
        }
        super::DbKind::Sqlite => "delete from throttle_counters where window_start <= $1 and locked_until <= $2",
    };
    sqlx::query(counters).bind(older_than).bind(now).execute(db.pool()).await?;
    Ok(())
}

/// A counter as one reservation left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Reserved {
    /// Attempts in the current window, this one included (not bumped while locked).
    pub attempts: i64,
    /// When the lock ends, or 0 when not locked.
    pub locked_until: Timestamp,
}

/// Counts one attempt against `key` in ONE statement and returns the new count, so that two
/// requests can never both see the same count. A window that started at or before
/// `window_cutoff`, or a lock that has ended, starts a fresh count (and no failures); while
/// locked the count stays as it is. Call it before doing the work the attempt asks for.
pub async fn reserve(db: impl Exec, key: &str, now: Timestamp, window_cutoff: Timestamp) -> Result<Reserved> {
    Ok(sqlx::query_as::<_, Reserved>(
        "insert into throttle_counters (key, attempts, window_start, locked_until) values ($1, 1, $2, 0)
         on conflict (key) do update set
           attempts = case when throttle_counters.locked_until > $2 then throttle_counters.attempts
                           when throttle_counters.window_start <= $3 or throttle_counters.locked_until > 0 then 1
                           else throttle_counters.attempts + 1 end,
           window_start = case when throttle_counters.locked_until > $2 then throttle_counters.window_start
                               when throttle_counters.window_start <= $3 or throttle_counters.locked_until > 0 then $2
                               else throttle_counters.window_start end,
           failures = case when throttle_counters.locked_until > $2 then throttle_counters.failures
                           when throttle_counters.window_start <= $3 or throttle_counters.locked_until > 0 then 0
                           else throttle_counters.failures end,
           locked_until = case when throttle_counters.locked_until > $2 then throttle_counters.locked_until else 0 end
         returning attempts, locked_until",
    )
    .bind(key)
    .bind(now)
    .bind(window_cutoff)
    .fetch_one(&mut *db.conn().await?)
    .await?)
}

/// Locks a counter until `until` unless it is already locked at `now`; returns when the lock
/// in force ends.
pub async fn lock_counter(db: impl Exec, key: &str, until: Timestamp, now: Timestamp) -> Result<Timestamp> {
    Ok(sqlx::query_scalar::<_, i64>(
        "update throttle_counters set locked_until = case when locked_until > $3 then locked_until else $2 end
         where key = $1 returning locked_until",
    )
    .bind(key)
    .bind(until)
    .bind(now)
    .fetch_optional(&mut *db.conn().await?)
    .await?
    .unwrap_or(until))
}

/// Gives one attempt back (it succeeded, so it was no guess). Never below zero, never while locked.
pub async fn release(db: impl Exec, key: &str, now: Timestamp) -> Result<()> {
    sqlx::query("update throttle_counters set attempts = attempts - 1 where key = $1 and attempts > 0 and locked_until <= $2")
        .bind(key)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

/// Records that one counted attempt on `key` failed, in ONE statement: the failure that brings the
/// key's failures to `max_failures` locks it until `until` (a lock already in force stays).
/// Returns when the lock in force ends, if the key is locked at `now`.
pub async fn fail(db: impl Exec, key: &str, max_failures: i64, until: Timestamp, now: Timestamp) -> Result<Option<Timestamp>> {
    Ok(sqlx::query_scalar::<_, i64>(
        "update throttle_counters set
           failures = failures + 1,
           locked_until = case when locked_until > $4 then locked_until when failures + 1 >= $2 then $3 else locked_until end
         where key = $1 returning locked_until",
    )
    .bind(key)
    .bind(max_failures)
    .bind(until)
    .bind(now)
    .fetch_optional(&mut *db.conn().await?)
    .await?
    .filter(|until| *until > now))
}

/// A counted attempt on `key` succeeded: it and the failures that finished before it are
/// forgiven, but not the attempts still in flight (counted, not yet failed), so guesses sent
/// beside a success still count towards the lock. Nothing changes while `key` is locked at
/// `now`; returns when the lock ends if it is.
pub async fn clear_unless_locked(db: impl Exec, key: &str, now: Timestamp) -> Result<Option<Timestamp>> {
    Ok(sqlx::query_scalar::<_, i64>(
        "update throttle_counters set
           attempts = case when locked_until > $2 then attempts
                           when attempts - 1 - failures > 0 then attempts - 1 - failures
                           else 0 end,
           failures = case when locked_until > $2 then failures else 0 end
         where key = $1 returning locked_until",
    )
    .bind(key)
    .bind(now)
    .fetch_optional(&mut *db.conn().await?)
    .await?
    .filter(|until| *until > now))
}

/// Ends the lock and the count on `key` (an administrator's reset, a password set by email).
pub async fn clear_counter(db: impl Exec, key: &str) -> Result<()> {
    sqlx::query("delete from throttle_counters where key = $1").bind(key).execute(&mut *db.conn().await?).await?;
    Ok(())
}

//! The mail outbox: messages waiting to be sent, claimed by one worker at a time.

use sqlx::FromRow;

use super::{Db, Exec, Result};
use crate::clock::Timestamp;

#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub to_addr: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, to_addr, subject, text_body, html_body, attempts, next_attempt_at, sent_at, failed_at, last_error, expires_at, created_at";

pub struct NewMessage<'a> {
    pub id: &'a str,
    pub to_addr: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
    pub expires_at: Option<Timestamp>,
}

pub async fn insert(db: impl Exec, m: &NewMessage<'_>, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into mail_outbox (id, to_addr, subject, text_body, html_body, attempts, next_attempt_at, expires_at, created_at)
         values ($1, $2, $3, $4, $5, 0, $6, $7, $6)",
    )
    .bind(m.id)
    .bind(m.to_addr)
    .bind(m.subject)
    .bind(m.text_body)
    .bind(m.html_body)
    .bind(now)
    .bind(m.expires_at)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(())
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<OutboxRow>> {
    Ok(sqlx::query_as::<_, OutboxRow>(sql!("select {COLUMNS} from mail_outbox where id = $1")).bind(id).fetch_optional(db.pool()).await?)
}

/// Ids of messages due at `now`, oldest first.
pub async fn due(db: &Db, now: Timestamp, limit: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar::<_, String>(
        "select id from mail_outbox where sent_at is null and failed_at is null and next_attempt_at <= $1
         order by next_attempt_at, id limit $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await?)
}

/// Claims a due message for one attempt: counts the attempt and holds it until `lease_until`, so
/// another instance's worker leaves it alone. Returns the message only if this call claimed it.
pub async fn claim(db: &Db, id: &str, now: Timestamp, lease_until: Timestamp) -> Result<Option<OutboxRow>> {
    Ok(sqlx::query_as::<_, OutboxRow>(sql!(
        "update mail_outbox set attempts = attempts + 1, next_attempt_at = $3
         where id = $1 and sent_at is null and failed_at is null and next_attempt_at <= $2
         returning {COLUMNS}"
    ))
    .bind(id)
    .bind(now)
    .bind(lease_until)
    .fetch_optional(db.pool())
    .await?)
}

/// Sent: the bodies (which may hold a one-time link) are no longer kept.
pub async fn mark_sent(db: &Db, id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("update mail_outbox set sent_at = $2, last_error = null, text_body = '', html_body = '' where id = $1")
        .bind(id)
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A failed attempt, to be retried at `retry_at`.
pub async fn mark_retry(db: &Db, id: &str, error: &str, retry_at: Timestamp) -> Result<()> {
    sqlx::query("update mail_outbox set last_error = $2, next_attempt_at = $3 where id = $1")
        .bind(id)
        .bind(error)
        .bind(retry_at)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Given up on; the bodies are dropped.
pub async fn mark_failed(db: &Db, id: &str, error: &str, now: Timestamp) -> Result<()> {
    sqlx::query("update mail_outbox set failed_at = $2, last_error = $3, text_body = '', html_body = '' where id = $1")
        .bind(id)
        .bind(now)
        .bind(error)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Messages to one address, newest first (for tests and the operator).
pub async fn to_address(db: &Db, to_addr: &str) -> Result<Vec<OutboxRow>> {
    Ok(sqlx::query_as::<_, OutboxRow>(sql!("select {COLUMNS} from mail_outbox where to_addr = $1 order by created_at desc, id desc"))
        .bind(to_addr)
        .fetch_all(db.pool())
        .await?)
}

/// Forgets sent and failed messages older than `before`.
pub async fn prune(db: &Db, before: Timestamp) -> Result<u64> {
    let done =
        sqlx::query("delete from mail_outbox where (sent_at is not null and sent_at < $1) or (failed_at is not null and failed_at < $1)")
            .bind(before)
            .execute(db.pool())
            .await?;
    Ok(done.rows_affected())
}

/// Messages still waiting to be sent (neither sent nor given up on).
pub async fn unsent_count(db: impl Exec) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("select count(*) from mail_outbox where sent_at is null and failed_at is null")
        .fetch_one(&mut *db.conn().await?)
        .await?)
}

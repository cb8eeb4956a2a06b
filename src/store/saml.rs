//! SAML state shared by every instance: outstanding AuthnRequests and the assertion replay cache.

use sqlx::FromRow;

use super::{Db, Result};
use crate::clock::Timestamp;

#[derive(Debug, Clone, FromRow)]
pub struct SamlRequestRow {
    pub id: String,
    pub connection_id: String,
    pub browser_hash: String,
    pub next: String,
    pub created_at: i64,
    pub expires_at: i64,
}

pub async fn insert_request(db: &Db, row: &SamlRequestRow) -> Result<()> {
    sqlx::query(
        "insert into saml_requests (id, connection_id, browser_hash, next, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&row.id)
    .bind(&row.connection_id)
    .bind(&row.browser_hash)
    .bind(&row.next)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// An unexpired outstanding request of this connection.
pub async fn request(db: &Db, connection_id: &str, id: &str, now: Timestamp) -> Result<Option<SamlRequestRow>> {
    Ok(sqlx::query_as::<_, SamlRequestRow>(
        "select id, connection_id, browser_hash, next, created_at, expires_at from saml_requests
         where id = $1 and connection_id = $2 and expires_at > $3",
    )
    .bind(id)
    .bind(connection_id)
    .bind(now)
    .fetch_optional(db.pool())
    .await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    Accepted,
    /// The assertion id was accepted before.
    Replayed,
    /// The request was used (or expired) meanwhile.
    RequestGone,
}

/// Records the assertion as seen and uses up the request it answers, both or neither: a
/// replayed assertion leaves the request as it was, and a used request records nothing.
pub async fn accept(
    db: &Db,
    connection_id: &str,
    request_id: Option<&str>,
    assertion_id: &str,
    assertion_expires_at: Timestamp,
    now: Timestamp,
) -> Result<Acceptance> {
    let mut tx = db.pool().begin().await?;
    let seen = sqlx::query(
        "insert into saml_seen_assertions (connection_id, assertion_id, expires_at) values ($1, $2, $3)
         on conflict (connection_id, assertion_id) do nothing",
    )
    .bind(connection_id)
    .bind(assertion_id)
    .bind(assertion_expires_at)
    .execute(&mut *tx)
    .await?;
    if seen.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(Acceptance::Replayed);
    }
    if let Some(id) = request_id {
        let used = sqlx::query("delete from saml_requests where id = $1 and connection_id = $2 and expires_at > $3")
            .bind(id)
            .bind(connection_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if used.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(Acceptance::RequestGone);
        }
    }
    tx.commit().await?;
    Ok(Acceptance::Accepted)
}

/// Whether an assertion id is in the replay cache (for tests and the admin view).
pub async fn seen(db: &Db, connection_id: &str, assertion_id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("select count(*) from saml_seen_assertions where connection_id = $1 and assertion_id = $2")
        .bind(connection_id)
        .bind(assertion_id)
        .fetch_one(db.pool())
        .await?
        > 0)
}

pub async fn count_seen(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("select count(*) from saml_seen_assertions").fetch_one(db.pool()).await?)
}

/// Forgets requests and seen assertions past their expiry.
pub async fn prune(db: &Db, now: Timestamp) -> Result<u64> {
    let a = sqlx::query("delete from saml_requests where expires_at <= $1").bind(now).execute(db.pool()).await?.rows_affected();
    let b = sqlx::query("delete from saml_seen_assertions where expires_at <= $1").bind(now).execute(db.pool()).await?.rows_affected();
    Ok(a + b)
}

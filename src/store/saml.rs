//! The SAML assertion replay cache, and accepting an assertion together with the AuthnRequest it
//! answers (an `sso_login_states` row, see 0004).

use super::{Db, Result};
use crate::clock::Timestamp;

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
    request_id_hash: Option<&str>,
    assertion_id: &str,
    assertion_expires_at: Timestamp,
    now: Timestamp,
) -> Result<Acceptance> {
    let mut tx = db.begin().await?;
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
    if let Some(id_hash) = request_id_hash {
        let used = sqlx::query(
            "update sso_login_states set used_at = $3
             where id_hash = $1 and connection_id = $2 and used_at is null and expires_at > $3",
        )
        .bind(id_hash)
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

/// Forgets assertions past their expiry (and skew): they would be refused as expired anyway.
pub async fn prune(db: &Db, now: Timestamp) -> Result<u64> {
    Ok(sqlx::query("delete from saml_seen_assertions where expires_at <= $1").bind(now).execute(db.pool()).await?.rows_affected())
}

//! The abuse table: banned addresses and whole domains.

use sqlx::FromRow;

use super::{Exec, Result, StoreError, Taken};
use crate::clock::Timestamp;

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct BanRow {
    pub pattern: String,
    pub kind: String,
    pub reason: String,
    pub created_at: i64,
}

pub async fn insert(db: impl Exec, pattern: &str, kind: &str, reason: &str, now: Timestamp) -> Result<()> {
    sqlx::query("insert into banned_emails (pattern, kind, reason, created_at) values ($1, $2, $3, $4)")
        .bind(pattern)
        .bind(kind)
        .bind(reason)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, Taken::Ban))?;
    super::security_epoch::changed();
    Ok(())
}

pub async fn delete(db: impl Exec, pattern: &str) -> Result<bool> {
    let done = sqlx::query("delete from banned_emails where pattern = $1").bind(pattern).execute(&mut *db.conn().await?).await?;
    super::security_epoch::changed();
    Ok(done.rows_affected() > 0)
}

pub async fn list(db: impl Exec) -> Result<Vec<BanRow>> {
    Ok(sqlx::query_as::<_, BanRow>("select pattern, kind, reason, created_at from banned_emails order by kind, pattern")
        .fetch_all(&mut *db.conn().await?)
        .await?)
}

/// Users whose address is in `domain` or one of its subdomains.
pub async fn users_in_domain(db: impl Exec, domain: &str) -> Result<Vec<String>> {
    let exact = format!("%@{}", crate::store::users::escape_like(domain));
    let sub = format!("%.{}", crate::store::users::escape_like(domain));
    Ok(sqlx::query_scalar("select id from users where email like $1 escape '\\' or email like $2 escape '\\'")
        .bind(exact)
        .bind(sub)
        .fetch_all(&mut *db.conn().await?)
        .await?)
}

//! Remembered consent per user and client.

use super::{Db, Result};
use crate::clock::Timestamp;

pub async fn get(db: &Db, user_id: &str, client_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, String>("select scopes from consents where user_id = $1 and client_id = $2")
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn set(db: &Db, user_id: &str, client_id: &str, scopes: &str, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into consents (user_id, client_id, scopes, granted_at) values ($1, $2, $3, $4)
         on conflict (user_id, client_id) do update set scopes = excluded.scopes, granted_at = excluded.granted_at",
    )
    .bind(user_id)
    .bind(client_id)
    .bind(scopes)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// (client id, client name, scopes, granted at) for the account page.
pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<(String, String, String, i64)>> {
    Ok(sqlx::query_as(
        "select c.id, c.name, k.scopes, k.granted_at from consents k join clients c on c.id = k.client_id where k.user_id = $1 order by c.name",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?)
}

/// Removes the consent (inside the caller's transaction when given one, as an administrator's
/// revocation is written with its audit row and the revoked grants); whether there was one.
pub async fn delete(db: impl super::Exec, user_id: &str, client_id: &str) -> Result<bool> {
    let done = sqlx::query("delete from consents where user_id = $1 and client_id = $2")
        .bind(user_id)
        .bind(client_id)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Withdraws consent and revokes every grant the app holds for the user, in one transaction: a
/// connection lost half-way never leaves the consent gone and the app's tokens live.
pub async fn withdraw(db: &Db, user_id: &str, client_id: &str, now: crate::clock::Timestamp) -> Result<bool> {
    let mut tx = db.begin().await?;
    if !delete(&mut tx, user_id, client_id).await? {
        return Ok(false);
    }
    super::grants::revoke_families_of_client(&mut tx, user_id, client_id, now).await?;
    tx.commit().await?;
    Ok(true)
}

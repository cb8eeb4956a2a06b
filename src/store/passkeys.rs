//! WebAuthn credentials (passkeys and security keys) and the ceremonies in progress.

use sqlx::FromRow;

use super::{Db, Exec, Result};
use crate::clock::Timestamp;

#[derive(Clone, FromRow)]
pub struct PasskeyRow {
    pub id: String,
    pub user_id: String,
    pub credential_id: String,
    pub name: String,
    /// The library's credential record as JSON (public key, counter, flags).
    pub credential: String,
    pub counter: i64,
    pub user_verified: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl std::fmt::Debug for PasskeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyRow").field("id", &self.id).field("user_id", &self.user_id).field("name", &self.name).finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, user_id, credential_id, name, credential, counter, user_verified, created_at, last_used_at";

pub async fn insert(db: impl Exec, p: &PasskeyRow) -> Result<()> {
    sqlx::query(sql!("insert into webauthn_credentials ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(&p.id)
        .bind(&p.user_id)
        .bind(&p.credential_id)
        .bind(&p.name)
        .bind(&p.credential)
        .bind(p.counter)
        .bind(p.user_verified)
        .bind(p.created_at)
        .bind(p.last_used_at)
        .execute(&mut *db.conn().await?)
        .await
        .map_err(|e| super::StoreError::conflict_on_unique(e, super::Taken::Passkey))?;
    Ok(())
}

pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<PasskeyRow>> {
    Ok(sqlx::query_as::<_, PasskeyRow>(sql!("select {COLUMNS} from webauthn_credentials where user_id = $1 order by created_at, id"))
        .bind(user_id)
        .fetch_all(db.pool())
        .await?)
}

pub async fn count_of_user(db: &Db, user_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("select count(*) from webauthn_credentials where user_id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?)
}

/// A credential by the id the authenticator gave it (whoever it belongs to).
pub async fn by_credential_id(db: &Db, credential_id: &str) -> Result<Option<PasskeyRow>> {
    Ok(sqlx::query_as::<_, PasskeyRow>(sql!("select {COLUMNS} from webauthn_credentials where credential_id = $1"))
        .bind(credential_id)
        .fetch_optional(db.pool())
        .await?)
}

/// Records a use: the new counter and credential record, only if the counter moved forward (or
/// the authenticator keeps no counter: both 0). One statement, so a replayed or cloned assertion
/// racing the real one cannot both pass. False: refused.
pub async fn record_use(db: impl Exec, id: &str, counter: i64, credential: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "update webauthn_credentials set counter = $2, credential = $3, last_used_at = $4
         where id = $1 and (counter < $2 or (counter = 0 and $2 = 0))",
    )
    .bind(id)
    .bind(counter)
    .bind(credential)
    .bind(now)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Renames one of the user's credentials; another user's id does nothing.
pub async fn rename(db: impl Exec, user_id: &str, id: &str, name: &str) -> Result<bool> {
    let done = sqlx::query("update webauthn_credentials set name = $3 where id = $2 and user_id = $1")
        .bind(user_id)
        .bind(id)
        .bind(name)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes one of the user's credentials; another user's id does nothing.
pub async fn remove(db: impl Exec, user_id: &str, id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, String>("delete from webauthn_credentials where id = $2 and user_id = $1 returning name")
        .bind(user_id)
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?)
}

/// Removes every credential of the user; returns how many there were.
pub async fn remove_all(db: impl Exec, user_id: &str) -> Result<u64> {
    let done = sqlx::query("delete from webauthn_credentials where user_id = $1").bind(user_id).execute(&mut *db.conn().await?).await?;
    Ok(done.rows_affected())
}

/// A ceremony's saved state.
#[derive(Clone, FromRow)]
pub struct CeremonyRow {
    pub id_hash: String,
    pub kind: String,
    pub user_id: Option<String>,
    pub bound_to: String,
    pub state: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

const CEREMONY_COLUMNS: &str = "id_hash, kind, user_id, bound_to, state, created_at, expires_at, used_at";

pub async fn insert_ceremony(db: impl Exec, c: &CeremonyRow) -> Result<()> {
    sqlx::query(sql!("insert into webauthn_ceremonies ({CEREMONY_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8)"))
        .bind(&c.id_hash)
        .bind(&c.kind)
        .bind(&c.user_id)
        .bind(&c.bound_to)
        .bind(&c.state)
        .bind(c.created_at)
        .bind(c.expires_at)
        .bind(c.used_at)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

/// Uses a ceremony up if it is of `kind`, unused, unexpired and bound to `bound_to`; returns it
/// only then. One statement: the same challenge never serves twice, even on two instances.
pub async fn consume_ceremony(db: impl Exec, id_hash: &str, kind: &str, bound_to: &str, now: Timestamp) -> Result<Option<CeremonyRow>> {
    Ok(sqlx::query_as::<_, CeremonyRow>(sql!(
        "update webauthn_ceremonies set used_at = $4
         where id_hash = $1 and kind = $2 and bound_to = $3 and used_at is null and expires_at > $4
         returning {CEREMONY_COLUMNS}"
    ))
    .bind(id_hash)
    .bind(kind)
    .bind(bound_to)
    .bind(now)
    .fetch_optional(&mut *db.conn().await?)
    .await?)
}

pub async fn delete_expired_ceremonies(db: &Db, now: Timestamp) -> Result<u64> {
    let done = sqlx::query("delete from webauthn_ceremonies where expires_at <= $1").bind(now).execute(db.pool()).await?;
    Ok(done.rows_affected())
}

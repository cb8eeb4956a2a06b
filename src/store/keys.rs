//! Signing keys. Private halves arrive here already encrypted.

use sqlx::FromRow;

use super::{Db, Exec, Result, StoreError, Taken};
use crate::clock::Timestamp;

#[derive(Clone, FromRow)]
pub struct KeyRow {
    pub kid: String,
    pub alg: String,
    pub state: String,
    pub private_key_encrypted: String,
    pub public_jwk: String,
    pub created_at: i64,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
}

impl std::fmt::Debug for KeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRow").field("kid", &self.kid).field("alg", &self.alg).field("state", &self.state).finish_non_exhaustive()
    }
}

const COLUMNS: &str = "kid, alg, state, private_key_encrypted, public_jwk, created_at, activated_at, retired_at";

/// Inserts a key. A second `current` key for the same algorithm is refused by a unique index,
/// which is how concurrent first starts of several instances agree on one key.
pub async fn insert(db: impl Exec, k: &KeyRow) -> Result<bool> {
    let res = sqlx::query(sql!("insert into signing_keys ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8)"))
        .bind(&k.kid)
        .bind(&k.alg)
        .bind(&k.state)
        .bind(&k.private_key_encrypted)
        .bind(&k.public_jwk)
        .bind(k.created_at)
        .bind(k.activated_at)
        .bind(k.retired_at)
        .execute(&mut *db.conn().await?)
        .await;
    super::security_epoch::changed();
    match res {
        Ok(_) => Ok(true),
        Err(e) => match StoreError::conflict_on_unique(e, Taken::CurrentKey) {
            StoreError::Conflict(_) => Ok(false),
            other => Err(other),
        },
    }
}

pub async fn all(db: impl Exec) -> Result<Vec<KeyRow>> {
    Ok(sqlx::query_as::<_, KeyRow>(sql!("select {COLUMNS} from signing_keys order by created_at, kid"))
        .fetch_all(&mut *db.conn().await?)
        .await?)
}

/// Promotes `next` to `current` and `current` to `retired` for one algorithm, atomically.
pub async fn promote(db: impl Exec, alg: &str, next_kid: &str, now: Timestamp) -> Result<()> {
    let immediate = db.begins_immediate();
    let mut conn = db.conn().await?;
    let mut tx = super::begin_on(&mut conn, immediate).await?;
    sqlx::query("update signing_keys set state = 'retired', retired_at = $2 where alg = $1 and state = 'current'")
        .bind(alg)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query("update signing_keys set state = 'current', activated_at = $3 where alg = $1 and kid = $2 and state = 'next'")
        .bind(alg)
        .bind(next_kid)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::NotFound("next key"));
    }
    tx.commit().await?;
    super::security_epoch::changed();
    Ok(())
}

/// Removes retired keys retired before `before` (no token signed with them can still be valid).
pub async fn delete_retired_before(db: &Db, before: Timestamp) -> Result<u64> {
    let done = sqlx::query("delete from signing_keys where state = 'retired' and retired_at < $1").bind(before).execute(db.pool()).await?;
    if done.rows_affected() > 0 {
        super::security_epoch::changed();
    }
    Ok(done.rows_affected())
}

//! The jti of every client assertion and DPoP proof accepted (`used_jtis`), shared by every
//! instance on the database, so that none is accepted twice.

use super::{Db, Exec, Result};
use crate::clock::Timestamp;

/// A client assertion (`issuer` is the client id).
pub const KIND_CLIENT_ASSERTION: &str = "client_assertion";
/// A DPoP proof (`issuer` is the thumbprint of the proof's key).
pub const KIND_DPOP: &str = "dpop";
/// A passwordless passkey sign-in's sealed challenge (`issuer` is empty; the jti is the hash
/// of the sealed state the sign-in page carried).
pub const KIND_PASSKEY_SIGNIN: &str = "passkey_signin";

/// Records a jti (its hash) as used until `expires_at`; false if it was already used and that
/// use has not expired. One statement, so of two instances racing with one jti only one wins;
/// inside a caller's transaction, the use is undone with it.
pub async fn first_use(db: impl Exec, kind: &str, issuer: &str, jti_hash: &str, expires_at: Timestamp, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "insert into used_jtis (kind, issuer, jti_hash, expires_at) values ($1, $2, $3, $4)
         on conflict (kind, issuer, jti_hash) do update set expires_at = excluded.expires_at where used_jtis.expires_at <= $5",
    )
    .bind(kind)
    .bind(issuer)
    .bind(jti_hash)
    .bind(expires_at)
    .bind(now)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the jtis whose assertion or proof could no longer be accepted anyway.
pub async fn prune(db: &Db, now: Timestamp) -> Result<u64> {
    let done = sqlx::query("delete from used_jtis where expires_at <= $1").bind(now).execute(db.pool()).await?;
    Ok(done.rows_affected())
}

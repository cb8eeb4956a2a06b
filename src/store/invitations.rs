//! Invitations to join a body, sent to an address outside the body's own email domains. Only
//! the token's SHA-256 is stored; using one is a single conditional update (unused, unexpired,
//! and for the address it was sent to), so it works once however many requests race.

use sqlx::FromRow;

use super::{Db, Exec, Result};
use crate::clock::Timestamp;

/// A new invitation.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub email: &'a str,
    pub body_id: &'a str,
    /// JSON: what the membership will hold.
    pub membership: &'a str,
    pub invited_by_user_id: Option<&'a str>,
    pub invited_by_client_id: Option<&'a str>,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub body_id: String,
    pub membership: String,
    pub expires_at: i64,
}

const COLUMNS: &str = "id, email, body_id, membership, expires_at";

pub async fn insert(db: impl Exec, i: &NewInvitation<'_>, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into invitations (id, token_hash, email, body_id, membership, invited_by_user_id, invited_by_client_id, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(i.id)
    .bind(i.token_hash)
    .bind(i.email)
    .bind(i.body_id)
    .bind(i.membership)
    .bind(i.invited_by_user_id)
    .bind(i.invited_by_client_id)
    .bind(now)
    .bind(i.expires_at)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(())
}

/// The invitation with this token hash, if it is unused and unexpired.
pub async fn live_by_hash(db: &Db, token_hash: &str, now: Timestamp) -> Result<Option<InvitationRow>> {
    Ok(sqlx::query_as::<_, InvitationRow>(sql!(
        "select {COLUMNS} from invitations where token_hash = $1 and used_at is null and expires_at > $2"
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db.pool())
    .await?)
}

/// Uses the invitation, once: only if it is unused, unexpired and was sent to `email`.
pub async fn consume(db: impl Exec, token_hash: &str, email: &str, user_id: &str, now: Timestamp) -> Result<Option<InvitationRow>> {
    Ok(sqlx::query_as::<_, InvitationRow>(sql!(
        "update invitations set used_at = $4, used_by_user_id = $3
         where token_hash = $1 and email = $2 and used_at is null and expires_at > $4
         returning {COLUMNS}"
    ))
    .bind(token_hash)
    .bind(email)
    .bind(user_id)
    .bind(now)
    .fetch_optional(&mut *db.conn().await?)
    .await?)
}

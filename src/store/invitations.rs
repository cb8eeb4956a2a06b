//! Invitations: to join a body (sent to an address outside the body's own email domains) or a
//! new account's welcome (its first sign-in). Only the token's SHA-256 is stored; using one is a
//! single conditional update (unused, not withdrawn, unexpired, and for the address it was sent
//! to), so it works once however many requests race. Resending replaces the hash, so the old
//! link dies in the same statement that makes the new one.

use sqlx::FromRow;

use super::{Db, Exec, Result};
use crate::clock::Timestamp;

/// Joining a body, accepted by the person signed in with the address it was sent to.
pub const KIND_MEMBERSHIP: &str = "membership";
/// A new account's welcome: the link signs its owner in for the first time.
pub const KIND_WELCOME: &str = "welcome";

/// A new invitation.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub email: &'a str,
    /// [`KIND_MEMBERSHIP`] or [`KIND_WELCOME`].
    pub kind: &'a str,
    /// The body joined (membership), or the body the account was made for (welcome; None for
    /// an account in no body, which only a superuser makes).
    pub body_id: Option<&'a str>,
    /// The account a welcome is for.
    pub user_id: Option<&'a str>,
    /// JSON: what the membership will hold (membership), or holds (welcome).
    pub membership: &'a str,
    pub invited_by_user_id: Option<&'a str>,
    pub invited_by_client_id: Option<&'a str>,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub kind: String,
    pub body_id: Option<String>,
    pub user_id: Option<String>,
    pub membership: String,
    pub invited_by_user_id: Option<String>,
    pub invited_by_client_id: Option<String>,
    pub created_at: i64,
    pub sent_at: i64,
    pub send_count: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
}

const COLUMNS: &str = "id, email, kind, body_id, user_id, membership, invited_by_user_id, invited_by_client_id, created_at, sent_at, \
     send_count, expires_at, used_at, withdrawn_at";

pub async fn insert(db: impl Exec, i: &NewInvitation<'_>, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into invitations (id, token_hash, email, kind, body_id, user_id, membership, invited_by_user_id, invited_by_client_id,
                                  created_at, sent_at, send_count, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1, $11)",
    )
    .bind(i.id)
    .bind(i.token_hash)
    .bind(i.email)
    .bind(i.kind)
    .bind(i.body_id)
    .bind(i.user_id)
    .bind(i.membership)
    .bind(i.invited_by_user_id)
    .bind(i.invited_by_client_id)
    .bind(now)
    .bind(i.expires_at)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(())
}

/// The invitation with this token hash, if it is unused, not withdrawn and unexpired.
pub async fn live_by_hash(db: &Db, token_hash: &str, now: Timestamp) -> Result<Option<InvitationRow>> {
    Ok(sqlx::query_as::<_, InvitationRow>(sql!(
        "select {COLUMNS} from invitations where token_hash = $1 and used_at is null and withdrawn_at is null and expires_at > $2"
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db.pool())
    .await?)
}

/// Uses the invitation, once: only if it is unused, not withdrawn, unexpired and was sent to `email`.
pub async fn consume(db: impl Exec, token_hash: &str, email: &str, user_id: &str, now: Timestamp) -> Result<Option<InvitationRow>> {
    Ok(sqlx::query_as::<_, InvitationRow>(sql!(
        "update invitations set used_at = $4, used_by_user_id = $3
         where token_hash = $1 and email = $2 and used_at is null and withdrawn_at is null and expires_at > $4
         returning {COLUMNS}"
    ))
    .bind(token_hash)
    .bind(email)
    .bind(user_id)
    .bind(now)
    .fetch_optional(&mut *db.conn().await?)
    .await?)
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<InvitationRow>> {
    Ok(sqlx::query_as::<_, InvitationRow>(sql!("select {COLUMNS} from invitations where id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?)
}

/// A person's invitations, newest first: the welcomes of their account and every invitation
/// sent to their address.
pub async fn of_person(db: &Db, user_id: &str, email: &str) -> Result<Vec<InvitationRow>> {
    Ok(sqlx::query_as::<_, InvitationRow>(sql!(
        "select {COLUMNS} from invitations where user_id = $1 or email = $2 order by created_at desc, id desc limit 50"
    ))
    .bind(user_id)
    .bind(email)
    .fetch_all(db.pool())
    .await?)
}

/// Sends an invitation again, to `email`: a new token hash (the old link stops working in this
/// statement) and a new expiry. Only while it is neither used nor withdrawn.
pub async fn resend(
    db: impl Exec,
    id: &str,
    email: &str,
    token_hash: &str,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<Option<InvitationRow>> {
    Ok(sqlx::query_as::<_, InvitationRow>(sql!(
        "update invitations set token_hash = $2, expires_at = $3, sent_at = $4, send_count = send_count + 1, email = $5
         where id = $1 and used_at is null and withdrawn_at is null
         returning {COLUMNS}"
    ))
    .bind(id)
    .bind(token_hash)
    .bind(expires_at)
    .bind(now)
    .bind(email)
    .fetch_optional(&mut *db.conn().await?)
    .await?)
}

/// Withdraws an invitation that is neither used nor withdrawn; its link stops working.
pub async fn withdraw(db: impl Exec, id: &str, now: Timestamp) -> Result<Option<InvitationRow>> {
    Ok(sqlx::query_as::<_, InvitationRow>(sql!(
        "update invitations set withdrawn_at = $2 where id = $1 and used_at is null and withdrawn_at is null returning {COLUMNS}"
    ))
    .bind(id)
    .bind(now)
    .fetch_optional(&mut *db.conn().await?)
    .await?)
}

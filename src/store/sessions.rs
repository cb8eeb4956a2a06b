//! Browser sessions. Rows are keyed by the hash of the cookie's secret.

use sqlx::FromRow;

use super::{Db, Exec, Result};
use crate::clock::Timestamp;

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub sid: String,
    pub user_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub idle_expires_at: i64,
    pub absolute_expires_at: i64,
    pub auth_time: i64,
    pub amr: String,
    pub acr: String,
    pub ip: String,
    pub user_agent: String,
    /// When a second factor (TOTP or recovery code) was last entered in this session; None if
    /// never. Step-up before dangerous admin actions reads it.
    pub second_factor_at: Option<i64>,
}

const COLUMNS: &str = "id_hash, sid, user_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, auth_time, amr, acr, ip, user_agent, \
     second_factor_at";

pub async fn insert(db: impl Exec, s: &SessionRow) -> Result<()> {
    sqlx::query(sql!("insert into sessions ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"))
        .bind(&s.id_hash)
        .bind(&s.sid)
        .bind(&s.user_id)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.idle_expires_at)
        .bind(s.absolute_expires_at)
        .bind(s.auth_time)
        .bind(&s.amr)
        .bind(&s.acr)
        .bind(&s.ip)
        .bind(&s.user_agent)
        .bind(s.second_factor_at)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

/// A live session: not past its idle or absolute expiry.
pub async fn live_by_hash(db: &Db, id_hash: &str, now: Timestamp) -> Result<Option<SessionRow>> {
    Ok(sqlx::query_as::<_, SessionRow>(sql!(
        "select {COLUMNS} from sessions where id_hash = $1 and idle_expires_at > $2 and absolute_expires_at > $2"
    ))
    .bind(id_hash)
    .bind(now)
    .fetch_optional(db.pool())
    .await?)
}

pub async fn by_sid(db: &Db, sid: &str) -> Result<Option<SessionRow>> {
    Ok(sqlx::query_as::<_, SessionRow>(sql!("select {COLUMNS} from sessions where sid = $1")).bind(sid).fetch_optional(db.pool()).await?)
}

pub async fn touch(db: &Db, id_hash: &str, now: Timestamp, idle_expires_at: Timestamp) -> Result<()> {
    sqlx::query("update sessions set last_seen_at = $2, idle_expires_at = $3 where id_hash = $1")
        .bind(id_hash)
        .bind(now)
        .bind(idle_expires_at)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn live_of_user(db: impl Exec, user_id: &str, now: Timestamp) -> Result<Vec<SessionRow>> {
    Ok(sqlx::query_as::<_, SessionRow>(sql!(
        "select {COLUMNS} from sessions where user_id = $1 and idle_expires_at > $2 and absolute_expires_at > $2
         order by last_seen_at desc"
    ))
    .bind(user_id)
    .bind(now)
    .fetch_all(&mut *db.conn().await?)
    .await?)
}

/// Inside the caller's transaction, it ends the session together with its grants.
pub async fn delete(db: impl Exec, id_hash: &str) -> Result<Option<SessionRow>> {
    Ok(sqlx::query_as::<_, SessionRow>(sql!("delete from sessions where id_hash = $1 returning {COLUMNS}"))
        .bind(id_hash)
        .fetch_optional(&mut *db.conn().await?)
        .await?)
}

/// Ends one of a user's sessions by its public sid; a sid of someone else's session does nothing.
pub async fn delete_by_sid_for_user(db: &Db, sid: &str, user_id: &str) -> Result<Option<SessionRow>> {
    Ok(sqlx::query_as::<_, SessionRow>(sql!("delete from sessions where sid = $1 and user_id = $2 returning {COLUMNS}"))
        .bind(sid)
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn delete_all_of_user(db: &Db, user_id: &str) -> Result<Vec<SessionRow>> {
    Ok(sqlx::query_as::<_, SessionRow>(sql!("delete from sessions where user_id = $1 returning {COLUMNS}"))
        .bind(user_id)
        .fetch_all(db.pool())
        .await?)
}

pub async fn delete_expired(db: &Db, now: Timestamp) -> Result<u64> {
    let done =
        sqlx::query("delete from sessions where idle_expires_at <= $1 or absolute_expires_at <= $1").bind(now).execute(db.pool()).await?;
    Ok(done.rows_affected())
}

/// Records that a session signed into a client (for back-channel logout).
pub async fn add_client(db: &Db, id_hash: &str, client_id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("insert into session_clients (session_id_hash, client_id, first_at) values ($1, $2, $3) on conflict do nothing")
        .bind(id_hash)
        .bind(client_id)
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Clients a session signed into; read before the session row (and these rows) are deleted.
pub async fn clients_of(db: impl Exec, id_hash: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar::<_, String>("select client_id from session_clients where session_id_hash = $1 order by first_at")
        .bind(id_hash)
        .fetch_all(&mut *db.conn().await?)
        .await?)
}

/// A live session by its public sid.
pub async fn live_by_sid(db: &Db, sid: &str, now: Timestamp) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("select count(*) from sessions where sid = $1 and idle_expires_at > $2 and absolute_expires_at > $2")
        .bind(sid)
        .bind(now)
        .fetch_one(db.pool())
        .await?;
    Ok(n > 0)
}

/// Records a second factor entered `at` on a live session (step-up).
pub async fn set_authn(db: &Db, id_hash: &str, amr: &str, acr: &str, at: Timestamp) -> Result<()> {
    sqlx::query("update sessions set amr = $2, acr = $3, second_factor_at = $4 where id_hash = $1")
        .bind(id_hash)
        .bind(amr)
        .bind(acr)
        .bind(at)
        .execute(db.pool())
        .await?;
    Ok(())
}

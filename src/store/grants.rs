//! Authorization codes, refresh tokens, grant families and revoked access-token ids, all in
//! `one_time_tokens`, keyed by the SHA-256 of the secret (or of the jti).
//!
//! A grant family is one authorization (a code exchange and every token issued from it). Its row
//! has kind 'grant' and hash = family id; revoking it revokes every refresh token of the family
//! and, through introspection, every access token.

use sqlx::FromRow;

use super::{Db, Exec, Result};
use crate::clock::Timestamp;

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub hash: String,
    pub kind: String,
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    pub session_sid: Option<String>,
    pub family_id: Option<String>,
    pub data: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "hash, kind, user_id, client_id, session_sid, family_id, data, created_at, expires_at, used_at, revoked_at";

pub const KIND_CODE: &str = "auth_code";
pub const KIND_REFRESH: &str = "refresh_token";
pub const KIND_GRANT: &str = "grant";
pub const KIND_REVOKED_JTI: &str = "revoked_jti";
/// A pushed authorization request (RFC 9126); `data` holds its parameters.
pub const KIND_PAR: &str = "par_request";

pub async fn insert(db: impl Exec, t: &TokenRow) -> Result<()> {
    sqlx::query(sql!("insert into one_time_tokens ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
        .bind(&t.hash)
        .bind(&t.kind)
        .bind(&t.user_id)
        .bind(&t.client_id)
        .bind(&t.session_sid)
        .bind(&t.family_id)
        .bind(&t.data)
        .bind(t.created_at)
        .bind(t.expires_at)
        .bind(t.used_at)
        .bind(t.revoked_at)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

pub async fn by_hash(db: &Db, hash: &str, kind: &str) -> Result<Option<TokenRow>> {
    Ok(sqlx::query_as::<_, TokenRow>(sql!("select {COLUMNS} from one_time_tokens where hash = $1 and kind = $2"))
        .bind(hash)
        .bind(kind)
        .fetch_optional(db.pool())
        .await?)
}

/// Marks a token used if it was unused, unrevoked and unexpired; returns it only then. One
/// statement, so two concurrent redemptions cannot both succeed.
/// Inside the caller's transaction, the token is spent only if what it is spent on is written too.
pub async fn consume(db: impl Exec, hash: &str, kind: &str, now: Timestamp) -> Result<Option<TokenRow>> {
    Ok(sqlx::query_as::<_, TokenRow>(sql!(
        "update one_time_tokens set used_at = $3
         where hash = $1 and kind = $2 and used_at is null and revoked_at is null and expires_at > $3
         returning {COLUMNS}"
    ))
    .bind(hash)
    .bind(kind)
    .bind(now)
    .fetch_optional(&mut *db.conn().await?)
    .await?)
}

/// Marks a token used if it was unused, unrevoked, unexpired AND issued to `client_id`; returns
/// it only then. The client binding is part of the one statement that uses the token up, so a
/// token presented by another client is never spent (and its owner's next use is no "reuse").
/// Runs inside the caller's transaction, with whatever else the redemption writes.
pub async fn consume_for_client(db: impl Exec, hash: &str, kind: &str, client_id: &str, now: Timestamp) -> Result<Option<TokenRow>> {
    Ok(sqlx::query_as::<_, TokenRow>(sql!(
        "update one_time_tokens set used_at = $3
         where hash = $1 and kind = $2 and client_id = $4 and used_at is null and revoked_at is null and expires_at > $3
         returning {COLUMNS}"
    ))
    .bind(hash)
    .bind(kind)
    .bind(now)
    .bind(client_id)
    .fetch_optional(&mut *db.conn().await?)
    .await?)
}

/// A pushed request of `client_id` that is unspent and live at `now`; its life is extended to
/// `window` seconds from its push (idempotent: every use sets the same expiry).
pub async fn open_pushed(db: &Db, hash: &str, client_id: &str, now: Timestamp, window: i64) -> Result<Option<TokenRow>> {
    Ok(sqlx::query_as::<_, TokenRow>(sql!(
        "update one_time_tokens set expires_at = created_at + $4
         where hash = $1 and kind = 'par_request' and client_id = $2 and used_at is null and revoked_at is null and expires_at > $3
         returning {COLUMNS}"
    ))
    .bind(hash)
    .bind(client_id)
    .bind(now)
    .bind(window)
    .fetch_optional(db.pool())
    .await?)
}

/// Revokes a family and everything in it (one statement).
pub async fn revoke_family(db: impl Exec, family_id: &str, now: Timestamp) -> Result<()> {
    sqlx::query(
        "update one_time_tokens set revoked_at = $2 where (family_id = $1 or (hash = $1 and kind = 'grant')) and revoked_at is null",
    )
    .bind(family_id)
    .bind(now)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(())
}

/// Revokes the families of a user (all of them, or only those bound to one session and not
/// granted offline access).
/// One transaction: a connection lost half-way revokes none of them, never some.
pub async fn revoke_families_of_user(db: impl Exec, user_id: &str, only_session: Option<&str>, now: Timestamp) -> Result<Vec<String>> {
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = super::begin_on(&mut c, immediate).await?;
    let families: Vec<String> = match only_session {
        None => {
            sqlx::query_scalar("select hash from one_time_tokens where kind = 'grant' and user_id = $1 and revoked_at is null")
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await?
        }
        Some(sid) => {
            sqlx::query_scalar(
                "select hash from one_time_tokens where kind = 'grant' and user_id = $1 and session_sid = $2 and revoked_at is null
             and data not like '%\"offline\":true%'",
            )
            .bind(user_id)
            .bind(sid)
            .fetch_all(&mut *tx)
            .await?
        }
    };
    for f in &families {
        revoke_family(&mut *tx, f, now).await?;
    }
    tx.commit().await?;
    Ok(families)
}

/// One transaction, like [`revoke_families_of_user`].
pub async fn revoke_families_of_client(db: impl Exec, user_id: &str, client_id: &str, now: Timestamp) -> Result<()> {
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = super::begin_on(&mut c, immediate).await?;
    let families: Vec<String> = sqlx::query_scalar(
        "select hash from one_time_tokens where kind = 'grant' and user_id = $1 and client_id = $2 and revoked_at is null",
    )
    .bind(user_id)
    .bind(client_id)
    .fetch_all(&mut *tx)
    .await?;
    for f in &families {
        revoke_family(&mut *tx, f, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// True if the family exists and is not revoked.
pub async fn family_active(db: &Db, family_id: &str) -> Result<bool> {
    let revoked: Option<Option<i64>> = sqlx::query_scalar("select revoked_at from one_time_tokens where hash = $1 and kind = 'grant'")
        .bind(family_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(matches!(revoked, Some(None)))
}

/// Where an access token's grant stands, read in one round trip (introspection and userinfo
/// answer from it): whether its jti was revoked, whether its family (when it has one) is still
/// active, whether its session (when it names one) is live at `now`, its user's row (when it has
/// a user and they exist) and the status of the body its client is bound to (when it is bound).
#[derive(Debug, Clone)]
pub struct AccessTokenState {
    pub jti_revoked: bool,
    pub family_active: bool,
    pub session_live: bool,
    pub user: Option<super::users::UserRow>,
    pub body_status: Option<String>,
}

#[derive(FromRow)]
struct AccessTokenStateRow {
    jti_revoked: i64,
    family_live: i64,
    session_live: i64,
    body_status: Option<String>,
    user_id: Option<String>,
    email: Option<String>,
    email_verified: Option<i64>,
    name: Option<String>,
    password_hash: Option<String>,
    superuser: Option<i64>,
    flagged: Option<i64>,
    disabled: Option<i64>,
    created_at: Option<i64>,
    updated_at: Option<i64>,
    last_login_at: Option<i64>,
    language: Option<String>,
}

/// One statement for [`AccessTokenState`]. An absent `family`, `sid`, `user_id` or `body_id`
/// matches nothing (the caller does not ask about it).
pub async fn access_token_state(
    db: &Db,
    jti_hash: &str,
    family: Option<&str>,
    sid: Option<&str>,
    user_id: Option<&str>,
    body_id: Option<&str>,
    now: Timestamp,
) -> Result<AccessTokenState> {
    let r = sqlx::query_as::<_, AccessTokenStateRow>(
        "select
             (select count(*) from one_time_tokens where hash = $1 and kind = 'revoked_jti') as jti_revoked,
             (select count(*) from one_time_tokens where hash = $2 and kind = 'grant' and revoked_at is null) as family_live,
             (select count(*) from sessions where sid = $3 and idle_expires_at > $4 and absolute_expires_at > $4) as session_live,
             (select status from bodies where id = $6) as body_status,
             u.id as user_id, u.email, u.email_verified, u.name, u.password_hash, u.superuser, u.flagged, u.disabled,
             u.created_at, u.updated_at, u.last_login_at, u.language
         from (select 1 as one) as one_row left join users u on u.id = $5",
    )
    .bind(jti_hash)
    .bind(family)
    .bind(sid)
    .bind(now)
    .bind(user_id)
    .bind(body_id)
    .fetch_one(db.pool())
    .await?;
    let user = match r {
        AccessTokenStateRow {
            user_id: Some(id),
            email: Some(email),
            email_verified: Some(email_verified),
            name: Some(name),
            superuser: Some(superuser),
            flagged: Some(flagged),
            disabled: Some(disabled),
            created_at: Some(created_at),
            updated_at: Some(updated_at),
            password_hash,
            last_login_at,
            language,
            ..
        } => Some(super::users::UserRow {
            id,
            email,
            email_verified,
            name,
            password_hash,
            superuser,
            flagged,
            disabled,
            created_at,
            updated_at,
            last_login_at,
            language,
        }),
        _ => None,
    };
    Ok(AccessTokenState {
        jti_revoked: r.jti_revoked > 0,
        family_active: r.family_live > 0,
        session_live: r.session_live > 0,
        user,
        body_status: r.body_status,
    })
}

pub async fn jti_revoked(db: &Db, jti_hash: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("select count(*) from one_time_tokens where hash = $1 and kind = 'revoked_jti'")
        .bind(jti_hash)
        .fetch_one(db.pool())
        .await?;
    Ok(n > 0)
}

pub async fn revoke_jti(db: &Db, jti_hash: &str, expires_at: Timestamp, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into one_time_tokens (hash, kind, data, created_at, expires_at, revoked_at) values ($1, 'revoked_jti', '{}', $2, $3, $2)
         on conflict (hash) do nothing",
    )
    .bind(jti_hash)
    .bind(now)
    .bind(expires_at)
    .execute(db.pool())
    .await?;
    // Introspection caches which client-credentials tokens are unrevoked.
    super::security_epoch::changed();
    Ok(())
}

/// Removes rows whose expiry is long past (families live as long as their longest token).
pub async fn prune(db: &Db, before: Timestamp) -> Result<u64> {
    let done = sqlx::query("delete from one_time_tokens where expires_at < $1").bind(before).execute(db.pool()).await?;
    Ok(done.rows_affected())
}

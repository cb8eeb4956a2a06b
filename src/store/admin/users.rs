//! Users as administrators see them: paged search, edits and anonymisation.

use super::Conn;
use crate::clock::Timestamp;
use crate::store::users::UserRow;
use crate::store::{Db, Result, StoreError, flag};

const COLUMNS: &str = "id, email, email_verified, name, password_hash, superuser, flagged, disabled, created_at, updated_at, last_login_at";

/// What to look for. Removed (anonymised) users are never listed.
#[derive(Debug, Clone, Default)]
pub struct Search<'a> {
    /// Part of the email or name, case-insensitive; empty for all.
    pub query: &'a str,
    pub flagged_only: bool,
    /// Only members of these bodies (None: everyone).
    pub bodies: Option<&'a [String]>,
    pub limit: i64,
    pub offset: i64,
}

/// One page of users, newest first, and how many match in all.
pub async fn search(db: &Db, s: &Search<'_>) -> Result<(Vec<UserRow>, i64)> {
    let pattern = format!("%{}%", crate::store::users::escape_like(&s.query.to_lowercase()));
    let bodies_json = s.bodies.map(crate::store::json_list);
    // The body filter is a JSON list matched with like on each membership's body id, which works
    // the same on both databases and keeps one query text.
    let filter = "removed_at is null
         and (email like $1 escape '\\' or lower(name) like $1 escape '\\')
         and ($2 = 0 or flagged = 1)
         and ($3 = '' or exists (select 1 from memberships m where m.user_id = users.id
                                  and $3 like '%\"' || m.body_id || '\"%'))";
    let rows = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from users where {filter} order by created_at desc, id desc limit $4 offset $5"
    )))
    .bind(&pattern)
    .bind(flag(s.flagged_only))
    .bind(bodies_json.clone().unwrap_or_default())
    .bind(s.limit)
    .bind(s.offset)
    .fetch_all(db.pool())
    .await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select count(*) from users where {filter}")))
        .bind(&pattern)
        .bind(flag(s.flagged_only))
        .bind(bodies_json.unwrap_or_default())
        .fetch_one(db.pool())
        .await?;
    Ok((rows, total))
}

pub async fn by_id(conn: &mut Conn, id: &str) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(format!("select {COLUMNS} from users where id = $1 and removed_at is null")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

pub async fn insert(conn: &mut Conn, id: &str, email: &str, name: &str, superuser: bool, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into users (id, email, email_verified, name, password_hash, superuser, created_at, updated_at, email_skeleton)
         values ($1, $2, 0, $3, null, $4, $5, $5, $6)",
    )
    .bind(id)
    .bind(email)
    .bind(name)
    .bind(flag(superuser))
    .bind(now)
    .bind(crate::email::skeleton(email))
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, "A user with that email"))?;
    Ok(())
}

/// Sets name and email; a changed email is no longer verified.
pub async fn set_name_email(conn: &mut Conn, id: &str, name: &str, email: &str, now: Timestamp) -> Result<()> {
    let done = sqlx::query(
        "update users set name = $2,
             email_verified = case when email = $3 then email_verified else 0 end,
             email = $3, updated_at = $4, email_skeleton = $5
         where id = $1 and removed_at is null",
    )
    .bind(id)
    .bind(name)
    .bind(email)
    .bind(now)
    .bind(crate::email::skeleton(email))
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, "A user with that email"))?;
    crate::store::users::found(done.rows_affected(), "user")
}

/// Sets one of the flag columns.
pub async fn set_flag(conn: &mut Conn, id: &str, column: FlagColumn, value: bool, now: Timestamp) -> Result<()> {
    let col = match column {
        FlagColumn::Flagged => "flagged",
        FlagColumn::Disabled => "disabled",
        FlagColumn::Superuser => "superuser",
    };
    let done =
        sqlx::query(sqlx::AssertSqlSafe(format!("update users set {col} = $2, updated_at = $3 where id = $1 and removed_at is null")))
            .bind(id)
            .bind(flag(value))
            .bind(now)
            .execute(&mut *conn)
            .await?;
    crate::store::users::found(done.rows_affected(), "user")
}

#[derive(Debug, Clone, Copy)]
pub enum FlagColumn {
    Flagged,
    Disabled,
    Superuser,
}

/// Blanks a user's personal data and everything that lets them sign in, keeping the row (and its
/// id) so audit events still name it.
pub async fn anonymise(conn: &mut Conn, id: &str, now: Timestamp) -> Result<()> {
    let placeholder = format!("removed-{id}@removed.invalid");
    let done = sqlx::query(
        "update users set email = $2, name = '', email_verified = 0, password_hash = null, superuser = 0, flagged = 0,
             disabled = 1, removed_at = $3, updated_at = $3, email_skeleton = null
         where id = $1 and removed_at is null",
    )
    .bind(id)
    .bind(&placeholder)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    crate::store::users::found(done.rows_affected(), "user")?;
    for q in [
        "delete from memberships where user_id = $1",
        "delete from user_totp where user_id = $1",
        "delete from recovery_codes where user_id = $1",
        "delete from federated_identities where user_id = $1",
        "delete from consents where user_id = $1",
        "delete from sessions where user_id = $1",
        "delete from one_time_tokens where user_id = $1",
    ] {
        sqlx::query(q).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn count_superusers(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("select count(*) from users where superuser = 1 and removed_at is null and disabled = 0")
        .fetch_one(&mut *conn)
        .await?)
}

/// Records that an administrator created (or imported) the account for `body_id`: the fact that
/// lets that body's administrators change its address, disable or remove it.
pub async fn set_created_for(conn: &mut Conn, id: &str, body_id: &str) -> Result<()> {
    let done = sqlx::query("update users set created_for_body_id = $2 where id = $1 and removed_at is null")
        .bind(id)
        .bind(body_id)
        .execute(&mut *conn)
        .await?;
    crate::store::users::found(done.rows_affected(), "user")
}

/// The body an administrator created or imported the account for, if any.
pub async fn created_for(db: &Db, id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>("select created_for_body_id from users where id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .flatten())
}

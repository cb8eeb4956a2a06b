//! SCIM provisioning: a body's bearer secrets, what its directory said about users and groups,
//! and its sync status.

use sqlx::FromRow;

use super::{Db, Exec, Result, flag};
use crate::clock::Timestamp;

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: String,
    pub body_id: String,
    pub label: String,
    pub secret_hash: String,
    pub permissions: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const TOKEN_COLUMNS: &str = "id, body_id, label, secret_hash, permissions, created_at, last_used_at, revoked_at";

pub struct NewToken<'a> {
    pub id: &'a str,
    pub body_id: &'a str,
    pub label: &'a str,
    pub secret_hash: &'a str,
    pub permissions: &'a [String],
}

pub async fn insert_token(db: impl Exec, t: &NewToken<'_>, now: Timestamp) -> Result<()> {
    sqlx::query("insert into scim_tokens (id, body_id, label, secret_hash, permissions, created_at) values ($1, $2, $3, $4, $5, $6)")
        .bind(t.id)
        .bind(t.body_id)
        .bind(t.label)
        .bind(t.secret_hash)
        .bind(super::json_list(t.permissions))
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

pub async fn token(db: &Db, id: &str) -> Result<Option<TokenRow>> {
    Ok(sqlx::query_as::<_, TokenRow>(sql!("select {TOKEN_COLUMNS} from scim_tokens where id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn tokens_of_body(db: &Db, body_id: &str) -> Result<Vec<TokenRow>> {
    Ok(sqlx::query_as::<_, TokenRow>(sql!("select {TOKEN_COLUMNS} from scim_tokens where body_id = $1 order by created_at, id"))
        .bind(body_id)
        .fetch_all(db.pool())
        .await?)
}

/// Revokes a live token; false when it was already revoked or does not exist.
pub async fn revoke_token(db: impl Exec, id: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query("update scim_tokens set revoked_at = $2 where id = $1 and revoked_at is null")
        .bind(id)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Records a token's use, at most once a minute (a sync sends many requests).
pub async fn touch_token(db: &Db, id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("update scim_tokens set last_used_at = $2 where id = $1 and (last_used_at is null or last_used_at < $3)")
        .bind(id)
        .bind(now)
        .bind(now - 60)
        .execute(db.pool())
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default, FromRow)]
pub struct StatusRow {
    pub last_sync_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

pub async fn record_sync(db: impl Exec, body_id: &str, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into scim_status (body_id, last_sync_at) values ($1, $2)
         on conflict (body_id) do update set last_sync_at = excluded.last_sync_at",
    )
    .bind(body_id)
    .bind(now)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(())
}

pub async fn record_error(db: &Db, body_id: &str, error: &str, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into scim_status (body_id, last_error, last_error_at) values ($1, $2, $3)
         on conflict (body_id) do update set last_error = excluded.last_error, last_error_at = excluded.last_error_at",
    )
    .bind(body_id)
    .bind(error)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn status(db: &Db, body_id: &str) -> Result<StatusRow> {
    Ok(sqlx::query_as::<_, StatusRow>("select last_sync_at, last_error, last_error_at from scim_status where body_id = $1")
        .bind(body_id)
        .fetch_optional(db.pool())
        .await?
        .unwrap_or_default())
}

/// (users the directory provisioned, of them disabled in the body, groups).
pub async fn counts(db: &Db, body_id: &str) -> Result<(i64, i64, i64)> {
    let users: i64 = sqlx::query_scalar(
        "select count(*) from scim_users s join memberships m on m.user_id = s.user_id and m.body_id = s.body_id where s.body_id = $1",
    )
    .bind(body_id)
    .fetch_one(db.pool())
    .await?;
    let disabled: i64 = sqlx::query_scalar(
        "select count(*) from scim_users s join memberships m on m.user_id = s.user_id and m.body_id = s.body_id
         where s.body_id = $1 and m.disabled_at is not null",
    )
    .bind(body_id)
    .fetch_one(db.pool())
    .await?;
    let groups: i64 = sqlx::query_scalar("select count(*) from scim_groups where body_id = $1").bind(body_id).fetch_one(db.pool()).await?;
    Ok((users, disabled, groups))
}

/// A member of a body as SCIM sees it: the account, the membership, and what the directory sent.
#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub superuser: i64,
    pub disabled: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub membership_id: String,
    pub membership_disabled_at: Option<i64>,
    pub external_id: Option<String>,
    pub attributes: Option<String>,
    pub version: Option<i64>,
    pub scim_updated_at: Option<i64>,
}

const MEMBER_SELECT: &str = "select u.id as user_id, u.email, u.name, u.superuser, u.disabled, u.created_at, u.updated_at,
        m.id as membership_id, m.disabled_at as membership_disabled_at,
        s.external_id, s.attributes, s.version, s.updated_at as scim_updated_at
     from memberships m join users u on u.id = m.user_id
     left join scim_users s on s.body_id = m.body_id and s.user_id = m.user_id
     where m.body_id = $1 and u.removed_at is null";

pub async fn members(db: &Db, body_id: &str) -> Result<Vec<MemberRow>> {
    Ok(sqlx::query_as::<_, MemberRow>(sql!("{MEMBER_SELECT} order by m.created_at, u.id")).bind(body_id).fetch_all(db.pool()).await?)
}

pub async fn member(db: &Db, body_id: &str, user_id: &str) -> Result<Option<MemberRow>> {
    Ok(sqlx::query_as::<_, MemberRow>(sql!("{MEMBER_SELECT} and u.id = $2")).bind(body_id).bind(user_id).fetch_optional(db.pool()).await?)
}

pub async fn member_by_email(db: &Db, body_id: &str, email: &str) -> Result<Option<MemberRow>> {
    Ok(sqlx::query_as::<_, MemberRow>(sql!("{MEMBER_SELECT} and u.email = $2")).bind(body_id).bind(email).fetch_optional(db.pool()).await?)
}

pub async fn members_by_external_id(db: &Db, body_id: &str, external_id: &str) -> Result<Vec<MemberRow>> {
    Ok(sqlx::query_as::<_, MemberRow>(sql!("{MEMBER_SELECT} and s.external_id = $2"))
        .bind(body_id)
        .bind(external_id)
        .fetch_all(db.pool())
        .await?)
}

/// Saves what the directory sent about a user in a body, moving its version on.
pub async fn save_user(
    db: impl Exec,
    body_id: &str,
    user_id: &str,
    external_id: Option<&str>,
    attributes: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into scim_users (body_id, user_id, external_id, attributes, created_at, updated_at) values ($1, $2, $3, $4, $5, $5)
         on conflict (body_id, user_id) do update set external_id = excluded.external_id, attributes = excluded.attributes,
             version = scim_users.version + 1, updated_at = excluded.updated_at",
    )
    .bind(body_id)
    .bind(user_id)
    .bind(external_id)
    .bind(attributes)
    .bind(now)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(())
}

/// Whether the directory of `body_id` disabled the whole account (see `scim_users`).
pub async fn disabled_account(db: impl Exec, body_id: &str, user_id: &str) -> Result<bool> {
    let v: Option<i64> = sqlx::query_scalar("select disabled_account from scim_users where body_id = $1 and user_id = $2")
        .bind(body_id)
        .bind(user_id)
        .fetch_optional(&mut *db.conn().await?)
        .await?;
    Ok(v.unwrap_or(0) != 0)
}

pub async fn set_disabled_account(db: impl Exec, body_id: &str, user_id: &str, value: bool) -> Result<()> {
    sqlx::query("update scim_users set disabled_account = $3 where body_id = $1 and user_id = $2")
        .bind(body_id)
        .bind(user_id)
        .bind(flag(value))
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

/// Disables (Some(time)) or restores (None) a membership.
pub async fn set_membership_disabled(db: impl Exec, membership_id: &str, at: Option<Timestamp>) -> Result<()> {
    sqlx::query("update memberships set disabled_at = $2 where id = $1")
        .bind(membership_id)
        .bind(at)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

/// Enabled memberships of a user in bodies other than `body_id`.
pub async fn other_live_memberships(db: impl Exec, user_id: &str, body_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from memberships where user_id = $1 and body_id <> $2 and disabled_at is null")
        .bind(user_id)
        .bind(body_id)
        .fetch_one(&mut *db.conn().await?)
        .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct GroupRow {
    pub id: String,
    pub body_id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const GROUP_COLUMNS: &str = "id, body_id, display_name, external_id, version, created_at, updated_at";

pub async fn insert_group(db: impl Exec, id: &str, body_id: &str, name: &str, external_id: Option<&str>, now: Timestamp) -> Result<()> {
    sqlx::query("insert into scim_groups (id, body_id, display_name, external_id, created_at, updated_at) values ($1, $2, $3, $4, $5, $5)")
        .bind(id)
        .bind(body_id)
        .bind(name)
        .bind(external_id)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

pub async fn update_group(db: impl Exec, id: &str, name: &str, external_id: Option<&str>, now: Timestamp) -> Result<()> {
    sqlx::query("update scim_groups set display_name = $2, external_id = $3, version = version + 1, updated_at = $4 where id = $1")
        .bind(id)
        .bind(name)
        .bind(external_id)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

pub async fn delete_group(db: impl Exec, id: &str) -> Result<()> {
    sqlx::query("delete from scim_groups where id = $1").bind(id).execute(&mut *db.conn().await?).await?;
    Ok(())
}

pub async fn group(db: &Db, body_id: &str, id: &str) -> Result<Option<GroupRow>> {
    Ok(sqlx::query_as::<_, GroupRow>(sql!("select {GROUP_COLUMNS} from scim_groups where body_id = $1 and id = $2"))
        .bind(body_id)
        .bind(id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn groups(db: &Db, body_id: &str) -> Result<Vec<GroupRow>> {
    Ok(sqlx::query_as::<_, GroupRow>(sql!("select {GROUP_COLUMNS} from scim_groups where body_id = $1 order by created_at, id"))
        .bind(body_id)
        .fetch_all(db.pool())
        .await?)
}

/// A group's members: (user id, email).
pub async fn group_members(db: impl Exec, group_id: &str) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "select u.id, u.email from scim_group_members gm join users u on u.id = gm.user_id where gm.group_id = $1 order by u.email",
    )
    .bind(group_id)
    .fetch_all(&mut *db.conn().await?)
    .await?)
}

pub async fn replace_group_members(db: impl Exec, group_id: &str, user_ids: &[String]) -> Result<()> {
    let mut c = db.conn().await?;
    sqlx::query("delete from scim_group_members where group_id = $1").bind(group_id).execute(&mut *c).await?;
    for u in user_ids {
        sqlx::query("insert into scim_group_members (group_id, user_id) values ($1, $2) on conflict do nothing")
            .bind(group_id)
            .bind(u)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// The body's groups a user is in: (id, display name, external id).
pub async fn groups_of_user(db: impl Exec, body_id: &str, user_id: &str) -> Result<Vec<(String, String, Option<String>)>> {
    Ok(sqlx::query_as::<_, (String, String, Option<String>)>(
        "select g.id, g.display_name, g.external_id from scim_group_members gm join scim_groups g on g.id = gm.group_id
         where g.body_id = $1 and gm.user_id = $2 order by g.display_name",
    )
    .bind(body_id)
    .bind(user_id)
    .fetch_all(&mut *db.conn().await?)
    .await?)
}

pub async fn leave_groups(db: impl Exec, body_id: &str, user_id: &str) -> Result<()> {
    sqlx::query("delete from scim_group_members where user_id = $1 and group_id in (select id from scim_groups where body_id = $2)")
        .bind(user_id)
        .bind(body_id)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

/// The roles a membership holds, inside the caller's transaction.
pub async fn membership_roles(db: impl Exec, membership_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("select role_id from membership_roles where membership_id = $1")
        .bind(membership_id)
        .fetch_all(&mut *db.conn().await?)
        .await?)
}

pub async fn remove_role(db: impl Exec, membership_id: &str, role_id: &str) -> Result<()> {
    sqlx::query("delete from membership_roles where membership_id = $1 and role_id = $2")
        .bind(membership_id)
        .bind(role_id)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

/// The connections serving a body (their group → role mappings apply to its SCIM groups).
pub async fn connection_ids_of_body(db: &Db, body_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("select id from upstream_connections where body_id = $1 order by id").bind(body_id).fetch_all(db.pool()).await?)
}

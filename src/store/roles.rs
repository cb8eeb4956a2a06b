//! A body's roles with their permissions and Street Manager role tags.

use sqlx::FromRow;

use super::{Db, Exec, Result, StoreError, Taken};
use crate::clock::Timestamp;
use crate::policy::mfa::MfaLevel;

#[derive(Debug, Clone, FromRow)]
pub struct Role {
    pub id: String,
    pub body_id: Option<String>,
    pub template_key: Option<String>,
    pub name: String,
    pub namespace: String,
    pub description: String,
    pub mfa_required: i64,
    pub sm_role: Option<String>,
}

impl Role {
    /// What the role asks of its holders' sign-in (`mfa_required` holds a level).
    pub fn mfa_level(&self) -> MfaLevel {
        MfaLevel::from_stored(self.mfa_required)
    }
}

const COLUMNS: &str = "id, body_id, template_key, name, namespace, description, mfa_required, sm_role";

pub async fn by_id(db: &Db, id: &str) -> Result<Option<Role>> {
    Ok(sqlx::query_as::<_, Role>(sqlx::AssertSqlSafe(format!("select {COLUMNS} from roles where id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn of_body(db: &Db, body_id: &str) -> Result<Vec<Role>> {
    Ok(sqlx::query_as::<_, Role>(sqlx::AssertSqlSafe(format!("select {COLUMNS} from roles where body_id = $1 order by name")))
        .bind(body_id)
        .fetch_all(db.pool())
        .await?)
}

pub async fn template(db: &Db, key: &str) -> Result<Option<Role>> {
    Ok(sqlx::query_as::<_, Role>(sqlx::AssertSqlSafe(format!("select {COLUMNS} from roles where body_id is null and template_key = $1")))
        .bind(key)
        .fetch_optional(db.pool())
        .await?)
}

/// The role's permission keys, in order.
pub async fn permissions(db: &Db, role_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar::<_, String>("select permission_key from role_permissions where role_id = $1 order by permission_key")
        .bind(role_id)
        .fetch_all(db.pool())
        .await?)
}

/// The catalogue keys among `keys` that do not exist.
pub async fn unknown_permissions(db: &Db, keys: &[String]) -> Result<Vec<String>> {
    let known: Vec<String> = sqlx::query_scalar("select key from permissions").fetch_all(db.pool()).await?;
    Ok(keys.iter().filter(|k| !known.contains(k)).cloned().collect())
}

pub struct RoleSpec<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub namespace: &'a str,
    pub mfa_required: bool,
    /// Holders must use a passkey: stored as [`MfaLevel::PhishingResistant`] in `mfa_required`.
    pub phishing_resistant: bool,
    pub sm_role: Option<&'a str>,
    pub template_key: Option<&'a str>,
    pub permissions: &'a [String],
}

/// Every column of a new role row: a template (no body; the kinds of body it is offered to) or
/// a body's own role (no kinds).
pub(crate) struct NewRow<'a> {
    pub id: &'a str,
    pub body_id: Option<&'a str>,
    pub template_key: Option<&'a str>,
    pub name: &'a str,
    pub namespace: &'a str,
    pub description: &'a str,
    /// JSON list.
    pub body_kinds: &'a str,
    pub mfa_required: i64,
    pub sm_role: Option<&'a str>,
}

/// The one statement that creates a role; `taken` names what a clash of names means.
pub(crate) async fn insert_row(db: impl Exec, r: &NewRow<'_>, now: Timestamp, taken: Taken) -> Result<()> {
    sqlx::query(
        "insert into roles (id, body_id, template_key, name, namespace, description, body_kinds, mfa_required, sm_role, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(r.id)
    .bind(r.body_id)
    .bind(r.template_key)
    .bind(r.name)
    .bind(r.namespace)
    .bind(r.description)
    .bind(r.body_kinds)
    .bind(r.mfa_required)
    .bind(r.sm_role)
    .bind(now)
    .execute(&mut *db.conn().await?)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, taken))?;
    Ok(())
}

pub async fn insert(db: impl Exec, id: &str, body_id: &str, r: &RoleSpec<'_>, now: Timestamp) -> Result<()> {
    let mut c = db.conn().await?;
    let row = NewRow {
        id,
        body_id: Some(body_id),
        template_key: r.template_key,
        name: r.name,
        namespace: r.namespace,
        description: r.description,
        body_kinds: "[]",
        mfa_required: MfaLevel::from_flags(r.mfa_required, r.phishing_resistant).stored(),
        sm_role: r.sm_role,
    };
    insert_row(&mut *c, &row, now, Taken::Role).await?;
    set_permissions(&mut *c, id, r.permissions).await
}

pub async fn update(db: impl Exec, id: &str, r: &RoleSpec<'_>, now: Timestamp) -> Result<()> {
    let mut c = db.conn().await?;
    let done = sqlx::query(
        "update roles set name = $2, description = $3, namespace = $4, mfa_required = $5, sm_role = $6, updated_at = $7
         where id = $1 and body_id is not null",
    )
    .bind(id)
    .bind(r.name)
    .bind(r.description)
    .bind(r.namespace)
    .bind(MfaLevel::from_flags(r.mfa_required, r.phishing_resistant).stored())
    .bind(r.sm_role)
    .bind(now)
    .execute(&mut *c)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, Taken::Role))?;
    super::found(done.rows_affected(), "role")?;
    set_permissions(&mut *c, id, r.permissions).await
}

async fn set_permissions(db: impl Exec, id: &str, permissions: &[String]) -> Result<()> {
    let mut c = db.conn().await?;
    sqlx::query("delete from role_permissions where role_id = $1").bind(id).execute(&mut *c).await?;
    for p in permissions {
        sqlx::query("insert into role_permissions (role_id, permission_key) values ($1, $2) on conflict do nothing")
            .bind(id)
            .bind(p)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

pub async fn delete(db: impl Exec, id: &str) -> Result<()> {
    let mut c = db.conn().await?;
    sqlx::query("update bodies set default_role_id = null where default_role_id = $1").bind(id).execute(&mut *c).await?;
    let done = sqlx::query("delete from roles where id = $1 and body_id is not null").bind(id).execute(&mut *c).await?;
    super::found(done.rows_affected(), "role")
}

/// Memberships holding a role.
pub async fn memberships_with(db: &Db, role_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("select membership_id from membership_roles where role_id = $1").bind(role_id).fetch_all(db.pool()).await?)
}

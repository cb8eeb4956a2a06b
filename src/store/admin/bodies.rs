//! Bodies as administrators change them: settings, domains, contractor links.

use super::Conn;
use crate::clock::Timestamp;
use crate::policy::body::{BodyKind, BodyStatus, MfaPolicy};
use crate::store::{Db, Result, StoreError};

/// Every setting of a body that administrators edit.
#[derive(Debug, Clone)]
pub struct BodySettings {
    pub name: String,
    pub kind: BodyKind,
    pub status: BodyStatus,
    pub fms_body_id: Option<String>,
    pub swa_code: Option<String>,
    pub mfa_policy: MfaPolicy,
    pub password_min_length: Option<i64>,
    pub sso_connection_id: Option<String>,
    /// The 2FA floor to set (a superuser's change); None keeps it (a body administrator's).
    /// On insert, None means the policy itself.
    pub mfa_floor: Option<MfaPolicy>,
}

pub async fn insert(conn: &mut Conn, id: &str, b: &BodySettings, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into bodies (id, name, kind, status, fms_body_id, swa_code, mfa_policy, password_min_length, sso_connection_id,
                             created_at, updated_at, mfa_floor)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)",
    )
    .bind(id)
    .bind(&b.name)
    .bind(b.kind.as_str())
    .bind(b.status.as_str())
    .bind(&b.fms_body_id)
    .bind(&b.swa_code)
    .bind(b.mfa_policy.as_str())
    .bind(b.password_min_length)
    .bind(&b.sso_connection_id)
    .bind(now)
    .bind(b.mfa_floor.unwrap_or(b.mfa_policy).as_str())
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, "A body with that name"))?;
    Ok(())
}

pub async fn update(conn: &mut Conn, id: &str, b: &BodySettings, now: Timestamp) -> Result<()> {
    let done = sqlx::query(
        "update bodies set name = $2, kind = $3, status = $4, fms_body_id = $5, swa_code = $6, mfa_policy = $7,
             password_min_length = $8, sso_connection_id = $9, updated_at = $10, mfa_floor = coalesce(cast($11 as text), mfa_floor)
         where id = $1",
    )
    .bind(id)
    .bind(&b.name)
    .bind(b.kind.as_str())
    .bind(b.status.as_str())
    .bind(&b.fms_body_id)
    .bind(&b.swa_code)
    .bind(b.mfa_policy.as_str())
    .bind(b.password_min_length)
    .bind(&b.sso_connection_id)
    .bind(now)
    .bind(b.mfa_floor.map(MfaPolicy::as_str))
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, "A body with that name"))?;
    crate::store::users::found(done.rows_affected(), "body")
}

/// The body's 2FA floor as this connection (or transaction) sees it now.
pub async fn mfa_floor_on(conn: &mut Conn, id: &str) -> Result<Option<MfaPolicy>> {
    let floor = sqlx::query_scalar::<_, String>("select mfa_floor from bodies where id = $1").bind(id).fetch_optional(&mut *conn).await?;
    floor.map(MfaPolicy::try_from).transpose().map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub async fn sso_connection_id(db: &Db, id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>("select sso_connection_id from bodies where id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .flatten())
}

/// Replaces the body's email domains.
pub async fn set_domains(conn: &mut Conn, id: &str, domains: &[String]) -> Result<()> {
    sqlx::query("delete from body_domains where body_id = $1").bind(id).execute(&mut *conn).await?;
    for d in domains {
        sqlx::query("insert into body_domains (domain, body_id) values ($1, $2)")
            .bind(d)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, "A body with one of those email domains"))?;
    }
    Ok(())
}

/// Copies the role templates offered to `kind` into the body, in the caller's transaction.
pub async fn copy_templates(
    conn: &mut Conn,
    body_id: &str,
    kind: &str,
    ids: &mut (dyn FnMut() -> String + Send),
    now: Timestamp,
) -> Result<()> {
    #[derive(sqlx::FromRow)]
    struct Template {
        id: String,
        template_key: Option<String>,
        name: String,
        namespace: String,
        description: String,
        body_kinds: String,
        mfa_required: i64,
    }
    let templates: Vec<Template> = sqlx::query_as(
        "select id, template_key, name, namespace, description, body_kinds, mfa_required from roles where body_id is null order by name",
    )
    .fetch_all(&mut *conn)
    .await?;
    for Template { id: tid, template_key: key, name, namespace, description, body_kinds, mfa_required: mfa } in templates {
        let kinds = crate::store::parse_json_list(&body_kinds)?;
        if !kinds.iter().any(|k| k == kind) {
            continue;
        }
        let id = ids();
        sqlx::query(
            "insert into roles (id, body_id, template_key, name, namespace, description, body_kinds, mfa_required, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, '[]', $7, $8, $8)",
        )
        .bind(&id)
        .bind(body_id)
        .bind(&key)
        .bind(&name)
        .bind(&namespace)
        .bind(&description)
        .bind(mfa)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "insert into role_permissions (role_id, permission_key) select $1, permission_key from role_permissions where role_id = $2",
        )
        .bind(&id)
        .bind(&tid)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn link(conn: &mut Conn, principal_id: &str, contractor_id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("insert into body_links (principal_id, contractor_id, created_at) values ($1, $2, $3)")
        .bind(principal_id)
        .bind(contractor_id)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, "That contractor link"))?;
    Ok(())
}

pub async fn unlink(conn: &mut Conn, principal_id: &str, contractor_id: &str) -> Result<bool> {
    let done = sqlx::query("delete from body_links where principal_id = $1 and contractor_id = $2")
        .bind(principal_id)
        .bind(contractor_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The promoters and highway authorities a contractor works for.
pub async fn principals_of(db: &Db, contractor_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("select principal_id from body_links where contractor_id = $1 order by principal_id")
        .bind(contractor_id)
        .fetch_all(db.pool())
        .await?)
}

/// The contractors working for a promoter or highway authority.
pub async fn contractors_of(db: &Db, principal_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("select contractor_id from body_links where principal_id = $1 order by contractor_id")
        .bind(principal_id)
        .fetch_all(db.pool())
        .await?)
}

use sqlx::FromRow;

use super::{Db, Result, StoreError, json_list, parse_json_list};
use crate::clock::Timestamp;
use crate::policy::body::{BodyKind, BodyStatus, MfaPolicy};

#[derive(Debug, Clone, FromRow)]
pub struct BodyRow {
    pub id: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: BodyKind,
    #[sqlx(try_from = "String")]
    pub status: BodyStatus,
    pub fms_body_id: Option<String>,
    pub swa_code: Option<String>,
    #[sqlx(try_from = "String")]
    pub mfa_policy: MfaPolicy,
    pub sign_in_methods: String,
    pub password_min_length: Option<i64>,
    pub default_role_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The 2FA policy a superuser (or the command line) last set: body administrators may
    /// raise `mfa_policy` above it, never set it below.
    #[sqlx(try_from = "String")]
    pub mfa_floor: MfaPolicy,
}

impl BodyRow {
    pub fn sign_in_methods(&self) -> Result<Vec<String>> {
        parse_json_list(&self.sign_in_methods)
    }
}

const COLUMNS: &str = "id, name, kind, status, fms_body_id, swa_code, mfa_policy, sign_in_methods, password_min_length, default_role_id, created_at, updated_at, \
     mfa_floor";

pub const KINDS: [&str; 5] = ["council", "highway_authority", "promoter", "contractor", "other"];

pub struct NewBody<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub fms_body_id: Option<&'a str>,
    pub swa_code: Option<&'a str>,
    pub mfa_policy: &'a str,
    pub password_min_length: Option<i64>,
    pub domains: &'a [String],
}

/// Inserts the body and its domains in one transaction: a taken domain leaves no body behind.
pub async fn insert(db: &Db, b: &NewBody<'_>, now: Timestamp) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "insert into bodies (id, name, kind, fms_body_id, swa_code, mfa_policy, sign_in_methods, password_min_length, created_at, updated_at,
                             mfa_floor)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $6)",
    )
    .bind(b.id)
    .bind(b.name)
    .bind(b.kind)
    .bind(b.fms_body_id)
    .bind(b.swa_code)
    .bind(b.mfa_policy)
    .bind(json_list(&["password".to_owned(), "email".to_owned()]))
    .bind(b.password_min_length)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, "a body with that name"))?;
    for d in b.domains {
        sqlx::query("insert into body_domains (domain, body_id) values ($1, $2)")
            .bind(d)
            .bind(b.id)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, "that email domain on another body"))?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<BodyRow>> {
    Ok(sqlx::query_as::<_, BodyRow>(sql!("select {COLUMNS} from bodies where id = $1")).bind(id).fetch_optional(db.pool()).await?)
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<BodyRow>> {
    Ok(sqlx::query_as::<_, BodyRow>(sql!("select {COLUMNS} from bodies where name = $1")).bind(name).fetch_optional(db.pool()).await?)
}

pub async fn list(db: &Db) -> Result<Vec<BodyRow>> {
    Ok(sqlx::query_as::<_, BodyRow>(sql!("select {COLUMNS} from bodies order by name")).fetch_all(db.pool()).await?)
}

pub async fn domains(db: &Db, body_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar::<_, String>("select domain from body_domains where body_id = $1 order by domain")
        .bind(body_id)
        .fetch_all(db.pool())
        .await?)
}

pub async fn by_domain(db: &Db, domain: &str) -> Result<Option<BodyRow>> {
    Ok(sqlx::query_as::<_, BodyRow>(sql!(
        "select {} from bodies b join body_domains d on d.body_id = b.id where d.domain = $1",
        COLUMNS.split(", ").map(|c| format!("b.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(domain)
    .fetch_optional(db.pool())
    .await?)
}

pub async fn set_default_role(db: &Db, body_id: &str, role_id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("update bodies set default_role_id = $2, updated_at = $3 where id = $1")
        .bind(body_id)
        .bind(role_id)
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Sets the policy and its floor (the command line acts as the operator, like a superuser).
pub async fn set_mfa_policy(db: &Db, body_id: &str, policy: &str, now: Timestamp) -> Result<()> {
    let done = sqlx::query("update bodies set mfa_policy = $2, mfa_floor = $2, updated_at = $3 where id = $1")
        .bind(body_id)
        .bind(policy)
        .bind(now)
        .execute(db.pool())
        .await
        .map_err(StoreError::from)?;
    super::users::found(done.rows_affected(), "body")
}

use sqlx::FromRow;

use super::{Db, Exec, Result, StoreError, Taken, parse_json_list};
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

/// The columns of a body row, each prefixed by `p` (a table alias and dot, or nothing). The
/// phishing-resistant level is a flag beside each policy column (migration 0018: SQLite cannot
/// widen the columns' check constraints), read back here as the one policy it is.
fn columns(p: &str) -> String {
    format!(
        "{p}id, {p}name, {p}kind, {p}status, {p}fms_body_id, {p}swa_code, \
         case when {p}mfa_policy_phr = 1 then 'phishing_resistant' else {p}mfa_policy end as mfa_policy, \
         {p}sign_in_methods, {p}password_min_length, {p}default_role_id, {p}created_at, {p}updated_at, \
         case when {p}mfa_floor_phr = 1 then 'phishing_resistant' else {p}mfa_floor end as mfa_floor"
    )
}

/// What the policy columns hold for `p`: the text (required for phishing-resistant) and the flag.
fn stored(p: MfaPolicy) -> (&'static str, i64) {
    match p {
        MfaPolicy::PhishingResistant => (MfaPolicy::Required.as_str(), 1),
        other => (other.as_str(), 0),
    }
}

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
    let settings = BodySettings {
        name: b.name.to_owned(),
        kind: BodyKind::parse(b.kind).ok_or_else(|| StoreError::Corrupt(format!("unknown body kind {:?}", b.kind)))?,
        status: BodyStatus::Active,
        fms_body_id: b.fms_body_id.map(str::to_owned),
        swa_code: b.swa_code.map(str::to_owned),
        mfa_policy: MfaPolicy::parse(b.mfa_policy).ok_or_else(|| StoreError::Corrupt(format!("unknown 2FA policy {:?}", b.mfa_policy)))?,
        password_min_length: b.password_min_length,
        sso_connection_id: None,
        mfa_floor: None,
    };
    let mut tx = db.begin().await?;
    create(&mut tx, b.id, &settings, now).await?;
    set_domains(&mut tx, b.id, b.domains).await?;
    tx.commit().await?;
    Ok(())
}

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

/// Inserts a body (with the default sign-in methods, password and email).
pub async fn create(db: impl Exec, id: &str, b: &BodySettings, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into bodies (id, name, kind, status, fms_body_id, swa_code, mfa_policy, password_min_length, sso_connection_id,
                             created_at, updated_at, mfa_floor, mfa_policy_phr, mfa_floor_phr)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(&b.name)
    .bind(b.kind.as_str())
    .bind(b.status.as_str())
    .bind(&b.fms_body_id)
    .bind(&b.swa_code)
    .bind(stored(b.mfa_policy).0)
    .bind(b.password_min_length)
    .bind(&b.sso_connection_id)
    .bind(now)
    .bind(stored(b.mfa_floor.unwrap_or(b.mfa_policy)).0)
    .bind(stored(b.mfa_policy).1)
    .bind(stored(b.mfa_floor.unwrap_or(b.mfa_policy)).1)
    .execute(&mut *db.conn().await?)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, Taken::BodyName))?;
    Ok(())
}

pub async fn update(db: impl Exec, id: &str, b: &BodySettings, now: Timestamp) -> Result<()> {
    let done = sqlx::query(
        "update bodies set name = $2, kind = $3, status = $4, fms_body_id = $5, swa_code = $6, mfa_policy = $7,
             password_min_length = $8, sso_connection_id = $9, updated_at = $10, mfa_floor = coalesce(cast($11 as text), mfa_floor),
             mfa_policy_phr = $12, mfa_floor_phr = coalesce(cast($13 as bigint), mfa_floor_phr)
         where id = $1",
    )
    .bind(id)
    .bind(&b.name)
    .bind(b.kind.as_str())
    .bind(b.status.as_str())
    .bind(&b.fms_body_id)
    .bind(&b.swa_code)
    .bind(stored(b.mfa_policy).0)
    .bind(b.password_min_length)
    .bind(&b.sso_connection_id)
    .bind(now)
    .bind(b.mfa_floor.map(|f| stored(f).0))
    .bind(stored(b.mfa_policy).1)
    .bind(b.mfa_floor.map(|f| stored(f).1))
    .execute(&mut *db.conn().await?)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, Taken::BodyName))?;
    super::found(done.rows_affected(), "body")
}

/// The body's 2FA floor as this connection (or transaction) sees it now.
pub async fn mfa_floor(db: impl Exec, id: &str) -> Result<Option<MfaPolicy>> {
    let floor = sqlx::query_scalar::<_, String>(
        "select case when mfa_floor_phr = 1 then 'phishing_resistant' else mfa_floor end from bodies where id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *db.conn().await?)
    .await?;
    floor.map(MfaPolicy::try_from).transpose().map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub async fn sso_connection_id(db: impl Exec, id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>("select sso_connection_id from bodies where id = $1")
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?
        .flatten())
}

/// Replaces the body's email domains.
pub async fn set_domains(db: impl Exec, id: &str, domains: &[String]) -> Result<()> {
    let mut c = db.conn().await?;
    sqlx::query("delete from body_domains where body_id = $1").bind(id).execute(&mut *c).await?;
    for d in domains {
        sqlx::query("insert into body_domains (domain, body_id) values ($1, $2)")
            .bind(d)
            .bind(id)
            .execute(&mut *c)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, Taken::BodyDomains))?;
    }
    Ok(())
}

pub async fn link(db: impl Exec, principal_id: &str, contractor_id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("insert into body_links (principal_id, contractor_id, created_at) values ($1, $2, $3)")
        .bind(principal_id)
        .bind(contractor_id)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, Taken::ContractorLink))?;
    Ok(())
}

pub async fn unlink(db: impl Exec, principal_id: &str, contractor_id: &str) -> Result<bool> {
    let done = sqlx::query("delete from body_links where principal_id = $1 and contractor_id = $2")
        .bind(principal_id)
        .bind(contractor_id)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The promoters and highway authorities a contractor works for.
pub async fn principals_of(db: impl Exec, contractor_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("select principal_id from body_links where contractor_id = $1 order by principal_id")
        .bind(contractor_id)
        .fetch_all(&mut *db.conn().await?)
        .await?)
}

/// The contractors working for a promoter or highway authority.
pub async fn contractors_of(db: impl Exec, principal_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("select contractor_id from body_links where principal_id = $1 order by contractor_id")
        .bind(principal_id)
        .fetch_all(&mut *db.conn().await?)
        .await?)
}

pub async fn by_id(db: impl Exec, id: &str) -> Result<Option<BodyRow>> {
    Ok(sqlx::query_as::<_, BodyRow>(sql!("select {} from bodies where id = $1", columns("")))
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?)
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<BodyRow>> {
    Ok(sqlx::query_as::<_, BodyRow>(sql!("select {} from bodies where name = $1", columns("")))
        .bind(name)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn list(db: &Db) -> Result<Vec<BodyRow>> {
    Ok(sqlx::query_as::<_, BodyRow>(sql!("select {} from bodies order by name", columns(""))).fetch_all(db.pool()).await?)
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
        columns("b.")
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
    let policy = MfaPolicy::parse(policy).ok_or_else(|| StoreError::Corrupt(format!("unknown 2FA policy {policy:?}")))?;
    let (text, phr) = stored(policy);
    let done = sqlx::query(
        "update bodies set mfa_policy = $2, mfa_floor = $2, mfa_policy_phr = $4, mfa_floor_phr = $4, updated_at = $3 where id = $1",
    )
    .bind(body_id)
    .bind(text)
    .bind(now)
    .bind(phr)
    .execute(db.pool())
    .await
    .map_err(StoreError::from)?;
    super::found(done.rows_affected(), "body")
}

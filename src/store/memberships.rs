//! Users' memberships of bodies: roles, direct permissions, workstreams and areas.

use sqlx::FromRow;

use super::{Db, Result, StoreError};
use crate::clock::Timestamp;
use crate::policy::body::{BodyKind, BodyStatus};

#[derive(Debug, Clone, FromRow)]
pub struct MembershipRow {
    pub id: String,
    pub user_id: String,
    pub body_id: String,
    pub body_name: String,
    #[sqlx(try_from = "String")]
    pub body_kind: BodyKind,
    #[sqlx(try_from = "String")]
    pub body_status: BodyStatus,
}

#[derive(Debug, Clone, Default)]
pub struct MembershipDetail {
    pub membership: Option<MembershipRow>,
    pub roles: Vec<(String, String)>,
    pub permissions: Vec<String>,
    pub direct_permissions: Vec<String>,
    pub workstreams: Vec<(String, String)>,
    pub areas: Vec<String>,
    pub mfa_required_by_role: bool,
}

pub async fn add(db: &Db, id: &str, user_id: &str, body_id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("insert into memberships (id, user_id, body_id, created_at) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(user_id)
        .bind(body_id)
        .bind(now)
        .execute(db.pool())
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, "that membership"))?;
    Ok(())
}

pub async fn add_role(db: &Db, membership_id: &str, role_id: &str) -> Result<()> {
    sqlx::query("insert into membership_roles (membership_id, role_id) values ($1, $2) on conflict do nothing")
        .bind(membership_id)
        .bind(role_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn add_permission(db: &Db, membership_id: &str, key: &str) -> Result<()> {
    sqlx::query("insert into membership_permissions (membership_id, permission_key) values ($1, $2) on conflict do nothing")
        .bind(membership_id)
        .bind(key)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn set_workstream(db: &Db, membership_id: &str, prefix: &str, access: &str) -> Result<()> {
    sqlx::query(
        "insert into membership_workstreams (membership_id, prefix, access) values ($1, $2, $3)
         on conflict (membership_id, prefix) do update set access = excluded.access",
    )
    .bind(membership_id)
    .bind(prefix)
    .bind(access)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn add_area(db: &Db, membership_id: &str, area: &str) -> Result<()> {
    sqlx::query("insert into membership_areas (membership_id, area) values ($1, $2) on conflict do nothing")
        .bind(membership_id)
        .bind(area)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<MembershipRow>> {
    Ok(sqlx::query_as::<_, MembershipRow>(
        "select m.id, m.user_id, m.body_id, b.name as body_name, b.kind as body_kind, b.status as body_status
         from memberships m join bodies b on b.id = m.body_id
         where m.user_id = $1 order by b.name",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?)
}

/// Everything a membership grants, with role permissions and direct permissions merged.
pub async fn detail(db: &Db, m: &MembershipRow) -> Result<MembershipDetail> {
    let roles: Vec<(String, String, i64)> = sqlx::query_as(
        "select r.id, r.name, r.mfa_required from membership_roles mr join roles r on r.id = mr.role_id
         where mr.membership_id = $1 order by r.name",
    )
    .bind(&m.id)
    .fetch_all(db.pool())
    .await?;
    let mut permissions: Vec<String> = sqlx::query_scalar(
        "select distinct rp.permission_key from membership_roles mr join role_permissions rp on rp.role_id = mr.role_id
         where mr.membership_id = $1",
    )
    .bind(&m.id)
    .fetch_all(db.pool())
    .await?;
    let direct: Vec<String> =
        sqlx::query_scalar("select permission_key from membership_permissions where membership_id = $1 order by permission_key")
            .bind(&m.id)
            .fetch_all(db.pool())
            .await?;
    permissions.extend(direct.iter().cloned());
    permissions.sort();
    permissions.dedup();
    let workstreams: Vec<(String, String)> =
        sqlx::query_as("select prefix, access from membership_workstreams where membership_id = $1 order by prefix")
            .bind(&m.id)
            .fetch_all(db.pool())
            .await?;
    let areas: Vec<String> = sqlx::query_scalar("select area from membership_areas where membership_id = $1 order by area")
        .bind(&m.id)
        .fetch_all(db.pool())
        .await?;
    Ok(MembershipDetail {
        membership: Some(m.clone()),
        mfa_required_by_role: roles.iter().any(|(_, _, mfa)| *mfa != 0),
        roles: roles.into_iter().map(|(id, name, _)| (id, name)).collect(),
        permissions,
        direct_permissions: direct,
        workstreams,
        areas,
    })
}

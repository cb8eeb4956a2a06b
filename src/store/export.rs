//! Reads for "download all organisation data": everything about one body, each list in a fixed
//! order so two exports of the same data are byte-for-byte the same.

use sqlx::FromRow;

use super::{Db, Result};

#[derive(Debug, Clone, FromRow)]
pub struct BodyLinkRow {
    pub principal_id: String,
    pub principal_name: String,
    pub contractor_id: String,
    pub contractor_name: String,
    pub created_at: i64,
}

/// Contractor links where the body is either side.
pub async fn links(db: &Db, body_id: &str) -> Result<Vec<BodyLinkRow>> {
    Ok(sqlx::query_as::<_, BodyLinkRow>(
        "select l.principal_id, p.name as principal_name, l.contractor_id, c.name as contractor_name, l.created_at
         from body_links l join bodies p on p.id = l.principal_id join bodies c on c.id = l.contractor_id
         where l.principal_id = $1 or l.contractor_id = $1
         order by l.principal_id, l.contractor_id",
    )
    .bind(body_id)
    .fetch_all(db.pool())
    .await?)
}

/// The body's single sign-on connections: what they are, never their configuration or secrets.
pub async fn connections(db: &Db, body_id: &str) -> Result<Vec<(String, String, String, String)>> {
    Ok(sqlx::query_as::<_, (String, String, String, String)>(
        "select id, name, kind, sso_mode from upstream_connections where body_id = $1 order by name, id",
    )
    .bind(body_id)
    .fetch_all(db.pool())
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub membership_id: String,
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub email_verified: i64,
    pub disabled: i64,
    pub flagged: i64,
    pub last_login_at: Option<i64>,
    pub member_since: i64,
    pub mfa_enabled: i64,
}

/// The body's members with what an administrator may see about them (no hashes, no secrets).
pub async fn members(db: &Db, body_id: &str) -> Result<Vec<MemberRow>> {
    Ok(sqlx::query_as::<_, MemberRow>(
        "select m.id as membership_id, u.id as user_id, u.email, u.name, u.email_verified, u.disabled, u.flagged,
                u.last_login_at, m.created_at as member_since,
                case when exists (select 1 from user_totp t where t.user_id = u.id and t.confirmed_at is not null)
                     then 1 else 0 end as mfa_enabled
         from memberships m join users u on u.id = m.user_id
         where m.body_id = $1 order by u.email, m.id",
    )
    .bind(body_id)
    .fetch_all(db.pool())
    .await?)
}

/// (membership id, role name) for every membership of the body.
pub async fn member_roles(db: &Db, body_id: &str) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "select mr.membership_id, r.name from membership_roles mr
         join memberships m on m.id = mr.membership_id join roles r on r.id = mr.role_id
         where m.body_id = $1 order by mr.membership_id, r.name",
    )
    .bind(body_id)
    .fetch_all(db.pool())
    .await?)
}

/// (membership id, permission key) granted directly, not through a role.
pub async fn member_permissions(db: &Db, body_id: &str) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "select mp.membership_id, mp.permission_key from membership_permissions mp
         join memberships m on m.id = mp.membership_id
         where m.body_id = $1 order by mp.membership_id, mp.permission_key",
    )
    .bind(body_id)
    .fetch_all(db.pool())
    .await?)
}

/// (membership id, prefix, access).
pub async fn member_workstreams(db: &Db, body_id: &str) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as::<_, (String, String, String)>(
        "select w.membership_id, w.prefix, w.access from membership_workstreams w
         join memberships m on m.id = w.membership_id
         where m.body_id = $1 order by w.membership_id, w.prefix",
    )
    .bind(body_id)
    .fetch_all(db.pool())
    .await?)
}

/// (membership id, area).
pub async fn member_areas(db: &Db, body_id: &str) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "select a.membership_id, a.area from membership_areas a
         join memberships m on m.id = a.membership_id
         where m.body_id = $1 order by a.membership_id, a.area",
    )
    .bind(body_id)
    .fetch_all(db.pool())
    .await?)
}

/// (role id, permission key) for every role of the body.
pub async fn role_permissions(db: &Db, body_id: &str) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "select rp.role_id, rp.permission_key from role_permissions rp join roles r on r.id = rp.role_id
         where r.body_id = $1 order by rp.role_id, rp.permission_key",
    )
    .bind(body_id)
    .fetch_all(db.pool())
    .await?)
}

//! Users' memberships of bodies: roles, direct permissions, workstreams and areas.

use sqlx::FromRow;

use super::roles::Role;
use super::users::UserRow;
use super::{Db, Exec, Result, StoreError, Taken};
use crate::clock::Timestamp;
use crate::policy::body::{BodyKind, BodyStatus};
use crate::policy::mfa::MfaLevel;

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
    /// Set when the body's directory disabled the member (SCIM `active: false`): the
    /// membership keeps its roles but grants nothing until it is restored.
    pub disabled_at: Option<Timestamp>,
}

impl MembershipRow {
    /// Whether the membership grants anything now: its body is active and it is not disabled.
    pub fn is_live(&self) -> bool {
        self.body_status.is_active() && self.disabled_at.is_none()
    }
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
    /// A role held requires a passkey (the phishing-resistant level).
    pub phr_required_by_role: bool,
}

const COLUMNS: &str = "m.id, m.user_id, m.body_id, b.name as body_name, b.kind as body_kind, b.status as body_status, m.disabled_at";

pub async fn add(db: impl Exec, id: &str, user_id: &str, body_id: &str, now: Timestamp) -> Result<()> {
    sqlx::query("insert into memberships (id, user_id, body_id, created_at) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(user_id)
        .bind(body_id)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, Taken::Membership))?;
    Ok(())
}

pub async fn add_role(db: impl Exec, membership_id: &str, role_id: &str) -> Result<()> {
    sqlx::query("insert into membership_roles (membership_id, role_id) values ($1, $2) on conflict do nothing")
        .bind(membership_id)
        .bind(role_id)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

pub async fn add_permission(db: impl Exec, membership_id: &str, key: &str) -> Result<()> {
    sqlx::query("insert into membership_permissions (membership_id, permission_key) values ($1, $2) on conflict do nothing")
        .bind(membership_id)
        .bind(key)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

pub async fn set_workstream(db: impl Exec, membership_id: &str, prefix: &str, access: &str) -> Result<()> {
    sqlx::query(
        "insert into membership_workstreams (membership_id, prefix, access) values ($1, $2, $3)
         on conflict (membership_id, prefix) do update set access = excluded.access",
    )
    .bind(membership_id)
    .bind(prefix)
    .bind(access)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(())
}

pub async fn add_area(db: impl Exec, membership_id: &str, area: &str) -> Result<()> {
    sqlx::query("insert into membership_areas (membership_id, area) values ($1, $2) on conflict do nothing")
        .bind(membership_id)
        .bind(area)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(())
}

pub async fn delete(db: impl Exec, id: &str) -> Result<()> {
    let done = sqlx::query("delete from memberships where id = $1").bind(id).execute(&mut *db.conn().await?).await?;
    super::found(done.rows_affected(), "membership")
}

/// Everything a membership grants, replaced at once.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    pub role_ids: Vec<String>,
    pub permissions: Vec<String>,
    /// (prefix, access) with access `full_write` or `read_only`.
    pub workstreams: Vec<(String, String)>,
    pub areas: Vec<String>,
}

pub async fn replace_roles(db: impl Exec, id: &str, role_ids: &[String]) -> Result<()> {
    let mut c = db.conn().await?;
    sqlx::query("delete from membership_roles where membership_id = $1").bind(id).execute(&mut *c).await?;
    for r in role_ids {
        add_role(&mut *c, id, r).await?;
    }
    Ok(())
}

pub async fn replace_permissions(db: impl Exec, id: &str, permissions: &[String]) -> Result<()> {
    let mut c = db.conn().await?;
    sqlx::query("delete from membership_permissions where membership_id = $1").bind(id).execute(&mut *c).await?;
    for p in permissions {
        add_permission(&mut *c, id, p).await?;
    }
    Ok(())
}

pub async fn replace_workstreams(db: impl Exec, id: &str, workstreams: &[(String, String)]) -> Result<()> {
    let mut c = db.conn().await?;
    sqlx::query("delete from membership_workstreams where membership_id = $1").bind(id).execute(&mut *c).await?;
    for (prefix, access) in workstreams {
        set_workstream(&mut *c, id, prefix, access).await?;
    }
    Ok(())
}

pub async fn replace_areas(db: impl Exec, id: &str, areas: &[String]) -> Result<()> {
    let mut c = db.conn().await?;
    sqlx::query("delete from membership_areas where membership_id = $1").bind(id).execute(&mut *c).await?;
    for a in areas {
        add_area(&mut *c, id, a).await?;
    }
    Ok(())
}

pub async fn find(db: &Db, user_id: &str, body_id: &str) -> Result<Option<MembershipRow>> {
    Ok(sqlx::query_as::<_, MembershipRow>(sql!(
        "select {COLUMNS} from memberships m join bodies b on b.id = m.body_id where m.user_id = $1 and m.body_id = $2"
    ))
    .bind(user_id)
    .bind(body_id)
    .fetch_optional(db.pool())
    .await?)
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<MembershipRow>> {
    Ok(sqlx::query_as::<_, MembershipRow>(sql!("select {COLUMNS} from memberships m join bodies b on b.id = m.body_id where m.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<MembershipRow>> {
    Ok(sqlx::query_as::<_, MembershipRow>(sql!(
        "select {COLUMNS} from memberships m join bodies b on b.id = m.body_id where m.user_id = $1 order by b.name"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?)
}

/// [`detail`] of every membership of a user (by body name), in two round trips whatever the
/// number of memberships: the memberships, then one union of their roles, role permissions,
/// direct permissions, workstreams and areas. Token claims are built from it.
pub async fn details_of_user(db: &Db, user_id: &str) -> Result<Vec<MembershipDetail>> {
    let memberships = of_user(db, user_id).await?;
    if memberships.is_empty() {
        return Ok(Vec::new());
    }
    // Each part sorted as `detail` sorts it (by the database's collation): `s` is its sort key.
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "select k, mid, a, b, c from (
             select 'r' as k, mr.membership_id as mid, r.id as a, r.name as b, cast(r.mfa_required as text) as c, r.name as s
               from membership_roles mr join roles r on r.id = mr.role_id join memberships m on m.id = mr.membership_id
              where m.user_id = $1
             union all
             select 'p', mr.membership_id, rp.permission_key, '', '', rp.permission_key
               from membership_roles mr join role_permissions rp on rp.role_id = mr.role_id
               join memberships m on m.id = mr.membership_id where m.user_id = $1
             union all
             select 'd', mp.membership_id, mp.permission_key, '', '', mp.permission_key
               from membership_permissions mp join memberships m on m.id = mp.membership_id where m.user_id = $1
             union all
             select 'w', mw.membership_id, mw.prefix, mw.access, '', mw.prefix
               from membership_workstreams mw join memberships m on m.id = mw.membership_id where m.user_id = $1
             union all
             select 'a', ma.membership_id, ma.area, '', '', ma.area
               from membership_areas ma join memberships m on m.id = ma.membership_id where m.user_id = $1
         ) parts order by k, mid, s",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    let index: std::collections::HashMap<String, usize> = memberships.iter().enumerate().map(|(i, m)| (m.id.clone(), i)).collect();
    let mut out: Vec<MembershipDetail> =
        memberships.into_iter().map(|m| MembershipDetail { membership: Some(m), ..MembershipDetail::default() }).collect();
    for (k, mid, a, b, c) in rows {
        let Some(d) = index.get(&mid).and_then(|&i| out.get_mut(i)) else { continue };
        match k.as_str() {
            "r" => {
                // The level as text (one query for every part); unreadable is read as required.
                let level = c.parse().map_or(MfaLevel::TwoFactor, MfaLevel::from_stored);
                d.mfa_required_by_role |= level.requires_mfa();
                d.phr_required_by_role |= level.requires_phr();
                d.roles.push((a, b));
            }
            "p" => d.permissions.push(a),
            "d" => d.direct_permissions.push(a),
            "w" => d.workstreams.push((a, b)),
            _ => d.areas.push(a),
        }
    }
    for d in &mut out {
        d.permissions.extend(d.direct_permissions.iter().cloned());
        d.permissions.sort();
        d.permissions.dedup();
    }
    Ok(out)
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
        mfa_required_by_role: roles.iter().any(|(_, _, mfa)| MfaLevel::from_stored(*mfa).requires_mfa()),
        phr_required_by_role: roles.iter().any(|(_, _, mfa)| MfaLevel::from_stored(*mfa).requires_phr()),
        roles: roles.into_iter().map(|(id, name, _)| (id, name)).collect(),
        permissions,
        direct_permissions: direct,
        workstreams,
        areas,
    })
}

/// The members of a body, by email.
pub async fn members(db: &Db, body_id: &str) -> Result<Vec<(String, UserRow)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        membership_id: String,
        #[sqlx(flatten)]
        user: UserRow,
    }
    let rows = sqlx::query_as::<_, Row>(
        "select m.id as membership_id, u.id, u.email, u.email_verified, u.name, u.password_hash, u.superuser, u.flagged, u.disabled,
                u.created_at, u.updated_at, u.last_login_at, u.language
         from memberships m join users u on u.id = m.user_id where m.body_id = $1 and u.removed_at is null order by u.email",
    )
    .bind(body_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|r| (r.membership_id, r.user)).collect())
}

/// Where a page of a body's members starts: after this user (`Body`), or, for the holders of a
/// role, after this membership (`Role`). Keyset paging on the indexes `memberships_body_user_idx`
/// and `membership_roles_role_idx`: the thousandth page costs what the first does.
#[derive(Debug, Clone, Copy)]
pub enum MembersOf<'a> {
    Body { body_id: &'a str },
    Role { body_id: &'a str, role_id: &'a str },
}

/// One page of members (not removed users): at most `limit` (membership id, user) pairs after
/// `after` (a user id for a body, a membership id for a role; empty for the first page), and
/// the cursor of the next page when there is one.
pub async fn members_page(db: &Db, of: MembersOf<'_>, after: &str, limit: i64) -> Result<(Vec<(String, UserRow)>, Option<String>)> {
    #[derive(sqlx::FromRow)]
    struct Row {
        membership_id: String,
        #[sqlx(flatten)]
        user: UserRow,
    }
    const COLUMNS: &str = "m.id as membership_id, u.id, u.email, u.email_verified, u.name, u.password_hash, u.superuser, u.flagged,
                           u.disabled, u.created_at, u.updated_at, u.last_login_at, u.language";
    let limit = limit.clamp(1, 10_000);
    let rows = match of {
        MembersOf::Body { body_id } => {
            sqlx::query_as::<_, Row>(sql!(
                "select {COLUMNS} from memberships m join users u on u.id = m.user_id
                 where m.body_id = $1 and m.user_id > $2 and u.removed_at is null order by m.user_id limit $3"
            ))
            .bind(body_id)
            .bind(after)
            .bind(limit + 1)
            .fetch_all(db.pool())
            .await?
        }
        MembersOf::Role { body_id, role_id } => {
            sqlx::query_as::<_, Row>(sql!(
                "select {COLUMNS} from membership_roles mr join memberships m on m.id = mr.membership_id join users u on u.id = m.user_id
                 where mr.role_id = $1 and mr.membership_id > $2 and m.body_id = $3 and u.removed_at is null
                 order by mr.membership_id limit $4"
            ))
            .bind(role_id)
            .bind(after)
            .bind(body_id)
            .bind(limit + 1)
            .fetch_all(db.pool())
            .await?
        }
    };
    let mut rows: Vec<(String, UserRow)> = rows.into_iter().map(|r| (r.membership_id, r.user)).collect();
    let next = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        rows.last().map(|(mid, u)| match of {
            MembersOf::Body { .. } => u.id.clone(),
            MembersOf::Role { .. } => mid.clone(),
        })
    } else {
        None
    };
    Ok((rows, next))
}

/// The memberships of a body whose (enabled, not removed) users hold `permission`, directly or
/// through a role.
pub async fn holding_permission(db: &Db, body_id: &str, permission: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar::<_, String>(
        "select m.id from memberships m join users u on u.id = m.user_id
         where m.body_id = $1 and u.disabled = 0 and u.removed_at is null and m.disabled_at is null
           and (exists (select 1 from membership_permissions mp where mp.membership_id = m.id and mp.permission_key = $2)
                or exists (select 1 from membership_roles mr join role_permissions rp on rp.role_id = mr.role_id
                           where mr.membership_id = m.id and rp.permission_key = $2))
         order by m.id",
    )
    .bind(body_id)
    .bind(permission)
    .fetch_all(db.pool())
    .await?)
}

/// When a membership was made.
pub async fn created_at(db: &Db, id: &str) -> Result<Option<Timestamp>> {
    Ok(sqlx::query_scalar::<_, i64>("select created_at from memberships where id = $1").bind(id).fetch_optional(db.pool()).await?)
}

/// The roles a membership holds, with what classifies them.
pub async fn roles(db: &Db, membership_id: &str) -> Result<Vec<Role>> {
    Ok(sqlx::query_as::<_, Role>(
        "select r.id, r.body_id, r.template_key, r.name, r.namespace, r.description, r.mfa_required, r.sm_role
         from membership_roles mr join roles r on r.id = mr.role_id where mr.membership_id = $1 order by r.name",
    )
    .bind(membership_id)
    .fetch_all(db.pool())
    .await?)
}

/// Where a new user joins: membership id, body id, and the role it starts with (if any).
pub struct NewMembership<'a> {
    pub id: &'a str,
    pub body_id: &'a str,
    pub role_id: Option<&'a str>,
}

/// Inserts a user and, optionally, their membership of a body in one transaction. Inside the
/// caller's transaction it is a savepoint, so a conflict (the address is taken) leaves that
/// transaction usable.
pub async fn insert_user_with(db: impl Exec, u: &super::users::NewUser<'_>, m: Option<&NewMembership<'_>>, now: Timestamp) -> Result<()> {
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = super::begin_on(&mut c, immediate).await?;
    super::users::insert(&mut *tx, u, now).await?;
    if let Some(m) = m {
        add(&mut *tx, m.id, u.id, m.body_id, now).await?;
        if let Some(role) = m.role_id {
            add_role(&mut *tx, m.id, role).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

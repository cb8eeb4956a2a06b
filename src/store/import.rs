//! Bulk user import: everything in one transaction, inserted in batches of multi-row statements
//! so a 100,000-row file takes seconds, not minutes.

use super::audit::NewEvent;
use super::{Db, Result, StoreError, flag};
use crate::clock::Timestamp;

/// Rows per insert statement: well under SQLite's and PostgreSQL's limits on bound parameters.
const BATCH: usize = 400;

/// One user to create, already checked.
#[derive(Debug, Clone)]
pub struct ImportUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub membership: Option<ImportMembership>,
}

#[derive(Debug, Clone)]
pub struct ImportMembership {
    pub id: String,
    pub body_id: String,
    pub role_ids: Vec<String>,
    pub permissions: Vec<String>,
}

/// A body's role, with what the import needs to check it.
#[derive(Debug, Clone)]
pub struct ImportRole {
    pub id: String,
    pub body_id: String,
    pub name: String,
    pub template_key: Option<String>,
    pub sm_role: Option<String>,
    pub permissions: Vec<String>,
}

/// Every role of every body (not templates), with its permissions, in two queries.
pub async fn body_roles(db: &Db) -> Result<Vec<ImportRole>> {
    type Row = (String, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> =
        sqlx::query_as("select id, body_id, name, template_key, sm_role from roles where body_id is not null order by body_id, name")
            .fetch_all(db.pool())
            .await?;
    let perms: Vec<(String, String)> = sqlx::query_as(
        "select rp.role_id, rp.permission_key from role_permissions rp join roles r on r.id = rp.role_id
         where r.body_id is not null order by rp.role_id, rp.permission_key",
    )
    .fetch_all(db.pool())
    .await?;
    let mut by_role: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (role, key) in perms {
        by_role.entry(role).or_default().push(key);
    }
    Ok(rows
        .into_iter()
        .map(|(id, body_id, name, template_key, sm_role)| ImportRole {
            permissions: by_role.remove(&id).unwrap_or_default(),
            id,
            body_id,
            name,
            template_key,
            sm_role,
        })
        .collect())
}

/// Which of `emails` already belong to a user (each lower-cased, as stored).
pub async fn existing_emails(db: &Db, emails: &[String]) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for chunk in emails.chunks(BATCH) {
        let q = sql!("select email from users where email in ({})", placeholders(1, chunk.len()));
        let mut query = sqlx::query_scalar::<_, String>(q);
        for e in chunk {
            query = query.bind(e);
        }
        found.extend(query.fetch_all(db.pool()).await?);
    }
    Ok(found)
}

/// Body-owned email domains as (domain, body id).
pub type BodyDomains = Vec<(String, String)>;
/// SSO connection email domains as (domain, the connection's body id, whether its sign-in is required).
pub type ConnectionDomains = Vec<(String, String, bool)>;

/// Who owns email domains: each body's own domains and each SSO connection's. Only `domain`'s
/// owners when given, else every domain's.
pub async fn domain_owners(db: &Db, domain: Option<&str>) -> Result<(BodyDomains, ConnectionDomains)> {
    let only = domain.unwrap_or("");
    let bodies: Vec<(String, String)> =
        sqlx::query_as("select domain, body_id from body_domains where ($1 = '' or domain = $1)").bind(only).fetch_all(db.pool()).await?;
    let connections: Vec<(String, String, String)> = sqlx::query_as(
        "select d.domain, c.body_id, c.sso_mode from connection_domains d join upstream_connections c on c.id = d.connection_id
         where c.body_id is not null and ($1 = '' or d.domain = $1)",
    )
    .bind(only)
    .fetch_all(db.pool())
    .await?;
    Ok((bodies, connections.into_iter().map(|(d, b, mode)| (d, b, mode == "required")).collect()))
}

/// The abuse table: (pattern, kind) with kind `email` or `domain`.
pub async fn banned(db: &Db) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as::<_, (String, String)>("select pattern, kind from banned_emails").fetch_all(db.pool()).await?)
}

/// Creates every user, membership, role and permission, and the one audit event, or nothing.
/// `progress` is told how many users have been written so far.
pub async fn insert_all(
    db: &Db,
    users: &[ImportUser],
    event: &NewEvent<'_>,
    now: Timestamp,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<()> {
    let mut tx = db.begin().await?;
    let mut done = 0u64;
    for chunk in users.chunks(BATCH) {
        let q = sql!(
            "insert into users (id, email, email_verified, name, password_hash, superuser, created_at, updated_at, email_skeleton, created_for_body_id) values {}",
            tuples(chunk.len(), 10)
        );
        let mut query = sqlx::query(q);
        for u in chunk {
            query = query
                .bind(&u.id)
                .bind(&u.email)
                .bind(flag(true))
                .bind(&u.name)
                .bind(u.password_hash.as_deref())
                .bind(flag(false))
                .bind(now)
                .bind(now)
                .bind(crate::email::skeleton(&u.email))
                // An imported account is created for the body it joins (a recorded fact: its
                // administrators may later change its address, disable or remove it).
                .bind(u.membership.as_ref().map(|m| m.body_id.as_str()));
        }
        query.execute(&mut *tx).await.map_err(|e| StoreError::conflict_on_unique(e, "a user with one of those emails"))?;

        let members: Vec<&ImportMembership> = chunk.iter().filter_map(|u| u.membership.as_ref()).collect();
        let with_user: Vec<(&ImportUser, &ImportMembership)> = chunk.iter().filter_map(|u| u.membership.as_ref().map(|m| (u, m))).collect();
        if !with_user.is_empty() {
            let q = sql!("insert into memberships (id, user_id, body_id, created_at) values {}", tuples(with_user.len(), 4));
            let mut query = sqlx::query(q);
            for (u, m) in &with_user {
                query = query.bind(&m.id).bind(&u.id).bind(&m.body_id).bind(now);
            }
            query.execute(&mut *tx).await?;
        }
        let roles: Vec<(&str, &str)> = members.iter().flat_map(|m| m.role_ids.iter().map(move |r| (m.id.as_str(), r.as_str()))).collect();
        for part in roles.chunks(BATCH) {
            let q = sql!("insert into membership_roles (membership_id, role_id) values {}", tuples(part.len(), 2));
            let mut query = sqlx::query(q);
            for (m, r) in part {
                query = query.bind(*m).bind(*r);
            }
            query.execute(&mut *tx).await?;
        }
        let perms: Vec<(&str, &str)> =
            members.iter().flat_map(|m| m.permissions.iter().map(move |p| (m.id.as_str(), p.as_str()))).collect();
        for part in perms.chunks(BATCH) {
            let q = sql!("insert into membership_permissions (membership_id, permission_key) values {}", tuples(part.len(), 2));
            let mut query = sqlx::query(q);
            for (m, p) in part {
                query = query.bind(*m).bind(*p);
            }
            query.execute(&mut *tx).await?;
        }
        done += chunk.len() as u64;
        progress(done);
    }
    super::fault_point(db, &mut tx, "import:users_written").await?;
    super::audit::insert(&mut tx, event, now).await?;
    tx.commit().await?;
    Ok(())
}

/// `$start, $start+1, …` (n of them).
fn placeholders(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `($1, …, $width), ($width+1, …)` for `rows` rows.
fn tuples(rows: usize, width: usize) -> String {
    (0..rows).map(|r| format!("({})", placeholders(r * width + 1, width))).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn tuples_number_every_parameter_once() {
        assert_eq!(super::tuples(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::placeholders(3, 2), "$3, $4");
    }
}

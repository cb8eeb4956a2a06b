//! Bulk user import: each batch of checked rows goes into staging tables (temporary tables on
//! one connection), checked there against existing accounts and the file's earlier rows, and
//! everything is written from them in one transaction at the end, so a file of any size is
//! imported in constant memory, all or nothing.

use super::audit::NewEvent;
use super::{Db, Result, StoreError, Taken, flag};
use crate::clock::Timestamp;

/// Binds each of the `&str` values, in order, to a query.
macro_rules! bind_all {
    ($q:expr, $values:expr) => {{
        let mut q = $q;
        for v in $values.iter() {
            q = q.bind(*v);
        }
        q
    }};
}

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

/// One row of the file as the staging tables keep it: its address (and the address's
/// look-alike skeleton) so that a later row repeating it is found, and, when the row was
/// accepted, the user to create.
#[derive(Debug, Clone)]
pub struct StagedRow {
    pub row: u64,
    pub email: String,
    pub skeleton: String,
    /// `None` for a refused row: kept only so that a later row with the same address names it.
    pub user: Option<ImportUser>,
}

/// Why an address of the file cannot be imported, found by [`Staging::clashes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clash {
    /// An account already has this address.
    Exists,
    /// An account's address looks the same (`users.email_skeleton`): that account's address.
    LooksLike(String),
    /// An earlier row of the file has this address.
    EarlierRow(u64),
    /// An earlier row's address looks the same: that row and its address.
    EarlierLookAlike(u64, String),
}

/// The staging tables of one import: temporary tables on one connection of the pool, so the
/// file is checked against the database and against its own earlier rows without being held in
/// memory, and written in one transaction at the end ([`Staging::write`]). Temporary tables
/// belong to their connection; it is closed, not given back to the pool, when the staging is
/// dropped, so nothing of an import outlives it. On SQLite, temporary tables are kept in a file
/// (not memory) and writing them takes no lock on the database: a dry run never holds up the
/// server's writes.
pub struct Staging {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    kind: super::DbKind,
    staged: u64,
}

/// Rows per insert statement into `users` and `memberships` when the staged rows are written: a
/// progress step, not a limit.
const WRITE_STEP: u64 = 20_000;

/// How many times the final write is tried again when SQLite finds the database busy.
const WRITE_RETRIES: u32 = 3;

impl Staging {
    pub async fn open(db: &Db) -> Result<Self> {
        let mut conn = db.pool().acquire().await?;
        conn.close_on_drop();
        if db.kind() == super::DbKind::Sqlite {
            // The bundled SQLite keeps temporary tables in memory by default; a million rows must
            // not be. A larger page cache (a fixed 32 MB) keeps the final insert off the disk.
            sqlx::query("pragma temp_store = file").execute(&mut *conn).await?;
            sqlx::query("pragma cache_size = -32768").execute(&mut *conn).await?;
        }
        for ddl in [
            "create temp table import_stage (line bigint primary key, email text not null unique, skeleton text not null,
             id text, name text, password_hash text, body_id text, membership_id text)",
            "create index import_stage_skeleton on import_stage (skeleton)",
            "create temp table import_stage_roles (membership_id text not null, role_id text not null)",
            "create temp table import_stage_permissions (membership_id text not null, permission_key text not null)",
        ] {
            sqlx::query(ddl).execute(&mut *conn).await?;
        }
        Ok(Staging { conn, kind: db.kind(), staged: 0 })
    }

    /// For each `(email, skeleton)`: an account with that address or a look-alike one, and an
    /// earlier staged row with that address or a look-alike one. At most [`BATCH`] at once.
    pub async fn clashes(&mut self, keys: &[(&str, &str)]) -> Result<Vec<(String, Clash)>> {
        let mut out = Vec::new();
        for chunk in keys.chunks(BATCH) {
            let emails: Vec<&str> = chunk.iter().map(|(e, _)| *e).collect();
            let skeletons: Vec<&str> = chunk.iter().map(|(_, s)| *s).collect();
            // One indexed column per query: an `or` of two `in` lists can make SQLite scan.
            let q = sql!("select email from users where email in ({})", placeholders(1, emails.len()));
            for email in bind_all!(sqlx::query_scalar::<_, String>(q), emails).fetch_all(&mut *self.conn).await? {
                out.push((email, Clash::Exists));
            }
            let q = sql!("select email, email_skeleton from users where email_skeleton in ({})", placeholders(1, skeletons.len()));
            for (email, skeleton) in
                bind_all!(sqlx::query_as::<_, (String, Option<String>)>(q), skeletons).fetch_all(&mut *self.conn).await?
            {
                for (e, s) in chunk {
                    if *e != email && skeleton.as_deref() == Some(*s) {
                        out.push(((*e).to_owned(), Clash::LooksLike(email.clone())));
                    }
                }
            }
            if self.staged == 0 {
                continue;
            }
            let q = sql!("select line, email from import_stage where email in ({})", placeholders(1, emails.len()));
            for (line, email) in bind_all!(sqlx::query_as::<_, (i64, String)>(q), emails).fetch_all(&mut *self.conn).await? {
                out.push((email, Clash::EarlierRow(u64::try_from(line).unwrap_or_default())));
            }
            let q = sql!("select line, email, skeleton from import_stage where skeleton in ({})", placeholders(1, skeletons.len()));
            for (line, email, skeleton) in
                bind_all!(sqlx::query_as::<_, (i64, String, String)>(q), skeletons).fetch_all(&mut *self.conn).await?
            {
                for (e, s) in chunk {
                    if *e != email && *s == skeleton {
                        out.push(((*e).to_owned(), Clash::EarlierLookAlike(u64::try_from(line).unwrap_or_default(), email.clone())));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Keeps `rows` (each address once: the caller has refused repeats).
    pub async fn add(&mut self, rows: &[StagedRow]) -> Result<()> {
        for chunk in rows.chunks(BATCH) {
            let q = sql!(
                "insert into import_stage (line, email, skeleton, id, name, password_hash, body_id, membership_id) values {}",
                tuples(chunk.len(), 8)
            );
            let mut query = sqlx::query(q);
            for r in chunk {
                let u = r.user.as_ref();
                let m = u.and_then(|u| u.membership.as_ref());
                query = query
                    .bind(i64::try_from(r.row).unwrap_or(i64::MAX))
                    .bind(&r.email)
                    .bind(&r.skeleton)
                    .bind(u.map(|u| u.id.as_str()))
                    .bind(u.map(|u| u.name.as_str()))
                    .bind(u.and_then(|u| u.password_hash.as_deref()))
                    .bind(m.map(|m| m.body_id.as_str()))
                    .bind(m.map(|m| m.id.as_str()));
            }
            query.execute(&mut *self.conn).await?;
            let members = || chunk.iter().filter_map(|r| r.user.as_ref()?.membership.as_ref());
            let roles: Vec<(&str, &str)> = members().flat_map(|m| m.role_ids.iter().map(move |r| (m.id.as_str(), r.as_str()))).collect();
            for part in roles.chunks(BATCH) {
                let q = sql!("insert into import_stage_roles (membership_id, role_id) values {}", tuples(part.len(), 2));
                let mut query = sqlx::query(q);
                for (m, r) in part {
                    query = query.bind(*m).bind(*r);
                }
                query.execute(&mut *self.conn).await?;
            }
            let perms: Vec<(&str, &str)> = members().flat_map(|m| m.permissions.iter().map(move |p| (m.id.as_str(), p.as_str()))).collect();
            for part in perms.chunks(BATCH) {
                let q = sql!("insert into import_stage_permissions (membership_id, permission_key) values {}", tuples(part.len(), 2));
                let mut query = sqlx::query(q);
                for (m, p) in part {
                    query = query.bind(*m).bind(*p);
                }
                query.execute(&mut *self.conn).await?;
            }
            self.staged += chunk.len() as u64;
        }
        Ok(())
    }

    /// Creates every staged user, membership, role and permission, and the one audit event, in
    /// one transaction, or nothing. Every staged row must have been accepted. `last_row` is the
    /// file's last row number; `progress` is told how many rows have been written so far.
    ///
    /// On SQLite the transaction takes the write lock first (waiting up to the busy timeout);
    /// refused as busy anywhere before its commit, it rolled back and is run again, a few times.
    pub async fn write(
        mut self,
        db: &Db,
        last_row: u64,
        event: &NewEvent<'_>,
        now: Timestamp,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<()> {
        let mut attempt = 0;
        loop {
            match self.write_once(db, last_row, event, now, progress).await {
                Err(e) if self.kind == super::DbKind::Sqlite && super::is_busy(&e) && attempt < WRITE_RETRIES => {
                    attempt += 1;
                    tracing::warn!(attempt, "database busy while writing an import; trying again");
                }
                other => return other,
            }
        }
    }

    async fn write_once(
        &mut self,
        db: &Db,
        last_row: u64,
        event: &NewEvent<'_>,
        now: Timestamp,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<()> {
        let mut tx = super::begin_on(&mut self.conn, self.kind == super::DbKind::Sqlite).await?;
        let last = i64::try_from(last_row).unwrap_or(i64::MAX);
        let step = i64::try_from(WRITE_STEP).unwrap_or(i64::MAX);
        let mut from = 0i64;
        let mut written = 0u64;
        while from <= last {
            let to = from.saturating_add(step);
            let users = sqlx::query(
                "insert into users (id, email, email_verified, name, password_hash, superuser, created_at, updated_at, email_skeleton, created_for_body_id)
                 select id, email, $1, name, password_hash, $2, $3, $3, skeleton, body_id from import_stage
                 where line >= $4 and line < $5 and id is not null order by line",
            )
            .bind(flag(true))
            .bind(flag(false))
            .bind(now)
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, Taken::ImportEmails))?;
            sqlx::query(
                "insert into memberships (id, user_id, body_id, created_at)
                 select membership_id, id, body_id, $1 from import_stage
                 where line >= $2 and line < $3 and id is not null and membership_id is not null order by line",
            )
            .bind(now)
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
            written += users.rows_affected();
            progress(written);
            from = to;
        }
        sqlx::query("insert into membership_roles (membership_id, role_id) select membership_id, role_id from import_stage_roles")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "insert into membership_permissions (membership_id, permission_key) select membership_id, permission_key from import_stage_permissions",
        )
        .execute(&mut *tx)
        .await?;
        super::fault_point(db, &mut tx, "import:users_written").await?;
        super::audit::insert(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }
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

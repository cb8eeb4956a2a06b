//! Upstream SSO connections and the email domains they serve.

use sqlx::FromRow;

use super::{Db, Exec, Result, StoreError, Taken, flag};
use crate::clock::Timestamp;
use crate::connection::{Connection, Kind, KindConfig, Mapping, Mode};
use crate::policy::mfa::MfaLevel;

#[derive(Debug, Clone, FromRow)]
struct Row {
    id: String,
    kind: String,
    name: String,
    body_id: Option<String>,
    sso_mode: String,
    trust_upstream_mfa: i64,
    jit_provisioning: i64,
    config: String,
    secret_encrypted: Option<String>,
    show_button: i64,
    allow_idp_initiated: i64,
    mapping: String,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, kind, name, body_id, sso_mode, trust_upstream_mfa, jit_provisioning, config, secret_encrypted, show_button, allow_idp_initiated, mapping, created_at, updated_at";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("upstream connection {what}"))
}

async fn from_row(db: &Db, r: Row) -> Result<Connection> {
    let kind = Kind::parse(&r.kind).ok_or_else(|| corrupt("kind"))?;
    let config = KindConfig::from_json(kind, &r.config).map_err(|e| corrupt(&format!("config: {e}")))?;
    let mapping: Mapping = if r.mapping.trim() == "{}" {
        Mapping::default_for(kind)
    } else {
        serde_json::from_str(&r.mapping).map_err(|e| corrupt(&format!("mapping: {e}")))?
    };
    let domains = domains(db, &r.id).await?;
    Ok(Connection {
        body_id: r.body_id.ok_or_else(|| corrupt("without a body"))?,
        id: r.id,
        name: r.name,
        domains,
        mode: Mode::parse(&r.sso_mode).ok_or_else(|| corrupt("mode"))?,
        show_button: r.show_button != 0,
        trust_upstream_mfa: r.trust_upstream_mfa != 0,
        // A level: 2 also trusts the IdP's word on a phishing-resistant factor.
        trust_upstream_phr: MfaLevel::from_stored(r.trust_upstream_mfa).requires_phr(),
        jit: r.jit_provisioning != 0,
        allow_idp_initiated: r.allow_idp_initiated != 0,
        mapping,
        config,
        secret_encrypted: r.secret_encrypted,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

fn mapping_json(c: &Connection) -> String {
    serde_json::to_string(&c.mapping).unwrap_or_else(|_| "{}".into())
}

async fn write_domains(db: impl Exec, c: &Connection) -> Result<()> {
    let mut tx = db.conn().await?;
    sqlx::query("delete from connection_domains where connection_id = $1").bind(&c.id).execute(&mut *tx).await?;
    for d in &c.domains {
        sqlx::query("insert into connection_domains (domain, connection_id) values ($1, $2)")
            .bind(d)
            .bind(&c.id)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, Taken::ConnectionDomain))?;
    }
    Ok(())
}

/// Inserts a connection and its domains in one transaction (a savepoint inside the caller's).
pub async fn insert(db: impl Exec, c: &Connection) -> Result<()> {
    let immediate = db.begins_immediate();
    let mut conn = db.conn().await?;
    let mut tx = super::begin_on(&mut conn, immediate).await?;
    sqlx::query(sql!("insert into upstream_connections ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"))
        .bind(&c.id)
        .bind(c.kind().as_str())
        .bind(&c.name)
        .bind(&c.body_id)
        .bind(c.mode.as_str())
        .bind(MfaLevel::from_flags(c.trust_upstream_mfa, c.trust_upstream_phr).stored())
        .bind(flag(c.jit))
        .bind(c.config.to_json())
        .bind(&c.secret_encrypted)
        .bind(flag(c.show_button))
        .bind(flag(c.allow_idp_initiated))
        .bind(mapping_json(c))
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, Taken::Connection))?;
    write_domains(&mut *tx, c).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces every setting of an existing connection (kind and id stay) in one transaction (a
/// savepoint inside the caller's).
pub async fn update(db: impl Exec, c: &Connection) -> Result<()> {
    let immediate = db.begins_immediate();
    let mut conn = db.conn().await?;
    let mut tx = super::begin_on(&mut conn, immediate).await?;
    let done = sqlx::query(
        "update upstream_connections set name = $2, body_id = $3, sso_mode = $4, trust_upstream_mfa = $5, jit_provisioning = $6,
         config = $7, secret_encrypted = $8, show_button = $9, allow_idp_initiated = $10, mapping = $11, updated_at = $12
         where id = $1 and kind = $13",
    )
    .bind(&c.id)
    .bind(&c.name)
    .bind(&c.body_id)
    .bind(c.mode.as_str())
    .bind(MfaLevel::from_flags(c.trust_upstream_mfa, c.trust_upstream_phr).stored())
    .bind(flag(c.jit))
    .bind(c.config.to_json())
    .bind(&c.secret_encrypted)
    .bind(flag(c.show_button))
    .bind(flag(c.allow_idp_initiated))
    .bind(mapping_json(c))
    .bind(c.updated_at)
    .bind(c.kind().as_str())
    .execute(&mut *tx)
    .await?;
    super::found(done.rows_affected(), "connection")?;
    write_domains(&mut *tx, c).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Connection>> {
    let row = sqlx::query_as::<_, Row>(sql!("select {COLUMNS} from upstream_connections where id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(r) => Ok(Some(from_row(db, r).await?)),
        None => Ok(None),
    }
}

pub async fn list(db: &Db) -> Result<Vec<Connection>> {
    let rows = sqlx::query_as::<_, Row>(sql!("select {COLUMNS} from upstream_connections order by name, id")).fetch_all(db.pool()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(from_row(db, r).await?);
    }
    Ok(out)
}

/// The connection serving an email domain (lower-case), if any.
pub async fn by_domain(db: &Db, domain: &str) -> Result<Option<Connection>> {
    let id: Option<String> =
        sqlx::query_scalar("select connection_id from connection_domains where domain = $1").bind(domain).fetch_optional(db.pool()).await?;
    match id {
        Some(id) => get(db, &id).await,
        None => Ok(None),
    }
}

pub async fn domains(db: &Db, connection_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar::<_, String>("select domain from connection_domains where connection_id = $1 order by domain")
        .bind(connection_id)
        .fetch_all(db.pool())
        .await?)
}

/// Removes a connection (its domains, account links and sign-ins in flight go with it by
/// cascade) and clears it as any body's SSO connection.
pub async fn remove(db: impl Exec, id: &str) -> Result<()> {
    let mut c = db.conn().await?;
    sqlx::query("update bodies set sso_connection_id = null where sso_connection_id = $1").bind(id).execute(&mut *c).await?;
    let done = sqlx::query("delete from upstream_connections where id = $1").bind(id).execute(&mut *c).await?;
    super::found(done.rows_affected(), "connection")
}

/// The body a connection is bound to, if the connection exists.
pub async fn body_of(db: impl Exec, id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>("select body_id from upstream_connections where id = $1")
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?
        .flatten())
}

/// A sign-in in flight at an upstream IdP (see migrations 0004).
#[derive(Debug, Clone, FromRow)]
pub struct LoginStateRow {
    pub id_hash: String,
    pub connection_id: String,
    pub browser_hash: String,
    pub next: String,
    pub data: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

const STATE_COLUMNS: &str = "id_hash, connection_id, browser_hash, next, data, created_at, expires_at, used_at";

pub async fn insert_login_state(db: &Db, s: &LoginStateRow) -> Result<()> {
    sqlx::query(sql!("insert into sso_login_states ({STATE_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8)"))
        .bind(&s.id_hash)
        .bind(&s.connection_id)
        .bind(&s.browser_hash)
        .bind(&s.next)
        .bind(&s.data)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(s.used_at)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Uses a login state once: only if unused, unexpired, started by this browser and made for
/// this connection (the one whose redirect URI the response came to). One statement, so a
/// replayed response cannot use it twice and a response for another connection cannot use it.
pub async fn consume_login_state(
    db: &Db,
    id_hash: &str,
    browser_hash: &str,
    connection_id: &str,
    now: Timestamp,
) -> Result<Option<LoginStateRow>> {
    Ok(sqlx::query_as::<_, LoginStateRow>(sql!(
        "update sso_login_states set used_at = $3
         where id_hash = $1 and browser_hash = $2 and connection_id = $4 and used_at is null and expires_at > $3
         returning {STATE_COLUMNS}"
    ))
    .bind(id_hash)
    .bind(browser_hash)
    .bind(now)
    .bind(connection_id)
    .fetch_optional(db.pool())
    .await?)
}

/// A login state whatever its condition (to tell "expired" from "never existed" in the audit log).
pub async fn login_state(db: &Db, id_hash: &str) -> Result<Option<LoginStateRow>> {
    Ok(sqlx::query_as::<_, LoginStateRow>(sql!("select {STATE_COLUMNS} from sso_login_states where id_hash = $1"))
        .bind(id_hash)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn prune_login_states(db: &Db, before: Timestamp) -> Result<u64> {
    let done = sqlx::query("delete from sso_login_states where expires_at < $1").bind(before).execute(db.pool()).await?;
    Ok(done.rows_affected())
}

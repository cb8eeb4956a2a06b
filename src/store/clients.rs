//! Relying apps (OAuth clients). Lists are JSON text; the secret is stored only as its SHA-256.

use sqlx::FromRow;

use super::found;
use super::{Db, Exec, Result, StoreError, Taken};
use crate::clock::Timestamp;

#[derive(Clone, FromRow)]
pub struct ClientRow {
    pub id: String,
    pub name: String,
    /// SHA-256 (hex) of the client secret; `None` for public clients.
    pub secret_hash: Option<String>,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub backchannel_logout_uri: Option<String>,
    pub grant_types: String,
    pub scopes: String,
    pub token_endpoint_auth_method: String,
    pub id_token_signing_alg: String,
    pub permission_namespaces: String,
    pub body_id: Option<String>,
    pub id_token_claims: String,
    pub access_token_audience: Option<String>,
    pub first_party: i64,
    pub require_pkce: i64,
    pub require_mfa: i64,
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    pub require_par: i64,
    pub require_dpop: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ClientRow {
    /// What the app asks of every sign-in to it (`require_mfa` holds a level).
    pub fn mfa_level(&self) -> crate::policy::mfa::MfaLevel {
        crate::policy::mfa::MfaLevel::from_stored(self.require_mfa)
    }
}

impl std::fmt::Debug for ClientRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRow")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("has_secret", &self.secret_hash.is_some())
            .field("redirect_uris", &self.redirect_uris)
            .field("grant_types", &self.grant_types)
            .field("token_endpoint_auth_method", &self.token_endpoint_auth_method)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, name, secret_hash, redirect_uris, post_logout_redirect_uris, backchannel_logout_uri, grant_types, scopes, \
     token_endpoint_auth_method, id_token_signing_alg, permission_namespaces, body_id, id_token_claims, access_token_audience, \
     first_party, require_pkce, created_at, updated_at, require_mfa, jwks, jwks_uri, require_par, require_dpop";

/// Inserts a client. A taken id is `Conflict`.
pub async fn insert(db: impl Exec, c: &ClientRow) -> Result<()> {
    sqlx::query(sql!(
        "insert into clients ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)"
    ))
    .bind(&c.id)
    .bind(&c.name)
    .bind(&c.secret_hash)
    .bind(&c.redirect_uris)
    .bind(&c.post_logout_redirect_uris)
    .bind(&c.backchannel_logout_uri)
    .bind(&c.grant_types)
    .bind(&c.scopes)
    .bind(&c.token_endpoint_auth_method)
    .bind(&c.id_token_signing_alg)
    .bind(&c.permission_namespaces)
    .bind(&c.body_id)
    .bind(&c.id_token_claims)
    .bind(&c.access_token_audience)
    .bind(c.first_party)
    .bind(c.require_pkce)
    .bind(c.created_at)
    .bind(c.updated_at)
    .bind(c.require_mfa)
    .bind(&c.jwks)
    .bind(&c.jwks_uri)
    .bind(c.require_par)
    .bind(c.require_dpop)
    .execute(&mut *db.conn().await?)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, Taken::Client))?;
    super::security_epoch::changed();
    Ok(())
}

pub async fn by_id(db: impl Exec, id: &str) -> Result<Option<ClientRow>> {
    Ok(sqlx::query_as::<_, ClientRow>(sql!("select {COLUMNS} from clients where id = $1"))
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?)
}

/// Every client, by name.
pub async fn list(db: &Db) -> Result<Vec<ClientRow>> {
    Ok(sqlx::query_as::<_, ClientRow>(sql!("select {COLUMNS} from clients order by name, id")).fetch_all(db.pool()).await?)
}

/// Writes every mutable field of `c` (everything but id, secret hash and creation time) to the
/// client with `c.id`, and sets `updated_at` to `now`. The secret changes only through
/// [`set_secret_hash`].
pub async fn update(db: impl Exec, c: &ClientRow, now: Timestamp) -> Result<()> {
    let done = sqlx::query(
        "update clients set name = $2, redirect_uris = $3, post_logout_redirect_uris = $4, backchannel_logout_uri = $5,
             grant_types = $6, scopes = $7, token_endpoint_auth_method = $8, id_token_signing_alg = $9,
             permission_namespaces = $10, body_id = $11, id_token_claims = $12, access_token_audience = $13,
             first_party = $14, require_pkce = $15, updated_at = $16, require_mfa = $17, jwks = $18, jwks_uri = $19,
             require_par = $20, require_dpop = $21
         where id = $1",
    )
    .bind(&c.id)
    .bind(&c.name)
    .bind(&c.redirect_uris)
    .bind(&c.post_logout_redirect_uris)
    .bind(&c.backchannel_logout_uri)
    .bind(&c.grant_types)
    .bind(&c.scopes)
    .bind(&c.token_endpoint_auth_method)
    .bind(&c.id_token_signing_alg)
    .bind(&c.permission_namespaces)
    .bind(&c.body_id)
    .bind(&c.id_token_claims)
    .bind(&c.access_token_audience)
    .bind(c.first_party)
    .bind(c.require_pkce)
    .bind(now)
    .bind(c.require_mfa)
    .bind(&c.jwks)
    .bind(&c.jwks_uri)
    .bind(c.require_par)
    .bind(c.require_dpop)
    .execute(&mut *db.conn().await?)
    .await?;
    super::security_epoch::changed();
    found(done.rows_affected(), "client")
}

/// Replaces (or, with `None`, clears) the stored secret hash.
pub async fn set_secret_hash(db: impl Exec, id: &str, hash: Option<&str>, now: Timestamp) -> Result<()> {
    let done = sqlx::query("update clients set secret_hash = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(hash)
        .bind(now)
        .execute(&mut *db.conn().await?)
        .await?;
    super::security_epoch::changed();
    found(done.rows_affected(), "client")
}

/// Deletes a client; its consents, session links and one-time tokens go with it (foreign keys).
pub async fn delete(db: impl Exec, id: &str) -> Result<()> {
    let done = sqlx::query("delete from clients where id = $1").bind(id).execute(&mut *db.conn().await?).await?;
    super::security_epoch::changed();
    found(done.rows_affected(), "client")
}

/// A machine client's administrative rights (see `docs/admin-api.md`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientAdminAccess {
    pub admin_access: Option<String>,
    pub admin_body_id: Option<String>,
    pub admin_permissions: String,
}

pub async fn client_admin_access(db: impl Exec, client_id: &str) -> Result<Option<ClientAdminAccess>> {
    Ok(sqlx::query_as::<_, ClientAdminAccess>("select admin_access, admin_body_id, admin_permissions from clients where id = $1")
        .bind(client_id)
        .fetch_optional(&mut *db.conn().await?)
        .await?)
}

pub async fn set_client_admin_access(db: impl Exec, client_id: &str, a: &ClientAdminAccess, now: Timestamp) -> Result<()> {
    let done =
        sqlx::query("update clients set admin_access = $2, admin_body_id = $3, admin_permissions = $4, updated_at = $5 where id = $1")
            .bind(client_id)
            .bind(&a.admin_access)
            .bind(&a.admin_body_id)
            .bind(&a.admin_permissions)
            .bind(now)
            .execute(&mut *db.conn().await?)
            .await?;
    found(done.rows_affected(), "client")
}

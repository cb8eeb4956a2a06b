//! Creating and changing connections (for the CLI now and the admin UI later): checks that the
//! body and roles exist and keeps the upstream client secret encrypted under the master key.

use crate::app::AppState;
use crate::secret::SecretString;
use crate::sso::connection::{Connection, ConnectionError, KindConfig, Mapping, Mode, OidcConfig, secret_context};
use crate::store::{self, StoreError};
use crate::tokens::master_key::MasterKeyError;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(#[from] ConnectionError),
    #[error("There is no body {0:?} (see stile body list).")]
    NoBody(String),
    #[error("{body} has no role {role:?}; it has: {have}")]
    NoRole { body: String, role: String, have: String },
    #[error("There is no connection {0:?} (see stile connection list).")]
    NotFound(String),
    #[error("An upstream OIDC connection needs its client secret.")]
    NoSecret,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] MasterKeyError),
}

/// The body by name or id.
pub async fn find_body(state: &AppState, name_or_id: &str) -> Result<store::bodies::BodyRow, AdminError> {
    match store::bodies::by_name(&state.db, name_or_id).await? {
        Some(b) => Ok(b),
        None => store::bodies::by_id(&state.db, name_or_id).await?.ok_or_else(|| AdminError::NoBody(name_or_id.to_owned())),
    }
}

/// A role of the body, by name (case-insensitive) or id.
pub async fn find_role(state: &AppState, body_id: &str, name_or_id: &str) -> Result<String, AdminError> {
    let roles = store::catalogue::roles_of_body(&state.db, body_id).await?;
    if let Some(r) = roles.iter().find(|r| r.id == name_or_id || r.name.eq_ignore_ascii_case(name_or_id)) {
        return Ok(r.id.clone());
    }
    let body = store::bodies::by_id(&state.db, body_id).await?.map(|b| b.name).unwrap_or_else(|| body_id.to_owned());
    let have: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
    Err(AdminError::NoRole { body, role: name_or_id.to_owned(), have: if have.is_empty() { "none".into() } else { have.join(", ") } })
}

/// What `stile connection add-oidc` asks for.
#[derive(Debug)]
pub struct NewOidc {
    pub name: String,
    /// The body by name or id.
    pub body: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub domains: Vec<String>,
    pub mode: Mode,
    pub show_button: bool,
    pub trust_upstream_mfa: bool,
    pub jit: bool,
    pub scopes: Vec<String>,
    pub use_userinfo: bool,
    pub hosted_domain: Option<String>,
}

/// A fresh connection of the given kind with defaults, not yet saved.
pub fn draft(state: &AppState, name: &str, body_id: &str, config: KindConfig) -> Connection {
    let now = state.now();
    Connection {
        id: store::new_id(now, &*state.rng),
        name: name.to_owned(),
        body_id: body_id.to_owned(),
        domains: Vec::new(),
        mode: Mode::Offered,
        show_button: false,
        trust_upstream_mfa: false,
        jit: false,
        allow_idp_initiated: false,
        mapping: Mapping::default_for(config.kind()),
        config,
        secret_encrypted: None,
        created_at: now,
        updated_at: now,
    }
}

pub async fn create_oidc(state: &AppState, n: NewOidc) -> Result<Connection, AdminError> {
    if n.client_secret.is_empty() {
        return Err(AdminError::NoSecret);
    }
    let body = find_body(state, &n.body).await?;
    let mut scopes = n.scopes;
    if scopes.is_empty() {
        scopes = vec!["email".into(), "profile".into()];
    }
    let config = KindConfig::Oidc(OidcConfig {
        issuer: n.issuer,
        client_id: n.client_id,
        scopes,
        use_userinfo: n.use_userinfo,
        hosted_domain: n.hosted_domain,
        discovery_ttl_secs: 3600,
    });
    let mut c = draft(state, &n.name, &body.id, config);
    c.domains = n.domains;
    c.mode = n.mode;
    c.show_button = n.show_button;
    c.trust_upstream_mfa = n.trust_upstream_mfa;
    c.jit = n.jit;
    set_secret(state, &mut c, &n.client_secret)?;
    create(state, c).await
}

/// Validates and saves a new connection (any kind).
pub async fn create(state: &AppState, mut c: Connection) -> Result<Connection, AdminError> {
    c.validate()?;
    check_references(state, &c).await?;
    store::connections::insert(&state.db, &c).await?;
    Ok(c)
}

/// Validates and saves changes to an existing connection.
pub async fn save(state: &AppState, mut c: Connection) -> Result<Connection, AdminError> {
    c.validate()?;
    check_references(state, &c).await?;
    c.updated_at = state.now();
    store::connections::update(&state.db, &c).await?;
    Ok(c)
}

/// As [`create`], in the caller's transaction (the admin service layer commits it with the
/// audit row).
pub async fn create_in(state: &AppState, tx: &mut store::Tx, mut c: Connection) -> Result<Connection, AdminError> {
    c.validate()?;
    check_references(state, &c).await?;
    store::connections::insert_on(tx, &c).await?;
    Ok(c)
}

/// As [`save`], in the caller's transaction.
pub async fn save_in(state: &AppState, tx: &mut store::Tx, mut c: Connection) -> Result<Connection, AdminError> {
    c.validate()?;
    check_references(state, &c).await?;
    c.updated_at = state.now();
    store::connections::update_on(tx, &c).await?;
    Ok(c)
}

async fn check_references(state: &AppState, c: &Connection) -> Result<(), AdminError> {
    if store::bodies::by_id(&state.db, &c.body_id).await?.is_none() {
        return Err(AdminError::NoBody(c.body_id.clone()));
    }
    let roles = store::catalogue::roles_of_body(&state.db, &c.body_id).await?;
    for gr in &c.mapping.group_roles {
        if !roles.iter().any(|r| r.id == gr.role_id) {
            find_role(state, &c.body_id, &gr.role_id).await?;
        }
    }
    Ok(())
}

pub async fn get(state: &AppState, id: &str) -> Result<Connection, AdminError> {
    store::connections::get(&state.db, id).await?.ok_or_else(|| AdminError::NotFound(id.to_owned()))
}

/// Encrypts a new upstream client secret into the connection (save it afterwards).
pub fn set_secret(state: &AppState, c: &mut Connection, secret: &SecretString) -> Result<(), AdminError> {
    if secret.is_empty() {
        return Err(AdminError::NoSecret);
    }
    c.secret_encrypted = Some(state.master_key.encrypt(secret.expose().as_bytes(), &secret_context(&c.id), &*state.rng)?);
    Ok(())
}

/// The upstream client secret, decrypted for use.
pub fn secret(state: &AppState, c: &Connection) -> Result<Option<SecretString>, AdminError> {
    Ok(super::client_secret(&state.master_key, c)?)
}

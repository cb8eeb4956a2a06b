//! Council single sign-on: upstream connections (OIDC and SAML), home-realm discovery, and the
//! one path every upstream protocol ends on.
//!
//! # How a protocol plugs in
//!
//! A protocol (src/auth/upstream_oidc.rs, src/auth/upstream_saml.rs) starts a sign-in from
//! `GET /sso/start/{connection_id}?next=…&login_hint=…` (see `crate::web::sso`), records it with
//! [`crate::store::connections::insert_login_state`] bound to the browser's SSO cookie
//! ([`crate::web::sso::browser_secret`]), and, once it has verified the IdP's response, calls
//! exactly this:
//!
//! ```ignore
//! pub async fn crate::web::sso::finish(
//!     state: &AppState,
//!     jar: CookieJar,
//!     client: &ClientInfo,
//!     conn: &Connection,
//!     identity: UpstreamIdentity,
//!     next: &str,           // the `next` saved when the sign-in started ("/account" if IdP-initiated)
//! ) -> Result<Response, AppError>
//! ```
//!
//! `finish` links or provisions the account, sets the body membership and mapped roles (removing
//! mapped roles the upstream no longer grants), audits, decides whether Stile asks for its own
//! second factor, starts the session and redirects to `next`. When a response cannot be used, a
//! protocol calls [`crate::web::sso::failure`] with a [`Failure`]: the page says what happened in
//! plain words and offers the other sign-in methods; details go to the audit log only.

// The connection record is plain data the store reads and writes, so it sits below the store;
// kept here under its old path.
pub use crate::connection;
pub mod saml;

pub use connection::{Connection, Kind, KindConfig, Mode, OidcConfig};

use connection::{Mapping, secret_context};

use crate::app::AppState;
use crate::email::Email;
use crate::secret::SecretString;
use crate::services::master_key::{MasterKey, MasterKeyError};
use crate::store::{self, Db, StoreError};

/// Who the upstream IdP says signed in, after the protocol has verified its response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpstreamIdentity {
    /// The IdP's stable identifier for the person (OIDC `sub`, SAML NameID or a configured attribute).
    pub subject: String,
    pub email: Option<String>,
    /// The IdP vouches for the address (OIDC `email_verified`; SAML: the IdP's own directory).
    pub email_verified: bool,
    pub name: Option<String>,
    pub groups: Vec<String>,
    /// The IdP says a second factor was used, by the connection's MFA-trust settings
    /// ([`Connection::oidc_amr_is_mfa`], [`Connection::saml_context_is_mfa`]).
    pub upstream_mfa: bool,
    /// The IdP says a phishing-resistant factor was used ([`Connection::oidc_is_phr`],
    /// [`Connection::saml_context_is_phr`]).
    pub upstream_phr: bool,
    /// What the IdP said about how (OIDC `amr`; SAML AuthnContextClassRef), for the audit log.
    pub amr: Vec<String>,
    /// SAML SessionIndex, for single logout later.
    pub session_index: Option<String>,
}

/// Why an upstream sign-in could not be used, in the words the failure page uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The person cancelled or refused at the IdP.
    Cancelled,
    /// The IdP could not be reached or answered with an error of its own.
    Unavailable,
    /// The IdP's answer could not be trusted or read (bad signature, wrong audience, …).
    BadResponse,
    /// The sign-in was not started in this browser, has expired, or was already used.
    Expired,
    /// No Stile account for this person and none may be made.
    NoAccount,
    /// The account exists but is disabled.
    Disabled,
    /// The address or its domain may not be used here (banned).
    NotAllowed,
    /// The IdP sent the browser to a redirect URI that is not the connection's own (set up
    /// before each connection had one): the operator must update the IdP's registration.
    Misconfigured,
}

impl Failure {
    pub fn reason(self) -> &'static str {
        match self {
            Failure::Cancelled => "cancelled",
            Failure::Unavailable => "unavailable",
            Failure::BadResponse => "bad_response",
            Failure::Expired => "expired",
            Failure::NoAccount => "no_account",
            Failure::Disabled => "disabled",
            Failure::NotAllowed => "not_allowed",
            Failure::Misconfigured => "misconfigured",
        }
    }
}

/// The connection that serves an email's domain, if any (home-realm discovery).
pub async fn for_email(db: &Db, email: &Email) -> Result<Option<Connection>, StoreError> {
    store::connections::by_domain(db, email.domain()).await
}

/// The connection whose sign-in is *required* for this email, if any: password and emailed-link
/// sign-in (and password setting and signup by email) must be refused for it.
pub async fn required_for(db: &Db, email: &Email) -> Result<Option<Connection>, StoreError> {
    Ok(for_email(db, email).await?.filter(|c| c.mode == Mode::Required))
}

/// The connections whose button the sign-in page shows.
pub async fn buttons(db: &Db) -> Result<Vec<Connection>, StoreError> {
    Ok(store::connections::list(db).await?.into_iter().filter(|c| c.show_button).collect())
}

/// A fresh connection of the given kind with defaults, not yet saved (`admin::ops::connections`
/// checks and saves it).
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
        trust_upstream_phr: false,
        jit: false,
        allow_idp_initiated: false,
        mapping: Mapping::default_for(config.kind()),
        config,
        secret_encrypted: None,
        created_at: now,
        updated_at: now,
    }
}

/// Encrypts a new upstream client secret into the connection under the master key (save it
/// afterwards).
pub fn set_client_secret(state: &AppState, c: &mut Connection, secret: &SecretString) -> Result<(), MasterKeyError> {
    c.secret_encrypted = Some(state.master_key.encrypt(secret.expose().as_bytes(), &secret_context(&c.id), &*state.rng)?);
    Ok(())
}

/// The connection's upstream client secret, decrypted for use. Here rather than with the admin
/// operations that set it, because sign-in (`crate::auth::upstream_oidc`) reads it.
pub fn client_secret(master_key: &MasterKey, c: &Connection) -> Result<Option<SecretString>, MasterKeyError> {
    let Some(enc) = &c.secret_encrypted else { return Ok(None) };
    let plain = master_key.decrypt(enc, &connection::secret_context(&c.id))?;
    let text = String::from_utf8(plain.to_vec()).map_err(|_| MasterKeyError::Decrypt)?;
    Ok(Some(SecretString::new(text)))
}

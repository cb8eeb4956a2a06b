//! How a person proves who they are. Plain Rust: no axum here.

pub mod email_change;
pub mod emailed_link;
pub mod federated;
pub mod login;
pub mod magic_link;
pub mod mfa;
pub mod passkeys;
pub mod password_by_email;
pub mod saml;
pub mod session;
pub mod throttle;
pub mod upstream_oidc;

// Moved below `app` (the hasher is a service `AppState` holds; tokens check bans too); kept
// here under their old paths.
pub use crate::abuse;
pub use crate::audit::ClientInfo;
pub use crate::services::hasher as password;

use crate::store::StoreError;

/// The email's domain is served by a connection whose sign-in is required: password, emailed
/// link, password setting and signup by email are refused for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoRequired {
    pub connection_id: String,
    pub connection_name: String,
}

impl SsoRequired {
    pub fn explain(&self) -> String {
        format!("Your organisation signs you in through {0}. Use \u{201c}Sign in with {0}\u{201d}.", self.connection_name)
    }
}

/// Refuses (and audits as `action`) when SSO is required for this email.
pub(crate) async fn sso_required(
    state: &crate::app::AppState,
    email: &crate::email::Email,
    action: &str,
    client: &ClientInfo,
) -> Result<Option<SsoRequired>, StoreError> {
    let Some(conn) = crate::sso::required_for(&state.db, email).await? else { return Ok(None) };
    let details = serde_json::json!({ "reason": "sso_required", "connection_id": conn.id });
    crate::audit::user_event(&state.db, state, action, None, None, client, crate::audit::Outcome::Failure, Some(details)).await?;
    Ok(Some(SsoRequired { connection_id: conn.id, connection_name: conn.name }))
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] password::HashError),
}

#[cfg(test)]
pub(crate) mod testing {
    /// A migrated SQLite database in a temporary directory, for unit tests of functions that
    /// take the database (and the time) rather than the whole `AppState`. Keep the directory
    /// alive as long as the database.
    pub(crate) async fn scratch_db() -> (crate::store::Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("unit.db").display());
        let db = crate::store::Db::connect(&url, 2).await.expect("SQLite opens");
        db.migrate().await.expect("migrations apply");
        (db, dir)
    }
}

//! How a person proves who they are. Plain Rust: no axum here.

pub mod abuse;
pub mod email_change;
pub mod login;
pub mod magic_link;
pub mod mfa;
pub mod password;
pub mod password_by_email;
pub mod session;
pub mod throttle;

use crate::store::StoreError;

/// Where a request came from, for throttling and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] password::HashError),
}

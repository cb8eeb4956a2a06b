//! Tokens and the keys that sign them. No axum here.

pub mod claims;
pub mod client_assertion;
pub mod discovery;
pub mod dpop;
pub mod grants;
pub mod issue;
pub mod jwt;
pub mod pushed;

// The keys are a service that `AppState` holds; kept here under their old paths.
pub use crate::services::{keys, master_key};

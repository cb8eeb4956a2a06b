//! The long-lived services [`crate::app::AppState`] holds: the password hasher, the signing keys
//! and the master key, the mail transport, the cache of upstream OIDC discovery documents, the cache of clients
//! and bans (`security_cache`), and the deployment's logo (`logo`, checked at start).
//! They sit below `app` (and so below every layer that takes an `AppState`): each needs only the
//! settings, the store, the clock and randomness. The domain re-exports them under their old
//! paths (`auth::password`, `tokens::keys`, `tokens::master_key`, `mail::transport`).

pub mod client_jwks;
pub mod hasher;
pub mod keys;
pub mod logo;
pub mod mailer;
pub mod master_key;
pub mod outbound;
pub mod security_cache;
pub mod upstream_discovery;

//! Tokens and the keys that sign them. No axum here.

pub mod claims;
pub mod grants;
pub mod issue;
pub mod jwt;
pub mod keys;
pub mod master_key;

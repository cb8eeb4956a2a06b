//! Tokens and the keys that sign them. No axum here.

pub mod keys;
pub mod master_key;

//! The abuse table, as sign-in sees it: banned addresses and domains can neither sign in nor
//! get an account, whichever way they arrive (password, emailed link, sign-up, SSO).

use crate::app::AppState;
use crate::email::Email;
use crate::store::{self, StoreError};

/// True if the address, or its domain (or a parent domain), is banned.
pub async fn is_banned(state: &AppState, email: &Email) -> Result<bool, StoreError> {
    store::abuse::is_banned(&state.db, email.as_str(), email.domain()).await
}

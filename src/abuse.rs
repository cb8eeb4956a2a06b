//! The abuse table, as sign-in sees it: banned addresses and domains can neither sign in nor
//! get an account, whichever way they arrive (password, emailed link, sign-up, SSO).

use crate::app::AppState;
use crate::email::Email;
use crate::store::StoreError;

/// True if the address, or its domain (or a parent domain), is banned. The ban list is read
/// through the cache (`services::security_cache`), which a new ban empties at once.
pub async fn is_banned(state: &AppState, email: &Email) -> Result<bool, StoreError> {
    Ok(state.security.bans(&state.db).await?.is_banned(email.as_str(), email.domain()))
}

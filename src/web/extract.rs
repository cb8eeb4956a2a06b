//! Extractors: who is signed in (where a request comes from is `crate::request::Client`).

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

use super::cookies;
// The handlers name it from here; it lives below every edge.
use crate::app::AppState;
use crate::auth::session;
use crate::error::AppError;
pub use crate::request::Client;
use crate::store::{self, sessions::SessionRow, users::UserRow};

/// The signed-in user and session; redirects to sign-in when there is none.
pub struct CurrentUser {
    pub user: UserRow,
    pub session: SessionRow,
}

/// The signed-in user, if any.
pub struct MaybeUser(pub Option<CurrentUser>);

async fn load(parts: &mut Parts, state: &AppState) -> Result<Option<CurrentUser>, AppError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(cookies::session_name(state)) else {
        return Ok(None);
    };
    let Some(session) = session::current(&state.db, &state.settings.session, cookie.value(), state.now()).await? else {
        return Ok(None);
    };
    let Some(user) = store::users::by_id(&state.db, &session.user_id).await? else {
        return Ok(None);
    };
    if user.is_disabled() {
        return Ok(None);
    }
    // A ban ends the user's sessions and grants, but a sign-in that checked the ban list just
    // before the ban and committed just after it keeps one: all are ended here, as the ban would
    // have, so that lifting the ban does not bring them back (the list is cached, so a session not
    // banned costs no query).
    if crate::abuse::is_banned(state, &user.email()).await? {
        crate::logout::end_sessions(state, &user.id, crate::logout::Which::All).await?;
        return Ok(None);
    }
    crate::i18n::note_saved(user.language.as_deref().and_then(crate::i18n::Lang::parse));
    Ok(Some(CurrentUser { user, session }))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match load(parts, state).await? {
            Some(u) => Ok(u),
            None => {
                let next = parts.extensions.get::<OriginalUri>().map(|u| u.0.clone()).unwrap_or_else(|| parts.uri.clone());
                let next = next.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/account".into());
                // Only pages people navigate to are worth returning to.
                let next = if parts.method == axum::http::Method::GET { next } else { "/account".into() };
                Err(AppError::SignInRequired { next })
            }
        }
    }
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(load(parts, state).await?))
    }
}

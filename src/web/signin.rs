//! Finishing a sign-in once the first factor is proven: straight to a session, or through the
//! second factor (and forced enrolment) first.

use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use super::cookies;
use crate::app::AppState;
use crate::auth::ClientInfo;
pub use crate::auth::session::Pending;
use crate::auth::session::{self, KIND_PENDING, SignIn, SignedIn};
use crate::error::AppError;
use crate::policy::mfa::{ACR_MFA, ACR_PHR};
use crate::secret::{SecretString, token_hash};
use crate::store::{self, users::UserRow};

/// Starts the session now, or parks the sign-in until the second factor is given.
pub async fn after_first_factor(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    user: &UserRow,
    amr: &[&str],
    next: &str,
) -> Result<Response, AppError> {
    let previous = previous_session(state, &jar);
    let sign_in = SignIn::for_user(state, user, amr, next, client, previous.as_ref()).await?;
    let mut tx = state.db.begin().await?;
    let done = sign_in.write_on(state, &mut tx, &user.id).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(signed_in(state, jar, done, next))
}

/// The session cookie the browser sent, if any: it is ended when a new session starts.
pub fn previous_session(state: &AppState, jar: &CookieJar) -> Option<SecretString> {
    jar.get(cookies::session_name(state)).map(|c| SecretString::new(c.value()))
}

/// The answer to a sign-in written by [`SignIn::write_on`]: the session cookie and `next`, or the
/// parked sign-in's cookie and the second-factor page.
pub fn signed_in(state: &AppState, jar: CookieJar, done: SignedIn, next: &str) -> Response {
    match done {
        SignedIn::Session(started) => {
            let jar = with_session(state, jar, &started);
            (jar, Redirect::to(next)).into_response()
        }
        SignedIn::SecondFactor { token, enrolled } => {
            let jar = jar.add(cookies::build(state, cookies::mfa_pending_name(state), token.expose().to_owned(), None));
            let target = if enrolled { "/login/2fa" } else { "/login/2fa/enrol" };
            (jar, Redirect::to(target)).into_response()
        }
    }
}

fn with_session(state: &AppState, jar: CookieJar, started: &session::Started) -> CookieJar {
    let max_age = state.settings.session.persistent_cookie.then_some(state.settings.session.absolute_timeout_secs);
    let cookie = cookies::build(state, cookies::session_name(state), started.token.expose().to_owned(), max_age);
    jar.add(cookie).add(cookies::removal(state, cookies::mfa_pending_name(state)))
}

pub async fn start(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    user: &UserRow,
    amr: &[&str],
    acr: &str,
    next: &str,
) -> Result<Response, AppError> {
    let jar = start_jar(state, jar, client, user, amr, acr).await?;
    Ok((jar, Redirect::to(next)).into_response())
}

/// Starts the session and returns the cookies to send; the caller chooses the page.
pub async fn start_jar(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    user: &UserRow,
    amr: &[&str],
    acr: &str,
) -> Result<CookieJar, AppError> {
    start_jar_with(state, jar, client, user, amr, acr, false).await
}

/// [`start_jar`], saying whether a TOTP or recovery code was entered for this sign-in.
async fn start_jar_with(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    user: &UserRow,
    amr: &[&str],
    acr: &str,
    second_factor: bool,
) -> Result<CookieJar, AppError> {
    let previous = previous_session(state, &jar);
    let started = session::start(state, &user.id, amr, acr, client, previous.as_ref(), second_factor).await?;
    Ok(with_session(state, jar, &started))
}

/// The parked sign-in this browser has, if any (not yet used; one of a banned user is spent here).
pub async fn pending(state: &AppState, jar: &CookieJar) -> Result<Option<(UserRow, Pending, String)>, AppError> {
    let Some(c) = jar.get(cookies::mfa_pending_name(state)) else { return Ok(None) };
    let hash = token_hash(c.value());
    let Some(row) = store::grants::by_hash(&state.db, &hash, KIND_PENDING).await? else { return Ok(None) };
    if row.used_at.is_some() || row.expires_at <= state.now() {
        return Ok(None);
    }
    let data: Pending = serde_json::from_str(&row.data).map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(user) = store::users::by_id(&state.db, row.user_id.as_deref().unwrap_or_default()).await? else { return Ok(None) };
    if user.is_disabled() {
        return Ok(None);
    }
    // Parked just before a ban (see `web::extract`): spent, so that lifting the ban does not
    // bring it back.
    if crate::abuse::is_banned(state, &user.email()).await? {
        store::grants::consume(&state.db, &hash, KIND_PENDING, state.now()).await?;
        return Ok(None);
    }
    Ok(Some((user, data, hash)))
}

/// Completes a parked sign-in with the second factor: one use only. Returns the cookies.
/// `factor` is the second factor's `amr` (`otp`, or `hwk` for a passkey).
pub async fn complete_pending(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    user: &UserRow,
    data: &Pending,
    hash: &str,
    factor: &str,
) -> Result<CookieJar, AppError> {
    if store::grants::consume(&state.db, hash, KIND_PENDING, state.now()).await?.is_none() {
        return Err(AppError::BadRequest(super::say::text("problem-sign-in-expired")));
    }
    let mut amr: Vec<&str> = data.amr.iter().map(String::as_str).collect();
    for m in [factor, "mfa"] {
        if !amr.contains(&m) {
            amr.push(m);
        }
    }
    start_jar_with(state, jar, client, user, &amr, acr_for(factor), true).await
}

/// Ends a parked sign-in without a session (the person cancelled).
pub async fn abandon_pending(state: &AppState, hash: &str) -> Result<(), AppError> {
    store::grants::consume(&state.db, hash, KIND_PENDING, state.now()).await?;
    Ok(())
}

/// Adds the second factor (`factor`, as in [`complete_pending`]) to an existing session (step-up).
pub async fn step_up(state: &AppState, session: &store::sessions::SessionRow, factor: &str) -> Result<(), AppError> {
    session::record_second_factor(state, session, factor).await?;
    Ok(())
}

/// The level a second factor brings: a passkey is phishing-resistant, a code is not.
fn acr_for(factor: &str) -> &'static str {
    if factor == crate::auth::passkeys::AMR_HWK { ACR_PHR } else { ACR_MFA }
}

/// Starts a session for a sign-in whose one factor is also a second one (a user-verifying
/// passkey): the phishing-resistant level, and step-up counts from now.
pub async fn start_multi_factor(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    user: &UserRow,
    amr: &[&str],
) -> Result<CookieJar, AppError> {
    start_jar_with(state, jar, client, user, amr, ACR_PHR, true).await
}

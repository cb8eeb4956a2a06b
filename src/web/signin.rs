//! Finishing a sign-in once the first factor is proven: straight to a session, or through the
//! second factor (and forced enrolment) first.

use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};

use super::cookies;
use crate::app::AppState;
use crate::auth::{ClientInfo, mfa, session};
use crate::error::AppError;
use crate::policy::mfa::{ACR_MFA, ACR_SINGLE};
use crate::secret::{SecretString, random_token, token_hash};
use crate::store::{self, grants::TokenRow, users::UserRow};

const KIND_PENDING: &str = "mfa_pending";
const PENDING_TTL_SECS: i64 = 600;

#[derive(Debug, Serialize, Deserialize)]
pub struct Pending {
    pub amr: Vec<String>,
    pub next: String,
}

/// Starts the session now, or parks the sign-in until the second factor is given.
pub async fn after_first_factor(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    user: &UserRow,
    amr: &[&str],
    next: &str,
) -> Result<Response, AppError> {
    let enrolled = mfa::enrolled(state, &user.id).await?;
    let required = mfa::requirement(state, user, false, false).await?.is_some();
    if !enrolled && !required {
        return start(state, jar, client, user, amr, ACR_SINGLE, next).await;
    }
    let token = random_token(&*state.rng);
    let now = state.now();
    let data = Pending { amr: amr.iter().map(|s| (*s).to_owned()).collect(), next: next.to_owned() };
    store::grants::insert(
        &state.db,
        &TokenRow {
            hash: token_hash(token.expose()),
            kind: KIND_PENDING.into(),
            user_id: Some(user.id.clone()),
            client_id: None,
            session_sid: None,
            family_id: None,
            data: serde_json::to_string(&data).map_err(|e| AppError::Internal(e.to_string()))?,
            created_at: now,
            expires_at: now + PENDING_TTL_SECS,
            used_at: None,
            revoked_at: None,
        },
    )
    .await?;
    let jar = jar.add(cookies::build(state, cookies::mfa_pending_name(state), token.expose().to_owned(), None));
    let target = if enrolled { "/login/2fa" } else { "/login/2fa/enrol" };
    Ok((jar, Redirect::to(target)).into_response())
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
    let previous = jar.get(cookies::session_name(state)).map(|c| SecretString::new(c.value()));
    let started = session::start(state, &user.id, amr, acr, client, previous.as_ref(), second_factor).await?;
    let max_age = state.settings.session.persistent_cookie.then_some(state.settings.session.absolute_timeout_secs);
    let cookie = cookies::build(state, cookies::session_name(state), started.token.expose().to_owned(), max_age);
    Ok(jar.add(cookie).add(cookies::removal(state, cookies::mfa_pending_name(state))))
}

/// The parked sign-in this browser has, if any (not consumed).
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
    Ok(Some((user, data, hash)))
}

/// Completes a parked sign-in with the second factor: one use only. Returns the cookies.
pub async fn complete_pending(
    state: &AppState,
    jar: CookieJar,
    client: &ClientInfo,
    user: &UserRow,
    data: &Pending,
    hash: &str,
) -> Result<CookieJar, AppError> {
    if store::grants::consume(&state.db, hash, KIND_PENDING, state.now()).await?.is_none() {
        return Err(AppError::BadRequest("This sign-in has expired. Start again.".into()));
    }
    let mut amr: Vec<&str> = data.amr.iter().map(String::as_str).collect();
    for m in ["otp", "mfa"] {
        if !amr.contains(&m) {
            amr.push(m);
        }
    }
    start_jar_with(state, jar, client, user, &amr, ACR_MFA, true).await
}

/// Ends a parked sign-in without a session (the person cancelled).
pub async fn abandon_pending(state: &AppState, hash: &str) -> Result<(), AppError> {
    store::grants::consume(&state.db, hash, KIND_PENDING, state.now()).await?;
    Ok(())
}

/// Adds the second factor to an existing session (step-up).
pub async fn step_up(state: &AppState, session: &store::sessions::SessionRow) -> Result<(), AppError> {
    session::record_second_factor(state, session).await?;
    Ok(())
}

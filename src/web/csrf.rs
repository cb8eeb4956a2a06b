//! CSRF protection for every form: a random value in an HttpOnly SameSite cookie that each form
//! must echo in a hidden field (double submit), compared in constant time.

use axum_extra::extract::CookieJar;

use super::cookies;
use crate::app::AppState;
use crate::error::AppError;
use crate::secret::{ct_eq, random_id};

/// The browser's CSRF token, creating one (and its cookie) when absent.
pub fn token(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    let name = cookies::csrf_name(state);
    if let Some(c) = jar.get(name)
        && c.value().len() >= 32
    {
        let v = c.value().to_owned();
        return (jar, v);
    }
    let value = random_id(&*state.rng, 32);
    let jar = jar.add(cookies::build(state, name, value.clone(), None));
    (jar, value)
}

/// Refuses the request unless the form's token matches the cookie.
pub fn verify(state: &AppState, jar: &CookieJar, submitted: &str) -> Result<(), AppError> {
    let Some(cookie) = jar.get(cookies::csrf_name(state)) else {
        return Err(AppError::Csrf);
    };
    if cookie.value().len() < 32 || !ct_eq(cookie.value().as_bytes(), submitted.as_bytes()) {
        return Err(AppError::Csrf);
    }
    Ok(())
}

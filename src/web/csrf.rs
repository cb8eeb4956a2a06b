//! CSRF protection for every form: a random value in an HttpOnly SameSite cookie that each form
//! must echo in a hidden field (double submit), compared in constant time.

use axum::Form;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, FormRejection};
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;

use super::cookies;
use crate::app::AppState;
use crate::error::AppError;
use crate::secret::{ct_eq, random_id};

/// The form field that echoes the token.
pub const FIELD: &str = "csrf";

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

/// A form body that carried this browser's CSRF token. `E` reads the body (`axum::Form<T>` on the
/// sign-in and account pages, the admin UI's `Fields<T>`) and answers as it always has when the
/// body is not such a form; then the `csrf` field is checked against the cookie and a mismatch
/// refused (403) before the handler runs, so no handler can forget the check.
pub struct CsrfForm<E>(pub E);

/// A body extractor `CsrfForm` can wrap: how it answers a body that cannot be read.
pub trait FormBody: FromRequest<AppState> {
    fn unreadable(e: BytesRejection) -> Response;
}

impl<T: DeserializeOwned> FormBody for Form<T> {
    fn unreadable(e: BytesRejection) -> Response {
        FormRejection::from(e).into_response()
    }
}

impl<E> FromRequest<AppState> for CsrfForm<E>
where
    E: FormBody,
    E::Rejection: IntoResponse,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let jar = CookieJar::from_headers(&parts.headers);
        // Read once and handed on, so the token comes from the very body `E` decodes.
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state).await.map_err(E::unreadable)?;
        let form =
            E::from_request(Request::from_parts(parts, Body::from(bytes.clone())), state).await.map_err(IntoResponse::into_response)?;
        let submitted = url::form_urlencoded::parse(&bytes).find(|(k, _)| k == FIELD).map(|(_, v)| v).unwrap_or_default();
        verify(state, &jar, &submitted).map_err(IntoResponse::into_response)?;
        Ok(CsrfForm(form))
    }
}

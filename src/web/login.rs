//! Sign-in pages: email → password → signed in; and sign-out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::extract::Client;
use super::{MaybeUser, cookies, csrf, safe_next};
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::auth::login::{LoginError, password_sign_in};
use crate::auth::session;
use crate::email::Email;
use crate::error::AppError;
use crate::secret::SecretString;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(email_page).post(email_submit))
        .route("/login/password", post(password_submit))
        .route("/logout", post(logout))
}

#[derive(Template, WebTemplate)]
#[template(path = "login_email.html")]
struct EmailPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login_password.html")]
struct PasswordPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct EmailQuery {
    next: Option<String>,
    login_hint: Option<String>,
}

async fn email_page(State(state): State<AppState>, jar: CookieJar, Query(q): Query<EmailQuery>) -> (CookieJar, EmailPage) {
    let (jar, csrf) = csrf::token(&state, jar);
    let email = q.login_hint.map(|h| h.chars().take(254).collect()).unwrap_or_default();
    (
        jar,
        EmailPage {
            site_name: state.settings.server.name.clone(),
            signed_in: false,
            csrf,
            next: safe_next(q.next.as_deref()),
            email,
            error: None,
        },
    )
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    next: Option<String>,
}

/// Step 1: the email. The answer is the same password page whether or not the account exists.
async fn email_submit(State(state): State<AppState>, jar: CookieJar, Form(f): Form<EmailForm>) -> Result<Response, AppError> {
    csrf::verify(&state, &jar, &f.csrf)?;
    let (jar, token) = csrf::token(&state, jar);
    let next = safe_next(f.next.as_deref());
    let site_name = state.settings.server.name.clone();
    match Email::parse(&f.email) {
        Ok(email) => {
            Ok((jar, PasswordPage { site_name, signed_in: false, csrf: token, next, email: email.to_string(), error: None })
                .into_response())
        }
        Err(e) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            jar,
            EmailPage {
                site_name,
                signed_in: false,
                csrf: token,
                next,
                email: f.email.chars().take(254).collect(),
                error: Some(e.to_string()),
            },
        )
            .into_response()),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: SecretString,
    next: Option<String>,
}

/// Step 2: the password.
async fn password_submit(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    csrf::verify(&state, &jar, &f.csrf)?;
    let next = safe_next(f.next.as_deref());
    let site_name = state.settings.server.name.clone();
    let (jar, token) = csrf::token(&state, jar);
    if f.password.is_empty() {
        let page =
            PasswordPage { site_name, signed_in: false, csrf: token, next, email: f.email, error: Some("Enter your password.".into()) };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, page).into_response());
    }
    match password_sign_in(&state, &f.email, &f.password, &client).await {
        Ok(user) => crate::web::signin::after_first_factor(&state, jar, &client, &user, &[session::AMR_PASSWORD], &next).await,
        Err(e) => {
            let status = match &e {
                LoginError::BadEmail(_) => StatusCode::UNPROCESSABLE_ENTITY,
                LoginError::InvalidCredentials => StatusCode::UNAUTHORIZED,
                LoginError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
                LoginError::Busy => StatusCode::SERVICE_UNAVAILABLE,
                LoginError::Internal(_) => return Err(AppError::Internal(crate::error::error_chain(&e))),
            };
            let page = PasswordPage {
                site_name,
                signed_in: false,
                csrf: token,
                next,
                email: f.email.chars().take(254).collect(),
                error: Some(e.to_string()),
            };
            Ok((status, jar, page).into_response())
        }
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    Client(client): Client,
    user: MaybeUser,
    jar: CookieJar,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    csrf::verify(&state, &jar, &f.csrf)?;
    if let Some(u) = user.0 {
        if let Some(c) = jar.get(cookies::session_name(&state)) {
            crate::logout::end_sessions(&state, &u.user.id, crate::logout::Which::Cookie(c.value())).await?;
        }
        audit::user_event(&state, "signout", Some(&u.user.id), Some(&u.user.id), &client, Outcome::Success, None).await?;
    }
    let jar = jar.add(cookies::removal(&state, cookies::session_name(&state)));
    Ok((jar, Redirect::to("/login")).into_response())
}

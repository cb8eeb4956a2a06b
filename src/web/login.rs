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
use super::sso::{Realm, SsoButton, buttons, realm_for, required_page, start_url};
use super::{MaybeUser, cookies, csrf, safe_next};
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::auth::login::{LoginError, password_sign_in};
use crate::auth::session;
use crate::email::Email;
use crate::error::AppError;
use crate::secret::SecretString;
use crate::web::csrf::CsrfForm;

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
    sso_buttons: Vec<SsoButton>,
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
    /// Home-realm discovery found an IdP that is offered (not required) for this address.
    sso_offer: Option<SsoButton>,
}

#[derive(Deserialize)]
struct EmailQuery {
    next: Option<String>,
    login_hint: Option<String>,
}

/// The sign-in page. A relying app's `login_hint` goes through home-realm discovery as if typed.
async fn email_page(State(state): State<AppState>, jar: CookieJar, Query(q): Query<EmailQuery>) -> Result<Response, AppError> {
    let (jar, csrf) = csrf::token(&state, jar);
    let next = safe_next(q.next.as_deref());
    if let Some(email) = q.login_hint.as_deref().and_then(|h| Email::parse(h).ok()) {
        match realm_for(&state, &email).await? {
            Realm::Required(c) => return Ok((jar, Redirect::to(&start_url(&c.id, &next, Some(email.as_str())))).into_response()),
            Realm::Offered(c) => {
                let site_name = state.settings.server.name.clone();
                let page = PasswordPage {
                    site_name,
                    signed_in: false,
                    csrf,
                    next,
                    email: email.to_string(),
                    error: None,
                    sso_offer: Some(SsoButton::from(&c)),
                };
                return Ok((jar, page).into_response());
            }
            Realm::None => {}
        }
    }
    let email = q.login_hint.map(|h| h.chars().take(254).collect()).unwrap_or_default();
    let page = EmailPage {
        site_name: state.settings.server.name.clone(),
        signed_in: false,
        csrf,
        next,
        email,
        error: None,
        sso_buttons: buttons(&state).await?,
    };
    Ok((jar, page).into_response())
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
    next: Option<String>,
}

/// Step 1: the email. The answer is the same password page whether or not the account exists.
async fn email_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm(Form(f)): CsrfForm<Form<EmailForm>>,
) -> Result<Response, AppError> {
    let (jar, token) = csrf::token(&state, jar);
    let next = safe_next(f.next.as_deref());
    let site_name = state.settings.server.name.clone();
    match Email::parse(&f.email) {
        Ok(email) => {
            let sso_offer = match realm_for(&state, &email).await? {
                Realm::Required(c) => return Ok((jar, Redirect::to(&start_url(&c.id, &next, Some(email.as_str())))).into_response()),
                Realm::Offered(c) => Some(SsoButton::from(&c)),
                Realm::None => None,
            };
            Ok((jar, PasswordPage { site_name, signed_in: false, csrf: token, next, email: email.to_string(), error: None, sso_offer })
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
                sso_buttons: buttons(&state).await?,
            },
        )
            .into_response()),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
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
    CsrfForm(Form(f)): CsrfForm<Form<PasswordForm>>,
) -> Result<Response, AppError> {
    let next = safe_next(f.next.as_deref());
    let site_name = state.settings.server.name.clone();
    let (jar, token) = csrf::token(&state, jar);
    if f.password.is_empty() {
        let page = PasswordPage {
            site_name,
            signed_in: false,
            csrf: token,
            next,
            email: f.email,
            error: Some("Enter your password.".into()),
            sso_offer: None,
        };
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
                LoginError::SsoRequired(r) => return Ok(required_page(&state, jar, r, &next, &f.email)),
                LoginError::Internal(_) => return Err(AppError::Internal(crate::error::error_chain(&e))),
            };
            let page = PasswordPage {
                site_name,
                signed_in: false,
                csrf: token,
                next,
                email: f.email.chars().take(254).collect(),
                error: Some(e.to_string()),
                sso_offer: None,
            };
            Ok((status, jar, page).into_response())
        }
    }
}

/// A form whose only field is the CSRF token.
#[derive(Deserialize)]
struct CsrfOnly {}

async fn logout(
    State(state): State<AppState>,
    Client(client): Client,
    user: MaybeUser,
    jar: CookieJar,
    CsrfForm(Form(CsrfOnly {})): CsrfForm<Form<CsrfOnly>>,
) -> Result<Response, AppError> {
    if let Some(u) = user.0 {
        if let Some(c) = jar.get(cookies::session_name(&state)) {
            crate::logout::end_sessions(&state, &u.user.id, crate::logout::Which::Cookie(c.value())).await?;
        }
        audit::user_event(&state, "signout", Some(&u.user.id), Some(&u.user.id), &client, Outcome::Success, None).await?;
    }
    let jar = jar.add(cookies::removal(&state, cookies::session_name(&state)));
    Ok((jar, Redirect::to("/login")).into_response())
}

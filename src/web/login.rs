//! Sign-in pages: email → password → signed in; and sign-out.

use super::say::Say;
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
use crate::email::Email;
use crate::error::AppError;
use crate::secret::SecretString;
use crate::web::csrf::CsrfForm;
use crate::web::passkeys::PasskeyForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(email_page).post(email_submit))
        .route("/login/password", post(password_submit))
        .route("/login/passkey", post(passkey_submit))
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
    /// The relying app this sign-in is for, by name.
    app_name: Option<String>,
    /// "Sign in with a passkey", with a challenge any of this site's passkeys may answer.
    passkey: Option<PasskeyForm>,
}

/// The passwordless form for the sign-in page (its challenge sealed into the page: a view
/// writes nothing); none (the page still works) if the challenge cannot be made.
fn passwordless_form(state: &AppState) -> Option<PasskeyForm> {
    match crate::auth::passkeys::begin_passwordless(state) {
        Ok(started) => {
            let mut form = PasskeyForm::get(started, "/login/passkey", &super::say::text("passkey-sign-in"));
            form.conditional = true;
            form.primary = false;
            Some(form)
        }
        // Settings that cannot make a relying party (an IP-address issuer) stay so until a
        // restart: said once, not at every page view.
        Err(e @ crate::auth::passkeys::PasskeyError::Config(_)) => {
            static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
            if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
                tracing::warn!(error = %crate::error::error_chain(&e), "cannot offer passkey sign-in (see [passkeys] in the settings)");
            }
            None
        }
        Err(e) => {
            tracing::warn!(error = %crate::error::error_chain(&e), "cannot offer passkey sign-in");
            None
        }
    }
}

#[derive(Deserialize)]
struct PasskeyAnswer {
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
    next: Option<String>,
}

/// Passwordless: a discoverable passkey with user verification is both factors at once.
async fn passkey_submit(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    CsrfForm(Form(f)): CsrfForm<Form<PasskeyAnswer>>,
) -> Result<Response, AppError> {
    let next = safe_next(f.next.as_deref());
    match crate::auth::passkeys::finish_passwordless(&state, &f.ceremony, &f.credential, &client).await {
        Ok((user, _)) => {
            let amr = [crate::auth::passkeys::AMR_HWK, crate::auth::passkeys::AMR_USER, "mfa"];
            let jar = super::signin::start_multi_factor(&state, jar, &client, &user, &amr).await?;
            Ok((jar, Redirect::to(&next)).into_response())
        }
        Err(e) => {
            let (status, msg) = super::passkeys::map(e)?;
            let (jar, csrf) = csrf::token(&state, jar);
            let app = app_name(&state, &next).await?;
            let page = EmailPage {
                site_name: state.settings.server.name.clone(),
                signed_in: false,
                csrf,
                passkey: passwordless_form(&state),
                next,
                email: String::new(),
                error: Some(msg),
                sso_buttons: buttons(&state, None).await?,
                app_name: app,
            };
            Ok(super::passkeys::with_script((status, jar, page)))
        }
    }
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
    app_name: Option<String>,
}

/// The name of the relying app a sign-in is for, when `next` continues an authorization request
/// (so staff see "Sign in to FixMyStreet — Camden", not only the deployment's name).
pub async fn app_name(state: &AppState, next: &str) -> Result<Option<String>, AppError> {
    let Some(query) = next.strip_prefix("/authorize?") else { return Ok(None) };
    let Some(client_id) = url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "client_id").map(|(_, v)| v.into_owned()) else {
        return Ok(None);
    };
    Ok(crate::store::clients::by_id(&state.db, &client_id).await?.map(|c| c.name).filter(|n| !n.trim().is_empty()))
}

#[derive(Deserialize)]
struct EmailQuery {
    next: Option<String>,
    login_hint: Option<String>,
    /// The organisation's domain, from a relying app that knows it: shows its SSO button.
    domain_hint: Option<String>,
}

/// The sign-in page. A relying app's `login_hint` goes through home-realm discovery as if typed.
async fn email_page(State(state): State<AppState>, jar: CookieJar, Query(q): Query<EmailQuery>) -> Result<Response, AppError> {
    let (jar, csrf) = csrf::token(&state, jar);
    let next = safe_next(q.next.as_deref());
    let app = app_name(&state, &next).await?;
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
                    app_name: app.clone(),
                };
                return Ok((jar, page).into_response());
            }
            Realm::None => {}
        }
    }
    let hint_domain = q.login_hint.as_deref().and_then(|h| h.rsplit_once('@')).map(|(_, d)| d.to_owned());
    let sso_buttons = buttons(&state, q.domain_hint.as_deref().or(hint_domain.as_deref())).await?;
    let email = q.login_hint.map(|h| h.chars().take(254).collect()).unwrap_or_default();
    let page = EmailPage {
        site_name: state.settings.server.name.clone(),
        signed_in: false,
        csrf,
        next,
        email,
        error: None,
        sso_buttons,
        app_name: app,
        passkey: passwordless_form(&state),
    };
    Ok(super::passkeys::with_script((jar, page)))
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
    next: Option<String>,
}

/// How many addresses the email sign-in cookie remembers, and for how long.
const EMAIL_SIGNIN_MAX: usize = 5;
const EMAIL_SIGNIN_SECS: i64 = 400 * 86_400;

/// Keyed, so that nobody can make the mark for an address they have not signed in to (an
/// unkeyed hash would let a stranger set it and learn which addresses have no password).
/// Short: only this browser's own marks are compared against it.
fn email_signin_mark(state: &AppState, email: &str) -> String {
    state.master_key.mac("email-signin", email.to_lowercase().as_bytes()).chars().take(32).collect()
}

/// Remembers, in this browser, that `email` signs in by emailed link.
pub fn remember_email_signin(state: &AppState, jar: CookieJar, email: &str) -> CookieJar {
    let mark = email_signin_mark(state, email);
    let mut marks: Vec<String> = jar
        .get(cookies::email_signin_name(state))
        .map(|c| c.value().split('.').filter(|m| !m.is_empty() && *m != mark).map(str::to_owned).collect())
        .unwrap_or_default();
    marks.insert(0, mark);
    marks.truncate(EMAIL_SIGNIN_MAX);
    jar.add(cookies::build(state, cookies::email_signin_name(state), marks.join("."), Some(EMAIL_SIGNIN_SECS)))
}

/// Whether this browser goes straight to emailed sign-in for `email`: it signed in to that
/// address by emailed link before, and the account still has no password. Strangers' browsers
/// never carry the mark, so for them every address gets the same password page and no lookup
/// is made: nothing tells a known address from an unknown one.
async fn signs_in_by_email(state: &AppState, jar: &CookieJar, email: &Email) -> Result<bool, AppError> {
    let mark = email_signin_mark(state, email.as_str());
    if !jar.get(cookies::email_signin_name(state)).is_some_and(|c| c.value().split('.').any(|m| m == mark)) {
        return Ok(false);
    }
    Ok(crate::store::users::by_email(&state.db, email).await?.is_some_and(|u| !u.has_password() && !u.is_disabled()))
}

/// Step 1: the email. The answer is the same password page whether or not the account exists
/// (a browser that has signed in to a password-less account by emailed link goes straight to
/// emailed sign-in instead; see [`signs_in_by_email`]).
async fn email_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    CsrfForm(Form(f)): CsrfForm<Form<EmailForm>>,
) -> Result<Response, AppError> {
    let (jar, token) = csrf::token(&state, jar);
    let next = safe_next(f.next.as_deref());
    let app = app_name(&state, &next).await?;
    let site_name = state.settings.server.name.clone();
    match Email::parse(&f.email) {
        Ok(email) => {
            let sso_offer = match realm_for(&state, &email).await? {
                Realm::Required(c) => return Ok((jar, Redirect::to(&start_url(&c.id, &next, Some(email.as_str())))).into_response()),
                Realm::Offered(c) => Some(SsoButton::from(&c)),
                Realm::None => None,
            };
            if sso_offer.is_none() && signs_in_by_email(&state, &jar, &email).await? {
                // The same form fields (csrf, email, next), posted on to the emailed sign-in.
                return Ok((jar, Redirect::temporary("/login/email")).into_response());
            }
            let page = PasswordPage {
                site_name,
                signed_in: false,
                csrf: token,
                next,
                email: email.to_string(),
                error: None,
                sso_offer,
                app_name: app,
            };
            Ok((jar, page).into_response())
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
                error: Some(e.say()),
                sso_buttons: Vec::new(),
                app_name: app.clone(),
                passkey: None,
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
    let app = app_name(&state, &next).await?;
    let site_name = state.settings.server.name.clone();
    let (jar, token) = csrf::token(&state, jar);
    if f.password.is_empty() {
        let page = PasswordPage {
            site_name,
            signed_in: false,
            csrf: token,
            next,
            email: f.email,
            error: Some(super::say::text("problem-enter-password")),
            sso_offer: None,
            app_name: app.clone(),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, page).into_response());
    }
    // Run to its end even if the browser goes away meanwhile (web::to_the_end).
    let checked = {
        let (state, email, password, client) = (state.clone(), f.email.clone(), f.password.clone(), client.clone());
        let (next, previous) = (next.clone(), super::signin::previous_session(&state, &jar));
        super::to_the_end::to_the_end(state.tasks.clone(), async move {
            password_sign_in(&state, &email, &password, &client, &next, previous.as_ref()).await
        })
        .await?
    };
    match checked {
        Ok((_, done)) => Ok(super::signin::signed_in(&state, jar, done, &next)),
        // 503 when the database is away (it used to be 500), otherwise 500.
        Err(e @ LoginError::Internal(_)) => Err(AppError::from_failure(&e)),
        Err(e) => {
            let status = match &e {
                LoginError::BadEmail(_) => StatusCode::UNPROCESSABLE_ENTITY,
                LoginError::InvalidCredentials => StatusCode::UNAUTHORIZED,
                LoginError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
                LoginError::Busy => StatusCode::SERVICE_UNAVAILABLE,
                LoginError::SsoRequired(r) => return Ok(required_page(&state, jar, r, &next, &f.email)),
                // Answered above, as the edge's error.
                LoginError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let page = PasswordPage {
                site_name,
                signed_in: false,
                csrf: token,
                next,
                email: f.email.chars().take(254).collect(),
                error: Some(e.say()),
                sso_offer: None,
                app_name: app.clone(),
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
        audit::user_event(&state.db, &state, "signout", Some(&u.user.id), Some(&u.user.id), &client, Outcome::Success, None).await?;
    }
    let jar = jar.add(cookies::removal(&state, cookies::session_name(&state)));
    Ok((jar, Redirect::to("/login")).into_response())
}

//! Sign-in by email: ask for a link, type the code, or open the link and confirm with a button
//! (a POST, so mail scanners that fetch links do not use them up).

use super::say::Say;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::extract::Client;
use super::{csrf, safe_next};
use crate::app::AppState;
use crate::auth::email_change::{self, EmailChangeError};
use crate::auth::emailed_link::{self, Purpose};
use crate::auth::magic_link::{self, Confirmed, MagicLinkError};
use crate::auth::password_by_email::{self, PasswordByEmailError};
use crate::error::AppError;
use crate::secret::SecretString;
use crate::web::csrf::CsrfForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/email", post(request))
        .route("/login/email/code", post(code))
        .route("/login/email/confirm", get(confirm_page).post(confirm))
        .route("/login/password/new", get(new_password_page).post(new_password))
        .route("/login/password/new/confirm", get(password_confirm_page).post(password_confirm))
        .route("/account/email/confirm", get(email_change_page).post(email_change_confirm))
}

#[derive(Template, WebTemplate)]
#[template(path = "login_check_email.html")]
struct CheckEmailPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    next: String,
    email: String,
    reference: String,
    minutes: i64,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login_email_confirm.html")]
struct ConfirmPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    token: String,
    action: &'static str,
    heading: String,
    button: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login_email_problem.html")]
struct ProblemPage {
    site_name: String,
    signed_in: bool,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct RequestForm {
    #[serde(default)]
    email: String,
    next: Option<String>,
}

fn internal(e: &MagicLinkError) -> AppError {
    AppError::from_failure(e)
}

/// "No, let me sign in by email": sends the link and code, then asks for the code. The page is
/// the same whether or not anything was sent.
async fn request(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    CsrfForm(Form(f)): CsrfForm<Form<RequestForm>>,
) -> Result<Response, AppError> {
    let (jar, token) = csrf::token(&state, jar);
    let next = safe_next(f.next.as_deref());
    let site_name = state.settings.server.name.clone();
    match magic_link::request(&state, &f.email, &next, &client, magic_link::AskedBy::Themselves).await {
        Ok(r) => {
            let page = CheckEmailPage {
                site_name,
                signed_in: false,
                csrf: token,
                next,
                email: r.email.to_string(),
                reference: r.reference.expose().to_owned(),
                minutes: (state.settings.magic_link.ttl_secs + 59) / 60,
                error: None,
            };
            Ok((jar, page).into_response())
        }
        Err(MagicLinkError::SsoRequired(r)) => Ok(super::sso::required_page(&state, jar, &r, &next, &f.email)),
        Err(e @ (MagicLinkError::BadEmail(_) | MagicLinkError::TooManyRequests { .. })) => {
            let status =
                if matches!(e, MagicLinkError::BadEmail(_)) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::TOO_MANY_REQUESTS };
            Ok((status, jar, ProblemPage { site_name, signed_in: false, next, error: Some(e.say()) }).into_response())
        }
        Err(e) => Err(internal(&e)),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    reference: SecretString,
    #[serde(default)]
    email: String,
    #[serde(default)]
    code: SecretString,
    next: Option<String>,
}

async fn code(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    CsrfForm(Form(f)): CsrfForm<Form<CodeForm>>,
) -> Result<Response, AppError> {
    let next = safe_next(f.next.as_deref());
    let previous = super::signin::previous_session(&state, &jar);
    // Run to its end even if the browser goes away meanwhile (web::to_the_end): the guess is
    // counted before the code is compared, and its refusal (the burnt code, the audit row) is
    // written after.
    let checked = {
        let (state, reference, code, client) = (state.clone(), f.reference.clone(), f.code.clone(), client.clone());
        super::to_the_end::to_the_end(state.tasks.clone(), async move {
            magic_link::confirm_code(&state, reference.expose(), code.expose(), &client, previous.as_ref()).await
        })
        .await?
    };
    match checked {
        Ok(c) => Ok(signed_in(&state, jar, c)),
        Err(MagicLinkError::SsoRequired(r)) => Ok(super::sso::required_page(&state, jar, &r, &next, &f.email)),
        Err(e @ (MagicLinkError::WrongCode | MagicLinkError::CodeBurnt | MagicLinkError::NotAllowed)) => {
            let (jar, token) = csrf::token(&state, jar);
            let status = if matches!(e, MagicLinkError::WrongCode) { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::FORBIDDEN };
            let page = CheckEmailPage {
                site_name: state.settings.server.name.clone(),
                signed_in: false,
                csrf: token,
                next,
                email: f.email.chars().take(254).collect(),
                reference: f.reference.expose().chars().take(64).collect(),
                minutes: (state.settings.magic_link.ttl_secs + 59) / 60,
                error: Some(e.say()),
            };
            Ok((status, jar, page).into_response())
        }
        Err(e) => Err(internal(&e)),
    }
}

#[derive(Deserialize)]
struct LinkQuery {
    #[serde(default)]
    t: SecretString,
}

/// The page an emailed link opens. Only a GET: shows a button, uses nothing.
async fn confirm_page(State(state): State<AppState>, jar: CookieJar, Query(q): Query<LinkQuery>) -> Result<Response, AppError> {
    let live =
        emailed_link::link_is_live(&state.db, Purpose::SignIn, q.t.expose(), state.now()).await.map_err(|e| AppError::from_failure(&e))?;
    let page = LinkButton {
        action: "/login/email/confirm",
        heading: super::say::text("email-confirm-sign-in"),
        button: super::say::text("email-confirm-sign-in-button"),
        invalid: MagicLinkError::LinkInvalid.say(),
    };
    Ok(link_button_page(&state, jar, live, q.t.expose(), page))
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    t: SecretString,
}

async fn confirm(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    CsrfForm(Form(f)): CsrfForm<Form<ConfirmForm>>,
) -> Result<Response, AppError> {
    let previous = super::signin::previous_session(&state, &jar);
    match magic_link::confirm_link(&state, f.t.expose(), &client, previous.as_ref()).await {
        Ok(c) => Ok(signed_in(&state, jar, c)),
        Err(MagicLinkError::SsoRequired(r)) => Ok(super::sso::required_page(&state, jar, &r, "/account", "")),
        Err(e @ (MagicLinkError::LinkInvalid | MagicLinkError::NotAllowed)) => {
            let site_name = state.settings.server.name.clone();
            let page = ProblemPage { site_name, signed_in: false, next: "/account".into(), error: Some(e.say()) };
            Ok((StatusCode::GONE, jar, page).into_response())
        }
        Err(e) => Err(internal(&e)),
    }
}

/// The emailed link or code is the first factor: on to the second one when the user has or needs
/// it, else a session (replacing any the browser had) and back to the `next` target. Both were
/// written with the link's use.
fn signed_in(state: &AppState, jar: CookieJar, c: Confirmed) -> Response {
    // A person without a password, who has just shown they read this address's mail here, is
    // sent straight to emailed sign-in next time, from this browser only.
    let jar = if c.user.has_password() { jar } else { super::login::remember_email_signin(state, jar, &c.user.email) };
    super::signin::signed_in(state, jar, c.signed_in, &safe_next(Some(&c.next)))
}

#[derive(Template, WebTemplate)]
#[template(path = "login_password_new.html")]
struct NewPasswordPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    next: String,
    email: String,
    sent: bool,
    minutes: i64,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NewPasswordQuery {
    next: Option<String>,
    email: Option<String>,
}

/// Set a password by email (never had one, or forgotten it).
async fn new_password_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<NewPasswordQuery>,
) -> (CookieJar, NewPasswordPage) {
    let (jar, csrf) = csrf::token(&state, jar);
    let page = NewPasswordPage {
        site_name: state.settings.server.name.clone(),
        signed_in: false,
        csrf,
        next: safe_next(q.next.as_deref()),
        email: q.email.unwrap_or_default().chars().take(254).collect(),
        sent: false,
        minutes: (state.settings.magic_link.ttl_secs + 59) / 60,
        error: None,
    };
    (jar, page)
}

#[derive(Deserialize)]
struct NewPasswordForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: SecretString,
    #[serde(default)]
    password2: SecretString,
    next: Option<String>,
}

async fn new_password(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    CsrfForm(Form(f)): CsrfForm<Form<NewPasswordForm>>,
) -> Result<Response, AppError> {
    let (jar, csrf) = csrf::token(&state, jar);
    let mut page = NewPasswordPage {
        site_name: state.settings.server.name.clone(),
        signed_in: false,
        csrf,
        next: safe_next(f.next.as_deref()),
        email: f.email.chars().take(254).collect(),
        sent: false,
        minutes: (state.settings.magic_link.ttl_secs + 59) / 60,
        error: None,
    };
    let status = match password_by_email::request(&state, &f.email, &f.password, &f.password2, &page.next, &client).await {
        Ok(email) => {
            page.email = email.to_string();
            page.sent = true;
            StatusCode::OK
        }
        Err(e @ (PasswordByEmailError::BadEmail(_) | PasswordByEmailError::Weak(_) | PasswordByEmailError::Mismatch)) => {
            page.error = Some(e.say());
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e @ PasswordByEmailError::TooManyRequests { .. }) => {
            page.error = Some(e.say());
            StatusCode::TOO_MANY_REQUESTS
        }
        Err(PasswordByEmailError::Busy) => return Err(AppError::Busy),
        Err(PasswordByEmailError::SsoRequired(r)) => return Ok(super::sso::required_page(&state, jar, &r, &page.next, &page.email)),
        Err(e) => return Err(AppError::from_failure(&e)),
    };
    Ok((status, jar, page).into_response())
}

async fn password_confirm_page(State(state): State<AppState>, jar: CookieJar, Query(q): Query<LinkQuery>) -> Result<Response, AppError> {
    let live = emailed_link::link_is_live(&state.db, Purpose::SetPassword, q.t.expose(), state.now())
        .await
        .map_err(|e| AppError::from_failure(&e))?;
    let page = LinkButton {
        action: "/login/password/new/confirm",
        heading: super::say::text("email-confirm-password"),
        button: super::say::text("email-confirm-password-button"),
        invalid: PasswordByEmailError::LinkInvalid.say(),
    };
    Ok(link_button_page(&state, jar, live, q.t.expose(), page))
}

async fn password_confirm(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    CsrfForm(Form(f)): CsrfForm<Form<ConfirmForm>>,
) -> Result<Response, AppError> {
    let previous = super::signin::previous_session(&state, &jar);
    match password_by_email::confirm(&state, f.t.expose(), &client, previous.as_ref()).await {
        Ok((done, next)) => Ok(super::signin::signed_in(&state, jar, done, &safe_next(Some(&next)))),
        Err(PasswordByEmailError::SsoRequired(r)) => Ok(super::sso::required_page(&state, jar, &r, "/account", "")),
        Err(e @ (PasswordByEmailError::LinkInvalid | PasswordByEmailError::NotAllowed)) => {
            let site_name = state.settings.server.name.clone();
            let page = ProblemPage { site_name, signed_in: false, next: "/account".into(), error: Some(e.say()) };
            Ok((StatusCode::GONE, jar, page).into_response())
        }
        Err(e) => Err(AppError::from_failure(&e)),
    }
}

async fn email_change_page(State(state): State<AppState>, jar: CookieJar, Query(q): Query<LinkQuery>) -> Result<Response, AppError> {
    let live = emailed_link::link_is_live(&state.db, Purpose::EmailChange, q.t.expose(), state.now())
        .await
        .map_err(|e| AppError::from_failure(&e))?;
    let page = LinkButton {
        action: "/account/email/confirm",
        heading: super::say::text("email-confirm-email"),
        button: super::say::text("email-confirm-email-button"),
        invalid: EmailChangeError::LinkInvalid.say(),
    };
    Ok(link_button_page(&state, jar, live, q.t.expose(), page))
}

/// What the page an emailed link opens says, and where its button posts.
struct LinkButton {
    action: &'static str,
    heading: String,
    button: String,
    invalid: String,
}

/// The page an emailed link opens: only a GET, so it shows a button and uses nothing (mail
/// scanners that fetch links must not spend them). A dead link gets 410 and says so.
fn link_button_page(state: &AppState, jar: CookieJar, live: bool, token: &str, b: LinkButton) -> Response {
    let site_name = state.settings.server.name.clone();
    if !live {
        let page = ProblemPage { site_name, signed_in: false, next: "/account".into(), error: Some(b.invalid) };
        return (StatusCode::GONE, page).into_response();
    }
    let (jar, csrf) = csrf::token(state, jar);
    let page = ConfirmPage {
        site_name,
        signed_in: false,
        csrf,
        token: token.to_owned(),
        action: b.action,
        heading: b.heading,
        button: b.button,
        error: None,
    };
    (jar, page).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "email_changed.html")]
struct EmailChangedPage {
    site_name: String,
    signed_in: bool,
    email: String,
}

async fn email_change_confirm(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    CsrfForm(Form(f)): CsrfForm<Form<ConfirmForm>>,
) -> Result<Response, AppError> {
    let site_name = state.settings.server.name.clone();
    match email_change::confirm(&state, f.t.expose(), &client).await {
        Ok(email) => Ok((jar, EmailChangedPage { site_name, signed_in: false, email: email.to_string() }).into_response()),
        Err(e @ (EmailChangeError::LinkInvalid | EmailChangeError::Taken)) => {
            let status = if matches!(e, EmailChangeError::Taken) { StatusCode::CONFLICT } else { StatusCode::GONE };
            let page = ProblemPage { site_name, signed_in: false, next: "/account".into(), error: Some(e.say()) };
            Ok((status, jar, page).into_response())
        }
        Err(e) => Err(AppError::from_failure(&e)),
    }
}

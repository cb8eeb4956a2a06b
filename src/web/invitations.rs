//! Accepting an invitation to join a body: the emailed link opens a page where the person,
//! signed in with the address it was sent to, accepts with a button (a POST, so mail scanners
//! that fetch links do not accept for them).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::extract::Client;
use super::{CurrentUser, csrf};
use crate::admin::AdminError;
use crate::admin::ops::memberships;
use crate::app::AppState;
use crate::error::AppError;
use crate::secret::SecretString;
use crate::web::csrf::CsrfForm;

pub fn router() -> Router<AppState> {
    Router::new().route("/invitations/accept", get(page).post(accept)).route("/invitations/welcome", get(welcome_page).post(welcome_accept))
}

#[derive(Template, WebTemplate)]
#[template(path = "invitation.html")]
struct InvitationPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    token: String,
    /// The body, when the invitation can be accepted by this account.
    body_name: Option<String>,
    /// Accepted: the person is now a member.
    joined: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct LinkQuery {
    #[serde(default)]
    t: SecretString,
}

fn page_of(state: &AppState, csrf: String, token: &str) -> InvitationPage {
    InvitationPage {
        site_name: state.settings.server.name.clone(),
        signed_in: true,
        csrf,
        token: token.to_owned(),
        body_name: None,
        joined: false,
        error: None,
    }
}

/// Signed out, the extractor sends the person to sign in and back here.
async fn page(State(state): State<AppState>, jar: CookieJar, me: CurrentUser, Query(q): Query<LinkQuery>) -> Result<Response, AppError> {
    let (jar, csrf) = csrf::token(&state, jar);
    let mut p = page_of(&state, csrf, q.t.expose());
    let status = match memberships::invitation(&state, &me.user, q.t.expose()).await? {
        None => {
            p.error = Some(super::say::text("invitation-gone"));
            StatusCode::GONE
        }
        Some(i) if !i.for_this_account => {
            p.error = Some(super::say::text("invitation-other-address"));
            StatusCode::FORBIDDEN
        }
        Some(i) => {
            p.body_name = Some(i.body_name);
            StatusCode::OK
        }
    };
    Ok((status, jar, p).into_response())
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    t: SecretString,
}

async fn accept(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    me: CurrentUser,
    CsrfForm(Form(f)): CsrfForm<Form<AcceptForm>>,
) -> Result<Response, AppError> {
    let (jar, csrf) = csrf::token(&state, jar);
    let mut p = page_of(&state, csrf, "");
    let status = match memberships::accept_invitation(&state, &me.user, f.t.expose(), &client).await {
        Ok(body_name) => {
            p.body_name = Some(body_name);
            p.joined = true;
            StatusCode::OK
        }
        Err(e @ (AdminError::Forbidden(_) | AdminError::Conflict(_) | AdminError::Invalid { .. })) => {
            let status = e.status();
            // admin::ops words the refusal in English (for the API and the command line); the
            // page says it in its own language.
            p.error = Some(crate::i18n::refusals::say(&match e {
                AdminError::Invalid { message, .. } => message,
                AdminError::Forbidden(m) | AdminError::Conflict(m) => m,
                other => other.to_string(),
            }));
            status
        }
        Err(other) => return Err(other.into()),
    };
    Ok((status, jar, p).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "invitation_welcome.html")]
struct WelcomePage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    token: String,
    /// The account's address and organisation, while the link works.
    email: Option<String>,
    body_name: Option<String>,
    error: Option<String>,
}

/// A new account's welcome: the page only shows what the link is for; continuing is a POST, so
/// mail scanners that fetch links do not use it up.
async fn welcome_page(State(state): State<AppState>, jar: CookieJar, Query(q): Query<LinkQuery>) -> Result<Response, AppError> {
    let (jar, csrf) = csrf::token(&state, jar);
    let mut p = WelcomePage {
        site_name: state.settings.server.name.clone(),
        signed_in: false,
        csrf,
        token: q.t.expose().to_owned(),
        email: None,
        body_name: None,
        error: None,
    };
    let status = match crate::admin::ops::invitations::welcome(&state, q.t.expose()).await? {
        Some(w) => {
            p.email = Some(w.email);
            p.body_name = w.body_name;
            StatusCode::OK
        }
        None => {
            p.error = Some(super::say::text("welcome-gone"));
            p.token.clear();
            StatusCode::GONE
        }
    };
    Ok((status, jar, p).into_response())
}

/// Signs the person in with the welcome (or on to the second-factor step their organisation asks for).
async fn welcome_accept(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    CsrfForm(Form(f)): CsrfForm<Form<AcceptForm>>,
) -> Result<Response, AppError> {
    let previous = super::signin::previous_session(&state, &jar);
    match crate::admin::ops::invitations::accept_welcome(&state, f.t.expose(), &client, previous.as_ref()).await {
        Ok((done, next)) => Ok(super::signin::signed_in(&state, jar, done, next)),
        Err(e @ (AdminError::Forbidden(_) | AdminError::Invalid { .. })) => {
            let status = if matches!(e, AdminError::Invalid { .. }) { StatusCode::GONE } else { e.status() };
            let (jar, csrf) = csrf::token(&state, jar);
            let error = crate::i18n::refusals::say(&match e {
                AdminError::Invalid { message, .. } | AdminError::Forbidden(message) => message,
                other => other.to_string(),
            });
            let p = WelcomePage {
                site_name: state.settings.server.name.clone(),
                signed_in: false,
                csrf,
                token: String::new(),
                email: None,
                body_name: None,
                error: Some(crate::i18n::refusals::say(&error)),
            };
            Ok((status, jar, p).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

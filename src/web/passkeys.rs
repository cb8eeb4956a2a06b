//! Passkey pages: adding one (from the Security page, or instead of a TOTP key during forced
//! enrolment), renaming and removing. The second factor is on `/login/2fa` (`web::mfa`) and the
//! passwordless sign-in on `/login` (`web::login`); all share [`PasskeyForm`] and the script.

use super::say::Say;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::extract::Client;
use super::mfa::{Who, enc, who};
use super::{MaybeUser, csrf, safe_next, signin};
use crate::app::AppState;
use crate::auth::passkeys::{self, AMR_HWK, PasskeyError, Started};
use crate::auth::session::second_factor_within;
use crate::error::AppError;
use crate::web::csrf::CsrfForm;

pub const JS: &str = include_str!("../../templates/passkeys.js");

/// The pages that load `/static/passkeys.js`: the site's policy, with this site's scripts allowed.
pub const CSP_WITH_SCRIPT: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/passkeys.js", get(js))
        .route("/account/security/passkeys/new", get(add_page).post(add_submit))
        .route("/account/security/passkeys/{id}/rename", post(rename))
        .route("/account/security/passkeys/{id}/remove", post(remove))
}

async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], JS)
}

/// A page with a WebAuthn form, under the policy that lets it load its script.
pub fn with_script(res: impl IntoResponse) -> Response {
    ([(header::CONTENT_SECURITY_POLICY, CSP_WITH_SCRIPT)], res).into_response()
}

/// What `_passkey_form.html` shows.
pub struct PasskeyForm {
    pub action: &'static str,
    /// "create" or "get".
    pub mode: &'static str,
    pub options: String,
    pub ceremony: String,
    /// Offer the passkeys in the browser's autofill as well (the sign-in page).
    pub conditional: bool,
    /// The name field, with its value (registration only).
    pub name: Option<String>,
    pub label: String,
    pub primary: bool,
}

impl PasskeyForm {
    pub fn get(started: Started, action: &'static str, label: &str) -> Self {
        PasskeyForm {
            action,
            mode: "get",
            options: started.options,
            ceremony: started.ceremony.expose().to_owned(),
            conditional: false,
            name: None,
            label: label.to_owned(),
            primary: true,
        }
    }
}

/// The hash a ceremony is bound to: the session's, or the parked sign-in's.
pub(super) fn bound_to(w: &Who) -> &str {
    match w {
        Who::Pending { hash, .. } => hash,
        Who::Session(me) => &me.session.id_hash,
    }
}

pub(super) fn map(e: PasskeyError) -> Result<(StatusCode, String), AppError> {
    match e {
        PasskeyError::Refused | PasskeyError::NoPasskey => Ok((StatusCode::UNAUTHORIZED, e.say())),
        PasskeyError::Expired | PasskeyError::Duplicate | PasskeyError::BadName => Ok((StatusCode::UNPROCESSABLE_ENTITY, e.say())),
        other => Err(AppError::from_failure(&other)),
    }
}

/// Adding or removing a passkey needs a recent sign-in: a second factor within the step-up
/// window, or, for someone with none, a sign-in that recent. Otherwise, where to go first.
async fn recent_enough(state: &AppState, me: &super::CurrentUser, back_to: &str) -> Result<Option<Redirect>, AppError> {
    let (now, window) = (state.now(), state.settings.admin.step_up_secs);
    let enrolled = crate::auth::mfa::enrolled(state, &me.user.id).await?;
    if enrolled {
        if second_factor_within(&me.session, now, window) {
            return Ok(None);
        }
        return Ok(Some(Redirect::to(&format!("/login/2fa?step_up=1&next={}", enc(back_to)))));
    }
    if me.session.auth_time <= now && now - me.session.auth_time < window {
        return Ok(None);
    }
    Ok(Some(Redirect::to(&format!("/login?next={}", enc(back_to)))))
}

#[derive(Template, WebTemplate)]
#[template(path = "passkey_add.html")]
struct AddPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    next: String,
    /// Why a second factor is needed (forced enrolment).
    reason: Option<String>,
    pk: PasskeyForm,
    error: Option<String>,
    /// Only a passkey will do: no other way is offered.
    phr: bool,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn render_add(
    state: &AppState,
    jar: CookieJar,
    w: &Who,
    next: String,
    name: String,
    error: Option<String>,
) -> Result<(CookieJar, AddPage), AppError> {
    let started = passkeys::begin_registration(state, w.user(), bound_to(w)).await.map_err(|e| AppError::from_failure(&e))?;
    let phr = crate::auth::mfa::phr_requirement(state, w.user(), false, false).await?;
    let reason = match (w, phr) {
        (_, Some(r)) => Some(super::say::phr_reason(r)),
        (Who::Pending { .. }, None) => crate::auth::mfa::requirement(state, w.user(), false, false).await?.map(|r| r.say()),
        (Who::Session(_), None) => None,
    };
    let (jar, csrf) = csrf::token(state, jar);
    let pk = PasskeyForm {
        action: "/account/security/passkeys/new",
        mode: "create",
        options: started.options,
        ceremony: started.ceremony.expose().to_owned(),
        conditional: false,
        name: Some(name),
        label: super::say::text("passkey-create"),
        primary: true,
    };
    let signed_in = matches!(w, Who::Session(_));
    let phr = phr.is_some();
    Ok((jar, AddPage { site_name: state.settings.server.name.clone(), signed_in, csrf, next, reason, pk, error, phr }))
}

fn next_of(w: &Who, asked: Option<&str>) -> String {
    match w {
        Who::Pending { data, .. } => safe_next(Some(&data.next)),
        Who::Session(_) => safe_next(asked.or(Some("/account/security"))),
    }
}

async fn add_page(
    State(state): State<AppState>,
    jar: CookieJar,
    user: MaybeUser,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let Some(w) = who(&state, &jar, user).await? else { return Ok(Redirect::to("/login").into_response()) };
    let next = next_of(&w, q.next.as_deref());
    if let Who::Session(me) = &w
        && let Some(go) = recent_enough(&state, me, &format!("/account/security/passkeys/new?next={}", enc(&next))).await?
    {
        return Ok(go.into_response());
    }
    let (jar, page) = render_add(&state, jar, &w, next, String::new(), None).await?;
    Ok(with_script((jar, page)))
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    name: String,
    next: Option<String>,
}

async fn add_submit(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    user: MaybeUser,
    CsrfForm(Form(f)): CsrfForm<Form<AddForm>>,
) -> Result<Response, AppError> {
    let Some(w) = who(&state, &jar, user).await? else { return Ok(Redirect::to("/login").into_response()) };
    let next = next_of(&w, f.next.as_deref());
    let result = if f.credential.is_empty() {
        Err(PasskeyError::Refused)
    } else {
        passkeys::finish_registration(&state, w.user(), bound_to(&w), &f.ceremony, &f.credential, &f.name, &client).await
    };
    match result {
        Ok(_) => match &w {
            // Forced enrolment: the new passkey was just used, so it is this sign-in's second factor.
            Who::Pending { user, data, hash } => {
                let jar = signin::complete_pending(&state, jar, &client, user, data, hash, AMR_HWK).await?;
                Ok((jar, Redirect::to(&next)).into_response())
            }
            Who::Session(_) => Ok(Redirect::to(&next).into_response()),
        },
        Err(e) => {
            let (status, msg) = map(e)?;
            let name = f.name.chars().take(passkeys::MAX_NAME_CHARS).collect();
            let (jar, page) = render_add(&state, jar, &w, next, name, Some(msg)).await?;
            Ok(with_script((status, jar, page)))
        }
    }
}

#[derive(Deserialize)]
struct RenameForm {
    #[serde(default)]
    name: String,
}

async fn rename(
    State(state): State<AppState>,
    Client(client): Client,
    me: super::CurrentUser,
    Path(id): Path<String>,
    CsrfForm(Form(f)): CsrfForm<Form<RenameForm>>,
) -> Result<Response, AppError> {
    match passkeys::rename(&state, &me.user, &id, &f.name, &client).await {
        Ok(true) => Ok(Redirect::to("/account/security").into_response()),
        // Not one of this person's passkeys.
        Ok(false) => Err(AppError::NotFound),
        Err(PasskeyError::BadName) => Err(AppError::BadRequest(PasskeyError::BadName.say())),
        Err(e) => Err(AppError::from_failure(&e)),
    }
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
struct NoFields {}

async fn remove(
    State(state): State<AppState>,
    Client(client): Client,
    me: super::CurrentUser,
    Path(id): Path<String>,
    CsrfForm(Form(NoFields {})): CsrfForm<Form<NoFields>>,
) -> Result<Response, AppError> {
    if let Some(go) = recent_enough(&state, &me, "/account/security").await? {
        return Ok(go.into_response());
    }
    match passkeys::remove(&state, &me.user, &id, &client).await {
        Ok(true) => Ok(Redirect::to("/account/security").into_response()),
        Ok(false) => Err(AppError::NotFound),
        Err(e @ PasskeyError::Mandatory(_)) => Err(AppError::BadRequest(e.say())),
        Err(e) => Err(AppError::from_failure(&e)),
    }
}

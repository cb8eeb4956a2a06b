//! Second-factor pages: verification at sign-in or step-up, enrolment (chosen or forced), and
//! the account's Security page.

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
use super::signin::{self, Pending};
use super::{MaybeUser, csrf, safe_next};
use crate::app::AppState;
use crate::audit::ClientInfo;
use crate::auth::mfa::{self, MfaError};
use crate::auth::passkeys::{self, AMR_HWK};
use crate::auth::session::AMR_OTP;
use crate::error::AppError;
use crate::store::users::UserRow;
use crate::web::csrf::CsrfForm;
use crate::web::passkeys::PasskeyForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/2fa", get(verify_page).post(verify_submit))
        .route("/login/2fa/passkey", post(passkey_submit))
        .route("/login/2fa/enrol", get(enrol_page).post(enrol_submit))
        .route("/login/2fa/enrol/cancel", post(enrol_cancel))
        .route("/account/security", get(security_page))
        .route("/account/security/disable", post(disable))
        .route("/account/security/recovery-codes", get(codes_page).post(regenerate))
}

/// Whose second factor this is: a parked sign-in, or a signed-in session stepping up.
pub(super) enum Who {
    Pending { user: UserRow, data: Pending, hash: String },
    Session(super::CurrentUser),
}

impl Who {
    pub(super) fn user(&self) -> &UserRow {
        match self {
            Who::Pending { user, .. } => user,
            Who::Session(me) => &me.user,
        }
    }
}

pub(super) async fn who(state: &AppState, jar: &CookieJar, user: MaybeUser) -> Result<Option<Who>, AppError> {
    if let Some((user, data, hash)) = signin::pending(state, jar).await? {
        return Ok(Some(Who::Pending { user, data, hash }));
    }
    Ok(user.0.map(Who::Session))
}

fn map(e: MfaError) -> Result<(StatusCode, String), AppError> {
    match e {
        MfaError::WrongCode => Ok((StatusCode::UNAUTHORIZED, e.say())),
        MfaError::Locked { .. } => Ok((StatusCode::TOO_MANY_REQUESTS, e.say())),
        MfaError::Mandatory(_) | MfaError::AlreadyEnrolled | MfaError::NotEnrolled | MfaError::KeyExpired => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, e.say()))
        }
        other => Err(AppError::from_failure(&other)),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
    /// Sent here by step-up before an admin action (see `admin::ops::require_step_up`).
    step_up: Option<String>,
    /// Sent here by an authorization request that needs a passkey (`acr_values=phr`).
    phr: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_verify.html")]
struct VerifyPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    next: String,
    error: Option<String>,
    /// The person has a TOTP key (and recovery codes): its form is offered.
    totp: bool,
    /// The person has a passkey: it is offered first.
    passkey: Option<PasskeyForm>,
    /// Why only a passkey will do, when that is so.
    phr_reason: Option<String>,
}

/// Why this person must use a passkey now (their bodies' policy, or `phr=1` from a relying
/// app's `acr_values=phr`), if they must.
async fn phr_reason(state: &AppState, w: &Who, asked: bool) -> Result<Option<String>, AppError> {
    // `phr=1` stands for both an app's `acr_values=phr` and an app that always requires it.
    let reason = crate::auth::mfa::phr_requirement(state, w.user(), false, asked).await?;
    Ok(reason.map(super::say::phr_reason))
}

/// Where someone who must use a passkey, and has none, adds one first.
fn add_passkey_first(next: &str) -> Response {
    Redirect::to(&format!("/account/security/passkeys/new?next={}", enc(next))).into_response()
}

/// The second-factor page for `w`: a fresh passkey challenge when they have a passkey.
async fn render_verify(
    state: &AppState,
    jar: CookieJar,
    w: &Who,
    next: String,
    error: Option<String>,
    phr_reason: Option<String>,
) -> Result<Response, AppError> {
    // A code is no answer where only a passkey will do.
    let totp = phr_reason.is_none() && mfa::totp_enrolled(state, &w.user().id).await?;
    let started =
        passkeys::begin_second_factor(state, w.user(), super::passkeys::bound_to(w)).await.map_err(|e| AppError::from_failure(&e))?;
    let passkey = started.map(|s| PasskeyForm::get(s, "/login/2fa/passkey", &super::say::text("passkey-use")));
    let (jar, csrf) = csrf::token(state, jar);
    let signed_in = matches!(w, Who::Session(_));
    let status = if error.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    let page = VerifyPage { site_name: state.settings.server.name.clone(), signed_in, csrf, next, error, totp, passkey, phr_reason };
    Ok(super::passkeys::with_script((status, jar, page)))
}

#[derive(Deserialize)]
struct PasskeyAnswer {
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
    next: Option<String>,
}

/// A passkey as the second factor: at sign-in, or stepping up a session.
async fn passkey_submit(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    user: MaybeUser,
    CsrfForm(Form(f)): CsrfForm<Form<PasskeyAnswer>>,
) -> Result<Response, AppError> {
    let Some(w) = who(&state, &jar, user).await? else { return Ok(Redirect::to("/login").into_response()) };
    let next = next_for(&w, f.next.as_deref());
    let bound = super::passkeys::bound_to(&w).to_owned();
    match passkeys::finish_second_factor(&state, w.user(), &bound, &f.ceremony, &f.credential, &client).await {
        Ok(_) => match w {
            Who::Pending { user, data, hash } => {
                let jar = signin::complete_pending(&state, jar, &client, &user, &data, &hash, AMR_HWK).await?;
                Ok((jar, Redirect::to(&next)).into_response())
            }
            Who::Session(me) => {
                signin::step_up(&state, &me.session, AMR_HWK).await?;
                Ok(Redirect::to(&next).into_response())
            }
        },
        Err(e) => {
            let (status, msg) = super::passkeys::map(e)?;
            let phr = phr_reason(&state, &w, false).await?;
            let mut res = render_verify(&state, jar, &w, next, Some(msg), phr).await?;
            *res.status_mut() = status;
            Ok(res)
        }
    }
}

async fn verify_page(
    State(state): State<AppState>,
    jar: CookieJar,
    user: MaybeUser,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let Some(w) = who(&state, &jar, user).await? else { return Ok(Redirect::to("/login").into_response()) };
    let next = next_for(&w, q.next.as_deref());
    let phr = phr_reason(&state, &w, q.phr.is_some()).await?;
    if phr.is_some() && !passkeys::has_any(&state, &w.user().id).await? {
        return Ok(add_passkey_first(&next));
    }
    if !mfa::enrolled(&state, &w.user().id).await? {
        let step_up = if q.step_up.is_some() { "step_up=1&" } else { "" };
        return Ok(Redirect::to(&format!("/login/2fa/enrol?{step_up}next={}", enc(&next))).into_response());
    }
    render_verify(&state, jar, &w, next, None, phr).await
}

pub(super) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn next_for(w: &Who, asked: Option<&str>) -> String {
    match w {
        Who::Pending { data, .. } => safe_next(Some(&data.next)),
        Who::Session(_) => safe_next(asked),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
    next: Option<String>,
}

async fn verify_submit(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    user: MaybeUser,
    CsrfForm(Form(f)): CsrfForm<Form<CodeForm>>,
) -> Result<Response, AppError> {
    let Some(w) = who(&state, &jar, user).await? else { return Ok(Redirect::to("/login").into_response()) };
    let next = next_for(&w, f.next.as_deref());
    // The organisation's phishing-resistant policy: a code does not finish this sign-in.
    if let Some(why) = phr_reason(&state, &w, false).await? {
        let mut res = render_verify(&state, jar, &w, next, Some(why.clone()), Some(why)).await?;
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    // Run to its end even if the browser goes away meanwhile (web::to_the_end): the attempt is
    // counted before the code is checked, so a guesser hanging up each time would otherwise leave
    // counted attempts with no failure, lock or audit row behind them.
    let checked = {
        let (state, user, code, client) = (state.clone(), w.user().clone(), f.code.clone(), client.clone());
        super::to_the_end::to_the_end(state.tasks.clone(), async move { mfa::verify(&state, &user, &code, &client).await }).await?
    };
    match checked {
        Ok(_) => match w {
            Who::Pending { user, data, hash } => {
                let jar = signin::complete_pending(&state, jar, &client, &user, &data, &hash, AMR_OTP).await?;
                Ok((jar, Redirect::to(&next)).into_response())
            }
            Who::Session(me) => {
                signin::step_up(&state, &me.session, AMR_OTP).await?;
                Ok(Redirect::to(&next).into_response())
            }
        },
        Err(e) => {
            let (status, msg) = map(e)?;
            let mut res = render_verify(&state, jar, &w, next, Some(msg), None).await?;
            *res.status_mut() = status;
            Ok(res)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_enrol.html")]
struct EnrolPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    next: String,
    reason: Option<String>,
    /// The key in groups of four, for typing in.
    secret: String,
    qr_svg: String,
    error: Option<String>,
    /// Minutes the key stays on offer.
    key_minutes: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_codes.html")]
struct CodesPage {
    site_name: String,
    signed_in: bool,
    codes: Vec<String>,
    next: String,
    /// The codes as a text file, in a `data:` link (the page runs no script and the codes are
    /// not kept, so there is nothing to fetch later).
    download: String,
}

/// "ABCD EFGH …": a long key is easier to type in groups of four.
fn grouped(key: &str) -> String {
    key.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

const CODES_SLOT: &str = "recovery-codes";

/// Confirms the pending key with `code`; if it is right, finishes the sign-in (the confirming
/// code is its second factor) or steps the session up, and hands the new recovery codes to the
/// codes page (they are shown there once). Returns the jar to answer with.
async fn confirm_and_hand_over(
    state: &AppState,
    jar: CookieJar,
    w: &Who,
    code: &str,
    client: &ClientInfo,
) -> Result<Result<CookieJar, MfaError>, AppError> {
    let codes = match mfa::confirm_enrolment(state, w.user(), code, client).await {
        Ok(codes) => codes,
        Err(e) => return Ok(Err(e)),
    };
    let jar = match w {
        Who::Pending { user, data, hash } => signin::complete_pending(state, jar, client, user, data, hash, AMR_OTP).await?,
        Who::Session(me) => {
            signin::step_up(state, &me.session, AMR_OTP).await?;
            jar
        }
    };
    let Some(session) = jar.get(super::cookies::session_name(state)) else {
        return Err(AppError::Internal("no session after enrolment".into()));
    };
    let session_hash = crate::secret::token_hash(session.value());
    let to = super::flash::For { session_hash: &session_hash, user_id: &w.user().id };
    super::flash::put(state, to, CODES_SLOT, &codes.join("\n")).await?;
    Ok(Ok(jar))
}

/// To the page that shows the recovery codes just handed to it, once.
fn to_codes_page(next: &str) -> Response {
    Redirect::to(&format!("/account/security/recovery-codes?next={}", enc(next))).into_response()
}

async fn codes_page(State(state): State<AppState>, me: super::CurrentUser, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    let Some(text) = super::flash::take(&state, (&me.session).into(), CODES_SLOT).await? else {
        // Already shown (a reload): they are not kept, so send the person on.
        return Ok(Redirect::to("/account/security").into_response());
    };
    let codes: Vec<String> = text.lines().map(str::to_owned).collect();
    let heading = crate::i18n::Tr::plain(crate::i18n::current())
        .msg("codes-file-heading")
        .arg("site", &state.settings.server.name)
        .arg("email", me.user.email.as_str())
        .to_string();
    let file = format!("{heading}\n\n{}\n", text.as_str());
    let download =
        format!("data:text/plain;charset=utf-8,{}", percent_encoding::utf8_percent_encode(&file, percent_encoding::NON_ALPHANUMERIC));
    let page =
        CodesPage { site_name: state.settings.server.name.clone(), signed_in: true, codes, next: safe_next(q.next.as_deref()), download };
    Ok(page.into_response())
}

async fn enrol_page(
    State(state): State<AppState>,
    jar: CookieJar,
    user: MaybeUser,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let Some(w) = who(&state, &jar, user).await? else { return Ok(Redirect::to("/login").into_response()) };
    let next = next_for(&w, q.next.as_deref());
    if phr_reason(&state, &w, false).await?.is_some() {
        return Ok(add_passkey_first(&next));
    }
    let mut reason = mfa::requirement(&state, w.user(), false, false).await?.map(|r| r.say());
    if reason.is_none() && q.step_up.is_some() && matches!(w, Who::Session(_)) {
        reason = Some(super::say::text("reason-step-up"));
    }
    let enrolment = match mfa::enrolment(&state, w.user()).await {
        Ok(e) => e,
        Err(MfaError::AlreadyEnrolled) => return Ok(Redirect::to(&format!("/login/2fa?next={}", enc(&next))).into_response()),
        Err(e) => return Err(AppError::Internal(crate::error::error_chain(&e))),
    };
    let (jar, csrf) = csrf::token(&state, jar);
    let signed_in = matches!(w, Who::Session(_));
    let page = EnrolPage {
        site_name: state.settings.server.name.clone(),
        signed_in,
        csrf,
        next,
        reason,
        secret: grouped(&enrolment.secret_base32),
        qr_svg: enrolment.qr_svg,
        error: None,
        key_minutes: mfa::PENDING_KEY_SECS / 60,
    };
    Ok((jar, page).into_response())
}

async fn enrol_submit(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    user: MaybeUser,
    CsrfForm(Form(f)): CsrfForm<Form<CodeForm>>,
) -> Result<Response, AppError> {
    let Some(w) = who(&state, &jar, user).await? else { return Ok(Redirect::to("/login").into_response()) };
    let next = next_for(&w, f.next.as_deref());
    // As the form's page: someone who must use a passkey enrols no app key (a refused code would
    // otherwise start one, and the next code finish the sign-in with it).
    if phr_reason(&state, &w, false).await?.is_some() {
        return Ok(add_passkey_first(&next));
    }
    // To its end whatever the browser does, as at sign-in (`verify_submit`): the attempt is
    // counted before the code is checked. A right code's sign-in or step-up and its recovery
    // codes (handed to the codes page) are written in the same task, so a signed-in browser that
    // hangs up once the key is confirmed still finds its codes on the codes page.
    let (w, confirmed) = {
        let (state, code, client, jar) = (state.clone(), f.code.clone(), client.clone(), jar.clone());
        super::to_the_end::to_the_end(state.tasks.clone(), async move {
            let confirmed = confirm_and_hand_over(&state, jar, &w, &code, &client).await;
            (w, confirmed)
        })
        .await?
    };
    match confirmed? {
        Ok(jar) => Ok((jar, to_codes_page(&next)).into_response()),
        Err(e) => {
            // Enrolled meanwhile from this session (a second right code sent at the same time):
            // to the codes page, which shows the codes if this browser has not seen them yet.
            if matches!((&e, &w), (MfaError::AlreadyEnrolled, Who::Session(_))) {
                return Ok(to_codes_page(&next));
            }
            let (status, msg) = map(e)?;
            // The pending key again, or a new one when it has expired.
            let enrolment = match mfa::enrolment(&state, w.user()).await {
                Ok(e) => e,
                Err(MfaError::AlreadyEnrolled) => return Ok(Redirect::to(&format!("/login/2fa?next={}", enc(&next))).into_response()),
                Err(e) => return Err(AppError::from_failure(&e)),
            };
            let reason = mfa::requirement(&state, w.user(), false, false).await?.map(|r| r.say());
            let (jar, csrf) = csrf::token(&state, jar);
            let signed_in = matches!(w, Who::Session(_));
            let page = EnrolPage {
                site_name: state.settings.server.name.clone(),
                signed_in,
                csrf,
                next,
                reason,
                secret: grouped(&enrolment.secret_base32),
                qr_svg: enrolment.qr_svg,
                error: Some(msg),
                key_minutes: mfa::PENDING_KEY_SECS / 60,
            };
            Ok((status, jar, page).into_response())
        }
    }
}

#[derive(Deserialize)]
struct CancelForm {
    next: Option<String>,
}

/// Abandons an enrolment: the pending key stops working. Mid sign-in (2FA is then required, or
/// there would be no parked sign-in), the sign-in is abandoned too and the person signed out.
async fn enrol_cancel(
    State(state): State<AppState>,
    jar: CookieJar,
    user: MaybeUser,
    CsrfForm(Form(f)): CsrfForm<Form<CancelForm>>,
) -> Result<Response, AppError> {
    let Some(w) = who(&state, &jar, user).await? else { return Ok(Redirect::to("/login").into_response()) };
    mfa::cancel_enrolment(&state, w.user()).await.map_err(|e| AppError::from_failure(&e))?;
    match w {
        Who::Pending { hash, .. } => {
            signin::abandon_pending(&state, &hash).await?;
            let jar = jar.add(super::cookies::removal(&state, super::cookies::mfa_pending_name(&state)));
            Ok((jar, Redirect::to("/login")).into_response())
        }
        Who::Session(_) => Ok(Redirect::to(&safe_next(f.next.as_deref().or(Some("/account/security")))).into_response()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "security.html")]
struct SecurityPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    /// A TOTP key is on.
    enrolled: bool,
    passkeys: Vec<PasskeyView>,
    required: Option<String>,
    recovery_left: i64,
    error: Option<String>,
}

/// A passkey as the Security page lists it.
struct PasskeyView {
    id: String,
    name: String,
    created: String,
    last_used: String,
}

async fn render_security(
    state: &AppState,
    jar: CookieJar,
    me: &super::CurrentUser,
    error: Option<String>,
) -> Result<(CookieJar, SecurityPage), AppError> {
    let (jar, csrf) = csrf::token(state, jar);
    let enrolled = mfa::totp_enrolled(state, &me.user.id).await?;
    let passkeys = passkeys::of_user(state, &me.user.id)
        .await?
        .into_iter()
        .map(|p| PasskeyView {
            id: p.id,
            name: p.name,
            created: super::admin::when(p.created_at),
            last_used: p.last_used_at.map(super::admin::when).unwrap_or_else(|| "Never".into()),
        })
        .collect();
    let required = mfa::requirement(state, &me.user, false, false).await?.map(|r| r.say());
    let recovery_left = crate::store::totp::unused_recovery_codes(&state.db, &me.user.id).await?;
    Ok((
        jar,
        SecurityPage {
            site_name: state.settings.server.name.clone(),
            signed_in: true,
            csrf,
            enrolled,
            passkeys,
            required,
            recovery_left,
            error,
        },
    ))
}

async fn security_page(
    State(state): State<AppState>,
    jar: CookieJar,
    me: super::CurrentUser,
) -> Result<(CookieJar, SecurityPage), AppError> {
    render_security(&state, jar, &me, None).await
}

async fn disable(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    me: super::CurrentUser,
    CsrfForm(Form(f)): CsrfForm<Form<CodeForm>>,
) -> Result<Response, AppError> {
    // To its end whatever the browser does, as at sign-in (`verify_submit`).
    let checked = {
        let (state, user, code, client) = (state.clone(), me.user.clone(), f.code.clone(), client.clone());
        super::to_the_end::to_the_end(state.tasks.clone(), async move { mfa::disable(&state, &user, &code, &client).await }).await?
    };
    match checked {
        Ok(()) => Ok(Redirect::to("/account/security").into_response()),
        Err(e) => {
            let (status, msg) = map(e)?;
            let (jar, page) = render_security(&state, jar, &me, Some(msg)).await?;
            Ok((status, jar, page).into_response())
        }
    }
}

async fn regenerate(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    me: super::CurrentUser,
    CsrfForm(Form(f)): CsrfForm<Form<CodeForm>>,
) -> Result<Response, AppError> {
    // To its end whatever the browser does, as at sign-in (`verify_submit`). The new codes are
    // handed to the codes page in the same task: once the old ones are replaced, a browser that
    // hangs up still finds the new ones on the codes page.
    let checked = {
        let (state, user, code, client, session) = (state.clone(), me.user.clone(), f.code.clone(), client.clone(), me.session.clone());
        super::to_the_end::to_the_end(state.tasks.clone(), async move {
            let codes = match mfa::regenerate_recovery_codes(&state, &user, &code, &client).await {
                Ok(codes) => codes,
                Err(e) => return Ok(Err(e)),
            };
            super::flash::put(&state, (&session).into(), CODES_SLOT, &codes.join("\n")).await.map(Ok)
        })
        .await??
    };
    match checked {
        Ok(()) => Ok(to_codes_page("/account/security")),
        Err(e) => {
            let (status, msg) = map(e)?;
            let (jar, page) = render_security(&state, jar, &me, Some(msg)).await?;
            Ok((status, jar, page).into_response())
        }
    }
}

//! "Your account": details, memberships, change password, sessions.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::json;

use super::extract::Client;
use super::{CurrentUser, cookies, csrf, flash};
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::auth::login::LoginError;
use crate::error::AppError;
use crate::policy::password;
use crate::secret::SecretString;
use crate::store;
use crate::web::csrf::CsrfForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(page))
        .route("/account/password", post(change_password))
        .route("/account/email", post(change_email))
        .route("/account/sessions/end", post(end_session))
        .route("/account/sessions/end-all", post(end_all))
        .route("/account/consents/withdraw", post(withdraw_consent))
        .route("/account/language", post(set_language))
}

pub struct MembershipView {
    pub body: String,
    pub kind: String,
    pub roles: Vec<String>,
}

pub struct ConsentView {
    pub client_id: String,
    pub client_name: String,
    pub scopes: String,
    pub granted: String,
}

pub struct SessionView {
    pub sid: String,
    pub current: bool,
    pub started: String,
    pub last_seen: String,
    pub ip: String,
    pub user_agent: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    name: String,
    email: String,
    has_password: bool,
    superuser: bool,
    /// Administers something: the page links to the admin UI.
    administers: bool,
    memberships: Vec<MembershipView>,
    sessions: Vec<SessionView>,
    consents: Vec<ConsentView>,
    notice: Option<String>,
    error: Option<String>,
    /// The saved language (`en-GB`, `cy-GB`), empty when none.
    language: String,
}

/// A message of the catalogue in the language of this request, as text for a page to escape.
fn text(key: &str) -> String {
    crate::i18n::Tr::plain(crate::i18n::current()).get(key).0
}

fn when(t: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(t).ok().and_then(|d| d.format(&fmt).ok()).unwrap_or_default()
}

async fn render(
    state: &AppState,
    jar: CookieJar,
    me: &CurrentUser,
    notice: Option<String>,
    error: Option<String>,
) -> Result<(CookieJar, AccountPage), AppError> {
    let (jar, csrf) = csrf::token(state, jar);
    let actor = crate::admin::AdminActor::for_user(state, me.user.clone(), crate::auth::ClientInfo::default()).await?;
    let administers = actor.administered_bodies().is_none_or(|b| !b.is_empty());
    let mut memberships = Vec::new();
    for m in store::memberships::of_user(&state.db, &me.user.id).await? {
        let d = store::memberships::detail(&state.db, &m).await?;
        memberships.push(MembershipView {
            body: m.body_name,
            kind: crate::i18n::Tr::current().get(super::admin::labels::kind_key(&m.body_kind)).0,
            roles: d.roles.into_iter().map(|(_, n)| n).collect(),
        });
    }
    let sessions = store::sessions::live_of_user(&state.db, &me.user.id, state.now())
        .await?
        .into_iter()
        .map(|s| SessionView {
            current: s.sid == me.session.sid,
            started: when(s.created_at),
            last_seen: when(s.last_seen_at),
            ip: s.ip,
            user_agent: s.user_agent,
            sid: s.sid,
        })
        .collect();
    let consents = store::consents::of_user(&state.db, &me.user.id)
        .await?
        .into_iter()
        .map(|(client_id, client_name, scopes, at)| ConsentView { client_id, client_name, scopes, granted: when(at) })
        .collect();
    Ok((
        jar,
        AccountPage {
            site_name: state.settings.server.name.clone(),
            signed_in: true,
            csrf,
            name: me.user.name.clone(),
            email: me.user.email.clone(),
            has_password: me.user.has_password(),
            superuser: me.user.is_superuser(),
            administers,
            memberships,
            sessions,
            consents,
            notice,
            error,
            language: me.user.language.clone().unwrap_or_default(),
        },
    ))
}

async fn page(State(state): State<AppState>, jar: CookieJar, me: CurrentUser) -> Result<(CookieJar, AccountPage), AppError> {
    let notice = flash::take(&state, (&me.session).into(), NOTICE_SLOT).await?.and_then(|n| Notice::parse(&n)).map(Notice::say);
    render(&state, jar, &me, notice, None).await
}

/// Where a successful form leaves its notice for the page it redirects to (POST-redirect-GET:
/// a reload repeats nothing and the notice is shown once). The new address of an email change
/// goes through the encrypted flash, never the URL.
const NOTICE_SLOT: &str = "account-notice";

enum Notice {
    PasswordChanged,
    EmailLinkSent(String),
    LanguageSaved,
}

impl Notice {
    fn encode(&self) -> String {
        match self {
            Notice::PasswordChanged => "password-changed".to_owned(),
            Notice::EmailLinkSent(email) => format!("email-link-sent:{email}"),
            Notice::LanguageSaved => "language-saved".to_owned(),
        }
    }

    fn parse(s: &str) -> Option<Notice> {
        match s {
            "password-changed" => Some(Notice::PasswordChanged),
            "language-saved" => Some(Notice::LanguageSaved),
            other => other.strip_prefix("email-link-sent:").map(|e| Notice::EmailLinkSent(e.to_owned())),
        }
    }

    /// In the language of the page showing it (after a language change, the new one).
    fn say(self) -> String {
        match self {
            Notice::PasswordChanged => text("account-password-changed"),
            Notice::EmailLinkSent(email) => {
                crate::i18n::Tr::plain(crate::i18n::current()).msg("account-email-link-sent").arg("email", &email).to_string()
            }
            Notice::LanguageSaved => text("account-language-saved"),
        }
    }
}

async fn done(state: &AppState, me: &CurrentUser, notice: Notice) -> Result<Response, AppError> {
    flash::put(state, (&me.session).into(), NOTICE_SLOT, &notice.encode()).await?;
    Ok(Redirect::to("/account").into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: SecretString,
    #[serde(default)]
    new_password: SecretString,
    #[serde(default)]
    confirm_password: SecretString,
}

/// Changing the password here needs the current one (the emailed-confirmation route is for
/// people who have none or have forgotten it).
async fn change_password(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    me: CurrentUser,
    CsrfForm(Form(f)): CsrfForm<Form<PasswordForm>>,
) -> Result<Response, AppError> {
    match try_change_password(&state, &client, &me, &f).await? {
        Ok(()) => done(&state, &me, Notice::PasswordChanged).await,
        Err((status, msg)) => {
            let (jar, page) = render(&state, jar, &me, None, Some(msg)).await?;
            Ok((status, jar, page).into_response())
        }
    }
}

/// The inner result is the refusal to show the person, if any.
async fn try_change_password(
    state: &AppState,
    client: &crate::auth::ClientInfo,
    me: &CurrentUser,
    f: &PasswordForm,
) -> Result<Result<(), (StatusCode, String)>, AppError> {
    if f.new_password.expose() != f.confirm_password.expose() {
        return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, text("account-passwords-differ"))));
    }
    let rules = state.password_rules_for(Some(&me.user.id)).await?;
    if let Err(problem) = password::check(f.new_password.expose(), &me.user.email, rules, &state.common_passwords) {
        return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, problem.to_string())));
    }
    // Run to its end even if the browser goes away meanwhile (web::to_the_end): a stolen session
    // cannot guess without trace by hanging up each time.
    let checked = {
        let (state, client, user, password) = (state.clone(), client.clone(), me.user.clone(), f.current_password.clone());
        super::to_the_end::to_the_end(state.tasks.clone(), async move { check_current_password(&state, &client, &user, &password).await })
            .await??
    };
    if let Err(e) = checked {
        let (status, message) = match e {
            LoginError::InvalidCredentials => (StatusCode::UNAUTHORIZED, text("account-wrong-current-password")),
            LoginError::Locked { .. } => (StatusCode::TOO_MANY_REQUESTS, e.to_string()),
            LoginError::Busy => return Err(AppError::Busy),
            other => return Err(AppError::from_failure(&other)),
        };
        return Ok(Err((status, message)));
    }
    let hash = state.hasher.hash(&f.new_password).await.map_err(|_| AppError::Busy)?;
    // Other sessions may belong to whoever knew the old password. They end in the same
    // transaction as the change, so a lost connection never leaves the new password set with
    // the old sessions still alive.
    let now = state.now();
    let ending = crate::logout::Ending::read(state, &me.user.id, crate::logout::Which::Others(&me.session.sid)).await?;
    let mut tx = state.db.begin().await?;
    store::users::set_password_hash(&mut tx, &me.user.id, &hash, now).await?;
    store::fault_point(&state.db, &mut tx, "password_change:set").await?;
    let ended = ending.write_on(state, &mut tx).await?;
    let details = json!({"other_sessions_ended": ended.count()});
    audit::user_event(&mut tx, state, "password.change", Some(&me.user.id), Some(&me.user.id), client, Outcome::Success, Some(details))
        .await?;
    store::fault_point(&state.db, &mut tx, "password_change:written").await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    // Back-channel logouts only once the sessions are really gone.
    drop(ended.notify(state));
    Ok(Ok(()))
}

/// The current password checked, with a refusal audited: `Ok(Err(..))` is the refusal.
async fn check_current_password(
    state: &AppState,
    client: &crate::auth::ClientInfo,
    user: &store::users::UserRow,
    password: &SecretString,
) -> Result<Result<(), LoginError>, AppError> {
    let Err(e) = crate::auth::login::check_current_password(state, user, password).await else { return Ok(Ok(())) };
    let reason = match e {
        LoginError::InvalidCredentials => "wrong_current_password",
        LoginError::Locked { .. } => "locked",
        other => return Ok(Err(other)),
    };
    let details = json!({ "reason": reason });
    audit::user_event(&state.db, state, "password.change", Some(&user.id), Some(&user.id), client, Outcome::Failure, Some(details)).await?;
    Ok(Err(e))
}

#[derive(Deserialize)]
struct EndForm {
    #[serde(default)]
    sid: String,
}

async fn end_session(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    me: CurrentUser,
    CsrfForm(Form(f)): CsrfForm<Form<EndForm>>,
) -> Result<Response, AppError> {
    let ended = crate::logout::end_sessions(&state, &me.user.id, crate::logout::Which::Sid(&f.sid)).await?;
    if ended == 0 {
        return Err(AppError::BadRequest("That session has already ended.".to_owned()));
    }
    audit::user_event(
        &state.db,
        &state,
        "signout.session",
        Some(&me.user.id),
        Some(&me.user.id),
        &client,
        Outcome::Success,
        Some(json!({"sid": f.sid})),
    )
    .await?;
    if f.sid == me.session.sid {
        let jar = jar.add(cookies::removal(&state, cookies::session_name(&state)));
        return Ok((jar, Redirect::to("/login")).into_response());
    }
    Ok(Redirect::to("/account").into_response())
}

async fn end_all(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    me: CurrentUser,
    _: CsrfForm<Form<EndForm>>,
) -> Result<Response, AppError> {
    let ended = crate::logout::end_sessions(&state, &me.user.id, crate::logout::Which::All).await?;
    audit::user_event(
        &state.db,
        &state,
        "signout.everywhere",
        Some(&me.user.id),
        Some(&me.user.id),
        &client,
        Outcome::Success,
        Some(json!({"sessions": ended})),
    )
    .await?;
    let jar = jar.add(cookies::removal(&state, cookies::session_name(&state)));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Deserialize)]
struct WithdrawForm {
    #[serde(default)]
    client_id: String,
}

/// Withdrawing consent also revokes what the app holds, so it has to ask again.
async fn withdraw_consent(
    State(state): State<AppState>,
    Client(client): Client,
    me: CurrentUser,
    CsrfForm(Form(f)): CsrfForm<Form<WithdrawForm>>,
) -> Result<Response, AppError> {
    if !store::consents::withdraw(&state.db, &me.user.id, &f.client_id, state.now()).await? {
        return Err(AppError::BadRequest("You had not given that application access.".to_owned()));
    }
    audit::user_event(
        &state.db,
        &state,
        "consent.withdraw",
        Some(&me.user.id),
        Some(&me.user.id),
        &client,
        Outcome::Success,
        Some(json!({"client_id": f.client_id})),
    )
    .await?;
    Ok(Redirect::to("/account").into_response())
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    new_email: String,
}

/// Sends a confirmation link to the new address (and a notice to the current one).
async fn change_email(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    me: CurrentUser,
    CsrfForm(Form(f)): CsrfForm<Form<EmailForm>>,
) -> Result<Response, AppError> {
    use crate::auth::email_change::{self, EmailChangeError};
    match email_change::request(&state, &me.user, &f.new_email, &client).await {
        Ok(new) => done(&state, &me, Notice::EmailLinkSent(new.to_string())).await,
        Err(e @ (EmailChangeError::BadEmail(_) | EmailChangeError::Same | EmailChangeError::TooManyRequests { .. })) => {
            let status = if matches!(e, EmailChangeError::TooManyRequests { .. }) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let (jar, page) = render(&state, jar, &me, None, Some(e.to_string())).await?;
            Ok((status, jar, page).into_response())
        }
        Err(e) => Err(AppError::from_failure(&e)),
    }
}

#[derive(Deserialize)]
struct LanguageForm {
    #[serde(default)]
    language: String,
}

/// Saves the person's language for pages and emails (issue 18), or clears it ("as my browser
/// asks"), then redirects to the account page, which is in the language just saved.
async fn set_language(
    State(state): State<AppState>,
    Client(client): Client,
    jar: CookieJar,
    me: CurrentUser,
    CsrfForm(Form(f)): CsrfForm<Form<LanguageForm>>,
) -> Result<Response, AppError> {
    let chosen = match f.language.as_str() {
        "" => None,
        tag => match crate::i18n::Lang::ALL.into_iter().find(|l| l.tag() == tag) {
            Some(l) => Some(l),
            None => {
                let (jar, page) = render(&state, jar, &me, None, Some(text("account-language-invalid"))).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, page).into_response());
            }
        },
    };
    let tag = chosen.map(crate::i18n::Lang::tag);
    let mut tx = state.db.begin().await?;
    store::users::set_language(&mut tx, &me.user.id, tag, state.now()).await?;
    let details = json!({ "language": tag });
    audit::user_event(&mut tx, &state, "account.language", Some(&me.user.id), Some(&me.user.id), &client, Outcome::Success, Some(details))
        .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    // The page redirected to is in the language just saved (`web::extract` reads it).
    done(&state, &me, Notice::LanguageSaved).await
}

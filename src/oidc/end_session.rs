//! OpenID Connect RP-Initiated Logout 1.0.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawForm, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde_json::Value;

use super::client_auth::Params;
use super::paths;
use crate::app::AppState;
use crate::audit::{self, Outcome};
use crate::clients::Client;
use crate::error::AppError;
use crate::logout::{self, Which};
use crate::store;
use crate::web::csrf::CsrfForm;
use crate::web::{Client as ClientIp, MaybeUser, cookies, csrf};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::END_SESSION, get(end_session_get).post(end_session_post)).route("/end_session/confirm", post(confirm))
}

struct LogoutRequest {
    /// Where to send the browser afterwards, already checked against the client's registration.
    redirect: Option<String>,
    state: Option<String>,
    hint_sub: Option<String>,
    hint_sid: Option<String>,
    client_name: Option<String>,
    raw: Vec<(String, String)>,
}

async fn parse(state: &AppState, raw: Vec<(String, String)>) -> Result<LogoutRequest, AppError> {
    let p = Params(raw);
    let bad = |m: &str| AppError::BadRequest(m.to_owned());
    let get = |n: &str| p.get(n).map_err(|e| AppError::BadRequest(e.description));
    let mut client_id = get("client_id")?.map(str::to_owned);
    let (mut hint_sub, mut hint_sid) = (None, None);
    if let Some(hint) = get("id_token_hint")? {
        let claims = crate::tokens::jwt::verify(&state.keys, hint, None, state.settings.issuer(), None)
            .await
            .map_err(|_| bad("The sign-out request carries an ID token that was not issued here."))?;
        let aud = claims.get("aud").and_then(Value::as_str).map(str::to_owned);
        if client_id.is_some() && aud != client_id {
            return Err(bad("The sign-out request names two different applications."));
        }
        client_id = aud;
        hint_sub = claims.get("sub").and_then(Value::as_str).map(str::to_owned);
        hint_sid = claims.get("sid").and_then(Value::as_str).map(str::to_owned);
    }
    let client = match &client_id {
        Some(id) => store::clients::by_id(&state.db, id).await?.and_then(|r| Client::from_row(r).ok()),
        None => None,
    };
    let redirect = match get("post_logout_redirect_uri")? {
        None => None,
        Some(uri) => match &client {
            Some(c) if c.has_post_logout_redirect_uri(uri) => Some(uri.to_owned()),
            Some(_) => return Err(bad("The application asked to send you to an address it has not registered.")),
            None => return Err(bad("A post-logout address needs id_token_hint or client_id to say which application asks.")),
        },
    };
    Ok(LogoutRequest {
        redirect,
        state: get("state")?.map(str::to_owned),
        hint_sub,
        hint_sid,
        client_name: client.map(|c| c.name),
        raw: p.0,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "logout_confirm.html")]
struct ConfirmPage {
    site_name: String,
    signed_in: bool,
    csrf: String,
    client_name: String,
    request: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "signed_out.html")]
struct SignedOutPage {
    site_name: String,
    signed_in: bool,
}

fn params(q: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

async fn end_session_get(
    State(state): State<AppState>,
    ip: ClientIp,
    user: MaybeUser,
    jar: CookieJar,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    run(state, ip, user, jar, params(&q.unwrap_or_default()), false).await
}

async fn end_session_post(
    State(state): State<AppState>,
    ip: ClientIp,
    user: MaybeUser,
    jar: CookieJar,
    RawForm(b): RawForm,
) -> Result<Response, AppError> {
    run(state, ip, user, jar, params(&String::from_utf8_lossy(&b)), false).await
}

async fn run(
    state: AppState,
    ip: ClientIp,
    user: MaybeUser,
    jar: CookieJar,
    raw: Vec<(String, String)>,
    confirmed: bool,
) -> Result<Response, AppError> {
    let req = parse(&state, raw).await?;
    if let Some(me) = &user.0 {
        // The hint proves the request comes from an app this session signed into; without it we
        // ask, so a third-party page cannot sign people out.
        let hinted = req.hint_sub.as_deref() == Some(me.user.id.as_str()) && req.hint_sid.as_deref().is_none_or(|s| s == me.session.sid);
        if !hinted && !confirmed {
            let (jar, csrf) = csrf::token(&state, jar);
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &req.raw {
                ser.append_pair(k, v);
            }
            let page = ConfirmPage {
                site_name: state.settings.server.name.clone(),
                signed_in: true,
                csrf,
                client_name: req.client_name.clone().unwrap_or_default(),
                request: ser.finish(),
            };
            return Ok((jar, page).into_response());
        }
        if let Some(c) = jar.get(cookies::session_name(&state)) {
            logout::end_sessions(&state, &me.user.id, Which::Cookie(c.value())).await?;
        }
        audit::user_event(&state.db, &state, "signout.rp_initiated", Some(&me.user.id), Some(&me.user.id), &ip.0, Outcome::Success, None)
            .await?;
    }
    let jar = jar.add(cookies::removal(&state, cookies::session_name(&state)));
    match req.redirect {
        Some(uri) => {
            let mut target = uri;
            if let Some(s) = &req.state {
                let sep = if target.contains('?') { '&' } else { '?' };
                target = format!("{target}{sep}state={}", url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>());
            }
            let loc =
                HeaderValue::from_str(&target).map_err(|_| AppError::BadRequest("The application's address cannot be used.".to_owned()))?;
            Ok((StatusCode::SEE_OTHER, jar, [(header::LOCATION, loc)]).into_response())
        }
        None => Ok((jar, SignedOutPage { site_name: state.settings.server.name.clone(), signed_in: false }).into_response()),
    }
}

#[derive(serde::Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    request: String,
}

async fn confirm(
    State(state): State<AppState>,
    ip: ClientIp,
    user: MaybeUser,
    jar: CookieJar,
    CsrfForm(axum::Form(f)): CsrfForm<axum::Form<ConfirmForm>>,
) -> Result<Response, AppError> {
    run(state, ip, user, jar, params(&f.request), true).await
}

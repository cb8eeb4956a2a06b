//! The demo relying app: a walk-through of a whole OpenID Connect sign-in in the browser. It
//! behaves as a separate web app would: it starts the flow with PKCE (keeping the verifier in its
//! own cookie), talks to Stile's token and userinfo endpoints over HTTP at the issuer's address,
//! checks the ID token, and shows what it received. Only there when `[demo] enabled`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::error::AppError;
use crate::secret::random_id;
use crate::web::csrf::CsrfForm;

const FLOW_COOKIE: &str = "stile_demo";
const FLOW_COOKIE_HTTPS: &str = "__Host-stile_demo";
/// How long a started sign-in may take before the demo forgets it.
const FLOW_TTL_SECS: i64 = 600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/demo", get(start_page))
        .route("/demo/start", get(start))
        .route("/demo/callback", get(callback))
        .route("/demo/userinfo", post(userinfo))
        .route("/demo/refresh", post(refresh))
}

fn flow_cookie_name(state: &AppState) -> &'static str {
    if state.settings.issuer_is_https() { FLOW_COOKIE_HTTPS } else { FLOW_COOKIE }
}

fn enabled(state: &AppState) -> Result<(), AppError> {
    if state.settings.demo.enabled { Ok(()) } else { Err(AppError::NotFound) }
}

#[derive(Template, WebTemplate)]
#[template(path = "demo_start.html")]
struct StartPage {
    site_name: String,
    signed_in: bool,
    client_id: &'static str,
    issuer: String,
}

async fn start_page(State(state): State<AppState>) -> Result<StartPage, AppError> {
    enabled(&state)?;
    Ok(StartPage {
        site_name: state.settings.server.name.clone(),
        signed_in: false,
        client_id: crate::demo::CLIENT_ID,
        issuer: state.settings.issuer().to_owned(),
    })
}

/// Begins a sign-in: fresh `state`, `nonce` and PKCE verifier, kept in the demo's cookie, then
/// off to the authorization endpoint.
async fn start(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    enabled(&state)?;
    let issuer = state.settings.issuer();
    let flow = Flow { state: random_id(&*state.rng, 16), nonce: random_id(&*state.rng, 16), verifier: random_id(&*state.rng, 32) };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(flow.verifier.as_bytes()));
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("response_type", "code")
        .append_pair("client_id", crate::demo::CLIENT_ID)
        .append_pair("redirect_uri", &format!("{issuer}/demo/callback"))
        .append_pair("scope", "openid profile email")
        .append_pair("state", &flow.state)
        .append_pair("nonce", &flow.nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let cookie = crate::web::cookies::build(&state, flow_cookie_name(&state), flow.encode(), Some(FLOW_TTL_SECS));
    Ok((jar.add(cookie), Redirect::to(&format!("{issuer}/authorize?{}", q.finish()))).into_response())
}

/// What the demo app remembers between sending the browser away and its return.
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
}

impl Flow {
    fn encode(&self) -> String {
        format!("{}.{}.{}", self.state, self.nonce, self.verifier)
    }

    fn decode(s: &str) -> Option<Self> {
        let mut parts = s.split('.');
        let flow = Flow { state: parts.next()?.to_owned(), nonce: parts.next()?.to_owned(), verifier: parts.next()?.to_owned() };
        parts.next().is_none().then_some(flow)
    }
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The tokens the demo app holds, carried in the page's own forms (the demo keeps no server-side
/// session, so any instance can serve the next step).
#[derive(Deserialize, Default)]
struct Held {
    #[serde(default)]
    id_token: String,
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    refresh_token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "demo_callback.html")]
struct ResultPage {
    site_name: String,
    signed_in: bool,
    error: String,
    step: &'static str,
    token_summary: String,
    id_claims: String,
    access_claims: String,
    userinfo: String,
    held: Held,
    logout_url: String,
    /// For the next steps' forms.
    csrf: String,
}

impl ResultPage {
    fn new(state: &AppState) -> Self {
        ResultPage {
            site_name: state.settings.server.name.clone(),
            signed_in: false,
            error: String::new(),
            step: "",
            token_summary: String::new(),
            id_claims: String::new(),
            access_claims: String::new(),
            userinfo: String::new(),
            held: Held::default(),
            logout_url: String::new(),
            csrf: String::new(),
        }
    }

    fn failed(state: &AppState, error: String) -> Self {
        ResultPage { error, ..ResultPage::new(state) }
    }
}

async fn callback(State(state): State<AppState>, jar: CookieJar, Query(q): Query<Callback>) -> Result<Response, AppError> {
    enabled(&state)?;
    let name = flow_cookie_name(&state);
    let flow = jar.get(name).and_then(|c| Flow::decode(c.value()));
    let jar = jar.remove(crate::web::cookies::removal(&state, name));
    let page = match (q.error, flow) {
        (Some(e), _) => ResultPage::failed(&state, q.error_description.map_or(e.clone(), |d| format!("{e}: {d}"))),
        (None, None) => ResultPage::failed(
            &state,
            "This browser has no sign-in in progress for the demo app (it may have expired). Start again.".into(),
        ),
        (None, Some(flow)) => {
            let state_ok = q.state.as_deref().is_some_and(|s| bool::from(s.as_bytes().ct_eq(flow.state.as_bytes())));
            match (state_ok, q.code) {
                (false, _) => ResultPage::failed(&state, "The state parameter does not match the sign-in this browser started.".into()),
                (true, None) => ResultPage::failed(&state, "Stile sent no authorization code.".into()),
                (true, Some(code)) => {
                    let issuer = state.settings.issuer();
                    let form = [
                        ("grant_type", "authorization_code"),
                        ("client_id", crate::demo::CLIENT_ID),
                        ("redirect_uri", &format!("{issuer}/demo/callback")),
                        ("code", &code),
                        ("code_verifier", &flow.verifier),
                    ];
                    match token_request(&state, &form).await {
                        Ok(tokens) => show_tokens(&state, tokens, Some(&flow.nonce), "code").await,
                        Err(e) => ResultPage::failed(&state, e),
                    }
                }
            }
        }
    };
    Ok(with_csrf(&state, jar, page))
}

/// The next steps post the tokens back with this browser's CSRF token: another site could
/// otherwise make the browser spend a refresh token it has seen, or show it a page of its own
/// tokens.
async fn refresh(State(state): State<AppState>, jar: CookieJar, CsrfForm(Form(held)): CsrfForm<Form<Held>>) -> Result<Response, AppError> {
    enabled(&state)?;
    let form = [("grant_type", "refresh_token"), ("client_id", crate::demo::CLIENT_ID), ("refresh_token", held.refresh_token.as_str())];
    let page = match token_request(&state, &form).await {
        Ok(tokens) => show_tokens(&state, tokens, None, "refresh").await,
        Err(e) => ResultPage::failed(&state, e),
    };
    Ok(with_csrf(&state, jar, page))
}

/// The page with this browser's CSRF token in its forms.
fn with_csrf(state: &AppState, jar: CookieJar, mut page: ResultPage) -> Response {
    let (jar, csrf) = crate::web::csrf::token(state, jar);
    page.csrf = csrf;
    (jar, page).into_response()
}

async fn userinfo(State(state): State<AppState>, jar: CookieJar, CsrfForm(Form(held)): CsrfForm<Form<Held>>) -> Result<Response, AppError> {
    enabled(&state)?;
    let url = format!("{}/userinfo", state.settings.issuer());
    let answer = match http()?.get(&url).bearer_auth(&held.access_token).send().await {
        Ok(r) => {
            let status = r.status();
            match r.json::<Value>().await {
                Ok(v) if status.is_success() => Ok(pretty(&v)),
                Ok(v) => Err(format!("The userinfo endpoint answered {status}: {}", pretty(&v))),
                Err(_) => Err(format!("The userinfo endpoint answered {status}.")),
            }
        }
        Err(_) => Err(format!("The demo app could not reach {url}.")),
    };
    let mut page = match answer {
        Ok(body) => ResultPage { userinfo: body, step: "userinfo", ..ResultPage::new(&state) },
        Err(e) => ResultPage::failed(&state, e),
    };
    let tokens = serde_json::json!({
        "id_token": held.id_token, "access_token": held.access_token, "refresh_token": held.refresh_token,
    });
    fill_tokens(&state, &mut page, &tokens, None).await;
    Ok(with_csrf(&state, jar, page))
}

fn http() -> Result<reqwest::Client, AppError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| AppError::from_failure(&e))
}

/// POSTs to the token endpoint as the demo (a public client) would.
async fn token_request(state: &AppState, form: &[(&str, &str)]) -> Result<Value, String> {
    let url = format!("{}/token", state.settings.issuer());
    let r = http().map_err(|_| "The demo app could not make an HTTP client.".to_owned())?;
    let r = r.post(&url).form(form).send().await.map_err(|_| format!("The demo app could not reach {url}."))?;
    let status = r.status();
    let body: Value = r.json().await.map_err(|_| format!("The token endpoint answered {status} without JSON."))?;
    if status.is_success() { Ok(body) } else { Err(format!("The token endpoint refused: {}", pretty(&body))) }
}

async fn show_tokens(state: &AppState, tokens: Value, nonce: Option<&str>, step: &'static str) -> ResultPage {
    let mut page = ResultPage { step, ..ResultPage::new(state) };
    let summary = serde_json::json!({
        "token_type": tokens.get("token_type"),
        "expires_in": tokens.get("expires_in"),
        "scope": tokens.get("scope"),
    });
    page.token_summary = pretty(&summary);
    fill_tokens(state, &mut page, &tokens, nonce).await;
    page
}

/// Checks the ID token as a relying app must (signature against Stile's keys, issuer, audience,
/// expiry, and the nonce this browser's sign-in sent) and decodes both tokens for display.
async fn fill_tokens(state: &AppState, page: &mut ResultPage, tokens: &Value, nonce: Option<&str>) {
    let text = |k: &str| tokens.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    page.held = Held { id_token: text("id_token"), access_token: text("access_token"), refresh_token: text("refresh_token") };
    let issuer = state.settings.issuer();
    match crate::tokens::jwt::verify(&state.keys, &page.held.id_token, None, issuer, Some(state.now())).await {
        Ok(claims) => {
            let aud_ok = match claims.get("aud") {
                Some(Value::String(a)) => a == crate::demo::CLIENT_ID,
                Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(crate::demo::CLIENT_ID)),
                _ => false,
            };
            let nonce_ok = nonce.is_none_or(|n| claims.get("nonce").and_then(Value::as_str) == Some(n));
            if !aud_ok || !nonce_ok {
                page.error = "The ID token is not for this sign-in (audience or nonce differ); a real app stops here.".into();
            }
            page.id_claims = pretty(&claims);
        }
        Err(_) if page.held.id_token.is_empty() => {}
        Err(_) => page.error = "The ID token's signature, issuer or expiry did not check out; a real app stops here.".into(),
    }
    page.access_claims = decode_payload(&page.held.access_token).map(|v| pretty(&v)).unwrap_or_default();
    // Demo apps seeded before the walk-through existed only have the sign-in page registered.
    let back = format!("{issuer}/demo");
    let registered = crate::clients::get(&state.db, crate::demo::CLIENT_ID).await.ok().flatten();
    let back = match registered {
        Some(c) if !c.post_logout_redirect_uris.contains(&back) => c.post_logout_redirect_uris.into_iter().next().unwrap_or(back),
        _ => back,
    };
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", crate::demo::CLIENT_ID).append_pair("post_logout_redirect_uri", &back);
    if !page.held.id_token.is_empty() {
        q.append_pair("id_token_hint", &page.held.id_token);
    }
    page.logout_url = format!("{issuer}{}?{}", crate::tokens::discovery::paths::END_SESSION, q.finish());
}

/// The claims of a JWT, without checking it (the access token is for resource servers to check;
/// the demo only shows what it carries).
fn decode_payload(jwt: &str) -> Option<Value> {
    let payload = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

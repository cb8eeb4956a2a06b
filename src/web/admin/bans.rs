//! Bans on an email address or a whole domain (superusers only: a ban reaches every body).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Admin, CsrfForm, HtmlForm, Nav, Problem, Section, when};
use crate::admin::ops::{self, abuse::BanInput};
use crate::app::AppState;
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/bans", get(page).post(ban)).route("/admin/bans/remove", post(unban))
}

pub struct BanView {
    pub pattern: String,
    pub kind: String,
    pub reason: String,
    pub since: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/bans.html")]
struct BansPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    pattern: String,
    reason: String,
    bans: Vec<BanView>,
}

/// The ban form (and the remove button, which sends only the pattern).
#[derive(Deserialize)]
struct BanForm {
    #[serde(default)]
    pattern: String,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn render(
    state: &AppState,
    admin: &Admin,
    done: Option<&str>,
    f: Option<&BanForm>,
    problem: Option<Problem>,
) -> Result<Response, AppError> {
    let bans = ops::abuse::list(state, &admin.actor)
        .await?
        .into_iter()
        .map(|b| BanView { since: when(b.created_at), pattern: b.pattern, kind: b.kind, reason: b.reason })
        .collect();
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let page = BansPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Bans, done),
        csrf: admin.csrf.clone(),
        error_field: problem.as_ref().and_then(|p| p.field),
        error: problem.map(|p| p.message),
        pattern: f.map(|f| f.pattern.clone()).unwrap_or_default(),
        reason: f.map(|f| f.reason.clone()).unwrap_or_default(),
        bans,
    };
    Ok((status, admin.jar.clone(), page).into_response())
}

async fn page(State(state): State<AppState>, admin: Admin, Query(q): Query<DoneQuery>) -> Result<Response, AppError> {
    render(&state, &admin, q.done.as_deref(), None, None).await
}

async fn ban(
    State(state): State<AppState>,
    admin: Admin,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<BanForm>>,
) -> Result<Response, AppError> {
    let input = BanInput { pattern: f.pattern.clone(), reason: f.reason.clone() };
    match ops::abuse::ban(&state, &admin.actor, input).await {
        Ok(_) => Ok(Redirect::to("/admin/bans?done=banned").into_response()),
        Err(e) => render(&state, &admin, None, Some(&f), Some(Problem::from_admin(e)?)).await,
    }
}

async fn unban(
    State(state): State<AppState>,
    admin: Admin,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<BanForm>>,
) -> Result<Response, AppError> {
    match ops::abuse::unban(&state, &admin.actor, &f.pattern).await {
        Ok(()) => Ok(Redirect::to("/admin/bans?done=unbanned").into_response()),
        Err(e) => render(&state, &admin, None, None, Some(Problem::from_admin(e)?)).await,
    }
}

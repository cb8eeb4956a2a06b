//! `/api/v1/users…` and `/api/v1/me`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::extract::api;
use super::{ApiActor, ApiJson, ApiQuery, json, no_content, ok};
use crate::admin::ops::{Paging, users};
use crate::app::AppState;
use crate::error::AppError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    flagged: bool,
    body_id: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    page: Option<i64>,
    per_page: Option<i64>,
}

pub async fn me(ApiActor(actor): ApiActor) -> Response {
    ok(&json!({
        "user": actor.user.as_ref().map(users::UserView::from),
        "client_id": actor.client_id,
        "superuser": actor.is_superuser(),
        "administers": actor.administered_bodies(),
    }))
}

pub async fn search(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Response, AppError> {
    let q = users::UserQuery { q: p.q, flagged: p.flagged, body_id: p.body_id };
    Ok(ok(&users::search(&state, &actor, &q, Paging::new(p.page, p.per_page)).await.map_err(api)?))
}

pub async fn flagged(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Response, AppError> {
    Ok(ok(&users::flagged(&state, &actor, Paging::new(p.page, p.per_page)).await.map_err(api)?))
}

pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<users::NewUser>,
) -> Result<Response, AppError> {
    Ok(json(StatusCode::CREATED, &users::create(&state, &actor, input).await.map_err(api)?))
}

pub async fn show(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&users::show(&state, &actor, &id).await.map_err(api)?))
}

pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<users::UserEdit>,
) -> Result<Response, AppError> {
    Ok(ok(&users::update(&state, &actor, &id, input).await.map_err(api)?))
}

pub async fn remove(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    users::remove(&state, &actor, &id).await.map_err(api)?;
    Ok(no_content())
}

pub async fn flag(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&users::set_flagged(&state, &actor, &id, true).await.map_err(api)?))
}

pub async fn unflag(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&users::set_flagged(&state, &actor, &id, false).await.map_err(api)?))
}

pub async fn disable(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&users::set_disabled(&state, &actor, &id, true).await.map_err(api)?))
}

pub async fn enable(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&users::set_disabled(&state, &actor, &id, false).await.map_err(api)?))
}

pub async fn make_superuser(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    Ok(ok(&users::set_superuser(&state, &actor, &id, true).await.map_err(api)?))
}

pub async fn unmake_superuser(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    Ok(ok(&users::set_superuser(&state, &actor, &id, false).await.map_err(api)?))
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let ended = users::logout_everywhere(&state, &actor, &id).await.map_err(api)?;
    Ok(ok(&json!({ "sessions_ended": ended })))
}

pub async fn reset_mfa(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    let had = users::reset_mfa(&state, &actor, &id).await.map_err(api)?;
    Ok(ok(&json!({ "had_2fa": had })))
}

pub async fn remove_passkeys(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let removed = users::remove_passkeys(&state, &actor, &id).await.map_err(api)?;
    Ok(ok(&json!({ "removed": removed })))
}

pub async fn send_sign_in_email(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    users::send_sign_in_email(&state, &actor, &id).await.map_err(api)?;
    Ok(json(StatusCode::ACCEPTED, &json!({ "sent": true })))
}

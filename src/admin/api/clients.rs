//! `/api/v1/clients…`: relying apps, superusers only. Secrets appear once, in the answer to
//! create, rotate and (when a client becomes confidential) update.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::extract::api;
use super::{ApiActor, ApiJson, json, no_content, ok};
use crate::admin::ops::clients;
use crate::app::AppState;
use crate::error::AppError;

pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<Response, AppError> {
    Ok(ok(&clients::list(&state, &actor).await.map_err(api)?))
}

pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<clients::ClientInput>,
) -> Result<Response, AppError> {
    Ok(json(StatusCode::CREATED, &clients::create(&state, &actor, input).await.map_err(api)?))
}

pub async fn show(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&clients::show(&state, &actor, &id).await.map_err(api)?))
}

pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<clients::ClientInput>,
) -> Result<Response, AppError> {
    Ok(ok(&clients::update(&state, &actor, &id, input).await.map_err(api)?))
}

pub async fn remove(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    clients::remove(&state, &actor, &id).await.map_err(api)?;
    Ok(no_content())
}

pub async fn rotate_secret(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&clients::rotate_secret(&state, &actor, &id).await.map_err(api)?))
}

pub async fn set_admin_access(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<clients::AdminAccess>,
) -> Result<Response, AppError> {
    Ok(ok(&clients::set_admin_access(&state, &actor, &id, input).await.map_err(api)?))
}

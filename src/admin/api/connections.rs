//! `/api/v1/connections…`: SSO connections, superusers only. The upstream client secret goes in
//! (create, rotate) and never comes out.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::extract::api;
use super::{ApiActor, ApiJson, json, no_content, ok};
use crate::admin::ops::connections;
use crate::app::AppState;
use crate::error::AppError;

pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<Response, AppError> {
    Ok(ok(&connections::list(&state, &actor).await.map_err(api)?))
}

pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<connections::ConnectionInput>,
) -> Result<Response, AppError> {
    Ok(json(StatusCode::CREATED, &connections::create(&state, &actor, input).await.map_err(api)?))
}

pub async fn show(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&connections::show(&state, &actor, &id).await.map_err(api)?))
}

pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<connections::ConnectionInput>,
) -> Result<Response, AppError> {
    Ok(ok(&connections::update(&state, &actor, &id, input).await.map_err(api)?))
}

pub async fn remove(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    connections::remove(&state, &actor, &id).await.map_err(api)?;
    Ok(no_content())
}

pub async fn rotate_secret(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<connections::SecretInput>,
) -> Result<Response, AppError> {
    Ok(ok(&connections::rotate_secret(&state, &actor, &id, input).await.map_err(api)?))
}

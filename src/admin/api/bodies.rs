//! `/api/v1/bodies…`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::extract::api;
use super::{ApiActor, ApiJson, json, ok};
use crate::admin::ops::bodies;
use crate::app::AppState;
use crate::error::AppError;

pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<Response, AppError> {
    Ok(ok(&bodies::list(&state, &actor).await.map_err(api)?))
}

pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<bodies::BodyInput>,
) -> Result<Response, AppError> {
    Ok(json(StatusCode::CREATED, &bodies::create(&state, &actor, input).await.map_err(api)?))
}

pub async fn show(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&bodies::show(&state, &actor, &id).await.map_err(api)?))
}

pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<bodies::BodyInput>,
) -> Result<Response, AppError> {
    Ok(ok(&bodies::update(&state, &actor, &id, input).await.map_err(api)?))
}

pub async fn link(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, contractor)): Path<(String, String)>,
) -> Result<Response, AppError> {
    Ok(ok(&bodies::link_contractor(&state, &actor, &id, &contractor).await.map_err(api)?))
}

pub async fn unlink(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, contractor)): Path<(String, String)>,
) -> Result<Response, AppError> {
    Ok(ok(&bodies::unlink_contractor(&state, &actor, &id, &contractor).await.map_err(api)?))
}

//! `/api/v1/bodies/{id}/roles` and `/api/v1/roles/{id}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::extract::api;
use super::{ApiActor, ApiJson, json, no_content, ok};
use crate::admin::ops::roles;
use crate::app::AppState;
use crate::error::AppError;

pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(body_id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&roles::list(&state, &actor, &body_id).await.map_err(api)?))
}

pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(body_id): Path<String>,
    ApiJson(input): ApiJson<roles::RoleInput>,
) -> Result<Response, AppError> {
    Ok(json(StatusCode::CREATED, &roles::create(&state, &actor, &body_id, input).await.map_err(api)?))
}

pub async fn show(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&roles::show(&state, &actor, &id).await.map_err(api)?))
}

pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<roles::RoleInput>,
) -> Result<Response, AppError> {
    Ok(ok(&roles::update(&state, &actor, &id, input).await.map_err(api)?))
}

pub async fn remove(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    roles::delete(&state, &actor, &id).await.map_err(api)?;
    Ok(no_content())
}

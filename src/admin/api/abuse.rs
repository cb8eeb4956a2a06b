//! `/api/v1/bans…`: banned addresses and domains, superusers only.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::extract::api;
use super::{ApiActor, ApiJson, json, no_content, ok};
use crate::admin::ops::abuse;
use crate::app::AppState;
use crate::error::AppError;

pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<Response, AppError> {
    Ok(ok(&abuse::list(&state, &actor).await.map_err(api)?))
}

pub async fn ban(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<abuse::BanInput>,
) -> Result<Response, AppError> {
    Ok(json(StatusCode::CREATED, &abuse::ban(&state, &actor, input).await.map_err(api)?))
}

pub async fn unban(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(pattern): Path<String>) -> Result<Response, AppError> {
    abuse::unban(&state, &actor, &pattern).await.map_err(api)?;
    Ok(no_content())
}

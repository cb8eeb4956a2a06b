//! `/api/v1/bodies/{id}/members` and `/api/v1/memberships/{id}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json as j;

use super::extract::api;
use super::{ApiActor, ApiJson, json, no_content, ok};
use crate::admin::AdminError;
use crate::admin::ops::memberships::{self, MembershipInput};
use crate::app::AppState;
use crate::error::AppError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    /// The user to add, by id or (for an account found outside the caller's bodies) by email.
    user_id: Option<String>,
    email: Option<String>,
    #[serde(flatten)]
    membership: MembershipInput,
}

pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(body_id): Path<String>) -> Result<Response, AppError> {
    let members = memberships::list(&state, &actor, &body_id).await.map_err(api)?;
    let items: Vec<_> = members.into_iter().map(|(user, membership)| j!({ "user": user, "membership": membership })).collect();
    Ok(ok(&items))
}

pub async fn add(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(body_id): Path<String>,
    ApiJson(input): ApiJson<AddMember>,
) -> Result<Response, AppError> {
    let user_id = match (input.user_id, input.email) {
        (Some(id), None) => id,
        (None, Some(email)) => memberships::user_id_by_email(&state, &email).await.map_err(api)?,
        _ => {
            return Err(AdminError::invalid("user_id", "Give either user_id or email.").into_api());
        }
    };
    Ok(json(StatusCode::CREATED, &memberships::add(&state, &actor, &body_id, &user_id, input.membership).await.map_err(api)?))
}

pub async fn show(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&memberships::show(&state, &actor, &id).await.map_err(api)?))
}

pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MembershipInput>,
) -> Result<Response, AppError> {
    Ok(ok(&memberships::update(&state, &actor, &id, input).await.map_err(api)?))
}

pub async fn remove(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    memberships::remove(&state, &actor, &id).await.map_err(api)?;
    Ok(no_content())
}

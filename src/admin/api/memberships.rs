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
    /// The user to add, by id or by email. Outside the body's own email domains (unless a
    /// superuser adds) the address is sent an invitation instead: 202, the same answer whether
    /// or not it has an account.
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
    let outcome = match (input.user_id, input.email) {
        (Some(id), None) => memberships::add(&state, &actor, &body_id, &id, input.membership).await,
        (None, Some(email)) => memberships::add_by_email(&state, &actor, &body_id, &email, input.membership).await,
        _ => {
            return Err(AdminError::invalid("user_id", "Give either user_id or email.").into_api());
        }
    };
    Ok(match outcome.map_err(api)? {
        memberships::AddOutcome::Added(m) => json(StatusCode::CREATED, &m),
        // The same answer whether or not the address has an account.
        memberships::AddOutcome::Invited { email, expires_at } => {
            json(StatusCode::ACCEPTED, &j!({ "invited": true, "email": email, "expires_at": expires_at }))
        }
    })
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

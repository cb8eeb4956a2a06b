//! `/api/v1/users/{id}/activity`, ending one session, revoking an app, and resending or
//! withdrawing an invitation: the user's page (`web/admin/users.rs`) over the same operations.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::extract::api;
use super::{ApiActor, no_content, ok};
use crate::admin::ops::{invitations, user_activity, users};
use crate::app::AppState;
use crate::error::AppError;

#[derive(Serialize)]
struct Activity {
    #[serde(flatten)]
    activity: user_activity::Activity,
    invitations: Vec<invitations::InvitationView>,
}

pub async fn show(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    let user = users::show(&state, &actor, &id).await.map_err(api)?;
    let activity = user_activity::of_user(&state, &actor, &id).await.map_err(api)?;
    let invitations = invitations::of_user(&state, &actor, &user.user.id, &user.user.email).await.map_err(api)?;
    Ok(ok(&Activity { activity, invitations }))
}

pub async fn end_session(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    user_activity::end_session(&state, &actor, &id, &sid).await.map_err(api)?;
    Ok(no_content())
}

pub async fn revoke_app(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, client_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    user_activity::revoke_app(&state, &actor, &id, &client_id).await.map_err(api)?;
    Ok(no_content())
}

pub async fn resend(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&invitations::resend(&state, &actor, &id).await.map_err(api)?))
}

pub async fn withdraw(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(ok(&invitations::withdraw(&state, &actor, &id).await.map_err(api)?))
}

//! `/api/v1/bodies/{id}/members` and `/api/v1/memberships/{id}`.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json as j;

use super::extract::{ApiQuery, api};
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListMembers {
    /// Only the holders of this role of the body.
    role_id: Option<String>,
    /// Where the page starts: the `after` of the previous page's `Link: rel="next"`.
    after: Option<String>,
    limit: Option<i64>,
}

/// Most members one page holds.
const MAX_PAGE: i64 = 1000;

/// A page of the body's members as a JSON array. When there are more, a `Link` header
/// (RFC 8288) with `rel="next"` gives the next page's URL; the last page has none.
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(body_id): Path<String>,
    ApiQuery(q): ApiQuery<ListMembers>,
) -> Result<Response, AppError> {
    let limit = match q.limit {
        None => MAX_PAGE,
        Some(l) if (1..=MAX_PAGE).contains(&l) => l,
        Some(_) => return Err(AdminError::invalid("limit", format!("limit must be from 1 to {MAX_PAGE}.")).into_api()),
    };
    let role = q.role_id.as_deref().filter(|r| !r.is_empty());
    let page = memberships::page(&state, &actor, &body_id, role, q.after.as_deref().unwrap_or(""), limit).await.map_err(api)?;
    let items: Vec<_> = page.members.into_iter().map(|(user, membership)| j!({ "user": user, "membership": membership })).collect();
    let mut res = ok(&items);
    if let Some(next) = page.next {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(r) = role {
            query.append_pair("role_id", r);
        }
        query.append_pair("limit", &limit.to_string()).append_pair("after", &next);
        let path: String = url::form_urlencoded::byte_serialize(body_id.as_bytes()).collect();
        let link = format!("<{}/api/v1/bodies/{path}/members?{}>; rel=\"next\"", state.settings.issuer(), query.finish());
        if let Ok(v) = HeaderValue::from_str(&link) {
            res.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(res)
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

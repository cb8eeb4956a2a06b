//! The SCIM 2.0 service provider at `/scim/v2/…` (RFC 7644): a body's directory (Entra ID, Okta,
//! Google Workspace, JumpCloud) creates, updates and removes its staff and groups. The bearer
//! token says which body; `admin::ops::scim` does the work, `crate::scim` knows the protocol.
//! Errors are SCIM errors (`AppError::Scim`), never HTML. See docs/scim.md.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::Value;

use crate::admin::ops::scim::{self as ops, AuthError, ScimActor};
use crate::app::AppState;
use crate::error::{AppError, scim_json};
use crate::request::Client;
use crate::scim::{self, Paging, ScimError, discovery};

pub const PREFIX: &str = "/scim/v2";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/scim/v2/ServiceProviderConfig", get(service_provider_config))
        .route("/scim/v2/ResourceTypes", get(resource_types))
        .route("/scim/v2/ResourceTypes/{id}", get(resource_type))
        .route("/scim/v2/Schemas", get(schemas))
        .route("/scim/v2/Schemas/{id}", get(schema))
        .route("/scim/v2/Users", get(list_users).post(create_user))
        .route("/scim/v2/Users/{id}", get(get_user).put(replace_user).patch(patch_user).delete(delete_user))
        .route("/scim/v2/Groups", get(list_groups).post(create_group))
        .route("/scim/v2/Groups/{id}", get(get_group).put(replace_group).patch(patch_group).delete(delete_group))
        .route("/scim/v2", any(not_found))
        .route("/scim/v2/{*rest}", any(not_found))
}

/// The directory behind a request's bearer token.
pub struct Scim(pub ScimActor);

impl FromRequestParts<AppState> for Scim {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Ok(Client(from)) = Client::from_request_parts(parts, state).await;
        let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let token = match header.split_once(' ') {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() => t.trim(),
            _ => return Err(ScimError::new(401, None, AuthError::Missing.to_string()).into()),
        };
        match ops::authenticate(state, token, from).await {
            Ok(a) => Ok(Scim(a)),
            Err(e @ (AuthError::Missing | AuthError::Invalid)) => Err(ScimError::new(401, None, e.to_string()).into()),
            Err(e @ AuthError::InsufficientScope) => Err(ScimError::new(403, None, e.to_string()).into()),
            Err(AuthError::Admin(e)) => Err(ScimError::from(e).into()),
        }
    }
}

/// A JSON body (`application/scim+json` or `application/json`).
fn json_body(bytes: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice::<Value>(bytes).map_err(|_| ScimError::bad_request("invalidSyntax", "The body is not valid JSON."))
}

/// The list parameters: `filter`, `startIndex`, `count`, `excludedAttributes`.
struct ListQuery {
    filter: Option<String>,
    paging: Paging,
    attributes: Vec<String>,
    excluded: Vec<String>,
}

impl ListQuery {
    /// Applies `attributes` / `excludedAttributes` to a resource or to a list's resources.
    fn project(&self, v: &mut Value) {
        if self.attributes.is_empty() && self.excluded.is_empty() {
            return;
        }
        match v.get_mut("Resources") {
            Some(Value::Array(items)) => items.iter_mut().for_each(|r| scim::project(r, &self.attributes, &self.excluded)),
            _ => scim::project(v, &self.attributes, &self.excluded),
        }
    }
}

fn list_query(raw: Option<&str>) -> Result<ListQuery, ScimError> {
    let mut filter = None;
    let (mut start, mut count) = (None, None);
    let mut excluded = Vec::new();
    let mut attributes = Vec::new();
    let number = |v: &str, name: &str| {
        v.trim().parse::<i64>().map_err(|_| ScimError::bad_request("invalidValue", format!("{name} must be a whole number.")))
    };
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.to_ascii_lowercase().as_str() {
            "filter" => filter = Some(v.into_owned()),
            "startindex" => start = Some(number(&v, "startIndex")?),
            "count" => count = Some(number(&v, "count")?),
            "excludedattributes" => excluded.extend(v.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty())),
            "attributes" => attributes.extend(v.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty())),
            _ => {}
        }
    }
    Ok(ListQuery { filter, paging: Paging::new(start, count), attributes, excluded })
}

fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok())
}

/// A resource, with its version as the ETag and `Location` on creation.
fn resource(status: StatusCode, v: &Value) -> Response {
    let mut r = scim_json(v).into_response();
    *r.status_mut() = status;
    if let Some(tag) = v.pointer("/meta/version").and_then(Value::as_str).and_then(|t| HeaderValue::from_str(t).ok()) {
        r.headers_mut().insert(header::ETAG, tag);
    }
    if status == StatusCode::CREATED
        && let Some(loc) = v.pointer("/meta/location").and_then(Value::as_str).and_then(|t| HeaderValue::from_str(t).ok())
    {
        r.headers_mut().insert(header::LOCATION, loc);
    }
    r
}

/// Records a failure on the body page, then answers it.
async fn answer(state: &AppState, sa: &ScimActor, result: Result<Response, ScimError>) -> Result<Response, AppError> {
    match result {
        Ok(r) => Ok(r),
        Err(e) => {
            ops::record_error(state, &sa.body_id, &e).await;
            Err(e.into())
        }
    }
}

async fn not_found() -> AppError {
    ScimError::new(404, None, "There is no such SCIM endpoint.").into()
}

async fn service_provider_config(State(state): State<AppState>, _: Scim) -> Response {
    let base = ops::base_url(&state);
    scim_json(&discovery::service_provider_config(&base, &format!("{}/docs/scim", state.settings.issuer())))
}

async fn resource_types(State(state): State<AppState>, _: Scim) -> Response {
    scim_json(&discovery::list_all(discovery::resource_types(&ops::base_url(&state))))
}

async fn resource_type(State(state): State<AppState>, _: Scim, Path(id): Path<String>) -> Result<Response, AppError> {
    discovery::resource_types(&ops::base_url(&state))
        .into_iter()
        .find(|r| r.get("id").and_then(Value::as_str) == Some(id.as_str()))
        .map(|r| scim_json(&r))
        .ok_or_else(|| ScimError::not_found("resource type").into())
}

async fn schemas(State(state): State<AppState>, _: Scim) -> Response {
    scim_json(&discovery::list_all(discovery::schemas(&ops::base_url(&state))))
}

async fn schema(State(state): State<AppState>, _: Scim, Path(id): Path<String>) -> Result<Response, AppError> {
    discovery::schemas(&ops::base_url(&state))
        .into_iter()
        .find(|r| r.get("id").and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case(&id)))
        .map(|r| scim_json(&r))
        .ok_or_else(|| ScimError::not_found("schema").into())
}

async fn list_users(State(state): State<AppState>, Scim(sa): Scim, RawQuery(q): RawQuery) -> Result<Response, AppError> {
    let result = async {
        let q = list_query(q.as_deref())?;
        let mut v = ops::list_users(&state, &sa, q.filter.as_deref(), q.paging).await?;
        q.project(&mut v);
        Ok(scim_json(&v))
    }
    .await;
    answer(&state, &sa, result).await
}

async fn get_user(
    State(state): State<AppState>,
    Scim(sa): Scim,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let result = async {
        let q = list_query(q.as_deref())?;
        let mut v = ops::get_user(&state, &sa, &id).await?;
        q.project(&mut v);
        Ok(resource(StatusCode::OK, &v))
    }
    .await;
    answer(&state, &sa, result).await
}

async fn create_user(State(state): State<AppState>, Scim(sa): Scim, body: Bytes) -> Result<Response, AppError> {
    let result = async { Ok(resource(StatusCode::CREATED, &ops::create_user(&state, &sa, &json_body(&body)?).await?)) }.await;
    answer(&state, &sa, result).await
}

async fn replace_user(
    State(state): State<AppState>,
    Scim(sa): Scim,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let result =
        async { Ok(resource(StatusCode::OK, &ops::replace_user(&state, &sa, &id, &json_body(&body)?, if_match(&headers)).await?)) }.await;
    answer(&state, &sa, result).await
}

async fn patch_user(
    State(state): State<AppState>,
    Scim(sa): Scim,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let result =
        async { Ok(resource(StatusCode::OK, &ops::patch_user(&state, &sa, &id, &json_body(&body)?, if_match(&headers)).await?)) }.await;
    answer(&state, &sa, result).await
}

async fn delete_user(State(state): State<AppState>, Scim(sa): Scim, Path(id): Path<String>) -> Result<Response, AppError> {
    let result = ops::delete_user(&state, &sa, &id).await.map(|()| StatusCode::NO_CONTENT.into_response());
    answer(&state, &sa, result).await
}

async fn list_groups(State(state): State<AppState>, Scim(sa): Scim, RawQuery(q): RawQuery) -> Result<Response, AppError> {
    let result = async {
        let q = list_query(q.as_deref())?;
        let without_members = q.excluded.iter().any(|a| a == "members");
        let mut v = ops::list_groups(&state, &sa, q.filter.as_deref(), q.paging, without_members).await?;
        q.project(&mut v);
        Ok(scim_json(&v))
    }
    .await;
    answer(&state, &sa, result).await
}

async fn get_group(
    State(state): State<AppState>,
    Scim(sa): Scim,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let result = async {
        let q = list_query(q.as_deref())?;
        let mut v = ops::get_group(&state, &sa, &id).await?;
        q.project(&mut v);
        Ok(resource(StatusCode::OK, &v))
    }
    .await;
    answer(&state, &sa, result).await
}

async fn create_group(State(state): State<AppState>, Scim(sa): Scim, body: Bytes) -> Result<Response, AppError> {
    let result = async { Ok(resource(StatusCode::CREATED, &ops::create_group(&state, &sa, &json_body(&body)?).await?)) }.await;
    answer(&state, &sa, result).await
}

async fn replace_group(
    State(state): State<AppState>,
    Scim(sa): Scim,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let result =
        async { Ok(resource(StatusCode::OK, &ops::replace_group(&state, &sa, &id, &json_body(&body)?, if_match(&headers)).await?)) }.await;
    answer(&state, &sa, result).await
}

/// Answers 200 with the group (RFC 7644 §3.5.2 allows 200 with the resource or 204); Entra ID
/// and Okta accept either.
async fn patch_group(
    State(state): State<AppState>,
    Scim(sa): Scim,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let result = async {
        let v = ops::patch_group(&state, &sa, &id, &json_body(&body)?, if_match(&headers)).await?;
        Ok(resource(StatusCode::OK, &v))
    }
    .await;
    answer(&state, &sa, result).await
}

async fn delete_group(State(state): State<AppState>, Scim(sa): Scim, Path(id): Path<String>) -> Result<Response, AppError> {
    let result = ops::delete_group(&state, &sa, &id).await.map(|()| StatusCode::NO_CONTENT.into_response());
    answer(&state, &sa, result).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_parameters() {
        let q = list_query(Some("filter=userName%20eq%20%22a%40b.org%22&startIndex=2&count=5&excludedAttributes=members")).unwrap();
        assert_eq!(q.filter.as_deref(), Some("userName eq \"a@b.org\""));
        assert_eq!(q.paging, Paging::new(Some(2), Some(5)));
        assert_eq!(q.excluded, vec!["members".to_owned()]);
        assert!(list_query(Some("count=lots")).is_err());
        assert_eq!(list_query(None).unwrap().paging, Paging::new(None, None));
    }

    #[test]
    fn created_resources_carry_location_and_etag() {
        let v = serde_json::json!({"meta": {"version": "W/\"1\"", "location": "https://x/scim/v2/Users/1"}});
        let r = resource(StatusCode::CREATED, &v);
        assert_eq!(r.headers()[header::ETAG], "W/\"1\"");
        assert_eq!(r.headers()[header::LOCATION], "https://x/scim/v2/Users/1");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/scim+json");
    }
}

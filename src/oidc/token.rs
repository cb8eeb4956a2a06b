//! The token endpoint: authorization_code, refresh_token, client_credentials.

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::client_auth::{Params, authenticate};
use super::paths;
use crate::app::AppState;
use crate::clients::GrantType;
use crate::error::OAuthError;
use crate::tokens::grants::{self, GrantError};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::TOKEN, post(token))
}

pub fn form_params(headers: &HeaderMap, body: &[u8]) -> Result<Params, OAuthError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request("the body must be application/x-www-form-urlencoded"));
    }
    Ok(Params(url::form_urlencoded::parse(body).into_owned().collect()))
}

fn map(e: GrantError) -> OAuthError {
    match e {
        GrantError::InvalidGrant(d) => OAuthError::invalid_grant(d),
        GrantError::InvalidScope(d) => OAuthError::new(StatusCode::BAD_REQUEST, "invalid_scope", d),
        GrantError::UnauthorizedClient(d) => OAuthError::new(StatusCode::BAD_REQUEST, "unauthorized_client", d),
        other => OAuthError::server_error(&other),
    }
}

#[tracing::instrument(skip_all, fields(client_id))]
async fn token(State(state): State<AppState>, headers: HeaderMap, RawForm(body): RawForm) -> Result<Response, OAuthError> {
    let p = form_params(&headers, &body)?;
    let grant_type = p.require("grant_type")?;
    let client = authenticate(&state, &headers, &p, true).await?;
    tracing::Span::current().record("client_id", client.id.as_str());
    let grant = match grant_type {
        "authorization_code" => GrantType::AuthorizationCode,
        "refresh_token" => GrantType::RefreshToken,
        "client_credentials" => GrantType::ClientCredentials,
        _ => return Err(OAuthError::new(StatusCode::BAD_REQUEST, "unsupported_grant_type", "the grant_type is not supported")),
    };
    if !client.allows_grant(grant) {
        return Err(OAuthError::new(StatusCode::BAD_REQUEST, "unauthorized_client", "this client may not use that grant_type"));
    }
    let res = match grant {
        GrantType::AuthorizationCode => {
            let code = p.require("code")?;
            grants::redeem_code(&state, &client, code, p.get("redirect_uri")?, p.get("code_verifier")?).await
        }
        GrantType::RefreshToken => grants::refresh(&state, &client, p.require("refresh_token")?, p.get("scope")?).await,
        GrantType::ClientCredentials => grants::client_credentials(&state, &client, p.get("scope")?).await,
    }
    .map_err(map)?;
    state.metrics.token_issued(grant.as_str());
    let mut r = axum::Json(res).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(r)
}

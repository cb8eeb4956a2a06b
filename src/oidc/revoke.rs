//! Token revocation (RFC 7009).

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

use super::client_auth::authenticate;
use super::paths;
use super::token::form_params;
use crate::app::AppState;
use crate::error::OAuthError;
use crate::tokens::grants;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::REVOKE, post(revoke))
}

async fn revoke(State(state): State<AppState>, headers: HeaderMap, RawForm(body): RawForm) -> Result<StatusCode, OAuthError> {
    let p = form_params(&headers, &body)?;
    let client = authenticate(&state, &headers, &p, true, paths::REVOKE).await?;
    let token = p.require("token")?;
    let hint = p.get("token_type_hint")?;
    if let Some(h) = hint
        && !matches!(h, "access_token" | "refresh_token")
    {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_token_type",
            "token_type_hint must be access_token or refresh_token",
        ));
    }
    // §2.2: 200 whether or not the token was valid.
    grants::revoke(&state, &client, token, hint).await.map_err(|e| OAuthError::server_error(&e))?;
    Ok(StatusCode::OK)
}

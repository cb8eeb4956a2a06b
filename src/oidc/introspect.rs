//! Token introspection (RFC 7662) for authenticated clients.

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::client_auth::authenticate;
use super::paths;
use super::token::form_params;
use crate::app::AppState;
use crate::error::OAuthError;
use crate::tokens::grants;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::INTROSPECT, post(introspect))
}

async fn introspect(State(state): State<AppState>, headers: HeaderMap, RawForm(body): RawForm) -> Result<Response, OAuthError> {
    let p = form_params(&headers, &body)?;
    // Public clients cannot keep a secret, so they cannot introspect.
    let client = authenticate(&state, &headers, &p, false, paths::INTROSPECT).await?;
    let token = p.require("token")?;
    let hint = p.get("token_type_hint")?;
    let err = |e: grants::GrantError| OAuthError::server_error(&e);
    let mut answer = json!({ "active": false });
    let try_access = || async {
        grants::access_token_claims(&state, token).await.map(|c| {
            c.map(|mut c| {
                if let Some(o) = c.as_object_mut() {
                    o.insert("active".into(), Value::Bool(true));
                    // RFC 9449 §6.2: a bound token says so, and its cnf (kept from the claims)
                    // names the key a resource server must see a proof of.
                    let kind = if o.contains_key("cnf") { "DPoP" } else { "Bearer" };
                    o.insert("token_type".into(), json!(kind));
                }
                c
            })
        })
    };
    let try_refresh = || async {
        grants::refresh_token_info(&state, &client, token).await.map(|r| {
            r.map(|(row, scope)| {
                json!({
                    "active": true,
                    "token_type": "refresh_token",
                    "client_id": row.client_id,
                    "sub": row.user_id,
                    "scope": scope,
                    "exp": row.expires_at,
                    "iat": row.created_at,
                    "iss": state.settings.issuer(),
                })
            })
        })
    };
    let found = if hint == Some("refresh_token") {
        match try_refresh().await.map_err(err)? {
            Some(v) => Some(v),
            None => try_access().await.map_err(err)?,
        }
    } else {
        match try_access().await.map_err(err)? {
            Some(v) => Some(v),
            None => try_refresh().await.map_err(err)?,
        }
    };
    if let Some(v) = found {
        answer = v;
    }
    let mut r = axum::Json(answer).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

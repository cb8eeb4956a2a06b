//! UserInfo (OIDC Core §5.3): GET or POST, bearer token in the header or the POST body, or a
//! DPoP-bound token in the header with its proof (RFC 9449 §7).

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::{dpop_proof, paths};
use crate::app::AppState;
use crate::error::OAuthError;
use crate::tokens::{claims, grants};

pub fn router() -> Router<AppState> {
    Router::new().route(paths::USERINFO, get(userinfo).post(userinfo))
}

/// RFC 6750: the header, or a form body field; never both. RFC 9449: or `DPoP <token>` in the
/// header (then true).
pub fn bearer(headers: &HeaderMap, body: Option<&[u8]>) -> Result<(String, bool), OAuthError> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let from_header = auth
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|s| (s.trim().to_owned(), false))
        .or_else(|| auth.and_then(|v| v.strip_prefix("DPoP ").or_else(|| v.strip_prefix("dpop "))).map(|s| (s.trim().to_owned(), true)));
    let from_body =
        body.and_then(|b| url::form_urlencoded::parse(b).find(|(k, _)| k == "access_token").map(|(_, v)| (v.into_owned(), false)));
    match (from_header, from_body) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request("send the access token in one place only")),
        (Some(t), None) | (None, Some(t)) if !t.0.is_empty() => Ok(t),
        _ => {
            let mut e = OAuthError::invalid_token("an access token is required");
            e.code = "invalid_token";
            Err(e)
        }
    }
}

async fn userinfo(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Result<Response, OAuthError> {
    let body = (method == Method::POST).then_some(body.as_ref());
    let (token, dpop_scheme) = bearer(&headers, body)?;
    let active = grants::active_access_token(&state, &token)
        .await
        .map_err(|e| OAuthError::server_error(&e))?
        .ok_or_else(|| OAuthError::invalid_token("the access token is invalid, expired or revoked"))?;
    let bound = active.claims.get("cnf").and_then(|c| c.get("jkt")).and_then(Value::as_str);
    match (bound, dpop_scheme) {
        (Some(jkt), true) => {
            let proved = dpop_proof::check(&state, &headers, method.as_str(), paths::USERINFO, Some(&token)).await?;
            match proved {
                Some(p) if p == jkt => {}
                Some(_) => return Err(dpop_proof::token_refused("the DPoP proof was made with another key than the token is bound to")),
                None => return Err(dpop_proof::token_refused("a DPoP-bound access token needs a DPoP proof")),
            }
        }
        (Some(_), false) => return Err(dpop_proof::token_refused("the access token is DPoP-bound: send it as DPoP with a proof")),
        (None, true) => return Err(OAuthError::invalid_token("the access token is not DPoP-bound: send it as Bearer")),
        (None, false) => {}
    }
    let scope = active.claims.get("scope").and_then(Value::as_str).unwrap_or("");
    let scopes = grants::scopes_of(scope);
    if !scopes.contains(&"openid") {
        let mut e = OAuthError::new(axum::http::StatusCode::FORBIDDEN, "insufficient_scope", "the access token lacks the openid scope");
        e.www_authenticate = Some("Bearer");
        return Err(e);
    }
    // The user was read with the token's state, in the same query.
    let user = active.user.ok_or_else(|| OAuthError::invalid_token("the user no longer exists"))?;
    let client = active.client;
    let mut out = Map::new();
    out.insert("sub".into(), json!(user.id));
    out.extend(claims::standard(&user, &scopes, &[]));
    out.extend(claims::authorisation(&state.db, &user, &client).await.map_err(|e| OAuthError::server_error(&e))?);
    let mut r = axum::Json(Value::Object(out)).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(r)
}

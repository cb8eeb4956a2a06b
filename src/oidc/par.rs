//! The pushed authorization request endpoint (RFC 9126): the client authenticates as at the
//! token endpoint and posts its authorization request; Stile checks it as the authorization
//! endpoint would, stores it, and answers 201 with a one-time `request_uri`. A DPoP proof sent
//! with it binds the authorization code to the proof's key (RFC 9449 §10.1).

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use super::authorize::check_pushed;
use super::client_auth::authenticate;
use super::dpop_proof;
use super::paths;
use super::token::form_params;
use crate::app::AppState;
use crate::error::OAuthError;
use crate::tokens::pushed;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::PAR, post(par))
}

#[tracing::instrument(skip_all, fields(client_id))]
async fn par(State(state): State<AppState>, headers: HeaderMap, RawForm(body): RawForm) -> Result<Response, OAuthError> {
    let p = form_params(&headers, &body)?;
    let client = authenticate(&state, &headers, &p, true, paths::PAR).await?;
    tracing::Span::current().record("client_id", client.id.as_str());
    if p.get("request_uri")?.is_some() {
        return Err(OAuthError::invalid_request("a pushed request cannot itself name a request_uri"));
    }
    // Every parameter at most once, as at the authorization endpoint.
    for (k, _) in &p.0 {
        p.get(k)?;
    }
    let mut params = pushed::stored_params(&p.0, &client.id);
    // RFC 9449 §10.1: a proof sent here binds the code this request yields to its key, as
    // `dpop_jkt` would; when both are sent they must name the same key.
    if let Some(jkt) = dpop_proof::check(&state, &headers, "POST", paths::PAR, None).await? {
        match p.get("dpop_jkt")? {
            Some(named) if named != jkt => {
                return Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_dpop_proof",
                    "the DPoP proof was made with another key than dpop_jkt names",
                ));
            }
            Some(_) => {}
            None => params.push(("dpop_jkt".into(), jkt)),
        }
    }
    if let Err((code, description)) = check_pushed(&state, params.clone()).await {
        return Err(OAuthError::new(StatusCode::BAD_REQUEST, code, description));
    }
    let (request_uri, expires_in) =
        pushed::push(&state.db, &*state.rng, state.settings.oauth.par_request_uri_ttl_secs, &client.id, &params, state.now())
            .await
            .map_err(|e| OAuthError::server_error(&e))?;
    let mut r = (StatusCode::CREATED, axum::Json(json!({ "request_uri": request_uri, "expires_in": expires_in }))).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

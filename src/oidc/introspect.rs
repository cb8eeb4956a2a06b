//! Token introspection (RFC 7662) for authenticated clients. A bound token (access or refresh)
//! answers `token_type: DPoP` and `cnf.jkt` (RFC 9449 §6.2). A resource server may also forward
//! the DPoP proof it received in a `DPoP` header: Stile then checks it against the token (see
//! `tokens::dpop::ProofFor::Forwarded`) and answers `active: false` unless it is a proof, made
//! with the token's key, for this token.

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::client_auth::authenticate;
use super::dpop_proof;
use super::paths;
use super::token::form_params;
use crate::app::AppState;
use crate::error::OAuthError;
use crate::tokens::dpop::{self, DpopError, Expected, ProofFor};
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
    // A forwarded proof that cannot even be read (two DPoP headers, bytes that are not text)
    // proves nothing: the token is then answered inactive.
    let forwarded = dpop_proof::header(&headers).map_err(|_| ());
    let err = |e: grants::GrantError| OAuthError::server_error(&e);
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
            r.map(|(row, scope, jkt)| {
                let kind = if jkt.is_some() { "DPoP" } else { "refresh_token" };
                let mut v = json!({
                    "active": true,
                    "token_type": kind,
                    "client_id": row.client_id,
                    "sub": row.user_id,
                    "scope": scope,
                    "exp": row.expires_at,
                    "iat": row.created_at,
                    "iss": state.settings.issuer(),
                });
                if let (Some(jkt), Some(o)) = (jkt, v.as_object_mut()) {
                    o.insert("cnf".into(), json!({ "jkt": jkt }));
                }
                v
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
    let answer = match (found, forwarded) {
        (None, _) => None,
        (Some(v), Ok(None)) => Some(v),
        (Some(_), Err(())) => {
            tracing::info!(client_id = %client.id, "introspection: the forwarded DPoP header is not readable; answered inactive");
            None
        }
        (Some(v), Ok(Some(proof))) => proved(&state, &client.id, &v, token, &proof).await?.then_some(v),
    };
    let mut r = axum::Json(answer.unwrap_or_else(|| json!({ "active": false }))).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// Whether a forwarded proof is a proof for `token` made with the key the token is bound to: a
/// good signature, `ath` the token's hash, a fresh `iat`, an unspent `jti` (spent now), `htm`
/// and `htu` present. An unbound token with a proof is not what the resource server was shown
/// as a DPoP request, so it is refused too.
async fn proved(state: &AppState, client_id: &str, answer: &Value, token: &str, proof: &str) -> Result<bool, OAuthError> {
    let Some(bound) = answer.get("cnf").and_then(|c| c.get("jkt")).and_then(Value::as_str) else {
        tracing::info!(client_id, "introspection: a DPoP proof was forwarded for a token that is not DPoP-bound; answered inactive");
        return Ok(false);
    };
    match dpop::verify(state, proof, &Expected { request: ProofFor::Forwarded, access_token: Some(token) }).await {
        Ok(jkt) if jkt == bound => Ok(true),
        Ok(_) => {
            tracing::info!(client_id, "introspection: the forwarded DPoP proof was made with another key; answered inactive");
            Ok(false)
        }
        Err(DpopError::Store(e)) => Err(OAuthError::server_error(&e)),
        Err(e) => {
            tracing::info!(client_id, reason = %e, "introspection: the forwarded DPoP proof is refused; answered inactive");
            Ok(false)
        }
    }
}

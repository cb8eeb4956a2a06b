//! DPoP at the edge (RFC 9449): the `DPoP` header, the URL a proof must name, and the errors in
//! the shapes the RFC gives them (400 at the token endpoint, 401 with a `DPoP` challenge at a
//! resource), with a `DPoP-Nonce` when Stile wants one.

use axum::http::{HeaderMap, StatusCode};

use crate::app::AppState;
use crate::error::OAuthError;
use crate::tokens::dpop::{self, DpopError, Expected, ProofFor};

/// The single `DPoP` header, if sent.
pub fn header(headers: &HeaderMap) -> Result<Option<String>, OAuthError> {
    let mut all = headers.get_all("dpop").iter();
    let Some(first) = all.next() else { return Ok(None) };
    if all.next().is_some() {
        return Err(OAuthError::new(StatusCode::BAD_REQUEST, "invalid_dpop_proof", "send one DPoP header"));
    }
    let v = first.to_str().map_err(|_| OAuthError::new(StatusCode::BAD_REQUEST, "invalid_dpop_proof", "the DPoP header is not a JWT"))?;
    Ok(Some(v.trim().to_owned()))
}

/// The error for a refused proof: at the token endpoint (`resource` false) or at a resource.
pub fn refused(e: DpopError, resource: bool) -> OAuthError {
    let (code, description, nonce) = match e {
        DpopError::Invalid(d) => ("invalid_dpop_proof", d, None),
        DpopError::UseNonce(n) => ("use_dpop_nonce", "send a DPoP proof with the nonce in the DPoP-Nonce header".to_owned(), Some(n)),
        DpopError::Store(s) => return OAuthError::server_error(&s),
    };
    let mut err = if resource {
        let mut e = OAuthError::new(StatusCode::UNAUTHORIZED, code, description);
        e.www_authenticate = Some("DPoP");
        e
    } else {
        OAuthError::new(StatusCode::BAD_REQUEST, code, description)
    };
    err.dpop_nonce = nonce;
    err
}

/// Verifies the request's proof, if it sent one, for `method` at `path` (with `access_token` at a
/// resource); the key's thumbprint.
pub async fn check(
    state: &AppState,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    access_token: Option<&str>,
) -> Result<Option<String>, OAuthError> {
    let resource = access_token.is_some();
    let Some(proof) = header(headers)? else { return Ok(None) };
    let url = format!("{}{path}", state.settings.issuer());
    dpop::verify(state, &proof, &Expected { request: ProofFor::Here { method, url: &url }, access_token })
        .await
        .map(Some)
        .map_err(|e| refused(e, resource))
}

/// A DPoP-bound token's refusal at a resource: 401 with a `DPoP` challenge.
pub fn token_refused(description: &str) -> OAuthError {
    let mut e = OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_token", description);
    e.www_authenticate = Some("DPoP");
    e
}

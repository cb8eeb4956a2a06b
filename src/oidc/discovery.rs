//! OpenID Connect Discovery 1.0 and the JWKS.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use super::paths;
use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/.well-known/openid-configuration", get(configuration)).route(paths::JWKS, get(jwks))
}

/// Everything the endpoints support, and nothing they do not.
pub fn metadata(state: &AppState) -> serde_json::Value {
    let iss = state.settings.issuer();
    let at = |p: &str| format!("{iss}{p}");
    json!({
        "issuer": iss,
        "authorization_endpoint": at(paths::AUTHORIZE),
        "token_endpoint": at(paths::TOKEN),
        "userinfo_endpoint": at(paths::USERINFO),
        "jwks_uri": at(paths::JWKS),
        "end_session_endpoint": at(paths::END_SESSION),
        "introspection_endpoint": at(paths::INTROSPECT),
        "revocation_endpoint": at(paths::REVOKE),
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "userinfo_signing_alg_values_supported": [],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "acr_values_supported": ["1fa", "mfa"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid",
            "email", "email_verified", "name", "given_name", "family_name", "bodies", "roles"
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": false,
        "authorization_response_iss_parameter_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": false,
        "ui_locales_supported": ["en-GB"],
    })
}

async fn configuration(State(state): State<AppState>) -> impl IntoResponse {
    (
        [
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::CONTENT_TYPE, "application/json"),
        ],
        state.discovery_json.clone(),
    )
}

async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    (
        [
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::CONTENT_TYPE, "application/jwk-set+json"),
        ],
        axum::body::Bytes::from(state.keys.jwks_json().await.as_bytes().to_vec()),
    )
}

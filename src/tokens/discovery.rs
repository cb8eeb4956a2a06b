//! What the OpenID Provider publishes about itself: its endpoint paths and the discovery
//! document. A function of the settings alone, so it is built once, without a request or a
//! router; `crate::oidc` serves it and mounts its endpoints on these paths.

use serde_json::json;

use crate::config::Settings;
use crate::jose::JwsAlg;

/// Endpoint paths, used by discovery and the handlers.
pub mod paths {
    pub const AUTHORIZE: &str = "/authorize";
    pub const TOKEN: &str = "/token";
    pub const USERINFO: &str = "/userinfo";
    pub const JWKS: &str = "/jwks.json";
    pub const INTROSPECT: &str = "/introspect";
    pub const REVOKE: &str = "/revoke";
    pub const END_SESSION: &str = "/end_session";
    pub const PAR: &str = "/par";
}

/// Everything the endpoints support, and nothing they do not.
pub fn metadata(settings: &Settings) -> serde_json::Value {
    let iss = settings.issuer();
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
        "pushed_authorization_request_endpoint": at(paths::PAR),
        "require_pushed_authorization_requests": settings.oauth.require_pushed_authorization_requests,
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "userinfo_signing_alg_values_supported": [],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": JwsAlg::names(),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "introspection_endpoint_auth_signing_alg_values_supported": JwsAlg::names(),
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "revocation_endpoint_auth_signing_alg_values_supported": JwsAlg::names(),
        "code_challenge_methods_supported": ["S256"],
        "dpop_signing_alg_values_supported": JwsAlg::names(),
        "prompt_values_supported": ["none", "login", "consent"],
        "acr_values_supported": crate::policy::mfa::ACR_VALUES,
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid",
            "email", "email_verified", "name", "given_name", "family_name", "locale", "bodies", "roles"
        ],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": false,
        "authorization_response_iss_parameter_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": false,
        "ui_locales_supported": crate::i18n::Lang::ALL.map(crate::i18n::Lang::tag),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document is a function of the settings alone: every endpoint hangs off the configured
    /// issuer (a trailing slash is not doubled) at the path its route is mounted on.
    #[test]
    fn endpoints_follow_the_issuer() {
        let mut settings = Settings::load_without_env(None).unwrap();
        settings.server.issuer = "https://id.example.gov.uk/".into();
        let d = metadata(&settings);
        assert_eq!(d["issuer"], "https://id.example.gov.uk");
        for (field, path) in [
            ("authorization_endpoint", paths::AUTHORIZE),
            ("token_endpoint", paths::TOKEN),
            ("userinfo_endpoint", paths::USERINFO),
            ("jwks_uri", paths::JWKS),
            ("end_session_endpoint", paths::END_SESSION),
            ("introspection_endpoint", paths::INTROSPECT),
            ("revocation_endpoint", paths::REVOKE),
            ("pushed_authorization_request_endpoint", paths::PAR),
        ] {
            assert_eq!(d[field], format!("https://id.example.gov.uk{path}"), "{field}");
        }
        settings.server.issuer = "http://127.0.0.1:8080".into();
        assert_eq!(metadata(&settings)["token_endpoint"], "http://127.0.0.1:8080/token");
    }
}

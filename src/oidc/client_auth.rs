//! Form parameters (each at most once, RFC 6749 §3.2) and client authentication (§2.3):
//! client_secret_basic, client_secret_post, private_key_jwt (RFC 7523), or none for public clients.

use std::sync::Arc;

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::app::AppState;
use crate::clients::{self, AuthMethod, Client};
use crate::error::OAuthError;
use crate::tokens::client_assertion;
use crate::tokens::discovery::paths;

pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// A parameter's value; sending one twice is an error. Empty values count as absent.
    pub fn get(&self, name: &str) -> Result<Option<&str>, OAuthError> {
        let mut found = self.0.iter().filter(|(k, _)| k == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(OAuthError::invalid_request(format!("the {name} parameter is included more than once")));
        }
        Ok(first.map(|(_, v)| v.as_str()).filter(|v| !v.is_empty()))
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)?.ok_or_else(|| OAuthError::invalid_request(format!("the {name} parameter is missing")))
    }
}

fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else { return Ok(None) };
    let Some(encoded) = value.to_str().ok().and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic "))) else {
        return Ok(None);
    };
    let bad = || OAuthError::invalid_client("the Authorization header is not valid Basic credentials", true);
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    // RFC 6749 §2.3.1: each part is form-urlencoded (application/x-www-form-urlencoded) before
    // being joined: '+' is a space and %XX a byte. It is one value, not a list of pairs, so a raw
    // '&' or '=' is part of it (the secret is not cut short at an '&').
    let decode = |s: &str| -> Result<String, OAuthError> {
        if !s.bytes().any(|b| matches!(b, b'%' | b'+')) {
            return Ok(s.to_owned());
        }
        let spaced = s.replace('+', " ");
        percent_encoding::percent_decode_str(&spaced).decode_utf8().map(|v| v.into_owned()).map_err(|_| bad())
    };
    Ok(Some((decode(id)?, decode(secret)?)))
}

/// The authenticated client. `allow_public` lets public clients in by client_id alone. `endpoint`
/// is the path of the endpoint asked (its URL is a client assertion's acceptable audience, with
/// the issuer and the token endpoint).
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
    allow_public: bool,
    endpoint: &str,
) -> Result<Arc<Client>, OAuthError> {
    let basic = basic_credentials(headers)?;
    let form_id = params.get("client_id")?;
    let form_secret = params.get("client_secret")?;
    let assertion_type = params.get("client_assertion_type")?;
    let assertion = params.get("client_assertion")?;
    if assertion_type.is_some() || assertion.is_some() {
        if basic.is_some() || form_secret.is_some() {
            return Err(OAuthError::invalid_request("use only one client authentication method"));
        }
        return by_assertion(state, form_id, assertion_type, assertion, endpoint).await;
    }
    let used_basic = basic.is_some();
    let (client_id, secret, method) = match (basic, form_secret) {
        (Some(_), Some(_)) => return Err(OAuthError::invalid_request("use only one client authentication method")),
        (Some((id, secret)), None) => {
            if form_id.is_some_and(|f| f != id) {
                return Err(OAuthError::invalid_request("client_id does not match the Authorization header"));
            }
            (id, Some(secret), AuthMethod::ClientSecretBasic)
        }
        (None, Some(secret)) => {
            let id = form_id.ok_or_else(|| OAuthError::invalid_client("client_id is missing", false))?;
            (id.to_owned(), Some(secret.to_owned()), AuthMethod::ClientSecretPost)
        }
        (None, None) => {
            let id = form_id.ok_or_else(|| OAuthError::invalid_client("client authentication is required", false))?;
            (id.to_owned(), None, AuthMethod::None)
        }
    };
    let fail = || OAuthError::invalid_client("client authentication failed", used_basic);
    let client = clients::cached(&state.security, &state.db, &client_id).await.map_err(|e| OAuthError::server_error(&e))?;
    let Some(client) = client else { return Err(fail()) };
    // A private_key_jwt client that sent no assertion is refused here: its method is not `method`.
    if client.auth_method != method {
        return Err(fail());
    }
    match secret {
        Some(s) => {
            if !client.verify_secret(&s) {
                return Err(fail());
            }
        }
        None => {
            if !allow_public || !client.is_public() {
                return Err(fail());
            }
        }
    }
    Ok(client)
}

/// private_key_jwt: the client named by the assertion (and by client_id, if sent: they must agree).
async fn by_assertion(
    state: &AppState,
    form_id: Option<&str>,
    assertion_type: Option<&str>,
    assertion: Option<&str>,
    endpoint: &str,
) -> Result<Arc<Client>, OAuthError> {
    if assertion_type != Some(client_assertion::ASSERTION_TYPE) {
        return Err(OAuthError::invalid_client(format!("client_assertion_type must be {}", client_assertion::ASSERTION_TYPE), false));
    }
    let assertion = assertion.ok_or_else(|| OAuthError::invalid_client("the client_assertion parameter is missing", false))?;
    let fail = || OAuthError::invalid_client("client authentication failed", false);
    let client_id = match client_assertion::claimed_client(assertion) {
        Ok(id) => id,
        Err(e) => return Err(OAuthError::invalid_client(e.to_string(), false)),
    };
    if form_id.is_some_and(|f| f != client_id) {
        return Err(OAuthError::invalid_client("client_id does not match the client assertion", false));
    }
    let client = clients::cached(&state.security, &state.db, &client_id).await.map_err(|e| OAuthError::server_error(&e))?;
    let Some(client) = client else { return Err(fail()) };
    if client.auth_method != AuthMethod::PrivateKeyJwt {
        return Err(fail());
    }
    let iss = state.settings.issuer();
    let audiences = vec![iss.to_owned(), format!("{iss}{}", paths::TOKEN), format!("{iss}{endpoint}")];
    match client_assertion::verify(state, &client, assertion, &audiences).await {
        Ok(()) => Ok(client),
        Err(client_assertion::AssertionError::Invalid(why)) => {
            tracing::info!(client_id = %client.id, reason = %why, "client assertion refused");
            Err(OAuthError::invalid_client(why, false))
        }
        Err(e) => Err(OAuthError::server_error(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(raw: &str) -> Option<(String, String)> {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::AUTHORIZATION, format!("Basic {}", STANDARD.encode(raw)).parse().unwrap());
        basic_credentials(&h).unwrap()
    }

    #[test]
    fn basic_parts_are_form_decoded() {
        assert_eq!(basic("app:s3cret"), Some(("app".into(), "s3cret".into())));
        assert_eq!(basic("my+app:a%3Ab%25"), Some(("my app".into(), "a:b%".into())));
        assert_eq!(basic("app:x:y"), Some(("app".into(), "x:y".into())));
        // One value each, not pairs: an '&' or '=' is part of the secret, not its end.
        assert_eq!(basic("app:s3cret&junk"), Some(("app".into(), "s3cret&junk".into())));
        assert_eq!(basic("app&evil:a=b"), Some(("app&evil".into(), "a=b".into())));
        assert!(basic_credentials(&HeaderMap::new()).unwrap().is_none());
    }
}

//! `private_key_jwt` client authentication (RFC 7523 §3, OIDC Core §9): a JWT the client signs
//! with its own private key, checked against the public keys it registered (inline, or fetched
//! from its `jwks_uri` and cached). Each assertion is accepted once: its `jti` is kept in the
//! database until the assertion expires, so no instance accepts it again.

use serde_json::Value;

use crate::app::AppState;
use crate::clients::{AuthMethod, Client};
use crate::clock::Timestamp;
use crate::jose::{JwkSet, Jws, MAX_LEN};
use crate::secret;
use crate::store::{self, StoreError};

/// `client_assertion_type` for a JWT (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Clock difference tolerated on `nbf` and `iat`.
const SKEW_SECS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum AssertionError {
    /// The assertion is refused; the text says why, for the client's developer.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(msg: impl Into<String>) -> AssertionError {
    AssertionError::Invalid(msg.into())
}

/// The client id an assertion names (`sub`, which must equal `iss`), read before anything is
/// verified, to find the client whose keys verify it.
pub fn claimed_client(assertion: &str) -> Result<String, AssertionError> {
    let jws = Jws::parse(assertion).map_err(|e| invalid(format!("the client assertion is not a usable JWT: {e}")))?;
    match (jws.claim_str("iss"), jws.claim_str("sub")) {
        (Some(iss), Some(sub)) if iss == sub => Ok(sub.to_owned()),
        _ => Err(invalid("the client assertion's iss and sub must both be the client id")),
    }
}

/// Checks the claims that need no key: who, for whom, and when.
fn check_claims(jws: &Jws, client_id: &str, audiences: &[String], now: Timestamp, max_lifetime: i64) -> Result<(), AssertionError> {
    if jws.claim_str("iss") != Some(client_id) || jws.claim_str("sub") != Some(client_id) {
        return Err(invalid("the client assertion's iss and sub must both be the client id"));
    }
    let aud_ok = match jws.claims.get("aud") {
        Some(Value::String(a)) => audiences.contains(a),
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str().is_some_and(|a| audiences.iter().any(|x| x == a))),
        _ => false,
    };
    if !aud_ok {
        return Err(invalid("the client assertion's aud must be the issuer or this endpoint's URL"));
    }
    let exp = jws.claim_i64("exp").ok_or_else(|| invalid("the client assertion has no exp"))?;
    if exp <= now {
        return Err(invalid("the client assertion has expired"));
    }
    if exp > now + max_lifetime {
        return Err(invalid(format!("the client assertion's exp is more than {max_lifetime} seconds away")));
    }
    if let Some(v) = jws.claims.get("nbf") {
        let nbf = v.as_i64().ok_or_else(|| invalid("the client assertion's nbf is not a number"))?;
        if nbf > now + SKEW_SECS {
            return Err(invalid("the client assertion is not valid yet (nbf)"));
        }
    }
    if let Some(v) = jws.claims.get("iat") {
        let iat = v.as_i64().ok_or_else(|| invalid("the client assertion's iat is not a number"))?;
        if iat > now + SKEW_SECS {
            return Err(invalid("the client assertion was issued in the future (iat)"));
        }
    }
    match jws.claim_str("jti") {
        Some(j) if !j.is_empty() && j.len() <= 256 => Ok(()),
        _ => Err(invalid("the client assertion needs a jti (a unique id of at most 256 characters)")),
    }
}

/// Verifies `assertion` as `client`'s authentication at an endpoint whose acceptable audiences
/// are `audiences` (the issuer and the endpoint's URL), and spends its jti.
pub async fn verify(state: &AppState, client: &Client, assertion: &str, audiences: &[String]) -> Result<(), AssertionError> {
    if client.auth_method != AuthMethod::PrivateKeyJwt {
        return Err(invalid("this client does not authenticate with private_key_jwt"));
    }
    let jws = Jws::parse(assertion).map_err(|e| invalid(format!("the client assertion is not a usable JWT: {e}")))?;
    let now = state.now();
    check_claims(&jws, &client.id, audiences, now, state.settings.oauth.client_assertion_max_lifetime_secs)?;
    let kid = jws.header_str("kid");
    let verified = match (&client.jwks, &client.jwks_uri) {
        (Some(text), _) => {
            let set = JwkSet::parse(text, true).map_err(|e| invalid(format!("the client's registered keys are not usable: {e}")))?;
            set.candidates(kid, jws.alg).into_iter().any(|k| jws.verified_by(k))
        }
        (None, Some(uri)) => verify_with_uri(state, client, uri, &jws, kid, now).await?,
        (None, None) => return Err(invalid("the client has no registered keys")),
    };
    if !verified {
        return Err(invalid("the client assertion's signature does not verify with any of the client's keys"));
    }
    // Spent only once verified, so nobody but the client can use up its jtis.
    let jti = jws.claim_str("jti").unwrap_or_default();
    let exp = jws.claim_i64("exp").unwrap_or(now);
    let jti_hash = secret::token_hash(jti);
    if !store::replay::first_use(&state.db, store::replay::KIND_CLIENT_ASSERTION, &client.id, &jti_hash, exp, now).await? {
        return Err(invalid("the client assertion has been used before (its jti is spent)"));
    }
    Ok(())
}

/// Verifies with the cached set from `uri`; fetches it when missing or stale, and again for a
/// key the cached set does not hold, but not more than once per `oauth.jwks_refetch_floor_secs`.
async fn verify_with_uri(
    state: &AppState,
    client: &Client,
    uri: &str,
    jws: &Jws,
    kid: Option<&str>,
    now: Timestamp,
) -> Result<bool, AssertionError> {
    let settings = &state.settings.oauth;
    let cache = &state.client_jwks;
    let try_set = |set: &Option<JwkSet>| set.as_ref().map(|s| s.candidates(kid, jws.alg).into_iter().any(|k| jws.verified_by(k)));
    if let Some(c) = cache.get(&client.id, uri) {
        let fresh = now - c.fetched_at < settings.jwks_cache_secs;
        if fresh && try_set(&c.set) == Some(true) {
            return Ok(true);
        }
        if fresh && now - c.fetched_at < settings.jwks_refetch_floor_secs {
            return Ok(false);
        }
    }
    let _one_at_a_time = cache.fetching.lock().await;
    // Another request may have fetched it while this one waited.
    if let Some(c) = cache.get(&client.id, uri)
        && now - c.fetched_at < settings.jwks_refetch_floor_secs
    {
        return Ok(try_set(&c.set) == Some(true));
    }
    let set = match fetch(state, uri).await {
        Ok(set) => Some(set),
        Err(why) => {
            tracing::warn!(client_id = %client.id, error = %why, "cannot fetch a client's JWKS");
            None
        }
    };
    let ok = try_set(&set) == Some(true);
    cache.put(&client.id, uri, now, set);
    Ok(ok)
}

/// Fetches a JWK set with the client-URL outbound client (internal addresses refused, short
/// timeouts, no redirects), reading at most [`MAX_LEN`] bytes.
async fn fetch(state: &AppState, uri: &str) -> Result<JwkSet, String> {
    let req = state.client_http.get(uri).map_err(|e| e.to_string())?;
    let mut res = req.header("accept", "application/json").send().await.map_err(|e| crate::report::error_chain(&e))?;
    if !res.status().is_success() {
        return Err(format!("status {}", res.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| e.to_string())? {
        if body.len().saturating_add(chunk.len()) > MAX_LEN {
            return Err("the JWK set is too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body).map_err(|_| "the JWK set is not UTF-8".to_owned())?;
    JwkSet::parse(&text, false).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn jws(claims: Value) -> Jws {
        let h = URL_SAFE_NO_PAD.encode(json!({ "alg": "ES256" }).to_string());
        let c = URL_SAFE_NO_PAD.encode(claims.to_string());
        Jws::parse(&format!("{h}.{c}.c2ln")).unwrap()
    }

    fn good() -> Value {
        json!({ "iss": "c1", "sub": "c1", "aud": "https://id.example/token", "exp": NOW + 60, "iat": NOW, "jti": "j1" })
    }

    fn check(claims: Value) -> Result<(), String> {
        let auds = vec!["https://id.example".to_owned(), "https://id.example/token".to_owned()];
        check_claims(&jws(claims), "c1", &auds, NOW, 300).map_err(|e| e.to_string())
    }

    #[test]
    fn claims_are_checked() {
        check(good()).unwrap();
        let with = |k: &str, v: Value| {
            let mut c = good();
            c[k] = v;
            c
        };
        check(with("aud", json!("https://id.example"))).unwrap();
        check(with("aud", json!(["https://other", "https://id.example/token"]))).unwrap();
        let cases = [
            (with("iss", json!("c2")), "iss and sub"),
            (with("sub", json!("c2")), "iss and sub"),
            (with("aud", json!("https://id.example/introspect")), "aud"),
            (with("aud", json!(["https://other"])), "aud"),
            (with("aud", json!(null)), "aud"),
            (with("exp", json!(NOW)), "expired"),
            (with("exp", json!(NOW + 301)), "more than 300"),
            (with("exp", json!("soon")), "no exp"),
            (with("nbf", json!(NOW + 31)), "nbf"),
            (with("iat", json!(NOW + 31)), "iat"),
            (with("jti", json!("")), "jti"),
            (with("jti", json!("x".repeat(257))), "jti"),
        ];
        for (claims, why) in cases {
            let e = check(claims.clone()).unwrap_err();
            assert!(e.contains(why), "{claims}: {e}");
        }
        let mut no_jti = good();
        no_jti.as_object_mut().unwrap().remove("jti");
        assert!(check(no_jti).unwrap_err().contains("jti"));
        // nbf and iat within the tolerated skew are fine.
        check(with("nbf", json!(NOW + 30))).unwrap();
    }

    #[test]
    fn the_claimed_client_is_sub_when_iss_agrees() {
        let h = URL_SAFE_NO_PAD.encode(json!({ "alg": "ES256" }).to_string());
        let t = |c: Value| format!("{h}.{}.c2ln", URL_SAFE_NO_PAD.encode(c.to_string()));
        assert_eq!(claimed_client(&t(good())).unwrap(), "c1");
        assert!(claimed_client(&t(json!({ "iss": "c1", "sub": "c2" }))).is_err());
        assert!(claimed_client("nonsense").is_err());
    }
}

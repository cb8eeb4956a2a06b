//! DPoP proofs (RFC 9449): a JWT the client signs with a key whose public half it puts in the
//! header, for one request (`htm`, `htu`), at one time (`iat`), once (`jti`), and, with an access
//! token, for that token (`ath`). Tokens issued with a proof are bound to the key's thumbprint
//! (`cnf.jkt`). With `oauth.use_dpop_nonce`, proofs must also carry a nonce Stile handed out:
//! derived from the master key and the current five-minute period, so every instance on the
//! database gives out and accepts the same ones without storing them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::clock::Timestamp;
use crate::jose::{Jws, PublicJwk};
use crate::secret::{self, ct_eq};
use crate::store::{self, StoreError};

/// A server nonce is good for its period and the next.
const NONCE_PERIOD_SECS: i64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum DpopError {
    /// RFC 9449 `invalid_dpop_proof`, with a reason for the client's developer.
    #[error("{0}")]
    Invalid(String),
    /// RFC 9449 §8 `use_dpop_nonce`: retry with this nonce.
    #[error("a DPoP nonce is required")]
    UseNonce(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(msg: impl Into<String>) -> DpopError {
    DpopError::Invalid(msg.into())
}

/// What a proof is for.
pub struct Expected<'a> {
    /// The request the proof must name: Stile's own endpoint, or a resource server's request
    /// forwarded to introspection.
    pub request: ProofFor<'a>,
    /// The access token presented with the proof, if any.
    pub access_token: Option<&'a str>,
}

/// The request a proof must name.
pub enum ProofFor<'a> {
    /// A request to Stile: `htm` and `htu` must be these, and Stile's nonce is asked for when
    /// `oauth.use_dpop_nonce` is on.
    Here {
        method: &'a str,
        /// The URL asked, without query or fragment.
        url: &'a str,
    },
    /// A proof a resource server received and forwards to introspection (see
    /// docs/relying-apps.md): Stile cannot know the resource's method and URL, which that server
    /// checks itself, so `htm` and `htu` must be present (`htu` an absolute http(s) URL) but are
    /// taken as given; Stile's nonces are for its own endpoints, so none is asked for.
    Forwarded,
}

/// The nonce Stile hands out at `now`.
pub fn current_nonce(state: &AppState, now: Timestamp) -> String {
    nonce_for(state, now.div_euclid(NONCE_PERIOD_SECS))
}

fn nonce_for(state: &AppState, period: i64) -> String {
    state.master_key.mac("dpop-nonce", &period.to_be_bytes())
}

fn nonce_ok(state: &AppState, now: Timestamp, presented: &str) -> bool {
    let period = now.div_euclid(NONCE_PERIOD_SECS);
    [period, period - 1].iter().any(|p| ct_eq(nonce_for(state, *p).as_bytes(), presented.as_bytes()))
}

/// `ath`: base64url of the SHA-256 of the access token.
pub fn token_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

/// `htu` compared without query and fragment (RFC 9449 §4.3), scheme and host case-insensitively.
fn same_url(htu: &str, want: &str) -> bool {
    let norm = |s: &str| {
        url::Url::parse(s).ok().map(|mut u| {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        })
    };
    matches!((norm(htu), norm(want)), (Some(a), Some(b)) if a == b)
}

/// Verifies one proof and spends its jti; returns the key's thumbprint (`jkt`).
pub async fn verify(state: &AppState, proof: &str, want: &Expected<'_>) -> Result<String, DpopError> {
    let jws = Jws::parse(proof).map_err(|e| invalid(format!("the DPoP proof is not a usable JWT: {e}")))?;
    if !jws.header_str("typ").is_some_and(|t| t.eq_ignore_ascii_case("dpop+jwt")) {
        return Err(invalid("the DPoP proof's typ must be dpop+jwt"));
    }
    let jwk = jws.header.get("jwk").ok_or_else(|| invalid("the DPoP proof has no jwk header"))?;
    let key = PublicJwk::from_json(jwk).map_err(|e| invalid(format!("the DPoP proof's jwk is not usable: {e}")))?;
    if !jws.verified_by(&key) {
        return Err(invalid("the DPoP proof's signature does not verify with its jwk"));
    }
    let jti = jws.claim_str("jti").filter(|j| !j.is_empty() && j.len() <= 256).ok_or_else(|| invalid("the DPoP proof needs a jti"))?;
    let htm = jws.claim_str("htm");
    let htu = jws.claim_str("htu");
    let here = match want.request {
        ProofFor::Here { method, url } => {
            if htm != Some(method) {
                return Err(invalid(format!("the DPoP proof's htm must be {method}")));
            }
            if !htu.is_some_and(|h| same_url(h, url)) {
                return Err(invalid(format!("the DPoP proof's htu must be {url}")));
            }
            true
        }
        ProofFor::Forwarded => {
            if !htm.is_some_and(|m| !m.is_empty() && m.len() <= 32 && m.bytes().all(|b| b.is_ascii_uppercase())) {
                return Err(invalid("the DPoP proof needs an htm (an HTTP method)"));
            }
            if !htu.and_then(|h| url::Url::parse(h).ok()).is_some_and(|u| matches!(u.scheme(), "https" | "http") && u.has_host()) {
                return Err(invalid("the DPoP proof needs an htu (an absolute http or https URL)"));
            }
            false
        }
    };
    let now = state.now();
    let window = state.settings.oauth.dpop_iat_window_secs;
    let iat = jws.claim_i64("iat").ok_or_else(|| invalid("the DPoP proof has no iat"))?;
    // Compared without arithmetic on the client's number: `iat - now` overflows for an iat near
    // i64's ends (a panic in a debug build; in a release build a wrapped difference that passes,
    // and an already-expired replay record that lets the proof be used again).
    if iat.abs_diff(now) > window.unsigned_abs() {
        return Err(invalid("the DPoP proof's iat is too far from now"));
    }
    match (want.access_token, jws.claim_str("ath")) {
        (Some(at), Some(ath)) if ct_eq(ath.as_bytes(), token_hash(at).as_bytes()) => {}
        (Some(_), _) => return Err(invalid("the DPoP proof's ath must be the hash of the access token sent with it")),
        (None, _) => {}
    }
    if here && state.settings.oauth.use_dpop_nonce && !jws.claim_str("nonce").is_some_and(|n| nonce_ok(state, now, n)) {
        return Err(DpopError::UseNonce(current_nonce(state, now)));
    }
    let jkt = key.thumbprint();
    // A proof is accepted once, by any instance, while its iat could still pass.
    if !store::replay::first_use(&state.db, store::replay::KIND_DPOP, &jkt, &secret::token_hash(jti), iat + window, now).await? {
        return Err(invalid("the DPoP proof has been used before (its jti is spent)"));
    }
    Ok(jkt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_ignores_query_and_fragment_only() {
        assert!(same_url("https://id.example/token", "https://id.example/token"));
        assert!(same_url("https://ID.example/token?x=1#f", "https://id.example/token"));
        assert!(same_url("https://id.example:443/token", "https://id.example/token"));
        assert!(!same_url("https://id.example/token/", "https://id.example/token"));
        assert!(!same_url("https://id.example/userinfo", "https://id.example/token"));
        assert!(!same_url("http://id.example/token", "https://id.example/token"));
        assert!(!same_url("https://evil.example/token", "https://id.example/token"));
        assert!(!same_url("/token", "https://id.example/token"));
    }

    #[test]
    fn ath_is_the_base64url_sha256() {
        // RFC 9449 §7.1's example access token and ath.
        assert_eq!(token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    }
}

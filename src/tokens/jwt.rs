//! Compact JWS (RFC 7515) signing and verification with our own keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::keys::{KeyError, KeySet, SigningKey};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("malformed token")]
    Malformed,
    #[error("unknown key")]
    UnknownKey,
    #[error("bad signature")]
    BadSignature,
    #[error("wrong token type")]
    WrongType,
    #[error("expired")]
    Expired,
    #[error("wrong issuer")]
    WrongIssuer,
}

pub fn sign(key: &SigningKey, typ: &str, claims: &Value) -> Result<String, KeyError> {
    let header = json!({ "alg": key.alg.as_str(), "kid": key.kid, "typ": typ });
    let mut out = URL_SAFE_NO_PAD.encode(header.to_string());
    out.push('.');
    out.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
    let sig = key.sign(out.as_bytes())?;
    out.push('.');
    out.push_str(&URL_SAFE_NO_PAD.encode(sig));
    Ok(out)
}

/// The verified claims of a token signed by one of our keys, checking `typ` if given and the
/// issuer. Expiry is checked against `now` unless `now` is None (id_token_hint may be expired).
pub async fn verify(keys: &KeySet, token: &str, typ: Option<&str>, issuer: &str, now: Option<i64>) -> Result<Value, JwtError> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(JwtError::Malformed);
    };
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).map_err(|_| JwtError::Malformed)?).map_err(|_| JwtError::Malformed)?;
    let kid = header.get("kid").and_then(Value::as_str).ok_or(JwtError::Malformed)?;
    let alg = header.get("alg").and_then(Value::as_str).ok_or(JwtError::Malformed)?;
    let key = keys.by_kid(kid).await.ok_or(JwtError::UnknownKey)?;
    // The algorithm is the key's, never the header's choice.
    if alg != key.alg.as_str() {
        return Err(JwtError::BadSignature);
    }
    if let Some(want) = typ
        && !header.get("typ").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case(want))
    {
        return Err(JwtError::WrongType);
    }
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    let signed_len = h.len() + 1 + c.len();
    let signed = token.get(..signed_len).ok_or(JwtError::Malformed)?;
    if !key.verify(signed.as_bytes(), &sig) {
        return Err(JwtError::BadSignature);
    }
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).map_err(|_| JwtError::Malformed)?).map_err(|_| JwtError::Malformed)?;
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err(JwtError::WrongIssuer);
    }
    if let Some(now) = now {
        let exp = claims.get("exp").and_then(Value::as_i64).ok_or(JwtError::Malformed)?;
        if exp <= now {
            return Err(JwtError::Expired);
        }
    }
    Ok(claims)
}

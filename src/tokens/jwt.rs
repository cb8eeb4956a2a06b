//! Compact JWS (RFC 7515) signing and verification with our own keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::keys::{KeyError, KeySet, NoteKey, SigningKey, Verified};

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

/// The protected header, written straight from its fields (no JSON map built and sorted).
#[derive(serde::Serialize)]
struct Header<'a> {
    alg: &'a str,
    kid: &'a str,
    typ: &'a str,
}

pub fn sign(key: &SigningKey, typ: &str, claims: &impl serde::Serialize) -> Result<String, KeyError> {
    let header = Header { alg: key.alg.as_str(), kid: &key.kid, typ };
    // One buffer for both JSON parts, and the token sized once: this runs for every token.
    let mut json = Vec::with_capacity(512);
    serde_json::to_writer(&mut json, &header).map_err(|_| KeyError::Sign)?;
    let header_len = json.len();
    serde_json::to_writer(&mut json, claims).map_err(|_| KeyError::Sign)?;
    let (header, claims) = json.split_at(header_len);
    let mut out = String::with_capacity(b64_len(header.len()) + b64_len(claims.len()) + b64_len(key.signature_len()) + 2);
    URL_SAFE_NO_PAD.encode_string(header, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(claims, &mut out);
    let sig = key.sign_with(out.as_bytes(), |sig| URL_SAFE_NO_PAD.encode(sig))?;
    out.push('.');
    out.push_str(&sig);
    Ok(out)
}

/// The length of `n` bytes in unpadded base64url.
fn b64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// The verified claims of a token signed by one of our keys, checking `typ` if given and the
/// issuer. Expiry is checked against `now` unless `now` is None (id_token_hint may be expired).
pub async fn verify(keys: &KeySet, token: &str, typ: Option<&str>, issuer: &str, now: Option<i64>) -> Result<Value, JwtError> {
    let note = NoteKey::of(token);
    let verified = match note.as_ref().and_then(|n| keys.verified(n)) {
        // Its key must still be in the set: a reload that removed it may have raced the note.
        Some(v) if keys.by_kid(&v.key.kid).await.is_some_and(|k| std::sync::Arc::ptr_eq(&k, &v.key)) => v,
        _ => verify_signature(keys, token, note).await?,
    };
    if let Some(want) = typ
        && !verified.typ.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(want))
    {
        return Err(JwtError::WrongType);
    }
    let claims = &verified.claims;
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err(JwtError::WrongIssuer);
    }
    if let Some(now) = now {
        let exp = claims.get("exp").and_then(Value::as_i64).ok_or(JwtError::Malformed)?;
        if exp <= now {
            return Err(JwtError::Expired);
        }
    }
    Ok(claims.clone())
}

/// The header and claims of a token whose signature one of our keys verifies, noted in the key
/// set so that the same token is not verified twice.
async fn verify_signature(keys: &KeySet, token: &str, note: Option<NoteKey>) -> Result<std::sync::Arc<Verified>, JwtError> {
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
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    let signed_len = h.len() + 1 + c.len();
    let signed = token.get(..signed_len).ok_or(JwtError::Malformed)?;
    if !key.verify(signed.as_bytes(), &sig) {
        return Err(JwtError::BadSignature);
    }
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).map_err(|_| JwtError::Malformed)?).map_err(|_| JwtError::Malformed)?;
    let typ = header.get("typ").and_then(Value::as_str).map(str::to_owned);
    Ok(keys.note_verified(note, Verified { key, typ, claims }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::keys::{Alg, test_key_set};
    use serde_json::json;

    const ISS: &str = "https://id.example.gov.uk";
    const NOW: i64 = 1_800_000_000;

    fn claims() -> Value {
        json!({ "iss": ISS, "sub": "u1", "exp": NOW + 60 })
    }

    async fn signed(alg: Alg, typ: &str, claims: &Value) -> (KeySet, String) {
        let keys = test_key_set();
        let key = keys.current(alg).await.unwrap();
        let token = sign(&key, typ, claims).unwrap();
        (keys, token)
    }

    fn part(token: &str, i: usize) -> &str {
        token.split('.').nth(i).unwrap()
    }

    fn b64json(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    #[tokio::test]
    async fn a_good_token_verifies_with_each_algorithm() {
        for alg in Alg::ALL {
            let (keys, token) = signed(alg, "at+jwt", &claims()).await;
            let got = verify(&keys, &token, Some("at+jwt"), ISS, Some(NOW)).await.unwrap();
            assert_eq!(got["sub"], "u1");
        }
    }

    #[tokio::test]
    async fn the_header_names_alg_kid_and_typ() {
        let (_, token) = signed(Alg::ES256, "at+jwt", &claims()).await;
        let header = URL_SAFE_NO_PAD.decode(part(&token, 0)).unwrap();
        assert_eq!(String::from_utf8(header).unwrap(), r#"{"alg":"ES256","kid":"es256-test","typ":"at+jwt"}"#);
        let body: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part(&token, 1)).unwrap()).unwrap();
        assert_eq!(body, claims());
    }

    #[tokio::test]
    async fn alg_none_is_refused() {
        let (keys, token) = signed(Alg::ES256, "JWT", &claims()).await;
        let header = json!({ "alg": "none", "typ": "JWT", "kid": "es256-test" });
        let forged = format!("{}.{}.", b64json(&header), part(&token, 1));
        assert_eq!(verify(&keys, &forged, None, ISS, Some(NOW)).await, Err(JwtError::BadSignature));
        // Without a kid there is no key to verify with at all.
        let bare = format!("{}.{}.", b64json(&json!({ "alg": "none" })), part(&token, 1));
        assert_eq!(verify(&keys, &bare, None, ISS, Some(NOW)).await, Err(JwtError::Malformed));
    }

    #[tokio::test]
    async fn the_header_cannot_choose_another_algorithm() {
        let (keys, token) = signed(Alg::RS256, "JWT", &claims()).await;
        // The RS256 key's kid with an ES256 (or HMAC) header: refused before any signature check.
        for alg in ["ES256", "HS256", "PS256"] {
            let header = json!({ "alg": alg, "typ": "JWT", "kid": "rs256-test" });
            let swapped = format!("{}.{}.{}", b64json(&header), part(&token, 1), part(&token, 2));
            assert_eq!(verify(&keys, &swapped, None, ISS, Some(NOW)).await, Err(JwtError::BadSignature), "{alg}");
        }
        // An ES256 signature presented under the RS256 key's kid.
        let (_, es) = signed(Alg::ES256, "JWT", &claims()).await;
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": "rs256-test" });
        let mixed = format!("{}.{}.{}", b64json(&header), part(&es, 1), part(&es, 2));
        assert_eq!(verify(&keys, &mixed, None, ISS, Some(NOW)).await, Err(JwtError::BadSignature));
    }

    #[tokio::test]
    async fn a_bad_signature_or_changed_claims_are_refused() {
        for alg in Alg::ALL {
            let (keys, token) = signed(alg, "JWT", &claims()).await;
            let mut sig = URL_SAFE_NO_PAD.decode(part(&token, 2)).unwrap();
            sig[5] ^= 1;
            let flipped = format!("{}.{}.{}", part(&token, 0), part(&token, 1), URL_SAFE_NO_PAD.encode(sig));
            assert_eq!(verify(&keys, &flipped, None, ISS, Some(NOW)).await, Err(JwtError::BadSignature), "{alg:?}");
            let mut more = claims();
            more["sub"] = json!("someone-else");
            let changed = format!("{}.{}.{}", part(&token, 0), b64json(&more), part(&token, 2));
            assert_eq!(verify(&keys, &changed, None, ISS, Some(NOW)).await, Err(JwtError::BadSignature), "{alg:?}");
            // A key of ours that did not sign it (same algorithm, another key set).
            let (other_keys, _) = signed(alg, "JWT", &claims()).await;
            assert_eq!(verify(&other_keys, &token, None, ISS, Some(NOW)).await, Err(JwtError::BadSignature), "{alg:?}");
        }
    }

    #[tokio::test]
    async fn the_wrong_type_is_refused() {
        let (keys, id_token) = signed(Alg::ES256, "JWT", &claims()).await;
        assert_eq!(verify(&keys, &id_token, Some("at+jwt"), ISS, Some(NOW)).await, Err(JwtError::WrongType));
        let (keys, logout) = signed(Alg::ES256, "logout+jwt", &claims()).await;
        assert_eq!(verify(&keys, &logout, Some("at+jwt"), ISS, Some(NOW)).await, Err(JwtError::WrongType));
        assert!(verify(&keys, &logout, Some("LOGOUT+JWT"), ISS, Some(NOW)).await.is_ok(), "typ is case-insensitive (RFC 7515 §4.1.9)");
    }

    #[tokio::test]
    async fn an_unknown_kid_is_refused() {
        let (keys, token) = signed(Alg::ES256, "JWT", &claims()).await;
        let header = json!({ "alg": "ES256", "typ": "JWT", "kid": "es256-gone" });
        let unknown = format!("{}.{}.{}", b64json(&header), part(&token, 1), part(&token, 2));
        assert_eq!(verify(&keys, &unknown, None, ISS, Some(NOW)).await, Err(JwtError::UnknownKey));
    }

    #[tokio::test]
    async fn expiry_issuer_and_shape_are_checked() {
        let (keys, token) = signed(Alg::ES256, "JWT", &claims()).await;
        assert_eq!(verify(&keys, &token, None, ISS, Some(NOW + 60)).await, Err(JwtError::Expired), "exp is exclusive");
        assert_eq!(verify(&keys, &token, None, ISS, Some(NOW + 3600)).await, Err(JwtError::Expired));
        assert!(verify(&keys, &token, None, ISS, None).await.is_ok(), "an id_token_hint may be expired");
        assert_eq!(verify(&keys, &token, None, "https://evil.example", Some(NOW)).await, Err(JwtError::WrongIssuer));
        let (keys, no_exp) = signed(Alg::ES256, "JWT", &json!({ "iss": ISS })).await;
        assert_eq!(verify(&keys, &no_exp, None, ISS, Some(NOW)).await, Err(JwtError::Malformed));
        for bad in ["", "a.b", "a.b.c.d", &format!("{token}.x"), "!!.!!.!!"] {
            assert_eq!(verify(&keys, bad, None, ISS, Some(NOW)).await, Err(JwtError::Malformed), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_verified_token_is_checked_again_on_every_use() {
        let (keys, token) = signed(Alg::ES256, "at+jwt", &claims()).await;
        assert_eq!(keys.verified_len(), 0);
        assert_eq!(verify(&keys, &token, Some("at+jwt"), ISS, Some(NOW)).await.unwrap(), claims());
        assert_eq!(keys.verified_len(), 1, "a verified signature is noted");
        assert_eq!(verify(&keys, &token, Some("at+jwt"), ISS, Some(NOW)).await.unwrap(), claims(), "and the note answers");
        assert_eq!(keys.verified_len(), 1);
        // What the note holds is checked again, as it would be without it.
        assert_eq!(verify(&keys, &token, Some("JWT"), ISS, Some(NOW)).await, Err(JwtError::WrongType));
        assert_eq!(verify(&keys, &token, Some("at+jwt"), "https://evil.example", Some(NOW)).await, Err(JwtError::WrongIssuer));
        assert_eq!(verify(&keys, &token, Some("at+jwt"), ISS, Some(NOW + 60)).await, Err(JwtError::Expired));
        // A token one byte away from a noted one is verified, and refused, on its own.
        let mut sig = URL_SAFE_NO_PAD.decode(part(&token, 2)).unwrap();
        sig[0] ^= 1;
        let flipped = format!("{}.{}.{}", part(&token, 0), part(&token, 1), URL_SAFE_NO_PAD.encode(sig));
        assert_eq!(verify(&keys, &flipped, Some("at+jwt"), ISS, Some(NOW)).await, Err(JwtError::BadSignature));
        let mut more = claims();
        more["sub"] = json!("someone-else");
        let changed = format!("{}.{}.{}", part(&token, 0), b64json(&more), part(&token, 2));
        assert_eq!(verify(&keys, &changed, Some("at+jwt"), ISS, Some(NOW)).await, Err(JwtError::BadSignature));
        // The same signature bytes written another way (the last character's unused bits set):
        // another token, which must not pass for the noted one.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let sig_part = part(&token, 2);
        let last = alphabet.iter().position(|c| *c == *sig_part.as_bytes().last().unwrap()).unwrap();
        let loose = format!("{}{}", &sig_part[..sig_part.len() - 1], alphabet[last ^ 1] as char);
        let respelt = format!("{}.{}.{}", part(&token, 0), part(&token, 1), loose);
        assert_eq!(verify(&keys, &respelt, Some("at+jwt"), ISS, Some(NOW)).await, Err(JwtError::Malformed));
        assert_eq!(keys.verified_len(), 1, "refusals are not noted");
        // Another key set (another process's keys) knows nothing of this one's notes.
        let (other, _) = signed(Alg::ES256, "at+jwt", &claims()).await;
        assert_eq!(verify(&other, &token, Some("at+jwt"), ISS, Some(NOW)).await, Err(JwtError::BadSignature));
    }

    #[tokio::test]
    async fn a_noted_token_goes_with_its_key() {
        let (keys, token) = signed(Alg::ES256, "at+jwt", &claims()).await;
        let rs = sign(&keys.current(Alg::RS256).await.unwrap(), "at+jwt", &claims()).unwrap();
        assert!(verify(&keys, &token, Some("at+jwt"), ISS, Some(NOW)).await.is_ok());
        assert!(verify(&keys, &rs, Some("at+jwt"), ISS, Some(NOW)).await.is_ok());
        let all = keys.all_keys().await;
        let without_es256: Vec<_> = all.iter().filter(|k| k.alg != Alg::ES256).cloned().collect();
        // The race: the key leaves the set but the note outlives the reload that emptied the map.
        keys.replace_keys(without_es256.clone(), false).await;
        assert_eq!(keys.verified_len(), 2);
        assert_eq!(verify(&keys, &token, Some("at+jwt"), ISS, Some(NOW)).await, Err(JwtError::UnknownKey));
        assert!(verify(&keys, &rs, Some("at+jwt"), ISS, Some(NOW)).await.is_ok(), "the other key's token is untouched");
        // The same kid back under another key (a reload makes every key anew): the note is not
        // trusted, the signature is checked again.
        keys.replace_keys(all.clone(), false).await;
        let (stranger, _) = signed(Alg::ES256, "at+jwt", &claims()).await;
        let mut look_alike = stranger.all_keys().await;
        look_alike.retain(|k| k.alg == Alg::ES256);
        keys.replace_keys(look_alike.into_iter().chain(without_es256).collect(), false).await;
        assert_eq!(verify(&keys, &token, Some("at+jwt"), ISS, Some(NOW)).await, Err(JwtError::BadSignature));
        // A reload empties the map.
        keys.replace_keys(all, true).await;
        assert_eq!(keys.verified_len(), 0);
        assert!(verify(&keys, &token, Some("at+jwt"), ISS, Some(NOW)).await.is_ok());
    }

    #[tokio::test]
    async fn the_notes_are_bounded() {
        let keys = test_key_set();
        let key = keys.current(Alg::ES256).await.unwrap();
        for i in 0..1100 {
            let token = sign(&key, "at+jwt", &json!({ "iss": ISS, "exp": NOW + 60, "jti": i })).unwrap();
            assert!(verify(&keys, &token, Some("at+jwt"), ISS, Some(NOW)).await.is_ok());
            assert!(keys.verified_len() <= 1024);
        }
        // A long token is verified each time, never kept.
        let before = keys.verified_len();
        let long = sign(&key, "JWT", &json!({ "iss": ISS, "exp": NOW + 60, "pad": "x".repeat(3000) })).unwrap();
        assert!(verify(&keys, &long, None, ISS, Some(NOW)).await.is_ok());
        assert_eq!(keys.verified_len(), before);
    }
}

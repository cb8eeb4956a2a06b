//! Signatures made with someone else's key: a client's `private_key_jwt` assertion (RFC 7523) or
//! a DPoP proof (RFC 9449). Public JWKs (RFC 7517) of type RSA (2048 bits or more) or EC P-256,
//! their thumbprints (RFC 7638), and compact JWS (RFC 7515) with RS256, PS256 or ES256, verified
//! with aws-lc. Never `none` or a MAC. Our own signing keys are `services::keys`.

use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Most keys a registered JWK set may hold.
pub const MAX_KEYS: usize = 20;
/// Largest JWS (or JWK set) read, in bytes.
pub const MAX_LEN: usize = 64 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JoseError {
    #[error("malformed JWS")]
    Malformed,
    #[error("algorithm {0:?} is not accepted: use RS256, PS256 or ES256")]
    Alg(String),
    #[error("the JWS header has a crit member Stile does not understand")]
    Crit,
    #[error("{0}")]
    Jwk(JwkProblem),
}

/// Why a JWK or a JWK set cannot be used. The English words are said to relying apps, the admin
/// API and the command line; [`JwkProblem::key`] names the catalogue message with the same
/// English, which a page says in its own language (`i18n::refusals`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwkProblem {
    #[error("the key has no {0}")]
    Missing(&'static str),
    #[error("the key's {0} is not base64url")]
    NotBase64url(&'static str),
    #[error("a key is not a JSON object")]
    NotObject,
    #[error("the key set holds a private or symmetric key: give only public keys")]
    Private,
    #[error("a key's use is not sig")]
    NotSig,
    #[error("a key's kid is not a short string")]
    Kid,
    #[error("an RSA key must have 2048 to 8192 bits")]
    RsaSize,
    #[error("an RSA key's exponent is not valid")]
    RsaExponent,
    #[error("an EC key must be on curve P-256 (ES256)")]
    Curve,
    #[error("an EC key's x and y must be 32 bytes each")]
    EcSize,
    #[error("key type {0:?} is not accepted: use RSA or EC (P-256)")]
    Kty(String),
    #[error("a key's alg {} does not fit its type", .0.as_str())]
    AlgMismatch(JwsAlg),
    #[error("the JWK set is too large")]
    TooLarge,
    #[error("the JWK set is not JSON")]
    NotJson,
    #[error("the JWK set must be a JSON object with a keys array")]
    NoKeys,
    #[error("the JWK set holds more than {MAX_KEYS} keys")]
    TooMany,
    #[error("the JWK set holds no RSA or P-256 signing key")]
    NoSigningKey,
    #[error("two keys in the JWK set have the same kid")]
    SameKid,
}

impl JwkProblem {
    /// Every kind, with sample parts: for the test that each is said in every language.
    #[cfg(test)]
    pub fn samples() -> Vec<JwkProblem> {
        use JwkProblem::*;
        vec![
            Missing("n"),
            NotBase64url("x"),
            NotObject,
            Private,
            NotSig,
            Kid,
            RsaSize,
            RsaExponent,
            Curve,
            EcSize,
            Kty("oct".into()),
            AlgMismatch(JwsAlg::ES256),
            TooLarge,
            NotJson,
            NoKeys,
            TooMany,
            NoSigningKey,
            SameKid,
        ]
    }

    /// The catalogue message (`refusal-jwk-*`) whose English is this problem's words.
    pub fn key(&self) -> &'static str {
        use JwkProblem::*;
        match self {
            Missing(_) => "refusal-jwk-missing",
            NotBase64url(_) => "refusal-jwk-not-base64url",
            NotObject => "refusal-jwk-not-object",
            Private => "refusal-jwk-private",
            NotSig => "refusal-jwk-not-sig",
            Kid => "refusal-jwk-kid",
            RsaSize => "refusal-jwk-rsa-size",
            RsaExponent => "refusal-jwk-rsa-exponent",
            Curve => "refusal-jwk-curve",
            EcSize => "refusal-jwk-ec-size",
            Kty(_) => "refusal-jwk-kty",
            AlgMismatch(_) => "refusal-jwk-alg-mismatch",
            TooLarge => "refusal-jwk-too-large",
            NotJson => "refusal-jwk-not-json",
            NoKeys => "refusal-jwk-no-keys",
            TooMany => "refusal-jwk-too-many",
            NoSigningKey => "refusal-jwk-no-signing-key",
            SameKid => "refusal-jwk-same-kid",
        }
    }
}

/// The signature algorithms accepted from clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JwsAlg {
    RS256,
    PS256,
    ES256,
}

impl JwsAlg {
    pub const ALL: [JwsAlg; 3] = [JwsAlg::RS256, JwsAlg::PS256, JwsAlg::ES256];

    pub fn as_str(self) -> &'static str {
        match self {
            JwsAlg::RS256 => "RS256",
            JwsAlg::PS256 => "PS256",
            JwsAlg::ES256 => "ES256",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The names, for discovery documents.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|a| a.as_str()).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyMaterial {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// P-256 affine coordinates, 32 bytes each.
    Ec {
        x: Vec<u8>,
        y: Vec<u8>,
    },
}

/// A public signing key from a JWK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicJwk {
    kid: Option<String>,
    /// The JWK's own `alg`, when it names one: the key is then used with that algorithm only.
    alg: Option<JwsAlg>,
    key: KeyMaterial,
}

fn field<'a>(o: &'a Map<String, Value>, name: &'static str) -> Result<&'a str, JoseError> {
    o.get(name).and_then(Value::as_str).ok_or(JoseError::Jwk(JwkProblem::Missing(name)))
}

fn b64_field(o: &Map<String, Value>, name: &'static str) -> Result<Vec<u8>, JoseError> {
    URL_SAFE_NO_PAD.decode(field(o, name)?).map_err(|_| JoseError::Jwk(JwkProblem::NotBase64url(name)))
}

impl PublicJwk {
    /// A public key for signatures: kty RSA (n, e; at least 2048 bits) or EC (crv P-256, x, y).
    /// Refuses private keys (a `d` member or the RSA primes), symmetric keys and encryption keys.
    pub fn from_json(v: &Value) -> Result<Self, JoseError> {
        let o = v.as_object().ok_or(JoseError::Jwk(JwkProblem::NotObject))?;
        if ["d", "p", "q", "dp", "dq", "qi", "k", "oth"].iter().any(|m| o.contains_key(*m)) {
            return Err(JoseError::Jwk(JwkProblem::Private));
        }
        if o.get("use").is_some_and(|u| u != "sig") {
            return Err(JoseError::Jwk(JwkProblem::NotSig));
        }
        let kid = match o.get("kid") {
            None => None,
            Some(Value::String(k)) if !k.is_empty() && k.len() <= 200 => Some(k.clone()),
            Some(_) => return Err(JoseError::Jwk(JwkProblem::Kid)),
        };
        let alg = match o.get("alg") {
            None => None,
            Some(a) => {
                let name = a.as_str().unwrap_or_default();
                Some(JwsAlg::parse(name).ok_or_else(|| JoseError::Alg(name.to_owned()))?)
            }
        };
        let key = match field(o, "kty")? {
            "RSA" => {
                let n = b64_field(o, "n")?;
                let e = b64_field(o, "e")?;
                let bits = n.iter().position(|b| *b != 0).map_or(0, |i| (n.len() - i) * 8);
                if !(2048..=8192).contains(&bits) {
                    return Err(JoseError::Jwk(JwkProblem::RsaSize));
                }
                if e.is_empty() || e.len() > 8 {
                    return Err(JoseError::Jwk(JwkProblem::RsaExponent));
                }
                KeyMaterial::Rsa { n, e }
            }
            "EC" => {
                if field(o, "crv")? != "P-256" {
                    return Err(JoseError::Jwk(JwkProblem::Curve));
                }
                let (x, y) = (b64_field(o, "x")?, b64_field(o, "y")?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(JoseError::Jwk(JwkProblem::EcSize));
                }
                KeyMaterial::Ec { x, y }
            }
            other => return Err(JoseError::Jwk(JwkProblem::Kty(other.to_owned()))),
        };
        let jwk = PublicJwk { kid, alg, key };
        if let Some(a) = alg
            && !jwk.fits(a)
        {
            return Err(JoseError::Jwk(JwkProblem::AlgMismatch(a)));
        }
        Ok(jwk)
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether the key type can make `alg` signatures.
    fn fits(&self, alg: JwsAlg) -> bool {
        matches!((&self.key, alg), (KeyMaterial::Rsa { .. }, JwsAlg::RS256 | JwsAlg::PS256) | (KeyMaterial::Ec { .. }, JwsAlg::ES256))
    }

    /// Whether this key may verify an `alg` signature: the type fits and the JWK names no other.
    pub fn allows(&self, alg: JwsAlg) -> bool {
        self.fits(alg) && self.alg.is_none_or(|a| a == alg)
    }

    /// The public members only, as RFC 7638 orders them.
    pub fn to_json(&self) -> Value {
        match &self.key {
            KeyMaterial::Rsa { n, e } => json!({ "e": URL_SAFE_NO_PAD.encode(e), "kty": "RSA", "n": URL_SAFE_NO_PAD.encode(n) }),
            KeyMaterial::Ec { x, y } => {
                json!({ "crv": "P-256", "kty": "EC", "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y) })
            }
        }
    }

    /// The RFC 7638 thumbprint: base64url of the SHA-256 of the required members, in order.
    pub fn thumbprint(&self) -> String {
        // serde_json keeps object keys sorted, which is the order RFC 7638 asks for.
        let canonical = self.to_json().to_string();
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// Checks `sig` over `message` made with `alg`.
    pub fn verify(&self, alg: JwsAlg, message: &[u8], sig: &[u8]) -> bool {
        if !self.allows(alg) {
            return false;
        }
        match (&self.key, alg) {
            (KeyMaterial::Rsa { n, e }, JwsAlg::RS256) => {
                RsaPublicKeyComponents { n, e }.verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig).is_ok()
            }
            (KeyMaterial::Rsa { n, e }, JwsAlg::PS256) => {
                RsaPublicKeyComponents { n, e }.verify(&signature::RSA_PSS_2048_8192_SHA256, message, sig).is_ok()
            }
            (KeyMaterial::Ec { x, y }, JwsAlg::ES256) => {
                let mut point = Vec::with_capacity(65);
                point.push(4u8);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).verify(message, sig).is_ok()
            }
            _ => false,
        }
    }
}

/// A client's public keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwkSet {
    keys: Vec<PublicJwk>,
}

impl JwkSet {
    /// `{"keys": [...]}` with 1 to [`MAX_KEYS`] keys. `strict` (a set an administrator registers)
    /// refuses any key Stile cannot use; otherwise (a set fetched from a client's `jwks_uri`,
    /// which may also publish encryption keys) such keys are skipped, but one usable key is needed.
    pub fn parse(text: &str, strict: bool) -> Result<Self, JoseError> {
        if text.len() > MAX_LEN {
            return Err(JoseError::Jwk(JwkProblem::TooLarge));
        }
        let v: Value = serde_json::from_str(text).map_err(|_| JoseError::Jwk(JwkProblem::NotJson))?;
        let list = v.get("keys").and_then(Value::as_array).ok_or(JoseError::Jwk(JwkProblem::NoKeys))?;
        if list.len() > MAX_KEYS {
            return Err(JoseError::Jwk(JwkProblem::TooMany));
        }
        let mut keys = Vec::new();
        for k in list {
            match PublicJwk::from_json(k) {
                Ok(jwk) => keys.push(jwk),
                Err(e) if strict => return Err(e),
                Err(_) => {}
            }
        }
        if keys.is_empty() {
            return Err(JoseError::Jwk(JwkProblem::NoSigningKey));
        }
        let mut kids: Vec<&str> = keys.iter().filter_map(PublicJwk::kid).collect();
        kids.sort_unstable();
        if kids.windows(2).any(|w| w.first() == w.last()) {
            return Err(JoseError::Jwk(JwkProblem::SameKid));
        }
        Ok(JwkSet { keys })
    }

    /// The set as JSON text, public members and kids only (what is stored).
    pub fn to_json(&self) -> String {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|k| {
                let mut v = k.to_json();
                if let Some(o) = v.as_object_mut() {
                    if let Some(kid) = &k.kid {
                        o.insert("kid".into(), json!(kid));
                    }
                    if let Some(alg) = k.alg {
                        o.insert("alg".into(), json!(alg.as_str()));
                    }
                }
                v
            })
            .collect();
        json!({ "keys": keys }).to_string()
    }

    /// The keys that may have signed a JWS with this `kid` (all keys fitting `alg` when the JWS
    /// names none).
    pub fn candidates(&self, kid: Option<&str>, alg: JwsAlg) -> Vec<&PublicJwk> {
        self.keys.iter().filter(|k| k.allows(alg) && (kid.is_none() || k.kid() == kid)).collect()
    }
}

/// A compact JWS, parsed but not yet verified.
#[derive(Debug)]
pub struct Jws {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    pub alg: JwsAlg,
    signing_input: String,
    signature: Vec<u8>,
}

fn b64_json(part: &str) -> Result<Map<String, Value>, JoseError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| JoseError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(JoseError::Malformed),
    }
}

impl Jws {
    /// Splits and decodes a compact JWS whose header names an accepted algorithm and no `crit`.
    pub fn parse(token: &str) -> Result<Self, JoseError> {
        if token.len() > MAX_LEN {
            return Err(JoseError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(JoseError::Malformed);
        };
        let header = b64_json(h)?;
        let alg_name = header.get("alg").and_then(Value::as_str).ok_or(JoseError::Malformed)?;
        let alg = JwsAlg::parse(alg_name).ok_or_else(|| JoseError::Alg(alg_name.to_owned()))?;
        if header.contains_key("crit") {
            return Err(JoseError::Crit);
        }
        let claims = b64_json(c)?;
        let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| JoseError::Malformed)?;
        if signature.is_empty() {
            return Err(JoseError::Malformed);
        }
        Ok(Jws { header, claims, alg, signing_input: format!("{h}.{c}"), signature })
    }

    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    pub fn claim_i64(&self, name: &str) -> Option<i64> {
        self.claims.get(name).and_then(Value::as_i64)
    }

    /// Whether `key` made the signature.
    pub fn verified_by(&self, key: &PublicJwk) -> bool {
        key.verify(self.alg, self.signing_input.as_bytes(), &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa::KeySize;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RsaKeyPair};

    use super::*;

    fn rsa_jwk(kp: &RsaKeyPair) -> Value {
        let public = kp.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        json!({ "kty": "RSA", "kid": "r1", "n": URL_SAFE_NO_PAD.encode(n), "e": URL_SAFE_NO_PAD.encode(e) })
    }

    fn ec_jwk(kp: &EcdsaKeyPair) -> Value {
        let p = kp.public_key().as_ref();
        json!({ "kty": "EC", "crv": "P-256", "kid": "e1", "x": URL_SAFE_NO_PAD.encode(&p[1..33]), "y": URL_SAFE_NO_PAD.encode(&p[33..65]) })
    }

    fn ec_pair() -> EcdsaKeyPair {
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref()).unwrap()
    }

    fn compact(alg: &str, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(json!({ "alg": alg, "kid": "k" }).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    #[test]
    fn each_algorithm_verifies_and_others_do_not() {
        let rng = SystemRandom::new();
        let rsa = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let rsa_key = PublicJwk::from_json(&rsa_jwk(&rsa)).unwrap();
        let ec = ec_pair();
        let ec_key = PublicJwk::from_json(&ec_jwk(&ec)).unwrap();
        let claims = json!({ "iss": "c" });
        let (rsa, rng) = (&rsa, &rng);
        let rsa_sign = |pad: &'static dyn signature::RsaEncoding| {
            move |m: &[u8]| {
                let mut s = vec![0; rsa.public_modulus_len()];
                rsa.sign(pad, rng, m, &mut s).unwrap();
                s
            }
        };
        let rs = Jws::parse(&compact("RS256", &claims, rsa_sign(&signature::RSA_PKCS1_SHA256))).unwrap();
        let ps = Jws::parse(&compact("PS256", &claims, rsa_sign(&signature::RSA_PSS_SHA256))).unwrap();
        let es = Jws::parse(&compact("ES256", &claims, |m| ec.sign(rng, m).unwrap().as_ref().to_vec())).unwrap();
        assert!(rs.verified_by(&rsa_key) && ps.verified_by(&rsa_key) && es.verified_by(&ec_key));
        assert!(!rs.verified_by(&ec_key) && !es.verified_by(&rsa_key));
        // A PKCS#1 signature presented as PS256 fails.
        let swapped = compact("PS256", &claims, rsa_sign(&signature::RSA_PKCS1_SHA256));
        assert!(!Jws::parse(&swapped).unwrap().verified_by(&rsa_key));
        // A key whose JWK names RS256 does not verify PS256.
        let mut pinned = rsa_jwk(rsa);
        pinned["alg"] = json!("RS256");
        let pinned = PublicJwk::from_json(&pinned).unwrap();
        assert!(rs.verified_by(&pinned) && !ps.verified_by(&pinned));
        assert_eq!(rs.claim_str("iss"), Some("c"));
    }

    #[test]
    fn none_macs_and_crit_are_refused() {
        let claims = URL_SAFE_NO_PAD.encode(b"{}");
        for alg in ["none", "HS256", "RS512", "EdDSA"] {
            let h = URL_SAFE_NO_PAD.encode(json!({ "alg": alg }).to_string());
            assert_eq!(Jws::parse(&format!("{h}.{claims}.c2ln")).unwrap_err(), JoseError::Alg(alg.into()));
        }
        let h = URL_SAFE_NO_PAD.encode(json!({ "alg": "ES256", "crit": ["exp"] }).to_string());
        assert_eq!(Jws::parse(&format!("{h}.{claims}.c2ln")).unwrap_err(), JoseError::Crit);
        let h = URL_SAFE_NO_PAD.encode(json!({ "alg": "ES256" }).to_string());
        for bad in [format!("{h}.{claims}."), format!("{h}.{claims}"), format!("{h}.{claims}.c2ln.x"), "a.b.c".into()] {
            assert!(Jws::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn key_sets_refuse_private_weak_and_odd_keys() {
        let ec = ec_pair();
        let good = ec_jwk(&ec);
        let set = JwkSet::parse(&json!({ "keys": [good] }).to_string(), true).unwrap();
        assert_eq!(set.candidates(Some("e1"), JwsAlg::ES256).len(), 1);
        assert!(set.candidates(Some("e2"), JwsAlg::ES256).is_empty());
        assert!(set.candidates(Some("e1"), JwsAlg::RS256).is_empty());
        assert_eq!(set.candidates(None, JwsAlg::ES256).len(), 1);
        assert_eq!(JwkSet::parse(&set.to_json(), true).unwrap(), set);
        let mut private = good.clone();
        private["d"] = json!("AAAA");
        let mut p384 = good.clone();
        p384["crv"] = json!("P-384");
        let mut enc = good.clone();
        enc["use"] = json!("enc");
        let small_rsa = json!({ "kty": "RSA", "n": URL_SAFE_NO_PAD.encode([0xffu8; 128]), "e": "AQAB" });
        let oct = json!({ "kty": "oct", "k": "c2VjcmV0" });
        for bad in [private, p384, enc.clone(), small_rsa, oct] {
            assert!(JwkSet::parse(&json!({ "keys": [bad] }).to_string(), true).is_err(), "{bad}");
        }
        // A fetched set may also publish keys Stile does not use, but needs one it can.
        assert_eq!(JwkSet::parse(&json!({ "keys": [good, enc] }).to_string(), false).unwrap().keys.len(), 1);
        assert!(JwkSet::parse(&json!({ "keys": [enc] }).to_string(), false).is_err());
        for bad in ["", "[]", "{}", r#"{"keys":{}}"#, r#"{"keys":[]}"#] {
            assert!(JwkSet::parse(bad, false).is_err(), "{bad}");
        }
        assert!(JwkSet::parse(&json!({ "keys": [good, good] }).to_string(), true).is_err(), "two keys with one kid");
    }

    #[test]
    fn thumbprint_matches_rfc_7638() {
        // RFC 7638 §3.1's example key and thumbprint.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(PublicJwk::from_json(&jwk).unwrap().thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }
}

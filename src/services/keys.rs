//! Signing keys: RS256 and ES256 key pairs made and used with aws-lc (never the `rsa` crate),
//! stored encrypted under the master key, with next / current / retired states so a JWKS cached
//! by a relying app always holds the key of any token it receives.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::sync::RwLock;

use super::master_key::{MasterKey, MasterKeyError};
use crate::clock::{Random, Timestamp};
use crate::store::{self, Db, StoreError, keys::KeyRow};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error("key generation failed")]
    Generate,
    #[error("stored key {0} cannot be parsed")]
    Parse(String),
    #[error("signing failed")]
    Sign,
    #[error("no current {0} key")]
    NoCurrentKey(&'static str),
    #[error("unknown algorithm {0}")]
    UnknownAlg(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    RS256,
    ES256,
}

impl Alg {
    pub const ALL: [Alg; 2] = [Alg::RS256, Alg::ES256];

    pub fn as_str(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::ES256 => "ES256",
        }
    }

    pub fn parse(s: &str) -> Result<Self, KeyError> {
        match s {
            "RS256" => Ok(Alg::RS256),
            "ES256" => Ok(Alg::ES256),
            other => Err(KeyError::UnknownAlg(other.to_owned())),
        }
    }
}

enum Signer {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A usable key: private half decrypted in memory.
pub struct SigningKey {
    pub kid: String,
    pub alg: Alg,
    pub state: String,
    pub public_jwk: Value,
    signer: Signer,
    /// The public half, parsed once when the keys are loaded rather than for every verification.
    verifier: signature::ParsedPublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).field("alg", &self.alg).field("state", &self.state).finish_non_exhaustive()
    }
}

impl SigningKey {
    pub fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        self.verifier.verify_sig(message, sig).is_ok()
    }

    /// The signature's length in bytes: the modulus for RSA, r and s for P-256.
    pub fn signature_len(&self) -> usize {
        match &self.signer {
            Signer::Rsa(kp) => kp.public_modulus_len(),
            Signer::Ec(_) => 64,
        }
    }

    /// Signs `message` and hands the signature to `take`, without a copy of its own (a token
    /// is signed on every token request).
    pub fn sign_with<T>(&self, message: &[u8], take: impl FnOnce(&[u8]) -> T) -> Result<T, KeyError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        match &self.signer {
            Signer::Rsa(kp) => {
                let mut sig = [0u8; MAX_RSA_SIGNATURE];
                let sig = sig.get_mut(..kp.public_modulus_len()).ok_or(KeyError::Sign)?;
                kp.sign(&signature::RSA_PKCS1_SHA256, &rng, message, sig).map_err(|_| KeyError::Sign)?;
                Ok(take(sig))
            }
            Signer::Ec(kp) => Ok(take(kp.sign(&rng, message).map_err(|_| KeyError::Sign)?.as_ref())),
        }
    }
}

/// The largest RSA signature we make: 8,192-bit keys, the most aws-lc accepts for signing.
const MAX_RSA_SIGNATURE: usize = 8192 / 8;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Generates a key pair: PKCS#8 private key and its public JWK (without kid).
fn generate(alg: Alg) -> Result<(zeroize::Zeroizing<Vec<u8>>, Value), KeyError> {
    match alg {
        Alg::RS256 => {
            let kp = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
            let der = kp.as_der().map_err(|_| KeyError::Generate)?;
            let public = kp.public_key();
            let jwk = json!({
                "kty": "RSA",
                "n": b64(public.modulus().big_endian_without_leading_zero()),
                "e": b64(public.exponent().big_endian_without_leading_zero()),
            });
            Ok((zeroize::Zeroizing::new(der.as_ref().to_vec()), jwk))
        }
        Alg::ES256 => {
            let rng = aws_lc_rs::rand::SystemRandom::new();
            let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).map_err(|_| KeyError::Generate)?;
            let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref()).map_err(|_| KeyError::Generate)?;
            let point = kp.public_key().as_ref();
            // Uncompressed SEC1 point: 0x04 || x || y.
            let (x, y) = match point.get(1..33).zip(point.get(33..65)) {
                Some(xy) if point.first() == Some(&4) && point.len() == 65 => xy,
                _ => return Err(KeyError::Generate),
            };
            let jwk = json!({ "kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y) });
            Ok((zeroize::Zeroizing::new(doc.as_ref().to_vec()), jwk))
        }
    }
}

/// The verifier of a signer's signatures.
fn parse_verifier(signer: &Signer, kid: &str) -> Result<signature::ParsedPublicKey, KeyError> {
    let parsed = match signer {
        Signer::Rsa(kp) => signature::ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, kp.public_key().as_ref()),
        Signer::Ec(kp) => signature::ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, kp.public_key().as_ref()),
    };
    parsed.map_err(|_| KeyError::Parse(kid.to_owned()))
}

fn parse_signer(alg: Alg, pkcs8: &[u8], kid: &str) -> Result<Signer, KeyError> {
    match alg {
        Alg::RS256 => RsaKeyPair::from_pkcs8(pkcs8).map(Signer::Rsa).map_err(|_| KeyError::Parse(kid.to_owned())),
        Alg::ES256 => {
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).map(Signer::Ec).map_err(|_| KeyError::Parse(kid.to_owned()))
        }
    }
}

/// Makes a new key in the given state and stores it. Returns false if it lost a race to
/// become `current` (another instance made one first).
pub async fn create_key(
    db: impl store::Exec,
    master: &MasterKey,
    rng: &dyn Random,
    alg: Alg,
    state: &str,
    now: Timestamp,
) -> Result<(bool, String), KeyError> {
    let (pkcs8, mut jwk) = generate(alg)?;
    let kid = format!("{}-{}", alg.as_str().to_lowercase(), crate::secret::random_id(rng, 12));
    if let Some(obj) = jwk.as_object_mut() {
        obj.insert("kid".into(), json!(kid));
        obj.insert("alg".into(), json!(alg.as_str()));
        obj.insert("use".into(), json!("sig"));
    }
    let row = KeyRow {
        kid: kid.clone(),
        alg: alg.as_str().to_owned(),
        state: state.to_owned(),
        private_key_encrypted: master.encrypt(&pkcs8, &kid, rng)?,
        public_jwk: jwk.to_string(),
        created_at: now,
        activated_at: (state == "current").then_some(now),
        retired_at: None,
    };
    Ok((store::keys::insert(db, &row).await?, kid))
}

/// On start: make sure each algorithm has a current key and a next key, so that the next
/// rotation promotes a key relying apps have already seen in the JWKS. On `db`: the pool, or the
/// caller's transaction.
pub async fn ensure_keys(db: impl store::Exec, master: &MasterKey, rng: &dyn Random, now: Timestamp) -> Result<Vec<String>, KeyError> {
    let mut conn = db.conn().await?;
    let mut created = Vec::new();
    let rows = store::keys::all(&mut *conn).await?;
    for alg in Alg::ALL {
        if !rows.iter().any(|r| r.alg == alg.as_str() && r.state == "current") {
            let (won, kid) = create_key(&mut *conn, master, rng, alg, "current", now).await?;
            if won {
                created.push(kid);
            }
        }
        if !rows.iter().any(|r| r.alg == alg.as_str() && r.state == "next") {
            let (_, kid) = create_key(&mut *conn, master, rng, alg, "next", now).await?;
            created.push(kid);
        }
    }
    Ok(created)
}

/// Rotation, in one transaction (a savepoint inside the caller's, so its audit row can join it):
/// next → current, current → retired, and a fresh next. Retired keys stay published until tokens
/// signed with them have expired. Returns the promoted key ids.
pub async fn rotate(db: impl store::Exec, master: &MasterKey, rng: &dyn Random, now: Timestamp) -> Result<Vec<String>, KeyError> {
    let immediate = db.begins_immediate();
    let mut c = db.conn().await?;
    let mut tx = store::begin_on(&mut c, immediate).await?;
    ensure_keys(&mut *tx, master, rng, now).await?;
    let rows = store::keys::all(&mut *tx).await?;
    let mut promoted = Vec::new();
    for alg in Alg::ALL {
        if let Some(next) = rows.iter().find(|r| r.alg == alg.as_str() && r.state == "next") {
            store::keys::promote(&mut *tx, alg.as_str(), &next.kid, now).await?;
            promoted.push(next.kid.clone());
            create_key(&mut *tx, master, rng, alg, "next", now).await?;
        }
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(promoted)
}

/// What checking a token's signature established, kept so that the same token presented again
/// (a resource server introspects one token many times) is not verified again. The signature of
/// given bytes under a given key never changes; everything that can (the key still being in the
/// set, the expected type, the issuer, the expiry) the caller checks again on every use.
pub struct Verified {
    /// The key that verified it: a hit counts only while the set still holds this very key.
    pub key: Arc<SigningKey>,
    /// The header's `typ`, if it had one.
    pub typ: Option<String>,
    pub claims: Value,
}

/// At most this many verified tokens are kept; past it the map is emptied and fills again.
const MAX_VERIFIED: usize = 1024;
/// Longer tokens (an ID token with many bodies' claims) are not kept, so the map's memory stays
/// bounded (about 1024 × 4 KB of claims at most).
const MAX_VERIFIED_TOKEN_LEN: usize = 2048;

type VerifiedMap = HashMap<[u8; 32], Arc<Verified>>;

/// The decrypted key set, shared by every request and reloaded from the database when it may
/// have changed (another instance rotated).
#[derive(Clone)]
pub struct KeySet {
    inner: Arc<RwLock<Vec<Arc<SigningKey>>>>,
    /// The JWKS document, serialised once per reload: it is fetched far more often than keys change.
    jwks_json: Arc<RwLock<Arc<str>>>,
    /// Tokens whose signature one of these keys verified, by the SHA-256 of the whole token.
    /// Emptied on every reload, so a key that leaves the set takes its tokens with it.
    verified: Arc<Mutex<VerifiedMap>>,
}

impl KeySet {
    pub async fn load(db: &Db, master: &MasterKey) -> Result<Self, KeyError> {
        let set = Self {
            inner: Arc::new(RwLock::new(Vec::new())),
            jwks_json: Arc::new(RwLock::new(Arc::from("{\"keys\":[]}"))),
            verified: Arc::default(),
        };
        set.reload(db, master).await?;
        Ok(set)
    }

    pub async fn reload(&self, db: &Db, master: &MasterKey) -> Result<(), KeyError> {
        let rows = store::keys::all(db).await?;
        let mut keys = Vec::with_capacity(rows.len());
        for r in rows {
            let alg = Alg::parse(&r.alg)?;
            let pkcs8 = master.decrypt(&r.private_key_encrypted, &r.kid)?;
            let signer = parse_signer(alg, &pkcs8, &r.kid)?;
            let verifier = parse_verifier(&signer, &r.kid)?;
            let public_jwk: Value = serde_json::from_str(&r.public_jwk).map_err(|_| KeyError::Parse(r.kid.clone()))?;
            keys.push(Arc::new(SigningKey { kid: r.kid, alg, state: r.state, public_jwk, signer, verifier }));
        }
        let doc = json!({ "keys": keys.iter().map(|k| k.public_jwk.clone()).collect::<Vec<_>>() }).to_string();
        *self.inner.write().await = keys;
        *self.jwks_json.write().await = Arc::from(doc);
        // After the swap: a token verified under a key that has just gone cannot be let in by
        // an entry made before it went.
        if let Ok(mut map) = self.verified.lock() {
            map.clear();
        }
        Ok(())
    }

    /// What verifying the token under `note` established, if one of these keys has verified it
    /// since the last reload.
    pub fn verified(&self, note: &NoteKey) -> Option<Arc<Verified>> {
        self.verified.lock().ok().and_then(|map| map.get(&note.0).cloned())
    }

    /// Notes that the token under `note` verified (`None`: a token too long to keep). A note can
    /// land just after a reload emptied the map, for a key the reload removed: so whoever reads
    /// it checks that its key is still here.
    pub fn note_verified(&self, note: Option<NoteKey>, verified: Verified) -> Arc<Verified> {
        let verified = Arc::new(verified);
        if let Some(note) = note
            && let Ok(mut map) = self.verified.lock()
        {
            if map.len() >= MAX_VERIFIED {
                map.clear();
            }
            map.insert(note.0, verified.clone());
        }
        verified
    }

    pub async fn current(&self, alg: Alg) -> Result<Arc<SigningKey>, KeyError> {
        self.inner.read().await.iter().find(|k| k.alg == alg && k.state == "current").cloned().ok_or(KeyError::NoCurrentKey(alg.as_str()))
    }

    pub async fn by_kid(&self, kid: &str) -> Option<Arc<SigningKey>> {
        self.inner.read().await.iter().find(|k| k.kid == kid).cloned()
    }

    /// The serialised JWKS, ready to send.
    pub async fn jwks_json(&self) -> Arc<str> {
        self.jwks_json.read().await.clone()
    }

    /// Every published key: next, current and retired.
    pub async fn jwks(&self) -> Value {
        let keys: Vec<Value> = self.inner.read().await.iter().map(|k| k.public_jwk.clone()).collect();
        json!({ "keys": keys })
    }

    pub async fn summary(&self) -> Vec<(String, Alg, String)> {
        self.inner.read().await.iter().map(|k| (k.kid.clone(), k.alg, k.state.clone())).collect()
    }
}

/// What a token is noted under in [`KeySet::verified`]: the whole token's SHA-256, so neither
/// the map's hashing nor its comparisons run over the token itself. Worked out once a request,
/// for the look-up and, on a miss, the note.
pub struct NoteKey([u8; 32]);

impl NoteKey {
    /// None for a token too long to keep.
    pub fn of(token: &str) -> Option<Self> {
        if token.len() > MAX_VERIFIED_TOKEN_LEN {
            return None;
        }
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()).as_ref().try_into().ok().map(NoteKey)
    }
}

#[cfg(test)]
impl KeySet {
    /// Puts `keys` in the set, emptying the verified map only if `as_reload`: without, it is the
    /// race in which a note lands just after a reload emptied the map.
    pub(crate) async fn replace_keys(&self, keys: Vec<Arc<SigningKey>>, as_reload: bool) {
        *self.inner.write().await = keys;
        if as_reload && let Ok(mut map) = self.verified.lock() {
            map.clear();
        }
    }

    pub(crate) async fn all_keys(&self) -> Vec<Arc<SigningKey>> {
        self.inner.read().await.clone()
    }

    pub(crate) fn verified_len(&self) -> usize {
        self.verified.lock().map(|m| m.len()).unwrap_or_default()
    }
}

/// An in-memory key set with one current key per algorithm, for unit tests of what signs and
/// verifies with it.
#[cfg(test)]
pub(crate) fn test_key_set() -> KeySet {
    let keys: Vec<Arc<SigningKey>> = Alg::ALL
        .iter()
        .map(|&alg| {
            let (pkcs8, mut jwk) = generate(alg).unwrap();
            let kid = format!("{}-test", alg.as_str().to_lowercase());
            jwk["kid"] = json!(kid);
            let signer = parse_signer(alg, &pkcs8, &kid).unwrap();
            let verifier = parse_verifier(&signer, &kid).unwrap();
            Arc::new(SigningKey { kid: kid.clone(), alg, state: "current".into(), public_jwk: jwk, signer, verifier })
        })
        .collect();
    KeySet { inner: Arc::new(RwLock::new(keys)), jwks_json: Arc::new(RwLock::new(Arc::from("{\"keys\":[]}"))), verified: Arc::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_sign_and_verify() {
        for alg in Alg::ALL {
            let (pkcs8, jwk) = generate(alg).unwrap();
            let signer = parse_signer(alg, &pkcs8, "k").unwrap();
            let verifier = parse_verifier(&signer, "k").unwrap();
            let key = SigningKey { kid: "k".into(), alg, state: "current".into(), public_jwk: jwk.clone(), signer, verifier };
            let sig = key.sign_with(b"hello", <[u8]>::to_vec).unwrap();
            assert!(key.verify(b"hello", &sig));
            assert!(!key.verify(b"hellO", &sig));
            match (alg, &key.signer) {
                (Alg::RS256, Signer::Rsa(kp)) => {
                    let pk = signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, kp.public_key().as_ref());
                    pk.verify(b"hello", &sig).unwrap();
                    assert_eq!(sig.len(), 256);
                }
                (Alg::ES256, Signer::Ec(kp)) => {
                    let pk = signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, kp.public_key().as_ref());
                    pk.verify(b"hello", &sig).unwrap();
                    assert_eq!(sig.len(), 64);
                }
                _ => unreachable!(),
            }
        }
    }
}

//! Secret values: redacted `Debug`, constant-time comparison, and the random tokens and hashes
//! we store instead of one-time secrets.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::clock::Random;

/// A string that must never be printed or logged.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The secret itself. Call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SecretString)
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// Constant-time equality for secrets of possibly different lengths.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// A fresh random token: 32 bytes, URL-safe base64 without padding (43 characters).
pub fn random_token(rng: &dyn Random) -> SecretString {
    let mut buf = [0u8; 32];
    rng.fill(&mut buf);
    let s = URL_SAFE_NO_PAD.encode(buf);
    buf.zeroize();
    SecretString(s)
}

/// A random identifier that is not secret (e.g. an OIDC `sid`).
pub fn random_id(rng: &dyn Random, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rng.fill(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// What we store for a one-time or bearer secret: SHA-256, hex. The secret has 256 bits of
/// entropy, so a fast hash is enough and no salt is needed.
pub fn token_hash(token: &str) -> String {
    // Into a buffer rather than `hex::encode`, which builds the string a char at a time: this
    // runs on every token request (the client secret) and every introspection.
    let mut hex = [0u8; 64];
    if hex::encode_to_slice(Sha256::digest(token.as_bytes()), &mut hex).is_err() {
        return String::new();
    }
    String::from_utf8(hex.to_vec()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::OsRandom;

    #[test]
    fn debug_is_redacted() {
        let s = SecretString::new("hunter2");
        assert_eq!(format!("{s:?}"), "SecretString([redacted])");
    }

    #[test]
    fn a_token_hash_is_sha256_in_lower_case_hex() {
        // FIPS 180-2's test vectors: hashes stored before this function was rewritten must match.
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(token_hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn tokens_are_unique_and_url_safe() {
        let a = random_token(&OsRandom);
        let b = random_token(&OsRandom);
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 43);
        assert!(a.expose().chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn ct_eq_works() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
    }
}

//! The master key encrypts secrets at rest (private signing keys, TOTP secrets, upstream client
//! secrets). It comes from STILE_MASTER_KEY or a 0600 file in the data directory made on first
//! start. Losing it means losing the encrypted data, so the file is never overwritten.

use std::io::Write;
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

use crate::clock::Random;

pub const ENV_VAR: &str = "STILE_MASTER_KEY";
const FILE_NAME: &str = "master.key";

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("{ENV_VAR} must be 32 bytes in URL-safe base64 (43 characters)")]
    BadEnv,
    #[error("the master key file {0} is not 32 bytes of URL-safe base64")]
    BadFile(String),
    #[error("cannot read or create the master key file {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("decryption failed: wrong master key or damaged data")]
    Decrypt,
    #[error("encryption failed")]
    Encrypt,
}

pub struct MasterKey {
    key: LessSafeKey,
    /// For [`MasterKey::mac`]: derived from the master key, never the encryption key itself.
    mac_key: hmac::Key,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).ok()?;
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, bytes), b"stile mac key v1");
        Some(Self { key: LessSafeKey::new(unbound), mac_key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()) })
    }

    /// From the environment value if given, else from (or into) `data_dir/master.key`.
    pub fn load_or_create(env_value: Option<&str>, data_dir: &Path, rng: &dyn Random) -> Result<(Self, bool), MasterKeyError> {
        if let Some(v) = env_value.filter(|v| !v.trim().is_empty()) {
            let bytes = Zeroizing::new(URL_SAFE_NO_PAD.decode(v.trim()).map_err(|_| MasterKeyError::BadEnv)?);
            return Self::from_bytes(&bytes).filter(|_| bytes.len() == 32).map(|k| (k, false)).ok_or(MasterKeyError::BadEnv);
        }
        let path = data_dir.join(FILE_NAME);
        let io = |source| MasterKeyError::Io { path: path.display().to_string(), source };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let bytes =
                    Zeroizing::new(URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| MasterKeyError::BadFile(path.display().to_string()))?);
                if bytes.len() != 32 {
                    return Err(MasterKeyError::BadFile(path.display().to_string()));
                }
                Self::from_bytes(&bytes).map(|k| (k, false)).ok_or(MasterKeyError::BadFile(path.display().to_string()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir).map_err(io)?;
                let mut bytes = Zeroizing::new([0u8; 32]);
                rng.fill(bytes.as_mut());
                let encoded = Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref()));
                // Written whole to a file of our own, then linked into place: linking fails if
                // the name exists, so of two processes starting on a new data directory one key
                // wins, and neither can read the other's file half-written.
                let mut tag = [0u8; 8];
                rng.fill(&mut tag);
                let tmp = data_dir.join(format!(".{FILE_NAME}.{}.tmp", URL_SAFE_NO_PAD.encode(tag)));
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let written = opts.open(&tmp).and_then(|mut f| {
                    f.write_all(encoded.as_bytes())?;
                    f.write_all(b"\n")?;
                    f.sync_all()
                });
                let linked = written.and_then(|()| std::fs::hard_link(&tmp, &path));
                let _ = std::fs::remove_file(&tmp);
                match linked {
                    Ok(()) => Self::from_bytes(bytes.as_ref()).map(|k| (k, true)).ok_or(MasterKeyError::Encrypt),
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load_or_create(None, data_dir, rng),
                    Err(e) => Err(io(e)),
                }
            }
            Err(e) => Err(io(e)),
        }
    }

    /// AES-256-GCM with a random nonce; `context` is bound as associated data so a ciphertext
    /// cannot be moved to another row. Output: base64url(nonce || ciphertext || tag).
    pub fn encrypt(&self, plaintext: &[u8], context: &str, rng: &dyn Random) -> Result<String, MasterKeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce);
        let mut buf = Zeroizing::new(plaintext.to_vec());
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut *buf)
            .map_err(|_| MasterKeyError::Encrypt)?;
        let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    /// A tag over `data` that only this deployment can make (HMAC-SHA256 under a key derived
    /// from the master key), for values a browser carries that it must not be able to forge.
    /// `context` separates the uses. Output: base64url.
    pub fn mac(&self, context: &str, data: &[u8]) -> String {
        let mut ctx = hmac::Context::with_key(&self.mac_key);
        ctx.update(context.as_bytes());
        ctx.update(&[0]);
        ctx.update(data);
        URL_SAFE_NO_PAD.encode(ctx.sign().as_ref())
    }

    pub fn decrypt(&self, encoded: &str, context: &str) -> Result<Zeroizing<Vec<u8>>, MasterKeyError> {
        let raw = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| MasterKeyError::Decrypt)?;
        if raw.len() < NONCE_LEN {
            return Err(MasterKeyError::Decrypt);
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| MasterKeyError::Decrypt)?;
        let mut buf = Zeroizing::new(sealed.to_vec());
        let plain = self.key.open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf).map_err(|_| MasterKeyError::Decrypt)?;
        Ok(Zeroizing::new(plain.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::OsRandom;

    #[test]
    fn mac_is_keyed_and_separated_by_context() {
        let a = MasterKey::from_bytes(&[1; 32]).unwrap();
        let b = MasterKey::from_bytes(&[2; 32]).unwrap();
        let tag = a.mac("email-signin", b"x@example.org");
        assert_eq!(tag, a.mac("email-signin", b"x@example.org"), "the same input, the same tag");
        assert_ne!(tag, b.mac("email-signin", b"x@example.org"), "another key, another tag");
        assert_ne!(tag, a.mac("other", b"x@example.org"), "another use, another tag");
        // The context and data are kept apart: moving a byte across the boundary changes the tag.
        assert_ne!(a.mac("ab", b"c"), a.mac("a", b"bc"));
        assert_eq!(URL_SAFE_NO_PAD.decode(&tag).unwrap().len(), 32);
    }

    #[test]
    fn round_trip_and_context_binding() {
        let dir = tempfile::tempdir().unwrap();
        let (k, created) = MasterKey::load_or_create(None, dir.path(), &OsRandom).unwrap();
        assert!(created);
        let ct = k.encrypt(b"secret", "kid-1", &OsRandom).unwrap();
        assert_eq!(k.decrypt(&ct, "kid-1").unwrap().as_slice(), b"secret");
        assert!(k.decrypt(&ct, "kid-2").is_err());
        let (k2, created) = MasterKey::load_or_create(None, dir.path(), &OsRandom).unwrap();
        assert!(!created);
        assert_eq!(k2.decrypt(&ct, "kid-1").unwrap().as_slice(), b"secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("master.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    /// Processes starting together on a new data directory: every one ends up with the same
    /// key (the one file that was linked into place), none reads a half-written file, and no
    /// temporary file is left behind.
    #[test]
    fn racing_first_starts_agree_on_one_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("data");
            let macs: Vec<String> = std::thread::scope(|s| {
                let handles: Vec<_> =
                    (0..8).map(|_| s.spawn(|| MasterKey::load_or_create(None, &path, &OsRandom).unwrap().0.mac("t", b"x"))).collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert!(macs.windows(2).all(|w| w[0] == w[1]), "{macs:?}");
            let names: Vec<_> = std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert_eq!(names, vec![std::ffi::OsString::from(FILE_NAME)]);
        }
    }

    #[test]
    fn env_key_must_be_32_bytes() {
        let dir = tempfile::tempdir().unwrap();
        assert!(MasterKey::load_or_create(Some("dG9vIHNob3J0"), dir.path(), &OsRandom).is_err());
        let good = URL_SAFE_NO_PAD.encode([7u8; 32]);
        assert!(MasterKey::load_or_create(Some(&good), dir.path(), &OsRandom).is_ok());
        assert!(!dir.path().join("master.key").exists());
    }
}

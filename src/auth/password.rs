//! Password hashing: argon2id with bounded concurrency off the async runtime, verification of
//! imported bcrypt hashes, and rehashing when parameters change.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

use crate::config::PasswordSettings;
use crate::secret::SecretString;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("the server is busy hashing passwords")]
    Busy,
    #[error("password hashing failed")]
    Failed,
    #[error("invalid argon2 parameters")]
    Params,
}

/// The outcome of checking a password against what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub ok: bool,
    /// The stored hash is bcrypt or uses other argon2 parameters: store a fresh hash.
    pub needs_rehash: bool,
}

pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    queue_timeout: Duration,
    /// Verified against when there is no stored hash, so unknown users cost the same time.
    dummy_hash: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("params", &self.params).finish_non_exhaustive()
    }
}

impl PasswordHasher {
    pub fn new(settings: &PasswordSettings, concurrency: usize) -> Result<Self, HashError> {
        let params = Params::new(settings.argon2_memory_kib, settings.argon2_iterations, settings.argon2_parallelism, None)
            .map_err(|_| HashError::Params)?;
        let dummy_hash =
            argon2(&params).hash_password(b"stile dummy password for unknown accounts").map_err(|_| HashError::Failed)?.to_string();
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            queue_timeout: Duration::from_secs(settings.hash_queue_timeout_secs),
            dummy_hash,
        })
    }

    pub fn concurrency(&self) -> usize {
        self.permits.available_permits()
    }

    /// Runs `f` on the blocking pool once a hashing slot is free. Waiting is bounded in time, so a
    /// flood of sign-ins is told to come back rather than queueing without end.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.queue_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        let out = tokio::task::spawn_blocking(move || {
            let out = f();
            drop(permit);
            out
        })
        .await
        .map_err(|_| HashError::Failed)?;
        Ok(out)
    }

    pub async fn hash(&self, password: &SecretString) -> Result<String, HashError> {
        let params = self.params.clone();
        let password = password.clone();
        self.run(move || argon2(&params).hash_password(password.expose().as_bytes()).map(|h| h.to_string()))
            .await?
            .map_err(|_| HashError::Failed)
    }

    /// Checks `password` against `stored` (or the dummy hash when there is none, which never
    /// succeeds).
    pub async fn verify(&self, password: &SecretString, stored: Option<&str>) -> Result<Verified, HashError> {
        let (hash, real) = match stored {
            Some(h) => (h.to_owned(), true),
            None => (self.dummy_hash.clone(), false),
        };
        let params = self.params.clone();
        let password = password.clone();
        let verified = self.run(move || verify_blocking(&params, password.expose(), &hash)).await?;
        Ok(Verified { ok: verified.ok && real, needs_rehash: verified.needs_rehash && real })
    }
}

fn argon2(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn verify_blocking(current: &Params, password: &str, stored: &str) -> Verified {
    if stored.starts_with("$argon2") {
        let Ok(parsed) = PasswordHash::new(stored) else {
            tracing::warn!("a stored argon2 hash cannot be parsed");
            return Verified { ok: false, needs_rehash: false };
        };
        let ok = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        let same_params = Params::try_from(&parsed)
            .map(|p| p.m_cost() == current.m_cost() && p.t_cost() == current.t_cost() && p.p_cost() == current.p_cost())
            .unwrap_or(false);
        let same_alg = parsed.algorithm.as_str() == "argon2id";
        Verified { ok, needs_rehash: ok && !(same_params && same_alg) }
    } else if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$") || stored.starts_with("$2x$") {
        // Imported from FixMyStreet (bcrypt). bcrypt reads at most 72 bytes; longer inputs would
        // make every password with the same first 72 bytes match, so refuse them outright.
        if password.len() > 72 {
            return Verified { ok: false, needs_rehash: false };
        }
        let ok = bcrypt::verify(password, stored).unwrap_or(false);
        Verified { ok, needs_rehash: ok }
    } else {
        tracing::warn!("a stored password hash has an unknown format");
        Verified { ok: false, needs_rehash: false }
    }
}

/// True when `hash` looks like something `verify` understands, for imports.
pub fn is_supported_hash(hash: &str) -> bool {
    (hash.starts_with("$argon2") && PasswordHash::new(hash).is_ok())
        || ((hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$")) && hash.len() == 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> PasswordSettings {
        PasswordSettings {
            min_length: 8,
            max_length: 256,
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            argon2_parallelism: 1,
            max_concurrent_hashes: 2,
            hash_queue_timeout_secs: 5,
        }
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let h = PasswordHasher::new(&fast(), 2).unwrap();
        let pw = SecretString::new("correct horse");
        let stored = h.hash(&pw).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert_eq!(h.verify(&pw, Some(&stored)).await.unwrap(), Verified { ok: true, needs_rehash: false });
        assert!(!h.verify(&SecretString::new("wrong"), Some(&stored)).await.unwrap().ok);
        assert!(!h.verify(&pw, None).await.unwrap().ok);
    }

    #[tokio::test]
    async fn changed_params_and_bcrypt_need_rehash() {
        let h = PasswordHasher::new(&fast(), 2).unwrap();
        let pw = SecretString::new("correct horse");
        let mut other = fast();
        other.argon2_iterations = 2;
        let old = PasswordHasher::new(&other, 1).unwrap().hash(&pw).await.unwrap();
        assert_eq!(h.verify(&pw, Some(&old)).await.unwrap(), Verified { ok: true, needs_rehash: true });
        let bc = bcrypt::hash("correct horse", 4).unwrap();
        assert!(is_supported_hash(&bc));
        assert_eq!(h.verify(&pw, Some(&bc)).await.unwrap(), Verified { ok: true, needs_rehash: true });
        assert!(!h.verify(&SecretString::new("nope"), Some(&bc)).await.unwrap().ok);
        assert!(!h.verify(&pw, Some("plaintext")).await.unwrap().ok);
    }
}

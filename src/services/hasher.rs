//! Password hashing: argon2id with bounded concurrency off the async runtime, verification of
//! imported bcrypt hashes, and rehashing when parameters change.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
    /// argon2 working memory, one buffer per busy hashing slot (see [`MemoryPool`]).
    memory: Arc<MemoryPool>,
    /// The costliest stored hash that is ever verified.
    limits: HashLimits,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("params", &self.params).finish_non_exhaustive()
    }
}

/// Allocations at least this large are always mapped fresh by glibc's malloc and unmapped when
/// freed: its dynamic mmap threshold never rises above 32 MiB. A smaller buffer (argon2's 19 MiB)
/// raises that threshold when freed, after which each blocking thread keeps its own 19 MiB in its
/// arena for ever — the unbounded growth this pool exists to stop.
const ALWAYS_MAPPED_BYTES: usize = 33 * 1024 * 1024;

/// argon2 working memory. A buffer is taken for each hash and given back after it; at most one
/// buffer per hashing slot exists (the slots' semaphore bounds the takers), and when the last
/// running hash finishes the buffers are freed, so memory returns to the system between bursts.
/// Each buffer's capacity is at least [`ALWAYS_MAPPED_BYTES`] (only the pages used become
/// resident), so freeing it really gives it back.
#[derive(Default)]
struct MemoryPool {
    inner: std::sync::Mutex<PoolState>,
}

#[derive(Default)]
struct PoolState {
    free: Vec<Vec<Block>>,
    /// Hashes running now.
    busy: usize,
}

impl MemoryPool {
    fn take(&self, blocks: usize) -> Vec<Block> {
        let pooled = self.inner.lock().ok().and_then(|mut st| {
            st.busy += 1;
            let i = st.free.iter().position(|b| b.len() == blocks)?;
            Some(st.free.swap_remove(i))
        });
        pooled.unwrap_or_else(|| {
            let mut v = Vec::with_capacity(blocks.max(ALWAYS_MAPPED_BYTES / Block::SIZE));
            v.resize(blocks, Block::new());
            v
        })
    }

    /// Gives `buf` back; when no other hash is running, everything is freed.
    fn give(&self, buf: Vec<Block>) {
        let freed = self.inner.lock().ok().map(|mut st| {
            st.busy = st.busy.saturating_sub(1);
            if st.busy == 0 {
                std::mem::take(&mut st.free)
            } else {
                st.free.push(buf);
                Vec::new()
            }
        });
        // Unmapped outside the lock.
        drop(freed);
    }

    #[cfg(test)]
    fn pooled(&self) -> usize {
        self.inner.lock().map(|st| st.free.len()).unwrap_or(0)
    }
}

impl PasswordHasher {
    pub fn new(settings: &PasswordSettings, concurrency: usize) -> Result<Self, HashError> {
        let params = Params::new(settings.argon2_memory_kib, settings.argon2_iterations, settings.argon2_parallelism, None)
            .map_err(|_| HashError::Params)?;
        let memory = Arc::new(MemoryPool::default());
        let dummy_hash = hash_blocking(&params, &memory, b"stile dummy password for unknown accounts")?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            queue_timeout: Duration::from_secs(settings.hash_queue_timeout_secs),
            dummy_hash,
            memory,
            limits: HashLimits::from(settings),
        })
    }

    /// Runs one verification on a hashing slot, as a sign-in does, and returns how long it took:
    /// the start-up self-check (`server::serve` logs it for the operator). It also means the
    /// first sign-in after start finds its code and the blocking pool as every later one does.
    pub async fn self_check(&self) -> Result<Duration, HashError> {
        let started = std::time::Instant::now();
        self.verify(&SecretString::new("stile self-check".to_owned()), None).await?;
        Ok(started.elapsed())
    }

    pub fn concurrency(&self) -> usize {
        self.permits.available_permits()
    }

    /// Runs `f` on the blocking pool once a hashing slot is free. Waiting is bounded in time, so a
    /// flood of sign-ins is told to come back rather than queueing without end.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&MemoryPool) -> T + Send + 'static) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.queue_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        let memory = self.memory.clone();
        let out = tokio::task::spawn_blocking(move || {
            let out = f(&memory);
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
        self.run(move |memory| hash_blocking(&params, memory, password.expose().as_bytes())).await?
    }

    /// Checks `password` against `stored` (or the dummy hash when there is none, which never
    /// succeeds).
    pub async fn verify(&self, password: &SecretString, stored: Option<&str>) -> Result<Verified, HashError> {
        let (hash, real) = match stored {
            Some(h) => (h.to_owned(), true),
            None => (self.dummy_hash.clone(), false),
        };
        // A hash costlier than the limits (imported before they existed, or written to the
        // database directly) is never verified: a few sign-ins with it would hold every hashing
        // slot for minutes and stall password sign-in for everyone.
        if real && let Err(reason) = self.limits.check(&hash) {
            tracing::warn!(%reason, "refusing to verify a stored password hash above the configured cost limits");
            return Ok(Verified { ok: false, needs_rehash: false });
        }
        let params = self.params.clone();
        let password = password.clone();
        let verified = self.run(move |memory| verify_blocking(&params, memory, password.expose(), &hash)).await?;
        Ok(Verified { ok: verified.ok && real, needs_rehash: verified.needs_rehash && real })
    }
}

fn argon2(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

/// argon2id into pooled memory, as a PHC string (the same string `hash_password` makes).
fn hash_blocking(params: &Params, memory: &MemoryPool, password: &[u8]) -> Result<String, HashError> {
    let mut salt = [0u8; argon2::RECOMMENDED_SALT_LEN];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| HashError::Failed)?;
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    let mut blocks = memory.take(params.block_count());
    let done = argon2(params).hash_password_into_with_memory(password, &salt, &mut out, &mut blocks);
    memory.give(blocks);
    done.map_err(|_| HashError::Failed)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|_| HashError::Params)?,
        salt: Some(Salt::new(&salt).map_err(|_| HashError::Failed)?),
        hash: Some(Output::new(&out).map_err(|_| HashError::Failed)?),
    };
    Ok(phc.to_string())
}

/// Recomputes a stored argon2 hash into pooled memory; true when it matches (constant time).
fn argon2_matches(parsed: &PasswordHash, memory: &MemoryPool, password: &[u8]) -> bool {
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
    let Ok(params) = Params::try_from(parsed) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else { return false };
    let version = match parsed.version {
        None => Version::default(),
        Some(v) => match Version::try_from(v) {
            Ok(v) => v,
            Err(_) => return false,
        },
    };
    let mut out = vec![0u8; expected.len()];
    let mut blocks = memory.take(params.block_count());
    let done = Argon2::new(algorithm, version, params).hash_password_into_with_memory(password, salt.as_ref(), &mut out, &mut blocks);
    memory.give(blocks);
    done.is_ok() && bool::from(subtle::ConstantTimeEq::ct_eq(out.as_slice(), expected.as_bytes()))
}

fn verify_blocking(current: &Params, memory: &MemoryPool, password: &str, stored: &str) -> Verified {
    if stored.starts_with("$argon2") {
        let Ok(parsed) = PasswordHash::new(stored) else {
            tracing::warn!("a stored argon2 hash cannot be parsed");
            return Verified { ok: false, needs_rehash: false };
        };
        let ok = argon2_matches(&parsed, memory, password.as_bytes());
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

/// The costliest stored hash accepted (`[password] max_*`): bcrypt cost, argon2 memory (KiB),
/// iterations and lanes. Stile's own parameters always fit (the settings are checked for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLimits {
    pub bcrypt_cost: u32,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
}

impl From<&PasswordSettings> for HashLimits {
    fn from(s: &PasswordSettings) -> Self {
        HashLimits {
            bcrypt_cost: s.max_bcrypt_cost,
            argon2_memory_kib: s.max_argon2_memory_kib.max(s.argon2_memory_kib),
            argon2_iterations: s.max_argon2_iterations.max(s.argon2_iterations),
            argon2_parallelism: s.max_argon2_parallelism.max(s.argon2_parallelism),
        }
    }
}

impl HashLimits {
    /// Refuses (with a reason an importer can act on) a hash whose cost is above the limits or
    /// cannot be read. Cheap: it reads the parameters, it never hashes.
    pub fn check(&self, hash: &str) -> Result<(), String> {
        if hash.starts_with("$argon2") {
            let parsed = PasswordHash::new(hash).map_err(|_| "the argon2 hash cannot be read".to_owned())?;
            let p = Params::try_from(&parsed).map_err(|_| "the argon2 hash has parameters out of range".to_owned())?;
            if p.m_cost() > self.argon2_memory_kib || p.t_cost() > self.argon2_iterations || p.p_cost() > self.argon2_parallelism {
                return Err(format!(
                    "the argon2 hash costs m={},t={},p={}; the most accepted is m={},t={},p={} ([password] max_argon2_*)",
                    p.m_cost(),
                    p.t_cost(),
                    p.p_cost(),
                    self.argon2_memory_kib,
                    self.argon2_iterations,
                    self.argon2_parallelism
                ));
            }
            Ok(())
        } else if let Some(rest) = ["$2a$", "$2b$", "$2y$", "$2x$"].iter().find_map(|p| hash.strip_prefix(p)) {
            let cost = rest.get(..2).filter(|_| rest.get(2..3) == Some("$")).and_then(|c| c.parse::<u32>().ok());
            match cost {
                Some(c) if c <= self.bcrypt_cost => Ok(()),
                Some(c) => {
                    Err(format!("the bcrypt hash has cost {c}; the most accepted is {} ([password] max_bcrypt_cost)", self.bcrypt_cost))
                }
                None => Err("the bcrypt hash has no readable cost".into()),
            }
        } else {
            Err("not a bcrypt or argon2 hash".into())
        }
    }
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
            max_bcrypt_cost: 12,
            max_argon2_memory_kib: 65536,
            max_argon2_iterations: 10,
            max_argon2_parallelism: 4,
        }
    }

    #[test]
    fn hash_cost_limits() {
        let l = HashLimits::from(&fast());
        let salt = "$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo";
        assert_eq!(l.check(&format!("$argon2id$v=19$m=65536,t=2,p=1{salt}")), Ok(()));
        let err = l.check(&format!("$argon2id$v=19$m=2097152,t=2,p=1{salt}")).unwrap_err();
        assert!(err.contains("m=2097152"), "{err}");
        assert!(l.check(&format!("$argon2id$v=19$m=1024,t=11,p=1{salt}")).is_err());
        assert!(l.check(&format!("$argon2id$v=19$m=1024,t=1,p=5{salt}")).is_err());
        let bc = bcrypt::hash("x", 4).unwrap();
        assert_eq!(l.check(&bc), Ok(()));
        let high = format!("$2b$31{}", bc.get(6..).unwrap());
        assert!(l.check(&high).unwrap_err().contains("cost 31"));
        assert!(l.check("$2b$xx$abc").is_err());
        assert!(l.check("plain").is_err());
    }

    #[tokio::test]
    async fn a_hash_above_the_limits_is_never_verified() {
        let h = PasswordHasher::new(&fast(), 2).unwrap();
        let pw = SecretString::new("correct horse");
        // The right password's bcrypt hash at cost 5: verified under a limit of 12, never under 4.
        let mut low = fast();
        low.max_bcrypt_cost = 4;
        let h4 = PasswordHasher::new(&low, 1).unwrap();
        let bc5 = bcrypt::hash("correct horse", 5).unwrap();
        assert!(h.verify(&pw, Some(&bc5)).await.unwrap().ok);
        assert_eq!(h4.verify(&pw, Some(&bc5)).await.unwrap(), Verified { ok: false, needs_rehash: false });
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
    async fn pooled_hashes_agree_with_the_argon2_crate() {
        use argon2::{PasswordHasher as _, PasswordVerifier as _};
        let h = PasswordHasher::new(&fast(), 2).unwrap();
        let pw = SecretString::new("correct horse");
        // Ours verifies with the crate's own verifier, and the crate's hashes verify with ours.
        let ours = h.hash(&pw).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2(&h.params).verify_password(b"correct horse", &parsed).is_ok());
        assert!(argon2(&h.params).verify_password(b"correct horsf", &parsed).is_err());
        let theirs = argon2(&h.params).hash_password(b"correct horse").unwrap().to_string();
        assert_eq!(h.verify(&pw, Some(&theirs)).await.unwrap(), Verified { ok: true, needs_rehash: false });
        assert!(!h.verify(&SecretString::new("correct horsf"), Some(&theirs)).await.unwrap().ok);
        // Two hashes of one password differ (fresh salt).
        assert_ne!(ours, h.hash(&pw).await.unwrap());
        // A lone hash frees its memory rather than keeping it.
        assert_eq!(h.memory.pooled(), 0);
    }

    #[test]
    fn pool_keeps_buffers_only_while_busy() {
        let pool = MemoryPool::default();
        let a = pool.take(8);
        let b = pool.take(8);
        assert_eq!(a.len(), 8);
        assert!(a.capacity() * Block::SIZE >= ALWAYS_MAPPED_BYTES);
        pool.give(a);
        assert_eq!(pool.pooled(), 1, "kept while another hash runs");
        let c = pool.take(8);
        assert_eq!(pool.pooled(), 0, "reused");
        pool.give(c);
        assert_eq!(pool.pooled(), 1);
        pool.give(b);
        assert_eq!(pool.pooled(), 0, "the last one out frees everything");
        // Another size (an imported hash with other parameters) is not mixed up with these.
        let d = pool.take(8);
        let e = pool.take(16);
        pool.give(d);
        let f = pool.take(16);
        assert_eq!(f.len(), 16);
        assert_eq!(pool.pooled(), 1);
        pool.give(e);
        pool.give(f);
        assert_eq!(pool.pooled(), 0);
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

//! Clients, the ban list and which client-credentials tokens are unrevoked, kept in memory
//! between requests: the token endpoint and introspection read the client on every request,
//! every grant checks the user against the bans, and resource servers introspect the same
//! token again and again, while all of these change rarely.
//!
//! What is cached is never stale for long. An entry is used only while
//! [`store::security_epoch`](crate::store::security_epoch) has not moved since it was read
//! (a write to clients or bans in this process moves it at once; on PostgreSQL a write by any
//! process notifies every instance, `server::security_listener`, which moves it), and never
//! longer than [`TTL`] after it was read, whatever the epoch says: that bounds what a write the
//! epoch cannot see (another process on the same SQLite file, a notification lost with the
//! listener's connection, a read that raced the writer's commit) can leave stale. Unknown client
//! ids are not cached, so a flood of made-up ids cannot fill the map.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::store::{self, Db, StoreError, clients::ClientRow};

/// The longest any cached item is used after it was read from the database, by default
/// (`[database] security_cache_ttl_ms`).
pub const TTL: Duration = Duration::from_secs(1);

/// At most this many clients, and this many unrevoked token ids, are kept; past it the map is
/// emptied and fills again.
const MAX_ENTRIES: usize = 10_000;

struct Entry<T> {
    epoch: u64,
    read_at: Instant,
    value: T,
}

impl<T: Clone> Entry<T> {
    fn fresh(&self, epoch: u64, now: Instant, ttl: Duration) -> Option<T> {
        (self.epoch == epoch && now.saturating_duration_since(self.read_at) < ttl).then(|| self.value.clone())
    }
}

/// Banned addresses and domains, as sign-in and the grants check them.
#[derive(Debug, Default)]
pub struct Bans {
    emails: HashSet<String>,
    domains: HashSet<String>,
}

impl Bans {
    pub fn from_rows(rows: Vec<store::abuse::BanRow>) -> Self {
        let mut bans = Bans::default();
        for r in rows {
            match r.kind.as_str() {
                "email" => bans.emails.insert(r.pattern),
                _ => bans.domains.insert(r.pattern),
            };
        }
        bans
    }

    /// True if the address itself, its domain or a parent domain with at least two labels is
    /// banned (as `store::abuse::is_banned` decides it).
    pub fn is_banned(&self, email: &str, domain: &str) -> bool {
        if self.emails.contains(email) || self.domains.contains(domain) {
            return true;
        }
        let mut rest = domain;
        while let Some((_, parent)) = rest.split_once('.') {
            if parent.contains('.') && self.domains.contains(parent) {
                return true;
            }
            rest = parent;
        }
        false
    }
}

pub struct SecurityCache {
    ttl: Duration,
    /// Each client as its caller made it from the row (the domain's `Client`, which this layer
    /// cannot name), so a hit costs no parsing.
    clients: Mutex<HashMap<String, Entry<Arc<dyn Any + Send + Sync>>>>,
    bans: Mutex<Option<Entry<Arc<Bans>>>>,
    /// The jti hashes of access tokens without a user (client credentials) found unrevoked:
    /// introspecting such a token again needs no query while this holds.
    unrevoked: Mutex<HashMap<String, Entry<()>>>,
}

impl std::fmt::Debug for SecurityCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecurityCache").finish_non_exhaustive()
    }
}

impl Default for SecurityCache {
    fn default() -> Self {
        Self::new(TTL)
    }
}

impl SecurityCache {
    /// A cache whose entries live at most `ttl` (zero: nothing is cached).
    pub fn new(ttl: Duration) -> Self {
        SecurityCache { ttl, clients: Mutex::default(), bans: Mutex::default(), unrevoked: Mutex::default() }
    }

    /// Client `id` as `make` builds it from its row, from memory when it was read under the
    /// current epoch within [`TTL`].
    pub async fn client<T, E>(&self, db: &Db, id: &str, make: impl FnOnce(ClientRow) -> Result<T, E>) -> Result<Option<Arc<T>>, E>
    where
        T: Any + Send + Sync,
        E: From<StoreError>,
    {
        let epoch = store::security_epoch::current();
        if let Ok(map) = self.clients.lock()
            && let Some(hit) = map.get(id).and_then(|e| e.fresh(epoch, Instant::now(), self.ttl))
            && let Ok(client) = hit.downcast::<T>()
        {
            return Ok(Some(client));
        }
        // The epoch was read before the query: a write that lands during it leaves this entry
        // already stale.
        let Some(row) = store::clients::by_id(db, id).await? else { return Ok(None) };
        let client = Arc::new(make(row)?);
        if let Ok(mut map) = self.clients.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            let value: Arc<dyn Any + Send + Sync> = client.clone();
            map.insert(id.to_owned(), Entry { epoch, read_at: Instant::now(), value });
        }
        Ok(Some(client))
    }

    /// True if the access token whose jti hashes to `jti_hash` was found unrevoked under the
    /// current epoch within the time to live (a revocation moves the epoch).
    pub fn known_unrevoked(&self, jti_hash: &str) -> bool {
        let epoch = store::security_epoch::current();
        self.unrevoked.lock().is_ok_and(|map| map.get(jti_hash).and_then(|e| e.fresh(epoch, Instant::now(), self.ttl)).is_some())
    }

    /// Notes that `jti_hash` was found unrevoked by a query begun under `epoch` (read before it).
    pub fn note_unrevoked(&self, jti_hash: String, epoch: u64) {
        if let Ok(mut map) = self.unrevoked.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(jti_hash, Entry { epoch, read_at: Instant::now(), value: () });
        }
    }

    /// The ban list, from memory when it was read under the current epoch within [`TTL`].
    pub async fn bans(&self, db: &Db) -> Result<Arc<Bans>, StoreError> {
        let epoch = store::security_epoch::current();
        if let Ok(slot) = self.bans.lock()
            && let Some(bans) = slot.as_ref().and_then(|e| e.fresh(epoch, Instant::now(), self.ttl))
        {
            return Ok(bans);
        }
        let bans = Arc::new(Bans::from_rows(store::abuse::list(db).await?));
        if let Ok(mut slot) = self.bans.lock() {
            *slot = Some(Entry { epoch, read_at: Instant::now(), value: bans.clone() });
        }
        Ok(bans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ban(pattern: &str, kind: &str) -> store::abuse::BanRow {
        store::abuse::BanRow { pattern: pattern.into(), kind: kind.into(), reason: String::new(), created_at: 0 }
    }

    #[test]
    fn bans_match_the_address_its_domain_and_parents() {
        let b = Bans::from_rows(vec![ban("eve@example.org", "email"), ban("spam.example", "domain"), ban("example", "domain")]);
        assert!(b.is_banned("eve@example.org", "example.org"));
        assert!(!b.is_banned("ada@example.org", "example.org"));
        assert!(b.is_banned("x@spam.example", "spam.example"));
        assert!(b.is_banned("x@mail.spam.example", "mail.spam.example"));
        assert!(b.is_banned("x@a.b.spam.example", "a.b.spam.example"));
        // A single-label parent (a top-level domain) is never matched through a subdomain.
        assert!(!b.is_banned("x@other.example", "other.example"));
        assert!(!b.is_banned("x@notspam.example", "notspam.example"));
    }

    #[test]
    fn an_entry_lives_for_its_epoch_and_at_most_the_ttl() {
        let t0 = Instant::now();
        let e = Entry { epoch: 7, read_at: t0, value: 1 };
        assert_eq!(e.fresh(7, t0, TTL), Some(1));
        assert_eq!(e.fresh(7, t0 + TTL - Duration::from_millis(1), TTL), Some(1));
        assert_eq!(e.fresh(7, t0 + TTL, TTL), None, "never past the TTL");
        assert_eq!(e.fresh(8, t0, TTL), None, "a write since it was read");
        assert_eq!(e.fresh(7, t0, Duration::ZERO), None, "a TTL of zero caches nothing");
    }
}

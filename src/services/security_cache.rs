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
//!
//! When an entry expires under load, the requests that find it gone take turns to read it
//! (one turn per client id, and one for the ban list): the first reads it and the rest find it
//! in memory again. Each used to read it for itself, so every second a busy client's requests in
//! flight each made a query at once, and the pool opened connections for them (on SQLite each a
//! thread, a file and the parsed schema) that were closed again ten seconds later.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::store::{self, Db, StoreError, clients::ClientRow};

/// The longest any cached item is used after it was read from the database, by default
/// (`[database] security_cache_ttl_ms`).
pub const TTL: Duration = Duration::from_secs(1);

/// The longest a request waits for the read of the request before it in the queue, then reads
/// for itself: long enough for a query, short enough that a database that stopped answering
/// cannot hold the queue one request behind the other.
const TURN_WAIT: Duration = Duration::from_millis(100);

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
        Self::from_patterns(rows.into_iter().map(|r| (r.pattern, r.kind)))
    }

    /// From `(pattern, kind)` pairs, `kind` being `email` or `domain`.
    pub fn from_patterns(rows: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut bans = Bans::default();
        for (pattern, kind) in rows {
            match kind.as_str() {
                "email" => bans.emails.insert(pattern),
                _ => bans.domains.insert(pattern),
            };
        }
        bans
    }

    /// True if the address itself, the same mailbox without a `+tag` (`eve+x@` is delivered to
    /// `eve@`), its domain or a parent domain with at least two labels is banned. Every path
    /// that checks bans asks this (sign-in, sign-up, grants, the admin operations, the import).
    pub fn is_banned(&self, email: &str, domain: &str) -> bool {
        if self.emails.contains(email) || self.domains.contains(domain) {
            return true;
        }
        if let Some((local, at_domain)) = email.rsplit_once('@')
            && let Some((mailbox, _tag)) = local.split_once('+')
            && self.emails.contains(&format!("{mailbox}@{at_domain}"))
        {
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
    /// [`TURN_WAIT`], but for tests, which wait as long as a loaded machine takes.
    turn_wait: Duration,
    /// Each client as its caller made it from the row (the domain's `Client`, which this layer
    /// cannot name), so a hit costs no parsing.
    clients: Mutex<HashMap<String, Entry<Arc<dyn Any + Send + Sync>>>>,
    bans: Mutex<Option<Entry<Arc<Bans>>>>,
    /// The jti hashes of access tokens without a user (client credentials) found unrevoked:
    /// introspecting such a token again needs no query while this holds.
    unrevoked: Mutex<HashMap<String, Entry<()>>>,
    /// The turns of the requests that found a client missing, by client id, while any waits.
    client_turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The turn of the requests that found the ban list expired.
    bans_turn: tokio::sync::Mutex<()>,
}

/// A request's place in the queue to read one client: dropped (however the request ends), it
/// removes the queue when no one else is in it, so the map holds only ids being read.
struct ClientTurn<'a> {
    turns: &'a Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    id: &'a str,
    queue: Arc<tokio::sync::Mutex<()>>,
}

impl<'a> ClientTurn<'a> {
    fn join(turns: &'a Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>, id: &'a str) -> Self {
        let queue = match turns.lock() {
            Ok(mut map) => map.entry(id.to_owned()).or_default().clone(),
            // A poisoned map: a queue of one, as before there were turns.
            Err(_) => Arc::default(),
        };
        ClientTurn { turns, id, queue }
    }
}

impl Drop for ClientTurn<'_> {
    fn drop(&mut self) {
        // Clones are made only under this lock, so two holders (the map and this turn) means
        // no one else is queued.
        if let Ok(mut map) = self.turns.lock()
            && Arc::strong_count(&self.queue) <= 2
            && map.get(self.id).is_some_and(|q| Arc::ptr_eq(q, &self.queue))
        {
            map.remove(self.id);
        }
    }
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
        SecurityCache {
            ttl,
            turn_wait: TURN_WAIT,
            clients: Mutex::default(),
            bans: Mutex::default(),
            unrevoked: Mutex::default(),
            client_turns: Mutex::default(),
            bans_turn: tokio::sync::Mutex::default(),
        }
    }

    /// Client `id` as `make` builds it from its row, from memory when it was read under the
    /// current epoch within [`TTL`].
    pub async fn client<T, E>(&self, db: &Db, id: &str, make: impl FnOnce(ClientRow) -> Result<T, E>) -> Result<Option<Arc<T>>, E>
    where
        T: Any + Send + Sync,
        E: From<StoreError>,
    {
        if let Some(hit) = self.client_in_memory(id) {
            return Ok(Some(hit));
        }
        // Nothing is kept with a TTL of zero, so there is nothing to wait for.
        let turn = (!self.ttl.is_zero()).then(|| ClientTurn::join(&self.client_turns, id));
        let _mine = match &turn {
            Some(t) => tokio::time::timeout(self.turn_wait, t.queue.lock()).await.ok(),
            None => None,
        };
        // Read by the request before this one in the queue.
        if let Some(hit) = self.client_in_memory(id) {
            return Ok(Some(hit));
        }
        // The epoch is read before the query: a write that lands during it leaves this entry
        // already stale.
        let epoch = store::security_epoch::current();
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

    fn client_in_memory<T: Any + Send + Sync>(&self, id: &str) -> Option<Arc<T>> {
        let epoch = store::security_epoch::current();
        let map = self.clients.lock().ok()?;
        map.get(id).and_then(|e| e.fresh(epoch, Instant::now(), self.ttl))?.downcast::<T>().ok()
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
        if let Some(bans) = self.bans_in_memory() {
            return Ok(bans);
        }
        let _mine = if self.ttl.is_zero() { None } else { tokio::time::timeout(self.turn_wait, self.bans_turn.lock()).await.ok() };
        if let Some(bans) = self.bans_in_memory() {
            return Ok(bans);
        }
        let epoch = store::security_epoch::current();
        let bans = Arc::new(Bans::from_rows(store::abuse::list(db).await?));
        if let Ok(mut slot) = self.bans.lock() {
            *slot = Some(Entry { epoch, read_at: Instant::now(), value: bans.clone() });
        }
        Ok(bans)
    }

    fn bans_in_memory(&self) -> Option<Arc<Bans>> {
        let epoch = store::security_epoch::current();
        self.bans.lock().ok()?.as_ref()?.fresh(epoch, Instant::now(), self.ttl)
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
        // A +tag is the same mailbox; another mailbox that starts alike is not.
        assert!(b.is_banned("eve+1@example.org", "example.org"));
        assert!(b.is_banned("eve+a+b@example.org", "example.org"));
        assert!(!b.is_banned("eve1@example.org", "example.org"));
        assert!(!b.is_banned("eve+1@example.com", "example.com"));
        // A banned tagged address bans that address only.
        let tagged = Bans::from_rows(vec![ban("ada+spam@example.org", "email")]);
        assert!(tagged.is_banned("ada+spam@example.org", "example.org"));
        assert!(!tagged.is_banned("ada@example.org", "example.org"));
    }

    async fn db_with_a_client() -> (Db, tempfile::TempDir) {
        let (db, dir) = crate::auth::testing::scratch_db().await;
        let spec = crate::clients::ClientSpec {
            id: Some("permits".into()),
            name: "Permits".into(),
            grant_types: vec![crate::clients::GrantType::ClientCredentials],
            scopes: vec!["api.read".into()],
            ..crate::clients::ClientSpec::default()
        };
        crate::clients::register(&db, spec, &crate::clock::OsRandom, 1_800_000_000).await.expect("a valid client");
        (db, dir)
    }

    /// A cache whose requests wait for their turn however slow the machine: the 100 ms of
    /// [`TURN_WAIT`] is a bound for a database that stopped answering, not for a test's
    /// scheduling on a loaded machine.
    fn patient_cache() -> SecurityCache {
        SecurityCache { turn_wait: Duration::from_secs(60), ..SecurityCache::new(TTL) }
    }

    /// Runs `attempt` (on a cache of its own) until one runs with the epoch unmoved, and returns
    /// that one's result: other tests in this process write clients and bans, which moves the
    /// epoch and rightly makes an entry read before it stale, so a request after it reads again.
    async fn with_steady_epoch<T, F: std::future::Future<Output = T>>(mut attempt: impl FnMut() -> F) -> T {
        for _ in 0..50 {
            let before = store::security_epoch::current();
            let out = attempt().await;
            if store::security_epoch::current() == before {
                return out;
            }
        }
        panic!("the epoch moved during each of 50 attempts");
    }

    #[tokio::test]
    async fn requests_that_find_a_client_missing_together_read_it_once() {
        let (db, _dir) = db_with_a_client().await;
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let make = |row: ClientRow| {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, StoreError>(row.id)
        };
        let (cache, got) = with_steady_epoch(|| async {
            reads.store(0, std::sync::atomic::Ordering::SeqCst);
            let cache = patient_cache();
            let got = futures_util::future::join_all((0..32).map(|_| cache.client(&db, "permits", make))).await;
            (cache, got)
        })
        .await;
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1, "one read for 32 requests");
        let first = got.first().and_then(|r| r.as_ref().ok()).and_then(Option::clone).expect("the client");
        assert!(got.iter().all(|r| r.as_ref().is_ok_and(|c| c.as_ref().is_some_and(|c| Arc::ptr_eq(c, &first)))));
        assert!(cache.client_turns.lock().expect("not poisoned").is_empty(), "no queue is left behind");

        // An unknown id is read by each request in turn (it is never kept), and leaves no queue.
        let unknown = futures_util::future::join_all((0..8).map(|_| cache.client(&db, "nobody", make))).await;
        assert!(unknown.iter().all(|r| matches!(r, Ok(None))));
        assert!(cache.client_turns.lock().expect("not poisoned").is_empty());

        // With a TTL of zero nothing is kept, and every request reads for itself.
        let uncached = SecurityCache::new(Duration::ZERO);
        reads.store(0, std::sync::atomic::Ordering::SeqCst);
        futures_util::future::join_all((0..4).map(|_| uncached.client(&db, "permits", make))).await;
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn requests_that_find_the_bans_expired_together_read_them_once() {
        let (db, _dir) = crate::auth::testing::scratch_db().await;
        let got = with_steady_epoch(|| async {
            let cache = patient_cache();
            futures_util::future::join_all((0..16).map(|_| cache.bans(&db))).await
        })
        .await;
        let first = got.first().and_then(|r| r.as_ref().ok()).cloned().expect("the ban list");
        assert!(got.iter().all(|r| r.as_ref().is_ok_and(|b| Arc::ptr_eq(b, &first))), "one read, shared");
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

//! The JWK sets of `private_key_jwt` clients that publish them at a `jwks_uri`, cached per client
//! for `oauth.jwks_cache_secs`. The fetch itself is `tokens::client_assertion`'s.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::Timestamp;
use crate::jose::JwkSet;

#[derive(Clone)]
struct Entry {
    uri: String,
    fetched_at: Timestamp,
    /// `None` when the last fetch failed: the failure is remembered until the refetch floor.
    set: Option<JwkSet>,
}

#[derive(Default)]
pub struct ClientJwksCache {
    entries: Mutex<HashMap<String, Entry>>,
    /// One fetch at a time, so a burst of assertions from a client fetches its set once.
    pub fetching: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for ClientJwksCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientJwksCache")
    }
}

/// What the cache holds for a client's current `jwks_uri`.
pub struct Cached {
    pub fetched_at: Timestamp,
    pub set: Option<JwkSet>,
}

impl ClientJwksCache {
    /// The last fetch of `uri` for `client_id`, if any (a changed URI counts as never fetched).
    pub fn get(&self, client_id: &str, uri: &str) -> Option<Cached> {
        let entries = self.entries.lock().ok()?;
        let e = entries.get(client_id).filter(|e| e.uri == uri)?;
        Some(Cached { fetched_at: e.fetched_at, set: e.set.clone() })
    }

    pub fn put(&self, client_id: &str, uri: &str, now: Timestamp, set: Option<JwkSet>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(client_id.to_owned(), Entry { uri: uri.to_owned(), fetched_at: now, set });
        }
    }
}

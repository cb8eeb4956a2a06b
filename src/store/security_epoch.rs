//! The generation of the security state this process caches (clients, bans, signing keys).
//!
//! Every write to those tables made through this module's siblings moves the epoch on (at the
//! statement, and again once the writer has committed where it can say so), and so does a
//! PostgreSQL notification that another process wrote to them (`server::security_listener`,
//! from the triggers of migration 0020). A cached entry is used only while the epoch it was read
//! under is still current, and never longer than its time to live
//! (`services::security_cache::TTL`), which bounds what a write the epoch did not see (a second
//! process on one SQLite file, a lost notification, a read that raced a commit) can leave stale.
//!
//! One counter for the process, not one per database: a change anywhere empties every cache,
//! which is always safe and costs one query per cached item.

use std::sync::atomic::{AtomicU64, Ordering};

static EPOCH: AtomicU64 = AtomicU64::new(0);

/// The current epoch: read it before fetching what is to be cached.
pub fn current() -> u64 {
    EPOCH.load(Ordering::Acquire)
}

/// Something cached may have changed: every entry read before now is stale.
pub fn changed() {
    EPOCH.fetch_add(1, Ordering::AcqRel);
}

/// The PostgreSQL channel the triggers of migration 0020 notify, with the table's name.
pub const CHANNEL: &str = "stile_security";

/// On PostgreSQL (`url`), for as long as the process runs: listens on [`CHANNEL`] on a
/// connection of its own and moves the epoch on every notification, so that a write by any
/// instance empties every instance's cache at once; wakes `keys_changed` when the signing keys
/// changed. Whenever it (re)connects it moves the epoch and wakes `keys_changed` too, since
/// what was written while it was not listening was not announced.
pub async fn listen(url: String, keys_changed: std::sync::Arc<tokio::sync::Notify>) {
    use sqlx::postgres::PgListener;
    let retry = std::time::Duration::from_secs(1);
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(error = %e, "cannot listen for security changes yet");
                tokio::time::sleep(retry).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::debug!(error = %e, "cannot listen for security changes yet");
            tokio::time::sleep(retry).await;
            continue;
        }
        changed();
        keys_changed.notify_one();
        // `Ok(None)`: the connection was lost, and with it any notification sent meanwhile; start
        // again from a fresh connection (which moves the epoch once listening again).
        while let Ok(Some(n)) = listener.try_recv().await {
            changed();
            if n.payload() == "signing_keys" {
                keys_changed.notify_one();
            }
        }
        changed();
        tokio::time::sleep(retry).await;
    }
}

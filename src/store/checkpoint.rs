//! Copying SQLite's write-ahead log into the database file off the request path.
//!
//! By default SQLite checkpoints inside the commit that takes the log past 1,000 pages: that one
//! request waits while every page changed since the last checkpoint is written to the database
//! file and synced. At a million users a sign-in's writes (its user, session and audit rows and
//! their index entries) land on pages spread over the file, so each checkpoint has more distinct
//! pages to write, and the sign-ins that paid for one made the p99 (issue 19's scale bench).
//!
//! The server's connections ([`Checkpoint::Background`]) leave checkpoints to [`run`], a task
//! that checkpoints every [`EVERY`] in `PASSIVE` mode: it takes no lock a request waits for, and
//! writers go on appending to the log while it copies. A commit still checkpoints once the log
//! passes [`FALLBACK_PAGES`], so the log stays bounded if the task falls behind. Commands beside
//! the server keep SQLite's default; PostgreSQL checkpoints in its own processes.

use std::time::Duration;

use super::{Db, DbKind, Result};

/// How often [`run`] checkpoints.
pub const EVERY: Duration = Duration::from_secs(1);

/// The log's size, in pages, at which a commit checkpoints anyway (about 40 MB at 4 KiB pages;
/// SQLite's default is 1,000).
pub const FALLBACK_PAGES: u32 = 10_000;

/// Who checkpoints a SQLite database's write-ahead log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Checkpoint {
    /// SQLite's default: the commit that takes the log past 1,000 pages.
    #[default]
    OnCommit,
    /// [`run`], with a commit checkpointing only past [`FALLBACK_PAGES`].
    Background,
}

/// What one checkpoint found and did, in log frames (pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpointed {
    /// Frames in the log.
    pub log: i64,
    /// Frames now in the database file (all of them unless a reader still needed older ones).
    pub copied: i64,
}

impl Db {
    /// One `PASSIVE` checkpoint on an idle pooled connection: None when the database is not
    /// SQLite or no connection is idle (the next round, or a commit past the fallback, does it).
    pub async fn checkpoint_once(&self) -> Result<Option<Checkpointed>> {
        if self.kind != DbKind::Sqlite {
            return Ok(None);
        }
        let Some(mut conn) = self.pool.try_acquire() else { return Ok(None) };
        let (_busy, log, copied) = sqlx::query_as::<_, (i64, i64, i64)>("pragma wal_checkpoint(PASSIVE)").fetch_one(&mut *conn).await?;
        Ok(Some(Checkpointed { log, copied }))
    }
}

/// Checkpoints every [`EVERY`] while the server runs; returns at once unless the pool was opened
/// with [`Checkpoint::Background`].
pub async fn run(db: Db) {
    if db.checkpoint != Checkpoint::Background || db.kind != DbKind::Sqlite {
        return;
    }
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match db.checkpoint_once().await {
            Ok(Some(c)) if c.copied < c.log => tracing::debug!(log = c.log, copied = c.copied, "checkpoint left frames a reader needs"),
            Ok(_) => {}
            // The database away: the outage probe reports it; the next round tries again.
            Err(e) => tracing::debug!(error = %e, "checkpoint failed"),
        }
    }
}

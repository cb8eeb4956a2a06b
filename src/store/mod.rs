//! The only place with SQL. Each function runs one logical query (or one transaction) written
//! once for both SQLite and PostgreSQL through sqlx's Any driver: `$n` placeholders, bigint
//! times and flags, text ids. The store tests run every function on both databases.

/// SQL assembled from constant pieces (column lists) of this module, never from input.
macro_rules! sql {
    ($($t:tt)*) => { sqlx::AssertSqlSafe(format!($($t)*)) };
}

pub mod admin;
pub mod audit;
pub mod bodies;
pub mod catalogue;
pub mod clients;
pub mod connections;
pub mod consents;
pub mod export;
pub mod federated;
pub mod grants;
pub mod import;
pub mod invitations;
pub mod keys;
pub mod links;
pub mod memberships;
pub mod outbox;
pub mod saml;
pub mod sessions;
pub mod settings;
pub mod throttle;
pub mod totp;
pub mod users;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

use crate::clock::{Random, Timestamp};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} already exists")]
    Conflict(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("unsupported database URL (expected sqlite: or postgres:)")]
    UnsupportedUrl,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e)
    }
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict(what)`, leaving other errors alone.
    pub(crate) fn conflict_on_unique(e: sqlx::Error, what: &'static str) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::Database(e),
        }
    }
}

/// An open transaction; commit it with `tx.commit().await`, or drop it to roll back.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// A pool on either database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    kind: DbKind,
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("sqlite:") {
            DbKind::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            DbKind::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        if kind == DbKind::Sqlite {
            ensure_sqlite_parent_dir(url);
        }
        let options = AnyConnectOptions::from_str(url)?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, std::time::Duration::from_secs(1));
        let mut pool = AnyPoolOptions::new().max_connections(max_connections).acquire_timeout(std::time::Duration::from_secs(10));
        if kind == DbKind::Sqlite {
            // SQLite serialises writers anyway; foreign keys are per connection.
            pool = pool.after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("pragma foreign_keys = on").execute(&mut *conn).await?;
                    sqlx::query("pragma busy_timeout = 10000").execute(&mut *conn).await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(options).await?;
        if kind == DbKind::Sqlite {
            sqlx::query("pragma journal_mode = wal").execute(&pool).await?;
        }
        Ok(Self { pool, kind })
    }

    pub fn kind(&self) -> DbKind {
        self.kind
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction, for changes (and their audit row) that must land together or not at all.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(self.pool.begin().await?)
    }

    pub async fn migrate(&self) -> Result<()> {
        match self.kind {
            DbKind::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.pool).await?,
            DbKind::Postgres => sqlx::migrate!("migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("select 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn ensure_sqlite_parent_dir(url: &str) {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:").split('?').next().unwrap_or("");
    if path.is_empty() || path.starts_with(":memory:") {
        return;
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        let _ = std::fs::create_dir_all(parent);
    }
}

/// A UUID v7 from the injected clock and randomness: time-ordered, so indexes stay compact.
pub fn new_id(now: Timestamp, rng: &dyn Random) -> String {
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes);
    let millis = u64::try_from(now).unwrap_or(0).saturating_mul(1000);
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid().to_string()
}

pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}

pub(crate) fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn parse_json_list(s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("json list: {e}")))
}

//! The only place with SQL. Each function runs one logical query (or one transaction) written
//! once for both SQLite and PostgreSQL through sqlx's Any driver: `$n` placeholders, bigint
//! times and flags, text ids. The store tests run every function on both databases.

/// SQL assembled from constant pieces (column lists) of this module, never from input.
macro_rules! sql {
    ($($t:tt)*) => { sqlx::AssertSqlSafe(format!($($t)*)) };
}

pub mod abuse;
pub mod audit;
pub(crate) mod binds;
pub mod bodies;
pub mod catalogue;
pub mod checkpoint;
pub mod clients;
pub mod connections;
pub mod consents;
pub mod emailed_kinds;
pub mod export;
pub mod federated;
pub mod flash;
pub mod grants;
pub mod idempotency;
pub mod idn;
pub mod import;
pub mod invitations;
pub mod keys;
pub mod links;
pub mod memberships;
pub mod outbox;
pub mod passkeys;
pub mod pool_shrink;
pub mod replay;
pub mod roles;
pub mod saml;
pub mod scim;
pub mod security_epoch;
pub mod sessions;
pub mod settings;
pub mod throttle;
pub mod totp;
pub mod user_activity;
pub mod user_list;
pub mod users;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

use crate::clock::{Random, Timestamp};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// The database cannot be reached (connection refused or lost, pool exhausted, server
    /// shutting down): a request answers 503 with Retry-After, and a retry may well succeed.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} already exists")]
    Conflict(Taken),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("unsupported database URL (expected sqlite: or postgres:)")]
    UnsupportedUrl,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            outage::started(&e);
            StoreError::Unavailable(e)
        } else {
            StoreError::Database(e)
        }
    }
}

/// True for errors that mean "the database cannot be reached right now" rather than "this
/// statement is wrong": I/O and TLS failures, a lost or closed connection, an exhausted pool,
/// PostgreSQL's connection exceptions (class 08), operator intervention (57P01–57P03, a
/// restart or `pg_terminate_backend`) and "too many connections" (53300); SQLite's busy/locked.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => {
            let code = d.code().unwrap_or_default();
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "53300" | "5" | "6" | "261" | "517")
        }
        _ => false,
    }
}

/// True if `e` or anything in its chain of causes is the database being unavailable.
pub fn caused_by_unavailable(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if matches!(err.downcast_ref::<StoreError>(), Some(StoreError::Unavailable(_))) {
            return true;
        }
        if let Some(sqlx_err) = err.downcast_ref::<sqlx::Error>()
            && is_unavailable(sqlx_err)
        {
            return true;
        }
        cur = err.source();
    }
    false
}

/// The database's availability as this process last saw it, so that an outage is logged once
/// when it starts and once when it ends, not once per request.
pub mod outage {
    use std::sync::atomic::{AtomicBool, Ordering};

    static DOWN: AtomicBool = AtomicBool::new(false);

    /// An error said the database is unavailable: logged only if it was thought up.
    pub fn started(e: &sqlx::Error) {
        if !DOWN.swap(true, Ordering::SeqCst) {
            tracing::error!(error = %crate::report::error_chain(e), "database unavailable; answering 503 until it is back");
        } else {
            tracing::debug!(error = %e, "database still unavailable");
        }
    }

    /// The database answered.
    pub fn ended() {
        if DOWN.swap(false, Ordering::SeqCst) {
            tracing::warn!("database reachable again");
        }
    }

    pub fn is_down() -> bool {
        DOWN.load(Ordering::SeqCst)
    }
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict(what)`, leaving other errors alone.
    pub(crate) fn conflict_on_unique(e: sqlx::Error, what: Taken) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() && is_skeleton_key(d.as_ref()) => StoreError::Conflict(Taken::LookAlike),
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::from(e),
        }
    }

    /// True when PostgreSQL ended the transaction to break a deadlock (40P01) or a
    /// serialization conflict (40001): nothing it wrote was kept, and running it again is safe.
    pub fn ended_by_conflict(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(d)) if matches!(d.code().as_deref(), Some("40P01" | "40001")))
    }
}

/// What a unique constraint keeps to one, as a conflict names it ("A body with that name
/// already exists."). The English is said by the admin API, SCIM and the command line; a page
/// says the catalogue message [`Taken::key`] names (`admin-taken-*`), whose English is the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// An address that looks like an existing account's (`users.email_skeleton`).
    LookAlike,
    UserEmail,
    /// The same, as an address change words it.
    UserEmailLower,
    ImportEmails,
    Membership,
    Client,
    FederatedIdentity,
    CurrentKey,
    ConnectionDomain,
    Connection,
    Ban,
    BodyName,
    BodyDomains,
    ContractorLink,
    Passkey,
    RoleTemplate,
    Role,
}

impl Taken {
    pub const ALL: [Taken; 17] = [
        Taken::LookAlike,
        Taken::UserEmail,
        Taken::UserEmailLower,
        Taken::ImportEmails,
        Taken::Membership,
        Taken::Client,
        Taken::FederatedIdentity,
        Taken::CurrentKey,
        Taken::ConnectionDomain,
        Taken::Connection,
        Taken::Ban,
        Taken::BodyName,
        Taken::BodyDomains,
        Taken::ContractorLink,
        Taken::Passkey,
        Taken::RoleTemplate,
        Taken::Role,
    ];

    pub fn english(self) -> &'static str {
        match self {
            Taken::LookAlike => {
                "an account whose address looks the same (the same letters from another alphabet, with accents, or with invisible characters)"
            }
            Taken::UserEmail => "A user with that email",
            Taken::UserEmailLower => "a user with that email",
            Taken::ImportEmails => "a user with one of those emails",
            Taken::Membership => "That user's membership of this body",
            Taken::Client => "a client with that id",
            Taken::FederatedIdentity => "that federated identity",
            Taken::CurrentKey => "a current key",
            Taken::ConnectionDomain => "that email domain on another connection",
            Taken::Connection => "that connection",
            Taken::Ban => "A ban for that address or domain",
            Taken::BodyName => "A body with that name",
            Taken::BodyDomains => "A body with one of those email domains",
            Taken::ContractorLink => "That contractor link",
            Taken::Passkey => "passkey",
            Taken::RoleTemplate => "a role template with that name",
            Taken::Role => "A role with that name in this organisation",
        }
    }

    /// The catalogue message whose English is [`Taken::english`].
    pub fn key(self) -> &'static str {
        match self {
            Taken::LookAlike => "admin-taken-look-alike",
            Taken::UserEmail => "admin-taken-user-email",
            Taken::UserEmailLower => "admin-taken-user-email-lower",
            Taken::ImportEmails => "admin-taken-import-emails",
            Taken::Membership => "admin-taken-membership",
            Taken::Client => "admin-taken-client",
            Taken::FederatedIdentity => "admin-taken-federated-identity",
            Taken::CurrentKey => "admin-taken-current-key",
            Taken::ConnectionDomain => "admin-taken-connection-domain",
            Taken::Connection => "admin-taken-connection",
            Taken::Ban => "admin-taken-ban",
            Taken::BodyName => "admin-taken-body-name",
            Taken::BodyDomains => "admin-taken-body-domains",
            Taken::ContractorLink => "admin-taken-contractor-link",
            Taken::Passkey => "admin-taken-passkey",
            Taken::RoleTemplate => "admin-taken-role-template",
            Taken::Role => "admin-taken-role",
        }
    }
}

impl std::fmt::Display for Taken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.english())
    }
}

fn is_skeleton_key(d: &dyn sqlx::error::DatabaseError) -> bool {
    d.constraint().is_some_and(|c| c.contains("email_skeleton")) || d.message().contains("email_skeleton")
}

/// An open transaction; commit it with `tx.commit().await`, or drop it to roll back.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Where a store function runs its statements, so that each is written once: on the pool
/// (`&Db`: a connection is taken for the call and given back after it) or on a connection the
/// caller holds (`&mut tx`, `&mut *tx`: the statements are part of its transaction).
pub trait Exec: Send {
    /// The connection the call runs on: taken from the pool, or the caller's.
    type Conn: std::ops::DerefMut<Target = sqlx::AnyConnection> + Send;
    fn conn(self) -> impl std::future::Future<Output = Result<Self::Conn>> + Send;

    /// Whether a function's own transaction on this connection should take SQLite's write lock
    /// at once (a fresh pool connection on SQLite); see [`begin_on`].
    fn begins_immediate(&self) -> bool {
        false
    }
}

/// Opens a function's own transaction on `c` (a savepoint when the caller's transaction holds
/// it). On a fresh SQLite connection it is `BEGIN IMMEDIATE`: a transaction that reads and then
/// writes would otherwise fail at once with "database is locked" when another writer holds the
/// lock, instead of waiting for it (SQLite does not wait where waiting could deadlock).
pub(crate) async fn begin_on(c: &mut sqlx::AnyConnection, immediate: bool) -> Result<sqlx::Transaction<'_, sqlx::Any>> {
    if immediate { Ok(sqlx::Connection::begin_with(c, "BEGIN IMMEDIATE").await?) } else { Ok(sqlx::Connection::begin(c).await?) }
}

impl Exec for &Db {
    type Conn = sqlx::pool::PoolConnection<sqlx::Any>;
    async fn conn(self) -> Result<Self::Conn> {
        Ok(self.pool.acquire().await?)
    }

    fn begins_immediate(&self) -> bool {
        self.kind == DbKind::Sqlite
    }
}

impl<'a> Exec for &'a mut sqlx::AnyConnection {
    type Conn = &'a mut sqlx::AnyConnection;
    async fn conn(self) -> Result<Self::Conn> {
        Ok(self)
    }
}

impl<'a> Exec for &'a mut sqlx::Transaction<'_, sqlx::Any> {
    type Conn = &'a mut sqlx::AnyConnection;
    async fn conn(self) -> Result<Self::Conn> {
        Ok(&mut **self)
    }
}

impl<'a> Exec for &'a mut sqlx::pool::PoolConnection<sqlx::Any> {
    type Conn = &'a mut sqlx::AnyConnection;
    async fn conn(self) -> Result<Self::Conn> {
        Ok(&mut **self)
    }
}

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
    checkpoint: checkpoint::Checkpoint,
    #[cfg(feature = "fault-injection")]
    fault: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    #[cfg(feature = "fault-injection")]
    pause: std::sync::Arc<std::sync::Mutex<Option<(String, std::time::Duration)>>>,
    #[cfg(feature = "fault-injection")]
    paused: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// SQLite's busy timeout when none is configured (`[database] sqlite_busy_timeout_ms`).
pub const DEFAULT_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How many times a transaction SQLite refused as busy before it did anything is tried again.
const BUSY_RETRIES: u32 = 5;

/// How many times SQLite migrations raced by another process are run again (one retry per
/// migration the other process applied first, at most).
const MIGRATE_RETRIES: u32 = 40;

fn busy_backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(50u64.saturating_mul(1 << attempt.min(6)))
}

/// SQLite's "database is locked" family: `SQLITE_BUSY` (5) and `SQLITE_LOCKED` (6) with their
/// extended codes (`BUSY_RECOVERY` 261, `BUSY_SNAPSHOT` 517, `BUSY_TIMEOUT` 773,
/// `LOCKED_SHAREDCACHE` 262). Their primary code is the low byte.
pub fn is_sqlite_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d.code().and_then(|c| c.parse::<u32>().ok()).is_some_and(|c| matches!(c & 0xff, 5 | 6)),
        _ => false,
    }
}

/// [`is_sqlite_busy`] for a store error.
pub fn is_busy(e: &StoreError) -> bool {
    match e {
        StoreError::Unavailable(e) | StoreError::Database(e) => is_sqlite_busy(e),
        _ => false,
    }
}

/// How long a pooled connection may stay unused before sqlx closes it (one is always kept).
/// Not enough on its own: see [`pool_shrink`].
const IDLE_CLOSE: std::time::Duration = std::time::Duration::from_secs(20);

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        Self::connect_with(url, max_connections, std::time::Duration::from_secs(10), DEFAULT_BUSY_TIMEOUT, checkpoint::Checkpoint::OnCommit)
            .await
    }

    /// `acquire_timeout`: how long a request waits for a connection before the database counts
    /// as unavailable (and the request is answered 503). `busy_timeout` (SQLite only): how long a
    /// statement waits for another connection's write lock (`[database] sqlite_busy_timeout_ms`).
    /// `checkpoint` (SQLite only): who copies the write-ahead log into the file
    /// ([`checkpoint::Checkpoint`]; the server's pool leaves it to [`checkpoint::run`]).
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: std::time::Duration,
        busy_timeout: std::time::Duration,
        checkpoint: checkpoint::Checkpoint,
    ) -> Result<Self> {
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
        // Connections a burst opened are closed once idle for IDLE_CLOSE: each holds memory of its
        // own (SQLite: a page cache, the parsed schema, prepared statements and a worker thread),
        // and keeping them for sqlx's default ten minutes kept RSS well above idle after a burst.
        // `pool_shrink::run` (started by `server::serve`) closes those this timeout misses.
        let mut pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(1)
            .idle_timeout(IDLE_CLOSE)
            .acquire_timeout(acquire_timeout);
        if kind == DbKind::Sqlite {
            // Every connection, whichever process opens it (the server, each command): foreign
            // keys and the busy timeout are per connection; write-ahead logging is recorded in the
            // file, and asking again is a no-op, but a connection that finds the file in another
            // mode (a database made elsewhere) switches it before anything else. The busy timeout
            // comes first, so that switch waits for a lock rather than failing.
            let busy_ms = u64::try_from(busy_timeout.as_millis()).unwrap_or(u64::MAX);
            pool = pool.after_connect(move |conn, _| {
                Box::pin(async move {
                    sqlx::query(sql!("pragma busy_timeout = {busy_ms}")).execute(&mut *conn).await?;
                    sqlx::query("pragma foreign_keys = on").execute(&mut *conn).await?;
                    sqlx::query("pragma journal_mode = wal").execute(&mut *conn).await?;
                    if checkpoint == checkpoint::Checkpoint::Background {
                        sqlx::query(sql!("pragma wal_autocheckpoint = {}", checkpoint::FALLBACK_PAGES)).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(options).await?;
        Ok(Self {
            pool,
            kind,
            checkpoint,
            #[cfg(feature = "fault-injection")]
            fault: Default::default(),
            #[cfg(feature = "fault-injection")]
            pause: Default::default(),
            #[cfg(feature = "fault-injection")]
            paused: Default::default(),
        })
    }

    pub fn kind(&self) -> DbKind {
        self.kind
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction, for changes (and their audit row) that must land together or not at all.
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`), so it waits
    /// for another writer (up to the busy timeout) instead of failing with "database is locked"
    /// when a transaction that read first tries to write while another holds the lock.
    ///
    /// SQLite can still refuse the lock at once or after the busy timeout (`SQLITE_BUSY`, or
    /// `SQLITE_BUSY_RECOVERY` while another process recovers the write-ahead log); nothing has
    /// been done yet, so the begin is retried a few times before the error is returned.
    pub async fn begin(&self) -> Result<Tx> {
        match self.kind {
            DbKind::Sqlite => {
                let mut attempt = 0;
                loop {
                    match self.pool.begin_with("BEGIN IMMEDIATE").await {
                        Ok(tx) => return Ok(tx),
                        Err(e) if is_sqlite_busy(&e) && attempt < BUSY_RETRIES => {
                            attempt += 1;
                            tracing::debug!(attempt, "database busy at the start of a transaction; trying again");
                            tokio::time::sleep(busy_backoff(attempt)).await;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            DbKind::Postgres => Ok(self.pool.begin().await?),
        }
    }

    /// Applies the migrations. On SQLite nothing stops two processes started at once (commands
    /// beside the server, on a fresh database) from applying the same migration: the second
    /// finds the database busy, or the first one's tables already there ("table users already
    /// exists"). Each migration is its own transaction, so the refused one left nothing, and the
    /// run is tried again: applied migrations are skipped, so it ends once the other process's
    /// run has.
    pub async fn migrate(&self) -> Result<()> {
        if self.kind == DbKind::Postgres {
            return Ok(sqlx::migrate!("migrations/postgres").run(&self.pool).await?);
        }
        let mut attempt = 0;
        loop {
            // Each attempt on a connection of its own, closed if the attempt failed. A migration
            // that manages its own transaction (0021 rebuilds a table with foreign keys off,
            // `-- no-transaction`) stops at the failed statement with its `begin` still open
            // and foreign keys still off; that connection back in the pool made the retry fail
            // ("cannot start a transaction within a transaction") and could have served
            // requests without foreign keys.
            let mut conn = self.pool.acquire().await?;
            let run = sqlx::migrate!("migrations/sqlite").run(&mut *conn).await;
            if run.is_err() {
                conn.close_on_drop();
            }
            drop(conn);
            match run {
                Err(sqlx::migrate::MigrateError::Execute(_) | sqlx::migrate::MigrateError::ExecuteMigration(..))
                    if attempt < MIGRATE_RETRIES =>
                {
                    attempt += 1;
                    tokio::time::sleep(busy_backoff(attempt.min(3))).await;
                }
                other => return Ok(other?),
            }
        }
    }

    /// True when the database answers (within 3 s). Ends a recorded outage when it does.
    pub async fn ping(&self) -> bool {
        let answered = tokio::time::timeout(std::time::Duration::from_secs(3), sqlx::query("select 1").execute(&self.pool)).await;
        match answered {
            Ok(Ok(_)) => {
                outage::ended();
                true
            }
            Ok(Err(e)) => {
                let _ = StoreError::from(e);
                false
            }
            Err(_) => false,
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Fault injection for the reliability tests (feature `fault-injection`, never in a release
    /// build): the next time a transaction passes the [`fault_point`] called `point`, its
    /// connection is lost there.
    #[cfg(feature = "fault-injection")]
    pub fn inject_fault(&self, point: &str) {
        if let Ok(mut f) = self.fault.lock() {
            *f = Some(point.to_owned());
        }
    }

    /// Fault injection for the reliability tests: the next request that passes the
    /// [`pause_here`] called `point` waits there for `how_long`, so that a test can hang up in
    /// the middle of a check (once [`Db::pause_reached`] says the request is there).
    #[cfg(feature = "fault-injection")]
    pub fn inject_pause(&self, point: &str, how_long: std::time::Duration) {
        if let Ok(mut p) = self.pause.lock() {
            self.paused.store(false, std::sync::atomic::Ordering::SeqCst);
            *p = Some((point.to_owned(), how_long));
        }
    }

    /// Whether a request has reached the pause armed by [`Db::inject_pause`].
    #[cfg(feature = "fault-injection")]
    pub fn pause_reached(&self) -> bool {
        self.paused.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[cfg(feature = "fault-injection")]
    fn take_pause(&self, point: &str) -> Option<std::time::Duration> {
        match self.pause.lock() {
            Ok(mut p) if p.as_ref().is_some_and(|(armed, _)| armed == point) => {
                self.paused.store(true, std::sync::atomic::Ordering::SeqCst);
                p.take().map(|(_, d)| d)
            }
            _ => None,
        }
    }

    #[cfg(feature = "fault-injection")]
    fn take_fault(&self, point: &str) -> bool {
        match self.fault.lock() {
            Ok(mut f) if f.as_deref() == Some(point) => {
                *f = None;
                true
            }
            _ => false,
        }
    }
}

/// A named point outside any transaction where, under the `fault-injection` feature and when a
/// test armed it, the database is lost (see [`fault_point`]).
pub fn fault_here(db: &Db, point: &str) -> Result<()> {
    #[cfg(feature = "fault-injection")]
    if db.take_fault(point) {
        return Err(StoreError::from(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            format!("fault injected at {point}"),
        ))));
    }
    let _ = (db, point);
    Ok(())
}

/// A named point inside a check that counts an attempt before it looks at the answer and
/// writes the outcome after. Does nothing unless the `fault-injection` feature is on and a test
/// armed it with [`Db::inject_pause`]: then the check waits here, long enough for the browser to
/// hang up between the count and the outcome.
#[allow(clippy::unused_async)]
pub async fn pause_here(db: &Db, point: &str) {
    #[cfg(feature = "fault-injection")]
    if let Some(d) = db.take_pause(point) {
        tokio::time::sleep(d).await;
    }
    let _ = (db, point);
}

/// A named boundary between two statements of a transaction. Does nothing unless the
/// `fault-injection` feature is on and a test armed this point with [`Db::inject_fault`]: then
/// the transaction's connection is lost right here, as when PostgreSQL restarts or a backend is
/// terminated (PostgreSQL: the backend is really terminated; SQLite: the statement fails as a
/// lost connection would), and the transaction must leave nothing half-written.
#[allow(clippy::unused_async)]
pub async fn fault_point(db: &Db, tx: &mut sqlx::Transaction<'_, sqlx::Any>, point: &str) -> Result<()> {
    #[cfg(feature = "fault-injection")]
    if db.take_fault(point) {
        if db.kind == DbKind::Postgres {
            sqlx::query("select pg_terminate_backend(pg_backend_pid())").execute(&mut **tx).await?;
        }
        return Err(StoreError::from(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            format!("fault injected at {point}"),
        ))));
    }
    let _ = (db, tx, point);
    Ok(())
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

/// `Ok` if a statement changed a row, else `NotFound(what)`.
pub(crate) fn found(rows: u64, what: &'static str) -> Result<()> {
    if rows == 0 { Err(StoreError::NotFound(what)) } else { Ok(()) }
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

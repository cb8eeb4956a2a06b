//! `AppState` and its construction. Below every layer that takes an `AppState` (sign-in, tokens,
//! mail, the edges), so it imports only the foundations and the services it holds; the HTTP
//! application, serving and the background loops are `crate::server`.

use std::sync::Arc;
use std::time::Duration;

use crate::catalogue::{Catalogue, CatalogueError};
use crate::clock::{SharedClock, SharedRandom, Timestamp};
use crate::config::Settings;
use crate::policy::password::{CommonPasswords, PasswordRules};
use crate::services::hasher::{HashError, PasswordHasher};
use crate::services::keys::{KeyError, KeySet};
use crate::services::mailer::{Mailer, TransportError};
use crate::services::master_key::{MasterKey, MasterKeyError};
use crate::services::upstream_discovery::DiscoveryCache;
use crate::store::{self, Db, StoreError};

/// CSV imports that may be read and checked at once, across both import routes.
pub const IMPORT_SLOTS: usize = 2;

/// Everything a request handler or a command needs, behind one `Arc`: every layer and handler
/// takes its own copy of the state on each request (a dozen copies a request), and a copy is one
/// reference count rather than one for each of the services below (bench/README.md, "Third
/// pass"). Its fields are read through `Deref`.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Services {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub clock: SharedClock,
    pub rng: SharedRandom,
    pub hasher: Arc<PasswordHasher>,
    pub common_passwords: CommonPasswords,
    pub master_key: Arc<MasterKey>,
    pub keys: KeySet,
    /// Outbound HTTP (back-channel logout): short timeouts, no redirects (SSRF).
    pub http: reqwest::Client,
    /// For URLs relying apps register (`jwks_uri`, back-channel logout): refuses internal
    /// addresses (SSRF).
    pub client_http: crate::services::outbound::ClientHttp,
    /// Delivers outbox messages (file, log or SMTP).
    pub mailer: Arc<Mailer>,
    /// Wakes the mail worker when a message is queued.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// Upstream OIDC discovery documents and keys, per connection.
    pub sso_discovery: Arc<DiscoveryCache>,
    /// Clients and the ban list between requests, dropped when they change (`security_cache`).
    pub security: Arc<crate::services::security_cache::SecurityCache>,
    /// JWK sets of private_key_jwt clients fetched from their jwks_uri.
    pub client_jwks: Arc<crate::services::client_jwks::ClientJwksCache>,
    /// Counters and histograms served at `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// CSV imports read and checked at once (each holds its file several times in memory).
    pub import_slots: Arc<tokio::sync::Semaphore>,
    /// The deployment's logo (`server.logo_file`), checked and read at start.
    pub logo: Option<Arc<crate::services::logo::Logo>>,
    /// Work that outlives the request that started it and must not be cut short (checks run to
    /// their end, back-channel logouts): a shutdown waits for it, for a while (`server::serve`).
    pub tasks: tokio_util::task::TaskTracker,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("issuer", &self.settings.issuer()).finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the database")]
    Database(#[source] StoreError),
    #[error("cannot apply database migrations")]
    Migrate(#[source] StoreError),
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error(transparent)]
    Logo(#[from] crate::services::logo::LogoError),
    #[error("cannot prepare signing keys")]
    Keys(#[source] KeyError),
    #[error("cannot set up password hashing")]
    Hasher(#[source] HashError),
    #[error("cannot build the HTTP client")]
    Http,
    #[error("cannot set up mail delivery")]
    Mail(#[source] TransportError),
    #[error("cannot listen on {addr}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped with an error")]
    Serve(#[source] std::io::Error),
}

/// What start-up did that an operator should hear about.
#[derive(Debug, Default)]
pub struct StartReport {
    pub created_master_key: bool,
    pub created_keys: Vec<String>,
}

impl AppState {
    /// Opens the database, applies migrations, installs the catalogue and makes sure keys exist.
    pub async fn build(
        settings: Settings,
        clock: SharedClock,
        rng: SharedRandom,
        master_key_env: Option<&str>,
    ) -> Result<(Self, StartReport), StartError> {
        // Before the database: a bad logo setting is refused without touching anything.
        let logo = crate::services::logo::load(&settings.server.logo_file)?.map(Arc::new);
        let db = Db::connect_with(
            &settings.database_url(),
            settings.database.max_connections,
            Duration::from_secs(settings.database.acquire_timeout_secs.max(1)),
            Duration::from_millis(settings.database.sqlite_busy_timeout_ms),
            store::checkpoint::Checkpoint::Background,
        )
        .await
        .map_err(StartError::Database)?;
        db.migrate().await.map_err(StartError::Migrate)?;
        store::idn::canonicalise(&db, clock.now()).await.map_err(StartError::Migrate)?;
        store::users::fill_skeletons(&db).await.map_err(StartError::Migrate)?;
        let now = clock.now();
        Catalogue::builtin()?.install(&db, &*rng, now).await?;
        let (master_key, created_master_key) = MasterKey::load_or_create(master_key_env, &settings.data_dir, &*rng)?;
        let created_keys = crate::services::keys::ensure_keys(&db, &master_key, &*rng, now).await.map_err(StartError::Keys)?;
        let keys = KeySet::load(&db, &master_key).await.map_err(StartError::Keys)?;
        let mailer = Mailer::new(&settings).map_err(StartError::Mail)?;
        let hasher = PasswordHasher::new(&settings.password, settings.max_concurrent_hashes()).map_err(StartError::Hasher)?;
        let cache_ttl = Duration::from_millis(settings.database.security_cache_ttl_ms);
        let client_http =
            crate::services::outbound::ClientHttp::new(settings.oauth.outbound_allow_loopback).map_err(|_| StartError::Http)?;
        let state = AppState(Arc::new(Services {
            settings: Arc::new(settings),
            db,
            clock,
            rng,
            hasher: Arc::new(hasher),
            common_passwords: CommonPasswords::load(),
            import_slots: Arc::new(tokio::sync::Semaphore::new(IMPORT_SLOTS)),
            master_key: Arc::new(master_key),
            keys,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(5))
                .connect_timeout(Duration::from_secs(3))
                .user_agent("Stile")
                .build()
                .map_err(|_| StartError::Http)?,
            client_http,
            mailer: Arc::new(mailer),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
            sso_discovery: Arc::default(),
            security: Arc::new(crate::services::security_cache::SecurityCache::new(cache_ttl)),
            client_jwks: Arc::default(),
            metrics: Arc::default(),
            logo,
            tasks: tokio_util::task::TaskTracker::new(),
        }));
        Ok((state, StartReport { created_master_key, created_keys }))
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The password rules for a user: global rules tightened by their bodies' policies.
    pub async fn password_rules_for(&self, user_id: Option<&str>) -> Result<PasswordRules, StoreError> {
        let base = PasswordRules { min_length: self.settings.password.min_length, max_length: self.settings.password.max_length };
        let Some(user_id) = user_id else { return Ok(base) };
        let mut minimums = Vec::new();
        for m in store::memberships::of_user(&self.db, user_id).await? {
            if let Some(b) = store::bodies::by_id(&self.db, &m.body_id).await? {
                minimums.push(b.password_min_length);
            }
        }
        Ok(base.stricter(minimums))
    }
}

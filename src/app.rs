//! AppState, start-up, router assembly, layers and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

use crate::auth::password::{HashError, PasswordHasher};
use crate::catalogue::{Catalogue, CatalogueError};
use crate::clock::{SharedClock, SharedRandom, Timestamp};
use crate::config::Settings;
use crate::mail::transport::{Mailer, TransportError};
use crate::policy::password::{CommonPasswords, PasswordRules};
use crate::store::{self, Db, StoreError};
use crate::tokens::keys::{KeyError, KeySet};
use crate::tokens::master_key::{MasterKey, MasterKeyError};

/// Everything a request handler or a command needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub clock: SharedClock,
    pub rng: SharedRandom,
    pub hasher: Arc<PasswordHasher>,
    pub common_passwords: CommonPasswords,
    pub master_key: Arc<MasterKey>,
    pub keys: KeySet,
    /// The discovery document, serialised once: it depends only on settings.
    pub discovery_json: axum::body::Bytes,
    /// Outbound HTTP (back-channel logout): short timeouts, no redirects (SSRF).
    pub http: reqwest::Client,
    /// Delivers outbox messages (file, log or SMTP).
    pub mailer: Arc<Mailer>,
    /// Wakes the mail worker when a message is queued.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// Upstream OIDC discovery documents and keys, per connection.
    pub sso_discovery: Arc<crate::auth::upstream_oidc::DiscoveryCache>,
    /// Counters and histograms served at `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
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
        let db = Db::connect_with(
            &settings.database_url(),
            settings.database.max_connections,
            Duration::from_secs(settings.database.acquire_timeout_secs.max(1)),
        )
        .await
        .map_err(StartError::Database)?;
        db.migrate().await.map_err(StartError::Migrate)?;
        store::users::fill_skeletons(&db).await.map_err(StartError::Migrate)?;
        let now = clock.now();
        Catalogue::builtin()?.install(&db, &*rng, now).await?;
        let (master_key, created_master_key) = MasterKey::load_or_create(master_key_env, &settings.data_dir, &*rng)?;
        let created_keys = crate::tokens::keys::ensure_keys(&db, &master_key, &*rng, now).await.map_err(StartError::Keys)?;
        let keys = KeySet::load(&db, &master_key).await.map_err(StartError::Keys)?;
        let mailer = Mailer::new(&settings).map_err(StartError::Mail)?;
        let hasher = PasswordHasher::new(&settings.password, settings.max_concurrent_hashes()).map_err(StartError::Hasher)?;
        let mut state = AppState {
            discovery_json: axum::body::Bytes::new(),
            settings: Arc::new(settings),
            db,
            clock,
            rng,
            hasher: Arc::new(hasher),
            common_passwords: CommonPasswords::load(),
            master_key: Arc::new(master_key),
            keys,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(5))
                .connect_timeout(Duration::from_secs(3))
                .user_agent("Stile")
                .build()
                .map_err(|_| StartError::Http)?,
            mailer: Arc::new(mailer),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
            sso_discovery: Arc::default(),
            metrics: Arc::default(),
        };
        state.discovery_json = axum::body::Bytes::from(crate::oidc::discovery_metadata(&state).to_string());
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

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    crate::web::router(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let maintenance = tokio::spawn(maintenance_loop(state.clone()));
    let mail = tokio::spawn(crate::mail::worker::run(state.clone()));
    let probe = tokio::spawn(outage_probe(state.db.clone()));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown).await.map_err(StartError::Serve);
    maintenance.abort();
    mail.abort();
    probe.abort();
    result
}

/// While an outage is recorded, pings the database every two seconds so that its end is noticed
/// (and logged once) even if no request comes.
async fn outage_probe(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        if store::outage::is_down() {
            db.ping().await;
        }
    }
}

pub async fn bind(addr: &str) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr: addr.to_owned(), source })
}

/// Deletes what has expired, and picks up keys rotated by another instance.
async fn maintenance_loop(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        let now = state.now();
        let window = state.settings.throttle.account_window_secs.max(state.settings.throttle.ip_window_secs);
        if let Err(e) = store::sessions::delete_expired(&state.db, now).await {
            tracing::warn!(error = %e, "session clean-up failed");
        }
        if let Err(e) = store::throttle::prune(&state.db, now - window, now).await {
            tracing::warn!(error = %e, "throttle clean-up failed");
        }
        if let Err(e) = store::grants::prune(&state.db, now - 86_400).await {
            tracing::warn!(error = %e, "token clean-up failed");
        }
        if let Err(e) = store::idempotency::prune(&state.db, now).await {
            tracing::warn!(error = %e, "idempotency key clean-up failed");
        }
        if let Err(e) = store::connections::prune_login_states(&state.db, now - 3600).await {
            tracing::warn!(error = %e, "SSO sign-in clean-up failed");
        }
        // Retired keys stay published until every token they signed has expired.
        if let Err(e) = store::keys::delete_retired_before(&state.db, now - state.settings.tokens.retired_key_ttl_secs).await {
            tracing::warn!(error = %e, "key clean-up failed");
        }
        // Sent and abandoned mail is kept a week for the operator, then forgotten.
        if let Err(e) = store::outbox::prune(&state.db, now - 7 * 86400).await {
            tracing::warn!(error = %e, "mail outbox clean-up failed");
        }
        if let Err(e) = state.keys.reload(&state.db, &state.master_key).await {
            tracing::warn!(error = %e, "key reload failed");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

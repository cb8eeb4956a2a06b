//! The running server: the HTTP application assembled from each edge's router, `bind`,
//! `serve`, the background loops (maintenance, mail delivery, the outage probe, closing surplus
//! database connections) and graceful shutdown. The top of the import graph: nothing imports it but `main` (through `cli`) and
//! the tests.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::middleware::from_fn;
use axum::response::Response;
use axum::{Router, ServiceExt as _};
use tokio::net::TcpListener;
use tower::Service;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::{AppState, StartError};
use crate::config::Settings;
use crate::store::{self, Db};
use crate::web::{self, headers, input};

/// The whole HTTP application: [`router`] inside the layers that need no route, applied once
/// around it rather than to each route. `Router::layer` wraps every route in its own boxed copy
/// of the layer, and each request then cloned that nest of boxes, a layer inside another, several
/// times over (bench/README.md, "Second pass", has the cost). Outermost first:
/// the security headers (outermost, so that answers made by the layers inside, a 413 from a
/// body limit or a 408 from the timeout, carry them too), the language of the request (issue 18:
/// every page and error page), the site name on error pages, the trace span.
pub fn app(state: AppState) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + 'static {
    let routes = router(state.clone());
    tower::ServiceBuilder::new()
        .layer(tower::util::MapResponseLayer::new(headers::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), web::language::choose))
        .layer(web::site_error_pages(&state))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // Only the path: query strings may carry codes and tokens.
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .service(routes)
}

/// The routes: the edges' routers (pages, the OpenID Provider, the admin API), merged only here,
/// with the layers that need the matched route (metrics, and the timeout inside them) or come
/// before any extractor (the input checks, body limits). The upload routers and the SAML ACS have
/// their own body limits and input checks.
///
/// Each router gets its layers in one `Router::layer` call. Every call wraps each route in a box
/// of its own, and a request clones every box inside the one it enters, so five calls made each
/// request copy a nest of five boxes several times over; one call makes one box (bench/README.md,
/// "Third pass"). Outermost first: metrics (outside the timeout, so a request cut off is counted,
/// as 408, with its full time), the timeout, the body limits, the input check.
pub fn router(state: AppState) -> Router {
    let limit = state.settings.server.max_body_bytes;
    let max_import = state.settings.server.max_import_bytes;
    let timeout = Duration::from_secs(state.settings.server.request_timeout_secs);
    let metrics = web::record_metrics(state.metrics.clone());
    let timed = tower::ServiceBuilder::new().layer(metrics).layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout));
    Router::new()
        .merge(web::router())
        .merge(crate::oidc::router(&state.settings))
        .merge(crate::admin::api::router_with_idempotency(&state))
        .merge(crate::admin::scim_api::router())
        .fallback(web::not_found)
        .layer(
            timed
                .clone()
                .layer(RequestBodyLimitLayer::new(limit))
                .map_request(limited_body)
                .layer(DefaultBodyLimit::max(limit))
                .layer(from_fn(input::refuse_bad_input)),
        )
        // CSV imports get their own, larger limit, outside the input check, which buffers a
        // form or JSON body whole before any sign-in is checked.
        .merge(
            crate::admin::api::upload_router(max_import).layer(
                timed
                    .clone()
                    .layer(RequestBodyLimitLayer::new(max_import))
                    .map_request(limited_body)
                    .layer(axum::middleware::from_fn_with_state(state.clone(), web::import_slots::one_of_few))
                    .layer(from_fn(input::refuse_bad_input)),
            ),
        )
        // The import page reads and checks its own body (multipart or plain form) after the
        // administrator and the organisation are checked, within the import limit.
        .merge(
            web::upload_router().layer(
                timed
                    .clone()
                    .layer(axum::middleware::from_fn_with_state(state.clone(), web::import_slots::one_of_few))
                    .layer(from_fn(input::refuse_bad_target)),
            ),
        )
        .merge(web::acs_router().layer(timed.layer(from_fn(input::refuse_bad_target))))
        .with_state(state)
}

/// The limited body as the layers inside take it (a `Router::layer` boundary did this before).
fn limited_body<B>(req: Request<B>) -> Request
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    req.map(axum::body::Body::new)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests, then waits (for at most
/// `TRACKED_GRACE`) for the tracked tasks they left running.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    warm_up(&state).await;
    settle_after_start(&state.db).await;
    let maintenance = tokio::spawn(maintenance_loop(state.clone()));
    let mail = tokio::spawn(crate::mail::worker::run(state.clone()));
    let probe = tokio::spawn(outage_probe(state.db.clone()));
    let shrink = tokio::spawn(store::pool_shrink::run(state.db.clone(), release_free_memory));
    let checkpoint = tokio::spawn(store::checkpoint::run(state.db.clone()));
    let security = security_listener(&state);
    let tasks = state.tasks.clone();
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown).await.map_err(StartError::Serve);
    finish_tracked(&tasks, TRACKED_GRACE).await;
    maintenance.abort();
    mail.abort();
    probe.abort();
    shrink.abort();
    checkpoint.abort();
    for task in security {
        task.abort();
    }
    result
}

/// How long a shutdown waits for the tracked tasks once the last request is answered.
const TRACKED_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Waits for the work requests left running (checks run to their end, back-channel logouts), so
/// that stopping the server does not drop what a request started; for at most `grace`.
async fn finish_tracked(tasks: &tokio_util::task::TaskTracker, grace: std::time::Duration) {
    tasks.close();
    if tokio::time::timeout(grace, tasks.wait()).await.is_err() {
        tracing::warn!(left = tasks.len(), "stopping with tracked work unfinished after {} ms", grace.as_millis());
    }
}

/// Start-up self-checks, done before the first request rather than by it: the message
/// catalogues are parsed (every page needs them), and one password verification runs on a
/// hashing slot, as a sign-in does, its time logged for the operator (the cost of every password
/// sign-in; see `[password]`). Without them the first sign-in after start brought in their code
/// and memory, and the server at rest was not yet in the state it returns to after serving.
async fn warm_up(state: &AppState) {
    crate::i18n::load();
    let p = &state.settings.password;
    match state.hasher.self_check().await {
        Ok(took) => {
            let ms = took.as_millis();
            tracing::info!(
                memory_kib = p.argon2_memory_kib,
                iterations = p.argon2_iterations,
                lanes = p.argon2_parallelism,
                slots = state.hasher.concurrency(),
                "password hashing takes {ms} ms"
            );
        }
        Err(e) => tracing::warn!(error = %e, "the password hashing self-check failed"),
    }
}

/// Start-up (migrations, the catalogue, the signing keys, the dummy password hash) opens several
/// database connections, one statement after another, and leaves its working memory freed but
/// resident. A server at rest needs neither: the connections beyond one are closed now rather
/// than by `pool_shrink` ten or more seconds later, and the freed memory is given back.
async fn settle_after_start(db: &Db) {
    db.returned(Duration::from_millis(50)).await;
    db.close_idle(usize::MAX).await;
    release_free_memory();
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

/// On PostgreSQL: listens for writes to clients, bans and signing keys by any instance
/// (`store::security_epoch::listen`), which empties the cache of clients and bans
/// (`services::security_cache`) at once, and reloads the signing keys when they changed. On
/// SQLite the writing process empties its own cache; nothing to listen to.
fn security_listener(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    if state.db.kind() != store::DbKind::Postgres {
        return Vec::new();
    }
    let keys_changed = std::sync::Arc::new(tokio::sync::Notify::new());
    let listen = tokio::spawn(store::security_epoch::listen(state.settings.database_url(), keys_changed.clone()));
    let st = state.clone();
    let reload = tokio::spawn(async move {
        loop {
            keys_changed.notified().await;
            if let Err(e) = st.keys.reload(&st.db, &st.master_key).await {
                tracing::warn!(error = %crate::report::error_chain(&e), "reloading the signing keys after a change failed");
            }
        }
    });
    vec![listen, reload]
}

pub async fn bind(addr: &str) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr: addr.to_owned(), source })
}

/// Deletes what has expired, and picks up keys rotated by another instance.
async fn maintenance_loop(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        maintenance_pass(&state).await;
    }
}

/// The longest any throttle counter must be kept: the longest window of every limit that counts
/// in `throttle_counters` (sign-in, second factor, emailed links and their codes, SSO starts,
/// invitations). Pruned sooner, a counter with a longer window starts again from nothing.
fn throttle_horizon(s: &Settings) -> i64 {
    [
        s.throttle.account_window_secs,
        s.throttle.ip_window_secs,
        s.magic_link.address_window_secs,
        s.magic_link.ip_window_secs,
        // An emailed code's guesses count for as long as its link lives.
        s.magic_link.ttl_secs,
        crate::auth::federated::START_WINDOW_SECS,
        crate::admin::ops::invitations::SEND_WINDOW_SECS,
    ]
    .into_iter()
    .max()
    .unwrap_or(0)
}

/// One pass of [`maintenance_loop`] (the tests run it on their own clock).
pub async fn maintenance_pass(state: &AppState) {
    // A dropped connection goes back to the pool in a task of its own (after a ping), so a
    // statement that follows at once finds none idle and opens another: without waiting between
    // steps, each pass opened two or three connections that stayed open a while.
    let settle = || state.db.returned(Duration::from_millis(50));
    let now = state.now();
    let window = throttle_horizon(&state.settings);
    if let Err(e) = store::sessions::delete_expired(&state.db, now).await {
        tracing::warn!(error = %e, "session clean-up failed");
    }
    settle().await;
    if let Err(e) = store::throttle::prune(&state.db, now - window, now).await {
        tracing::warn!(error = %e, "throttle clean-up failed");
    }
    settle().await;
    if let Err(e) = store::grants::prune(&state.db, now - 86_400).await {
        tracing::warn!(error = %e, "token clean-up failed");
    }
    settle().await;
    if let Err(e) = store::replay::prune(&state.db, now).await {
        tracing::warn!(error = %e, "used jti clean-up failed");
    }
    settle().await;
    if let Err(e) = store::passkeys::delete_expired_ceremonies(&state.db, now).await {
        tracing::warn!(error = %e, "passkey ceremony clean-up failed");
    }
    settle().await;
    if let Err(e) = store::idempotency::prune(&state.db, now).await {
        tracing::warn!(error = %e, "idempotency key clean-up failed");
    }
    settle().await;
    if let Err(e) = store::connections::prune_login_states(&state.db, now - 3600).await {
        tracing::warn!(error = %e, "SSO sign-in clean-up failed");
    }
    settle().await;
    // Retired keys stay published until every token they signed has expired.
    if let Err(e) = store::keys::delete_retired_before(&state.db, now - state.settings.tokens.retired_key_ttl_secs).await {
        tracing::warn!(error = %e, "key clean-up failed");
    }
    settle().await;
    // Sent and abandoned mail is kept a week for the operator, then forgotten.
    if let Err(e) = store::outbox::prune(&state.db, now - 7 * 86400).await {
        tracing::warn!(error = %e, "mail outbox clean-up failed");
    }
    settle().await;
    if let Err(e) = state.keys.reload(&state.db, &state.master_key).await {
        tracing::warn!(error = %e, "key reload failed");
    }
}

/// Gives the memory freed after a burst back to the system. glibc's malloc keeps freed memory in
/// each thread's arena (the SQLite connections' worker threads, the hashing threads) and returns
/// only what lies at the top of each: after a sign-in flood 1–2 MB stayed resident for good.
/// `malloc_trim(0)` releases every free page of every arena. Called when the pool has closed
/// the connections a burst opened, so at most every ten seconds and only after a burst.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn release_free_memory() {
    // SAFETY: malloc_trim has no preconditions: it takes each arena's lock and only touches
    // memory that malloc itself holds as free.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

/// Ctrl-C and SIGTERM, counted from the moment [`StopSignals::watch`] is called: the first
/// asks for a graceful stop, a second one for a stop at once (an operator who asks again does
/// not want to wait for the requests and tracked work still running).
pub struct StopSignals {
    seen: tokio::sync::watch::Receiver<u32>,
}

/// A signal this soon after the one before is the same request delivered twice (a stop command
/// followed by the service manager's own signal, or a terminal's Ctrl-C reaching a process
/// twice), not a second request.
const SAME_REQUEST: std::time::Duration = std::time::Duration::from_secs(1);

impl StopSignals {
    /// Starts counting. Call it before anything slow at start-up: a signal that arrives before
    /// the server is up is then kept, and the server stops as soon as it is.
    pub fn watch() -> Self {
        let (count, seen) = tokio::sync::watch::channel(0u32);
        // Registered here, not in the task, so that no signal after this call is missed.
        let mut signals = Signals::register();
        tokio::spawn(async move {
            let mut last: Option<tokio::time::Instant> = None;
            loop {
                if !signals.next().await {
                    // Signals cannot be listened for: the process stops as the OS would stop it.
                    std::future::pending::<()>().await;
                }
                let now = tokio::time::Instant::now();
                if last.is_some_and(|t| now.duration_since(t) < SAME_REQUEST) {
                    continue;
                }
                last = Some(now);
                count.send_modify(|n| *n = n.saturating_add(1));
                if *count.borrow() == 1 {
                    tracing::info!("shutting down (send the signal again to stop at once)");
                }
            }
        });
        StopSignals { seen }
    }

    /// Resolves on the first signal.
    pub fn first(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        Self::nth(self.seen.clone(), 1)
    }

    /// Resolves on the second signal.
    pub fn second(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        Self::nth(self.seen.clone(), 2)
    }

    async fn nth(mut seen: tokio::sync::watch::Receiver<u32>, n: u32) {
        if seen.wait_for(|k| *k >= n).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The process's Ctrl-C and SIGTERM listeners.
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn register() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
                (Ok(int), Ok(term)) => Signals { streams: Some((int, term)) },
                _ => Signals { streams: None },
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Waits for the next one; false when they cannot be listened for.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            let Some((int, term)) = self.streams.as_mut() else { return false };
            tokio::select! {
                got = int.recv() => got.is_some(),
                got = term.recv() => got.is_some(),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.is_ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_task_that_never_ends_does_not_hold_the_stop() {
        let tasks = tokio_util::task::TaskTracker::new();
        tasks.spawn(std::future::pending::<()>());
        let quick = tasks.spawn(tokio::time::sleep(std::time::Duration::from_millis(10)));
        finish_tracked(&tasks, std::time::Duration::from_millis(200)).await;
        assert!(quick.is_finished(), "the work that ends is waited for");
        assert_eq!(tasks.len(), 1, "the one that does not is left after the grace");
    }

    #[tokio::test]
    async fn start_up_leaves_one_database_connection_open() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = Db::connect(&url, 4).await.unwrap();
        // Start-up's statements one after another: four connections open, all back in the pool.
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(db.pool().acquire().await.unwrap());
        }
        drop(held);
        for _ in 0..1000 {
            if db.pool().num_idle() == 4 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!((db.pool().size(), db.pool().num_idle()), (4, 4));
        settle_after_start(&db).await;
        assert_eq!(db.pool().size(), 1, "the connections start-up opened are closed, but one");
        sqlx::query("select 1").execute(db.pool()).await.unwrap();
    }
}

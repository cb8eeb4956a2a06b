//! Operational metrics, served at `/metrics` in the OpenMetrics text format (which Prometheus
//! reads). `prometheus-client` is the Prometheus project's own Rust client: no global registry
//! (each application, and so each test, has its own), typed label sets, and the text encoder.
//!
//! What is counted here is process-local: with several instances, Prometheus scrapes each and
//! sums. Gauges read from the database (mail queue) are read at scrape time.

use std::collections::HashSet;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::store::{self, Db, StoreError};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    /// The route template (`/admin/users/{id}`), never the path: ids would make every user a
    /// series of their own.
    route: Arc<str>,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: Arc<str>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SigninLabels {
    method: &'static str,
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GrantLabels {
    grant_type: &'static str,
}

fn latency_histogram() -> Histogram {
    // 5 ms to ~10 s: a page is a few ms, a password hash a few hundred, an upstream IdP seconds.
    Histogram::new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
}

/// The route label of a request that matched no route (404s from scanners, mostly).
pub const UNMATCHED_ROUTE: &str = "unmatched";

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot encode the metrics")]
    Encode,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    signins: Family<SigninLabels, Counter>,
    tokens: Family<GrantLabels, Counter>,
    mail_queue: Gauge,
    pool_size: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge<u64, AtomicU64>,
    /// Each route template once, shared by its series, so that counting a request allocates
    /// nothing (the label sets are looked up by value). As many as there are routes.
    routes: RwLock<HashSet<Arc<str>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("stile");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        let signins = Family::<SigninLabels, Counter>::default();
        let tokens = Family::<GrantLabels, Counter>::default();
        let mail_queue = Gauge::default();
        let pool_size = Gauge::default();
        let pool_idle = Gauge::default();
        let pool_max = Gauge::<u64, AtomicU64>::default();
        registry.register("http_requests", "HTTP requests answered, by route template and status", requests.clone());
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request, by route template",
            prometheus_client::registry::Unit::Seconds,
            latency.clone(),
        );
        registry.register("signins", "Sign-in attempts by method (password, email, sso, mfa) and result", signins.clone());
        registry.register("tokens_issued", "Token responses from the token endpoint, by grant type", tokens.clone());
        registry.register("mail_queue_depth", "Mail messages waiting to be sent (not sent, not given up)", mail_queue.clone());
        registry.register("db_pool_connections", "Database connections open in the pool", pool_size.clone());
        registry.register("db_pool_idle_connections", "Open database connections not in use", pool_idle.clone());
        registry.register("db_pool_max_connections", "The pool's limit ([database] max_connections)", pool_max.clone());
        Metrics { registry, requests, latency, signins, tokens, mail_queue, pool_size, pool_idle, pool_max, routes: RwLock::default() }
    }

    /// `route` is a route template or [`UNMATCHED_ROUTE`]; `method` one of a fixed few.
    pub fn observe_request(&self, method: &'static str, route: &str, status: u16, seconds: f64) {
        let route = self.route(route);
        self.requests.get_or_create(&RequestLabels { method, route: route.clone(), status }).inc();
        self.latency.get_or_create(&RouteLabels { method, route }).observe(seconds);
    }

    fn route(&self, route: &str) -> Arc<str> {
        if let Some(r) = self.routes.read().ok().and_then(|set| set.get(route).cloned()) {
            return r;
        }
        let r: Arc<str> = Arc::from(route);
        if let Ok(mut set) = self.routes.write() {
            set.insert(r.clone());
        }
        r
    }

    /// Counts a sign-in attempt from its audit action; actions that are not attempts (a link
    /// requested, an account locked as well as the failure) are not counted.
    pub fn audited(&self, action: &str, success: bool) {
        let method = match action {
            "signin.password" => "password",
            "signin.email" => "email",
            "signin.sso" => "sso",
            "mfa.verify" | "mfa.recovery_code" | "passkey.verify" => "mfa",
            "signin.passkey" => "passkey",
            _ => return,
        };
        let result = if success { "success" } else { "failure" };
        self.signins.get_or_create(&SigninLabels { method, result }).inc();
    }

    pub fn token_issued(&self, grant_type: &'static str) {
        self.tokens.get_or_create(&GrantLabels { grant_type }).inc();
    }

    /// The exposition, with the gauges read now. Fails only when the database cannot be read.
    pub async fn render(&self, db: &Db, max_connections: u32) -> Result<String, MetricsError> {
        self.mail_queue.set(store::outbox::unsent_count(db).await?);
        self.pool_size.set(i64::from(db.pool().size()));
        self.pool_idle.set(i64::try_from(db.pool().num_idle()).unwrap_or(i64::MAX));
        self.pool_max.set(u64::from(max_connections));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).map_err(|_| MetricsError::Encode)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Metrics;

    #[test]
    fn only_attempts_count_as_sign_ins() {
        let m = Metrics::new();
        m.audited("signin.password", false);
        m.audited("signin.locked", false);
        m.audited("signin.email.request", true);
        m.audited("mfa.verify", true);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &m.registry).unwrap();
        assert!(out.contains("stile_signins_total{method=\"password\",result=\"failure\"} 1"), "{out}");
        assert!(out.contains("stile_signins_total{method=\"mfa\",result=\"success\"} 1"), "{out}");
        assert!(!out.contains("locked") && !out.contains("request"), "{out}");
    }

    #[test]
    fn requests_count_under_their_route_and_status() {
        let m = Metrics::new();
        m.observe_request("POST", "/token", 200, 0.001);
        m.observe_request("POST", "/token", 200, 0.002);
        m.observe_request("POST", "/token", 401, 0.001);
        m.observe_request("GET", super::UNMATCHED_ROUTE, 404, 0.001);
        assert_eq!(m.routes.read().unwrap().len(), 2, "each route template kept once");
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &m.registry).unwrap();
        assert!(out.contains("stile_http_requests_total{method=\"POST\",route=\"/token\",status=\"200\"} 2"), "{out}");
        assert!(out.contains("stile_http_requests_total{method=\"POST\",route=\"/token\",status=\"401\"} 1"), "{out}");
        assert!(out.contains("stile_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"), "{out}");
        assert!(out.contains("stile_http_request_duration_seconds_count{method=\"POST\",route=\"/token\"} 3"), "{out}");
    }
}

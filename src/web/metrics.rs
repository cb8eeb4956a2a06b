//! `/metrics` and the layer that times every request.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::around::{Around, AroundLayer};
use crate::app::AppState;
use crate::error::AppError;
use crate::metrics::{Metrics, MetricsError, UNMATCHED_ROUTE};
use crate::secret::ct_eq;

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Counts and times each request under its route template. Applied with `Router::layer`, so it
/// runs inside routing and sees the matched route.
pub fn record_layer(metrics: Arc<Metrics>) -> AroundLayer<Record> {
    AroundLayer(Record { metrics })
}

#[derive(Clone)]
pub struct Record {
    metrics: Arc<Metrics>,
}

pub struct Seen {
    start: Instant,
    method: &'static str,
    route: Option<MatchedPath>,
    metrics: Arc<Metrics>,
}

impl Around for Record {
    type Seen = Seen;

    fn before(&self, req: &Request) -> Seen {
        // Any token is a valid method; only the ones we serve get a series of their own.
        let method = match *req.method() {
            Method::GET => "GET",
            Method::HEAD => "HEAD",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
            Method::OPTIONS => "OPTIONS",
            _ => "other",
        };
        // A clone of the route's shared template (no copy of the text).
        let route = req.extensions().get::<MatchedPath>().cloned();
        Seen { start: Instant::now(), method, route, metrics: self.metrics.clone() }
    }

    fn after(seen: Seen, res: Response) -> Response {
        let route = seen.route.as_ref().map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
        seen.metrics.observe_request(seen.method, route, res.status().as_u16(), seen.start.elapsed().as_secs_f64());
        res
    }
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let expected = &state.settings.metrics.token;
    // Not configured: not served, as if it did not exist.
    if expected.is_empty() {
        return Err(AppError::NotFound);
    }
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    if !ct_eq(given.as_bytes(), expected.expose().as_bytes()) {
        let mut r = (StatusCode::UNAUTHORIZED, "a bearer token is required\n").into_response();
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"metrics\""));
        return Ok(r);
    }
    let body = state.metrics.render(&state.db, state.settings.database.max_connections).await.map_err(|e| match e {
        MetricsError::Store(e) => AppError::Store(e),
        e @ MetricsError::Encode => AppError::Internal(e.to_string()),
    })?;
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

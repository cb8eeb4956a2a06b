//! `Idempotency-Key` on the API's POSTs. The first request with a key runs and its answer is
//! stored for a day (in the database, so every instance sees it); a retry with the same key from
//! the same caller gets that answer again (`Idempotent-Replayed: true`) instead of doing the
//! change twice. The same key with a different body is refused (422); a retry while the first
//! request still runs is told to wait (409, Retry-After). When the first request's answer was
//! lost (a 5xx after the change had committed, e.g. a connection dropped just after), the
//! change itself recorded that it happened (see `admin::idempotency`) and a retry is answered
//! with the resource it created.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use crate::app::AppState;
use crate::error::AppError;
use crate::store::{self, idempotency::IdempotencyRow};

pub const HEADER: &str = "idempotency-key";
const REPLAYED: &str = "idempotent-replayed";
/// How long an answer is kept for replay.
const KEEP_SECS: i64 = 86_400;
/// A first request that has not answered after this long is taken to have died.
const STALE_SECS: i64 = 120;
/// The largest answer kept (API answers are small JSON documents).
const MAX_STORED: usize = 1 << 20;

fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    let mut r = AppError::Json { status, error: code, message: message.into(), field: None }.into_response();
    if status == StatusCode::CONFLICT {
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    }
    r
}

/// A failure from below, as the API's JSON error.
fn failure(e: &(dyn std::error::Error + 'static)) -> Response {
    if store::caused_by_unavailable(e) {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "The service is temporarily unavailable. Try again in a moment.",
        );
    }
    tracing::error!(error = %crate::error::error_chain(e), "admin API request failed");
    error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "Something went wrong on our side. Try again in a moment.")
}

/// The key: 1 to 255 visible ASCII characters.
fn parse_key(headers: &HeaderMap) -> Result<Option<String>, ()> {
    let mut values = headers.get_all(HEADER).iter();
    let Some(v) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(());
    }
    let key = v.to_str().map_err(|_| ())?;
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(());
    }
    Ok(Some(key.to_owned()))
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// The middleware. Requests without the header, other methods, and callers without a valid
/// token (whom the handler will refuse) pass straight through.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let key = match parse_key(req.headers()) {
        Ok(Some(k)) => k,
        Ok(None) => return next.run(req).await,
        Err(()) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Idempotency-Key must be one value of 1 to 255 visible ASCII characters (a UUID is a good choice).",
            );
        }
    };
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    let Some(bearer) = bearer else { return next.run(req).await };
    // Keys are per caller: the same key from another client or user is another key.
    let claims = match crate::tokens::grants::access_token_claims(&state, &bearer).await {
        Ok(Some(c)) => c,
        Ok(None) => return next.run(req).await,
        Err(e) => return failure(&e),
    };
    let claim = |k: &str| claims.get(k).and_then(serde_json::Value::as_str).unwrap_or("").to_owned();
    let (client_id, sub) = (claim("client_id"), claim("sub"));
    let path = req.uri().path().to_owned();
    let fingerprint = sha256_hex(&[client_id.as_bytes(), sub.as_bytes(), b"POST".as_slice(), path.as_bytes(), key.as_bytes()]);
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request", "The request body is too large.");
    };
    let request_hash = sha256_hex(&[bytes.as_ref()]);
    let now = state.now();
    let claimed = match store::idempotency::claim(&state.db, &fingerprint, &request_hash, now, now + KEEP_SECS).await {
        Ok(c) => c,
        Err(e) => return failure(&e),
    };
    if !claimed {
        let row = match store::idempotency::get(&state.db, &fingerprint, now).await {
            Ok(Some(r)) => r,
            Ok(None) => return error(StatusCode::CONFLICT, "idempotency_key_in_use", "Retry in a moment."),
            Err(e) => return failure(&e),
        };
        if row.request_hash != request_hash {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was already used with a different request. Use a new key for a new request.",
            );
        }
        if let Some(r) = replay(&state, &row, &path, &parts.headers).await {
            return r;
        }
        // The first request never answered and changed nothing: once it is stale, run again.
        let taken = row.created_at + STALE_SECS <= now
            && store::idempotency::take_over(&state.db, &fingerprint, row.created_at, now).await.unwrap_or(false);
        if !taken {
            return error(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "A request with this Idempotency-Key is still being processed. Retry in a moment.",
            );
        }
    }
    let req = Request::from_parts(parts, Body::from(bytes));
    let res = crate::admin::idempotency::scope(fingerprint.clone(), next.run(req)).await;
    finish(&state, &fingerprint, res).await
}

/// Stores the answer (or gives the claim up if there is none to give and nothing changed).
async fn finish(state: &AppState, fingerprint: &str, res: Response) -> Response {
    // Tests: the answer is lost here, after the change (if any) committed.
    let res = match store::fault_here(&state.db, "idempotency:answer") {
        Ok(()) => res,
        Err(e) => failure(&e),
    };
    let status = res.status();
    if status.is_server_error() {
        let _ = store::idempotency::release(&state.db, fingerprint).await;
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_STORED).await else {
        let _ = store::idempotency::release(&state.db, fingerprint).await;
        return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "Something went wrong on our side. Try again in a moment.");
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let text = without_secrets(&bytes);
    if let Err(e) = store::idempotency::complete(&state.db, fingerprint, status.as_u16(), content_type, &text).await {
        // The answer still goes out; a retry will find the change recorded, or run afresh.
        tracing::warn!(error = %crate::error::error_chain(&e), "could not store an idempotent answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The answer as stored: a secret shown once (a new client's `client_secret`) is never kept, so
/// a replay shows it as null (rotate the secret if the first answer was lost).
fn without_secrets(bytes: &[u8]) -> String {
    if let Ok(serde_json::Value::Object(mut o)) = serde_json::from_slice::<serde_json::Value>(bytes)
        && o.contains_key("client_secret")
    {
        o.insert("client_secret".into(), serde_json::Value::Null);
        return serde_json::Value::Object(o).to_string();
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// The answer for a retry: the stored one, or (when the first answer was lost after the change
/// committed) the created resource. None when the first request is still running or left
/// nothing.
async fn replay(state: &AppState, row: &IdempotencyRow, path: &str, headers: &HeaderMap) -> Option<Response> {
    if row.status > 0 {
        let status = u16::try_from(row.status).ok().and_then(|s| StatusCode::from_u16(s).ok())?;
        let mut r = (status, row.body.clone().unwrap_or_default()).into_response();
        let h = r.headers_mut();
        if let Some(ct) = row.content_type.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
            h.insert(header::CONTENT_TYPE, ct);
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(REPLAYED, HeaderValue::from_static("true"));
        return Some(r);
    }
    let (target_type, target_id) = (row.target_type.as_deref()?, row.target_id.as_deref()?);
    // The creates whose audited target is the resource they answer with.
    let rest = path.strip_prefix(super::PREFIX).unwrap_or(path);
    let is_create_of = |collection: &str| rest == format!("/{collection}") || (collection == "roles" && rest.ends_with("/roles"));
    let collection = match target_type {
        "user" if is_create_of("users") => "users",
        "body" if is_create_of("bodies") => "bodies",
        "role" if is_create_of("roles") => "roles",
        "client" if is_create_of("clients") => "clients",
        "connection" if is_create_of("connections") => "connections",
        _ => {
            // Changed, but nothing to show: say so rather than do it again.
            let mut r = super::json(StatusCode::OK, &serde_json::json!({ "target_type": target_type, "target_id": target_id }));
            r.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
            return Some(r);
        }
    };
    let id: String = url::form_urlencoded::byte_serialize(target_id.as_bytes()).collect();
    let mut get = Request::builder().method(Method::GET).uri(format!("{}/{collection}/{id}", super::PREFIX));
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        get = get.header(header::AUTHORIZATION, auth);
    }
    let get = get.body(Body::empty()).ok()?;
    let res = super::router().with_state(state.clone()).oneshot(get).await.ok()?;
    let (mut parts, body) = res.into_parts();
    if parts.status == StatusCode::OK {
        parts.status = StatusCode::CREATED;
    }
    parts.headers.insert(REPLAYED, HeaderValue::from_static("true"));
    Some(Response::from_parts(parts, body))
}

//! `/api/v1/audit`, `/api/v1/audit.csv`, `/api/v1/bodies/{id}/export` and
//! `/api/v1/bodies/{id}/import`: the audit log, "download all organisation data" and CSV user
//! import, with the same delegation rules as everywhere else.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::extract::api;
use super::{ApiActor, ApiQuery, json, ok};
use crate::admin::AdminError;
use crate::admin::ops::import::{ActorImportError, ImportError, ImportReport};
use crate::admin::ops::{audit_log, export, import};
use crate::app::AppState;
use crate::error::AppError;
use crate::store::audit::Filter;

/// The most events one CSV download holds.
pub const MAX_CSV_ROWS: u64 = 100_000;

/// Audit log filters, as query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    body_id: Option<String>,
    ip: Option<String>,
    outcome: Option<String>,
    /// RFC 3339 or Unix seconds, inclusive.
    since: Option<String>,
    /// RFC 3339 or Unix seconds, exclusive.
    until: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
}

impl AuditQuery {
    fn filter(&self) -> Result<Filter, AdminError> {
        if let Some(o) = &self.outcome
            && !matches!(o.as_str(), "success" | "failure")
        {
            return Err(AdminError::invalid("outcome", "outcome must be success or failure."));
        }
        Ok(Filter {
            actor: self.actor.clone().unwrap_or_default(),
            action: self.action.clone().unwrap_or_default(),
            target: self.target.clone().unwrap_or_default(),
            body_id: self.body_id.clone().unwrap_or_default(),
            ip: self.ip.clone().unwrap_or_default(),
            outcome: self.outcome.clone().unwrap_or_default(),
            from: self.since.as_deref().map(|s| parse_time("since", s)).transpose()?,
            until: self.until.as_deref().map(|s| parse_time("until", s)).transpose()?,
            before_id: self.before,
        })
    }
}

fn parse_time(field: &'static str, s: &str) -> Result<i64, AdminError> {
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| AdminError::invalid(field, format!("{field} must be a time like 2026-11-01T00:00:00Z or Unix seconds.")))
}

fn internal(e: audit_log::AuditLogError) -> AppError {
    match e {
        audit_log::AuditLogError::Store(s) => api(AdminError::Store(s)),
        other => api(AdminError::Internal(other.to_string())),
    }
}

pub async fn audit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Response, AppError> {
    let filter = audit_log::scope_for(&state, &actor, q.filter().map_err(api)?).await.map_err(api)?;
    let page = audit_log::page(&state.db, &filter, q.limit.unwrap_or(100)).await.map_err(internal)?;
    Ok(ok(&page))
}

pub async fn audit_csv(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Response, AppError> {
    let filter = audit_log::scope_for(&state, &actor, q.filter().map_err(api)?).await.map_err(api)?;
    let max = q.limit.and_then(|l| u64::try_from(l).ok()).unwrap_or(10_000).clamp(1, MAX_CSV_ROWS);
    let mut buf = Vec::new();
    audit_log::write_csv(&state.db, &filter, max, &mut buf).await.map_err(internal)?;
    let mut r = Response::new(axum::body::Body::from(buf));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"audit.csv\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

pub async fn export_body(State(state): State<AppState>, ApiActor(actor): ApiActor, Path(id): Path<String>) -> Result<Response, AppError> {
    let data = export::for_actor(&state, &actor, &id).await.map_err(api)?;
    let mut r = ok(&data);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"body-{}.json\"", data.body.id)) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Without it, a dry run: writing needs `dry_run=false` said on purpose.
    dry_run: Option<bool>,
}

/// A refused import: every refused row with its reason, and nothing written.
#[derive(Debug, Serialize)]
struct Refused<'a> {
    error: &'static str,
    message: String,
    report: &'a ImportReport,
}

pub async fn import_users(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    let dry_run = q.dry_run.unwrap_or(true);
    match import::for_actor(&state, &actor, &id, body.as_ref(), dry_run).await {
        Ok(report) => Ok(json(if dry_run { StatusCode::OK } else { StatusCode::CREATED }, &report)),
        Err(ActorImportError::Admin(e)) => Err(api(e)),
        Err(ActorImportError::Import(ImportError::Refused(report))) => {
            let message = format!("{} row(s) refused; nothing was imported.", report.refused_rows);
            Ok(json(StatusCode::UNPROCESSABLE_ENTITY, &Refused { error: "invalid_request", message, report: &report }))
        }
        Err(ActorImportError::Import(ImportError::File(m))) => Err(api(AdminError::invalid("file", m.to_string()))),
        Err(ActorImportError::Import(ImportError::Store(e))) => Err(api(AdminError::Store(e))),
    }
}

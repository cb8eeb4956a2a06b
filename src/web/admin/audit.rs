//! The audit log: filter by actor, action, target, body, time and outcome, page back through it,
//! and download what the filter matches as CSV. What an administrator may read is narrowed by
//! `admin::audit_log::scope_for` (their own body's events, unless a superuser).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::roles::Opt;
use super::{Admin, Nav, Problem, Section, enc, when};
use crate::admin::audit_log::{self, EventView};
use crate::admin::ops;
use crate::app::AppState;
use crate::error::AppError;
use crate::store::audit::Filter;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(page)).route("/admin/audit.csv", get(csv))
}

/// The most rows one CSV download holds.
const CSV_MAX_ROWS: u64 = 100_000;
const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    outcome: String,
    /// YYYY-MM-DD, from the start of that day (UTC).
    #[serde(default)]
    from: String,
    /// YYYY-MM-DD, to the end of that day (UTC).
    #[serde(default)]
    until: String,
    before: Option<i64>,
}

fn day(field: &'static str, s: &str, end_of_day: bool) -> Result<Option<i64>, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s, &fmt)
        .map_err(|_| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some(field), "Give a date as YYYY-MM-DD, for example 2026-11-22."))?;
    let start = d.midnight().assume_utc().unix_timestamp();
    Ok(Some(if end_of_day { start + 86_400 } else { start }))
}

impl AuditQuery {
    fn filter(&self) -> Result<Filter, Problem> {
        if !matches!(self.outcome.as_str(), "" | "success" | "failure") {
            return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("outcome"), "The outcome is success or failure."));
        }
        Ok(Filter {
            actor: self.actor.trim().to_owned(),
            action: self.action.trim().to_owned(),
            target: self.target.trim().to_owned(),
            body_id: self.body.trim().to_owned(),
            ip: String::new(),
            outcome: self.outcome.clone(),
            from: day("from", &self.from, false)?,
            until: day("until", &self.until, true)?,
            before_id: self.before,
        })
    }
}

pub struct Row {
    pub time: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub body: String,
    pub ip: String,
    pub outcome: String,
    pub details: String,
}

impl From<EventView> for Row {
    fn from(e: EventView) -> Self {
        let details = match &e.details {
            serde_json::Value::Object(m) if m.is_empty() => String::new(),
            v => v.to_string(),
        };
        Row {
            time: when(e.at),
            actor: e.actor_user_id.or(e.actor_client_id.map(|c| format!("client {c}"))).unwrap_or_else(|| "–".into()),
            action: e.action,
            target: if e.target_id.is_empty() { e.target_type } else { format!("{} {}", e.target_type, e.target_id) },
            body: e.body_id.unwrap_or_default(),
            ip: e.ip,
            outcome: e.outcome,
            details,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    error: Option<String>,
    error_field: Option<&'static str>,
    actor: String,
    action: String,
    target: String,
    from: String,
    until: String,
    outcomes: Vec<Opt>,
    bodies: Vec<Opt>,
    superuser: bool,
    rows: Vec<Row>,
    older: Option<String>,
    csv_link: String,
}

async fn page(
    State(state): State<AppState>,
    admin: Admin,
    Query(q): Query<AuditQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let bodies = ops::bodies::list(&state, &admin.actor).await?;
    let without_cursor: String = url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .filter(|(k, _)| k != "before")
        .map(|(k, v)| format!("{}={}&", enc(&k), enc(&v)))
        .collect();
    let mut page = AuditPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Audit, None),
        error: None,
        error_field: None,
        actor: q.actor.clone(),
        action: q.action.clone(),
        target: q.target.clone(),
        from: q.from.clone(),
        until: q.until.clone(),
        outcomes: [("", "Any"), ("success", "Success"), ("failure", "Failure")]
            .iter()
            .map(|(v, l)| Opt { value: (*v).to_owned(), label: (*l).to_owned(), selected: *v == q.outcome })
            .collect(),
        bodies: bodies.into_iter().map(|b| Opt { selected: b.id == q.body, value: b.id, label: b.name }).collect(),
        superuser: admin.actor.is_superuser(),
        rows: Vec::new(),
        older: None,
        csv_link: format!("/admin/audit.csv?{}", without_cursor.trim_end_matches('&')),
    };
    let result = match q.filter() {
        Ok(f) => match audit_log::scope_for(&state, &admin.actor, f).await {
            Ok(f) => Ok(audit_log::page(&state.db, &f, PAGE_SIZE).await.map_err(|e| AppError::Internal(crate::error::error_chain(&e)))?),
            Err(e) => Err(Problem::from_admin(e)?),
        },
        Err(p) => Err(p),
    };
    match result {
        Ok(found) => {
            page.older = found.next_before.map(|b| format!("/admin/audit?{without_cursor}before={b}"));
            // Actors by email where this administrator may see them, by id otherwise.
            let mut emails: std::collections::HashMap<String, Option<String>> = std::collections::HashMap::new();
            for id in found.events.iter().filter_map(|e| e.actor_user_id.clone()) {
                if let std::collections::hash_map::Entry::Vacant(slot) = emails.entry(id) {
                    let email =
                        ops::users::show(&state, &admin.actor, slot.key()).await.ok().map(|d| d.user.email).filter(|e| !e.is_empty());
                    slot.insert(email);
                }
            }
            page.rows = found
                .events
                .into_iter()
                .map(|e| {
                    let email = e.actor_user_id.as_ref().and_then(|id| emails.get(id).cloned().flatten());
                    let mut row = Row::from(e);
                    if let Some(email) = email {
                        row.actor = email;
                    }
                    row
                })
                .collect();
            Ok((admin.jar.clone(), page).into_response())
        }
        Err(p) => {
            page.error_field = p.field;
            page.error = Some(p.message);
            Ok((p.status, admin.jar.clone(), page).into_response())
        }
    }
}

async fn csv(State(state): State<AppState>, admin: Admin, Query(q): Query<AuditQuery>) -> Result<Response, AppError> {
    let filter = q.filter().map_err(|p| AppError::BadRequest(p.message))?;
    let filter = audit_log::scope_for(&state, &admin.actor, filter).await?;
    let mut out = Vec::new();
    audit_log::write_csv(&state.db, &filter, CSV_MAX_ROWS, &mut out)
        .await
        .map_err(|e| AppError::Internal(crate::error::error_chain(&e)))?;
    let name = format!("audit-{}.csv", if filter.body_id.is_empty() { "all" } else { filter.body_id.as_str() });
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '.', "_")
    ))
    .unwrap_or(HeaderValue::from_static("attachment"));
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")), (header::CONTENT_DISPOSITION, disposition)], out)
        .into_response())
}

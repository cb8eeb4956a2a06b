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
use crate::web::say;

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
        .map_err(|_| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some(field), say::text("admin-audit-bad-date")))?;
    let start = d.midnight().assume_utc().unix_timestamp();
    Ok(Some(if end_of_day { start + 86_400 } else { start }))
}

impl AuditQuery {
    fn filter(&self) -> Result<Filter, Problem> {
        if !matches!(self.outcome.as_str(), "" | "success" | "failure") {
            return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("outcome"), say::text("admin-audit-bad-outcome")));
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

/// Something an event names: shown by name, with its id on hover and in the event's details.
pub struct Named {
    pub label: String,
    pub id: String,
}

impl Named {
    fn id_only(id: &str) -> Self {
        Named { label: id.to_owned(), id: id.to_owned() }
    }
}

pub struct Row {
    pub time: String,
    pub action: String,
    pub outcome: String,
    pub actor: Option<Named>,
    pub target: Option<Named>,
    pub target_type: String,
    pub body: Option<Named>,
    pub ip: String,
    pub user_agent: String,
    /// `details` as (label, value) pairs.
    pub details: Vec<(String, String)>,
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "–".into(),
        serde_json::Value::Bool(b) => say::text(if *b { "admin-audit-yes" } else { "admin-audit-no" }),
        serde_json::Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            if items.is_empty() {
                say::text("admin-audit-empty")
            } else {
                items.iter().map(value_text).collect::<Vec<_>>().join(", ")
            }
        }
        other => other.to_string(),
    }
}

fn readable(details: &serde_json::Value) -> Vec<(String, String)> {
    match details {
        serde_json::Value::Object(m) => m.iter().map(|(k, v)| (super::labels::detail_label(k), value_text(v))).collect(),
        serde_json::Value::Null => Vec::new(),
        other => vec![(say::text("admin-audit-details"), value_text(other))],
    }
}

/// Names for the ids on a page, looked up once each through the service layer (so an
/// administrator sees names only where they may see the thing; otherwise the id).
struct Names<'a> {
    state: &'a AppState,
    admin: &'a Admin,
    seen: std::collections::HashMap<(String, String), String>,
}

impl Names<'_> {
    async fn of(&mut self, kind: &str, id: &str) -> Named {
        let key = (kind.to_owned(), id.to_owned());
        if let Some(label) = self.seen.get(&key) {
            return Named { label: label.clone(), id: id.to_owned() };
        }
        let (state, actor) = (self.state, &self.admin.actor);
        let label = match kind {
            "user" => ops::users::show(state, actor, id).await.ok().map(|d| d.user.email).filter(|e| !e.is_empty()),
            "body" => ops::bodies::show(state, actor, id).await.ok().map(|b| b.name),
            "role" => ops::roles::show(state, actor, id).await.ok().map(|r| r.name),
            "client" => ops::clients::show(state, actor, id).await.ok().map(|c| c.name),
            "connection" => ops::connections::show(state, actor, id).await.ok().map(|c| c.name),
            _ => None,
        }
        .unwrap_or_else(|| id.to_owned());
        self.seen.insert(key, label.clone());
        Named { label, id: id.to_owned() }
    }

    async fn row(&mut self, e: EventView) -> Row {
        let actor = match (&e.actor_user_id, &e.actor_client_id) {
            (Some(u), _) => Some(self.of("user", u).await),
            (None, Some(c)) => Some(self.of("client", c).await),
            (None, None) => None,
        };
        let target = if e.target_id.is_empty() {
            None
        } else if matches!(e.target_type.as_str(), "user" | "body" | "role" | "client" | "connection") {
            Some(self.of(&e.target_type, &e.target_id).await)
        } else {
            Some(Named::id_only(&e.target_id))
        };
        let body = match &e.body_id {
            Some(b) => Some(self.of("body", b).await),
            None => None,
        };
        Row {
            time: when(e.at),
            details: readable(&e.details),
            action: e.action,
            outcome: e.outcome,
            actor,
            target,
            target_type: e.target_type,
            body,
            ip: e.ip,
            user_agent: e.user_agent,
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
    /// Back to the newest events, when paging back.
    newest: Option<String>,
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
        outcomes: [("", "admin-audit-any"), ("success", "admin-outcome-success"), ("failure", "admin-outcome-failure")]
            .iter()
            .map(|(v, l)| Opt { value: (*v).to_owned(), label: say::text(l), selected: *v == q.outcome })
            .collect(),
        bodies: bodies.into_iter().map(|b| Opt { selected: b.id == q.body, value: b.id, label: b.name }).collect(),
        superuser: admin.actor.is_superuser(),
        rows: Vec::new(),
        older: None,
        newest: q.before.map(|_| format!("/admin/audit?{}", without_cursor.trim_end_matches('&'))),
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
            let mut names = Names { state: &state, admin: &admin, seen: std::collections::HashMap::new() };
            for e in found.events {
                let row = names.row(e).await;
                page.rows.push(row);
            }
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

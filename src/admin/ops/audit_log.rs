//! Reading the audit log: filtered, paged newest first, and as CSV for spreadsheets.
//!
//! The log is append-only (database triggers refuse UPDATE and DELETE, migration 0007), so what
//! is read here is what was written.

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;

use crate::admin::ops::{Subject, guard, load_body};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::policy::delegation::Action;
use crate::store::audit::{EventRow, Filter};
use crate::store::{self, Db, StoreError};

/// The most events one page holds.
pub const MAX_PAGE: i64 = 1000;

pub const CSV_HEADER: [&str; 12] = [
    "id",
    "time",
    "actor_user_id",
    "actor_client_id",
    "action",
    "target_type",
    "target_id",
    "body_id",
    "ip",
    "user_agent",
    "outcome",
    "details",
];

#[derive(Debug, thiserror::Error)]
pub enum AuditLogError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write the CSV: {0}")]
    Io(#[from] std::io::Error),
}

/// One event as the API shows it: `details` as JSON, the time also in RFC 3339.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub id: i64,
    pub at: i64,
    pub time: String,
    pub actor_user_id: Option<String>,
    pub actor_client_id: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub body_id: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub outcome: String,
    pub details: serde_json::Value,
}

impl From<EventRow> for EventView {
    fn from(e: EventRow) -> Self {
        let details = serde_json::from_str(&e.details).unwrap_or(serde_json::Value::String(e.details));
        EventView {
            id: e.id,
            at: e.at,
            time: rfc3339(e.at),
            actor_user_id: e.actor_user_id,
            actor_client_id: e.actor_client_id,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            body_id: e.body_id,
            ip: e.ip,
            user_agent: e.user_agent,
            outcome: e.outcome,
            details,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub events: Vec<EventView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// One page of events matching `filter`, newest first.
pub async fn page(db: &Db, filter: &Filter, limit: i64) -> Result<Page, AuditLogError> {
    let limit = limit.clamp(1, MAX_PAGE);
    // One more than asked tells whether there is a next page without counting.
    let mut rows = store::audit::query(db, filter, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_before = if more { rows.last().map(|r| r.id) } else { None };
    Ok(Page { events: rows.into_iter().map(EventView::from).collect(), next_before })
}

/// Narrows `filter` to what `actor` may see: a superuser sees every event; a body's administrators
/// see that body's events only, so a filter without a body is refused unless they administer
/// exactly one body (which it then means). A refusal is audited.
pub async fn scope_for(state: &AppState, actor: &AdminActor, mut filter: Filter) -> Result<Filter, AdminError> {
    filter.actor = user_id_for(state, &filter.actor).await?;
    filter.target = user_id_for(state, &filter.target).await?;
    if actor.is_superuser() {
        return Ok(filter);
    }
    if filter.body_id.is_empty() {
        match actor.administered_bodies().unwrap_or_default().as_slice() {
            [only] => filter.body_id = only.clone(),
            [] => {
                let s = Subject { target_type: "", target_id: "", body_id: None };
                let refused =
                    Err(AdminError::Forbidden("Only superusers and organisations' administrators can read the audit log.".into()));
                return guard(state, actor, "audit.view", &s, refused).await.map(|()| filter);
            }
            _ => {
                return Err(AdminError::invalid(
                    "body_id",
                    "You administer more than one body: say which body's audit log to read with body_id.",
                ));
            }
        }
    }
    let body = load_body(state, &filter.body_id).await?;
    let s = Subject { target_type: "body", target_id: &body.body.id, body_id: Some(&body.body.id) };
    guard(state, actor, "audit.view", &s, actor.check(Action::ViewAudit, Some(&body.target()))).await?;
    Ok(filter)
}

/// An actor or target given as an email address means that user's id (people know addresses,
/// not ids). An unknown address is left as it is, which matches no event; an id is unchanged.
async fn user_id_for(state: &AppState, given: &str) -> Result<String, AdminError> {
    let given = given.trim();
    if !given.contains('@') {
        return Ok(given.to_owned());
    }
    let Ok(email) = crate::email::Email::parse(given) else { return Ok(given.to_owned()) };
    Ok(store::users::by_email(&state.db, &email).await?.map(|u| u.id).unwrap_or_else(|| given.to_owned()))
}

/// Writes every event matching `filter` (at most `max_rows`, newest first) as CSV, page by page,
/// so a large log never sits in memory whole. Returns how many events were written.
pub async fn write_csv(db: &Db, filter: &Filter, max_rows: u64, out: impl Write) -> Result<u64, AuditLogError> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(CSV_HEADER)?;
    let mut filter = filter.clone();
    let mut written = 0u64;
    while written < max_rows {
        let want = i64::try_from(max_rows - written).unwrap_or(MAX_PAGE).min(MAX_PAGE);
        let rows = store::audit::query(db, &filter, want).await?;
        let Some(last) = rows.last().map(|r| r.id) else { break };
        for e in &rows {
            write_event(&mut w, e)?;
        }
        written += rows.len() as u64;
        filter.before_id = Some(last);
    }
    w.flush()?;
    Ok(written)
}

fn write_event<W: Write>(w: &mut csv::Writer<W>, e: &EventRow) -> Result<(), csv::Error> {
    let id = e.id.to_string();
    let time = rfc3339(e.at);
    let cells = [
        id.as_str(),
        time.as_str(),
        e.actor_user_id.as_deref().unwrap_or(""),
        e.actor_client_id.as_deref().unwrap_or(""),
        &e.action,
        &e.target_type,
        &e.target_id,
        e.body_id.as_deref().unwrap_or(""),
        &e.ip,
        &e.user_agent,
        &e.outcome,
        &e.details,
    ];
    w.write_record(cells.iter().map(|c| guard_cell(c).into_owned()))
}

/// Defuses spreadsheet formulas (CSV injection): a cell that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return is prefixed with `'`, so a user agent such as `=HYPERLINK(…)` shows as
/// text. Quoting itself (RFC 4180) is the csv writer's job.
pub fn guard_cell(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

fn rfc3339(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(guard_cell(bad), format!("'{bad}"));
        }
        assert_eq!(guard_cell("signin.password"), "signin.password");
        assert_eq!(guard_cell(""), "");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}

//! The users list of the admin console: filters, keyset pages, CSV export of the filtered list,
//! and bulk actions. Bulk actions are the single actions run once per user (each with its own
//! delegation check and audit event), so choosing many users can do nothing one could not do to
//! each of them.

use serde_json::json;

use super::{Subject, audit_now, load_body};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::policy::delegation::Action;
use crate::store::{
    self,
    user_list::{Cursor, Filter, LastSignIn, ListRow, Status, TwoFactor},
};

/// The most users one page shows, and one bulk action acts on.
pub const MAX_PAGE: i64 = 200;
const DAY: i64 = 86_400;

/// The filters as the form sends them; empty means "any".
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub q: String,
    pub body_id: String,
    pub role_id: String,
    /// `active`, `disabled` or `flagged`.
    pub status: String,
    /// `on` or `off`.
    pub two_factor: String,
    /// `7d`, `30d`, `90d` (signed in within), `not-90d` (not within 90 days, or never), `never`.
    pub last_sign_in: String,
}

/// One page: the rows and, when there are more, the cursor of the next page.
#[derive(Debug)]
pub struct ListPage {
    pub items: Vec<ListRow>,
    pub next: Option<String>,
}

pub fn encode_cursor(c: &Cursor) -> String {
    format!("{}.{}", c.created_at, c.id)
}

fn decode_cursor(s: &str) -> Result<Cursor, AdminError> {
    let bad = || AdminError::invalid("after", "That page link is not valid; start from the first page.");
    let (at, id) = s.split_once('.').ok_or_else(bad)?;
    let created_at = at.parse().map_err(|_| bad())?;
    if id.is_empty() || id.len() > 64 {
        return Err(bad());
    }
    Ok(Cursor { created_at, id: id.to_owned() })
}

/// The filter the actor may run: a body administrator sees only their bodies' members, and may
/// name only their own bodies and those bodies' roles.
async fn filter_for<'a>(
    state: &AppState,
    actor: &AdminActor,
    q: &'a ListQuery,
    visible: &'a Option<Vec<String>>,
) -> Result<Filter<'a>, AdminError> {
    let f = parse_filter(q, visible, state.now())?;
    if let Some(b) = f.body_id {
        let body = load_body(state, b).await?;
        actor.check(Action::ViewMembers, Some(&body.target()))?;
        if let Some(r) = f.role_id
            && !store::catalogue::roles_of_body(&state.db, b).await?.iter().any(|role| role.id == r)
        {
            return Err(AdminError::invalid("role_id", "That role is not one of the organisation's roles."));
        }
    }
    Ok(f)
}

/// The filter the form's values say, at `now` (for the last sign-in periods); what needs the
/// database (the organisation and role may be named by this actor) is [`filter_for`]'s.
fn parse_filter<'a>(q: &'a ListQuery, visible: &'a Option<Vec<String>>, now: i64) -> Result<Filter<'a>, AdminError> {
    if visible.as_ref().is_some_and(Vec::is_empty) {
        return Err(AdminError::Forbidden("You are not an administrator of any organisation.".into()));
    }
    if q.q.chars().count() > 200 {
        return Err(AdminError::invalid("q", "Search for at most 200 characters."));
    }
    let body_id = Some(q.body_id.trim()).filter(|b| !b.is_empty());
    let role_id = match (q.role_id.trim(), body_id) {
        ("", _) => None,
        (_, None) => return Err(AdminError::invalid("role_id", "Choose an organisation to filter by one of its roles.")),
        (r, Some(_)) => Some(r),
    };
    let status = match q.status.as_str() {
        "" => Status::Any,
        "active" => Status::Active,
        "disabled" => Status::Disabled,
        "flagged" => Status::Flagged,
        _ => return Err(AdminError::invalid("status", "Choose a status from the list.")),
    };
    let two_factor = match q.two_factor.as_str() {
        "" => TwoFactor::Any,
        "on" => TwoFactor::On,
        "off" => TwoFactor::Off,
        "totp" => TwoFactor::Totp,
        "passkey" => TwoFactor::Passkey,
        _ => return Err(AdminError::invalid("two_factor", "Choose a kind of two-factor authentication from the list.")),
    };
    let last_sign_in = match q.last_sign_in.as_str() {
        "" => LastSignIn::Any,
        "7d" => LastSignIn::Since(now - 7 * DAY),
        "30d" => LastSignIn::Since(now - 30 * DAY),
        "90d" => LastSignIn::Since(now - 90 * DAY),
        "not-90d" => LastSignIn::NotSince(now - 90 * DAY),
        "never" => LastSignIn::Never,
        _ => return Err(AdminError::invalid("last_sign_in", "Choose a last sign-in period from the list.")),
    };
    Ok(Filter { query: q.q.trim(), visible_bodies: visible.as_deref(), body_id, role_id, status, two_factor, last_sign_in })
}

/// One page of the users the actor may see that match `q`, after the cursor `after`.
pub async fn list(state: &AppState, actor: &AdminActor, q: &ListQuery, after: Option<&str>, per_page: i64) -> Result<ListPage, AdminError> {
    let visible = actor.administered_bodies();
    let filter = filter_for(state, actor, q, &visible).await?;
    let after = after.filter(|a| !a.is_empty()).map(decode_cursor).transpose()?;
    let per_page = per_page.clamp(1, MAX_PAGE);
    // One more than asked for says whether there is a next page, without counting every match.
    let mut items = store::user_list::page(&state.db, &filter, after.as_ref(), per_page + 1).await?;
    let more = i64::try_from(items.len()).unwrap_or(i64::MAX) > per_page;
    items.truncate(usize::try_from(per_page).unwrap_or(0));
    let next = if more { items.last().map(|r| encode_cursor(&r.cursor())) } else { None };
    Ok(ListPage { items, next })
}

pub const CSV_HEADER: [&str; 9] = ["id", "email", "name", "status", "flagged", "superuser", "two_factor", "created_at", "last_sign_in_at"];

/// Users read per page of an export: memory stays one page, whatever the number of users.
const CSV_PAGE: i64 = 1000;

/// Every user the actor may see that matches `q`, as CSV (RFC 4180, formula cells defused),
/// read one keyset page at a time by [`CsvExport::next_chunk`]. The filter is checked, and the
/// export audited with the number of rows it holds, before any row is read: it copies personal
/// data out, and a download cut short has still copied some.
pub async fn export_csv(state: &AppState, actor: &AdminActor, q: &ListQuery) -> Result<CsvExport, AdminError> {
    let visible = actor.administered_bodies();
    let filter = filter_for(state, actor, q, &visible).await?;
    let rows = store::user_list::count(&state.db, &filter).await?;
    // About many users, so no one target; under the organisation filtered by, if any.
    let subject = Subject { target_type: "", target_id: "", body_id: filter.body_id };
    audit_now(state, actor, "user.export", &subject, Some(json!({ "rows": rows, "filters": filters_json(q) }))).await?;
    Ok(CsvExport { state: state.clone(), query: q.clone(), visible, now: state.now(), after: None, started: false, done: false })
}

/// A checked and audited export, read a page at a time.
pub struct CsvExport {
    state: AppState,
    query: ListQuery,
    visible: Option<Vec<String>>,
    /// The time the filter's periods were fixed at, the same for every page.
    now: i64,
    after: Option<Cursor>,
    started: bool,
    done: bool,
}

impl CsvExport {
    /// The next part of the file (the header with the first page), or `None` at the end. After
    /// an error there is nothing more.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, AdminError> {
        if self.done {
            return Ok(None);
        }
        let out = self.read_page().await;
        if !matches!(out, Ok(Some(_))) {
            self.done = true;
        }
        out
    }

    async fn read_page(&mut self) -> Result<Option<Vec<u8>>, AdminError> {
        let filter = parse_filter(&self.query, &self.visible, self.now)?;
        let page = store::user_list::page(&self.state.db, &filter, self.after.as_ref(), CSV_PAGE).await?;
        let csv_err = |e: csv::Error| AdminError::Internal(e.to_string());
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        if !self.started {
            self.started = true;
            w.write_record(CSV_HEADER).map_err(csv_err)?;
        } else if page.is_empty() {
            return Ok(None);
        }
        for r in &page {
            let status = if r.disabled != 0 { "disabled" } else { "active" };
            let cells = [
                r.id.clone(),
                r.email.clone(),
                r.name.clone(),
                status.to_owned(),
                yes_no(r.flagged),
                yes_no(r.superuser),
                yes_no(r.two_factor),
                rfc3339(r.created_at),
                r.last_login_at.map(rfc3339).unwrap_or_default(),
            ];
            w.write_record(cells.iter().map(|c| crate::admin::ops::audit_log::guard_cell(c).into_owned())).map_err(csv_err)?;
        }
        match page.last() {
            // A short page is the last: no query to find nothing after it.
            Some(last) if i64::try_from(page.len()).unwrap_or(0) == CSV_PAGE => self.after = Some(last.cursor()),
            _ => self.done = true,
        }
        w.into_inner().map(Some).map_err(|e| AdminError::Internal(e.to_string()))
    }
}

fn filters_json(q: &ListQuery) -> serde_json::Value {
    json!({
        "q": q.q, "body_id": q.body_id, "role_id": q.role_id, "status": q.status,
        "two_factor": q.two_factor, "last_sign_in": q.last_sign_in,
    })
}

fn yes_no(v: i64) -> String {
    if v != 0 { "yes" } else { "no" }.to_owned()
}

fn rfc3339(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| at.to_string())
}

/// What can be done to many users at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    Disable,
    SignOutEverywhere,
    AddToOrganisation,
    SendSignInEmail,
}

impl BulkAction {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "disable" => BulkAction::Disable,
            "sign-out" => BulkAction::SignOutEverywhere,
            "add-to-organisation" => BulkAction::AddToOrganisation,
            "send-sign-in-email" => BulkAction::SendSignInEmail,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            BulkAction::Disable => "disable",
            BulkAction::SignOutEverywhere => "sign-out",
            BulkAction::AddToOrganisation => "add-to-organisation",
            BulkAction::SendSignInEmail => "send-sign-in-email",
        }
    }
    /// In the words of the confirmation page: "… these 3 users?"
    pub fn verb(self) -> &'static str {
        match self {
            BulkAction::Disable => "Disable",
            BulkAction::SignOutEverywhere => "Sign out everywhere",
            BulkAction::AddToOrganisation => "Add to the organisation",
            BulkAction::SendSignInEmail => "Send a sign-in email to",
        }
    }
}

/// What happened to one user of a bulk action.
#[derive(Debug)]
pub struct BulkResult {
    pub user_id: String,
    pub outcome: Result<(), AdminError>,
}

/// Checks a bulk request before it is confirmed: how many users, and the organisation for
/// "add to organisation". Each user is checked again, one by one, when it runs.
pub fn check_bulk(action: BulkAction, user_ids: &[String], body_id: Option<&str>) -> Result<(), AdminError> {
    if user_ids.is_empty() {
        return Err(AdminError::invalid("user", "Select at least one user."));
    }
    if i64::try_from(user_ids.len()).unwrap_or(i64::MAX) > MAX_PAGE {
        return Err(AdminError::invalid("user", format!("Select at most {MAX_PAGE} users at a time.")));
    }
    if action == BulkAction::AddToOrganisation && body_id.is_none_or(str::is_empty) {
        return Err(AdminError::invalid("body_id", "Choose the organisation to add the users to."));
    }
    Ok(())
}

/// Runs `action` on each user through the single action of the same name: the same delegation
/// check and the same audit event for each, and one user refused does not stop the others.
pub async fn bulk(
    state: &AppState,
    actor: &AdminActor,
    action: BulkAction,
    user_ids: &[String],
    body_id: Option<&str>,
) -> Result<Vec<BulkResult>, AdminError> {
    check_bulk(action, user_ids, body_id)?;
    let mut ids: Vec<&String> = user_ids.iter().collect();
    ids.sort();
    ids.dedup();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let outcome = match action {
            BulkAction::Disable => super::users::set_disabled(state, actor, id, true).await.map(|_| ()),
            BulkAction::SignOutEverywhere => super::users::logout_everywhere(state, actor, id).await.map(|_| ()),
            BulkAction::SendSignInEmail => super::users::send_sign_in_email(state, actor, id).await,
            BulkAction::AddToOrganisation => {
                let body = body_id.unwrap_or_default();
                super::memberships::add(state, actor, body, id, super::memberships::MembershipInput::default()).await.map(|_| ())
            }
        };
        // The database being unavailable stops the whole action: every later user would fail too.
        if let Err(AdminError::Store(e)) = outcome {
            return Err(AdminError::Store(e));
        }
        out.push(BulkResult { user_id: id.clone(), outcome });
    }
    Ok(out)
}

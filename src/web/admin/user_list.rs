//! The users list: filters, keyset pages, CSV export of the filtered list, and bulk actions
//! with one confirmation page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Admin, CsrfForm, HtmlForm, Nav, Section, enc, fields, when};
use crate::admin::ops::{
    self,
    bodies::BodyView,
    roles::RoleView,
    user_list::{BulkAction, ListQuery},
};
use crate::app::AppState;
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/users", get(list)).route("/admin/users.csv", get(csv)).route("/admin/users/bulk", post(bulk))
}

const PER_PAGE: i64 = 50;

// Each filter's values, with the catalogue key of its label.
const STATUS_OPTIONS: [(&str, &str); 4] =
    [("", "users-any"), ("active", "people-active"), ("disabled", "people-disabled"), ("flagged", "people-flagged")];
const TWO_FACTOR_OPTIONS: [(&str, &str); 5] = [
    ("", "users-any"),
    ("on", "people-on"),
    ("off", "people-off"),
    ("totp", "users-two-factor-totp"),
    ("passkey", "users-two-factor-passkey"),
];
const LAST_SIGN_IN_OPTIONS: [(&str, &str); 6] = [
    ("", "users-any-time"),
    ("7d", "users-last-7-days"),
    ("30d", "users-last-30-days"),
    ("90d", "users-last-90-days"),
    ("not-90d", "users-not-last-90-days"),
    ("never", "people-never"),
];

pub struct Row {
    pub id: String,
    pub email: String,
    pub name: String,
    /// "Active", "Disabled, flagged"…, in the page's language.
    pub flags: String,
    pub two_factor: bool,
    pub last_login: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
struct ListPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    q: ListQuery,
    flagged: bool,
    bodies: Vec<BodyView>,
    roles: Vec<RoleView>,
    status_options: [(&'static str, &'static str); 4],
    two_factor_options: [(&'static str, &'static str); 5],
    last_sign_in_options: [(&'static str, &'static str); 6],
    rows: Vec<Row>,
    csv_link: String,
    first: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
struct ListParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    body_id: String,
    #[serde(default)]
    role_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    two_factor: String,
    #[serde(default)]
    last_sign_in: String,
    /// The old "flagged only" box (links to `?flagged=1` still work).
    flagged: Option<String>,
    after: Option<String>,
    done: Option<String>,
}

impl ListParams {
    fn query(&self) -> ListQuery {
        let old_flagged = self.flagged.as_deref().is_some_and(|v| !v.is_empty() && v != "0");
        ListQuery {
            q: self.q.clone(),
            body_id: self.body_id.clone(),
            // A role belongs to one organisation: without it, the role is dropped.
            role_id: if self.body_id.is_empty() { String::new() } else { self.role_id.clone() },
            status: if old_flagged && self.status.is_empty() { "flagged".into() } else { self.status.clone() },
            two_factor: self.two_factor.clone(),
            last_sign_in: self.last_sign_in.clone(),
        }
    }
}

/// The query string of the filters (no cursor).
fn filter_query(q: &ListQuery) -> String {
    format!(
        "q={}&body_id={}&role_id={}&status={}&two_factor={}&last_sign_in={}",
        enc(&q.q),
        enc(&q.body_id),
        enc(&q.role_id),
        enc(&q.status),
        enc(&q.two_factor),
        enc(&q.last_sign_in)
    )
}

/// "Active", "Disabled, flagged", "Active, superuser": the status first, in sentence case.
fn flags(r: &crate::store::user_list::ListRow) -> String {
    super::users::status_text(r.disabled != 0, r.flagged != 0, r.superuser != 0)
}

async fn list(State(state): State<AppState>, admin: Admin, Query(p): Query<ListParams>) -> Result<Response, AppError> {
    let q = p.query();
    let bodies = ops::bodies::list(&state, &admin.actor).await?;
    // Roles are offered once an organisation the actor may see is chosen.
    let roles =
        if bodies.iter().any(|b| b.id == q.body_id) { ops::roles::list(&state, &admin.actor, &q.body_id).await? } else { Vec::new() };
    let filters = filter_query(&q);
    let mut page = ListPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Users, p.done.as_deref()),
        csrf: admin.csrf.clone(),
        error: None,
        flagged: q.status == "flagged",
        bodies,
        roles,
        status_options: STATUS_OPTIONS,
        two_factor_options: TWO_FACTOR_OPTIONS,
        last_sign_in_options: LAST_SIGN_IN_OPTIONS,
        rows: Vec::new(),
        csv_link: format!("/admin/users.csv?{filters}"),
        first: p.after.as_ref().filter(|a| !a.is_empty()).map(|_| format!("/admin/users?{filters}")),
        next: None,
        q,
    };
    match ops::user_list::list(&state, &admin.actor, &page.q, p.after.as_deref(), PER_PAGE).await {
        Ok(found) => {
            page.next = found.next.map(|c| format!("/admin/users?{filters}&after={}", enc(&c)));
            page.rows = found
                .items
                .iter()
                .map(|u| Row {
                    id: u.id.clone(),
                    email: u.email.clone(),
                    name: u.name.clone(),
                    flags: flags(u),
                    two_factor: u.two_factor != 0,
                    last_login: u.last_login_at.map(when).unwrap_or_else(|| crate::web::say::text("people-never")),
                })
                .collect();
            Ok((admin.jar, page).into_response())
        }
        Err(e) => {
            let p = super::Problem::from_admin(e)?;
            page.error = Some(p.message);
            Ok((p.status, admin.jar, page).into_response())
        }
    }
}

/// The filtered list as CSV, streamed page by page (`ops::user_list::CsvExport`): memory stays one
/// page whatever the number of users. A failure after the first byte can only cut the file
/// short; it is logged, and the browser reports a failed download.
async fn csv(State(state): State<AppState>, admin: Admin, Query(p): Query<ListParams>) -> Result<Response, AppError> {
    let export = ops::user_list::export_csv(&state, &admin.actor, &p.query()).await?;
    let chunks = futures_util::stream::unfold(export, |mut export| async move {
        match export.next_chunk().await {
            Ok(Some(bytes)) => Some((Ok(bytes), export)),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %crate::error::error_chain(&e), "users CSV export stopped");
                Some((Err(std::io::Error::other("the export stopped")), export))
            }
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"users.csv\"")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users_bulk.html")]
struct ConfirmPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    /// The page's question and its button, for this many users.
    question: String,
    button: String,
    action: &'static str,
    destructive: bool,
    body_id: String,
    body_name: Option<String>,
    ids: Vec<String>,
    users: Vec<String>,
}

/// First post: the confirmation page, naming each user the actor may see. Second post
/// (`confirm=yes`): the action, user by user, then back to the list with what happened.
/// The bulk form: the action, the ticked users, and the organisation to add them to.
#[derive(Deserialize)]
struct BulkForm {
    #[serde(default)]
    action: String,
    #[serde(default, deserialize_with = "fields::values")]
    user: Vec<String>,
    #[serde(default, deserialize_with = "fields::trimmed")]
    body_id: Option<String>,
    #[serde(default)]
    confirm: String,
}

async fn bulk(
    State(state): State<AppState>,
    admin: Admin,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<BulkForm>>,
) -> Result<Response, AppError> {
    let Some(action) = BulkAction::parse(&f.action) else {
        return Err(AppError::BadRequest(crate::web::say::text("people-bad-bulk-action")));
    };
    let ids = f.user;
    let body_id = f.body_id.filter(|_| action == BulkAction::AddToOrganisation);
    if let Err(e) = ops::user_list::check_bulk(action, &ids, body_id.as_deref()) {
        let p = super::Problem::from_admin(e)?;
        return Ok(Redirect::to(&format!("/admin/users?done={}", bulk_problem_code(p.field))).into_response());
    }
    if f.confirm == "yes" {
        let results = match ops::user_list::bulk(&state, &admin.actor, action, &ids, body_id.as_deref()).await {
            Ok(r) => r,
            Err(e) => return Err(e.into()),
        };
        let refused = results.iter().filter(|r| r.outcome.is_err()).count();
        let done = if refused == 0 {
            "bulk-done"
        } else if refused == results.len() {
            "bulk-refused"
        } else {
            "bulk-partly"
        };
        return Ok(Redirect::to(&format!("/admin/users?done={done}")).into_response());
    }
    let body_name = match &body_id {
        Some(b) => Some(ops::bodies::show(&state, &admin.actor, b).await?.name),
        None => None,
    };
    // Only users the actor may see are named (and carried on to the action).
    let mut shown = Vec::new();
    let mut users = Vec::new();
    for id in &ids {
        match ops::users::show(&state, &admin.actor, id).await {
            Ok(u) => {
                shown.push(id.to_owned());
                users.push(if u.user.name.is_empty() { u.user.email } else { format!("{} ({})", u.user.name, u.user.email) });
            }
            Err(crate::admin::AdminError::NotFound(_) | crate::admin::AdminError::Forbidden(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if shown.is_empty() {
        return Ok(Redirect::to("/admin/users?done=bulk-none").into_response());
    }
    let (question, button) = bulk_keys(action);
    let tr = crate::i18n::Tr::plain(crate::i18n::current());
    let page = ConfirmPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Users, None),
        csrf: admin.csrf.clone(),
        error: None,
        question: tr.n(question, shown.len()).to_string(),
        button: tr.n(button, shown.len()).to_string(),
        action: action.as_str(),
        destructive: action == BulkAction::Disable,
        body_id: body_id.unwrap_or_default(),
        body_name,
        ids: shown,
        users,
    };
    Ok((StatusCode::OK, admin.jar, page).into_response())
}

/// The confirmation page's question and button for an action.
fn bulk_keys(action: BulkAction) -> (&'static str, &'static str) {
    match action {
        BulkAction::Disable => ("bulk-disable-question", "bulk-disable-button"),
        BulkAction::SignOutEverywhere => ("bulk-sign-out-question", "bulk-sign-out-button"),
        BulkAction::AddToOrganisation => ("bulk-add-question", "bulk-add-button"),
        BulkAction::SendSignInEmail => ("bulk-email-question", "bulk-email-button"),
    }
}

fn bulk_problem_code(field: Option<&'static str>) -> &'static str {
    if field == Some("body_id") { "bulk-no-body" } else { "bulk-none" }
}

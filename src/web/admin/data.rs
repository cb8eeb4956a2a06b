//! An organisation's data: "Download all organisation data" (JSON) and the CSV user import in
//! FixMyStreet's format, checked first (a dry run reporting every refused row) and then imported
//! all or nothing. The CSV is a chosen file or pasted into the text box (no JavaScript either
//! way); its POST has the import limit (`server.max_import_bytes`), not the site-wide one, and a
//! larger file gets the page back saying so. Very large files are better imported with
//! `stile import users FILE`.
//!
//! The "Import" button does not need the file again: the page that reports a clean dry run
//! carries the checked text in its own small form, with a tag (`MasterKey::mac`) over the
//! session, the organisation and the text, and only text with a right tag is imported that way.
//! Importing checks every row again in any case.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::import_form::{ImportBody, file_text, normalise_line_ends, size_words};
use super::{Admin, Button, CsrfForm, HtmlForm, Nav, Problem, Section, enc};
use crate::admin::export;
use crate::admin::import::{self, ActorImportError, FileProblem, ImportError, ImportReport};
use crate::admin::ops::{self, bodies::BodyView};
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::{Tr, current};
use crate::secret::ct_eq;
use crate::web::say::text as say;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/bodies/{id}/export", post(download)).route("/admin/bodies/{id}/import", get(import_page))
}

/// The import form's POST alone, merged outside the site-wide body limit like the API's import
/// route. Its body reader ([`ImportBody`]) enforces the import limit itself (a declared length
/// over it is refused before reading, a stream is cut off at it), so that a file too large gets
/// the page back with a message rather than a bare 413.
pub fn upload_router() -> Router<AppState> {
    Router::new().route("/admin/bodies/{id}/import", post(import_submit))
}

async fn download(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    _: CsrfForm<HtmlForm<Button>>,
) -> Result<Response, AppError> {
    let data = export::for_actor(&state, &admin.actor, &id).await?;
    let json = serde_json::to_vec_pretty(&data).map_err(|e| AppError::Internal(e.to_string()))?;
    let safe: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"organisation-{safe}.json\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (header::CONTENT_DISPOSITION, disposition)], json)
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/import.html")]
struct ImportPage {
    site_name: String,
    signed_in: bool,
    nav: Nav,
    csrf: String,
    error: Option<String>,
    error_field: Option<&'static str>,
    b: BodyView,
    csv: String,
    report: Option<ImportReport>,
    /// The dry run found nothing wrong: offer the real import, carrying the checked text.
    checked: Option<Checked>,
    accepted: u64,
    columns: String,
    /// "4 rows: 2 can be imported, 2 have problems" (rows, not problems: a row may have several).
    summary: String,
    /// The chosen file's name, when a file was checked.
    file_name: String,
    /// The import limit in words ("16 MB").
    max_size: String,
}

/// Text a dry run accepted, and its tag (see the module comment).
struct Checked {
    text: String,
    mac: String,
}

fn row_summary(r: &ImportReport) -> String {
    let t = Tr::plain(current());
    if r.imported > 0 {
        return t.n("import-summary-imported", r.rows).num("imported", r.imported).to_string();
    }
    let bad = r.rows.saturating_sub(r.accepted);
    format!("{} {}", t.n("import-summary-rows", r.rows), t.n("import-summary-checked", bad).num("accepted", r.accepted))
}

fn text_msg(key: &'static str) -> crate::i18n::Msg {
    Tr::plain(current()).msg(key)
}

/// The tag over checked text: for this session and this organisation only.
fn checked_mac(state: &AppState, admin: &Admin, body_id: &str, text: &str) -> String {
    let sid = &admin.session.sid;
    let bound = format!("{}:{sid}{}:{body_id}{text}", sid.len(), body_id.len());
    state.master_key.mac("stile.admin.import.checked.v1", bound.as_bytes())
}

/// What the page shows besides the form itself.
#[derive(Default)]
struct Outcome {
    /// The text box, as sent.
    csv: String,
    file_name: String,
    /// The text that was checked (a chosen file's, the text box's or the carried text).
    text: String,
    report: Option<ImportReport>,
    problem: Option<Problem>,
}

fn render(state: &AppState, admin: &Admin, b: BodyView, o: Outcome) -> Response {
    let Outcome { csv, file_name, text, mut report, problem } = o;
    // The reasons are the command line's and the API's too (in English); on the page, in the
    // page's language and as sentences.
    for p in report.iter_mut().flat_map(|r| r.problems.iter_mut()) {
        p.reason = sentence(&crate::i18n::refusals::say(&p.reason));
    }
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let report_accepted = report.as_ref().map(|r| r.accepted).unwrap_or_default();
    let ready = report.as_ref().is_some_and(|r| r.dry_run && r.problems.is_empty() && r.accepted > 0);
    let summary = report.as_ref().map(row_summary).unwrap_or_default();
    let checked = ready.then(|| Checked { mac: checked_mac(state, admin, &b.id, &text), text });
    let page = ImportPage {
        site_name: admin.site_name.clone(),
        signed_in: true,
        nav: admin.nav(Section::Bodies, None),
        csrf: admin.csrf.clone(),
        error_field: problem.as_ref().and_then(|p| p.field),
        error: problem.map(|p| p.message),
        b,
        csv,
        report,
        checked,
        accepted: report_accepted,
        columns: import::COLUMNS.join(","),
        summary,
        file_name,
        max_size: size_words(state.settings.server.max_import_bytes),
    };
    (status, admin.jar.clone(), page).into_response()
}

async fn import_page(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> Result<Response, AppError> {
    let b = ops::bodies::show(&state, &admin.actor, &id).await?;
    Ok(render(&state, &admin, b, Outcome::default()))
}

fn refused(status: StatusCode, field: Option<&'static str>, message: impl Into<String>) -> Option<Problem> {
    Some(Problem::new(status, field, message))
}

/// Checks (dry run) or imports the CSV: the text carried from a clean dry run ("Import"), else
/// the chosen file, else the text box.
async fn import_submit(State(state): State<AppState>, admin: Admin, Path(id): Path<String>, req: Request) -> Result<Response, AppError> {
    // Whoever may not see the organisation is refused before their upload (up to the import
    // limit, well over the site-wide one) is read.
    let b = ops::bodies::show(&state, &admin.actor, &id).await?;
    let body = match ImportBody::from_request(req, &state).await {
        Ok(body) => body,
        Err(rejected) => return Ok(rejected),
    };
    let max = state.settings.server.max_import_bytes;
    let too_large = || {
        let msg = text_msg("import-too-large").arg("size", size_words(max)).to_string();
        refused(StatusCode::PAYLOAD_TOO_LARGE, Some("file"), msg)
    };
    let f = match body {
        ImportBody::Form(f) => f,
        ImportBody::TooLarge => return Ok(render(&state, &admin, b, Outcome { problem: too_large(), ..Outcome::default() })),
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let mut o = Outcome { csv: f.csv.clone(), ..Outcome::default() };
    if let Some(carried) = f.checked {
        let text = normalise_line_ends(&carried);
        if !ct_eq(checked_mac(&state, &admin, &b.id, &text).as_bytes(), f.checked_mac.as_bytes()) {
            o.problem = refused(unprocessable, Some("file"), say("import-unconfirmed"));
            return Ok(render(&state, &admin, b, o));
        }
        o.text = text;
    } else if let Some(file) = &f.file {
        o.file_name = file.name.rsplit(['/', '\\']).next().unwrap_or_default().to_owned();
        if !f.csv.trim().is_empty() {
            o.problem = refused(unprocessable, Some("file"), say("import-file-and-text"));
            return Ok(render(&state, &admin, b, o));
        }
        match file_text(file) {
            Ok(text) => o.text = text,
            Err(msg) => {
                o.problem = refused(unprocessable, Some("file"), msg);
                return Ok(render(&state, &admin, b, o));
            }
        }
    } else if f.csv.trim().is_empty() {
        o.problem = refused(unprocessable, Some("file"), say("import-nothing-chosen"));
        return Ok(render(&state, &admin, b, o));
    } else {
        o.text = normalise_line_ends(&f.csv);
    }
    if o.text.len() > max {
        o.problem = too_large();
        return Ok(render(&state, &admin, b, o));
    }
    let dry_run = f.mode != "import";
    match import::for_actor(&state, &admin.actor, &id, o.text.as_bytes(), dry_run).await {
        Ok(report) if dry_run => {
            o.report = Some(report);
            Ok(render(&state, &admin, b, o))
        }
        Ok(_) => Ok(Redirect::to(&format!("/admin/bodies/{}?done=imported", enc(&id))).into_response()),
        Err(ActorImportError::Import(ImportError::Refused(report))) => {
            o.report = Some(*report);
            o.problem = refused(unprocessable, None, say("import-rows-refused"));
            Ok(render(&state, &admin, b, o))
        }
        Err(ActorImportError::Import(ImportError::File(p))) => {
            let field = if o.file_name.is_empty() { "csv" } else { "file" };
            o.problem = refused(unprocessable, Some(field), file_problem(&p));
            Ok(render(&state, &admin, b, o))
        }
        Err(ActorImportError::Import(ImportError::Store(e))) => Err(AppError::Store(e)),
        Err(ActorImportError::Admin(e)) => {
            o.problem = Some(Problem::from_admin(e)?);
            Ok(render(&state, &admin, b, o))
        }
    }
}

/// Why the file cannot be imported, in the page's language (the command line and the API say
/// it in English).
fn file_problem(p: &FileProblem) -> String {
    let t = Tr::plain(current());
    let columns = import::COLUMNS.join(",");
    let msg = match p {
        // The CSV reader's words are English only: the Welsh message goes without them.
        FileProblem::NotCsv(detail) => t.msg("import-problem-not-csv").arg("detail", detail.trim_end_matches('.')),
        FileProblem::NoRows => t.msg("import-problem-no-rows"),
        FileProblem::UnknownColumn(c) => t.msg("import-problem-unknown-column").arg("column", c).arg("columns", &columns),
        FileProblem::ColumnTwice(c) => t.msg("import-problem-column-twice").arg("column", c),
        FileProblem::NoEmailColumn => t.msg("import-problem-no-email-column").arg("columns", &columns),
    };
    msg.to_string()
}

/// A message that starts with a capital and ends with a full stop, as the page's others do.
fn sentence(msg: &str) -> String {
    let mut chars = msg.trim().chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    if !out.ends_with(['.', '?', '!']) {
        out.push('.');
    }
    out
}

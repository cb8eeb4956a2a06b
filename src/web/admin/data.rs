//! A body's data: "Download all organisation data" (JSON) and the CSV user import in
//! FixMyStreet's format, checked first (a dry run reporting every refused row) and then imported
//! all or nothing. The CSV is pasted into the form, so the page needs no JavaScript or upload
//! handling; its POST has the import body limit (`server.max_import_bytes`), not the site-wide
//! one. Very large files are better imported with `stile import users FILE`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::{Admin, Button, CsrfForm, HtmlForm, Nav, Problem, Section, enc};
use crate::admin::export;
use crate::admin::import::{self, ActorImportError, ImportError, ImportReport};
use crate::admin::ops::{self, bodies::BodyView};
use crate::app::AppState;
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/bodies/{id}/export", post(download)).route("/admin/bodies/{id}/import", get(import_page))
}

/// The import form's POST alone, with the import body limit (`server.max_import_bytes`); merged
/// outside the site-wide limit like the API's import route.
pub fn upload_router(max_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/admin/bodies/{id}/import", post(import_submit))
        .layer(axum::extract::DefaultBodyLimit::max(max_bytes))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_bytes))
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
    /// The dry run found nothing wrong: offer the real import.
    ready: bool,
    accepted: u64,
    columns: String,
    /// "4 rows: 2 can be imported, 2 have problems" (rows, not problems: a row may have several).
    summary: String,
}

fn row_summary(r: &ImportReport) -> String {
    let bad = r.rows.saturating_sub(r.accepted);
    let rows = if r.rows == 1 { "row" } else { "rows" };
    let have = if bad == 1 { "has" } else { "have" };
    if r.imported > 0 {
        return format!("{} {rows}: {} imported", r.rows, r.imported);
    }
    format!("{} {rows}: {} can be imported, {bad} {have} problems", r.rows, r.accepted)
}

fn render(admin: &Admin, b: BodyView, csv: String, report: Option<ImportReport>, problem: Option<Problem>) -> Response {
    let status = problem.as_ref().map(|p| p.status).unwrap_or(StatusCode::OK);
    let report_accepted = report.as_ref().map(|r| r.accepted).unwrap_or_default();
    let ready = report.as_ref().is_some_and(|r| r.dry_run && r.problems.is_empty() && r.accepted > 0);
    let summary = report.as_ref().map(row_summary).unwrap_or_default();
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
        ready,
        accepted: report_accepted,
        columns: import::COLUMNS.join(","),
        summary,
    };
    (status, admin.jar.clone(), page).into_response()
}

async fn import_page(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> Result<Response, AppError> {
    let b = ops::bodies::show(&state, &admin.actor, &id).await?;
    Ok(render(&admin, b, String::new(), None, None))
}

/// The import form: the pasted CSV and which button was pressed.
#[derive(serde::Deserialize)]
struct ImportForm {
    #[serde(default)]
    csv: String,
    #[serde(default)]
    mode: String,
}

async fn import_submit(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    CsrfForm(HtmlForm(f)): CsrfForm<HtmlForm<ImportForm>>,
) -> Result<Response, AppError> {
    let b = ops::bodies::show(&state, &admin.actor, &id).await?;
    let csv = f.csv;
    if csv.trim().is_empty() {
        let p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("csv"), "Paste the CSV file's contents, starting with its header row.");
        return Ok(render(&admin, b, csv, None, Some(p)));
    }
    let dry_run = f.mode != "import";
    match import::for_actor(&state, &admin.actor, &id, csv.as_bytes(), dry_run).await {
        Ok(report) if dry_run => Ok(render(&admin, b, csv, Some(report), None)),
        Ok(_) => Ok(Redirect::to(&format!("/admin/bodies/{}?done=imported", enc(&id))).into_response()),
        Err(ActorImportError::Import(ImportError::Refused(report))) => {
            let p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                "Some rows are refused, so nothing was imported. Correct them and check again.",
            );
            Ok(render(&admin, b, csv, Some(*report), Some(p)))
        }
        Err(ActorImportError::Import(ImportError::File(msg))) => {
            Ok(render(&admin, b, csv, None, Some(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some("csv"), msg))))
        }
        Err(ActorImportError::Import(ImportError::Store(e))) => Err(AppError::Store(e)),
        Err(ActorImportError::Admin(e)) => {
            let p = Problem::from_admin(e)?;
            Ok(render(&admin, b, csv, None, Some(p)))
        }
    }
}

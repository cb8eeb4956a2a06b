//! `stile audit …`, `stile export …`, `stile import …`: the audit log, "download all
//! organisation data", and CSV user import in FixMyStreet's format.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::CliError;
use crate::admin::AdminActor;
use crate::admin::ops::import::{ActorImportError, ImportError};
use crate::admin::ops::{audit_log, export, import};
use crate::app::AppState;
use crate::store::{self, audit::Filter, bodies::BodyRow};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit events, newest first, optionally filtered; `--csv` writes CSV to standard output.
    List(AuditList),
}

#[derive(Debug, Args)]
pub struct AuditList {
    /// Only events by this actor (a user id or a client id).
    #[arg(long)]
    pub actor: Option<String>,
    /// Only this action, or a prefix ending in `.` or `*` (e.g. `signin.*`).
    #[arg(long)]
    pub action: Option<String>,
    /// Only events about this target id.
    #[arg(long)]
    pub target: Option<String>,
    /// Only events of this body (name or id).
    #[arg(long)]
    pub body: Option<String>,
    /// Only events from this IP address.
    #[arg(long)]
    pub ip: Option<String>,
    /// Only `success` or `failure`.
    #[arg(long)]
    pub outcome: Option<String>,
    /// Events at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z, or Unix seconds).
    #[arg(long)]
    pub since: Option<String>,
    /// Events before this time (RFC 3339 or Unix seconds).
    #[arg(long)]
    pub until: Option<String>,
    /// Only events older than this event id (the next page).
    #[arg(long)]
    pub before: Option<i64>,
    /// How many events at most (default: 100 in the table, every matching event in CSV).
    #[arg(long)]
    pub limit: Option<u64>,
    /// Write CSV (every column, spreadsheet-safe) instead of a table.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Download all organisation data of one body as JSON: the body, its roles, members,
    /// memberships and audit events. No password hashes or secrets.
    Body {
        /// The body's name or id.
        body: String,
        /// Write to this file (created readable by its owner only) instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import users from a CSV file in FixMyStreet's format
    /// (name,email,from_body,passwordhash,roles,permissions). Every row is checked first; if any
    /// is refused nothing is imported. Existing users are refused, never changed.
    Users {
        file: PathBuf,
        /// Only check the file and list every row that would be refused, and why.
        #[arg(long)]
        dry_run: bool,
        /// Import into this body only (name or id): rows with an empty from_body join it, rows
        /// naming another body are refused.
        #[arg(long)]
        body: Option<String>,
    },
}

pub async fn audit(state: &AppState, c: AuditCommand) -> Result<(), CliError> {
    let AuditCommand::List(a) = c;
    let body_id = match &a.body {
        Some(b) => find_body(state, b).await?.id,
        None => String::new(),
    };
    if let Some(o) = &a.outcome
        && !matches!(o.as_str(), "success" | "failure")
    {
        return Err(CliError::Usage("--outcome must be success or failure".into()));
    }
    let filter = Filter {
        actor: a.actor.unwrap_or_default(),
        action: a.action.unwrap_or_default(),
        target: a.target.unwrap_or_default(),
        body_id,
        ip: a.ip.unwrap_or_default(),
        outcome: a.outcome.unwrap_or_default(),
        from: a.since.as_deref().map(|s| parse_time("--since", s)).transpose()?,
        until: a.until.as_deref().map(|s| parse_time("--until", s)).transpose()?,
        before_id: a.before,
    };
    if a.csv {
        let stdout = std::io::stdout().lock();
        audit_log::write_csv(&state.db, &filter, a.limit.unwrap_or(u64::MAX), stdout).await?;
        return Ok(());
    }
    let limit = a.limit.map_or(100, |l| i64::try_from(l).unwrap_or(audit_log::MAX_PAGE));
    let page = audit_log::page(&state.db, &filter, limit).await.map_err(|e| CliError::Usage(crate::error::error_chain(&e)))?;
    out!("{:<8} {:<21} {:<28} {:<8} {:<38} {:<38} IP", "ID", "TIME", "ACTION", "OUTCOME", "ACTOR", "TARGET");
    for e in &page.events {
        let actor = e.actor_user_id.as_deref().or(e.actor_client_id.as_deref()).unwrap_or("-");
        let target = if e.target_id.is_empty() { "-".to_owned() } else { format!("{}:{}", e.target_type, e.target_id) };
        out!("{:<8} {:<21} {:<28} {:<8} {:<38} {:<38} {}", e.id, e.time, e.action, e.outcome, actor, target, e.ip);
    }
    if let Some(next) = page.next_before {
        out!("(more: add --before {next})");
    }
    Ok(())
}

pub async fn export(state: &AppState, c: ExportCommand) -> Result<(), CliError> {
    let ExportCommand::Body { body, output } = c;
    let b = find_body(state, &body).await?;
    // Opened first: a path that cannot be written fails before the export is built and audited.
    let mut file = output.as_deref().map(private_file).transpose()?;
    let data = export::for_actor(state, &AdminActor::cli(), &b.id).await?;
    let json = serde_json::to_vec_pretty(&data).map_err(|e| CliError::Usage(format!("cannot write the export: {e}")))?;
    match &mut file {
        Some(f) => {
            f.write_all(&json)?;
            f.write_all(b"\n")?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&json)?;
            out.write_all(b"\n")?;
        }
    }
    if let Some(path) = output {
        eprintln!("Wrote all data of {} ({} members) to {}.", b.name, data.members.len(), path.display());
    }
    Ok(())
}

pub async fn import(state: &AppState, c: ImportCommand) -> Result<(), CliError> {
    let ImportCommand::Users { file, dry_run, body } = c;
    let into = match &body {
        Some(b) => Some(find_body(state, b).await?),
        None => None,
    };
    let f = std::fs::File::open(&file).map_err(|e| CliError::Usage(format!("cannot open {}: {e}", file.display())))?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    let input = std::io::BufReader::new(f);
    let mut bar = Bar::new(size);
    let into_id = into.as_ref().map(|b| b.id.as_str());
    let result = import::import(state, &AdminActor::cli(), into_id, input, dry_run, &mut bar).await;
    bar.finish();
    let report = match result {
        Ok(r) => r,
        Err(ActorImportError::Import(ImportError::Refused(report))) => {
            print_problems(&report);
            return Err(CliError::Usage(format!("{} row(s) refused; nothing was imported", report.refused_rows)));
        }
        Err(ActorImportError::Import(ImportError::File(m))) => return Err(CliError::Usage(format!("{}: {m}", file.display()))),
        Err(ActorImportError::Import(ImportError::Store(e))) => return Err(e.into()),
        Err(ActorImportError::Admin(e)) => return Err(e.into()),
    };
    if dry_run {
        print_problems(&report);
        if !report.problems.is_empty() {
            return Err(CliError::Usage(format!(
                "dry run: {} of {} row(s) would be refused; nothing was imported",
                report.refused_rows, report.rows
            )));
        }
        out!(
            "Dry run: all {} row(s) can be imported ({} with a body, {} with a password hash). Nothing was written.",
            report.rows,
            report.memberships,
            report.with_password
        );
        return Ok(());
    }
    out!(
        "Imported {} user(s) ({} with a body, {} with a password hash, upgraded to argon2id at first sign-in).",
        report.imported,
        report.memberships,
        report.with_password
    );
    Ok(())
}

fn print_problems(report: &import::ImportReport) {
    for p in &report.problems {
        out!("row {}: {}: {}", p.row, p.field, p.reason);
    }
    if report.problems_not_listed > 0 {
        out!("... and {} more problem(s) not listed: correct these and check the file again.", report.problems_not_listed);
    }
}

pub(crate) async fn find_body(state: &AppState, name_or_id: &str) -> Result<BodyRow, CliError> {
    if let Some(b) = store::bodies::by_id(&state.db, name_or_id).await? {
        return Ok(b);
    }
    store::bodies::by_name(&state.db, name_or_id).await?.ok_or_else(|| CliError::Usage(format!("no body named {name_or_id:?}")))
}

fn parse_time(flag: &str, s: &str) -> Result<i64, CliError> {
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| CliError::Usage(format!("{flag} must be a time like 2026-11-01T00:00:00Z or Unix seconds")))
}

/// The export holds personal data: the file is readable by its owner only.
fn private_file(path: &std::path::Path) -> Result<std::fs::File, CliError> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))
}

/// A progress bar on standard error, drawn only when it is a terminal (never into logs or
/// pipes). While checking it follows the bytes read (so it has an end and an ETA) and says how
/// many rows a second; while writing, the users written.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new(file_size: u64) -> Self {
        // Small files finish before a bar is worth drawing.
        if !std::io::stderr().is_terminal() || file_size < 64 * 1024 {
            return Bar(None);
        }
        let bar = indicatif::ProgressBar::with_draw_target(Some(file_size), indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template("checking rows: {wide_bar} {percent:>3}% {msg} [{elapsed}, ETA {eta}]") {
            bar.set_style(style);
        }
        Bar(Some(bar))
    }

    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// "12,345 rows, 9,876 rows/s".
fn rows_and_rate(rows: u64, elapsed: std::time::Duration) -> String {
    let secs = elapsed.as_secs_f64();
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let rate = if secs > 0.0 { (rows as f64 / secs) as u64 } else { 0 };
    format!("{} rows, {} rows/s", indicatif::HumanCount(rows), indicatif::HumanCount(rate))
}

impl import::Progress for Bar {
    fn checked(&mut self, rows: u64, bytes: u64) {
        if let Some(b) = &self.0 {
            b.set_position(bytes);
            b.set_message(rows_and_rate(rows, b.elapsed()));
        }
    }

    fn written(&mut self, users: u64, of: u64) {
        if let Some(b) = &self.0 {
            if b.length() != Some(of) {
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "writing users: {wide_bar} {human_pos}/{human_len} {per_sec} [{elapsed}, ETA {eta}]",
                ) {
                    b.set_style(style);
                }
                b.set_length(of);
                b.reset_elapsed();
                b.reset_eta();
            }
            b.set_position(users);
        }
    }
}

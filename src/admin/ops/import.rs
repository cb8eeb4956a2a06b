//! CSV user import in FixMyStreet's format, checked whole before anything is written.
//!
//! The header is `name,email,from_body,passwordhash,roles,permissions` (columns by name, in any
//! order; `email` is required, the others may be left out; any other column refuses the file so
//! that, say, a `password` column of plain text is never silently ignored).
//!
//! - `email`: trimmed and lower-cased; imported addresses count as verified (the importer vouches
//!   for them, as FixMyStreet's import does).
//! - `from_body`: the body the user joins, matched against the body's FixMyStreet body id, its
//!   Stile id, or its exact name. Empty: the body given to the import (`--body`, or the body in
//!   the API path), else no membership.
//! - `passwordhash`: a bcrypt hash (`$2a$`/`$2b$`/`$2y$`, as FixMyStreet stores them) or an argon2
//!   PHC string, kept as it is and upgraded to argon2id at the user's first sign-in; empty means
//!   no password (the user signs in by emailed link or SSO).
//! - `roles`, `permissions`: lists as FixMyStreet writes them, separated by `:`. Stile's keys are
//!   namespaced (`fms:moderate`), so a bare FixMyStreet name (`moderate`) means `fms:moderate`,
//!   and a `:`-list may mix both (`moderate:sm:view_map:user_edit`: a token that is a namespace
//!   joins the next one). A list may instead be separated by `|` (`fms:moderate|sm:view_map`),
//!   which is never ambiguous. Roles are the body's roles, by name, ignoring case.
//!   Unlike FixMyStreet, which ignores `permissions` when `roles` is set, Stile grants both: a
//!   membership may combine roles and direct permissions.
//!
//! Each row also meets Street Manager's role-combination rules (`policy::street_manager`) and,
//! through the API, the delegation rules: the importer may add that kind of user to the body and
//! grant what the row grants.
//!
//! A user who already exists is refused, never updated: an import must not be a way to set a
//! password hash (or roles) on someone else's account. Every refusal is reported with its row
//! (the header is row 1, as in a spreadsheet), field and reason; the import writes nothing unless
//! every row is accepted, and then writes everything in one transaction with one audit event.
//! The file is streamed: rows are checked a batch at a time and kept in staging tables, not in
//! memory, so a file of any size (the command line reads any) needs the same memory.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;

use serde::Serialize;

use crate::admin::ops::accounts::Owners;
use crate::admin::ops::{LoadedBody, Subject, guard, load_body};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::auth::password::{HashLimits, is_supported_hash};
use crate::clock::{Random, Timestamp};
use crate::email::Email;
use crate::policy::delegation::{Action, BodyKind, MemberKind};
use crate::policy::street_manager::{self, SmRole};
use crate::store::bodies::BodyRow;
use crate::store::import::{Clash, ImportMembership, ImportRole, ImportUser, StagedRow, Staging};
use crate::store::{self, Db, StoreError, audit::NewEvent};

/// The columns FixMyStreet's import reads.
pub const COLUMNS: [&str; 6] = ["name", "email", "from_body", "passwordhash", "roles", "permissions"];

const MAX_NAME_CHARS: usize = 256;

/// How many problems a report lists; the rest are counted (`problems_not_listed`), so a file of
/// a million bad rows does not make a report of a million lines.
pub const MAX_LISTED: usize = 1000;

/// Rows read and checked before they are checked against the database and staged together.
const BATCH: usize = 400;

const LOOKS_THE_SAME: &str = "each account's address must look different (the same letters from another alphabet, with accents, or with invisible characters look the same)";

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file as a whole cannot be read (not CSV, no email column, unknown column).
    #[error("{0}")]
    File(FileProblem),
    /// Some rows are refused; nothing was written.
    #[error("{} row(s) refused; nothing was imported", .0.refused_rows)]
    Refused(Box<ImportReport>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a file as a whole cannot be imported. The command line and the admin API say these
/// English words; the import page says them in its own language (`web::admin::data`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    /// The header cannot be read; the CSV reader's own words (English, for the command line).
    #[error("the file is not CSV: {0}")]
    NotCsv(String),
    #[error("the file has no rows to import")]
    NoRows,
    #[error("unknown column {0:?} in the header; the columns are {columns} (only email is required)", columns = COLUMNS.join(","))]
    UnknownColumn(String),
    #[error("the column {0:?} appears twice in the header")]
    ColumnTwice(String),
    #[error("the header has no email column; expected {}", COLUMNS.join(","))]
    NoEmailColumn,
}

/// One refused row: where, which field, and why, in words an administrator can act on.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowProblem {
    pub row: u64,
    pub field: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Data rows read (the header not counted).
    pub rows: u64,
    /// Rows that would be (or were) imported.
    pub accepted: u64,
    /// Users written (0 for a dry run or a refused file).
    pub imported: u64,
    /// Of the accepted rows, how many join a body.
    pub memberships: u64,
    /// Of the accepted rows, how many bring a password hash.
    pub with_password: u64,
    /// Rows refused (a row may have more than one problem).
    pub refused_rows: u64,
    /// The problems, by row: the first [`MAX_LISTED`] of them.
    pub problems: Vec<RowProblem>,
    /// How many more problems were found than are listed.
    pub problems_not_listed: u64,
}

/// Who imports, where to, and what they may grant.
pub struct ImportOptions<'a> {
    /// Only this body: rows naming another body are refused; rows naming none join it.
    pub into_body: Option<&'a BodyRow>,
    /// Asks the delegation rules whether the importer may create this row's user with what it
    /// grants (`None`: anything, for superusers and the command line). `Err` is the reason shown.
    pub authorise: Option<&'a Authorise<'a>>,
    /// The importer is a superuser (or the command line): any address may be imported. Otherwise
    /// only addresses in the body's own email domains (`policy::accounts`).
    pub superuser: bool,
    /// The costliest password hash accepted (`[password] max_*`).
    pub hash_limits: HashLimits,
    pub dry_run: bool,
    /// Audit fields for the one event an import writes.
    pub actor_user_id: Option<&'a str>,
    pub actor_client_id: Option<&'a str>,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

/// What the import is told as it goes: rows checked, then users written.
pub trait Progress: Send {
    /// `rows` read and checked so far, `bytes` of the file read.
    fn checked(&mut self, _rows: u64, _bytes: u64) {}
    fn written(&mut self, _users: u64, _of: u64) {}
}

/// No progress reporting.
pub struct Quiet;
impl Progress for Quiet {}

/// The delegation check for one row: `None` when the user joins no body.
pub type Authorise<'a> = dyn Fn(Option<&RowGrant<'_>>) -> Result<(), String> + Send + Sync + 'a;

/// What one row would give its user in its body, for the delegation check.
#[derive(Debug)]
pub struct RowGrant<'a> {
    pub body: &'a BodyRow,
    /// The Street Manager roles its roles stand for.
    pub sm_roles: &'a [SmRole],
    /// Every permission it would hold: from its roles and granted directly.
    pub permissions: &'a BTreeSet<String>,
}

struct Context {
    bodies: Vec<BodyRow>,
    /// Each body's roles, with their permissions.
    roles: HashMap<String, Vec<ImportRole>>,
    permissions: HashSet<String>,
    namespaces: HashSet<String>,
    bans: crate::services::security_cache::Bans,
    owners: Owners,
}

/// One row read and checked on its own, waiting for its batch to be checked against the
/// database and the file's earlier rows.
struct Pending {
    row: u64,
    /// The row's address and its look-alike skeleton, when the address is usable.
    key: Option<(String, String)>,
    /// The user to create, when the row passed every check of its own.
    user: Option<ImportUser>,
}

/// Rows read since the last [`flush`], and the problems found in them.
#[derive(Default)]
struct Batch {
    read: usize,
    rows: Vec<Pending>,
    problems: Vec<RowProblem>,
}

/// Reads and checks the file row by row, a batch at a time, keeping each batch in staging tables
/// (`store::import::Staging`) rather than in memory; then (unless it is a dry run or a row is
/// refused) writes everything staged in one transaction. Memory does not grow with the file: the
/// report lists the first [`MAX_LISTED`] problems and counts the rest.
/// A dry run returns the report with every refusal; a refused real import returns
/// `ImportError::Refused` with the same report and writes nothing.
pub async fn run(
    db: &Db,
    rng: &dyn Random,
    now: Timestamp,
    input: impl Read,
    opts: &ImportOptions<'_>,
    progress: &mut dyn Progress,
) -> Result<ImportReport, ImportError> {
    let ctx = load_context(db).await?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).trim(csv::Trim::None).from_reader(input);
    let headers = reader.headers().map_err(|e| ImportError::File(FileProblem::NotCsv(e.to_string())))?.clone();
    let index = column_index(&headers)?;
    let mut staging = Staging::open(db).await?;

    let mut report = ImportReport { dry_run: opts.dry_run, ..Default::default() };
    let mut bodies: BTreeSet<String> = BTreeSet::new();
    let mut batch = Batch::default();
    let mut record = csv::StringRecord::new();
    let mut row: u64 = 1;
    loop {
        if batch.read >= BATCH {
            flush(&mut staging, &mut batch, &mut report, &mut bodies).await?;
            progress.checked(report.rows, reader.position().byte());
        }
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                row += 1;
                report.rows += 1;
                batch.read += 1;
                let (reason, go_on) = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => (
                        format!("has {len} field(s) where the header has {expected_len}; a field holding a comma must be in double quotes"),
                        true,
                    ),
                    csv::ErrorKind::Utf8 { .. } => ("is not UTF-8 text; save the file as CSV UTF-8".to_owned(), true),
                    // Reading itself failed: nothing after this can be trusted.
                    _ => (format!("cannot be read: {e}"), false),
                };
                batch.problems.push(RowProblem { row, field: "row", reason });
                if go_on {
                    continue;
                }
                break;
            }
        }
        row += 1;
        report.rows += 1;
        batch.read += 1;
        let field = |name: &str| index.get(name).and_then(|&i| record.get(i)).unwrap_or("");
        let pending = check_row(&ctx, opts, rng, now, row, &field, &mut batch.problems);
        batch.rows.push(pending);
    }
    flush(&mut staging, &mut batch, &mut report, &mut bodies).await?;
    progress.checked(report.rows, reader.position().byte());

    if opts.dry_run {
        return Ok(report);
    }
    if report.refused_rows > 0 {
        return Err(ImportError::Refused(Box::new(report)));
    }
    if report.accepted == 0 {
        return Err(ImportError::File(FileProblem::NoRows));
    }

    let total = report.accepted;
    // An import into one body is that body's event, so its administrators see it in its log.
    let one_body = opts.into_body.map(|b| b.id.as_str()).or_else(|| match bodies.iter().collect::<Vec<_>>().as_slice() {
        [only] => Some(only.as_str()),
        _ => None,
    });
    let details = serde_json::json!({
        "rows": report.rows,
        "imported": total,
        "memberships": report.memberships,
        "with_password": report.with_password,
        "bodies": bodies,
    });
    let event = NewEvent {
        actor_user_id: opts.actor_user_id,
        actor_client_id: opts.actor_client_id,
        action: "user.import",
        target_type: if one_body.is_some() { "body" } else { "" },
        target_id: one_body.unwrap_or(""),
        body_id: one_body,
        ip: opts.ip,
        user_agent: opts.user_agent,
        outcome: "success",
        details: Some(details),
    };
    let mut written = |n: u64| progress.written(n, total);
    staging.write(db, row, &event, now, &mut written).await?;
    report.imported = total;
    Ok(report)
}

/// Checks the batch's addresses against existing accounts and the file's earlier rows (staged,
/// or earlier in this batch), stages its rows, and moves its problems into the report.
async fn flush(
    staging: &mut Staging,
    batch: &mut Batch,
    report: &mut ImportReport,
    bodies: &mut BTreeSet<String>,
) -> Result<(), StoreError> {
    let keys: Vec<(&str, &str)> = batch.rows.iter().filter_map(|p| p.key.as_ref().map(|(e, s)| (e.as_str(), s.as_str()))).collect();
    let mut clashes: HashMap<String, Vec<Clash>> = HashMap::new();
    for (email, clash) in staging.clashes(&keys).await? {
        clashes.entry(email).or_default().push(clash);
    }
    let mut here: HashMap<String, u64> = HashMap::new();
    let mut here_skeletons: HashMap<String, (u64, String)> = HashMap::new();
    let mut staged = Vec::new();
    for mut p in batch.rows.drain(..) {
        let Some((email, skeleton)) = p.key.take() else { continue };
        let row = p.row;
        let mut refuse = |reason: String| batch.problems.push(RowProblem { row, field: "email", reason });
        let mut repeated = false;
        for c in clashes.get(&email).map(Vec::as_slice).unwrap_or_default() {
            match c {
                Clash::EarlierRow(first) => {
                    refuse(format!("{email} is also on row {first}; each address may appear once"));
                    repeated = true;
                }
                Clash::EarlierLookAlike(first, other) => {
                    refuse(format!("{email} looks the same as {other} on row {first}; {LOOKS_THE_SAME}"));
                }
                // As before streaming: a row refused for its own reasons is not also told the
                // account exists.
                Clash::Exists if p.user.is_some() => {
                    refuse(format!("{email} already has an account; an import never changes an existing account"));
                }
                Clash::LooksLike(_) if p.user.is_some() => {
                    refuse(format!("{email} looks the same as an existing account's address; {LOOKS_THE_SAME}"));
                }
                Clash::Exists | Clash::LooksLike(_) => {}
            }
        }
        if !repeated && let Some(first) = here.get(&email) {
            refuse(format!("{email} is also on row {first}; each address may appear once"));
            repeated = true;
        }
        if !repeated && let Some((first, other)) = here_skeletons.get(&skeleton) {
            refuse(format!("{email} looks the same as {other} on row {first}; {LOOKS_THE_SAME}"));
        }
        if repeated {
            continue;
        }
        here.insert(email.clone(), row);
        here_skeletons.entry(skeleton.clone()).or_insert_with(|| (row, email.clone()));
        staged.push(StagedRow { row, email, skeleton, user: p.user });
    }
    let refused: BTreeSet<u64> = batch.problems.iter().map(|p| p.row).collect();
    for s in &mut staged {
        if refused.contains(&s.row) {
            s.user = None;
        } else if let Some(u) = &s.user {
            report.accepted += 1;
            report.with_password += u64::from(u.password_hash.is_some());
            if let Some(m) = &u.membership {
                report.memberships += 1;
                if !bodies.contains(&m.body_id) {
                    bodies.insert(m.body_id.clone());
                }
            }
        }
    }
    staging.add(&staged).await?;
    report.refused_rows += refused.len() as u64;
    batch.problems.sort_by_key(|p| p.row);
    for p in batch.problems.drain(..) {
        if report.problems.len() < MAX_LISTED {
            report.problems.push(p);
        } else {
            report.problems_not_listed += 1;
        }
    }
    batch.read = 0;
    Ok(())
}

/// An import into one body on behalf of `actor` (the UI and API); see [`import`].
pub async fn for_actor(
    state: &AppState,
    actor: &AdminActor,
    body_id: &str,
    input: impl Read,
    dry_run: bool,
) -> Result<ImportReport, ActorImportError> {
    import(state, actor, Some(body_id), input, dry_run, &mut Quiet).await
}

/// An import on behalf of `actor`, into one body or (superusers only: the command line) into
/// the bodies each row names. Refused up front unless the actor may add users to the body at
/// all, then each row is checked against the delegation rules (may they add that kind of user,
/// and grant what the row grants?). Refusals of the whole import are audited; a refused row is
/// reported like any other. The users, their memberships and the one audit row are written in
/// one transaction.
pub async fn import(
    state: &AppState,
    actor: &AdminActor,
    into_body: Option<&str>,
    input: impl Read,
    dry_run: bool,
    progress: &mut dyn Progress,
) -> Result<ImportReport, ActorImportError> {
    let body = match into_body {
        Some(id) => Some(load_body(state, id).await?),
        None => None,
    };
    let s = match &body {
        Some(b) => Subject { target_type: "body", target_id: &b.body.id, body_id: Some(&b.body.id) },
        None => Subject { target_type: "", target_id: "", body_id: None },
    };
    let may = match &body {
        Some(b) => may_add_any(actor, b),
        None if actor.is_superuser() => Ok(()),
        None => Err(AdminError::Forbidden("Only a superuser can import users into more than one organisation.".into())),
    };
    guard(state, actor, "user.import", &s, may).await?;
    let authorise = |g: Option<&RowGrant<'_>>| -> Result<(), String> {
        let (Some(g), Some(body)) = (g, &body) else { return Err("Only a superuser can import users who join no organisation.".into()) };
        let kind = MemberKind::classify(body.kind, g.sm_roles, g.permissions);
        actor.check(Action::AddUser(kind), Some(&body.target())).map_err(|e| e.to_string())?;
        if !g.permissions.is_empty() {
            actor.check(Action::SetPermissions { kind, granting: g.permissions }, Some(&body.target())).map_err(|e| e.to_string())?;
        }
        Ok(())
    };
    let opts = ImportOptions {
        into_body: body.as_ref().map(|b| &b.body),
        authorise: if actor.is_superuser() { None } else { Some(&authorise) },
        superuser: actor.is_superuser(),
        hash_limits: HashLimits::from(&state.settings.password),
        dry_run,
        actor_user_id: actor.user_id(),
        actor_client_id: actor.client_id.as_deref(),
        ip: &actor.from.ip,
        user_agent: &actor.from.user_agent,
    };
    Ok(run(&state.db, &*state.rng, state.now(), input, &opts, progress).await?)
}

/// Whether the actor may add some kind of ordinary (not admin) user to the body.
fn may_add_any(actor: &AdminActor, body: &LoadedBody) -> Result<(), AdminError> {
    let kinds: &[MemberKind] = match body.kind {
        BodyKind::Council | BodyKind::Other => &[MemberKind::Staff],
        BodyKind::Contractor => &[MemberKind::Contractor],
        BodyKind::Promoter => &[MemberKind::Planner],
        BodyKind::HighwayAuthority => &[MemberKind::Planner, MemberKind::HighwayAuthority],
    };
    let mut first = Ok(());
    for k in kinds {
        match actor.check(Action::AddUser(*k), Some(&body.target())) {
            Ok(()) => return Ok(()),
            Err(e) if first.is_ok() => first = Err(e),
            Err(_) => {}
        }
    }
    first
}

/// Why an import on behalf of an actor did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ActorImportError {
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error(transparent)]
    Import(#[from] ImportError),
}

fn column_index(headers: &csv::StringRecord) -> Result<HashMap<String, usize>, ImportError> {
    let mut index = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        // Spreadsheets like to add a byte-order mark and stray spaces.
        let name = h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase();
        if !COLUMNS.contains(&name.as_str()) {
            return Err(ImportError::File(FileProblem::UnknownColumn(name)));
        }
        if index.insert(name.clone(), i).is_some() {
            return Err(ImportError::File(FileProblem::ColumnTwice(name)));
        }
    }
    if !index.contains_key("email") {
        return Err(ImportError::File(FileProblem::NoEmailColumn));
    }
    Ok(index)
}

async fn load_context(db: &Db) -> Result<Context, StoreError> {
    let bodies = store::bodies::list(db).await?;
    let mut roles: HashMap<String, Vec<ImportRole>> = HashMap::new();
    for r in store::import::body_roles(db).await? {
        roles.entry(r.body_id.clone()).or_default().push(r);
    }
    let catalogue = store::catalogue::permissions(db).await?;
    let namespaces = catalogue.iter().map(|p| p.namespace.clone()).collect();
    let permissions = catalogue.into_iter().map(|p| p.key).collect();
    // Read in the import's own snapshot, matched as every other path matches (`Bans`).
    let bans = crate::services::security_cache::Bans::from_patterns(store::import::banned(db).await?);
    let owners = Owners::all(db).await?;
    Ok(Context { bodies, roles, permissions, namespaces, bans, owners })
}

/// Checks one row, pushing each refusal; returns the user to create when the row is usable.
#[allow(clippy::too_many_arguments)]
fn check_row<'f>(
    ctx: &Context,
    opts: &ImportOptions<'_>,
    rng: &dyn Random,
    now: Timestamp,
    row: u64,
    field: &dyn Fn(&str) -> &'f str,
    problems: &mut Vec<RowProblem>,
) -> Pending {
    let before = problems.len();
    let mut refuse = |field: &'static str, reason: String| problems.push(RowProblem { row, field, reason });

    let email = match Email::parse(field("email")) {
        Ok(e) => Some(e),
        Err(e) => {
            refuse("email", format!("{:?} is not a usable email address: {e}", field("email")));
            None
        }
    };
    if let Some(e) = &email
        && is_banned(ctx, e)
    {
        refuse("email", format!("{e} is banned (abuse table)"));
    }

    let name = field("name").trim().to_owned();
    if name.chars().count() > MAX_NAME_CHARS {
        refuse("name", format!("the name is longer than {MAX_NAME_CHARS} characters"));
    }
    if name.chars().any(char::is_control) {
        refuse("name", "the name contains control characters".into());
    }

    let password_hash = check_password_hash(ctx, opts, email.as_ref(), field("passwordhash").trim(), &mut refuse);

    let body = match resolve_body(ctx, opts, field("from_body").trim()) {
        Ok(b) => b,
        Err(reason) => {
            refuse("from_body", reason);
            None
        }
    };

    let role_names = split_list(field("roles"), &HashSet::new());
    let permission_keys = split_list(field("permissions"), &ctx.namespaces);
    let (mut role_ids, mut permissions) = (Vec::new(), BTreeSet::new());
    if body.is_none() && field("from_body").trim().is_empty() && (!role_names.is_empty() || !permission_keys.is_empty()) {
        refuse("from_body", "roles and permissions are given but no organisation to hold them".into());
    }
    if let Some(b) = body {
        (role_ids, permissions) = check_grants(ctx, opts, b, &role_names, &permission_keys, &mut refuse);
    } else if field("from_body").trim().is_empty()
        && let Some(authorise) = opts.authorise
        && let Err(reason) = authorise(None)
    {
        refuse("from_body", reason);
    }

    if let Some(e) = &email
        && !opts.superuser
    {
        // The same rule as for one account an administrator creates: only in the body's own
        // email domains.
        match body {
            Some(b) => {
                if let Err(d) =
                    crate::policy::accounts::check_new_account(false, Some(&b.id), e.domain(), &ctx.owners.of_domain(e.domain()))
                {
                    refuse("email", d.0);
                }
            }
            None if opts.authorise.is_none() => refuse("from_body", "Only a superuser can import users who join no organisation.".into()),
            // Refused above by the delegation check (or the body is unknown).
            None => {}
        }
    }

    let Some(email) = email else { return Pending { row, key: None, user: None } };
    let key = Some((email.as_str().to_owned(), email.skeleton()));
    if problems.len() > before {
        return Pending { row, key, user: None };
    }
    let membership = body.map(|b| ImportMembership {
        id: store::new_id(now, rng),
        body_id: b.id.clone(),
        role_ids,
        permissions: permissions.into_iter().collect(),
    });
    let user = ImportUser { id: store::new_id(now, rng), email: email.as_str().to_owned(), name, password_hash, membership };
    Pending { row, key, user: Some(user) }
}

/// A row's password hash, if it brings one that is usable here: bcrypt or argon2, within the
/// cost limits, and for an address that may have a password at all.
fn check_password_hash(
    ctx: &Context,
    opts: &ImportOptions<'_>,
    email: Option<&Email>,
    hash: &str,
    refuse: &mut dyn FnMut(&'static str, String),
) -> Option<String> {
    if hash.is_empty() {
        return None;
    }
    let usable = if !is_supported_hash(hash) {
        refuse("passwordhash", "not a bcrypt ($2a$/$2b$/$2y$, 60 characters) or argon2 hash; leave it empty for no password".into());
        None
    } else if let Err(reason) = opts.hash_limits.check(hash) {
        refuse("passwordhash", format!("{reason}; such a hash would stall sign-in for everyone"));
        None
    } else {
        Some(hash.to_owned())
    };
    if let Some(e) = email
        && let Err(d) = crate::policy::accounts::check_password(e.domain(), &ctx.owners.of_domain(e.domain()))
    {
        refuse("passwordhash", d.0);
    }
    usable
}

/// What a row grants in body `b`: its roles (the body's, by name) and direct permissions (from
/// the catalogue), checked against Street Manager's rules and the importer's rights. Returns
/// the role ids and the direct permissions.
fn check_grants(
    ctx: &Context,
    opts: &ImportOptions<'_>,
    b: &BodyRow,
    role_names: &[String],
    permission_keys: &[String],
    refuse: &mut dyn FnMut(&'static str, String),
) -> (Vec<String>, BTreeSet<String>) {
    let mut role_ids = Vec::new();
    let mut permissions = BTreeSet::new();
    let body_roles = ctx.roles.get(&b.id).map(Vec::as_slice).unwrap_or_default();
    let mut chosen: Vec<&ImportRole> = Vec::new();
    for r in role_names {
        match body_roles.iter().find(|br| br.name.eq_ignore_ascii_case(r)) {
            Some(role) => {
                if !chosen.iter().any(|c| c.id == role.id) {
                    chosen.push(role);
                }
            }
            None => refuse("roles", format!("{} has no role {r:?}", b.name)),
        }
    }
    for p in permission_keys {
        if ctx.permissions.contains(p) {
            permissions.insert(p.clone());
        } else {
            refuse("permissions", format!("{p} is not in the permission catalogue"));
        }
    }
    let sm_roles: Vec<SmRole> =
        chosen.iter().filter_map(|r| SmRole::of_role(r.sm_role.as_deref(), r.template_key.as_deref(), b.kind)).collect();
    if let Err(v) = street_manager::check(&sm_roles) {
        refuse("roles", v.to_string());
    }
    let mut effective = permissions.clone();
    for role in &chosen {
        effective.extend(role.permissions.iter().cloned());
        role_ids.push(role.id.clone());
    }
    if let Some(authorise) = opts.authorise
        && let Err(reason) = authorise(Some(&RowGrant { body: b, sm_roles: &sm_roles, permissions: &effective }))
    {
        refuse(if chosen.is_empty() { "permissions" } else { "roles" }, reason);
    }
    (role_ids, permissions)
}

fn is_banned(ctx: &Context, email: &Email) -> bool {
    ctx.bans.is_banned(email.as_str(), email.domain())
}

fn resolve_body<'c>(ctx: &'c Context, opts: &ImportOptions<'_>, from_body: &str) -> Result<Option<&'c BodyRow>, String> {
    if from_body.is_empty() {
        return Ok(opts.into_body.and_then(|into| ctx.bodies.iter().find(|b| b.id == into.id)));
    }
    let found = ctx
        .bodies
        .iter()
        .find(|b| b.fms_body_id.as_deref() == Some(from_body))
        .or_else(|| ctx.bodies.iter().find(|b| b.id == from_body))
        .or_else(|| ctx.bodies.iter().find(|b| b.name == from_body));
    match (found, opts.into_body) {
        (None, _) => Err(format!("no organisation has the FixMyStreet id, id or name {from_body:?}")),
        (Some(b), Some(into)) if b.id != into.id => {
            Err(format!("this import is into {}; the row names another organisation ({})", into.name, b.name))
        }
        (Some(b), _) => Ok(Some(b)),
    }
}

/// Splits a FixMyStreet list (see the module documentation): `|` if present, otherwise `:` with
/// a namespace token joined to the name after it. Bare permission names get `fms:`; with no
/// namespaces given (role names) the items are only trimmed.
fn split_list(field: &str, namespaces: &HashSet<String>) -> Vec<String> {
    let field = field.trim();
    if field.is_empty() {
        return Vec::new();
    }
    let qualify =
        |item: &str| -> String { if namespaces.is_empty() || item.contains(':') { item.to_owned() } else { format!("fms:{item}") } };
    let mut out = Vec::new();
    if field.contains('|') {
        for item in field.split('|').map(str::trim).filter(|s| !s.is_empty()) {
            out.push(qualify(item));
        }
        return out;
    }
    let mut tokens = field.split(':').map(str::trim).filter(|s| !s.is_empty()).peekable();
    while let Some(t) = tokens.next() {
        if namespaces.contains(t)
            && let Some(name) = tokens.next()
        {
            out.push(format!("{t}:{name}"));
        } else {
            out.push(qualify(t));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns() -> HashSet<String> {
        ["fms", "sm"].into_iter().map(String::from).collect()
    }

    #[test]
    fn lists_in_fixmystreet_and_namespaced_forms() {
        assert_eq!(split_list("moderate:user_edit", &ns()), ["fms:moderate", "fms:user_edit"]);
        assert_eq!(split_list("fms:moderate:sm:view_map:planned_reports", &ns()), ["fms:moderate", "sm:view_map", "fms:planned_reports"]);
        assert_eq!(split_list("fms:moderate | sm:view_map", &ns()), ["fms:moderate", "sm:view_map"]);
        assert_eq!(split_list(" ", &ns()), Vec::<String>::new());
        assert_eq!(split_list("Inspectors:Customer Services", &HashSet::new()), ["Inspectors", "Customer Services"]);
        assert_eq!(split_list("Inspectors|Customer Services", &HashSet::new()), ["Inspectors", "Customer Services"]);
    }

    #[test]
    fn header_must_name_known_columns_and_email() {
        let h = |s: &str| csv::StringRecord::from(s.split(',').collect::<Vec<_>>());
        assert!(column_index(&h("name,email,from_body,passwordhash,roles,permissions")).is_ok());
        assert!(column_index(&h("\u{feff}Email, Name")).is_ok());
        assert!(matches!(column_index(&h("name,from_body")), Err(ImportError::File(m)) if m.to_string().contains("no email column")));
        assert!(matches!(column_index(&h("email,password")), Err(ImportError::File(m)) if m.to_string().contains("\"password\"")));
        assert!(matches!(column_index(&h("email,email")), Err(ImportError::File(m)) if m.to_string().contains("twice")));
        assert!(matches!(column_index(&h("email,password")), Err(ImportError::File(FileProblem::UnknownColumn(c))) if c == "password"));
    }

    /// The command line and the API say a file's problem in these words, as before it had kinds.
    #[test]
    fn file_problems_keep_their_english_words() {
        let cols = "name,email,from_body,passwordhash,roles,permissions";
        assert_eq!(COLUMNS.join(","), cols);
        let said = |p: FileProblem| ImportError::File(p).to_string();
        assert_eq!(said(FileProblem::NotCsv("CSV error: bad".into())), "the file is not CSV: CSV error: bad");
        assert_eq!(said(FileProblem::NoRows), "the file has no rows to import");
        assert_eq!(
            said(FileProblem::UnknownColumn("password".into())),
            format!("unknown column \"password\" in the header; the columns are {cols} (only email is required)")
        );
        assert_eq!(said(FileProblem::ColumnTwice("email".into())), "the column \"email\" appears twice in the header");
        assert_eq!(said(FileProblem::NoEmailColumn), format!("the header has no email column; expected {cols}"));
    }
}

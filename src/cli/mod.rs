//! The command line. Each command is a small function over `AppState`; errors become one line
//! on stderr and a non-zero exit. Every write goes through `admin::ops` as the command-line actor
//! ([`AdminActor::cli`]: a superuser's rights, audited as `cli`), so the rules, transactions and
//! audit rows are the UI's and API's; a command only reads its flags and prints the outcome.
//! Reads may use the store directly.

/// `println!` for command output, except that a closed stdout (`stile body list | head -1`) ends
/// the command quietly with status 0 instead of panicking; any other write error ends it with a
/// one-line message and status 1.
macro_rules! out {
    () => { $crate::cli::print_line(format_args!("")) };
    ($($arg:tt)*) => { $crate::cli::print_line(format_args!($($arg)*)) };
}

pub mod admin_data;
pub mod clients;
pub mod connections;
pub mod keys;
pub mod scim;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::admin::ops::{self, bodies::BodyInput, memberships::MembershipInput, users::Credentials};
use crate::admin::{AdminActor, AdminError};
use crate::app::{self, AppState};
use crate::auth::password::is_supported_hash;
use crate::clock::{OsRandom, SystemClock};
use crate::config::Settings;
use crate::email::Email;
use crate::policy::body::{BodyKind, MfaPolicy};
use crate::policy::password;
use crate::secret::SecretString;
use crate::store;

#[derive(Debug, Parser)]
#[command(name = "stile", version, about = "Stile: OpenID Connect identity provider and SSO bridge for council and street-works staff")]
pub struct Cli {
    /// A TOML file whose settings override config/default.toml (environment variables
    /// STILE__SECTION__KEY override both).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (applies migrations and creates keys on first start).
    Serve,
    /// Apply database migrations and load the permission catalogue, then exit.
    Migrate,
    /// Create a superuser, or make an existing user one.
    Createsuperuser(CreateSuperuser),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage bodies (councils, highway authorities, promoters, contractors).
    #[command(subcommand)]
    Body(BodyCommand),
    /// Manage memberships of bodies.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Manage relying apps (OAuth / OpenID Connect clients).
    #[command(subcommand)]
    Client(clients::ClientCommand),
    /// Manage council single sign-on connections (upstream OIDC and SAML IdPs).
    #[command(subcommand)]
    Connection(connections::ConnectionCommand),
    /// List and rotate signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// SCIM provisioning: a body's secret tokens and sync status.
    #[command(subcommand)]
    Scim(scim::ScimCommand),
    /// Check the configuration and that the database can be reached.
    CheckConfig,
    /// Read the audit log.
    #[command(subcommand)]
    Audit(admin_data::AuditCommand),
    /// Export data ("download all organisation data").
    #[command(subcommand)]
    Export(admin_data::ExportCommand),
    /// Import users from CSV (FixMyStreet's format).
    #[command(subcommand)]
    Import(admin_data::ImportCommand),
}

impl Command {
    /// Whether standard output must hold only one JSON object (so notices go to stderr).
    fn json_output(&self) -> bool {
        match self {
            Command::Client(c) => c.json_output(),
            Command::Connection(c) => c.json_output(),
            // CSV and JSON on standard output must stay parseable.
            Command::Audit(_) | Command::Export(_) => true,
            _ => false,
        }
    }
}

#[derive(Debug, Args)]
pub struct CreateSuperuser {
    /// The superuser's email address.
    pub email: String,
    /// Their name.
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from the first line of standard input instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. No email is sent.
    Add(UserAdd),
    /// List users, newest first.
    List {
        /// Only users whose email or name contains this.
        #[arg(long, default_value = "")]
        search: String,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Show one user with their memberships.
    Show { email: String },
    /// Sign a user out everywhere: ends every session, revokes every refresh token and grant,
    /// and sends back-channel logouts to the apps they were signed into.
    Logout { email: String },
    /// Remove a user's two-factor authentication (they enrol again at next sign-in when it is
    /// required). Audited.
    #[command(name = "reset-2fa")]
    Reset2fa { email: String },
}

#[derive(Debug, Args)]
pub struct UserAdd {
    pub email: String,
    #[arg(long, default_value = "")]
    pub name: String,
    /// Read a password from the first line of standard input.
    #[arg(long, conflicts_with = "password_hash")]
    pub password_stdin: bool,
    /// Import an existing hash (argon2 PHC string, or bcrypt as FixMyStreet stores it); it is
    /// upgraded to argon2id at the user's first sign-in.
    #[arg(long)]
    pub password_hash: Option<String>,
    /// Mark the email address as verified.
    #[arg(long)]
    pub verified: bool,
}

#[derive(Debug, Subcommand)]
pub enum BodyCommand {
    /// Add a body; the role templates for its kind are copied into it.
    Add(BodyAdd),
    /// List bodies.
    List,
    /// Set a body's two-factor policy for its members: optional, required or phishing_resistant.
    #[command(name = "set-mfa")]
    SetMfa { name: String, policy: String },
    /// Set what a body's role asks of its holders' sign-in: optional, required (two-factor
    /// authentication) or phishing_resistant (a passkey or security key).
    #[command(name = "set-role-mfa")]
    SetRoleMfa {
        /// The body's name.
        name: String,
        /// The role's name.
        role: String,
        policy: String,
    },
}

#[derive(Debug, Args)]
pub struct BodyAdd {
    pub name: String,
    /// council, highway_authority, promoter, contractor or other.
    #[arg(long)]
    pub kind: String,
    /// An email domain the body owns (repeatable).
    #[arg(long = "domain")]
    pub domains: Vec<String>,
    #[arg(long)]
    pub fms_body_id: Option<String>,
    #[arg(long)]
    pub swa_code: Option<String>,
    /// Two-factor policy for members: optional, required or phishing_resistant (passkeys only).
    #[arg(long, default_value = "optional")]
    pub mfa: String,
    /// A longer minimum password length for members than the global one.
    #[arg(long)]
    pub password_min_length: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Make a user a member of a body, optionally with roles (by name, repeatable).
    Add {
        email: String,
        body: String,
        #[arg(long = "role")]
        roles: Vec<String>,
    },
    /// List the members of a body (or the holders of one of its roles), a page at a time: the
    /// last line says how to get the next page.
    List {
        /// The body's name or id.
        body: String,
        /// Only the holders of this role (by name).
        #[arg(long)]
        role: Option<String>,
        /// How many members a page lists (1 to 10000).
        #[arg(long, default_value_t = ops::memberships::PAGE, value_parser = clap::value_parser!(i64).range(1..=10_000))]
        limit: i64,
        /// Start after this: the value the previous page's last line gives.
        #[arg(long, default_value = "")]
        after: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    AuditLog(#[from] crate::admin::ops::audit_log::AuditLogError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Start(#[from] app::StartError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("password hashing failed")]
    Hash(#[from] crate::auth::password::HashError),
    #[error("cannot read the password: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Client(#[from] crate::clients::ClientError),
    #[error(transparent)]
    Keys(#[from] crate::tokens::keys::KeyError),
    /// A refusal by `admin::ops` (the rules the UI and API share), in its own words.
    #[error("{0}")]
    Refused(String),
}

impl From<AdminError> for CliError {
    fn from(e: AdminError) -> Self {
        match e {
            // The operator sees the store's own words ("… already exists", "database unavailable").
            AdminError::Store(s) => CliError::Store(s),
            AdminError::Internal(m) => CliError::Refused(m),
            other => CliError::Refused(other.public_message()),
        }
    }
}

pub fn init_tracing(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(settings.log.filter.clone()));
    // Colour codes only on a terminal: a log file or journal gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = match settings.log.format {
        crate::config::LogFormat::Json => builder.json().try_init(),
        crate::config::LogFormat::Text => builder.try_init(),
    };
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let settings = Settings::load(cli.config.as_deref())?;
    init_tracing(&settings);
    if let Command::CheckConfig = cli.command {
        return check_config(settings).await;
    }
    // A server counts stop signals from here: one sent while it migrates and starts is kept,
    // and it stops as soon as it is up (see `server::StopSignals`).
    let signals = matches!(cli.command, Command::Serve).then(crate::server::StopSignals::watch);
    let master_env = std::env::var(crate::tokens::master_key::ENV_VAR).ok();
    let (state, report) = AppState::build(settings, Arc::new(SystemClock), Arc::new(OsRandom), master_env.as_deref()).await?;
    if report.created_master_key {
        let notice = format!(
            "Created a new master key in {}. Back it up: without it the signing keys cannot be read.",
            state.settings.data_dir.join("master.key").display()
        );
        if cli.command.json_output() { eprintln!("{notice}") } else { out!("{notice}") }
    }
    match cli.command {
        Command::Serve => serve(state, signals.unwrap_or_else(crate::server::StopSignals::watch)).await,
        Command::Migrate => {
            out!("Database is up to date.");
            Ok(())
        }
        Command::Createsuperuser(a) => create_superuser(&state, a).await,
        Command::User(c) => user(&state, c).await,
        Command::Body(c) => body(&state, c).await,
        Command::Member(c) => member(&state, c).await,
        Command::Client(c) => clients::run(&state, c).await,
        Command::Connection(c) => connections::run(&state, c).await,
        Command::Keys(c) => keys::run(&state, c).await,
        Command::Scim(c) => scim::run(&state, c).await,
        Command::CheckConfig => Ok(()),
        Command::Audit(c) => admin_data::audit(&state, c).await,
        Command::Export(c) => admin_data::export(&state, c).await,
        Command::Import(c) => admin_data::import(&state, c).await,
    }
}

async fn serve(state: AppState, signals: crate::server::StopSignals) -> Result<(), CliError> {
    let listener = crate::server::bind(&state.settings.server.listen).await?;
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| state.settings.server.listen.clone());
    out!("Stile is listening on http://{addr} (issuer {})", state.settings.issuer());
    if store::users::count_superusers(&state.db).await? == 0 {
        out!();
        out!("There is no superuser yet. Create the first one with:");
        out!("    stile createsuperuser you@example.org --name \"Your Name\"");
        out!("(with cargo: cargo run --release -- createsuperuser you@example.org --name \"Your Name\")");
        out!();
    }
    match ops::demo::seed(&state, &AdminActor::cli()).await {
        Ok(Some(demo)) => {
            // Printed once, to the operator's terminal only (never to the log).
            out!("Demo relying app \"{}\" and demo user created (turn off with STILE__DEMO__ENABLED=false):", crate::demo::CLIENT_ID);
            out!("    user:     {}", crate::demo::USER_EMAIL);
            out!("    password: {}", demo.password.expose());
            out!("Try a whole OpenID Connect sign-in: open the demo app in a browser and sign in as the demo user:");
            out!("    {}", demo.start_url);
            out!();
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %crate::error::error_chain(&e), "demo seeding failed"),
    }
    tokio::select! {
        served = crate::server::serve(state, listener, signals.first()) => served?,
        () = signals.second() => tracing::warn!("stopping at once on a second signal; work still running is dropped"),
    }
    Ok(())
}

async fn check_config(settings: Settings) -> Result<(), CliError> {
    let logo = crate::services::logo::load(&settings.server.logo_file).map_err(|e| CliError::Usage(crate::report::error_chain(&e)))?;
    let db = store::Db::connect(&settings.database_url(), 1).await.map_err(|e| {
        CliError::Usage(format!("database {} cannot be opened: {}", redact_url(&settings.database_url()), crate::error::error_chain(&e)))
    })?;
    let reachable = db.ping().await;
    db.close().await;
    if !reachable {
        return Err(CliError::Usage("the database does not answer".into()));
    }
    out!("Configuration is valid.");
    out!("  issuer:    {}", settings.issuer());
    out!("  listen:    {}", settings.server.listen);
    out!("  data_dir:  {}", settings.data_dir.display());
    out!("  database:  {} (reachable)", redact_url(&settings.database_url()));
    out!("  mail:      {:?}", settings.mail.transport);
    if let Some(logo) = logo {
        out!("  logo:      {} ({}, {} bytes)", settings.server.logo_file.trim(), logo.content_type, logo.bytes.len());
    }
    Ok(())
}

/// A database URL without its password.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

fn read_password(from_stdin: bool) -> Result<SecretString, CliError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(SecretString::new(line.trim_end_matches(['\n', '\r'])));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage("no terminal to ask for a password on; pass --password-stdin and send it on standard input".into()));
    }
    let first = SecretString::new(rpassword::prompt_password("Password: ")?);
    let again = SecretString::new(rpassword::prompt_password("Password (again): ")?);
    if first.expose() != again.expose() {
        return Err(CliError::Usage("the two passwords are not the same".into()));
    }
    Ok(first)
}

async fn checked_hash(state: &AppState, email: &Email, user_id: Option<&str>, pw: &SecretString) -> Result<String, CliError> {
    let rules = state.password_rules_for(user_id).await?;
    password::check(pw.expose(), email.as_str(), rules, &state.common_passwords).map_err(|p| CliError::Usage(p.to_string()))?;
    Ok(state.hasher.hash(pw).await?)
}

fn parse_email(s: &str) -> Result<Email, CliError> {
    Email::parse(s).map_err(|e| CliError::Usage(format!("{s:?}: {e}")))
}

async fn create_superuser(state: &AppState, a: CreateSuperuser) -> Result<(), CliError> {
    let email = parse_email(&a.email)?;
    let actor = AdminActor::cli();
    if let Some(existing) = store::users::by_email(&state.db, &email).await? {
        ops::users::set_superuser(state, &actor, &existing.id, true).await?;
        if let Some(name) = a.name.as_deref() {
            let edit = ops::users::UserEdit { name: Some(name.to_owned()), email: None };
            ops::users::update(state, &actor, &existing.id, edit).await?;
        }
        out!("{email} already had an account and is now a superuser.");
        return Ok(());
    }
    let pw = read_password(a.password_stdin)?;
    let hash = checked_hash(state, &email, None, &pw).await?;
    let input =
        ops::users::NewUser { email: email.as_str().to_owned(), name: a.name.unwrap_or_default(), superuser: true, ..Default::default() };
    let made = ops::users::create_with(state, &actor, input, Credentials { password_hash: Some(hash), email_verified: true }).await?;
    out!("Created superuser {email} ({}).", made.user.id);
    Ok(())
}

/// Refuses before asking for a password that the rules would refuse anyway (an address that
/// must sign in by SSO); `admin::ops` checks it again when the account is written.
async fn refuse_password_for_sso(state: &AppState, email: &Email) -> Result<(), CliError> {
    let owners = ops::accounts::Owners::of(&state.db, email.domain()).await?;
    crate::policy::accounts::check_password(email.domain(), &owners.of_domain(email.domain())).map_err(|d| CliError::Usage(d.0))
}

async fn user(state: &AppState, c: UserCommand) -> Result<(), CliError> {
    match c {
        UserCommand::Add(a) => {
            let email = parse_email(&a.email)?;
            if store::users::by_email(&state.db, &email).await?.is_some() {
                return Err(CliError::Usage(format!("a user with email {email} already exists")));
            }
            let password_hash = match (a.password_stdin, a.password_hash) {
                (true, _) => {
                    refuse_password_for_sso(state, &email).await?;
                    Some(checked_hash(state, &email, None, &read_password(true)?).await?)
                }
                (false, Some(h)) => {
                    if !is_supported_hash(&h) {
                        return Err(CliError::Usage(
                            "--password-hash must be an argon2 PHC string or a bcrypt hash ($2a$/$2b$/$2y$)".into(),
                        ));
                    }
                    crate::auth::password::HashLimits::from(&state.settings.password)
                        .check(&h)
                        .map_err(|reason| CliError::Usage(format!("--password-hash refused: {reason}")))?;
                    Some(h)
                }
                (false, None) => None,
            };
            let input = ops::users::NewUser { email: email.as_str().to_owned(), name: a.name, ..Default::default() };
            let credentials = Credentials { password_hash, email_verified: a.verified };
            let made = ops::users::create_with(state, &AdminActor::cli(), input, credentials).await?;
            out!("Created user {email} ({}).", made.user.id);
        }
        UserCommand::List { search, limit } => {
            let users = store::users::search(&state.db, &search, limit.clamp(1, 10_000)).await?;
            let enrolled: std::collections::HashSet<String> = store::totp::enrolled_user_ids(&state.db).await?.into_iter().collect();
            out!("{:<38} {:<40} {:<24} FLAGS", "ID", "EMAIL", "NAME");
            for u in users {
                let mut flags = Vec::new();
                if u.is_superuser() {
                    flags.push("superuser");
                }
                if u.is_disabled() {
                    flags.push("disabled");
                }
                if u.flagged != 0 {
                    flags.push("flagged");
                }
                if u.has_password() {
                    flags.push("password");
                }
                if enrolled.contains(&u.id) {
                    flags.push("2fa");
                }
                out!("{:<38} {:<40} {:<24} {}", u.id, u.email, u.name, flags.join(","));
            }
        }
        UserCommand::Reset2fa { email } => {
            let email = parse_email(&email)?;
            let u =
                store::users::by_email(&state.db, &email).await?.ok_or_else(|| CliError::Usage(format!("no user with email {email}")))?;
            if ops::users::reset_mfa(state, &AdminActor::cli(), &u.id).await? {
                out!("Removed two-factor authentication for {email}.");
            } else {
                out!("{email} had no two-factor authentication; nothing to remove.");
            }
        }
        UserCommand::Logout { email } => {
            let email = parse_email(&email)?;
            let u =
                store::users::by_email(&state.db, &email).await?.ok_or_else(|| CliError::Usage(format!("no user with email {email}")))?;
            let (ended, deliveries) = ops::users::logout_everywhere_tracked(state, &AdminActor::cli(), &u.id).await?;
            // The process is about to exit: wait for the back-channel logouts it started.
            for d in deliveries {
                let _ = d.await;
            }
            out!("Signed {email} out of {ended} session(s); their refresh tokens are revoked.");
        }
        UserCommand::Show { email } => {
            let email = parse_email(&email)?;
            let u =
                store::users::by_email(&state.db, &email).await?.ok_or_else(|| CliError::Usage(format!("no user with email {email}")))?;
            out!("id:             {}", u.id);
            out!("email:          {}", u.email);
            out!("name:           {}", u.name);
            out!("email verified: {}", u.is_email_verified());
            out!("password set:   {}", u.has_password());
            out!("superuser:      {}", u.is_superuser());
            out!("disabled:       {}", u.is_disabled());
            out!("flagged:        {}", u.flagged != 0);
            for m in store::memberships::of_user(&state.db, &u.id).await? {
                let d = store::memberships::detail(&state.db, &m).await?;
                let roles: Vec<String> = d.roles.into_iter().map(|(_, n)| n).collect();
                out!(
                    "member of:      {} ({}) roles: {}",
                    m.body_name,
                    m.body_kind,
                    if roles.is_empty() { "none".into() } else { roles.join(", ") }
                );
            }
        }
    }
    Ok(())
}

async fn body(state: &AppState, c: BodyCommand) -> Result<(), CliError> {
    match c {
        BodyCommand::Add(a) => {
            if a.name.trim().is_empty() {
                return Err(CliError::Usage("a body needs a name".into()));
            }
            let kind: BodyKind = a.kind.parse().map_err(|_| {
                let kinds: Vec<&str> = BodyKind::ALL.iter().map(|k| k.as_str()).collect();
                CliError::Usage(format!("--kind must be one of {}", kinds.join(", ")))
            })?;
            let mfa: MfaPolicy =
                a.mfa.parse().map_err(|_| CliError::Usage("--mfa must be optional, required or phishing_resistant".into()))?;
            let input = BodyInput {
                name: Some(a.name),
                kind: Some(Ok(kind)),
                fms_body_id: a.fms_body_id,
                swa_code: a.swa_code,
                mfa_policy: Some(Ok(mfa)),
                password_min_length: a.password_min_length,
                domains: Some(a.domains),
                ..Default::default()
            };
            let actor = AdminActor::cli();
            let made = ops::bodies::create(state, &actor, input).await?;
            let roles = store::catalogue::roles_of_body(&state.db, &made.id).await?;
            out!("Created body {} ({}) with {} roles from templates.", made.name, made.id, roles.len());
        }
        BodyCommand::SetMfa { name, policy } => {
            let policy = mfa_policy(&policy)?;
            let b = store::bodies::by_name(&state.db, &name).await?.ok_or_else(|| CliError::Usage(format!("no body named {name:?}")))?;
            let input = BodyInput { mfa_policy: Some(Ok(policy)), ..Default::default() };
            ops::bodies::update(state, &AdminActor::cli(), &b.id, input).await?;
            out!("Two-factor authentication is now {policy} for members of {name}.");
        }
        BodyCommand::SetRoleMfa { name, role, policy } => {
            let policy = mfa_policy(&policy)?;
            let (mfa, phr) = (policy.is_required(), policy.is_phishing_resistant());
            let b = store::bodies::by_name(&state.db, &name).await?.ok_or_else(|| CliError::Usage(format!("no body named {name:?}")))?;
            let roles = store::catalogue::roles_of_body(&state.db, &b.id).await?;
            let r = roles
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(&role))
                .ok_or_else(|| CliError::Usage(format!("{name} has no role named {role:?}")))?;
            let input = ops::roles::RoleInput { mfa_required: Some(mfa), phishing_resistant: Some(phr), ..Default::default() };
            ops::roles::update(state, &AdminActor::cli(), &r.id, input).await?;
            out!("Holders of {} in {name}: two-factor authentication is now {policy}.", r.name);
        }
        BodyCommand::List => {
            out!("{:<38} {:<32} {:<18} {:<10} {:<9} DOMAINS", "ID", "NAME", "KIND", "STATUS", "2FA");
            for b in store::bodies::list(&state.db).await? {
                let domains = store::bodies::domains(&state.db, &b.id).await?;
                out!("{:<38} {:<32} {:<18} {:<10} {:<9} {}", b.id, b.name, b.kind, b.status, b.mfa_policy, domains.join(","));
            }
        }
    }
    Ok(())
}

/// A 2FA policy named on the command line.
fn mfa_policy(text: &str) -> Result<MfaPolicy, CliError> {
    text.parse().map_err(|_| CliError::Usage("the policy must be optional, required or phishing_resistant".into()))
}

async fn member(state: &AppState, c: MemberCommand) -> Result<(), CliError> {
    let (email, body, roles) = match c {
        MemberCommand::Add { email, body, roles } => (email, body, roles),
        MemberCommand::List { body, role, limit, after } => return member_list(state, &body, role.as_deref(), limit, &after).await,
    };
    let email = parse_email(&email)?;
    let user = store::users::by_email(&state.db, &email).await?.ok_or_else(|| CliError::Usage(format!("no user with email {email}")))?;
    let body = store::bodies::by_name(&state.db, &body).await?.ok_or_else(|| CliError::Usage(format!("no body named {body:?}")))?;
    let body_roles = store::catalogue::roles_of_body(&state.db, &body.id).await?;
    let mut role_ids = Vec::new();
    for r in &roles {
        let found = body_roles.iter().find(|br| br.name.eq_ignore_ascii_case(r)).ok_or_else(|| {
            let names: Vec<&str> = body_roles.iter().map(|b| b.name.as_str()).collect();
            CliError::Usage(format!("{} has no role {r:?}; it has: {}", body.name, names.join(", ")))
        })?;
        role_ids.push(found.id.clone());
    }
    let input = MembershipInput { roles: Some(role_ids), ..Default::default() };
    // A superuser adds at once; the Street Manager role rules and the audit row are the UI's.
    ops::memberships::add(state, &AdminActor::cli(), &body.id, &user.id, input).await?;
    out!("{email} is now a member of {}{}.", body.name, if roles.is_empty() { String::new() } else { format!(" as {}", roles.join(", ")) });
    Ok(())
}

async fn member_list(state: &AppState, body: &str, role: Option<&str>, limit: i64, after: &str) -> Result<(), CliError> {
    let b = match store::bodies::by_id(&state.db, body).await? {
        Some(b) => b,
        None => store::bodies::by_name(&state.db, body).await?.ok_or_else(|| CliError::Usage(format!("no body named {body:?}")))?,
    };
    let role_id = match role {
        Some(r) => {
            let roles = store::catalogue::roles_of_body(&state.db, &b.id).await?;
            let found = roles.iter().find(|br| br.name.eq_ignore_ascii_case(r)).ok_or_else(|| {
                let names: Vec<&str> = roles.iter().map(|x| x.name.as_str()).collect();
                CliError::Usage(format!("{} has no role {r:?}; it has: {}", b.name, names.join(", ")))
            })?;
            Some(found.id.clone())
        }
        None => None,
    };
    let page = match ops::memberships::page(state, &AdminActor::cli(), &b.id, role_id.as_deref(), after, limit).await {
        Err(AdminError::Invalid { field: "after", .. }) => {
            return Err(CliError::Usage(format!(
                "--after {after:?} is not where a page of this listing ends; give the value its last line printed, or leave --after out for the first page"
            )));
        }
        other => other?,
    };
    out!("{:<38} {:<40} {:<24} ROLES", "USER ID", "EMAIL", "NAME");
    for (u, m) in &page.members {
        let roles: Vec<&str> = m.roles.iter().map(|r| r.name.as_str()).collect();
        out!("{:<38} {:<40} {:<24} {}", u.id, u.email, u.name, roles.join(", "));
    }
    if let Some(next) = page.next {
        let role = role.map(|r| format!(" --role {}", shell_quote(r))).unwrap_or_default();
        out!("(more: stile member list {}{role} --limit {limit} --after {next})", shell_quote(&b.name));
    }
    Ok(())
}

/// `s` as one shell word.
fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Writes one line of command output (see `out!`).
pub fn print_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_fmt(args).and_then(|()| o.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("stile: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// Whether `e`, or anything that caused it, is a write to a closed pipe: the reader (`head`) has
/// all it wanted, which is not a failure of the command.
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) {
            return true;
        }
        cur = err.source();
    }
    false
}

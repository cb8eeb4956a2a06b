//! Layered settings: `config/default.toml` (compiled in), then `--config FILE`, then
//! `STILE__SECTION__KEY` environment variables. Unknown keys are refused.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

use crate::secret::SecretString;

pub const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {0} does not exist")]
    Missing(PathBuf),
    #[error("{0}")]
    Invalid(String),
}

impl From<figment::Error> for ConfigError {
    fn from(e: figment::Error) -> Self {
        // figment errors name the key and the provider (file or variable), which is what a
        // person needs to fix it; they never contain secret values of ours.
        ConfigError::Invalid(e.to_string())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub session: SessionSettings,
    pub tokens: TokenSettings,
    pub password: PasswordSettings,
    pub throttle: ThrottleSettings,
    pub mail: MailSettings,
    pub magic_link: MagicLinkSettings,
    pub signup: SignupSettings,
    pub demo: DemoSettings,
    pub log: LogSettings,
    #[serde(default)]
    pub admin: AdminSettings,
    #[serde(default)]
    pub metrics: MetricsSettings,
    #[serde(default)]
    pub oauth: OAuthSettings,
    pub passkeys: PasskeySettings,
    #[serde(default)]
    pub ui: UiSettings,
}

/// The pages' and emails' language (issue 18).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiSettings {
    /// The language of a request that names none Stile speaks (no `ui_locales`, no saved
    /// preference, no language cookie, no usable `Accept-Language`), and of mail to someone who
    /// saved none: `en-GB` or `cy-GB`.
    pub default_language: String,
}

impl Default for UiSettings {
    fn default() -> Self {
        UiSettings { default_language: "en-GB".into() }
    }
}

impl UiSettings {
    /// The default language (English when the setting is not one Stile speaks; `validate`
    /// refuses that at start).
    pub fn default_lang(&self) -> crate::i18n::Lang {
        crate::i18n::Lang::parse(&self.default_language).unwrap_or_default()
    }
}

/// Client keys, pushed authorization requests and DPoP (issue 17).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OAuthSettings {
    /// private_key_jwt: the furthest ahead a client assertion's `exp` may be.
    pub client_assertion_max_lifetime_secs: i64,
    /// How long a JWK set fetched from a client's `jwks_uri` is used.
    pub jwks_cache_secs: i64,
    /// A client's `jwks_uri` is fetched again for an unknown `kid` at most this often.
    pub jwks_refetch_floor_secs: i64,
    /// Every client must push its authorization requests (RFC 9126).
    pub require_pushed_authorization_requests: bool,
    /// Lifetime of a pushed request's `request_uri`.
    pub par_request_uri_ttl_secs: i64,
    /// How far a DPoP proof's `iat` may be from now, either way.
    pub dpop_iat_window_secs: i64,
    /// Require a server-provided nonce in DPoP proofs (`DPoP-Nonce`, RFC 9449 §8).
    pub use_dpop_nonce: bool,
    /// Let the URLs relying apps register (`jwks_uri`, back-channel logout) reach loopback
    /// addresses. For development and tests only: private, link-local and other internal
    /// addresses are refused whatever this says (`services::outbound`).
    pub outbound_allow_loopback: bool,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        OAuthSettings {
            client_assertion_max_lifetime_secs: 300,
            jwks_cache_secs: 3600,
            jwks_refetch_floor_secs: 60,
            require_pushed_authorization_requests: false,
            par_request_uri_ttl_secs: 60,
            dpop_iat_window_secs: 60,
            use_dpop_nonce: false,
            outbound_allow_loopback: false,
        }
    }
}

/// Passkeys (WebAuthn): whose credentials they are. A passkey is bound to its relying party id
/// for life, so changing `rp_id` makes every registered passkey useless.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasskeySettings {
    /// The relying party id (a domain); empty: the issuer's host.
    pub rp_id: String,
    /// The origin pages are served from; empty: the issuer's origin.
    pub origin: String,
    /// Accept the origin on any port (development and tests on localhost only).
    pub any_port: bool,
}

/// Who may read `/metrics`: whoever sends this bearer token. Empty (the default) means the
/// endpoint is not served at all, so a fresh deployment exposes nothing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    pub token: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSettings {
    /// How recently (seconds) a second factor must have been entered in the session before a
    /// dangerous admin action (step-up).
    pub step_up_secs: i64,
}

impl Default for AdminSettings {
    fn default() -> Self {
        AdminSettings { step_up_secs: 300 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSettings {
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub issuer: String,
    pub listen: String,
    pub name: String,
    pub trusted_proxy_hops: usize,
    pub max_body_bytes: usize,
    pub request_timeout_secs: u64,
    /// Largest CSV user import accepted over the API (the command line has no limit).
    #[serde(default = "default_max_import_bytes")]
    pub max_import_bytes: usize,
    /// Largest form post accepted at a SAML assertion consumer service (a response listing many
    /// groups can be far larger than `max_body_bytes`).
    #[serde(default = "default_max_saml_response_bytes")]
    pub max_saml_response_bytes: usize,
    /// The deployment's logo (PNG, SVG, JPEG or WebP), shown beside its name on every page;
    /// empty for none.
    #[serde(default)]
    pub logo_file: String,
}

fn default_max_saml_response_bytes() -> usize {
    1024 * 1024
}

fn default_max_import_bytes() -> usize {
    16 * 1024 * 1024
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
    /// The longest a cached client or ban list is used after it was read
    /// (`services::security_cache`), whatever said it was still current.
    pub security_cache_ttl_ms: u64,
    /// SQLite only: how long a statement waits for another connection's (or process's) write
    /// lock before it fails with "database is locked".
    pub sqlite_busy_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    pub idle_timeout_secs: i64,
    pub absolute_timeout_secs: i64,
    pub persistent_cookie: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSettings {
    pub access_token_ttl_secs: i64,
    pub id_token_ttl_secs: i64,
    pub code_ttl_secs: i64,
    pub offline_refresh_token_ttl_secs: i64,
    pub access_token_alg: String,
    pub retired_key_ttl_secs: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordSettings {
    pub min_length: usize,
    pub max_length: usize,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub max_concurrent_hashes: usize,
    pub hash_queue_timeout_secs: u64,
    /// The most expensive stored hash Stile will verify (imported bcrypt and argon2 hashes):
    /// anything costlier is refused at import and never verified.
    #[serde(default = "default_max_bcrypt_cost")]
    pub max_bcrypt_cost: u32,
    #[serde(default = "default_max_argon2_memory_kib")]
    pub max_argon2_memory_kib: u32,
    #[serde(default = "default_max_argon2_iterations")]
    pub max_argon2_iterations: u32,
    #[serde(default = "default_max_argon2_parallelism")]
    pub max_argon2_parallelism: u32,
}

fn default_max_bcrypt_cost() -> u32 {
    12
}

fn default_max_argon2_memory_kib() -> u32 {
    65536
}

fn default_max_argon2_iterations() -> u32 {
    10
}

fn default_max_argon2_parallelism() -> u32 {
    4
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleSettings {
    pub account_max_failures: i64,
    pub account_window_secs: i64,
    pub account_lockout_secs: i64,
    pub ip_max_failures: i64,
    pub ip_window_secs: i64,
    pub ip_lockout_secs: i64,
    /// Single sign-ons one client address may start in ten minutes (an IPv6 client by its /64).
    /// Staff behind one office NAT share it.
    #[serde(default = "default_sso_max_starts")]
    pub sso_max_starts: i64,
}

fn default_sso_max_starts() -> i64 {
    300
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    File,
    Log,
    Smtp,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: String,
    pub smtp_password: SecretString,
    pub timeout_secs: u64,
    pub from: String,
    pub reply_to: String,
    pub poll_interval_secs: u64,
    pub max_queued: i64,
    pub retry_base_secs: i64,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MagicLinkSettings {
    pub ttl_secs: i64,
    pub max_code_attempts: i64,
    pub address_max_requests: i64,
    pub address_window_secs: i64,
    pub ip_max_requests: i64,
    pub ip_window_secs: i64,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SignupMode {
    Open,
    Domains,
    Closed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignupSettings {
    pub mode: SignupMode,
    pub notify_unknown: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub filter: String,
    pub format: LogFormat,
}

impl Settings {
    /// Defaults, then the optional file, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, Env::prefixed("STILE__").split("__"))
    }

    /// Defaults and the optional file only; tests use this so the developer's environment
    /// cannot leak in.
    pub fn load_without_env(file: Option<&Path>) -> Result<Self, ConfigError> {
        let figment = Self::base(file)?;
        Self::finish(figment)
    }

    fn base(file: Option<&Path>) -> Result<Figment, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::Missing(path.to_path_buf()));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        Ok(figment)
    }

    fn load_with_env(file: Option<&Path>, env: Env) -> Result<Self, ConfigError> {
        let figment = Self::base(file)?.merge(env);
        Self::finish(figment)
    }

    fn finish(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment.extract()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Refuse settings that would make Stile insecure or unable to run.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        let issuer = match url::Url::parse(&self.server.issuer) {
            Ok(u) => u,
            Err(_) => return bad(format!("server.issuer {:?} is not a URL", self.server.issuer)),
        };
        if !matches!(issuer.scheme(), "http" | "https") {
            return bad("server.issuer must be an http or https URL".into());
        }
        if issuer.query().is_some() || issuer.fragment().is_some() {
            return bad("server.issuer must not have a query or fragment (OpenID Connect Discovery §3)".into());
        }
        if issuer.scheme() == "http" && !is_loopback_host(&issuer) {
            return bad("server.issuer must be https unless it is a loopback address".into());
        }
        if self.server.listen.parse::<SocketAddr>().is_err() {
            return bad(format!("server.listen {:?} is not an address:port such as 127.0.0.1:8080", self.server.listen));
        }
        if self.server.name.trim().is_empty() {
            return bad("server.name must not be empty".into());
        }
        if !crate::i18n::Lang::ALL.iter().any(|l| l.tag().eq_ignore_ascii_case(self.ui.default_language.trim())) {
            return bad(format!("ui.default_language {:?} must be en-GB or cy-GB", self.ui.default_language));
        }
        let url = self.database_url();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return bad("database.url must start with sqlite: or postgres:".into());
        }
        if !(100..=600_000).contains(&self.database.sqlite_busy_timeout_ms) {
            return bad("database.sqlite_busy_timeout_ms must be between 100 and 600000".into());
        }
        if self.database.max_connections == 0 {
            return bad("database.max_connections must be at least 1".into());
        }
        if !(10..=86_400).contains(&self.admin.step_up_secs) {
            return bad("admin.step_up_secs must be between 10 and 86400".into());
        }
        if self.session.idle_timeout_secs <= 0 || self.session.absolute_timeout_secs <= 0 {
            return bad("session timeouts must be positive".into());
        }
        let tk = &self.tokens;
        if [tk.access_token_ttl_secs, tk.id_token_ttl_secs, tk.code_ttl_secs, tk.offline_refresh_token_ttl_secs, tk.retired_key_ttl_secs]
            .iter()
            .any(|v| *v <= 0)
        {
            return bad("token lifetimes must be positive".into());
        }
        if tk.code_ttl_secs > 600 {
            return bad("tokens.code_ttl_secs must be at most 600 (RFC 6749 §4.1.2)".into());
        }
        if !matches!(tk.access_token_alg.as_str(), "RS256" | "ES256") {
            return bad("tokens.access_token_alg must be RS256 or ES256".into());
        }
        let o = &self.oauth;
        if !(30..=3600).contains(&o.client_assertion_max_lifetime_secs) {
            return bad("oauth.client_assertion_max_lifetime_secs must be between 30 and 3600".into());
        }
        if o.jwks_cache_secs <= 0 || o.jwks_refetch_floor_secs <= 0 {
            return bad("oauth.jwks_cache_secs and oauth.jwks_refetch_floor_secs must be positive".into());
        }
        if !(10..=600).contains(&o.par_request_uri_ttl_secs) {
            return bad("oauth.par_request_uri_ttl_secs must be between 10 and 600 (RFC 9126 §2.2)".into());
        }
        if !(5..=600).contains(&o.dpop_iat_window_secs) {
            return bad("oauth.dpop_iat_window_secs must be between 5 and 600".into());
        }
        if self.password.min_length < 8 {
            return bad("password.min_length must be at least 8 (NIST SP 800-63B)".into());
        }
        if self.password.max_length < self.password.min_length || self.password.max_length > 1024 {
            return bad("password.max_length must be between min_length and 1024".into());
        }
        if argon2::Params::new(self.password.argon2_memory_kib, self.password.argon2_iterations, self.password.argon2_parallelism, None)
            .is_err()
        {
            return bad("the argon2 parameters are out of range".into());
        }
        validate_hash_limits(&self.password).map_err(ConfigError::Invalid)?;
        let t = &self.throttle;
        if [
            t.account_max_failures,
            t.account_window_secs,
            t.account_lockout_secs,
            t.ip_max_failures,
            t.ip_window_secs,
            t.ip_lockout_secs,
            t.sso_max_starts,
        ]
        .iter()
        .any(|v| *v <= 0)
        {
            return bad("throttle settings must all be positive".into());
        }
        let m = &self.mail;
        if m.from.parse::<lettre::message::Mailbox>().is_err() {
            return bad(format!("mail.from {:?} is not an address such as \"Stile <stile@example.org>\"", m.from));
        }
        if !m.reply_to.trim().is_empty() && m.reply_to.parse::<lettre::message::Mailbox>().is_err() {
            return bad(format!("mail.reply_to {:?} is not an address", m.reply_to));
        }
        if m.transport == MailTransport::Smtp && (m.smtp_host.trim().is_empty() || m.smtp_port == 0) {
            return bad("mail.smtp_host and mail.smtp_port must be set when mail.transport is \"smtp\"".into());
        }
        let local_smtp = matches!(m.smtp_host.as_str(), "localhost" | "127.0.0.1" | "::1");
        if m.transport == MailTransport::Smtp && m.smtp_tls == SmtpTls::None && !m.smtp_username.is_empty() && !local_smtp {
            return bad("mail.smtp_username is set with mail.smtp_tls = \"none\": the password would cross the network unencrypted".into());
        }
        if m.timeout_secs == 0 || m.poll_interval_secs == 0 || m.retry_base_secs <= 0 || m.max_attempts <= 0 || m.max_queued <= 0 {
            return bad("mail.timeout_secs, poll_interval_secs, retry_base_secs, max_attempts and max_queued must be positive".into());
        }
        let ml = &self.magic_link;
        if [ml.ttl_secs, ml.max_code_attempts, ml.address_max_requests, ml.address_window_secs, ml.ip_max_requests, ml.ip_window_secs]
            .iter()
            .any(|v| *v <= 0)
        {
            return bad("magic_link settings must all be positive".into());
        }
        if ml.ttl_secs > 86400 {
            return bad("magic_link.ttl_secs must be at most a day".into());
        }
        Ok(())
    }

    /// The issuer without a trailing slash, as it appears in tokens.
    pub fn issuer(&self) -> &str {
        self.server.issuer.trim_end_matches('/')
    }

    pub fn issuer_is_https(&self) -> bool {
        self.server.issuer.starts_with("https://")
    }

    pub fn database_url(&self) -> String {
        if self.database.url.trim().is_empty() {
            format!("sqlite://{}?mode=rwc", self.data_dir.join("stile.db").display())
        } else {
            self.database.url.clone()
        }
    }

    pub fn max_concurrent_hashes(&self) -> usize {
        if self.password.max_concurrent_hashes == 0 {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        } else {
            self.password.max_concurrent_hashes
        }
    }
}

fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The maxima for stored hashes must admit Stile's own hashes (else every password would stop
/// working at its next rehash) and stay within what one sign-in can afford.
fn validate_hash_limits(p: &PasswordSettings) -> Result<(), String> {
    if !(4..=16).contains(&p.max_bcrypt_cost) {
        return Err("password.max_bcrypt_cost must be between 4 and 16".into());
    }
    if p.max_argon2_memory_kib < p.argon2_memory_kib
        || p.max_argon2_iterations < p.argon2_iterations
        || p.max_argon2_parallelism < p.argon2_parallelism
    {
        return Err("password.max_argon2_* must be at least the argon2 parameters Stile hashes with".into());
    }
    if p.max_argon2_memory_kib > 1024 * 1024 {
        return Err("password.max_argon2_memory_kib must be at most 1048576 (1 GiB)".into());
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_validate() {
        let s = Settings::load_without_env(None).unwrap();
        assert_eq!(s.server.listen, "127.0.0.1:8080");
        assert_eq!(s.throttle.account_max_failures, 5);
        assert!(s.database_url().starts_with("sqlite://"));
        assert_eq!(s.mail.transport, MailTransport::File);
        assert_eq!(s.signup.mode, SignupMode::Domains);
        assert_eq!(s.magic_link.ttl_secs, 900);
    }

    #[test]
    fn smtp_password_from_env_is_redacted() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("STILE__MAIL__SMTP_PASSWORD", "hunter2-smtp");
            jail.set_env("STILE__MAIL__TRANSPORT", "smtp");
            jail.set_env("STILE__MAIL__SMTP_TLS", "tls");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(s.mail.smtp_password.expose(), "hunter2-smtp");
            assert_eq!(s.mail.smtp_tls, SmtpTls::Tls);
            assert!(!format!("{s:?}").contains("hunter2-smtp"));
            Ok(())
        });
    }

    #[test]
    fn env_overrides_and_unknown_keys() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("STILE__SERVER__LISTEN", "127.0.0.1:9000");
            jail.set_env("STILE__DATA_DIR", "./elsewhere");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(s.server.listen, "127.0.0.1:9000");
            assert_eq!(s.data_dir, PathBuf::from("./elsewhere"));
            jail.set_env("STILE__SERVER__LISTN", "x");
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("listn"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn file_overlay_and_refusals() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("x.toml", "[password]\nmin_length = 12\n")?;
            let s = Settings::load_without_env(Some(Path::new("x.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(s.password.min_length, 12);
            jail.create_file("bad.toml", "[password]\nmin_lenght = 12\n")?;
            assert!(Settings::load_without_env(Some(Path::new("bad.toml"))).is_err());
            jail.create_file("weak.toml", "[password]\nmin_length = 4\n")?;
            assert!(Settings::load_without_env(Some(Path::new("weak.toml"))).is_err());
            jail.create_file("http.toml", "[server]\nissuer = \"http://idp.example.org\"\n")?;
            assert!(Settings::load_without_env(Some(Path::new("http.toml"))).is_err());
            assert!(matches!(Settings::load_without_env(Some(Path::new("nope.toml"))), Err(ConfigError::Missing(_))));
            jail.create_file("smtp.toml", "[mail]\ntransport = \"smtp\"\nsmtp_host = \"\"\n")?;
            assert!(Settings::load_without_env(Some(Path::new("smtp.toml"))).is_err());
            jail.create_file("from.toml", "[mail]\nfrom = \"not an address\"\n")?;
            assert!(Settings::load_without_env(Some(Path::new("from.toml"))).is_err());
            jail.create_file(
                "plain.toml",
                "[mail]\ntransport = \"smtp\"\nsmtp_host = \"mail.example.org\"\nsmtp_tls = \"none\"\nsmtp_username = \"u\"\n",
            )?;
            assert!(Settings::load_without_env(Some(Path::new("plain.toml"))).is_err());
            jail.create_file("mode.toml", "[signup]\nmode = \"sometimes\"\n")?;
            assert!(Settings::load_without_env(Some(Path::new("mode.toml"))).is_err());
            Ok(())
        });
    }
}

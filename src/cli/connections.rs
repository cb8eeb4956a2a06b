//! `stile connection …`: council single sign-on connections. An upstream client secret is read
//! from standard input (never the command line, where other users could see it) and stored
//! encrypted under the master key; it is never printed.

use std::io::BufRead;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::CliError;
use crate::admin::AdminActor;
use crate::admin::ops::connections::{self as ops, ClaimsInput, ConnectionInput, GroupRoleInput, NewOidc, SecretInput};
use crate::app::AppState;
use crate::secret::SecretString;
use crate::sso::connection::{Connection, Mode};
use crate::sso::saml::{self, NewSaml};
use crate::store;

#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// Add an upstream OpenID Connect IdP (Entra ID, Google Workspace, …). The client secret is
    /// read from the first line of standard input.
    #[command(name = "add-oidc")]
    AddOidc(Box<AddOidc>),
    /// Add an upstream SAML 2.0 IdP (Entra ID, ADFS, …) from its metadata. Prints the SP
    /// metadata URL to give the IdP.
    #[command(name = "add-saml")]
    AddSaml(Box<AddSaml>),
    /// List connections.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one connection's settings (never its secret).
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a connection's settings.
    Set(Box<SetArgs>),
    /// Remove a connection with its domains and its links to Stile accounts (the accounts stay).
    Remove { id: String },
}

impl ConnectionCommand {
    pub fn json_output(&self) -> bool {
        match self {
            ConnectionCommand::AddOidc(a) => a.json,
            ConnectionCommand::AddSaml(a) => a.json,
            ConnectionCommand::List { json } | ConnectionCommand::Show { json, .. } => *json,
            ConnectionCommand::Set(s) => s.json,
            ConnectionCommand::Remove { .. } => false,
        }
    }
}

/// What every kind of connection is given when it is added.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// An email domain this IdP serves (repeatable).
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// offered (password still allowed) or required (only this IdP for these domains).
    #[arg(long, default_value = "offered")]
    pub mode: String,
    /// Show a "Sign in with <name>" button on the sign-in page.
    #[arg(long)]
    pub button: bool,
    /// Trust the IdP's MFA (OIDC amr mfa/otp/hwk/sms, or a SAML AuthnContextClassRef from the MFA list): Stile does not ask again.
    #[arg(long)]
    pub trust_mfa: bool,
    /// Create accounts on first sign-in for people in the connection's domains.
    #[arg(long)]
    pub jit: bool,
}

#[derive(Debug, Args)]
pub struct AddOidc {
    /// The name people see, e.g. "Camden Council" ("Sign in with Camden Council").
    pub name: String,
    /// The body (by name or id) whose membership and roles sign-ins set.
    #[arg(long)]
    pub body: String,
    /// The IdP's issuer URL, e.g. https://login.microsoftonline.com/{tenant}/v2.0
    #[arg(long)]
    pub issuer: String,
    /// The client id Stile has at the IdP.
    #[arg(long)]
    pub client_id: String,
    #[command(flatten)]
    pub common: CommonArgs,
    /// A scope to ask for besides openid (repeatable; default email and profile).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Also read the userinfo endpoint.
    #[arg(long)]
    pub userinfo: bool,
    /// Google Workspace: the hd claim must be this domain.
    #[arg(long, value_name = "DOMAIN")]
    pub hosted_domain: Option<String>,
    /// Print only {"id": …} on standard output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AddSaml {
    /// The name people see, e.g. "Camden Council".
    #[arg(long)]
    pub name: String,
    /// The body (by name or id) whose membership and roles sign-ins set.
    #[arg(long)]
    pub body: String,
    /// The IdP's metadata: a file, or an https URL fetched once now.
    #[arg(long, value_name = "FILE|URL")]
    pub idp_metadata: String,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Sign AuthnRequests (RSA-SHA256) with the connection's SP key.
    #[arg(long)]
    pub sign_requests: bool,
    /// Accept sign-ins the IdP starts (no AuthnRequest from us).
    #[arg(long)]
    pub allow_idp_initiated: bool,
    /// Print only {"id": …} on standard output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    pub id: String,
    #[arg(long)]
    pub name: Option<String>,
    /// offered or required.
    #[arg(long)]
    pub mode: Option<String>,
    /// Replace the email domains with these (repeatable).
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// Remove every email domain.
    #[arg(long, conflicts_with = "domains")]
    pub clear_domains: bool,
    /// The claim (OIDC) or attribute (SAML) that holds the email address.
    #[arg(long)]
    pub email_claim: Option<String>,
    /// The claim or attribute that holds the person's name.
    #[arg(long)]
    pub name_claim: Option<String>,
    /// The claim or attribute that holds the person's groups.
    #[arg(long)]
    pub groups_claim: Option<String>,
    /// Map an upstream group to a role of the body: GROUP=ROLE (repeatable).
    #[arg(long = "map-group", value_name = "GROUP=ROLE")]
    pub map_groups: Vec<String>,
    /// Stop mapping an upstream group (repeatable).
    #[arg(long = "unmap-group", value_name = "GROUP")]
    pub unmap_groups: Vec<String>,
    /// Trust the IdP's MFA: true or false.
    #[arg(long, value_name = "BOOL")]
    pub trust_mfa: Option<bool>,
    /// Trust the IdP to say a phishing-resistant factor was used (OIDC acr phr/phrh or amr
    /// hwk/fido; SAML's FIDO context): true or false. True also trusts its MFA.
    #[arg(long, value_name = "BOOL")]
    pub trust_phr: Option<bool>,
    /// Replace the OIDC amr values that count as MFA (repeatable).
    #[arg(long = "mfa-amr", value_name = "AMR")]
    pub mfa_amr: Vec<String>,
    /// Replace the SAML AuthnContextClassRef values that count as MFA (repeatable).
    #[arg(long = "mfa-authn-context", value_name = "URI")]
    pub mfa_authn_contexts: Vec<String>,
    /// Just-in-time account creation: true or false.
    #[arg(long, value_name = "BOOL")]
    pub jit: Option<bool>,
    /// The sign-in page button: true or false.
    #[arg(long, value_name = "BOOL")]
    pub button: Option<bool>,
    /// SAML: accept IdP-initiated sign-ins: true or false.
    #[arg(long, value_name = "BOOL")]
    pub allow_idp_initiated: Option<bool>,
    /// SAML: import the IdP's metadata again (file or URL): entity id, sign-in URL and its
    /// signing certificates replace the stored ones.
    #[arg(long, value_name = "FILE|URL")]
    pub idp_metadata: Option<String>,
    /// SAML: also trust this IdP signing certificate (PEM or base64 DER file), e.g. the next one
    /// during a rollover.
    #[arg(long, value_name = "FILE")]
    pub add_idp_certificate: Option<String>,
    /// SAML: stop trusting the IdP certificate with this SHA-256 fingerprint (see `show`).
    #[arg(long, value_name = "SHA256")]
    pub remove_idp_certificate: Option<String>,
    /// SAML: sign AuthnRequests: true or false.
    #[arg(long, value_name = "BOOL")]
    pub sign_requests: Option<bool>,
    /// OIDC: read a new client secret from the first line of standard input.
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// OIDC: read the userinfo endpoint: true or false.
    #[arg(long, value_name = "BOOL")]
    pub userinfo: Option<bool>,
    /// Print the connection as JSON afterwards.
    #[arg(long)]
    pub json: bool,
}

fn mode(s: &str) -> Result<Mode, CliError> {
    Mode::parse(s).ok_or_else(|| CliError::Usage(format!("--mode must be offered or required, not {s:?}")))
}

fn read_secret() -> Result<SecretString, CliError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let s = SecretString::new(line.trim_end_matches(['\n', '\r']));
    if s.is_empty() {
        return Err(CliError::Usage("send the client secret on standard input (one line)".into()));
    }
    Ok(s)
}

pub async fn run(state: &AppState, c: ConnectionCommand) -> Result<(), CliError> {
    match c {
        ConnectionCommand::AddOidc(a) => add_oidc(state, *a).await,
        ConnectionCommand::AddSaml(a) => add_saml(state, *a).await,
        ConnectionCommand::List { json } => list(state, json).await,
        ConnectionCommand::Show { id, json } => show(state, &id, json).await,
        ConnectionCommand::Set(s) => set(state, *s).await,
        ConnectionCommand::Remove { id } => remove(state, &id).await,
    }
}

/// The body by name or id.
async fn find_body(state: &AppState, name_or_id: &str) -> Result<store::bodies::BodyRow, CliError> {
    match store::bodies::by_name(&state.db, name_or_id).await? {
        Some(b) => Ok(b),
        None => store::bodies::by_id(&state.db, name_or_id)
            .await?
            .ok_or_else(|| CliError::Usage(format!("There is no body {name_or_id:?} (see stile body list)."))),
    }
}

/// A stored connection, or the command line's way of saying there is none.
async fn get(state: &AppState, id: &str) -> Result<Connection, CliError> {
    store::connections::get(&state.db, id)
        .await?
        .ok_or_else(|| CliError::Usage(format!("There is no connection {id:?} (see stile connection list).")))
}

async fn add_oidc(state: &AppState, a: AddOidc) -> Result<(), CliError> {
    let mode = mode(&a.common.mode)?;
    let secret = read_secret()?;
    let body = find_body(state, &a.body).await?;
    let c = ops::create_oidc(
        state,
        &AdminActor::cli(),
        NewOidc {
            name: a.name,
            body: body.id,
            issuer: a.issuer,
            client_id: a.client_id,
            client_secret: secret,
            domains: a.common.domains,
            mode,
            show_button: a.common.button,
            trust_upstream_mfa: a.common.trust_mfa,
            jit: a.common.jit,
            scopes: a.scopes,
            use_userinfo: a.userinfo,
            hosted_domain: a.hosted_domain,
        },
    )
    .await?;
    if a.json {
        out!("{}", json!({ "id": c.id }));
        return Ok(());
    }
    out!("Created OIDC connection {:?} ({}).", c.name, c.id);
    out!("Register this redirect URI at the IdP: {}", crate::auth::upstream_oidc::redirect_uri(state.settings.issuer(), &c.id));
    Ok(())
}

async fn add_saml(state: &AppState, a: AddSaml) -> Result<(), CliError> {
    let mode = mode(&a.common.mode)?;
    let idp = saml::read_metadata(state, &a.idp_metadata).await?;
    let body = find_body(state, &a.body).await?;
    let c = ops::create_saml(
        state,
        &AdminActor::cli(),
        NewSaml {
            name: a.name,
            body: body.id,
            idp,
            domains: a.common.domains,
            mode,
            show_button: a.common.button,
            trust_upstream_mfa: a.common.trust_mfa,
            jit: a.common.jit,
            sign_requests: a.sign_requests,
            allow_idp_initiated: a.allow_idp_initiated,
        },
    )
    .await?;
    if a.json {
        out!("{}", json!({ "id": c.id }));
        return Ok(());
    }
    let (entity_id, acs) = saml::sp_urls(state, &c.id);
    out!("Created SAML connection {:?} ({}).", c.name, c.id);
    out!("Give the IdP this SP metadata URL: {entity_id}");
    out!("(entity id {entity_id}, ACS {acs}, HTTP-POST binding)");
    Ok(())
}

fn saml_config(c: &Connection) -> Result<&crate::auth::saml::config::SamlConfig, CliError> {
    match &c.config {
        crate::sso::KindConfig::Saml(s) => Ok(s),
        crate::sso::KindConfig::Oidc(_) => Err(CliError::Usage("that setting is for SAML connections".into())),
    }
}

impl From<saml::SamlAdminError> for CliError {
    fn from(e: saml::SamlAdminError) -> Self {
        CliError::Usage(e.to_string())
    }
}

/// A connection as JSON, with role names; never the secret.
async fn describe(state: &AppState, c: &Connection) -> Result<Value, CliError> {
    let body = store::bodies::by_id(&state.db, &c.body_id).await?.map(|b| b.name).unwrap_or_default();
    let roles = store::catalogue::roles_of_body(&state.db, &c.body_id).await?;
    let group_roles: Vec<Value> = c
        .mapping
        .group_roles
        .iter()
        .map(|g| {
            let role = roles.iter().find(|r| r.id == g.role_id).map(|r| r.name.clone()).unwrap_or_default();
            json!({ "group": g.group, "role_id": g.role_id, "role": role })
        })
        .collect();
    let issuer = state.settings.issuer();
    let mut v = json!({
        "id": c.id,
        "kind": c.kind().as_str(),
        "name": c.name,
        "body_id": c.body_id,
        "body": body,
        "domains": c.domains,
        "mode": c.mode.as_str(),
        "show_button": c.show_button,
        "trust_upstream_mfa": c.trust_upstream_mfa,
        "trust_upstream_phr": c.trust_upstream_phr,
        "jit": c.jit,
        "allow_idp_initiated": c.allow_idp_initiated,
        "claims": c.mapping.claims,
        "group_roles": group_roles,
        "mfa": c.mapping.mfa,
        "secret_set": c.secret_encrypted.is_some(),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    });
    if let Value::Object(map) = &mut v {
        match &c.config {
            crate::sso::KindConfig::Oidc(o) => {
                map.insert("oidc".into(), json!(o));
                map.insert("redirect_uri".into(), json!(crate::auth::upstream_oidc::redirect_uri(issuer, &c.id)));
            }
            crate::sso::KindConfig::Saml(s) => {
                let fingerprints: Vec<String> = s.trusted_certs().unwrap_or_default().iter().map(|c| c.fingerprint()).collect();
                map.insert(
                    "saml".into(),
                    json!({
                        "idp_entity_id": s.idp_entity_id,
                        "idp_sso_url": s.idp_sso_url,
                        "idp_certificate_sha256": fingerprints,
                        "sign_requests": s.sign_requests,
                        "clock_skew_secs": s.clock_skew_secs,
                    }),
                );
                map.insert("entity_id".into(), json!(format!("{issuer}/sso/saml/{}/metadata", c.id)));
                map.insert("metadata_url".into(), json!(format!("{issuer}/sso/saml/{}/metadata", c.id)));
                map.insert("acs_url".into(), json!(format!("{issuer}/sso/saml/{}/acs", c.id)));
            }
        }
    }
    Ok(v)
}

async fn list(state: &AppState, as_json: bool) -> Result<(), CliError> {
    let all = store::connections::list(&state.db).await?;
    if as_json {
        let mut out = Vec::with_capacity(all.len());
        for c in &all {
            out.push(describe(state, c).await?);
        }
        out!("{}", Value::Array(out));
        return Ok(());
    }
    out!("{:<38} {:<5} {:<28} {:<9} {:<24} FLAGS", "ID", "KIND", "NAME", "MODE", "DOMAINS");
    for c in all {
        let mut flags = Vec::new();
        if c.show_button {
            flags.push("button");
        }
        if c.trust_upstream_mfa {
            flags.push("trust-mfa");
        }
        if c.trust_upstream_phr {
            flags.push("trust-phr");
        }
        if c.jit {
            flags.push("jit");
        }
        out!("{:<38} {:<5} {:<28} {:<9} {:<24} {}", c.id, c.kind().as_str(), c.name, c.mode.as_str(), c.domains.join(","), flags.join(","));
    }
    Ok(())
}

async fn show(state: &AppState, id: &str, as_json: bool) -> Result<(), CliError> {
    let c = get(state, id).await?;
    let v = describe(state, &c).await?;
    if as_json {
        out!("{v}");
        return Ok(());
    }
    let pretty = serde_json::to_string_pretty(&v).unwrap_or_default();
    out!("{pretty}");
    Ok(())
}

/// The flags as `admin::ops` input (a missing flag keeps its setting), and the names of what
/// they change for the summary line. Group mappings and IdP certificates are edited here against
/// the stored lists, which the input then replaces.
async fn set(state: &AppState, s: SetArgs) -> Result<(), CliError> {
    let c = get(state, &s.id).await?;
    let mut i = ConnectionInput::default();
    let mut changed: Vec<&str> = Vec::new();
    if let Some(n) = s.name {
        i.name = Some(n);
        changed.push("name");
    }
    if let Some(m) = s.mode.as_deref() {
        i.mode = Some(mode(m)?.as_str().to_owned());
        changed.push("mode");
    }
    if s.clear_domains {
        i.domains = Some(Vec::new());
        changed.push("domains");
    } else if !s.domains.is_empty() {
        i.domains = Some(s.domains);
        changed.push("domains");
    }
    if s.email_claim.is_some() || s.name_claim.is_some() || s.groups_claim.is_some() {
        for (flag, name) in [(&s.email_claim, "email_claim"), (&s.name_claim, "name_claim"), (&s.groups_claim, "groups_claim")] {
            if flag.is_some() {
                changed.push(name);
            }
        }
        i.claims = Some(ClaimsInput { email: s.email_claim, name: s.name_claim, groups: s.groups_claim });
    }
    if !s.unmap_groups.is_empty() || !s.map_groups.is_empty() {
        i.group_roles = Some(remapped_groups(&c, &s.unmap_groups, &s.map_groups)?);
        changed.push("group_roles");
    }
    if let Some(v) = s.trust_mfa {
        i.trust_upstream_mfa = Some(v);
        changed.push("trust_upstream_mfa");
    }
    if let Some(v) = s.trust_phr {
        i.trust_upstream_phr = Some(v);
        changed.push("trust_upstream_phr");
    }
    if !s.mfa_amr.is_empty() {
        i.mfa_oidc_amr = Some(s.mfa_amr);
        changed.push("mfa_amr");
    }
    if !s.mfa_authn_contexts.is_empty() {
        i.mfa_saml_authn_contexts = Some(s.mfa_authn_contexts);
        changed.push("mfa_authn_contexts");
    }
    if let Some(v) = s.jit {
        i.jit = Some(v);
        changed.push("jit");
    }
    if let Some(v) = s.button {
        i.show_button = Some(v);
        changed.push("show_button");
    }
    if let Some(v) = s.allow_idp_initiated {
        i.allow_idp_initiated = Some(v);
        changed.push("allow_idp_initiated");
    }
    if let Some(v) = s.userinfo {
        if !matches!(c.config, crate::sso::KindConfig::Oidc(_)) {
            return Err(CliError::Usage("--userinfo is for OIDC connections".into()));
        }
        i.use_userinfo = Some(v);
        changed.push("userinfo");
    }
    if let Some(src) = &s.idp_metadata {
        saml_config(&c)?;
        i.idp_metadata = Some(saml::read_metadata(state, src).await?);
        changed.push("idp_metadata");
    }
    if s.add_idp_certificate.is_some() || s.remove_idp_certificate.is_some() {
        i.idp_certificates = Some(changed_certificates(&c, s.add_idp_certificate.as_deref(), s.remove_idp_certificate.as_deref())?);
        changed.push("idp_certificates");
    }
    if let Some(v) = s.sign_requests {
        saml_config(&c)?;
        i.sign_requests = Some(v);
        changed.push("sign_requests");
    }
    let new_secret = if s.client_secret_stdin {
        if !matches!(c.config, crate::sso::KindConfig::Oidc(_)) {
            return Err(CliError::Usage("--client-secret-stdin is for OIDC connections".into()));
        }
        changed.push("client_secret");
        Some(read_secret()?)
    } else {
        None
    };
    if changed.is_empty() {
        return Err(CliError::Usage("nothing to change: give at least one setting (see stile connection set --help)".into()));
    }
    changed.dedup();
    let actor = AdminActor::cli();
    let settings_change = changed.iter().any(|c| *c != "client_secret");
    if settings_change {
        ops::update(state, &actor, &c.id, i).await?;
    }
    if let Some(client_secret) = new_secret {
        ops::rotate_secret(state, &actor, &c.id, SecretInput { client_secret }).await?;
    }
    let c = get(state, &c.id).await?;
    if s.json {
        out!("{}", describe(state, &c).await?);
    } else {
        out!("Updated connection {:?} ({}): {}.", c.name, c.id, changed.join(", "));
    }
    Ok(())
}

/// The connection's group mapping with `unmap` taken out (each must be mapped) and `map`
/// (`GROUP=ROLE`, replacing the group's mapping) put in.
fn remapped_groups(c: &Connection, unmap: &[String], map: &[String]) -> Result<Vec<GroupRoleInput>, CliError> {
    let mut mapped: Vec<GroupRoleInput> =
        c.mapping.group_roles.iter().map(|g| GroupRoleInput { group: g.group.clone(), role: g.role_id.clone() }).collect();
    for g in unmap {
        let before = mapped.len();
        mapped.retain(|gr| &gr.group != g);
        if before == mapped.len() {
            return Err(CliError::Usage(format!("the group {g:?} is not mapped")));
        }
    }
    for m in map {
        let Some((group, role)) = m.rsplit_once('=') else {
            return Err(CliError::Usage(format!("--map-group takes GROUP=ROLE, not {m:?}")));
        };
        mapped.retain(|gr| gr.group != group);
        mapped.push(GroupRoleInput { group: group.to_owned(), role: role.trim().to_owned() });
    }
    Ok(mapped)
}

/// A SAML connection's trusted IdP certificates with the one in file `add` added and the one
/// with fingerprint `remove` taken out (a rollover).
fn changed_certificates(c: &Connection, add: Option<&str>, remove: Option<&str>) -> Result<Vec<String>, CliError> {
    use crate::auth::saml::certs::TrustedCert;
    let mut certs = saml_config(c)?.idp_certificates.clone();
    if let Some(file) = add {
        let text = std::fs::read_to_string(file).map_err(|e| CliError::Usage(format!("cannot read {file}: {e}")))?;
        let cert = TrustedCert::from_text(&text).map_err(|e| CliError::Usage(format!("{file} is not a usable certificate: {e}")))?;
        if !certs.contains(&cert.to_base64()) {
            certs.push(cert.to_base64());
        }
    }
    if let Some(fp) = remove {
        let want = fp.trim().to_ascii_uppercase().replace(':', "");
        let before = certs.len();
        certs.retain(|b64| TrustedCert::from_text(b64).map(|t| t.fingerprint().replace(':', "") != want).unwrap_or(true));
        if certs.len() == before {
            return Err(CliError::Usage(format!("no IdP certificate has the fingerprint {fp}")));
        }
    }
    Ok(certs)
}

async fn remove(state: &AppState, id: &str) -> Result<(), CliError> {
    let c = get(state, id).await?;
    ops::remove(state, &AdminActor::cli(), id).await?;
    out!("Removed connection {:?} ({id}).", c.name);
    Ok(())
}

//! SSO connections (upstream OIDC and SAML identity providers), superusers only: list, show,
//! create (OIDC with its client secret; SAML from IdP metadata pasted or fetched once from a
//! URL, or read by the command line from a file), edit, rotate the upstream client secret,
//! remove. The admin UI, the API and `stile connection` all write through here: validation
//! (`crate::sso::connection`), the check that the body and mapped roles exist, the policy check,
//! the audit row in the write's transaction, and errors a form, the API or the command line can
//! show. The upstream client secret and the SAML SP key are never returned.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Subject, audit_ok, commit_err, guard, require_step_up};
use crate::admin::{AdminActor, AdminError};
use crate::app::AppState;
use crate::auth::saml::config::SamlConfig;
use crate::auth::saml::metadata::{self, IdpMetadata};
use crate::policy::delegation::Action;
use crate::secret::SecretString;
use crate::sso::connection::{ClaimMapping, Connection, ConnectionError, GroupRole, KindConfig, MfaTrust, Mode, OidcConfig};
use crate::sso::saml::{self, NewSaml, SamlAdminError};
use crate::store;

#[derive(Debug, Clone, Serialize)]
pub struct GroupRoleView {
    pub group: String,
    pub role_id: String,
    /// The role's name in the connection's body ("" if the role has gone).
    pub role: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OidcView {
    pub issuer: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub use_userinfo: bool,
    pub hosted_domain: Option<String>,
    /// Register this at the IdP.
    pub redirect_uri: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SamlView {
    pub idp_entity_id: String,
    pub idp_sso_url: String,
    /// SHA-256 fingerprints of the trusted IdP signing certificates.
    pub idp_certificate_sha256: Vec<String>,
    pub sign_requests: bool,
    pub clock_skew_secs: i64,
    /// Give the IdP this URL (it is also our entity id).
    pub metadata_url: String,
    pub acs_url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectionView {
    pub id: String,
    pub kind: &'static str,
    pub name: String,
    pub body_id: String,
    pub body_name: String,
    pub domains: Vec<String>,
    pub mode: &'static str,
    pub show_button: bool,
    pub trust_upstream_mfa: bool,
    pub jit: bool,
    pub allow_idp_initiated: bool,
    pub claims: ClaimMapping,
    pub group_roles: Vec<GroupRoleView>,
    pub mfa: MfaTrust,
    /// An upstream client secret (OIDC) is stored; it is never shown.
    pub has_client_secret: bool,
    pub oidc: Option<OidcView>,
    pub saml: Option<SamlView>,
    pub created_at: i64,
    pub updated_at: i64,
}

async fn view(state: &AppState, c: Connection) -> Result<ConnectionView, AdminError> {
    let body_name = store::bodies::by_id(&state.db, &c.body_id).await?.map(|b| b.name).unwrap_or_default();
    let roles = store::catalogue::roles_of_body(&state.db, &c.body_id).await?;
    let group_roles = c
        .mapping
        .group_roles
        .iter()
        .map(|g| GroupRoleView {
            group: g.group.clone(),
            role_id: g.role_id.clone(),
            role: roles.iter().find(|r| r.id == g.role_id).map(|r| r.name.clone()).unwrap_or_default(),
        })
        .collect();
    let issuer = state.settings.issuer();
    let (oidc, saml) = match &c.config {
        KindConfig::Oidc(o) => (
            Some(OidcView {
                issuer: o.issuer.clone(),
                client_id: o.client_id.clone(),
                scopes: o.scopes.clone(),
                use_userinfo: o.use_userinfo,
                hosted_domain: o.hosted_domain.clone(),
                redirect_uri: crate::auth::upstream_oidc::redirect_uri(issuer, &c.id),
            }),
            None,
        ),
        KindConfig::Saml(s) => {
            let (metadata_url, acs_url) = saml::sp_urls(state, &c.id);
            let fingerprints = s.trusted_certs().unwrap_or_default().iter().map(|t| t.fingerprint()).collect();
            (
                None,
                Some(SamlView {
                    idp_entity_id: s.idp_entity_id.clone(),
                    idp_sso_url: s.idp_sso_url.clone(),
                    idp_certificate_sha256: fingerprints,
                    sign_requests: s.sign_requests,
                    clock_skew_secs: s.clock_skew_secs,
                    metadata_url,
                    acs_url,
                }),
            )
        }
    };
    Ok(ConnectionView {
        kind: c.kind().as_str(),
        mode: c.mode.as_str(),
        has_client_secret: c.oidc().is_some() && c.secret_encrypted.is_some(),
        body_name,
        group_roles,
        oidc,
        saml,
        id: c.id,
        name: c.name,
        body_id: c.body_id,
        domains: c.domains,
        show_button: c.show_button,
        trust_upstream_mfa: c.trust_upstream_mfa,
        jit: c.jit,
        allow_idp_initiated: c.allow_idp_initiated,
        claims: c.mapping.claims,
        mfa: c.mapping.mfa,
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}

/// An upstream group mapped to a role of the connection's body (by role id or name).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRoleInput {
    pub group: String,
    pub role: String,
}

/// Which upstream claims (OIDC) or attributes (SAML) hold what; a missing member keeps its value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsInput {
    pub email: Option<String>,
    pub name: Option<String>,
    pub groups: Option<String>,
}

/// A connection's settings. On create, `kind`, `name` and `body_id` are needed, and for OIDC
/// `issuer`, `client_id` and `client_secret`, for SAML one of `idp_metadata_xml` (the document)
/// or `idp_metadata_url` (fetched once, now); unset fields take defaults. On update a missing
/// field keeps its value; `kind`, `body_id` and `client_secret` cannot be changed there (the
/// secret has its own rotation).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionInput {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub body_id: Option<String>,
    pub domains: Option<Vec<String>>,
    pub mode: Option<String>,
    pub show_button: Option<bool>,
    pub trust_upstream_mfa: Option<bool>,
    pub jit: Option<bool>,
    pub claims: Option<ClaimsInput>,
    pub group_roles: Option<Vec<GroupRoleInput>>,
    /// OIDC `amr` values that count as a second factor.
    pub mfa_oidc_amr: Option<Vec<String>>,
    /// SAML AuthnContextClassRef values that count as a second factor.
    pub mfa_saml_authn_contexts: Option<Vec<String>>,
    // OIDC
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub scopes: Option<Vec<String>>,
    pub use_userinfo: Option<bool>,
    pub hosted_domain: Option<String>,
    // SAML
    pub idp_metadata_xml: Option<String>,
    pub idp_metadata_url: Option<String>,
    pub sign_requests: Option<bool>,
    pub allow_idp_initiated: Option<bool>,
    /// IdP metadata already read and parsed: the command line reads it from a file, which the UI
    /// and API must never do on this server (so it is not part of their input).
    #[serde(skip)]
    pub idp_metadata: Option<IdpMetadata>,
    /// Replaces the trusted IdP signing certificates (base64 DER), e.g. during a rollover. The
    /// command line only; the UI and API import the IdP's metadata again instead.
    #[serde(skip)]
    pub idp_certificates: Option<Vec<String>>,
}

/// A new upstream client secret (OIDC).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretInput {
    pub client_secret: SecretString,
}

fn from_connection_error(e: ConnectionError) -> AdminError {
    use ConnectionError as E;
    let field = match &e {
        E::NoName | E::LongName => "name",
        E::BadDomain(_) | E::DuplicateDomain(_) | E::RequiredWithoutDomains => "domains",
        E::BadIssuer(_) => "issuer",
        E::NoClientId => "client_id",
        E::EmptyClaim(_) => "claims",
        E::DuplicateGroup(_) | E::EmptyGroup => "group_roles",
        E::BadHostedDomain(_) => "hosted_domain",
        E::BadTtl => "discovery_ttl_secs",
        E::Saml(_) => "idp_metadata",
    };
    AdminError::invalid(field, e.to_string())
}

/// The store's unique-domain refusal, in words a form can show.
fn domain_conflict(e: store::StoreError) -> AdminError {
    match e {
        store::StoreError::Conflict(_) => {
            AdminError::invalid("domains", "One of these email domains is already served by another connection.")
        }
        other => AdminError::Store(other),
    }
}

fn crypto(e: crate::tokens::master_key::MasterKeyError) -> AdminError {
    AdminError::Internal(e.to_string())
}

impl From<SamlAdminError> for AdminError {
    fn from(e: SamlAdminError) -> Self {
        match e {
            e @ SamlAdminError::Metadata(_) => AdminError::invalid("idp_metadata", e.to_string()),
            // Only our own plain-words reasons are shown; a transport error's text stays in the log.
            SamlAdminError::Read(url, why) if why.starts_with("the ") => {
                AdminError::invalid("idp_metadata_url", format!("The IdP metadata could not be read from {url}: {why}."))
            }
            SamlAdminError::Read(url, why) => {
                tracing::info!(%url, %why, "IdP metadata fetch failed");
                AdminError::invalid("idp_metadata_url", format!("The IdP metadata could not be fetched from {url}."))
            }
            SamlAdminError::NotSaml => AdminError::invalid("kind", "That setting is for SAML connections."),
            other => AdminError::Internal(other.to_string()),
        }
    }
}

fn mode(s: &str) -> Result<Mode, AdminError> {
    Mode::parse(s).ok_or_else(|| AdminError::invalid("mode", "The mode must be offered or required."))
}

/// The IdP metadata from pasted XML or an http(s) URL (never a file on this server), or as the
/// command line read it.
async fn idp_metadata(state: &AppState, i: &ConnectionInput) -> Result<Option<IdpMetadata>, AdminError> {
    let xml = i.idp_metadata_xml.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let url = i.idp_metadata_url.as_deref().map(str::trim).filter(|s| !s.is_empty());
    match (xml, url, &i.idp_metadata) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
            Err(AdminError::invalid("idp_metadata", "Give the IdP metadata either as a document or as a URL, not both."))
        }
        (Some(x), None, None) => metadata::parse_idp(x).map(Some).map_err(|e| AdminError::from(SamlAdminError::from(e))),
        (None, Some(u), None) => {
            let ok = url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "https" | "http") && p.host_str().is_some());
            if !ok {
                return Err(AdminError::invalid("idp_metadata_url", "The metadata URL must be an https:// address."));
            }
            Ok(Some(saml::read_metadata(state, u).await?))
        }
        (None, None, read) => Ok(read.clone()),
    }
}

/// A role of the body, by id or name (case-insensitive).
pub async fn find_role(state: &AppState, body_id: &str, name_or_id: &str) -> Result<String, AdminError> {
    let roles = store::catalogue::roles_of_body(&state.db, body_id).await?;
    if let Some(r) = roles.iter().find(|r| r.id == name_or_id || r.name.eq_ignore_ascii_case(name_or_id)) {
        return Ok(r.id.clone());
    }
    let body = store::bodies::by_id(&state.db, body_id).await?.map(|b| b.name).unwrap_or_else(|| body_id.to_owned());
    let have: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
    let have = if have.is_empty() { "none".to_owned() } else { have.join(", ") };
    Err(AdminError::invalid("group_roles", format!("{body} has no role {name_or_id:?}; it has: {have}")))
}

/// The body exists, and every mapped role is one of its own.
async fn check_references(state: &AppState, c: &Connection) -> Result<(), AdminError> {
    if store::bodies::by_id(&state.db, &c.body_id).await?.is_none() {
        return Err(AdminError::invalid("body_id", "There is no such organisation."));
    }
    let roles = store::catalogue::roles_of_body(&state.db, &c.body_id).await?;
    for gr in &c.mapping.group_roles {
        if !roles.iter().any(|r| r.id == gr.role_id) {
            find_role(state, &c.body_id, &gr.role_id).await?;
        }
    }
    Ok(())
}

/// Checks a connection and stores it (new, or over the stored one) with its audit row, in one
/// transaction. The caller has run the policy check.
async fn write(
    state: &AppState,
    actor: &AdminActor,
    mut c: Connection,
    creating: bool,
    action: &str,
    details: Option<Value>,
) -> Result<Connection, AdminError> {
    c.validate().map_err(from_connection_error)?;
    check_references(state, &c).await?;
    if !creating {
        c.updated_at = state.now();
    }
    let mut tx = state.db.begin().await?;
    let stored = if creating { store::connections::insert(&mut tx, &c).await } else { store::connections::update(&mut tx, &c).await };
    stored.map_err(domain_conflict)?;
    let subject = Subject { target_type: "connection", target_id: &c.id, body_id: Some(&c.body_id) };
    audit_ok(&mut tx, state, actor, action, &subject, details).await?;
    tx.commit().await.map_err(commit_err)?;
    Ok(c)
}

/// Superusers only, and every change needs step-up (a second factor entered within the last
/// few minutes): a connection decides who signs in for a body.
async fn superuser(state: &AppState, actor: &AdminActor, action: &str, id: &str, body_id: Option<&str>) -> Result<(), AdminError> {
    let subject = Subject { target_type: "connection", target_id: id, body_id };
    guard(state, actor, action, &subject, actor.check(Action::ManageConnections, None)).await?;
    require_step_up(state, actor, action, &subject).await
}

/// A stored connection, whole (for the sign-in code and tests; views never hold its secret).
pub async fn get(state: &AppState, id: &str) -> Result<Connection, AdminError> {
    store::connections::get(&state.db, id).await?.ok_or(AdminError::NotFound("connection"))
}

pub async fn list(state: &AppState, actor: &AdminActor) -> Result<Vec<ConnectionView>, AdminError> {
    actor.check(Action::ManageConnections, None)?;
    let mut out = Vec::new();
    for c in store::connections::list(&state.db).await? {
        out.push(view(state, c).await?);
    }
    Ok(out)
}

pub async fn show(state: &AppState, actor: &AdminActor, id: &str) -> Result<ConnectionView, AdminError> {
    actor.check(Action::ManageConnections, None)?;
    view(state, get(state, id).await?).await
}

/// The connections bound to a body (for the body's SSO connection choice).
pub async fn of_body(state: &AppState, body_id: &str) -> Result<Vec<(String, String)>, AdminError> {
    Ok(store::connections::list(&state.db).await?.into_iter().filter(|c| c.body_id == body_id).map(|c| (c.id, c.name)).collect())
}

/// Applies the settings every kind shares, and the kind's own where given.
async fn apply(state: &AppState, c: &mut Connection, i: &ConnectionInput, changed: &mut Vec<&'static str>) -> Result<(), AdminError> {
    if let Some(v) = &i.name {
        c.name.clone_from(v);
        changed.push("name");
    }
    if let Some(v) = &i.domains {
        c.domains = v.iter().map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()).collect();
        changed.push("domains");
    }
    if let Some(v) = &i.mode {
        c.mode = mode(v)?;
        changed.push("mode");
    }
    let flags: [(Option<bool>, &mut bool, &'static str); 4] = [
        (i.show_button, &mut c.show_button, "show_button"),
        (i.trust_upstream_mfa, &mut c.trust_upstream_mfa, "trust_upstream_mfa"),
        (i.jit, &mut c.jit, "jit"),
        (i.allow_idp_initiated, &mut c.allow_idp_initiated, "allow_idp_initiated"),
    ];
    for (new, slot, name) in flags {
        if let Some(v) = new {
            *slot = v;
            changed.push(name);
        }
    }
    if let Some(cl) = &i.claims {
        let m = &mut c.mapping.claims;
        for (new, slot) in [(&cl.email, &mut m.email), (&cl.name, &mut m.name), (&cl.groups, &mut m.groups)] {
            if let Some(v) = new {
                *slot = v.trim().to_owned();
            }
        }
        changed.push("claims");
    }
    if let Some(list) = &i.group_roles {
        let mut out = Vec::with_capacity(list.len());
        for g in list {
            let role_id = find_role(state, &c.body_id, g.role.trim()).await?;
            out.push(GroupRole { group: g.group.trim().to_owned(), role_id });
        }
        c.mapping.group_roles = out;
        changed.push("group_roles");
    }
    let clean = |v: &[String]| v.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect::<Vec<_>>();
    if let Some(v) = &i.mfa_oidc_amr {
        c.mapping.mfa.oidc_amr = clean(v);
        changed.push("mfa_oidc_amr");
    }
    if let Some(v) = &i.mfa_saml_authn_contexts {
        c.mapping.mfa.saml_authn_contexts = clean(v);
        changed.push("mfa_saml_authn_contexts");
    }
    let fresh_metadata = idp_metadata(state, i).await?;
    match &mut c.config {
        KindConfig::Oidc(o) => {
            let saml_only =
                fresh_metadata.is_some() || i.idp_certificates.is_some() || i.sign_requests.is_some() || i.allow_idp_initiated.is_some();
            if saml_only {
                return Err(AdminError::invalid(
                    "kind",
                    "IdP metadata, request signing and IdP-initiated sign-in are for SAML connections.",
                ));
            }
            if let Some(v) = &i.issuer {
                o.issuer.clone_from(v);
                changed.push("issuer");
            }
            if let Some(v) = &i.client_id {
                o.client_id.clone_from(v);
                changed.push("client_id");
            }
            if let Some(v) = &i.scopes {
                o.scopes = clean(v);
                changed.push("scopes");
            }
            if let Some(v) = i.use_userinfo {
                o.use_userinfo = v;
                changed.push("use_userinfo");
            }
            if let Some(v) = &i.hosted_domain {
                o.hosted_domain = Some(v.trim().to_owned()).filter(|s| !s.is_empty());
                changed.push("hosted_domain");
            }
        }
        KindConfig::Saml(s) => {
            let oidc_only = i.issuer.is_some()
                || i.client_id.is_some()
                || i.scopes.is_some()
                || i.use_userinfo.is_some()
                || i.hosted_domain.is_some()
                || i.client_secret.is_some();
            if oidc_only {
                return Err(AdminError::invalid(
                    "kind",
                    "Issuer, client id and secret, scopes, userinfo and hosted domain are for OIDC connections.",
                ));
            }
            if let Some(md) = &fresh_metadata {
                let fresh = SamlConfig::from_metadata(md, s.sign_requests);
                s.idp_entity_id = fresh.idp_entity_id;
                s.idp_sso_url = fresh.idp_sso_url;
                s.idp_certificates = fresh.idp_certificates;
                changed.push("idp_metadata");
            }
            if let Some(v) = &i.idp_certificates {
                s.idp_certificates.clone_from(v);
                changed.push("idp_certificates");
            }
            if let Some(v) = i.sign_requests {
                s.sign_requests = v;
                changed.push("sign_requests");
            }
        }
    }
    Ok(())
}

/// Creates a connection. Superusers only. Everything is checked before anything is written.
pub async fn create(state: &AppState, actor: &AdminActor, input: ConnectionInput) -> Result<ConnectionView, AdminError> {
    superuser(state, actor, "connection.create", "", input.body_id.as_deref()).await?;
    let body_id = input.body_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let Some(body_id) = body_id else {
        return Err(AdminError::invalid("body_id", "Choose the organisation whose staff sign in through this connection."));
    };
    let body =
        store::bodies::by_id(&state.db, body_id).await?.ok_or_else(|| AdminError::invalid("body_id", "There is no such organisation."))?;
    let name = input.name.clone().unwrap_or_default();
    // The create helpers take the kind's own fields; the shared settings are applied to a draft.
    let shared = ConnectionInput {
        kind: None,
        body_id: None,
        client_secret: None,
        idp_metadata_xml: None,
        idp_metadata_url: None,
        idp_metadata: None,
        issuer: None,
        client_id: None,
        ..input.clone()
    };
    let made = match input.kind.as_deref().map(str::trim) {
        Some("oidc") => {
            let config = KindConfig::Oidc(OidcConfig {
                issuer: input.issuer.clone().unwrap_or_default(),
                client_id: input.client_id.clone().unwrap_or_default(),
                scopes: vec!["email".into(), "profile".into()],
                use_userinfo: false,
                hosted_domain: None,
                discovery_ttl_secs: 3600,
            });
            let mut c = crate::sso::draft(state, &name, &body.id, config);
            apply(state, &mut c, &shared, &mut Vec::new()).await?;
            c.validate().map_err(from_connection_error)?;
            let secret = input.client_secret.clone().filter(|s| !s.is_empty());
            let Some(secret) = secret else {
                return Err(AdminError::invalid("client_secret", "Give the client secret the IdP issued for Stile."));
            };
            crate::sso::set_client_secret(state, &mut c, &secret).map_err(crypto)?;
            c
        }
        Some("saml") => {
            let md = idp_metadata(state, &input).await?;
            let Some(md) = md else {
                return Err(AdminError::invalid("idp_metadata", "Paste the IdP's metadata document or give the URL it is published at."));
            };
            let mut c = crate::sso::draft(state, &name, &body.id, KindConfig::Saml(SamlConfig::from_metadata(&md, false)));
            apply(state, &mut c, &shared, &mut Vec::new()).await?;
            c.validate().map_err(from_connection_error)?;
            let mut made = saml::draft_saml(
                state,
                NewSaml {
                    name: c.name.clone(),
                    body: body.id.clone(),
                    idp: md,
                    domains: c.domains.clone(),
                    mode: c.mode,
                    show_button: c.show_button,
                    trust_upstream_mfa: c.trust_upstream_mfa,
                    jit: c.jit,
                    sign_requests: input.sign_requests.unwrap_or(false),
                    allow_idp_initiated: c.allow_idp_initiated,
                },
            )?;
            // draft_saml makes the SP key; the mapping (checked above) goes on before saving.
            made.mapping = c.mapping;
            made
        }
        _ => return Err(AdminError::invalid("kind", "The kind must be oidc or saml.")),
    };
    let details = json!({ "name": made.name, "kind": made.kind().as_str() });
    let made = write(state, actor, made, true, "connection.create", Some(details)).await?;
    view(state, made).await
}

/// Changes a connection's settings (not its kind, body or secret). Superusers only.
pub async fn update(state: &AppState, actor: &AdminActor, id: &str, input: ConnectionInput) -> Result<ConnectionView, AdminError> {
    let mut c = get(state, id).await?;
    superuser(state, actor, "connection.update", id, Some(&c.body_id)).await?;
    if input.kind.as_deref().is_some_and(|k| k != c.kind().as_str()) {
        return Err(AdminError::invalid("kind", "A connection's kind cannot be changed; add a new connection instead."));
    }
    if input.body_id.as_deref().is_some_and(|b| b != c.body_id) {
        return Err(AdminError::invalid("body_id", "A connection's organisation cannot be changed; add a new connection instead."));
    }
    if input.client_secret.is_some() {
        return Err(AdminError::invalid("client_secret", "Change the client secret with its own action (rotate the secret)."));
    }
    let mut changed = Vec::new();
    apply(state, &mut c, &input, &mut changed).await?;
    changed.dedup();
    let c = write(state, actor, c, false, "connection.update", Some(json!({ "changed": changed }))).await?;
    view(state, c).await
}

/// Stores a new upstream client secret (OIDC). It is never shown again, here or anywhere.
pub async fn rotate_secret(state: &AppState, actor: &AdminActor, id: &str, input: SecretInput) -> Result<ConnectionView, AdminError> {
    let mut c = get(state, id).await?;
    superuser(state, actor, "connection.rotate_secret", id, Some(&c.body_id)).await?;
    if c.oidc().is_none() {
        return Err(AdminError::invalid(
            "client_secret",
            "Only OIDC connections have a client secret; a SAML connection's key is its own.",
        ));
    }
    if input.client_secret.is_empty() {
        return Err(AdminError::invalid("client_secret", "An upstream OIDC connection needs its client secret."));
    }
    crate::sso::set_client_secret(state, &mut c, &input.client_secret).map_err(crypto)?;
    let c = write(state, actor, c, false, "connection.rotate_secret", None).await?;
    view(state, c).await
}

/// Removes a connection with its domains and links to accounts (the accounts and their
/// memberships stay); a body that named it as its SSO connection names none. Superusers only.
pub async fn remove(state: &AppState, actor: &AdminActor, id: &str) -> Result<(), AdminError> {
    let c = get(state, id).await?;
    superuser(state, actor, "connection.remove", id, Some(&c.body_id)).await?;
    let mut tx = state.db.begin().await?;
    store::connections::remove(&mut tx, id).await?;
    let subject = Subject { target_type: "connection", target_id: id, body_id: Some(&c.body_id) };
    audit_ok(&mut tx, state, actor, "connection.remove", &subject, Some(json!({ "name": c.name, "kind": c.kind().as_str() }))).await?;
    tx.commit().await.map_err(commit_err)
}

/// A new OIDC connection with its client secret (what `stile connection add-oidc` and the tests
/// give, as a whole connection rather than form input).
#[derive(Debug)]
pub struct NewOidc {
    pub name: String,
    /// The body's id.
    pub body: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub domains: Vec<String>,
    pub mode: Mode,
    pub show_button: bool,
    pub trust_upstream_mfa: bool,
    pub jit: bool,
    /// Besides openid; empty: email and profile.
    pub scopes: Vec<String>,
    pub use_userinfo: bool,
    pub hosted_domain: Option<String>,
}

/// Creates an OIDC connection. Superusers only.
pub async fn create_oidc(state: &AppState, actor: &AdminActor, n: NewOidc) -> Result<Connection, AdminError> {
    superuser(state, actor, "connection.create", "", Some(&n.body)).await?;
    if n.client_secret.is_empty() {
        return Err(AdminError::invalid("client_secret", "An upstream OIDC connection needs its client secret."));
    }
    let scopes = if n.scopes.is_empty() { vec!["email".into(), "profile".into()] } else { n.scopes };
    let config = KindConfig::Oidc(OidcConfig {
        issuer: n.issuer,
        client_id: n.client_id,
        scopes,
        use_userinfo: n.use_userinfo,
        hosted_domain: n.hosted_domain,
        discovery_ttl_secs: 3600,
    });
    let mut c = crate::sso::draft(state, &n.name, &n.body, config);
    c.domains = n.domains;
    c.mode = n.mode;
    c.show_button = n.show_button;
    c.trust_upstream_mfa = n.trust_upstream_mfa;
    c.jit = n.jit;
    crate::sso::set_client_secret(state, &mut c, &n.client_secret).map_err(crypto)?;
    let details = json!({ "name": c.name, "kind": c.kind().as_str() });
    write(state, actor, c, true, "connection.create", Some(details)).await
}

/// Creates a SAML connection with its own new SP key. Superusers only.
pub async fn create_saml(state: &AppState, actor: &AdminActor, n: NewSaml) -> Result<Connection, AdminError> {
    superuser(state, actor, "connection.create", "", Some(&n.body)).await?;
    let c = saml::draft_saml(state, n)?;
    let details = json!({ "name": c.name, "kind": c.kind().as_str() });
    write(state, actor, c, true, "connection.create", Some(details)).await
}

/// Stores a whole connection over the stored one (every setting, as given). Superusers only.
pub async fn save(state: &AppState, actor: &AdminActor, c: Connection) -> Result<Connection, AdminError> {
    superuser(state, actor, "connection.update", &c.id, Some(&c.body_id)).await?;
    get(state, &c.id).await?;
    write(state, actor, c, false, "connection.update", None).await
}

/// Stores a whole new connection (every setting, as given). Superusers only.
pub async fn add(state: &AppState, actor: &AdminActor, c: Connection) -> Result<Connection, AdminError> {
    superuser(state, actor, "connection.create", "", Some(&c.body_id)).await?;
    let details = json!({ "name": c.name, "kind": c.kind().as_str() });
    write(state, actor, c, true, "connection.create", Some(details)).await
}

//! An upstream identity provider a body's staff sign in through: what it is, which email domains
//! it serves, how its claims map onto a Stile user and roles, and whether its MFA is trusted.

use serde::{Deserialize, Serialize};

use crate::email::normalise_domain;
pub use crate::saml::config::SamlConfig;
use crate::saml::config::SamlConfigError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Oidc,
    Saml,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Oidc => "oidc",
            Kind::Saml => "saml",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "oidc" => Some(Kind::Oidc),
            "saml" => Some(Kind::Saml),
            _ => None,
        }
    }
}

/// Whether people whose email is in the connection's domains may still use a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The IdP is offered; password and emailed-link sign-in still work.
    Offered,
    /// Only the IdP: password, emailed-link sign-in, password reset and signup by email are refused.
    Required,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Offered => "offered",
            Mode::Required => "required",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "offered" => Some(Mode::Offered),
            "required" => Some(Mode::Required),
            _ => None,
        }
    }
}

/// Which upstream claim (OIDC) or attribute (SAML) holds what. An empty `email` means the SAML
/// NameID (when it is an email address) or the OIDC `email` claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimMapping {
    pub email: String,
    pub name: String,
    pub groups: String,
}

pub const SAML_EMAIL_ATTRIBUTE: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
pub const SAML_NAME_ATTRIBUTE: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
/// Azure AD / Entra ID sends group object ids here; ADFS is usually configured to send groups as roles.
pub const SAML_GROUPS_ATTRIBUTE: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups";

impl ClaimMapping {
    pub fn default_for(kind: Kind) -> Self {
        match kind {
            Kind::Oidc => ClaimMapping { email: "email".into(), name: "name".into(), groups: "groups".into() },
            Kind::Saml => {
                ClaimMapping { email: SAML_EMAIL_ATTRIBUTE.into(), name: SAML_NAME_ATTRIBUTE.into(), groups: SAML_GROUPS_ATTRIBUTE.into() }
            }
        }
    }
}

/// An upstream group string that grants a role (by id) in the connection's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRole {
    pub group: String,
    pub role_id: String,
}

/// Which upstream statements count as "MFA was done" when the connection trusts upstream MFA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaTrust {
    /// OIDC `amr` values (RFC 8176) any one of which means a second factor was used.
    pub oidc_amr: Vec<String>,
    /// SAML AuthnContextClassRef values that mean a second factor was used.
    pub saml_authn_contexts: Vec<String>,
    /// OIDC `acr` or `amr` values any one of which means a phishing-resistant factor (a FIDO
    /// key or passkey, a smart card) was used: `phr`/`phrh` as `acr`, `hwk`/`fido` as `amr`.
    #[serde(default = "default_oidc_phr")]
    pub oidc_phr: Vec<String>,
    /// SAML AuthnContextClassRef values that mean a phishing-resistant factor was used.
    #[serde(default = "default_saml_phr")]
    pub saml_phr_authn_contexts: Vec<String>,
}

fn default_oidc_phr() -> Vec<String> {
    ["phr", "phrh", "hwk", "fido"].map(String::from).to_vec()
}

fn default_saml_phr() -> Vec<String> {
    vec!["urn:rsa:names:tc:SAML:2.0:ac:classes:FIDO".to_owned()]
}

impl Default for MfaTrust {
    fn default() -> Self {
        MfaTrust {
            oidc_amr: ["mfa", "otp", "hwk", "sms"].map(String::from).to_vec(),
            saml_authn_contexts: ["http://schemas.microsoft.com/claims/multipleauthn", "https://refeds.org/profile/mfa"]
                .map(String::from)
                .to_vec(),
            oidc_phr: default_oidc_phr(),
            saml_phr_authn_contexts: default_saml_phr(),
        }
    }
}

/// The common settings stored as JSON in `upstream_connections.mapping`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub claims: ClaimMapping,
    #[serde(default)]
    pub group_roles: Vec<GroupRole>,
    #[serde(default)]
    pub mfa: MfaTrust,
}

impl Mapping {
    pub fn default_for(kind: Kind) -> Self {
        Mapping { claims: ClaimMapping::default_for(kind), group_roles: Vec::new(), mfa: MfaTrust::default() }
    }
}

/// Upstream OIDC settings, stored as JSON in `upstream_connections.config`. The client secret is
/// not here: it is in `secret_encrypted`, under the master key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcConfig {
    /// The IdP's issuer; discovery is `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Scopes asked for besides `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Also read the userinfo endpoint (for IdPs that leave claims out of the ID token).
    #[serde(default)]
    pub use_userinfo: bool,
    /// Google Workspace: the `hd` claim must equal this.
    #[serde(default)]
    pub hosted_domain: Option<String>,
    /// How long discovery and JWKS are cached, in seconds.
    #[serde(default = "default_discovery_ttl")]
    pub discovery_ttl_secs: i64,
}

fn default_scopes() -> Vec<String> {
    vec!["email".into(), "profile".into()]
}

fn default_discovery_ttl() -> i64 {
    3600
}

/// The protocol-specific part.
#[derive(Debug, Clone, PartialEq)]
pub enum KindConfig {
    Oidc(OidcConfig),
    Saml(SamlConfig),
}

impl KindConfig {
    pub fn kind(&self) -> Kind {
        match self {
            KindConfig::Oidc(_) => Kind::Oidc,
            KindConfig::Saml(_) => Kind::Saml,
        }
    }

    pub fn to_json(&self) -> String {
        match self {
            KindConfig::Oidc(c) => serde_json::to_string(c).unwrap_or_else(|_| "{}".into()),
            KindConfig::Saml(c) => serde_json::to_string(c).unwrap_or_else(|_| "{}".into()),
        }
    }

    pub fn from_json(kind: Kind, text: &str) -> Result<Self, serde_json::Error> {
        Ok(match kind {
            Kind::Oidc => KindConfig::Oidc(serde_json::from_str(text)?),
            Kind::Saml => KindConfig::Saml(serde_json::from_str(text)?),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub id: String,
    pub name: String,
    /// The body whose membership and roles a sign-in through this connection sets.
    pub body_id: String,
    /// Lower-case email domains this IdP serves (home-realm discovery, linking, JIT).
    pub domains: Vec<String>,
    pub mode: Mode,
    pub show_button: bool,
    pub trust_upstream_mfa: bool,
    /// The IdP is trusted to say a phishing-resistant factor was used ([`MfaTrust::oidc_phr`],
    /// [`MfaTrust::saml_phr_authn_contexts`]): such a sign-in meets the `phishing_resistant`
    /// level. Implies `trust_upstream_mfa`.
    pub trust_upstream_phr: bool,
    pub jit: bool,
    pub allow_idp_initiated: bool,
    pub mapping: Mapping,
    pub config: KindConfig,
    /// The upstream client secret (OIDC), encrypted under the master key with [`secret_context`].
    pub secret_encrypted: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The associated data binding an encrypted upstream secret to its connection.
pub fn secret_context(connection_id: &str) -> String {
    format!("upstream:{connection_id}")
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConnectionError {
    #[error("A connection needs a name.")]
    NoName,
    #[error("The name is too long (at most 100 characters).")]
    LongName,
    #[error("{0:?} is not an email domain (like camden.gov.uk).")]
    BadDomain(String),
    #[error("The domain {0} is listed twice.")]
    DuplicateDomain(String),
    #[error("A connection whose sign-in is required must serve at least one email domain.")]
    RequiredWithoutDomains,
    #[error("The issuer must be an https URL (http only for localhost), without a query or fragment: {0:?}.")]
    BadIssuer(String),
    #[error("The client id must not be empty.")]
    NoClientId,
    #[error("The {0} claim name must not be empty.")]
    EmptyClaim(&'static str),
    #[error("The group {0:?} is mapped twice.")]
    DuplicateGroup(String),
    #[error("A group name must not be empty.")]
    EmptyGroup,
    #[error("The hosted domain {0:?} is not a domain name.")]
    BadHostedDomain(String),
    #[error("The discovery cache time must be between 60 and 86400 seconds.")]
    BadTtl,
    #[error("{0}")]
    Saml(#[from] SamlConfigError),
}

/// Lower-cases and checks a domain list.
pub fn normalise_domains(domains: &[String]) -> Result<Vec<String>, ConnectionError> {
    let mut out: Vec<String> = Vec::with_capacity(domains.len());
    for d in domains {
        let n = normalise_domain(d).map_err(|_| ConnectionError::BadDomain(d.clone()))?;
        if out.contains(&n) {
            return Err(ConnectionError::DuplicateDomain(n));
        }
        out.push(n);
    }
    Ok(out)
}

/// An issuer URL we are willing to fetch discovery from.
pub fn check_issuer(issuer: &str) -> Result<(), ConnectionError> {
    let bad = || ConnectionError::BadIssuer(issuer.to_owned());
    let u = url::Url::parse(issuer).map_err(|_| bad())?;
    let local = matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    let scheme_ok = u.scheme() == "https" || (u.scheme() == "http" && local);
    if !scheme_ok || u.query().is_some() || u.fragment().is_some() || u.host_str().is_none() || !u.username().is_empty() {
        return Err(bad());
    }
    Ok(())
}

impl Connection {
    pub fn kind(&self) -> Kind {
        self.config.kind()
    }

    pub fn saml(&self) -> Option<&SamlConfig> {
        match &self.config {
            KindConfig::Saml(c) => Some(c),
            KindConfig::Oidc(_) => None,
        }
    }

    pub fn oidc(&self) -> Option<&OidcConfig> {
        match &self.config {
            KindConfig::Oidc(c) => Some(c),
            KindConfig::Saml(_) => None,
        }
    }

    /// Checks everything a person could have got wrong; domains are normalised in place.
    pub fn validate(&mut self) -> Result<(), ConnectionError> {
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            return Err(ConnectionError::NoName);
        }
        if self.name.chars().count() > 100 {
            return Err(ConnectionError::LongName);
        }
        self.domains = normalise_domains(&self.domains)?;
        if self.mode == Mode::Required && self.domains.is_empty() {
            return Err(ConnectionError::RequiredWithoutDomains);
        }
        let c = &self.mapping.claims;
        if c.name.trim().is_empty() {
            return Err(ConnectionError::EmptyClaim("name"));
        }
        if c.groups.trim().is_empty() {
            return Err(ConnectionError::EmptyClaim("groups"));
        }
        if self.kind() == Kind::Oidc && c.email.trim().is_empty() {
            return Err(ConnectionError::EmptyClaim("email"));
        }
        let mut seen: Vec<&str> = Vec::new();
        for g in &self.mapping.group_roles {
            if g.group.is_empty() {
                return Err(ConnectionError::EmptyGroup);
            }
            if seen.contains(&g.group.as_str()) {
                return Err(ConnectionError::DuplicateGroup(g.group.clone()));
            }
            seen.push(&g.group);
        }
        match &mut self.config {
            KindConfig::Oidc(o) => {
                o.issuer = o.issuer.trim().to_owned();
                check_issuer(&o.issuer)?;
                o.client_id = o.client_id.trim().to_owned();
                if o.client_id.is_empty() {
                    return Err(ConnectionError::NoClientId);
                }
                if let Some(hd) = &o.hosted_domain {
                    o.hosted_domain = Some(normalise_domain(hd).map_err(|_| ConnectionError::BadHostedDomain(hd.clone()))?);
                }
                if !(60..=86_400).contains(&o.discovery_ttl_secs) {
                    return Err(ConnectionError::BadTtl);
                }
                o.scopes.retain(|s| s != "openid" && !s.trim().is_empty());
            }
            KindConfig::Saml(c) => c.check()?,
        }
        Ok(())
    }

    /// True when `domain` (lower-case) is one this connection serves.
    pub fn serves_domain(&self, domain: &str) -> bool {
        self.domains.iter().any(|d| d == domain)
    }

    /// Whether these OIDC `amr` values show a second factor, by this connection's settings.
    pub fn oidc_amr_is_mfa(&self, amr: &[String]) -> bool {
        amr.iter().any(|a| self.mapping.mfa.oidc_amr.iter().any(|m| m == a))
    }

    /// Whether these OIDC `acr` and `amr` values show a phishing-resistant factor, by this
    /// connection's settings.
    pub fn oidc_is_phr(&self, acr: Option<&str>, amr: &[String]) -> bool {
        let listed = |v: &str| self.mapping.mfa.oidc_phr.iter().any(|m| m == v);
        acr.is_some_and(listed) || amr.iter().any(|a| listed(a))
    }

    /// Whether this SAML AuthnContextClassRef shows a phishing-resistant factor.
    pub fn saml_context_is_phr(&self, class_ref: &str) -> bool {
        self.mapping.mfa.saml_phr_authn_contexts.iter().any(|m| m == class_ref)
    }

    /// Whether this SAML AuthnContextClassRef shows a second factor, by this connection's settings.
    pub fn saml_context_is_mfa(&self, class_ref: &str) -> bool {
        self.mapping.mfa.saml_authn_contexts.iter().any(|m| m == class_ref)
    }

    /// The role ids the upstream groups grant, and every role id the mapping manages.
    pub fn mapped_roles(&self, groups: &[String]) -> (Vec<String>, Vec<String>) {
        let mut wanted: Vec<String> = Vec::new();
        let mut managed: Vec<String> = Vec::new();
        for gr in &self.mapping.group_roles {
            if !managed.contains(&gr.role_id) {
                managed.push(gr.role_id.clone());
            }
            if groups.iter().any(|g| g == &gr.group) && !wanted.contains(&gr.role_id) {
                wanted.push(gr.role_id.clone());
            }
        }
        (wanted, managed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Connection {
        Connection {
            id: "c1".into(),
            name: " Camden ".into(),
            body_id: "b1".into(),
            domains: vec!["Camden.GOV.uk".into()],
            mode: Mode::Required,
            show_button: true,
            trust_upstream_mfa: true,
            trust_upstream_phr: false,
            jit: false,
            allow_idp_initiated: false,
            mapping: Mapping::default_for(Kind::Oidc),
            config: KindConfig::Oidc(OidcConfig {
                issuer: "https://login.example.org/tenant/v2.0".into(),
                client_id: "abc".into(),
                scopes: vec!["openid".into(), "email".into()],
                use_userinfo: false,
                hosted_domain: None,
                discovery_ttl_secs: 3600,
            }),
            secret_encrypted: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn validation_normalises_and_explains() {
        let mut c = sample();
        c.validate().unwrap();
        assert_eq!(c.name, "Camden");
        assert_eq!(c.domains, vec!["camden.gov.uk"]);
        assert_eq!(c.oidc().unwrap().scopes, vec!["email"]);

        let mut c = sample();
        c.domains.clear();
        assert_eq!(c.validate(), Err(ConnectionError::RequiredWithoutDomains));

        let mut c = sample();
        c.config = KindConfig::Oidc(OidcConfig { issuer: "http://idp.example.org".into(), ..c.oidc().unwrap().clone() });
        assert!(matches!(c.validate(), Err(ConnectionError::BadIssuer(_))));

        let mut c = sample();
        c.mapping.group_roles =
            vec![GroupRole { group: "g".into(), role_id: "r1".into() }, GroupRole { group: "g".into(), role_id: "r2".into() }];
        assert_eq!(c.validate(), Err(ConnectionError::DuplicateGroup("g".into())));
    }

    #[test]
    fn issuers() {
        assert!(check_issuer("https://accounts.google.com").is_ok());
        assert!(check_issuer("http://127.0.0.1:3000").is_ok());
        assert!(check_issuer("http://example.org").is_err());
        assert!(check_issuer("https://example.org/?x=1").is_err());
        assert!(check_issuer("not a url").is_err());
    }

    #[test]
    fn roles_and_mfa() {
        let mut c = sample();
        c.mapping.group_roles = vec![
            GroupRole { group: "inspectors".into(), role_id: "r1".into() },
            GroupRole { group: "admins".into(), role_id: "r2".into() },
        ];
        let (wanted, managed) = c.mapped_roles(&["inspectors".into(), "other".into()]);
        assert_eq!(wanted, vec!["r1"]);
        assert_eq!(managed, vec!["r1", "r2"]);
        assert!(c.oidc_amr_is_mfa(&["pwd".into(), "mfa".into()]));
        assert!(!c.oidc_amr_is_mfa(&["pwd".into()]));
        assert!(c.saml_context_is_mfa("http://schemas.microsoft.com/claims/multipleauthn"));
        // Phishing-resistant: OIDC acr phr/phrh or amr hwk/fido; SAML's FIDO context. Plain MFA
        // is not, and an old mapping without the lists reads back with the defaults.
        assert!(c.oidc_is_phr(Some("phr"), &[]) && c.oidc_is_phr(None, &["pwd".into(), "hwk".into()]));
        assert!(!c.oidc_is_phr(Some("mfa"), &["pwd".into(), "mfa".into(), "otp".into()]));
        assert!(c.saml_context_is_phr("urn:rsa:names:tc:SAML:2.0:ac:classes:FIDO"));
        assert!(!c.saml_context_is_phr("http://schemas.microsoft.com/claims/multipleauthn"));
        let old: MfaTrust = serde_json::from_str(r#"{"oidc_amr":["mfa"],"saml_authn_contexts":[]}"#).unwrap();
        assert_eq!(old.oidc_phr, MfaTrust::default().oidc_phr);
    }
}

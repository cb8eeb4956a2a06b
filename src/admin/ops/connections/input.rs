//! The settings a form, the API or the command line give for a connection, and applying those
//! every kind shares (each kind applies its own: `oidc::apply`, `saml::apply`).

use serde::Deserialize;

use super::check::{find_role, mode};
use crate::admin::AdminError;
use crate::app::AppState;
use crate::auth::saml::metadata::IdpMetadata;
use crate::secret::SecretString;
use crate::sso::connection::{Connection, GroupRole, KindConfig};

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
    /// Trust the IdP to say a phishing-resistant factor (a passkey, security key or smart card)
    /// was used: such sign-ins meet the `phishing_resistant` level. True implies
    /// `trust_upstream_mfa`.
    pub trust_upstream_phr: Option<bool>,
    pub jit: Option<bool>,
    pub claims: Option<ClaimsInput>,
    pub group_roles: Option<Vec<GroupRoleInput>>,
    /// OIDC `amr` values that count as a second factor.
    pub mfa_oidc_amr: Option<Vec<String>>,
    /// SAML AuthnContextClassRef values that count as a second factor.
    pub mfa_saml_authn_contexts: Option<Vec<String>>,
    /// OIDC `acr` or `amr` values that count as a phishing-resistant factor.
    pub phr_oidc_values: Option<Vec<String>>,
    /// SAML AuthnContextClassRef values that count as a phishing-resistant factor.
    pub phr_saml_authn_contexts: Option<Vec<String>>,
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

/// A connection being created from form or API input: its name and organisation, the whole
/// input (for the kind's own fields) and the settings every kind shares.
pub(super) struct Draft<'a> {
    pub name: &'a str,
    pub body_id: &'a str,
    pub input: &'a ConnectionInput,
    pub shared: &'a ConnectionInput,
}

/// Applies the settings every kind shares, and the kind's own where given.
pub(super) async fn apply(
    state: &AppState,
    c: &mut Connection,
    i: &ConnectionInput,
    changed: &mut Vec<&'static str>,
) -> Result<(), AdminError> {
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
    let flags: [(Option<bool>, &mut bool, &'static str); 5] = [
        (i.show_button, &mut c.show_button, "show_button"),
        (i.trust_upstream_mfa, &mut c.trust_upstream_mfa, "trust_upstream_mfa"),
        (i.trust_upstream_phr, &mut c.trust_upstream_phr, "trust_upstream_phr"),
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
    if let Some(v) = &i.mfa_oidc_amr {
        c.mapping.mfa.oidc_amr = trimmed(v);
        changed.push("mfa_oidc_amr");
    }
    if let Some(v) = &i.mfa_saml_authn_contexts {
        c.mapping.mfa.saml_authn_contexts = trimmed(v);
        changed.push("mfa_saml_authn_contexts");
    }
    if let Some(v) = &i.phr_oidc_values {
        c.mapping.mfa.oidc_phr = trimmed(v);
        changed.push("phr_oidc_values");
    }
    if let Some(v) = &i.phr_saml_authn_contexts {
        c.mapping.mfa.saml_phr_authn_contexts = trimmed(v);
        changed.push("phr_saml_authn_contexts");
    }
    // Trusting the IdP's word on a phishing-resistant factor is trusting its word on MFA; turning
    // MFA trust off (alone) turns it off.
    if i.trust_upstream_mfa == Some(false) && i.trust_upstream_phr.is_none() {
        c.trust_upstream_phr = false;
    }
    c.trust_upstream_mfa |= c.trust_upstream_phr;
    let fresh_metadata = super::saml::idp_metadata(state, i).await?;
    match &mut c.config {
        KindConfig::Oidc(o) => super::oidc::apply(o, i, fresh_metadata.is_some(), changed),
        KindConfig::Saml(s) => super::saml::apply(s, i, fresh_metadata, changed),
    }
}

/// The non-blank entries, trimmed.
pub(super) fn trimmed(v: &[String]) -> Vec<String> {
    v.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

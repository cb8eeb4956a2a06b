//! From a verified assertion to the person it describes: email, names, groups and whether the
//! IdP says a second factor was used. Attribute names default to the claim URIs Azure AD /
//! Entra ID and ADFS send, then to the common LDAP-style OIDs.

use serde::{Deserialize, Serialize};

use super::response::VerifiedAssertion;

pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
pub const NAMEID_TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";

pub const DEFAULT_EMAIL: &[&str] = &[
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
    "urn:oid:0.9.2342.19200300.100.1.3",
    "email",
    "mail",
];
pub const DEFAULT_NAME: &[&str] = &[
    "http://schemas.microsoft.com/identity/claims/displayname",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
    "urn:oid:2.16.840.1.113730.3.1.241",
    "displayName",
];
pub const DEFAULT_GIVEN_NAME: &[&str] =
    &["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "urn:oid:2.5.4.42", "givenName"];
pub const DEFAULT_FAMILY_NAME: &[&str] = &["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "urn:oid:2.5.4.4", "sn"];
pub const DEFAULT_GROUPS: &[&str] = &[
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
    "http://schemas.xmlsoap.org/claims/Group",
    "groups",
];
/// What Azure AD / Entra ID and ADFS put in AuthnContextClassRef after a second factor.
pub const DEFAULT_MFA_CONTEXTS: &[&str] = &[
    "http://schemas.microsoft.com/claims/multipleauthn",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
];

/// Which attributes to read; an empty list means the defaults above.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttributeMap {
    pub email: Vec<String>,
    pub name: Vec<String>,
    pub given_name: Vec<String>,
    pub family_name: Vec<String>,
    pub groups: Vec<String>,
    /// AuthnContextClassRef values that mean the IdP did multi-factor authentication.
    pub mfa_contexts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlProfile {
    /// The stable upstream subject: the NameID, unless it is transient (then the email).
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub groups: Vec<String>,
    pub mfa: bool,
    pub authn_context_class: Option<String>,
}

fn first<'a>(a: &'a VerifiedAssertion, configured: &[String], defaults: &[&str]) -> Option<&'a str> {
    let names: Vec<&str> = if configured.is_empty() { defaults.to_vec() } else { configured.iter().map(String::as_str).collect() };
    names.iter().find_map(|n| a.attributes.get(*n).and_then(|v| v.iter().find(|s| !s.trim().is_empty()))).map(|s| s.trim())
}

pub fn profile(a: &VerifiedAssertion, map: &AttributeMap) -> SamlProfile {
    let name_id_is_email = a.name_id_format.as_deref() == Some(NAMEID_EMAIL);
    let email = if map.email.is_empty() && name_id_is_email {
        Some(a.name_id.clone())
    } else {
        first(a, &map.email, DEFAULT_EMAIL).map(str::to_owned).or_else(|| name_id_is_email.then(|| a.name_id.clone()))
    };
    let given_name = first(a, &map.given_name, DEFAULT_GIVEN_NAME).map(str::to_owned);
    let family_name = first(a, &map.family_name, DEFAULT_FAMILY_NAME).map(str::to_owned);
    let name = first(a, &map.name, DEFAULT_NAME).map(str::to_owned).or_else(|| match (&given_name, &family_name) {
        (Some(g), Some(f)) => Some(format!("{g} {f}")),
        (Some(g), None) => Some(g.clone()),
        (None, Some(f)) => Some(f.clone()),
        (None, None) => None,
    });
    let group_names: Vec<&str> =
        if map.groups.is_empty() { DEFAULT_GROUPS.to_vec() } else { map.groups.iter().map(String::as_str).collect() };
    let mut groups: Vec<String> = group_names.iter().filter_map(|n| a.attributes.get(*n)).flatten().map(|g| g.trim().to_owned()).collect();
    groups.retain(|g| !g.is_empty());
    groups.sort();
    groups.dedup();
    let mfa = a.authn_context_class.as_deref().is_some_and(|c| {
        if map.mfa_contexts.is_empty() { DEFAULT_MFA_CONTEXTS.contains(&c) } else { map.mfa_contexts.iter().any(|m| m == c) }
    });
    let subject = if a.name_id_format.as_deref() == Some(NAMEID_TRANSIENT) { email.clone().unwrap_or_default() } else { a.name_id.clone() };
    SamlProfile { subject, email, name, given_name, family_name, groups, mfa, authn_context_class: a.authn_context_class.clone() }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn assertion(format: &str, attrs: &[(&str, &[&str])], ctx: Option<&str>) -> VerifiedAssertion {
        VerifiedAssertion {
            assertion_id: "_a".into(),
            issuer: "idp".into(),
            name_id: "a1b2c3".into(),
            name_id_format: Some(format.into()),
            session_index: None,
            authn_context_class: ctx.map(str::to_owned),
            attributes: attrs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect::<BTreeMap<_, _>>(),
            in_response_to: None,
            expires_at: 0,
        }
    }

    #[test]
    fn azure_claims_are_read_by_default() {
        let a = assertion(
            "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            &[
                ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", &["Jo@Camden.example"]),
                ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", &["Jo"]),
                ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", &["Bloggs"]),
                ("http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", &["inspectors", "admins", "inspectors"]),
            ],
            Some("http://schemas.microsoft.com/claims/multipleauthn"),
        );
        let p = profile(&a, &AttributeMap::default());
        assert_eq!(p.subject, "a1b2c3");
        assert_eq!(p.email.as_deref(), Some("Jo@Camden.example"));
        assert_eq!(p.name.as_deref(), Some("Jo Bloggs"));
        assert_eq!(p.groups, vec!["admins", "inspectors"]);
        assert!(p.mfa);
        let strict = AttributeMap { mfa_contexts: vec!["urn:x".into()], ..Default::default() };
        assert!(!profile(&a, &strict).mfa);
    }

    #[test]
    fn email_name_id_and_transient_subjects() {
        let a = assertion(NAMEID_EMAIL, &[], None);
        let p = profile(&a, &AttributeMap::default());
        assert_eq!(p.email.as_deref(), Some("a1b2c3"));
        assert!(!p.mfa);
        let t = assertion(NAMEID_TRANSIENT, &[("mail", &["x@y.example"])], None);
        assert_eq!(profile(&t, &AttributeMap::default()).subject, "x@y.example");
    }
}

//! From a verified assertion to the person it describes: email, names, groups and whether the
//! IdP says a second factor was used. Attribute names default to the claim URIs Azure AD /
//! Entra ID and ADFS send, then to the common LDAP-style OIDs.

use super::response::VerifiedAssertion;
use crate::sso::connection::ClaimMapping;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlProfile {
    /// The stable upstream subject: the NameID, unless it is transient (then the email).
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub groups: Vec<String>,
}

fn values<'a>(a: &'a VerifiedAssertion, configured: &str, defaults: &[&str]) -> Option<&'a Vec<String>> {
    let configured = configured.trim();
    if !configured.is_empty()
        && let Some(v) = a.attributes.get(configured)
    {
        return Some(v);
    }
    defaults.iter().find_map(|n| a.attributes.get(*n))
}

fn first(a: &VerifiedAssertion, configured: &str, defaults: &[&str]) -> Option<String> {
    values(a, configured, defaults).and_then(|v| v.iter().map(|s| s.trim()).find(|s| !s.is_empty())).map(str::to_owned)
}

/// Reads the person from a verified assertion: the connection's configured attribute first,
/// then the usual Azure AD / ADFS / LDAP names; the email falls back to an emailAddress NameID.
pub fn profile(a: &VerifiedAssertion, claims: &ClaimMapping) -> SamlProfile {
    let name_id_is_email = a.name_id_format.as_deref() == Some(NAMEID_EMAIL);
    let email = if claims.email.trim().is_empty() && name_id_is_email {
        Some(a.name_id.clone())
    } else {
        first(a, &claims.email, DEFAULT_EMAIL).or_else(|| name_id_is_email.then(|| a.name_id.clone()))
    };
    let name = first(a, &claims.name, DEFAULT_NAME).or_else(|| {
        let given = first(a, "", DEFAULT_GIVEN_NAME);
        let family = first(a, "", DEFAULT_FAMILY_NAME);
        match (given, family) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            (g, f) => g.or(f),
        }
    });
    let mut groups: Vec<String> =
        values(a, &claims.groups, DEFAULT_GROUPS).into_iter().flatten().map(|g| g.trim().to_owned()).filter(|g| !g.is_empty()).collect();
    groups.sort();
    groups.dedup();
    let subject = if a.name_id_format.as_deref() == Some(NAMEID_TRANSIENT) { email.clone().unwrap_or_default() } else { a.name_id.clone() };
    SamlProfile { subject, email, name, groups }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn assertion(format: &str, attrs: &[(&str, &[&str])]) -> VerifiedAssertion {
        VerifiedAssertion {
            assertion_id: "_a".into(),
            issuer: "idp".into(),
            name_id: "a1b2c3".into(),
            name_id_format: Some(format.into()),
            session_index: None,
            authn_context_class: None,
            attributes: attrs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect::<BTreeMap<_, _>>(),
            in_response_to: None,
            expires_at: 0,
        }
    }

    fn claims() -> ClaimMapping {
        ClaimMapping::default_for(crate::sso::Kind::Saml)
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
        );
        let p = profile(&a, &claims());
        assert_eq!(p.subject, "a1b2c3");
        assert_eq!(p.email.as_deref(), Some("Jo@Camden.example"));
        assert_eq!(p.name.as_deref(), Some("Jo Bloggs"));
        assert_eq!(p.groups, vec!["admins", "inspectors"]);
        let custom = ClaimMapping { email: "mail".into(), name: "cn".into(), groups: "memberOf".into() };
        let b = assertion("x", &[("mail", &["x@y.example"]), ("cn", &["X Y"]), ("memberOf", &["g1"])]);
        let p = profile(&b, &custom);
        assert_eq!((p.email.as_deref(), p.name.as_deref(), p.groups), (Some("x@y.example"), Some("X Y"), vec!["g1".to_owned()]));
    }

    #[test]
    fn email_name_id_and_transient_subjects() {
        let a = assertion(NAMEID_EMAIL, &[]);
        let p = profile(&a, &claims());
        assert_eq!(p.email.as_deref(), Some("a1b2c3"));
        let t = assertion(NAMEID_TRANSIENT, &[("mail", &["x@y.example"])]);
        assert_eq!(profile(&t, &claims()).subject, "x@y.example");
    }
}

//! Metadata: ours as a service provider, and the identity provider's, imported once when a
//! connection is saved (from a file, or a URL fetched by the caller).

use super::certs::TrustedCert;
use super::request::escape;
use super::xml::{self, NS_DS, NS_MD, children};

const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MetadataError {
    #[error("the metadata is not readable XML: {0}")]
    Xml(#[from] xml::XmlError),
    #[error("the metadata describes no identity provider (IDPSSODescriptor)")]
    NoIdp,
    #[error("the identity provider has no entityID")]
    NoEntityId,
    #[error("the identity provider offers no SingleSignOnService with the HTTP-Redirect binding")]
    NoRedirectSso,
    #[error("the identity provider's metadata has no signing certificate, so its responses could not be checked")]
    NoSigningCertificate,
    #[error("a signing certificate in the metadata cannot be used: {0}")]
    Certificate(#[from] super::certs::CertError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    pub entity_id: String,
    pub sso_redirect_url: String,
    pub certs: Vec<TrustedCert>,
    /// The IdP says it wants signed AuthnRequests (`WantAuthnRequestsSigned`).
    pub wants_signed_requests: bool,
}

/// Reads the first identity provider in an EntityDescriptor or EntitiesDescriptor.
pub fn parse_idp(text: &str) -> Result<IdpMetadata, MetadataError> {
    let doc = xml::parse(text)?;
    let entity = doc
        .descendants()
        .filter(|n| xml::is(*n, NS_MD, "EntityDescriptor"))
        .find(|e| children(*e, NS_MD, "IDPSSODescriptor").next().is_some())
        .ok_or(MetadataError::NoIdp)?;
    let entity_id = entity.attribute("entityID").filter(|s| !s.trim().is_empty()).ok_or(MetadataError::NoEntityId)?.trim().to_owned();
    let idp = children(entity, NS_MD, "IDPSSODescriptor").next().ok_or(MetadataError::NoIdp)?;
    let sso_redirect_url = children(idp, NS_MD, "SingleSignOnService")
        .find(|s| s.attribute("Binding") == Some(REDIRECT))
        .and_then(|s| s.attribute("Location"))
        .map(|l| l.trim().to_owned())
        .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
        .ok_or(MetadataError::NoRedirectSso)?;
    let mut certs = Vec::new();
    for kd in children(idp, NS_MD, "KeyDescriptor").filter(|k| matches!(k.attribute("use"), None | Some("signing"))) {
        for c in kd.descendants().filter(|n| xml::is(*n, NS_DS, "X509Certificate")) {
            let cert = TrustedCert::from_text(&xml::text(c))?;
            if !certs.contains(&cert) {
                certs.push(cert);
            }
        }
    }
    if certs.is_empty() {
        return Err(MetadataError::NoSigningCertificate);
    }
    let wants_signed_requests = matches!(idp.attribute("WantAuthnRequestsSigned"), Some("true" | "1"));
    Ok(IdpMetadata { entity_id, sso_redirect_url, certs, wants_signed_requests })
}

/// Our SP metadata for one connection.
pub fn sp_metadata(entity_id: &str, acs_url: &str, cert_base64: &str, sign_requests: bool) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            "\n",
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity}">"#,
            "\n",
            r#"  <md:SPSSODescriptor AuthnRequestsSigned="{signed}" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#,
            "\n",
            r#"    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#,
            "\n",
            r#"    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>"#,
            "\n",
            r#"    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>"#,
            "\n",
            r#"    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="0" isDefault="true"/>"#,
            "\n",
            "  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n"
        ),
        entity = escape(entity_id),
        signed = sign_requests,
        cert = cert_base64,
        acs = escape(acs_url),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idp_metadata_without_a_signing_certificate_is_refused() {
        let md = r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example/">
            <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            <KeyDescriptor use="encryption"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>AAAA</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
            <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>
            </IDPSSODescriptor></EntityDescriptor>"#;
        assert_eq!(parse_idp(md), Err(MetadataError::NoSigningCertificate));
        let no_sso = md.replace("HTTP-Redirect", "HTTP-POST");
        assert_eq!(parse_idp(&no_sso), Err(MetadataError::NoRedirectSso));
    }

    #[test]
    fn sp_metadata_is_well_formed() {
        let md = sp_metadata("https://s.example/sso/saml/c/metadata", "https://s.example/sso/saml/c/acs?a=1&b=2", "QUJD", true);
        let doc = xml::parse(&md).unwrap();
        assert_eq!(doc.root_element().attribute("entityID"), Some("https://s.example/sso/saml/c/metadata"));
        assert!(md.contains("acs?a=1&amp;b=2"));
    }
}

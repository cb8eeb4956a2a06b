//! SP-initiated login: an AuthnRequest sent over the HTTP-Redirect binding (raw DEFLATE, base64,
//! URL-encoded), signed with RSA-SHA256 over the query string when the connection asks for it.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use url::form_urlencoded::byte_serialize;

use super::signature::RSA_SHA256;
use super::sp_key::{SpKey, SpKeyError};
use crate::clock::Timestamp;

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("the AuthnRequest cannot be compressed")]
    Deflate(#[from] std::io::Error),
    #[error(transparent)]
    Sign(#[from] SpKeyError),
    #[error("a time cannot be formatted")]
    Time,
}

pub struct AuthnRequestParams<'a> {
    pub id: &'a str,
    pub issue_instant: Timestamp,
    pub idp_sso_url: &'a str,
    pub sp_entity_id: &'a str,
    pub acs_url: &'a str,
    pub relay_state: &'a str,
}

pub fn format_time(t: Timestamp) -> Result<String, RequestError> {
    let dt = time::OffsetDateTime::from_unix_timestamp(t).map_err(|_| RequestError::Time)?;
    dt.format(&time::format_description::well_known::Rfc3339).map_err(|_| RequestError::Time)
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn authn_request_xml(p: &AuthnRequestParams<'_>) -> Result<String, RequestError> {
    Ok(format!(
        concat!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#,
            r#" ID="{id}" Version="2.0" IssueInstant="{instant}" Destination="{dest}" AssertionConsumerServiceURL="{acs}""#,
            r#" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer><samlp:NameIDPolicy AllowCreate="true"/></samlp:AuthnRequest>"#
        ),
        id = escape(p.id),
        instant = format_time(p.issue_instant)?,
        dest = escape(p.idp_sso_url),
        acs = escape(p.acs_url),
        issuer = escape(p.sp_entity_id),
    ))
}

fn encode(s: &str) -> String {
    byte_serialize(s.as_bytes()).collect()
}

/// The URL that sends the browser to the IdP with the request.
pub fn redirect_url(p: &AuthnRequestParams<'_>, signer: Option<&SpKey>) -> Result<String, RequestError> {
    let xml = authn_request_xml(p)?;
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::default());
    enc.write_all(xml.as_bytes())?;
    let deflated = enc.finish()?;
    let mut query = format!("SAMLRequest={}", encode(&STANDARD.encode(deflated)));
    if !p.relay_state.is_empty() {
        query.push_str("&RelayState=");
        query.push_str(&encode(p.relay_state));
    }
    if let Some(key) = signer {
        // The signature covers the query exactly as sent (SAML bindings, 3.4.4.1).
        query.push_str("&SigAlg=");
        query.push_str(&encode(RSA_SHA256));
        let sig = key.sign_rsa_sha256(query.as_bytes())?;
        query.push_str("&Signature=");
        query.push_str(&encode(&STANDARD.encode(sig)));
    }
    let sep = if p.idp_sso_url.contains('?') { '&' } else { '?' };
    Ok(format!("{}{sep}{query}", p.idp_sso_url))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn request_round_trips_through_the_redirect_encoding() {
        let p = AuthnRequestParams {
            id: "_abc",
            issue_instant: 1_700_000_000,
            idp_sso_url: "https://idp.example/sso?x=1",
            sp_entity_id: "https://stile.example/sso/saml/c1/metadata",
            acs_url: "https://stile.example/sso/saml/c1/acs",
            relay_state: "r1",
        };
        let url = url::Url::parse(&redirect_url(&p, None).unwrap()).unwrap();
        let pairs: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs.get("x").map(String::as_str), Some("1"));
        assert_eq!(pairs.get("RelayState").map(String::as_str), Some("r1"));
        let raw = STANDARD.decode(pairs.get("SAMLRequest").unwrap()).unwrap();
        let mut xml = String::new();
        flate2::read::DeflateDecoder::new(raw.as_slice()).read_to_string(&mut xml).unwrap();
        assert!(xml.contains(r#"ID="_abc""#), "{xml}");
        assert!(xml.contains("IssueInstant=\"2023-11-14T22:13:20Z\""), "{xml}");
        assert!(super::super::xml::parse(&xml).is_ok());
    }
}

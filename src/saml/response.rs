//! Validating a SAML Response posted to our ACS. Order: parse (no DTD), structural refusals
//! that defeat signature wrapping (one Assertion, unique IDs, no encrypted assertions), status,
//! signatures by configured certificates only, then every condition — all read from the one
//! element the signature covers.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use roxmltree::{Document, Node};

use super::certs::TrustedCert;
use super::signature::{SignatureError, verify_enveloped};
use super::xml::{self, NS_DS, NS_SAML, NS_SAMLP, XmlError, children, only_child};
use crate::clock::Timestamp;

const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResponseError {
    #[error("the SAMLResponse is not base64-encoded UTF-8")]
    Encoding,
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("the message is not a SAML Response")]
    NotAResponse,
    #[error("the ID {0} appears more than once")]
    DuplicateId(String),
    #[error("encrypted assertions are not supported")]
    Encrypted,
    #[error("the response must hold exactly one Assertion, directly inside it (found {0})")]
    AssertionCount(usize),
    #[error("the identity provider answered with status {0}")]
    Status(String),
    #[error("neither the response nor the assertion is signed")]
    Unsigned,
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    #[error("the response Destination {0:?} is not our ACS URL")]
    Destination(Option<String>),
    #[error("the issuer {0:?} is not the configured identity provider")]
    Issuer(Option<String>),
    #[error("the assertion has no ID")]
    NoAssertionId,
    #[error("the assertion has no NameID")]
    NoNameId,
    #[error("no bearer SubjectConfirmation: {0}")]
    SubjectConfirmation(&'static str),
    #[error("the assertion is not valid yet")]
    NotYetValid,
    #[error("the assertion has expired")]
    Expired,
    #[error("the audience does not include our entity id")]
    Audience,
    #[error("the assertion carries a condition we do not understand: {0}")]
    UnknownCondition(String),
    #[error("InResponseTo does not match the request sent from this browser")]
    InResponseTo,
    #[error("an unsolicited (IdP-initiated) response, which this connection does not accept")]
    Unsolicited,
    #[error("the assertion has no AuthnStatement")]
    NoAuthnStatement,
    #[error("a time value {0:?} cannot be read")]
    Time(String),
    #[error("{0}")]
    Structure(#[from] xml::Repeated),
}

/// What the response must agree with.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub acs_url: &'a str,
    pub sp_entity_id: &'a str,
    pub idp_entity_id: &'a str,
    pub certs: &'a [TrustedCert],
    pub now: Timestamp,
    pub skew_secs: i64,
    /// The ID of the AuthnRequest this browser sent; `None` for an unsolicited response.
    pub in_response_to: Option<&'a str>,
    pub allow_idp_initiated: bool,
}

/// The facts of a verified assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    pub assertion_id: String,
    pub issuer: String,
    pub name_id: String,
    pub name_id_format: Option<String>,
    pub session_index: Option<String>,
    pub authn_context_class: Option<String>,
    pub attributes: BTreeMap<String, Vec<String>>,
    pub in_response_to: Option<String>,
    /// The earliest NotOnOrAfter: the assertion id is remembered until then.
    pub expires_at: Timestamp,
}

/// Decodes the base64 form field (line breaks allowed) to the XML text.
pub fn decode_post(saml_response: &str) -> Result<String, ResponseError> {
    let joined: String = saml_response.chars().filter(|c| !c.is_whitespace()).collect();
    if joined.len() > xml::MAX_XML_BYTES.saturating_mul(4) / 3 + 4 {
        return Err(ResponseError::Xml(XmlError::TooLarge));
    }
    let bytes = STANDARD.decode(joined).map_err(|_| ResponseError::Encoding)?;
    String::from_utf8(bytes).map_err(|_| ResponseError::Encoding)
}

pub fn parse_time(s: &str) -> Result<Timestamp, ResponseError> {
    time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| ResponseError::Time(s.to_owned()))
}

fn time_attr(node: Node<'_, '_>, name: &str) -> Result<Option<Timestamp>, ResponseError> {
    node.attribute(name).map(parse_time).transpose()
}

/// Refuses any ID-like attribute value used twice: a second element with the signed element's
/// ID is the classic way to make a verifier and a reader look at different elements.
fn check_unique_ids(doc: &Document<'_>) -> Result<(), ResponseError> {
    let mut seen = std::collections::HashSet::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        for a in node.attributes() {
            if matches!(a.name(), "ID" | "Id" | "id" | "AssertionID") && !seen.insert(a.value()) {
                return Err(ResponseError::DuplicateId(a.value().to_owned()));
            }
        }
    }
    Ok(())
}

/// Validates a SAML Response (XML text) and returns the facts of its one assertion.
pub fn validate(xml_text: &str, expected: &Expected<'_>) -> Result<VerifiedAssertion, ResponseError> {
    let doc = xml::parse(xml_text)?;
    let root = doc.root_element();
    if !xml::is(root, NS_SAMLP, "Response") {
        return Err(ResponseError::NotAResponse);
    }
    check_unique_ids(&doc)?;
    // An error status usually comes without an assertion; say what the IdP said.
    let status = only_child(root, NS_SAMLP, "Status")?
        .and_then(|s| only_child(s, NS_SAMLP, "StatusCode").ok().flatten())
        .and_then(|c| c.attribute("Value"))
        .unwrap_or("");
    if status != STATUS_SUCCESS {
        return Err(ResponseError::Status(status.to_owned()));
    }
    if doc.descendants().any(|n| xml::is(n, NS_SAML, "EncryptedAssertion")) {
        return Err(ResponseError::Encrypted);
    }
    let all_assertions = doc.descendants().filter(|n| xml::is(*n, NS_SAML, "Assertion")).count();
    let direct: Vec<Node<'_, '_>> = children(root, NS_SAML, "Assertion").collect();
    if all_assertions != 1 || direct.len() != 1 {
        return Err(ResponseError::AssertionCount(all_assertions));
    }
    let assertion = *direct.first().ok_or(ResponseError::AssertionCount(0))?;
    // The replay cache is keyed by it.
    let assertion_id = assertion.attribute("ID").map(str::trim).filter(|id| !id.is_empty()).ok_or(ResponseError::NoAssertionId)?;

    // Every signature present must verify; at least one must cover the assertion — its own,
    // or the Response's (which envelops it). Both reference their parent by ID, so what was
    // verified is exactly `assertion` (or its parent) and all reads below start there.
    let response_sig = only_child(root, NS_DS, "Signature")?;
    let assertion_sig = only_child(assertion, NS_DS, "Signature")?;
    if response_sig.is_none() && assertion_sig.is_none() {
        return Err(ResponseError::Unsigned);
    }
    if let Some(sig) = response_sig {
        let signed = verify_enveloped(&doc, sig, expected.certs)?;
        if signed != root.id() {
            return Err(ResponseError::Signature(SignatureError::Reference));
        }
    }
    if let Some(sig) = assertion_sig {
        let signed = verify_enveloped(&doc, sig, expected.certs)?;
        if signed != assertion.id() {
            return Err(ResponseError::Signature(SignatureError::Reference));
        }
    }

    let destination = root.attribute("Destination");
    if destination != Some(expected.acs_url) {
        return Err(ResponseError::Destination(destination.map(str::to_owned)));
    }
    if let Some(issuer) = only_child(root, NS_SAML, "Issuer")?.map(xml::text)
        && issuer != expected.idp_entity_id
    {
        return Err(ResponseError::Issuer(Some(issuer)));
    }
    let issuer = only_child(assertion, NS_SAML, "Issuer")?.map(xml::text);
    if issuer.as_deref() != Some(expected.idp_entity_id) {
        return Err(ResponseError::Issuer(issuer));
    }

    let now = expected.now;
    let skew = expected.skew_secs;
    let mut expires_at = Timestamp::MAX;

    let conditions = only_child(assertion, NS_SAML, "Conditions")?.ok_or(ResponseError::Audience)?;
    if let Some(nb) = time_attr(conditions, "NotBefore")?
        && now.saturating_add(skew) < nb
    {
        return Err(ResponseError::NotYetValid);
    }
    if let Some(noa) = time_attr(conditions, "NotOnOrAfter")? {
        if now.saturating_sub(skew) >= noa {
            return Err(ResponseError::Expired);
        }
        expires_at = expires_at.min(noa);
    }
    // SAML Core 2.5.1: a condition we cannot evaluate makes the assertion Indeterminate, so it
    // cannot be relied on. OneTimeUse is met by the replay cache; ProxyRestriction only limits
    // what we may pass on, and we pass on no assertions.
    if let Some(unknown) = conditions.children().filter(Node::is_element).find(|c| {
        c.tag_name().namespace() != Some(NS_SAML)
            || !matches!(c.tag_name().name(), "AudienceRestriction" | "OneTimeUse" | "ProxyRestriction")
    }) {
        return Err(ResponseError::UnknownCondition(unknown.tag_name().name().to_owned()));
    }
    let restrictions: Vec<Node<'_, '_>> = children(conditions, NS_SAML, "AudienceRestriction").collect();
    if restrictions.is_empty()
        || !restrictions.iter().all(|r| children(*r, NS_SAML, "Audience").any(|a| xml::text(a) == expected.sp_entity_id))
    {
        return Err(ResponseError::Audience);
    }

    let subject = only_child(assertion, NS_SAML, "Subject")?.ok_or(ResponseError::NoNameId)?;
    let name_id_node = only_child(subject, NS_SAML, "NameID")?.ok_or(ResponseError::NoNameId)?;
    let name_id = xml::text(name_id_node);
    if name_id.is_empty() {
        return Err(ResponseError::NoNameId);
    }

    // The InResponseTo inside the signed assertion is the one that counts; the Response's own
    // (possibly unsigned) copy may only agree with it.
    let mut confirmed: Result<(Timestamp, Option<String>), ResponseError> = Err(ResponseError::SubjectConfirmation("none present"));
    for sc in children(subject, NS_SAML, "SubjectConfirmation").filter(|sc| sc.attribute("Method") == Some(BEARER)) {
        confirmed = check_confirmation(sc, expected);
        if confirmed.is_ok() {
            break;
        }
    }
    let (scd_expiry, in_response_to) = confirmed?;
    expires_at = expires_at.min(scd_expiry);
    if let Some(outer) = root.attribute("InResponseTo")
        && Some(outer) != in_response_to.as_deref()
    {
        return Err(ResponseError::InResponseTo);
    }

    let authn = only_child(assertion, NS_SAML, "AuthnStatement")?.ok_or(ResponseError::NoAuthnStatement)?;
    let session_index = authn.attribute("SessionIndex").map(str::to_owned);
    let authn_context_class = only_child(authn, NS_SAML, "AuthnContext")?
        .and_then(|c| only_child(c, NS_SAML, "AuthnContextClassRef").ok().flatten())
        .map(xml::text);

    let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for statement in children(assertion, NS_SAML, "AttributeStatement") {
        for attr in children(statement, NS_SAML, "Attribute") {
            let Some(name) = attr.attribute("Name") else { continue };
            let values = attributes.entry(name.to_owned()).or_default();
            values.extend(children(attr, NS_SAML, "AttributeValue").map(xml::text));
        }
    }

    Ok(VerifiedAssertion {
        assertion_id: assertion_id.to_owned(),
        issuer: expected.idp_entity_id.to_owned(),
        name_id,
        name_id_format: name_id_node.attribute("Format").map(str::to_owned),
        session_index,
        authn_context_class,
        attributes,
        in_response_to,
        expires_at,
    })
}

/// Checks one bearer SubjectConfirmation; returns its NotOnOrAfter and InResponseTo.
fn check_confirmation(sc: Node<'_, '_>, expected: &Expected<'_>) -> Result<(Timestamp, Option<String>), ResponseError> {
    let data = only_child(sc, NS_SAML, "SubjectConfirmationData")?.ok_or(ResponseError::SubjectConfirmation("no data"))?;
    if data.attribute("Recipient") != Some(expected.acs_url) {
        return Err(ResponseError::SubjectConfirmation("Recipient is not our ACS URL"));
    }
    if let Some(nb) = time_attr(data, "NotBefore")?
        && expected.now.saturating_add(expected.skew_secs) < nb
    {
        return Err(ResponseError::NotYetValid);
    }
    let noa = time_attr(data, "NotOnOrAfter")?.ok_or(ResponseError::SubjectConfirmation("no NotOnOrAfter"))?;
    if expected.now.saturating_sub(expected.skew_secs) >= noa {
        return Err(ResponseError::Expired);
    }
    let irt = data.attribute("InResponseTo");
    match (expected.in_response_to, irt) {
        (Some(want), Some(got)) if want == got => {}
        (Some(_), _) => return Err(ResponseError::InResponseTo),
        (None, None) if expected.allow_idp_initiated => {}
        (None, None) => return Err(ResponseError::Unsolicited),
        (None, Some(_)) => return Err(ResponseError::InResponseTo),
    }
    Ok((noa, irt.map(str::to_owned)))
}

//! The SAML protocol core (no web layer) against responses made and signed by a real IdP
//! (pysaml2 and xmlsec1): one good answer of each shape, then every refusal.

use serde_json::{Value, json};
use stile::auth::saml::metadata::{parse_idp, sp_metadata};
use stile::auth::saml::request::{AuthnRequestParams, redirect_url};
use stile::auth::saml::response::{Expected, ResponseError, decode_post, validate};
use stile::auth::saml::signature::SignatureError;
use stile::auth::saml::sp_key::{self, SpKey};
use stile::auth::saml::xml::XmlError;
use stile::clock::{Clock, SystemClock};

use crate::saml_idp::SamlIdp;

const ACS: &str = "https://stile.example/sso/saml/c1/acs";
const SP: &str = "https://stile.example/sso/saml/c1/metadata";
const REQ: &str = "_req0123456789";

fn base(extra: Value) -> Value {
    let mut v = json!({
        "acs": ACS,
        "sp_entity_id": SP,
        "request_id": REQ,
        "name_id": "jo@camden.example",
        "attributes": {
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": "Jo",
            "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups": ["inspectors", "staff"],
        },
        "authn_context": "http://schemas.microsoft.com/claims/multipleauthn",
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_accepts_signed_answers_and_refuses_every_forgery() {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let idp = SamlIdp::start().await;
    let md = parse_idp(&idp.metadata().await).unwrap();
    assert_eq!(md.sso_redirect_url, format!("{}/sso", idp.base));
    assert_eq!(md.certs.len(), 1);
    let now = SystemClock.now();
    let expected = Expected {
        acs_url: ACS,
        sp_entity_id: SP,
        idp_entity_id: &md.entity_id,
        certs: &md.certs,
        now,
        skew_secs: 60,
        in_response_to: Some(REQ),
        allow_idp_initiated: false,
    };

    // Signed assertion, signed response, both.
    for sign in ["assertion", "response", "both"] {
        let xml = idp.forge(base(json!({ "sign": sign }))).await;
        let a = validate(&xml, &expected).unwrap_or_else(|e| panic!("{sign}: {e}\n{xml}"));
        assert_eq!(a.name_id, "jo@camden.example");
        assert_eq!(a.in_response_to.as_deref(), Some(REQ));
        assert_eq!(a.authn_context_class.as_deref(), Some("http://schemas.microsoft.com/claims/multipleauthn"));
        assert_eq!(a.attributes["http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"], vec!["inspectors", "staff"]);
        assert!(a.expires_at > now && a.expires_at <= now + 301);
        assert!(a.session_index.is_some());
    }

    let refused = |extra: Value| base(extra);
    type Check = Box<dyn Fn(&ResponseError) -> bool>;
    let cases: Vec<(&str, Value, Check)> = vec![
        ("unsigned", refused(json!({"sign": "none"})), Box::new(|e| *e == ResponseError::Unsigned)),
        ("unknown key", refused(json!({"key": "unknown"})), Box::new(|e| *e == ResponseError::Signature(SignatureError::UnknownKey))),
        (
            "unknown key on the response",
            refused(json!({"key": "unknown", "sign": "response"})),
            Box::new(|e| *e == ResponseError::Signature(SignatureError::UnknownKey)),
        ),
        (
            "attribute changed after signing",
            refused(json!({"mutation": "tamper_attribute"})),
            Box::new(|e| *e == ResponseError::Signature(SignatureError::DigestMismatch)),
        ),
        (
            "NameID changed after signing",
            refused(json!({"mutation": "tamper_name_id", "sign": "response"})),
            Box::new(|e| *e == ResponseError::Signature(SignatureError::DigestMismatch)),
        ),
        (
            "second unsigned assertion after",
            refused(json!({"mutation": "second_assertion"})),
            Box::new(|e| *e == ResponseError::AssertionCount(2)),
        ),
        (
            "second unsigned assertion before",
            refused(json!({"mutation": "second_assertion_first"})),
            Box::new(|e| *e == ResponseError::AssertionCount(2)),
        ),
        (
            "signed assertion moved, evil one in place",
            refused(json!({"mutation": "moved"})),
            Box::new(|e| *e == ResponseError::AssertionCount(2)),
        ),
        (
            "signed assertion moved into Extensions",
            refused(json!({"mutation": "moved_only"})),
            Box::new(|e| *e == ResponseError::AssertionCount(1)),
        ),
        ("duplicated ID", refused(json!({"mutation": "duplicate_id"})), Box::new(|e| matches!(e, ResponseError::DuplicateId(_)))),
        ("DOCTYPE", refused(json!({"mutation": "doctype"})), Box::new(|e| *e == ResponseError::Xml(XmlError::Dtd))),
        ("wrong audience", refused(json!({"audience": "https://other.example/"})), Box::new(|e| *e == ResponseError::Audience)),
        (
            "a condition we cannot evaluate",
            refused(json!({"extra_condition": "<saml:Condition xmlns:x=\"urn:example\" xsi:type=\"x:Custom\"/>"})),
            Box::new(|e| matches!(e, ResponseError::UnknownCondition(c) if c == "Condition")),
        ),
        (
            "wrong destination",
            refused(json!({"destination": "https://other.example/acs"})),
            Box::new(|e| matches!(e, ResponseError::Destination(_))),
        ),
        (
            "wrong recipient",
            refused(json!({"recipient": "https://other.example/acs"})),
            Box::new(|e| matches!(e, ResponseError::SubjectConfirmation(_))),
        ),
        (
            "expired",
            refused(json!({"not_before_offset": -600, "not_on_or_after_offset": -120})),
            Box::new(|e| *e == ResponseError::Expired),
        ),
        (
            "not yet valid",
            refused(json!({"not_before_offset": 600, "not_on_or_after_offset": 900})),
            Box::new(|e| *e == ResponseError::NotYetValid),
        ),
        ("InResponseTo mismatch", refused(json!({"in_response_to": "_someone_elses"})), Box::new(|e| *e == ResponseError::InResponseTo)),
        ("unsolicited", refused(json!({"in_response_to": null})), Box::new(|e| *e == ResponseError::InResponseTo)),
        (
            "non-Success status",
            refused(json!({"status": "urn:oasis:names:tc:SAML:2.0:status:Responder"})),
            Box::new(|e| matches!(e, ResponseError::Status(s) if s.ends_with("Responder"))),
        ),
        (
            "non-Success status with an assertion",
            refused(json!({"status": "urn:oasis:names:tc:SAML:2.0:status:Requester", "mutation": "keep_assertion"})),
            Box::new(|e| matches!(e, ResponseError::Status(_))),
        ),
        ("another issuer", refused(json!({"issuer": "https://evil.example/"})), Box::new(|e| matches!(e, ResponseError::Issuer(_)))),
    ];
    for (name, params, check) in cases {
        let xml = idp.forge(params).await;
        match validate(&xml, &expected) {
            Ok(a) => panic!("{name}: accepted {a:?}\n{xml}"),
            Err(e) => assert!(check(&e), "{name}: refused for the wrong reason: {e:?}"),
        }
    }

    // IdP-initiated: only when the connection allows it, and then without InResponseTo.
    let unsolicited = idp.forge(base(json!({"in_response_to": null}))).await;
    let no_request = Expected { in_response_to: None, ..expected.clone() };
    assert_eq!(validate(&unsolicited, &no_request), Err(ResponseError::Unsolicited));
    let allowed = Expected { allow_idp_initiated: true, ..no_request.clone() };
    assert!(validate(&unsolicited, &allowed).is_ok());
    let solicited = idp.forge(base(json!({}))).await;
    assert_eq!(validate(&solicited, &allowed), Err(ResponseError::InResponseTo));

    // Skew: two minutes late is fine with a 180 s skew, not with 60 s.
    let late = idp.forge(base(json!({"not_on_or_after_offset": -120}))).await;
    assert_eq!(validate(&late, &expected), Err(ResponseError::Expired));
    assert!(validate(&late, &Expected { skew_secs: 180, ..expected.clone() }).is_ok());

    // Rollover: any configured certificate verifies; one the IdP does not use alone does not.
    let (_, other_der) = sp_key::generate("another certificate", now).unwrap();
    let other = stile::auth::saml::certs::TrustedCert::from_der(&other_der).unwrap();
    let both_certs = vec![other.clone(), md.certs[0].clone()];
    assert!(validate(&solicited, &Expected { certs: &both_certs, ..expected.clone() }).is_ok());
    let only_other = vec![other];
    assert_eq!(
        validate(&solicited, &Expected { certs: &only_other, ..expected.clone() }),
        Err(ResponseError::Signature(SignatureError::UnknownKey))
    );

    // ECDSA P-256 with SHA-256, from a configured EC certificate.
    let ec = vec![stile::auth::saml::certs::TrustedCert::from_text(&idp.ec_cert().await).unwrap()];
    let xml = idp.forge(base(json!({"key": "ec"}))).await;
    assert!(xml.contains("ecdsa-sha256"));
    let a = validate(&xml, &Expected { certs: &ec, ..expected.clone() }).unwrap_or_else(|e| panic!("ecdsa: {e}\n{xml}"));
    assert_eq!(a.name_id, "jo@camden.example");
    assert_eq!(validate(&xml, &expected), Err(ResponseError::Signature(SignatureError::UnknownKey)));
    // SHA-1 is refused even when the key is right.
    let sha1 = idp.forge(base(json!({"sig_alg": "http://www.w3.org/2000/09/xmldsig#rsa-sha1"}))).await;
    assert!(matches!(validate(&sha1, &expected), Err(ResponseError::Signature(SignatureError::Algorithm(_)))));

    // Base64 as posted.
    use base64::Engine;
    let posted = base64::engine::general_purpose::STANDARD.encode(solicited.as_bytes());
    assert_eq!(decode_post(&posted).unwrap(), solicited);
    assert_eq!(decode_post("not base64!"), Err(ResponseError::Encoding));
}

/// Our AuthnRequest (signed over the redirect query) through pysaml2's own IdP code, and its
/// answer — pysaml2's namespace prefixes and signature layout — through our validator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pysaml2_answers_our_signed_request() {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let idp = SamlIdp::start().await;
    let md = parse_idp(&idp.metadata().await).unwrap();
    let now = SystemClock.now();
    let (pkcs8, cert) = sp_key::generate("Stile SP test", now).unwrap();
    let key = SpKey::from_pkcs8(&pkcs8).unwrap();
    use base64::Engine;
    let cert_b64 = base64::engine::general_purpose::STANDARD.encode(&cert);
    idp.set_sp_metadata(&sp_metadata(SP, ACS, &cert_b64, true)).await;
    idp.set_next(json!({
        "name_id": "sam@camden.example",
        "attributes": {"http://schemas.microsoft.com/ws/2008/06/identity/claims/groups": ["inspectors"], "mail": "sam@camden.example"},
        "authn_context": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
        "sign_response": true,
    }))
    .await;
    let params = AuthnRequestParams {
        id: REQ,
        issue_instant: now,
        idp_sso_url: &md.sso_redirect_url,
        sp_entity_id: SP,
        acs_url: ACS,
        relay_state: "relay-1",
    };
    let url = redirect_url(&params, Some(&key)).unwrap();
    let (action, saml_response, relay) = idp.answer(&url).await;
    assert_eq!(action, ACS);
    assert_eq!(relay, "relay-1");
    let last = idp.last_request().await;
    assert_eq!(last["id"], REQ);
    assert_eq!(last["signature_verified"], true);

    let xml = decode_post(&saml_response).unwrap();
    assert_eq!(xml.matches("SignedInfo>").count(), 4, "pysaml2 signs the response and the assertion: {xml}");
    let expected = Expected {
        acs_url: ACS,
        sp_entity_id: SP,
        idp_entity_id: &md.entity_id,
        certs: &md.certs,
        now,
        skew_secs: 60,
        in_response_to: Some(REQ),
        allow_idp_initiated: false,
    };
    let a = validate(&xml, &expected).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(a.name_id, "sam@camden.example");
    assert_eq!(a.attributes["http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"], vec!["inspectors"]);

    // A request signed by a key the IdP does not know is refused by pysaml2.
    let (other, _) = sp_key::generate("someone else", now).unwrap();
    let url = redirect_url(&params, Some(&SpKey::from_pkcs8(&other).unwrap())).unwrap();
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.status(), 400, "a badly signed request must be refused by the IdP");
}

/// Edits an attacker can make to a genuinely signed response without breaking any signature:
/// comments (dropped by canonicalisation), and extra content in the parts a signature leaves
/// out — each is either harmless (the value read is the signed one) or refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_that_keep_the_signature_valid_are_harmless_or_refused() {
    if crate::harness::skip_in_fast_tier("Python") {
        return;
    }
    let idp = SamlIdp::start().await;
    let md = parse_idp(&idp.metadata().await).unwrap();
    let expected = Expected {
        acs_url: ACS,
        sp_entity_id: SP,
        idp_entity_id: &md.entity_id,
        certs: &md.certs,
        now: SystemClock.now(),
        skew_secs: 60,
        in_response_to: Some(REQ),
        allow_idp_initiated: false,
    };

    // Comment truncation: the IdP signed the attacker's own address; a comment after the
    // victim's part leaves the digest unchanged, and the whole signed value is still what is read.
    let own = "jo@camden.example.evil.test";
    for sign in ["assertion", "response"] {
        let xml = idp.forge(base(json!({ "name_id": own, "sign": sign }))).await;
        let cut = xml.replace(own, "jo@camden.example<!-- -->.evil.test");
        assert_ne!(cut, xml);
        let a = validate(&cut, &expected).unwrap_or_else(|e| panic!("{sign}: {e}\n{cut}"));
        assert_eq!(a.name_id, own, "{sign}");
    }

    let signed = idp.forge(base(json!({ "sign": "response" }))).await;
    let start = signed.find("<saml:Assertion").unwrap();
    let end = signed.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    let evil = signed[start..end].replace("jo@camden.example", "mallory@camden.example").replace(" ID=\"", " ID=\"x");
    // A second assertion hidden in the (unsigned) Object of the Response's signature.
    let in_object = signed.replacen("</ds:Signature>", &format!("<ds:Object>{evil}</ds:Object></ds:Signature>"), 1);
    assert_eq!(validate(&in_object, &expected), Err(ResponseError::AssertionCount(2)));

    let signed = idp.forge(base(json!({}))).await;
    let sig_start = signed.find("<ds:Signature").unwrap();
    let sig_end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &signed[sig_start..sig_end];
    // Two signatures in the assertion (the second one could sign something else).
    let twice = signed.replacen(signature, &format!("{signature}{signature}"), 1);
    assert!(matches!(validate(&twice, &expected), Err(ResponseError::Structure(_))));
    // A Reference to the whole document, or to nothing: refused before any key is tried.
    let uri_at = signed.find(" URI=\"").unwrap() + " URI=\"".len();
    let uri_end = uri_at + signed[uri_at..].find('"').unwrap();
    for uri in ["", "#", "#xpointer(/)"] {
        let other = format!("{}{uri}{}", &signed[..uri_at], &signed[uri_end..]);
        assert!(matches!(validate(&other, &expected), Err(ResponseError::Signature(_))), "URI {uri:?}");
    }
    // The assertion's ID written as `Id` (which some verifiers also accept): no ID, refused.
    let ass_id_at = signed.find("<saml:Assertion").unwrap();
    let renamed = format!("{}{}", &signed[..ass_id_at], signed[ass_id_at..].replacen(" ID=\"", " Id=\"", 1));
    assert_eq!(validate(&renamed, &expected), Err(ResponseError::NoAssertionId));

    // A long InclusiveNamespaces list (looked up at every element canonicalised) over a large
    // document: refused at once rather than worked through.
    let exc = "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>";
    let list: Vec<String> = (0..40_000).map(|i| format!("p{i}")).collect();
    let long_list = format!(
        "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"><ec:InclusiveNamespaces xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"{}\"/></ds:Transform>",
        list.join(" ")
    );
    let padding = "<saml:AttributeValue>x</saml:AttributeValue>".repeat(5_000);
    let heavy = signed.replacen(exc, &long_list, 1).replacen("</saml:Attribute>", &format!("{padding}</saml:Attribute>"), 1);
    assert!(heavy.len() < stile::auth::saml::xml::MAX_XML_BYTES);
    assert_eq!(
        validate(&heavy, &expected),
        Err(ResponseError::Signature(SignatureError::Malformed("InclusiveNamespaces"))),
        "refused for the list itself, before any canonicalisation"
    );
}

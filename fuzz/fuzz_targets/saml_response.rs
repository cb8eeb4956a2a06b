//! SAML: the POST binding's base64, XML parsing, exclusive canonicalisation, enveloped
//! signature checking, the whole response validation, and IdP metadata.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use stile::auth::saml::certs::TrustedCert;
use stile::auth::saml::response::{self, Expected};
use stile::auth::saml::{c14n, metadata, signature, sp_key, xml};

const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

#[allow(clippy::expect_used)]
fn certs() -> &'static [TrustedCert] {
    static CERTS: OnceLock<Vec<TrustedCert>> = OnceLock::new();
    CERTS.get_or_init(|| {
        let (_, der) = sp_key::generate("fuzz idp", NOW - 86_400).expect("key");
        vec![TrustedCert::from_der(&der).expect("cert")]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let certs = certs();
    let expected = Expected {
        acs_url: "https://stile.example/sso/saml/acs",
        sp_entity_id: "https://stile.example/saml",
        idp_entity_id: "https://idp.example/saml",
        certs,
        now: NOW,
        skew_secs: 120,
        in_response_to: Some("_req1"),
        allow_idp_initiated: false,
    };
    let _ = response::validate(text, &expected);
    let _ = response::decode_post(text);
    let _ = metadata::parse_idp(text);
    let _ = TrustedCert::from_text(text);
    if let Ok(doc) = xml::parse(text) {
        let _ = c14n::exclusive(&doc, doc.root_element(), None, &[]);
        for sig in doc.descendants().filter(|n| xml::is(*n, xml::NS_DS, "Signature")) {
            let _ = signature::verify_enveloped(&doc, sig, certs);
            if let Some(parent) = sig.parent_element() {
                let _ = c14n::exclusive(&doc, parent, Some(sig.id()), &["saml".to_owned(), "xs".to_owned()]);
            }
        }
    }
});

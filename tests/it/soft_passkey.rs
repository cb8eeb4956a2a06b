//! A software passkey for the tests: an ES256 key (aws-lc-rs) and just enough CBOR to write an
//! attestation object, answering the options Stile's pages carry as a browser would. Each knob
//! (relying party id, origin, counter, user verification) can be set wrong on purpose.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub struct SoftPasskey {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    /// The user handle the site gave at registration (returned by discoverable sign-in).
    pub user_handle: Option<Vec<u8>>,
    pub counter: u32,
    pub rp_id: String,
    pub origin: String,
    /// Whether the key says it verified the person (PIN, biometrics).
    pub user_verified: bool,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).unwrap()
}

/// CBOR (RFC 8949) item heads and the few kinds of item WebAuthn needs.
fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    if n < 24 {
        out.push(m | n as u8);
    } else if n < 256 {
        out.extend([m | 24, n as u8]);
    } else {
        out.push(m | 25);
        out.extend((n as u16).to_be_bytes());
    }
}

fn int(out: &mut Vec<u8>, v: i64) {
    if v >= 0 { head(out, 0, v as u64) } else { head(out, 1, (-1 - v) as u64) }
}

fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    head(out, 2, b.len() as u64);
    out.extend(b);
}

fn text(out: &mut Vec<u8>, s: &str) {
    head(out, 3, s.len() as u64);
    out.extend(s.as_bytes());
}

impl SoftPasskey {
    pub fn new(rp_id: &str, origin: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        let mut credential_id = vec![0u8; 32];
        aws_lc_rs::rand::fill(&mut credential_id).unwrap();
        SoftPasskey {
            key,
            credential_id,
            user_handle: None,
            counter: 0,
            rp_id: rp_id.to_owned(),
            origin: origin.to_owned(),
            user_verified: true,
        }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false })).unwrap()
    }

    fn flags(&self, attested: bool) -> u8 {
        let mut f = 0x01; // user present
        if self.user_verified {
            f |= 0x04;
        }
        if attested {
            f |= 0x40;
        }
        f
    }

    fn cose_key(&self) -> Vec<u8> {
        let public = self.key.public_key().as_ref();
        let (x, y) = (&public[1..33], &public[33..65]);
        let mut out = Vec::new();
        head(&mut out, 5, 5);
        int(&mut out, 1);
        int(&mut out, 2); // kty: EC2
        int(&mut out, 3);
        int(&mut out, -7); // alg: ES256
        int(&mut out, -1);
        int(&mut out, 1); // crv: P-256
        int(&mut out, -2);
        bytes(&mut out, x);
        int(&mut out, -3);
        bytes(&mut out, y);
        out
    }

    /// Answers `navigator.credentials.create({publicKey: options})`: the JSON a page posts.
    pub fn register(&mut self, options: &Value) -> String {
        let challenge = options["challenge"].as_str().unwrap();
        self.user_handle = options["user"]["id"].as_str().map(unb64);
        let client_data = self.client_data("webauthn.create", challenge);
        let mut auth_data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags(true));
        auth_data.extend(self.counter.to_be_bytes());
        auth_data.extend([0u8; 16]); // aaguid
        auth_data.extend((self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend(&self.credential_id);
        auth_data.extend(self.cose_key());
        let mut att = Vec::new();
        head(&mut att, 5, 3);
        text(&mut att, "fmt");
        text(&mut att, "none");
        text(&mut att, "attStmt");
        head(&mut att, 5, 0);
        text(&mut att, "authData");
        bytes(&mut att, &auth_data);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "extensions": {},
            "response": { "attestationObject": b64(&att), "clientDataJSON": b64(&client_data) },
        })
        .to_string()
    }

    /// Answers `navigator.credentials.get({publicKey: options})`, counting up first.
    pub fn assert(&mut self, options: &Value) -> String {
        self.counter += 1;
        self.assert_with_counter(options, self.counter)
    }

    /// An answer showing `counter` (a clone or a replay shows an old one).
    pub fn assert_with_counter(&self, options: &Value, counter: u32) -> String {
        let challenge = options["challenge"].as_str().unwrap();
        let client_data = self.client_data("webauthn.get", challenge);
        let mut auth_data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags(false));
        auth_data.extend(counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature = self.key.sign(&SystemRandom::new(), &signed).unwrap();
        let mut response = json!({
            "authenticatorData": b64(&auth_data),
            "clientDataJSON": b64(&client_data),
            "signature": b64(signature.as_ref()),
        });
        if let Some(h) = &self.user_handle {
            response["userHandle"] = json!(b64(h));
        }
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "extensions": {},
            "response": response,
        })
        .to_string()
    }
}

//! XML-DSig verification of an enveloped signature, pinned to what SAML IdPs use: exclusive
//! C14N, the enveloped-signature transform, SHA-256/384/512 digests and RSA (or ECDSA P-256)
//! with SHA-256 or stronger. Keys come only from the connection's configured certificates;
//! whatever KeyInfo the message carries is never read.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use roxmltree::{Document, Node, NodeId};
use subtle::ConstantTimeEq;

use super::c14n;
use super::certs::{KeyKind, TrustedCert};
use super::xml::{NS_DS, NS_EXC_C14N, children, only_child};

const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the signature is malformed: {0}")]
    Malformed(&'static str),
    #[error("canonicalisation method {0} is not accepted")]
    Canonicalisation(String),
    #[error("signature algorithm {0} is not accepted")]
    Algorithm(String),
    #[error("digest algorithm {0} is not accepted")]
    Digest(String),
    #[error("transform {0} is not accepted")]
    Transform(String),
    #[error("the signature must have exactly one reference, to the element that holds it")]
    Reference,
    #[error("the digest of the signed element does not match")]
    DigestMismatch,
    #[error("the signature was not made by any configured certificate")]
    UnknownKey,
}

#[derive(Clone, Copy)]
enum SigAlg {
    Rsa(&'static signature::RsaParameters),
    EcdsaP256,
}

fn sig_alg(uri: &str) -> Result<SigAlg, SignatureError> {
    match uri {
        RSA_SHA256 => Ok(SigAlg::Rsa(&signature::RSA_PKCS1_2048_8192_SHA256)),
        RSA_SHA384 => Ok(SigAlg::Rsa(&signature::RSA_PKCS1_2048_8192_SHA384)),
        RSA_SHA512 => Ok(SigAlg::Rsa(&signature::RSA_PKCS1_2048_8192_SHA512)),
        ECDSA_SHA256 => Ok(SigAlg::EcdsaP256),
        other => Err(SignatureError::Algorithm(other.to_owned())),
    }
}

fn digest_alg(uri: &str) -> Result<&'static digest::Algorithm, SignatureError> {
    match uri {
        SHA256 => Ok(&digest::SHA256),
        SHA384 => Ok(&digest::SHA384),
        SHA512 => Ok(&digest::SHA512),
        other => Err(SignatureError::Digest(other.to_owned())),
    }
}

fn algorithm_of<'a>(node: Node<'a, '_>) -> Result<&'a str, SignatureError> {
    node.attribute("Algorithm").ok_or(SignatureError::Malformed("Algorithm missing"))
}

fn one<'a, 'i>(node: Node<'a, 'i>, local: &'static str) -> Result<Node<'a, 'i>, SignatureError> {
    only_child(node, NS_DS, local).map_err(|_| SignatureError::Malformed(local))?.ok_or(SignatureError::Malformed(local))
}

/// Prefixes an `InclusiveNamespaces` list may name: real ones name two or three. Each is looked
/// up at every element canonicalised, so a long list would make canonicalisation slow.
const MAX_INCLUSIVE_PREFIXES: usize = 32;

/// `PrefixList` of an `ec:InclusiveNamespaces` child, if any.
fn inclusive_prefixes(node: Node<'_, '_>) -> Result<Vec<String>, SignatureError> {
    let mut list: Vec<String> = node
        .children()
        .find(|c| super::xml::is(*c, NS_EXC_C14N, "InclusiveNamespaces"))
        .and_then(|c| c.attribute("PrefixList"))
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    list.sort();
    list.dedup();
    if list.len() > MAX_INCLUSIVE_PREFIXES {
        return Err(SignatureError::Malformed("InclusiveNamespaces"));
    }
    Ok(list)
}

fn decode_b64(text: &str) -> Result<Vec<u8>, SignatureError> {
    let joined: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(joined).map_err(|_| SignatureError::Malformed("base64"))
}

/// Verifies the enveloped signature `sig` (a `ds:Signature` element) against `trusted`, and
/// returns the id of the element it covers: always the signature's parent, whose `ID` the one
/// Reference must name. The caller reads data only from that element.
pub fn verify_enveloped(doc: &Document<'_>, sig: Node<'_, '_>, trusted: &[TrustedCert]) -> Result<NodeId, SignatureError> {
    let signed = sig.parent_element().ok_or(SignatureError::Reference)?;
    let signed_id = signed.attribute("ID").ok_or(SignatureError::Reference)?;

    let info = one(sig, "SignedInfo")?;
    let c14n_method = one(info, "CanonicalizationMethod")?;
    let c14n_alg = algorithm_of(c14n_method)?;
    if c14n_alg != NS_EXC_C14N {
        return Err(SignatureError::Canonicalisation(c14n_alg.to_owned()));
    }
    let alg = sig_alg(algorithm_of(one(info, "SignatureMethod")?)?)?;

    let mut refs = children(info, NS_DS, "Reference");
    let reference = refs.next().ok_or(SignatureError::Reference)?;
    if refs.next().is_some() {
        return Err(SignatureError::Reference);
    }
    let uri = reference.attribute("URI").ok_or(SignatureError::Reference)?;
    if uri.strip_prefix('#') != Some(signed_id) {
        return Err(SignatureError::Reference);
    }

    // Exactly: enveloped-signature, then exclusive C14N.
    let transforms: Vec<Node<'_, '_>> =
        match only_child(reference, NS_DS, "Transforms").map_err(|_| SignatureError::Malformed("Transforms"))? {
            Some(t) => children(t, NS_DS, "Transform").collect(),
            None => Vec::new(),
        };
    let ref_prefixes = match transforms.as_slice() {
        [env, exc] => {
            let (a, b) = (algorithm_of(*env)?, algorithm_of(*exc)?);
            if a != ENVELOPED {
                return Err(SignatureError::Transform(a.to_owned()));
            }
            if b != NS_EXC_C14N {
                return Err(SignatureError::Transform(b.to_owned()));
            }
            inclusive_prefixes(*exc)?
        }
        [only] => return Err(SignatureError::Transform(algorithm_of(*only)?.to_owned())),
        _ => return Err(SignatureError::Transform("(missing or too many)".into())),
    };

    let digest_method = digest_alg(algorithm_of(one(reference, "DigestMethod")?)?)?;
    let expected = decode_b64(&super::xml::text(one(reference, "DigestValue")?))?;

    // The key first: the small SignedInfo is canonicalised before the (possibly large) signed
    // element, so a message nobody trusted signed costs little.
    let signed_info = c14n::exclusive(doc, info, None, &inclusive_prefixes(c14n_method)?);
    let value = decode_b64(&super::xml::text(one(sig, "SignatureValue")?))?;
    let ok = trusted.iter().any(|cert| match (alg, cert.kind) {
        (SigAlg::Rsa(params), KeyKind::Rsa) => {
            UnparsedPublicKey::new(params, &cert.public_key).verify(signed_info.as_bytes(), &value).is_ok()
        }
        (SigAlg::EcdsaP256, KeyKind::EcP256) => {
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &cert.public_key).verify(signed_info.as_bytes(), &value).is_ok()
        }
        _ => false,
    });
    if !ok {
        return Err(SignatureError::UnknownKey);
    }

    let canonical = c14n::exclusive(doc, signed, Some(sig.id()), &ref_prefixes);
    let actual = digest::digest(digest_method, canonical.as_bytes());
    if !bool::from(actual.as_ref().ct_eq(expected.as_slice())) {
        return Err(SignatureError::DigestMismatch);
    }
    Ok(signed.id())
}

//! IdP signing certificates: parsed once when a connection is saved or loaded, kept as the DER
//! bytes (for comparison and display) and the public key the signature check uses.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use x509_cert::Certificate;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{Decode, Encode};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CertError {
    #[error("the certificate is not valid base64 or PEM")]
    Encoding,
    #[error("the certificate cannot be parsed as X.509")]
    Parse,
    #[error("the certificate's key is neither RSA nor ECDSA P-256")]
    KeyType,
    #[error("the certificate's RSA key is shorter than 2048 bits (or longer than 8192)")]
    KeySize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    EcP256,
}

#[derive(Clone, PartialEq, Eq)]
pub struct TrustedCert {
    pub der: Vec<u8>,
    pub kind: KeyKind,
    /// PKCS#1 RSAPublicKey or the uncompressed EC point: what aws-lc verifies with.
    pub public_key: Vec<u8>,
}

impl std::fmt::Debug for TrustedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedCert").field("kind", &self.kind).field("sha256", &self.fingerprint()).finish()
    }
}

impl TrustedCert {
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let cert = Certificate::from_der(der).map_err(|_| CertError::Parse)?;
        let spki = &cert.tbs_certificate.subject_public_key_info;
        let kind = if spki.algorithm.oid == RSA_ENCRYPTION {
            KeyKind::Rsa
        } else if spki.algorithm.oid == EC_PUBLIC_KEY
            && spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok()) == Some(P256)
        {
            KeyKind::EcP256
        } else {
            return Err(CertError::KeyType);
        };
        // Signatures by shorter keys are refused when checked; say so when the certificate is
        // configured rather than let every sign-in fail later.
        if kind == KeyKind::Rsa {
            let spki_der = spki.to_der().map_err(|_| CertError::Parse)?;
            aws_lc_rs::rsa::PublicEncryptingKey::from_der(&spki_der).map_err(|_| CertError::KeySize)?;
        }
        let public_key = spki.subject_public_key.as_bytes().ok_or(CertError::Parse)?.to_vec();
        Ok(Self { der: der.to_vec(), kind, public_key })
    }

    /// From base64 DER (as in metadata's `X509Certificate`) or a PEM block.
    pub fn from_text(text: &str) -> Result<Self, CertError> {
        let body: String =
            text.lines().filter(|l| !l.trim_start().starts_with("-----")).flat_map(|l| l.chars()).filter(|c| !c.is_whitespace()).collect();
        let der = STANDARD.decode(body).map_err(|_| CertError::Encoding)?;
        Self::from_der(&der)
    }

    /// Base64 DER, as stored in the connection's config and written into metadata.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.der)
    }

    /// SHA-256 fingerprint in colon-separated hex, as IdP admin consoles show it.
    pub fn fingerprint(&self) -> String {
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &self.der);
        d.as_ref().iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate for an RSA-1024 key (openssl req -x509 -newkey rsa:1024).
    const RSA_1024: &str = "MIIB+jCCAWOgAwIBAgIUFKkMJPk3mK/NwkdRJjy6Db09kxUwDQYJKoZIhvcNAQELBQAwDzENMAsGA1UEAwwEd2VhazAeFw0yNjExMjIyMDMyMDZaFw0zNjExMTkyMDMyMDZaMA8xDTALBgNVBAMMBHdlYWswgZ8wDQYJKoZIhvcNAQEBBQADgY0AMIGJAoGBAOPis4y8fcg8iWcTv9rEqD/aJoqHmJsvCUvEsCQv7jWD9KHok9C8NyPrYn+0ADNSLcK3SV/tNsRkj+IRTJo0FJKUnQE2RTe6mES6XC+y3LfYs5lGIbiW2HeEeZ9CwH5vGf7PcmXE+KjBYQsSYJhXBVf1QJSVPQRPclAeqtaUsTmBAgMBAAGjUzBRMB0GA1UdDgQWBBSMFn+oWV7bxBOPk+A0LJUmSgsSYzAfBgNVHSMEGDAWgBSMFn+oWV7bxBOPk+A0LJUmSgsSYzAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4GBAD6VezKGsgETPNOopSgoMItRQIkSLCoA0VIHBblq3ysi5TwR89nUcu1gpyu72u6SQxYSmEGzTOE+rcpbp2q9BktK4jSdMUjIFCLPUQWxkD0ZxkXqUkJ08IYRbOP3P64ufzmW9lGDlwT5HW8P3ottF5/nBAVqvS5WjDTirVbbGwyg";

    #[test]
    fn short_rsa_keys_are_refused_when_configured() {
        assert_eq!(TrustedCert::from_text(RSA_1024), Err(CertError::KeySize));
        let (_, der) = super::super::sp_key::generate("ok", 1_700_000_000).unwrap();
        assert_eq!(TrustedCert::from_der(&der).map(|c| c.kind), Ok(KeyKind::Rsa));
    }
}

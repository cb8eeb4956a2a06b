//! The service provider's own key pair (one per connection): signs AuthnRequests when the IdP
//! wants them signed, and its self-signed certificate goes into our SP metadata. The private
//! key is stored only encrypted under the master key, bound to the connection id.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, RsaKeyPair};
use zeroize::Zeroizing;

use crate::clock::Timestamp;

#[derive(Debug, thiserror::Error)]
pub enum SpKeyError {
    #[error("key generation failed")]
    Generate,
    #[error("the stored SP key cannot be parsed")]
    Parse,
    #[error("the SP certificate cannot be made")]
    Certificate,
    #[error("signing failed")]
    Sign,
}

pub struct SpKey {
    key: RsaKeyPair,
}

impl std::fmt::Debug for SpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpKey([redacted])")
    }
}

/// A new RSA-2048 key (PKCS#8) and a self-signed certificate for it, valid ten years from `now`.
pub fn generate(common_name: &str, now: Timestamp) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), SpKeyError> {
    let kp = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| SpKeyError::Generate)?;
    let pkcs8 = Zeroizing::new(kp.as_der().map_err(|_| SpKeyError::Generate)?.as_ref().to_vec());
    let cert = self_signed(&pkcs8, common_name, now)?;
    Ok((pkcs8, cert))
}

fn self_signed(pkcs8: &[u8], common_name: &str, now: Timestamp) -> Result<Vec<u8>, SpKeyError> {
    let der = rustls_pki_types::PrivatePkcs8KeyDer::from(pkcs8);
    let key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_RSA_SHA256).map_err(|_| SpKeyError::Certificate)?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|_| SpKeyError::Certificate)?;
    params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
    let start = time::OffsetDateTime::from_unix_timestamp(now.saturating_sub(3600)).map_err(|_| SpKeyError::Certificate)?;
    params.not_before = start;
    params.not_after = start.saturating_add(time::Duration::days(3650));
    let cert = params.self_signed(&key).map_err(|_| SpKeyError::Certificate)?;
    Ok(cert.der().to_vec())
}

impl SpKey {
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, SpKeyError> {
        RsaKeyPair::from_pkcs8(pkcs8).map(|key| Self { key }).map_err(|_| SpKeyError::Parse)
    }

    pub fn sign_rsa_sha256(&self, message: &[u8]) -> Result<Vec<u8>, SpKeyError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig).map_err(|_| SpKeyError::Sign)?;
        Ok(sig)
    }
}

#[cfg(test)]
mod tests {
    use super::super::certs::TrustedCert;
    use super::*;

    #[test]
    fn certificate_carries_the_signing_key() {
        let (pkcs8, cert) = generate("Stile SP", 1_700_000_000).unwrap();
        let key = SpKey::from_pkcs8(&pkcs8).unwrap();
        let sig = key.sign_rsa_sha256(b"query").unwrap();
        let trusted = TrustedCert::from_der(&cert).unwrap();
        signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &trusted.public_key).verify(b"query", &sig).unwrap();
    }
}

//! A SAML connection's protocol settings, stored as JSON in `upstream_connections.config`. The
//! SP private key is not here: it is in `secret_encrypted`, under the master key.

use serde::{Deserialize, Serialize};

use super::certs::{CertError, TrustedCert};
use super::metadata::IdpMetadata;

/// Clock difference tolerated between the IdP and us, by default.
pub const DEFAULT_SKEW_SECS: i64 = 120;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlConfig {
    pub idp_entity_id: String,
    /// Where AuthnRequests go (HTTP-Redirect binding).
    pub idp_sso_url: String,
    /// The IdP's signing certificates, base64 DER. More than one during a rollover.
    pub idp_certificates: Vec<String>,
    /// Sign AuthnRequests (RSA-SHA256) with the SP key.
    #[serde(default)]
    pub sign_requests: bool,
    /// Our SP certificate, base64 DER (published in our metadata).
    #[serde(default)]
    pub sp_certificate: String,
    #[serde(default = "default_skew")]
    pub clock_skew_secs: i64,
}

fn default_skew() -> i64 {
    DEFAULT_SKEW_SECS
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SamlConfigError {
    #[error("The IdP entity id must not be empty.")]
    NoEntityId,
    #[error("The IdP sign-in URL must be an https URL (http only for localhost): {0:?}.")]
    BadSsoUrl(String),
    #[error("The IdP has no signing certificate, so its responses could not be checked; import metadata that has one.")]
    NoCertificate,
    #[error("An IdP signing certificate cannot be used: {0}")]
    BadCertificate(CertError),
    #[error("The clock skew must be between 0 and 600 seconds.")]
    BadSkew,
}

impl SamlConfig {
    pub fn from_metadata(md: &IdpMetadata, sign_requests: bool) -> Self {
        SamlConfig {
            idp_entity_id: md.entity_id.clone(),
            idp_sso_url: md.sso_redirect_url.clone(),
            idp_certificates: md.certs.iter().map(TrustedCert::to_base64).collect(),
            // An IdP that asks for signed requests gets them whatever the operator said.
            sign_requests: sign_requests || md.wants_signed_requests,
            sp_certificate: String::new(),
            clock_skew_secs: DEFAULT_SKEW_SECS,
        }
    }

    /// The configured IdP certificates, parsed.
    pub fn trusted_certs(&self) -> Result<Vec<TrustedCert>, SamlConfigError> {
        self.idp_certificates.iter().map(|c| TrustedCert::from_text(c).map_err(SamlConfigError::BadCertificate)).collect()
    }

    pub fn check(&mut self) -> Result<(), SamlConfigError> {
        self.idp_entity_id = self.idp_entity_id.trim().to_owned();
        if self.idp_entity_id.is_empty() {
            return Err(SamlConfigError::NoEntityId);
        }
        self.idp_sso_url = self.idp_sso_url.trim().to_owned();
        let bad = || SamlConfigError::BadSsoUrl(self.idp_sso_url.clone());
        let u = url::Url::parse(&self.idp_sso_url).map_err(|_| bad())?;
        let local = matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        if !(u.scheme() == "https" || (u.scheme() == "http" && local)) || u.fragment().is_some() {
            return Err(bad());
        }
        if self.idp_certificates.is_empty() {
            return Err(SamlConfigError::NoCertificate);
        }
        self.trusted_certs()?;
        if !(0..=600).contains(&self.clock_skew_secs) {
            return Err(SamlConfigError::BadSkew);
        }
        Ok(())
    }
}

//! SAML connections: importing the IdP's metadata (a file, or a URL fetched once), creating the
//! connection with its own SP key pair, and the SP's URLs and metadata.

use zeroize::Zeroizing;

use super::connection::{Connection, KindConfig, Mode, secret_context};
use crate::app::AppState;
use crate::saml::config::SamlConfig;
use crate::saml::metadata::{self, IdpMetadata, MetadataError};
use crate::saml::sp_key::{self, SpKey, SpKeyError};
use crate::tokens::master_key::MasterKeyError;

/// Largest metadata document we fetch or read (federation aggregates are refused: point Stile
/// at the one IdP's metadata).
const MAX_METADATA_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SamlAdminError {
    #[error("The IdP metadata is not usable: {0}")]
    Metadata(#[from] MetadataError),
    #[error("The IdP metadata could not be read from {0}: {1}")]
    Read(String, String),
    #[error("The SP key could not be made or used.")]
    SpKey(#[from] SpKeyError),
    #[error(transparent)]
    Crypto(#[from] MasterKeyError),
    #[error("This is not a SAML connection.")]
    NotSaml,
}

/// Whether `source` names metadata to fetch rather than a file; and if so, refuses plain http
/// except on this machine: the metadata carries the certificates every later response is checked
/// against, so whoever could change it in transit could sign in as anyone.
fn metadata_url(source: &str) -> Result<Option<url::Url>, SamlAdminError> {
    if !(source.starts_with("https://") || source.starts_with("http://")) {
        return Ok(None);
    }
    let fail = |why: &str| SamlAdminError::Read(source.to_owned(), why.to_owned());
    let u = url::Url::parse(source).map_err(|_| fail("it is not a valid URL"))?;
    let local = matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if u.scheme() != "https" && !local {
        return Err(fail("metadata must be fetched over https (plain http only from localhost)"));
    }
    Ok(Some(u))
}

/// Reads IdP metadata from an http(s) URL (fetched once, now) or a file.
pub async fn read_metadata(state: &AppState, source: &str) -> Result<IdpMetadata, SamlAdminError> {
    let text = if let Some(u) = metadata_url(source)? {
        let fail = |why: String| SamlAdminError::Read(source.to_owned(), why);
        let too_large = || fail("the document is larger than 1 MiB".into());
        let mut res = state.http.get(u).send().await.map_err(|e| fail(format!("request failed ({e})")))?;
        if !res.status().is_success() {
            return Err(fail(format!("the server answered {}", res.status())));
        }
        // Read in chunks so that an endless answer is cut off at the limit, not held in memory.
        if res.content_length().is_some_and(|l| l > MAX_METADATA_BYTES as u64) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| fail(format!("reading the answer failed ({e})")))? {
            if bytes.len().saturating_add(chunk.len()) > MAX_METADATA_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        String::from_utf8(bytes).map_err(|_| fail("the document is not UTF-8".into()))?
    } else {
        let meta = std::fs::metadata(source).map_err(|e| SamlAdminError::Read(source.to_owned(), e.to_string()))?;
        if meta.len() > MAX_METADATA_BYTES as u64 {
            return Err(SamlAdminError::Read(source.to_owned(), "the file is larger than 1 MiB".into()));
        }
        std::fs::read_to_string(source).map_err(|e| SamlAdminError::Read(source.to_owned(), e.to_string()))?
    };
    Ok(metadata::parse_idp(&text)?)
}

/// A new SAML connection (`stile connection add-saml`, the admin UI and API).
#[derive(Debug)]
pub struct NewSaml {
    pub name: String,
    /// The body's id.
    pub body: String,
    pub idp: IdpMetadata,
    pub domains: Vec<String>,
    pub mode: Mode,
    pub show_button: bool,
    pub trust_upstream_mfa: bool,
    pub jit: bool,
    pub sign_requests: bool,
    pub allow_idp_initiated: bool,
}

/// A new SAML connection with its own new SP key, not yet saved (`admin::ops::connections`
/// checks and saves it).
pub fn draft_saml(state: &AppState, n: NewSaml) -> Result<Connection, SamlAdminError> {
    let mut config = SamlConfig::from_metadata(&n.idp, n.sign_requests);
    let mut c = super::draft(state, &n.name, &n.body, KindConfig::Saml(config.clone()));
    let (pkcs8, cert) = sp_key::generate(&format!("Stile SP {}", n.name.trim()), state.now())?;
    config.sp_certificate = base64_der(&cert);
    c.config = KindConfig::Saml(config);
    c.secret_encrypted = Some(state.master_key.encrypt(&pkcs8, &secret_context(&c.id), &*state.rng)?);
    c.domains = n.domains;
    c.mode = n.mode;
    c.show_button = n.show_button;
    c.trust_upstream_mfa = n.trust_upstream_mfa;
    c.jit = n.jit;
    c.allow_idp_initiated = n.allow_idp_initiated;
    Ok(c)
}

fn base64_der(der: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// The SP key of a SAML connection, decrypted for signing.
pub fn sp_key(state: &AppState, c: &Connection) -> Result<SpKey, SamlAdminError> {
    let enc = c.secret_encrypted.as_deref().ok_or(SamlAdminError::SpKey(SpKeyError::Parse))?;
    let pkcs8: Zeroizing<Vec<u8>> = state.master_key.decrypt(enc, &secret_context(&c.id))?;
    Ok(SpKey::from_pkcs8(&pkcs8)?)
}

/// Our entity id (the metadata URL, as most IdPs expect) and ACS URL for a connection.
pub fn sp_urls(state: &AppState, connection_id: &str) -> (String, String) {
    let base = state.settings.server.issuer.trim_end_matches('/');
    (format!("{base}/sso/saml/{connection_id}/metadata"), format!("{base}/sso/saml/{connection_id}/acs"))
}

/// Our SP metadata for a SAML connection.
pub fn sp_metadata(state: &AppState, c: &Connection) -> Result<String, SamlAdminError> {
    let cfg = c.saml().ok_or(SamlAdminError::NotSaml)?;
    let (entity_id, acs) = sp_urls(state, &c.id);
    Ok(metadata::sp_metadata(&entity_id, &acs, &cfg.sp_certificate, cfg.sign_requests))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_fetched_over_https_only() {
        assert!(matches!(metadata_url("http://idp.camden.example/metadata"), Err(SamlAdminError::Read(..))));
        assert!(matches!(metadata_url("http://10.0.0.5/metadata"), Err(SamlAdminError::Read(..))));
        assert!(matches!(metadata_url("https://idp.camden.example/metadata"), Ok(Some(_))));
        assert!(matches!(metadata_url("http://127.0.0.1:8080/metadata"), Ok(Some(_))));
        assert!(matches!(metadata_url("http://localhost/metadata"), Ok(Some(_))));
        assert!(matches!(metadata_url("/etc/stile/idp.xml"), Ok(None)));
    }
}

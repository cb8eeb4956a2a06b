//! Upstream OIDC discovery documents (with their JWKS), cached per connection for the
//! connection's TTL. A service `AppState` holds; the sign-in that uses it is
//! `crate::auth::upstream_oidc`.

use std::collections::HashMap;
use std::sync::Mutex;

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{AdditionalProviderMetadata, ProviderMetadata};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::Timestamp;

/// RFC 9207's discovery field: whether the IdP names itself (`iss`) in authorization responses.
/// Anything but JSON `true` counts as "no", so an odd value cannot break discovery.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct IssParameter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authorization_response_iss_parameter_supported: Option<Value>,
}

impl IssParameter {
    pub fn supported(&self) -> bool {
        matches!(self.authorization_response_iss_parameter_supported, Some(Value::Bool(true)))
    }
}

impl AdditionalProviderMetadata for IssParameter {}

/// An IdP's discovery document, with the RFC 9207 field that the core type leaves out.
pub type Metadata = ProviderMetadata<
    IssParameter,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// Discovery documents (with their JWKS) per connection, kept for the connection's TTL.
#[derive(Default)]
pub struct DiscoveryCache {
    entries: Mutex<HashMap<String, (Timestamp, String, Metadata)>>,
}

impl std::fmt::Debug for DiscoveryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DiscoveryCache")
    }
}

impl DiscoveryCache {
    pub(crate) fn get(&self, conn_id: &str, issuer: &str, now: Timestamp, ttl: i64) -> Option<Metadata> {
        let entries = self.entries.lock().ok()?;
        let (at, iss, md) = entries.get(conn_id)?;
        (iss == issuer && now - at < ttl).then(|| md.clone())
    }
    pub(crate) fn put(&self, conn_id: &str, issuer: &str, now: Timestamp, md: &Metadata) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(conn_id.to_owned(), (now, issuer.to_owned(), md.clone()));
        }
    }
}

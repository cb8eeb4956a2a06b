//! Upstream SAML 2.0 with Stile as the service provider: the protocol only (XML, canonicalisation,
//! signatures, certificates, metadata, AuthnRequests, responses, the SP key), no HTTP framework and
//! no database. `response::validate` is the gate every assertion passes. It sits at the bottom so
//! that the connection record (`crate::connection`), the store and `sso` can use its types; turning
//! a verified assertion into an identity is `crate::auth::saml::profile`.

pub mod c14n;
pub mod certs;
pub mod config;
pub mod metadata;
pub mod request;
pub mod response;
pub mod signature;
pub mod sp_key;
pub mod xml;

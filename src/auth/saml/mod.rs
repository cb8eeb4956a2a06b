//! Upstream SAML 2.0 with Stile as the service provider: protocol only, no HTTP framework.
//! `response::validate` is the gate every assertion passes; `profile` turns a verified
//! assertion into the identity facts the SSO layer links and maps.

pub mod c14n;
pub mod certs;
pub mod config;
pub mod metadata;
pub mod profile;
pub mod request;
pub mod response;
pub mod signature;
pub mod sp_key;
pub mod xml;

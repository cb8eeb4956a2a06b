//! Upstream SAML 2.0 as sign-in sees it: the protocol lives in [`crate::saml`] (re-exported here
//! under its old paths); `profile` turns a verified assertion into the identity facts the SSO
//! layer links and maps.

pub mod profile;

pub use crate::saml::{c14n, certs, config, metadata, request, response, signature, sp_key, xml};

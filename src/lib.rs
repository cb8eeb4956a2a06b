//! Stile: an OAuth 2.0 / OpenID Connect identity provider and SSO bridge for council and
//! street-works staff. `main.rs` only parses the command line; everything lives here so that
//! the integration tests can build the same application in-process.

pub mod abuse;
pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod cli;
pub mod clients;
pub mod clock;
pub mod config;
pub mod connection;
pub mod demo;
pub mod email;
pub mod error;
pub mod i18n;
pub mod jose;
pub mod logout;
pub mod mail;
pub mod metrics;
pub mod oidc;
pub mod policy;
pub mod report;
pub mod request;
pub mod saml;
pub mod scim;
pub mod secret;
pub mod server;
pub mod services;
pub mod sso;
pub mod store;
pub mod tokens;
pub mod web;

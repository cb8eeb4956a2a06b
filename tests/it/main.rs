//! Stile's integration tests: one binary (each file under tests/ would be another binary and
//! another link). Every test gets its own database and its own port.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod harness;

mod admin_accounts;
mod admin_api;
mod admin_data;
mod admin_ui;
mod audit_queries;
mod bad_input;
mod browser;
mod cli;
mod cli_output;
mod cli_writes;
mod client_keys;
mod client_keys_rp;
mod clients;
mod dpop;
mod error_links;
mod guessing;
mod import_stream;
mod import_upload;
mod language;
mod language_admin;
mod language_admin_people;
mod language_more;
mod language_par;
mod mail;
mod metrics;
mod mfa;
mod oidc;
mod oidc_logout;
mod oidc_negative;
mod pages;
mod paging;
mod par;
mod passkey_policy;
mod passkeys;
mod people;
mod reliability;
mod saml_core;
mod saml_idp;
mod schemathesis;
mod scim;
mod security_cache;
mod signin;
mod soft_passkey;
mod sso_admin;
mod sso_oidc;
mod sso_saml;
mod step_up;
mod store;
mod user_list;
mod user_list_query;

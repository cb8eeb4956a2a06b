//! Administration. The audit log view, body export and user import are library functions used by
//! the command line and the admin API alike.

pub mod audit_log;
pub mod export;
pub mod import;

//! Pure decisions: no I/O, no clock, no axum. Everything here is a function of its arguments.

pub mod accounts;
pub mod body;
pub mod delegation;
pub mod lockout;
pub mod mfa;
pub mod password;
pub mod street_manager;

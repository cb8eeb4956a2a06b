//! The kinds of `one_time_tokens` rows that are emailed links. Their own module, named by both
//! `links` (which reads and writes the rows) and `users` (which ends them when the address
//! changes), so that neither imports the other.

pub const KIND_MAGIC_LINK: &str = "magic_link";
pub const KIND_PASSWORD_SET: &str = "password_set";
pub const KIND_EMAIL_CHANGE: &str = "email_change";

/// One-time tokens that were emailed to the account's address (a sign-in link and code, a
/// set-password link, an email-change link): they end when the address changes.
pub const EMAILED_KINDS: [&str; 3] = [KIND_MAGIC_LINK, KIND_PASSWORD_SET, KIND_EMAIL_CHANGE];

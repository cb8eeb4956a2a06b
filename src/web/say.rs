//! What a refusal says to a person, from the catalogue in the request's language (issue 18).
//! The domain's error types keep their English `Display` for logs and the command line; a page
//! shows [`Say::say`] instead. A variant with no message of its own (an internal failure, which
//! never reaches a page as text) falls back to `Display`.

use crate::auth::email_change::EmailChangeError;
use crate::auth::login::LoginError;
use crate::auth::magic_link::MagicLinkError;
use crate::auth::mfa::MfaError;
use crate::auth::passkeys::PasskeyError;
use crate::auth::password_by_email::PasswordByEmailError;
use crate::email::EmailError;
use crate::i18n::{Msg, Tr, current};
use crate::policy::mfa::Reason;
use crate::policy::password::PasswordProblem;
use crate::web::input::{InputError, Place};

/// A message for a page, as text (the page escapes it).
pub trait Say {
    fn say(&self) -> String;
}

fn t() -> Tr {
    Tr::plain(current())
}

/// A catalogue message as text.
pub fn text(key: &str) -> String {
    t().get(key).0
}

fn msg(key: &'static str) -> Msg {
    t().msg(key)
}

/// Why an address must sign in through its organisation.
pub fn sso_required(name: &str) -> String {
    msg("problem-sso-required").arg("name", name).to_string()
}

impl Say for EmailError {
    fn say(&self) -> String {
        text(match self {
            EmailError::Empty => "problem-email-empty",
            EmailError::Malformed => "problem-email-malformed",
            EmailError::TooLong => "problem-email-too-long",
            EmailError::Invisible => "problem-email-invisible",
            EmailError::MixedScript => "problem-email-mixed-script",
        })
    }
}

impl Say for PasswordProblem {
    fn say(&self) -> String {
        match self {
            PasswordProblem::TooShort(n) => t().n("problem-password-too-short", *n).to_string(),
            PasswordProblem::TooLong(n) => t().n("problem-password-too-long", *n).to_string(),
            PasswordProblem::Common => text("problem-password-common"),
            PasswordProblem::SameAsEmail => text("problem-password-same-as-email"),
        }
    }
}

impl Say for LoginError {
    fn say(&self) -> String {
        match self {
            LoginError::BadEmail(e) => e.say(),
            LoginError::InvalidCredentials => text("problem-invalid-credentials"),
            LoginError::Locked { minutes } => t().n("problem-locked", *minutes).to_string(),
            LoginError::Busy => text("problem-busy"),
            LoginError::SsoRequired(s) => sso_required(&s.connection_name),
            other => other.to_string(),
        }
    }
}

impl Say for MagicLinkError {
    fn say(&self) -> String {
        match self {
            MagicLinkError::BadEmail(e) => e.say(),
            MagicLinkError::TooManyRequests { minutes } => t().n("problem-too-many-sign-in-emails", *minutes).to_string(),
            MagicLinkError::WrongCode => text("problem-wrong-emailed-code"),
            MagicLinkError::CodeBurnt => text("problem-code-burnt"),
            MagicLinkError::LinkInvalid => text("problem-sign-in-link-invalid"),
            MagicLinkError::NotAllowed => text("problem-email-not-allowed"),
            MagicLinkError::SsoRequired(s) => sso_required(&s.connection_name),
            other => other.to_string(),
        }
    }
}

impl Say for MfaError {
    fn say(&self) -> String {
        match self {
            MfaError::WrongCode => text("problem-wrong-totp"),
            MfaError::Locked { minutes } => t().n("problem-too-many-codes", *minutes).to_string(),
            MfaError::AlreadyEnrolled => text("problem-2fa-already-on"),
            MfaError::NotEnrolled => text("problem-2fa-not-on"),
            MfaError::KeyExpired => text("problem-key-expired"),
            MfaError::Mandatory(r) => r.say(),
            other => other.to_string(),
        }
    }
}

impl Say for Reason {
    fn say(&self) -> String {
        text(match self {
            Reason::Superuser => "reason-superuser",
            Reason::Body => "reason-body",
            Reason::Role => "reason-role",
            Reason::Client => "reason-client",
            Reason::AcrValues => "reason-acr-values",
        })
    }
}

/// Why a passkey is required (`Reason::explain_phr`).
pub fn phr_reason(r: Reason) -> String {
    text(match r {
        Reason::Superuser | Reason::Body => "reason-phr-body",
        Reason::Role => "reason-phr-role",
        Reason::Client | Reason::AcrValues => "reason-phr-client",
    })
}

impl Say for PasskeyError {
    fn say(&self) -> String {
        match self {
            PasskeyError::Refused => text("problem-passkey-refused"),
            PasskeyError::Expired => text("problem-passkey-expired"),
            PasskeyError::Duplicate => text("problem-passkey-duplicate"),
            PasskeyError::BadName => t().n("problem-passkey-bad-name", crate::auth::passkeys::MAX_NAME_CHARS).to_string(),
            PasskeyError::NoPasskey => text("problem-no-passkey"),
            PasskeyError::Mandatory(why) => msg("problem-passkey-mandatory").arg("why", why.say()).to_string(),
            other => other.to_string(),
        }
    }
}

/// Where the bad text is, as the bad-input page says it.
fn place(p: &Place) -> String {
    match p {
        Place::Name { form: false } => text("input-place-query-name"),
        Place::Name { form: true } => text("input-place-form-name"),
        Place::Value { form: false, name } => msg("input-place-query-value").arg("name", name).to_string(),
        Place::Value { form: true, name } => msg("input-place-form-value").arg("name", name).to_string(),
        Place::Path => text("input-place-path"),
        Place::Authorization => text("input-place-authorization"),
        Place::JsonBody => text("input-place-json"),
        Place::Field => text("input-place-field"),
    }
}

impl Say for InputError {
    fn say(&self) -> String {
        use crate::web::input::{MAX_HEADER_BYTES, MAX_HEADER_COUNT, MAX_URI_BYTES};
        match self {
            InputError::Control { place: p } => msg("problem-input-control").arg("place", place(p)).to_string(),
            InputError::NotUtf8 { place: p } => msg("problem-input-not-utf8").arg("place", place(p)).to_string(),
            InputError::Duplicate { name } => msg("problem-input-duplicate").arg("name", name).to_string(),
            InputError::UriTooLong => t().n("problem-input-uri-too-long", MAX_URI_BYTES).to_string(),
            InputError::HeadersTooLarge => {
                t().msg("problem-input-headers-too-large").num("fields", MAX_HEADER_COUNT).num("bytes", MAX_HEADER_BYTES).to_string()
            }
        }
    }
}

impl Say for PasswordByEmailError {
    fn say(&self) -> String {
        match self {
            PasswordByEmailError::BadEmail(e) => e.say(),
            PasswordByEmailError::Weak(p) => p.say(),
            PasswordByEmailError::Mismatch => text("problem-password-mismatch"),
            PasswordByEmailError::TooManyRequests { minutes } => t().n("problem-too-many-emails", *minutes).to_string(),
            PasswordByEmailError::Busy => text("problem-busy"),
            PasswordByEmailError::LinkInvalid => text("problem-link-invalid"),
            PasswordByEmailError::NotAllowed => text("problem-account-not-allowed"),
            PasswordByEmailError::SsoRequired(s) => sso_required(&s.connection_name),
            other => other.to_string(),
        }
    }
}

impl Say for EmailChangeError {
    fn say(&self) -> String {
        match self {
            EmailChangeError::BadEmail(e) => e.say(),
            EmailChangeError::Same => text("problem-email-same"),
            EmailChangeError::TooManyRequests { minutes } => t().n("problem-too-many-emails", *minutes).to_string(),
            EmailChangeError::LinkInvalid => text("problem-link-invalid"),
            EmailChangeError::Taken => text("problem-email-taken"),
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Choice, Lang};

    async fn in_welsh<T>(f: impl FnOnce() -> T) -> T {
        crate::i18n::scope(Choice { default: Lang::CyGb, ..Choice::default() }, "/".to_owned(), async { f() }).await.0
    }

    /// Why the last passkey cannot be removed is said in the page's language, not spliced in in English.
    #[tokio::test]
    async fn passkey_mandatory_reason_in_welsh() {
        for reason in [Reason::Superuser, Reason::Body, Reason::Role, Reason::Client, Reason::AcrValues] {
            let said = in_welsh(|| PasskeyError::Mandatory(reason).say()).await;
            assert!(!said.contains(reason.explain()), "{said}");
            assert!(said.starts_with(&in_welsh(|| reason.say()).await), "{said}");
            assert!(said.contains("Ychwanegwch allwedd mynediad arall"), "{said}");
        }
    }
}

//! The service layer's error, mapped to [`AppError`] at the edge: an HTML page for the admin UI
//! (`From<AdminError> for AppError`) or JSON for the REST API ([`AdminError::into_api`]).

use axum::http::StatusCode;

use crate::error::AppError;
use crate::policy::delegation::Denied;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The delegation rules refuse; the reason says why in words a person can act on.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Bad input: which field, and what is wrong with it.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// The change clashes with what is stored (a taken email, name or domain).
    #[error("{0}")]
    Conflict(String),
    /// Step-up: a dangerous action needs a second factor entered within the last
    /// `window_secs` in the actor's session; `enrolled` says whether they have one to enter.
    #[error("{}", step_up_message(*enrolled, *window_secs))]
    StepUpRequired { enrolled: bool, window_secs: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The change had to send an email and the mail queue is full (the mail server has been
    /// failing for a while); nothing was written.
    #[error("Emails cannot be sent just now: too many are waiting for the mail server. Nothing was saved. Try again later.")]
    MailQueueFull,
    #[error("{0}")]
    Internal(String),
}

fn step_up_message(enrolled: bool, window_secs: i64) -> String {
    if !enrolled {
        return "This action needs two-factor authentication, and your account has none: set it up under Your account → Security \
                (/account/security), then try again."
            .into();
    }
    let minutes = (window_secs + 59) / 60;
    let within = if minutes == 1 { "the last minute".to_owned() } else { format!("the last {minutes} minutes") };
    format!(
        "This action needs your two-factor code entered within {within}. Enter a code (/login/2fa) and try again; with the API, \
         enter it in the browser session your token came from, or sign in again (prompt=login) for a new token."
    )
}

impl AdminError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        AdminError::Invalid { field, message: message.into() }
    }

    /// The stable machine-readable code used by the API's `error` member.
    pub fn code(&self) -> &'static str {
        match self {
            AdminError::Forbidden(_) => "forbidden",
            AdminError::StepUpRequired { .. } => "step_up_required",
            AdminError::NotFound(_) => "not_found",
            AdminError::Invalid { .. } => "invalid_request",
            AdminError::Conflict(_) => "conflict",
            AdminError::Store(StoreError::Conflict(_)) => "conflict",
            AdminError::Store(StoreError::NotFound(_)) => "not_found",
            AdminError::Store(StoreError::Unavailable(_)) | AdminError::MailQueueFull => "temporarily_unavailable",
            AdminError::Store(_) | AdminError::Internal(_) => "server_error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self.code() {
            "forbidden" | "step_up_required" => StatusCode::FORBIDDEN,
            "not_found" => StatusCode::NOT_FOUND,
            "invalid_request" => StatusCode::UNPROCESSABLE_ENTITY,
            "conflict" => StatusCode::CONFLICT,
            "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a person sees; never internal detail.
    pub fn public_message(&self) -> String {
        match self {
            AdminError::Store(StoreError::Conflict(what)) => format!("{what} already exists."),
            AdminError::Store(StoreError::NotFound(what)) => format!("No such {what}."),
            AdminError::NotFound(what) => format!("No such {what}."),
            AdminError::Invalid { message, .. } => message.clone(),
            AdminError::Store(StoreError::Unavailable(_)) => "The service is temporarily unavailable. Try again in a moment.".into(),
            AdminError::Store(_) | AdminError::Internal(_) => "Something went wrong on our side. Try again in a moment.".into(),
            other => other.to_string(),
        }
    }

    /// The field an `Invalid` error is about.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AdminError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The JSON error for the REST API.
    pub fn into_api(self) -> AppError {
        if self.status() == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %crate::error::error_chain(&self), "admin API request failed");
        }
        AppError::Json { status: self.status(), error: self.code(), message: self.public_message(), field: self.field() }
    }
}

impl From<crate::mail::MailError> for AdminError {
    fn from(e: crate::mail::MailError) -> Self {
        match e {
            crate::mail::MailError::QueueFull => AdminError::MailQueueFull,
            crate::mail::MailError::Store(s) => AdminError::Store(s),
            other => AdminError::Internal(crate::error::error_chain(&other)),
        }
    }
}

/// A second factor reset by an administrator: the database away is 503 and a full mail queue
/// says so, as everywhere in the admin layer; anything else is internal.
impl From<crate::auth::mfa::MfaError> for AdminError {
    fn from(e: crate::auth::mfa::MfaError) -> Self {
        use crate::auth::mfa::MfaError as M;
        match e {
            M::Store(s) => AdminError::Store(s),
            M::Mail(m) => m.into(),
            other => AdminError::Internal(crate::error::error_chain(&other)),
        }
    }
}

/// Passkeys removed by an administrator, mapped as [`crate::auth::mfa::MfaError`] is.
impl From<crate::auth::passkeys::PasskeyError> for AdminError {
    fn from(e: crate::auth::passkeys::PasskeyError) -> Self {
        use crate::auth::passkeys::PasskeyError as P;
        match e {
            P::Store(s) => AdminError::Store(s),
            P::Mail(m) => m.into(),
            other => AdminError::Internal(crate::error::error_chain(&other)),
        }
    }
}

impl From<Denied> for AdminError {
    fn from(d: Denied) -> Self {
        AdminError::Forbidden(d.0)
    }
}

impl From<crate::clients::ClientError> for AdminError {
    fn from(e: crate::clients::ClientError) -> Self {
        use crate::clients::ClientError as C;
        match e {
            C::Invalid(m) => AdminError::invalid("client", m),
            C::NotFound(_) => AdminError::NotFound("client"),
            C::Conflict(id) => AdminError::Conflict(format!("A client with id {id:?} already exists.")),
            C::Public(_) => AdminError::invalid(
                "client",
                "This client has no secret to rotate: it is public, or authenticates with its own key (private_key_jwt).",
            ),
            C::Store(s) => AdminError::Store(s),
            other => AdminError::Internal(other.to_string()),
        }
    }
}

/// A token check that failed for want of the database (directly, or reading the client through
/// the cache) is the database being away (503); anything else about it is ours (500).
impl From<crate::tokens::grants::GrantError> for AdminError {
    fn from(e: crate::tokens::grants::GrantError) -> Self {
        use crate::tokens::grants::GrantError as G;
        match e {
            G::Store(s) | G::Client(crate::clients::ClientError::Store(s)) => AdminError::Store(s),
            e => AdminError::Internal(crate::error::error_chain(&e)),
        }
    }
}

impl From<AdminError> for AppError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Forbidden(m) => AppError::Forbidden(m),
            AdminError::StepUpRequired { enrolled, .. } => AppError::StepUpRequired { enrolled },
            AdminError::NotFound(_) => AppError::NotFound,
            AdminError::Invalid { message, .. } => AppError::BadRequest(message),
            AdminError::Conflict(m) => AppError::Conflict(m),
            // A form shows the reason (`web::admin::Problem`); elsewhere, the busy page.
            AdminError::MailQueueFull => AppError::Busy,
            AdminError::Store(StoreError::Conflict(what)) => AppError::Conflict(format!("{what} already exists.")),
            AdminError::Store(StoreError::NotFound(_)) => AppError::NotFound,
            AdminError::Store(s) => AppError::Store(s),
            AdminError::Internal(m) => AppError::Internal(m),
        }
    }
}

//! Outgoing mail. A request never talks to the mail server: it renders a message (an HTML and a
//! plain-text part from `templates/email/`), writes it to the database outbox with
//! [`enqueue_in`] in the transaction of the change it goes with, and wakes the [`worker`], which delivers it through the configured
//! [`transport`] with retries and exponential backoff.

pub mod messages;
pub mod worker;

// The transport is a service that `AppState` holds; kept here under its old path.
pub use crate::services::mailer as transport;

use crate::app::AppState;
use crate::clock::Timestamp;
use crate::email::Email;
use crate::store::{self, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("cannot render the email")]
    Render(#[from] askama::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// More unsent messages than `mail.max_queued`: the mail server has been failing for a while.
    #[error("the mail queue is full")]
    QueueFull,
}

/// A message ready to queue.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Writes a message to the outbox inside the caller's transaction, so that it is written with
/// the change it goes with (a link, a notice) or not at all. `expires_at`: do not send after
/// this (the one-time link inside will not work any more). Returns the outbox id. The caller
/// wakes the worker after its commit (`state.mail_wake`); until then the worker cannot see it.
pub async fn enqueue_in(
    tx: &mut store::Tx,
    state: &AppState,
    to: &Email,
    mail: &Rendered,
    expires_at: Option<Timestamp>,
) -> Result<String, MailError> {
    // A bound on what waits, so a mail server that stays down cannot fill the database.
    if store::outbox::unsent_count(&mut *tx).await? >= state.settings.mail.max_queued {
        tracing::warn!("mail queue full; message refused");
        return Err(MailError::QueueFull);
    }
    insert_in(tx, state, to, mail, expires_at).await
}

/// As [`enqueue_in`] for the notice of a change an administrator made (a second factor reset,
/// passkeys removed):
/// queued even when the queue is full, so that a mail server that is down cannot stop the change
/// (nor can a queue filled on purpose), and the owner is told once it is back. Such notices are
/// few: one per administrator's action.
pub async fn enqueue_notice_in(tx: &mut store::Tx, state: &AppState, to: &Email, mail: &Rendered) -> Result<String, MailError> {
    insert_in(tx, state, to, mail, None).await
}

async fn insert_in(
    tx: &mut store::Tx,
    state: &AppState,
    to: &Email,
    mail: &Rendered,
    expires_at: Option<Timestamp>,
) -> Result<String, MailError> {
    let now = state.now();
    let id = store::new_id(now, &*state.rng);
    store::outbox::insert(
        &mut *tx,
        &store::outbox::NewMessage {
            id: &id,
            to_addr: to.as_str(),
            subject: &mail.subject,
            text_body: &mail.text,
            html_body: &mail.html,
            expires_at,
        },
        now,
    )
    .await?;
    Ok(id)
}

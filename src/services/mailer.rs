//! Where messages go: a file per message (the embedded default), the log, or SMTP via lettre.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailSettings, MailTransport, Settings, SmtpTls};
use crate::store::outbox::OutboxRow;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("mail.from or mail.reply_to is not a valid address")]
    BadSender,
    #[error("cannot set up SMTP to {host}")]
    Smtp {
        host: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

/// Why one delivery attempt failed. The text is stored in the outbox's `last_error`, so it never
/// contains credentials or message content.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the recipient address is not valid")]
    BadRecipient,
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("cannot write the message file: {0}")]
    File(String),
    #[error("SMTP: {message}")]
    Smtp { message: String, permanent: bool },
}

impl SendError {
    /// Retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        match self {
            SendError::BadRecipient | SendError::Build(_) => true,
            SendError::File(_) => false,
            SendError::Smtp { permanent, .. } => *permanent,
        }
    }
}

enum Kind {
    File(PathBuf),
    Log,
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Mailer {
    kind: Kind,
    from: Mailbox,
    reply_to: Option<Mailbox>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            Kind::File(_) => "file",
            Kind::Log => "log",
            Kind::Smtp(_) => "smtp",
        };
        f.debug_struct("Mailer").field("transport", &kind).finish_non_exhaustive()
    }
}

impl Mailer {
    pub fn new(settings: &Settings) -> Result<Self, TransportError> {
        let m = &settings.mail;
        let from: Mailbox = m.from.parse().map_err(|_| TransportError::BadSender)?;
        let reply_to = match m.reply_to.trim() {
            "" => None,
            r => Some(r.parse().map_err(|_| TransportError::BadSender)?),
        };
        let kind = match m.transport {
            MailTransport::File => Kind::File(settings.data_dir.join("mail")),
            MailTransport::Log => Kind::Log,
            MailTransport::Smtp => Kind::Smtp(smtp(m)?),
        };
        Ok(Self { kind, from, reply_to })
    }

    /// Sends one message from the outbox.
    pub async fn send(&self, row: &OutboxRow) -> Result<(), SendError> {
        // A-labels on the wire: a Unicode domain would need SMTPUTF8, which many servers lack.
        let to: Mailbox = crate::email::wire_address(&row.to_addr).parse().map_err(|_| SendError::BadRecipient)?;
        let domain = self.from.email.domain().to_owned();
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .message_id(Some(format!("<{}@{}>", row.id, domain)));
        if let Some(r) = &self.reply_to {
            builder = builder.reply_to(r.clone());
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(row.text_body.clone(), row.html_body.clone()))
            .map_err(|e| SendError::Build(e.to_string()))?;
        match &self.kind {
            Kind::File(dir) => {
                let path = dir.join(format!("{}.eml", row.id));
                tokio::fs::create_dir_all(dir).await.map_err(|e| SendError::File(e.to_string()))?;
                write_private(&path, &message.formatted()).await.map_err(|e| SendError::File(e.to_string()))?;
                tracing::info!(id = %row.id, path = %path.display(), "mail written to file");
                Ok(())
            }
            Kind::Log => {
                tracing::info!(id = %row.id, subject = %row.subject, "mail sent (log transport: not delivered)");
                Ok(())
            }
            Kind::Smtp(t) => match t.send(message).await {
                Ok(_) => {
                    tracing::info!(id = %row.id, "mail sent by SMTP");
                    Ok(())
                }
                Err(e) => Err(SendError::Smtp { permanent: e.is_permanent(), message: smtp_error_text(&e, self.from.email.as_ref()) }),
            },
        }
    }
}

/// Writes a file only its owner can read (it may hold a sign-in link).
/// Written under a temporary name beside the folder and then linked into place, so anything watching the folder
/// (an operator's pickup script, the tests) never reads half a message; linking, unlike renaming,
/// never replaces a mail already there.
async fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    // Beside the folder, not in it, so a reader of the folder never even lists it.
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let part = match path.parent() {
        Some(dir) => dir.with_file_name(format!(".mail-{name}.partial")),
        None => std::path::PathBuf::from(format!(".mail-{name}.partial")),
    };
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut f = options.open(&part).await?;
    f.write_all(bytes).await?;
    f.sync_all().await?;
    drop(f);
    let linked = tokio::fs::hard_link(&part, path).await;
    tokio::fs::remove_file(&part).await?;
    linked
}

/// The error and its causes, for the outbox and the log. lettre's errors describe the server's
/// answer or the connection, never the credentials; the server's answer may quote the recipient
/// (Postfix: `550 5.1.1 <name@example.org>: Recipient address rejected`), which the outbox row
/// holds already and the log should not. The sender (`from`, the deployment's own) is kept: a
/// refused sender is the operator's to fix.
fn smtp_error_text(e: &lettre::transport::smtp::Error, from: &str) -> String {
    for_the_record(&crate::report::error_chain(e), from)
}

/// At most 500 characters of `text` (a server's answer may be UTF-8, so cut between characters),
/// on one line and with nothing invisible in it, with each address in it but `keep` (an `@`
/// written `%40`, `%2540`, `&#64;` or as a full-width or small at sign too) replaced by
/// `[address]`.
fn for_the_record(text: &str, keep: &str) -> String {
    const MOST: usize = 500;
    // What an address cannot hold (`Email::parse`): everything else, an apostrophe or a colon
    // included, may be part of one.
    let is_edge = crate::email::cannot_be_in_local_part;
    let flush = |word: &mut String, out: &mut String| {
        // The full-width and small at signs too, and an `@` escaped for a URL (once or twice) or
        // for HTML: a server may echo an address in any of them.
        let lower = word.to_ascii_lowercase();
        let at =
            word.contains(['@', '\u{FF20}', '\u{FE6B}']) || ["%40", "%2540", "&#64", "&#x40", "&commat"].iter().any(|a| lower.contains(a));
        let hidden = at && !word.eq_ignore_ascii_case(keep);
        out.push_str(if hidden { "[address]" } else { word.as_str() });
        word.clear();
    };
    let mut out = String::with_capacity(text.len().min(MOST));
    let mut word = String::new();
    // Invisible characters (a bidirectional override, say) would make the log read otherwise.
    for c in text.chars().filter(|c| !crate::email::invisible(*c)) {
        if is_edge(c) {
            flush(&mut word, &mut out);
            // A server's answer cannot start a line of its own in the log (U+2028 included).
            out.push(if c.is_control() || c.is_whitespace() { ' ' } else { c });
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out.chars().take(MOST).collect()
}

fn smtp(m: &MailSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, TransportError> {
    let err = |source| TransportError::Smtp { host: m.smtp_host.clone(), source };
    let builder = match m.smtp_tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&m.smtp_host),
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&m.smtp_host).map_err(err)?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&m.smtp_host).map_err(err)?,
    };
    let mut builder = builder.port(m.smtp_port).timeout(Some(Duration::from_secs(m.timeout_secs)));
    if !m.smtp_username.is_empty() {
        builder = builder.credentials(Credentials::new(m.smtp_username.clone(), m.smtp_password.expose().to_owned()));
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::for_the_record;

    const FROM: &str = "noreply@council.example";

    #[test]
    fn a_quoted_recipient_is_left_out() {
        assert_eq!(
            for_the_record("permanent error (550): 5.1.1 <reject-dora@camden.example>: Recipient address rejected", FROM),
            "permanent error (550): 5.1.1 <[address]>: Recipient address rejected"
        );
        assert_eq!(for_the_record("dora@camden.example, bob@x.example refused", FROM), "[address], [address] refused");
        assert_eq!(for_the_record("<sian.o'neill@camden.example>: refused", FROM), "<[address]>: refused", "all of it");
        assert_eq!(for_the_record("<a:b{c}@camden.example>", FROM), "<[address]>");
        assert_eq!(for_the_record("550 dora%40camden.example unknown", FROM), "550 [address] unknown");
        assert_eq!(for_the_record("550 dora\u{FF20}camden.example and dora\u{FE6B}camden.example", FROM), "550 [address] and [address]");
        assert_eq!(for_the_record("550 dora%2540camden.example", FROM), "550 [address]");
        // `;` ends a word, so the local part goes and the domain alone is left.
        assert_eq!(
            for_the_record("550 dora&#64;camden.example, DORA&#X40;x.example", FROM),
            "550 [address];camden.example, [address];x.example"
        );
        assert_eq!(for_the_record("452 4.2.2 mailbox full", FROM), "452 4.2.2 mailbox full");
    }

    #[test]
    fn the_sender_is_kept_and_the_answer_stays_on_one_line() {
        assert_eq!(
            for_the_record("553 5.7.1 <NoReply@Council.example>: Sender address rejected", FROM),
            "553 5.7.1 <NoReply@Council.example>: Sender address rejected"
        );
        assert_eq!(for_the_record("550 no\r\nINFO forged line", FROM), "550 no  INFO forged line");
        assert_eq!(for_the_record("550 no\u{2028}INFO\u{202e}enil", FROM), "550 no INFOenil");
    }

    #[test]
    fn a_long_answer_is_cut_between_characters() {
        // Byte 500 falls inside an "é": cutting there would panic.
        let long = format!("a{}", "é".repeat(600));
        let cut = for_the_record(&long, FROM);
        assert_eq!(cut.chars().count(), 500);
        assert_eq!(cut, format!("a{}", "é".repeat(499)));
    }
}

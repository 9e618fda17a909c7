//! Outgoing mail: the [`Mailer`] trait and three mailers — [`SmtpMailer`] (real delivery,
//! lettre over rustls), [`OutboxMailer`] (one JSON file per message, for development and tests)
//! and [`LogMailer`] (a log line per message; the library's default when no SMTP server is
//! configured).
//!
//! Mails carry secret links (confirmation, password reset, sign-in): the bodies never reach
//! `Debug` output, error messages or logs, unless an application asks [`LogMailer::with_bodies`]
//! for them.

mod log;
mod outbox;
mod smtp;

pub use log::LogMailer;
pub use outbox::OutboxMailer;
pub use smtp::{SmtpMailer, SmtpTls, redact_url};

/// One mail to send: a text part and an HTML part (either may be empty; the mail then has only
/// the other).
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    /// Recipient address (`user@example.com` or `Name <user@example.com>`).
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// The text/plain body.
    pub text: String,
    /// The text/html body.
    pub html: String,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bodies carry secret links.
        f.debug_struct("Message")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Why a mail was not sent. Never contains a password or a message body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The mailer is misconfigured (bad SMTP URL, bad `From` address).
    #[error("mail configuration: {0}")]
    Config(String),
    /// The recipient address cannot be used.
    #[error("invalid recipient address: {0}")]
    Address(String),
    /// The SMTP server could not be reached or refused the mail.
    #[error("mail transport: {0}")]
    Transport(String),
    /// Sending took longer than the configured timeout.
    #[error("mail not sent within {} ms", .0.as_millis())]
    Timeout(std::time::Duration),
    /// Writing to the outbox failed.
    #[error("mail outbox: {0}")]
    Io(String),
}

/// Delivers mail. Implementations must not log or put into errors the message bodies (they
/// carry secret links) or any credentials.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync + std::fmt::Debug {
    /// Send one message; `Ok` once the transport has accepted it.
    async fn send(&self, message: &Message) -> Result<(), MailError>;
}

#[async_trait::async_trait]
impl<M: Mailer + ?Sized> Mailer for std::sync::Arc<M> {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        (**self).send(message).await
    }
}

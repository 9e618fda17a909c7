//! [`LogMailer`]: mails become log lines.

use super::{MailError, Mailer, Message};

/// Logs each mail with `tracing` at info level instead of sending it: recipient and subject
/// only, since bodies carry secret links (confirmation, reset) that must not reach log files.
/// [`LogMailer::with_bodies`] logs the bodies too — for local development only.
///
/// This is what [`Security`](crate::Security) uses when the application sets no mailer and no
/// `smtp_url` is configured: nothing is delivered.
#[derive(Debug, Clone, Default)]
pub struct LogMailer {
    bodies: bool,
}

impl LogMailer {
    /// Log recipient and subject.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also log the text and HTML bodies. They contain live confirmation and password-reset
    /// links: anyone who can read the log can take over the account. Development only.
    pub fn with_bodies() -> Self {
        Self { bodies: true }
    }
}

#[async_trait::async_trait]
impl Mailer for LogMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        if self.bodies {
            tracing::info!(
                to = %message.to,
                subject = %message.subject,
                text = %message.text,
                html = %message.html,
                "mail not sent (logged only)"
            );
        } else {
            tracing::info!(
                to = %message.to,
                subject = %message.subject,
                "mail not sent (logged only; set smtp_url or give Security a mailer)"
            );
        }
        Ok(())
    }
}

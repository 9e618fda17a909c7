//! Outgoing SMS: the [`SmsSender`] trait and three senders — [`TwilioSms`] (real delivery
//! through Twilio's REST API, or any service speaking it, over rustls), [`OutboxSms`] (one JSON
//! file per message, for development and tests) and [`LogSms`] (a log line per message; the
//! library's default unless `sms_service` is `twilio`).
//!
//! Text messages carry one-time sign-in codes: the bodies never reach `Debug` output, error
//! messages or logs, unless an application asks [`LogSms::with_bodies`] for them. Nor does the
//! Twilio auth token.

mod log;
mod outbox;
mod twilio;

pub use log::LogSms;
pub use outbox::OutboxSms;
pub use twilio::TwilioSms;

/// One text message to send.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// Recipient phone number in E.164 form (`+15551234567`).
    pub to: String,
    /// The text; it usually carries a one-time code.
    pub body: String,
}

impl SmsMessage {
    /// A message to `to` (E.164) with this text.
    pub fn new(to: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            to: to.into(),
            body: body.into(),
        }
    }
}

impl std::fmt::Debug for SmsMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body carries a one-time code.
        f.debug_struct("SmsMessage")
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// Why a text message was not sent. Never contains the message body or the auth token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// The sender is misconfigured (a missing `ACCOUNT_SID`, `AUTH_TOKEN` or `PHONE_NUMBER`, a
    /// bad `BASE_URL`).
    #[error("SMS configuration: {0}")]
    Config(String),
    /// The service could not be reached, or did not answer within the timeout.
    #[error("SMS transport: {0}")]
    Transport(String),
    /// The service answered with a status other than 2xx; `message` is its explanation (Twilio's
    /// JSON `message` field when there is one).
    #[error("SMS rejected with status {status}: {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// What the service said.
        message: String,
    },
    /// Writing to the outbox failed.
    #[error("SMS outbox: {0}")]
    Io(String),
}

/// Sends text messages. Implementations must not log or put into errors the message bodies
/// (they carry one-time codes) or any credentials.
#[async_trait::async_trait]
pub trait SmsSender: Send + Sync + std::fmt::Debug {
    /// Send one message; `Ok` once the service has accepted it.
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError>;
}

#[async_trait::async_trait]
impl<S: SmsSender + ?Sized> SmsSender for std::sync::Arc<S> {
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        (**self).send(message).await
    }
}

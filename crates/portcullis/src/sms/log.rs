//! [`LogSms`]: text messages become log lines.

use super::{SmsError, SmsMessage, SmsSender};

/// Logs each text message with `tracing` at info level instead of sending it: the recipient
/// only, since bodies carry one-time codes that must not reach log files.
/// [`LogSms::with_bodies`] logs the bodies too — for local development only.
///
/// This is what [`Security`](crate::Security) uses when the application sets no SMS sender and
/// `sms_service` is not `twilio`: nothing is delivered.
#[derive(Debug, Clone, Default)]
pub struct LogSms {
    bodies: bool,
}

impl LogSms {
    /// Log the recipient.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also log the bodies. They contain live one-time codes: anyone who can read the log can
    /// pass the second factor. Development only.
    pub fn with_bodies() -> Self {
        Self { bodies: true }
    }
}

#[async_trait::async_trait]
impl SmsSender for LogSms {
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        if self.bodies {
            tracing::info!(to = %message.to, body = %message.body, "SMS not sent (logged only)");
        } else {
            tracing::info!(
                to = %message.to,
                "SMS not sent (logged only; set SECURITY_SMS_SERVICE or give Security an SMS sender)"
            );
        }
        Ok(())
    }
}

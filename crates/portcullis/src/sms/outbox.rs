//! [`OutboxSms`]: one JSON file per text message in a directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use portcullis_core::clock::{Clock, SystemClock};

use super::{SmsError, SmsMessage, SmsSender};

/// Writes each text message as a JSON file (`to`, `body`, `sent_at` in RFC 3339 UTC) into a
/// directory, created when missing. For development and tests: the files contain one-time
/// codes, so keep the directory private (files are created mode 0600 on Unix).
///
/// Files are named and written as [`OutboxMailer`](crate::mail::OutboxMailer)'s are (the same
/// writer): `<unix-nanos>-<random>.json`, sorting in sending order, each appearing whole.
#[derive(Clone)]
pub struct OutboxSms {
    dir: PathBuf,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for OutboxSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxSms")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Serialize)]
struct OutboxFile<'a> {
    to: &'a str,
    body: &'a str,
    sent_at: String,
}

impl OutboxSms {
    /// Write into `dir` (created at the first message when missing).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            clock: Arc::new(SystemClock),
        }
    }

    /// Take `sent_at` from this clock (default: the system clock).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait::async_trait]
impl SmsSender for OutboxSms {
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        crate::outbox_file::write_json(&self.dir, self.clock.as_ref(), "SMS", |sent_at| {
            OutboxFile {
                to: &message.to,
                body: &message.body,
                sent_at,
            }
        })
        .await
        .map_err(SmsError::Io)
    }
}

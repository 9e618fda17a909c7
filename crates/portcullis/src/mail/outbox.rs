//! [`OutboxMailer`]: one JSON file per mail in a directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use portcullis_core::clock::{Clock, SystemClock};

use super::{MailError, Mailer, Message};

/// Writes each mail as a JSON file (`to`, `subject`, `text`, `html`, `sent_at` in RFC 3339
/// UTC) into a directory, created when missing. For development and tests: the files contain
/// the secret links, so keep the directory private (files are created mode 0600 on Unix).
///
/// File names are `<unix-nanos>-<random>.json`; they sort in the order the mails were written
/// (the nanoseconds strictly increase within a process). Each file appears whole: it is written
/// under a temporary name in the same directory and then renamed (the writer is shared with
/// [`OutboxSms`](crate::sms::OutboxSms)).
#[derive(Clone)]
pub struct OutboxMailer {
    dir: PathBuf,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for OutboxMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxMailer")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Serialize)]
struct OutboxFile<'a> {
    to: &'a str,
    subject: &'a str,
    text: &'a str,
    html: &'a str,
    sent_at: String,
}

impl OutboxMailer {
    /// Write into `dir` (created at the first mail when missing).
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
impl Mailer for OutboxMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        crate::outbox_file::write_json(&self.dir, self.clock.as_ref(), "mail", |sent_at| {
            OutboxFile {
                to: &message.to,
                subject: &message.subject,
                text: &message.text,
                html: &message.html,
                sent_at,
            }
        })
        .await
        .map_err(MailError::Io)
    }
}

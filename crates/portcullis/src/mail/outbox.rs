//! [`OutboxMailer`]: one JSON file per mail in a directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use portcullis_core::clock::{Clock, SystemClock};
use portcullis_core::crypto::random;

use super::{MailError, Mailer, Message};

/// Writes each mail as a JSON file (`to`, `subject`, `text`, `html`, `sent_at` in RFC 3339
/// UTC) into a directory, created when missing. For development and tests: the files contain
/// the secret links, so keep the directory private (files are created mode 0600 on Unix).
///
/// File names are `<unix-nanos>-<random>.json`; they sort in the order the mails were written
/// (the nanoseconds strictly increase within a process). Each file appears whole: it is written
/// under a temporary name in the same directory and then renamed.
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

/// The last file-name timestamp handed out, so names strictly increase within the process.
static LAST_NANOS: AtomicU64 = AtomicU64::new(0);

fn next_nanos() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    let mut last = LAST_NANOS.load(Ordering::Relaxed);
    loop {
        let next = now.max(last.saturating_add(1));
        match LAST_NANOS.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
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
        let sent_at = self
            .clock
            .now()
            .to_offset(time::UtcOffset::UTC)
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| MailError::Io(format!("cannot format the time: {e}")))?;
        let json = serde_json::to_vec_pretty(&OutboxFile {
            to: &message.to,
            subject: &message.subject,
            text: &message.text,
            html: &message.html,
            sent_at,
        })
        .map_err(|e| MailError::Io(format!("cannot encode the mail: {e}")))?;
        let name = format!("{:020}-{}.json", next_nanos(), random::token_hex(6));
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &json))
            .await
            .map_err(|e| MailError::Io(format!("outbox writer stopped: {e}")))?
            .map_err(|e| MailError::Io(format!("cannot write to {}: {e}", self.dir.display())))
    }
}

/// `dir/name` appears whole or not at all.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&tmp, dir.join(name))) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

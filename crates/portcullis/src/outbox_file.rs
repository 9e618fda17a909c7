//! The outbox directories' shared writer: one JSON file per message, as used by
//! [`OutboxMailer`](crate::mail::OutboxMailer) and [`OutboxSms`](crate::sms::OutboxSms).
//!
//! File names are `<unix-nanos>-<random>.json`; they sort in the order the messages were written
//! (the nanoseconds strictly increase within a process). Each file appears whole: it is written
//! under a temporary name in the same directory and then renamed. Files are created mode 0600
//! on Unix, since they hold secret links and one-time codes. The writing runs off the async
//! runtime.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use portcullis_core::clock::Clock;
use portcullis_core::crypto::random;

/// Write `record(sent_at)` as pretty JSON into a new file in `dir` (created when missing), with
/// `sent_at` the clock's time in RFC 3339 UTC. `what` names the message in errors ("mail",
/// "SMS"). The error text names the directory, never the record's contents.
pub(crate) async fn write_json<T: serde::Serialize>(
    dir: &Path,
    clock: &dyn Clock,
    what: &str,
    record: impl FnOnce(String) -> T,
) -> Result<(), String> {
    let sent_at = clock
        .now()
        .to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("cannot format the time: {e}"))?;
    let json = serde_json::to_vec_pretty(&record(sent_at))
        .map_err(|e| format!("cannot encode the {what}: {e}"))?;
    let name = format!("{:020}-{}.json", next_nanos(), random::token_hex(6));
    let owned_dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || write_atomically(&owned_dir, &name, &json))
        .await
        .map_err(|e| format!("outbox writer stopped: {e}"))?
        .map_err(|e| format!("cannot write to {}: {e}", dir.display()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_strictly_increase() {
        let mut last = next_nanos();
        for _ in 0..1000 {
            let n = next_nanos();
            assert!(n > last);
            last = n;
        }
    }
}

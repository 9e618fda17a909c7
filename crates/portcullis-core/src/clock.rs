//! All time comes through [`Clock`], so tests can fix it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current time in UTC.
    fn now(&self) -> OffsetDateTime;

    /// The current time as fractional unix seconds.
    fn unix_f64(&self) -> f64 {
        let now = self.now();
        now.unix_timestamp() as f64 + f64::from(now.nanosecond()) / 1e9
    }

    /// The current time as whole unix seconds.
    fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to (microsecond resolution). Cheap to clone; clones share time.
#[derive(Debug, Clone)]
pub struct FixedClock {
    micros: Arc<AtomicI64>,
}

impl FixedClock {
    /// A clock standing at `unix` seconds.
    pub fn at(unix: i64) -> Self {
        Self {
            micros: Arc::new(AtomicI64::new(unix.saturating_mul(1_000_000))),
        }
    }

    /// Move the clock forward (or back, with a negative value) by `secs` seconds.
    pub fn advance(&self, secs: i64) {
        self.micros
            .fetch_add(secs.saturating_mul(1_000_000), Ordering::SeqCst);
    }

    /// Set the clock to `unix` seconds.
    pub fn set(&self, unix: i64) {
        self.micros
            .store(unix.saturating_mul(1_000_000), Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        let micros = self.micros.load(Ordering::SeqCst);
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

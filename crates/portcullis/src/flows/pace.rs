//! Generic-response pacing: in `return_generic_responses` mode the answers of the endpoints that
//! take an address (forgot, confirm, recover-username, register) are held until a fixed time
//! after the request began, so a known address (a mail composed, a token hashed) and an unknown
//! one (dummy work) take the same time.

use crate::Security;

/// Started at the beginning of a request; [`Pace::finish`] waits out the rest of the floor.
pub(crate) struct Pace {
    until: Option<tokio::time::Instant>,
}

impl Pace {
    /// Start the clock (a no-op outside generic mode).
    pub(crate) fn start(security: &Security) -> Self {
        let c = security.config();
        let floor =
            std::time::Duration::from_secs(c.generic_response_floor.as_secs().unsigned_abs());
        Self {
            until: c
                .return_generic_responses
                .then(|| tokio::time::Instant::now() + floor),
        }
    }

    /// Wait until the floor has passed.
    pub(crate) async fn finish(self) {
        if let Some(until) = self.until {
            tokio::time::sleep_until(until).await;
        }
    }
}

//! Prometheus metrics (the `prometheus-client` crate), counted in process and rendered in the
//! text exposition format by `GET /metrics`.
//!
//! Names: `portcullis_http_requests_total{route,method,status}`,
//! `portcullis_http_request_duration_seconds{route}`,
//! `portcullis_signin_attempts_total{mechanism,outcome}`, `portcullis_lockouts_total`,
//! `portcullis_rate_limited_total`, `portcullis_hashing_queue_depth`,
//! `portcullis_hashing_wait_seconds`, `portcullis_messages_total{channel,outcome}`,
//! `portcullis_sessions_active`.

use std::collections::HashMap;
use std::sync::RwLock;

use portcullis_core::events::Event;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabels {
    mechanism: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MessageLabels {
    channel: &'static str,
    outcome: &'static str,
}

/// The metrics of one process.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    attempts: Family<AttemptLabels, Counter>,
    lockouts: Counter,
    rate_limited: Counter,
    hashing_queue: Gauge,
    hashing_wait: Histogram,
    messages: Family<MessageLabels, Counter>,
    sessions: Gauge,
    /// The request metrics' handles by route, so a request costs no label strings: the
    /// route's latency histogram and its counters by (method, status).
    handles: RwLock<HashMap<String, RouteHandles>>,
}

struct RouteHandles {
    latency: Histogram,
    counters: Vec<(&'static str, u16, Counter)>,
}

/// The method label: the standard methods by name, anything else `OTHER` (a client cannot
/// grow the label set by inventing methods).
fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("OTHER")
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

fn latency_histogram() -> Histogram {
    // 100 µs … ~3.3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("portcullis");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route",
            latency.clone(),
        );
        let attempts = Family::<AttemptLabels, Counter>::default();
        registry.register(
            "signin_attempts",
            "Credential checks, by mechanism (password, basic, token, ...) and outcome",
            attempts.clone(),
        );
        let lockouts = Counter::default();
        registry.register(
            "lockouts",
            "Accounts locked after too many failed sign-ins",
            lockouts.clone(),
        );
        let rate_limited = Counter::default();
        registry.register(
            "rate_limited",
            "Sign-in attempts refused because their address failed too often",
            rate_limited.clone(),
        );
        let hashing_queue = Gauge::default();
        registry.register(
            "hashing_queue_depth",
            "Password hashes waiting for the hashing pool",
            hashing_queue.clone(),
        );
        let hashing_wait = latency_histogram();
        registry.register(
            "hashing_wait_seconds",
            "Time a password hash waited for the hashing pool",
            hashing_wait.clone(),
        );
        let messages = Family::<MessageLabels, Counter>::default();
        registry.register(
            "messages",
            "Mails and text messages, by channel (mail, sms) and outcome (sent, failed)",
            messages.clone(),
        );
        let sessions = Gauge::default();
        registry.register(
            "sessions_active",
            "Unexpired sessions in the session store (read when scraped)",
            sessions.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            attempts,
            lockouts,
            rate_limited,
            hashing_queue,
            hashing_wait,
            messages,
            sessions,
            handles: RwLock::new(HashMap::new()),
        }
    }

    /// One answered request. `route` is the matched route pattern (never the raw path, so
    /// tokens in paths stay out and the label set stays small).
    pub(crate) fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let method = method_label(method);
        let found = self.handles.read().ok().and_then(|h| {
            let r = h.get(route)?;
            let counter = r
                .counters
                .iter()
                .find(|(m, s, _)| *m == method && *s == status)
                .map(|(_, _, c)| c.clone())?;
            Some((r.latency.clone(), counter))
        });
        let (latency, counter) = match found {
            Some(pair) => pair,
            None => self.new_handles(route, method, status),
        };
        counter.inc();
        latency.observe(seconds);
    }

    /// The handles of a (route, method, status) seen for the first time.
    fn new_handles(&self, route: &str, method: &'static str, status: u16) -> (Histogram, Counter) {
        let counter = self
            .requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                status,
            })
            .clone();
        let latency = self
            .latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .clone();
        if let Ok(mut h) = self.handles.write() {
            let r = h.entry(route.to_owned()).or_insert_with(|| RouteHandles {
                latency: latency.clone(),
                counters: Vec::new(),
            });
            if !r
                .counters
                .iter()
                .any(|(m, s, _)| *m == method && *s == status)
            {
                r.counters.push((method, status, counter.clone()));
            }
        }
        (latency, counter)
    }

    /// Count what an event says about sign-ins.
    pub(crate) fn event(&self, event: &Event) {
        match event {
            Event::AccountLocked { .. } => {
                self.lockouts.inc();
            }
            Event::RateLimited { .. } => {
                self.rate_limited.inc();
            }
            _ => {}
        }
    }

    /// One credential check at the gate: `success`, `failure` or `refused` (locked or limited).
    pub(crate) fn attempt(&self, mechanism: &str, outcome: &'static str) {
        self.attempts
            .get_or_create(&AttemptLabels {
                mechanism: mechanism.to_owned(),
                outcome,
            })
            .inc();
    }

    /// A mail (`mail`) or text message (`sms`) sent or failed.
    pub(crate) fn message(&self, channel: &'static str, sent: bool) {
        let outcome = if sent { "sent" } else { "failed" };
        self.messages
            .get_or_create(&MessageLabels { channel, outcome })
            .inc();
    }

    /// A hash started waiting for the pool.
    pub(crate) fn hash_queued(&self) {
        self.hashing_queue.inc();
    }

    /// A hash got its turn after `seconds`.
    pub(crate) fn hash_started(&self, seconds: f64) {
        self.hashing_queue.dec();
        self.hashing_wait.observe(seconds);
    }

    /// The text exposition, with the active sessions as counted now.
    pub(crate) fn render(&self, active_sessions: Option<u64>) -> String {
        if let Some(n) = active_sessions {
            self.sessions.set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "metrics could not be encoded");
        }
        out
    }
}

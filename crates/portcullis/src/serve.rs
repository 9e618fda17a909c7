//! Serving an app on the internet: connection limits and timeouts that slow or idle clients
//! cannot outlast, the client address for the per-address limit, and a graceful shutdown that
//! stops accepting, lets in-flight requests finish and waits for mail still being sent.
//!
//! HTTP/1.1 on hyper's connection builder. Per connection:
//! - the request headers must arrive within [`ServeOptions::header_read_timeout`] (hyper's
//!   header timer; it also runs while a kept-alive connection waits for its next request);
//! - a connection with no request in flight is closed after
//!   [`ServeOptions::keep_alive_timeout`];
//! - each request has [`ServeOptions::request_timeout`] for its answer (see
//!   [`crate::http::request_timeout`]; the server applies it as a layer).
//!
//! At most [`ServeOptions::max_connections`] connections are open; further clients wait in the
//! kernel's accept queue instead of taking descriptors.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// Limits and timeouts of [`serve_with`]. The defaults are safe for a server on the internet.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Time a client has to send a request's headers (default 10 s).
    pub header_read_timeout: Duration,
    /// An idle kept-alive connection is closed after this (default 5 s).
    pub keep_alive_timeout: Duration,
    /// Time a request has for its answer (default 30 s); enforced by the layer
    /// [`crate::http::request_timeout`].
    pub request_timeout: Duration,
    /// Open connections at most (default 1024).
    pub max_connections: usize,
    /// How long shutdown waits for in-flight requests and queued mail (default 30 s).
    pub shutdown_grace: Duration,
    /// Largest request head (request line and headers) hyper reads (default 64 KiB); the layer
    /// [`crate::http::limit_header_size`] answers smaller limits with an enveloped 431.
    pub max_head_bytes: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(30),
            max_head_bytes: 64 * 1024,
        }
    }
}

/// What one connection is doing, for the idle timer.
struct Activity {
    in_flight: AtomicUsize,
    /// Milliseconds since `start` of the last request start or end.
    last: AtomicU64,
    start: Instant,
}

impl Activity {
    fn new() -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            last: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    /// How long the connection has had no request in flight (`None`: one is in flight).
    fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
        Some(self.start.elapsed().saturating_sub(last))
    }
}

/// Ends an in-flight request when dropped (answered, failed or cancelled).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Serve `app` on `listener` until `shutdown` completes, then drain: stop accepting, let
/// in-flight requests finish and idle connections close, and wait for queued mail and SMS, all
/// within [`ServeOptions::shutdown_grace`]. Each request carries its client's address
/// (`ConnectInfo<SocketAddr>`).
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let max = options.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(max));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .max_buf_size(options.max_head_bytes.max(8192))
        .keep_alive(true);
    let http = Arc::new(http);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            biased;
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(s) => s,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: wait, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let http = http.clone();
        let mut stop = stop_rx.clone();
        let keep_alive = options.keep_alive_timeout;
        tokio::spawn(async move {
            let activity = Arc::new(Activity::new());
            let seen = activity.clone();
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                seen.in_flight.fetch_add(1, Ordering::AcqRel);
                seen.touch();
                let guard = InFlight(seen.clone());
                req.extensions_mut().insert(ConnectInfo(peer));
                let app = app.clone();
                async move {
                    let res = app.oneshot(req.map(Body::new)).await;
                    drop(guard);
                    res.map_err(|e: Infallible| match e {})
                }
            });
            let conn = http.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let mut closing = false;
            let tick = keep_alive
                .min(Duration::from_secs(1))
                .max(Duration::from_millis(100));
            loop {
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, %peer, "connection ended with an error");
                        }
                        break;
                    }
                    changed = stop.changed(), if !closing => {
                        let _ = changed;
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    () = tokio::time::sleep(tick), if !closing => {
                        if activity.idle_for().is_some_and(|idle| idle >= keep_alive) {
                            closing = true;
                            conn.as_mut().graceful_shutdown();
                        }
                    }
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("shutting down: no new connections; draining requests in flight");
    let _ = stop_tx.send(true);
    let deadline = tokio::time::Instant::now() + options.shutdown_grace;
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    match tokio::time::timeout_at(deadline, slots.acquire_many(all)).await {
        Ok(_) => tracing::info!("all connections closed"),
        Err(_) => tracing::warn!(
            open = max - slots.available_permits(),
            "shutdown grace period over; closing the remaining connections"
        ),
    }
    Ok(())
}

/// Completes on SIGTERM or SIGINT (Ctrl-C): what orchestrators and terminals send.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}

//! What every answer of a portcullis server gets, in one place ([`harden`]):
//!
//! - errors that happen outside the flows (404, 405 with `Allow`, 413, 415, 431, timeouts, an
//!   extractor's rejection) in the JSON envelope for JSON clients and as a small page for
//!   browsers;
//! - the browser security headers (PORTCULLIS_SECURITY_HEADERS);
//! - a request id (`X-Request-Id`, taken from the client when well-formed, else made), one log
//!   line per request and the request metrics.
//!
//! And the operations endpoints ([`Security::ops_router`]): `/healthz`, `/readyz`, `/metrics`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use portcullis_core::UserKey;
use tower::{Layer, Service};

use crate::Security;
use crate::messages::Msg;
use crate::respond;

/// The header carrying the request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The signed-in user of a request, when the auth layer knew it (a response extension).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignedInUser(pub(crate) i64);

/// The request id of a request (a request extension, for handlers and logs).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Wrap a whole app: error envelopes, request timeout, header size limit, security headers,
/// request ids, request logs and metrics, with the limits of `security`'s configuration. Apply
/// it last, around everything else (including [`Security::layer`]).
///
/// All of it is one tower layer ([`HardenLayer`]): one boxed future per request, header values
/// built once, and no copy of the request's headers (only `Accept` and `Content-Type` are kept
/// for an error answered after the request went in).
pub fn harden(app: Router, security: &Security) -> Router {
    app.fallback(not_found).layer(HardenLayer::new(security))
}

/// [`Security::layer`] and [`harden`] together, for an app whose routes have neither yet:
/// the same behaviour as `harden(app.layer(security.layer()), security)`, in one layer.
///
/// Each `Router::layer` call wraps every route in one more boxed service, and axum clones a
/// route's boxed services on every request (a cost that grows with the square of the number
/// of layers): one layer instead of two is measurably faster (bench/PROFILING.md).
pub fn secure(app: Router, security: &Security) -> Router {
    app.fallback(not_found).layer(
        tower::ServiceBuilder::new()
            .layer(HardenLayer::new(security))
            .layer(security.layer()),
    )
}

async fn not_found(headers: HeaderMap) -> Response {
    respond::error_response(&headers, StatusCode::NOT_FOUND, Msg::NotFound)
}

/// What [`harden`] adds, as a tower layer.
#[derive(Clone)]
pub struct HardenLayer {
    shared: Arc<Hardening>,
}

impl std::fmt::Debug for HardenLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HardenLayer").finish_non_exhaustive()
    }
}

/// Built once from the configuration.
struct Hardening {
    security: Security,
    timeout: Duration,
    max_header_bytes: usize,
    /// Every response: `X-Content-Type-Options`, `Referrer-Policy` (and HSTS behind https).
    always: Vec<(HeaderName, HeaderValue)>,
    /// HTML pages: `X-Frame-Options`, `Content-Security-Policy`.
    html: Vec<(HeaderName, HeaderValue)>,
    /// Request ids made here: a per-process random prefix and a counter (unique, cheap; an id
    /// names a request in logs, it is not a secret).
    id_prefix: String,
    id_counter: AtomicU64,
}

impl HardenLayer {
    /// The layer for `security`'s configuration.
    pub fn new(security: &Security) -> Self {
        let c = security.config();
        let h = &c.security_headers;
        let value = |v: Option<&str>| v.and_then(|v| HeaderValue::from_str(v).ok());
        let mut always = Vec::new();
        let mut html = Vec::new();
        for (name, v) in [
            (
                header::X_CONTENT_TYPE_OPTIONS,
                h.x_content_type_options.value(),
            ),
            (header::REFERRER_POLICY, h.referrer_policy.value()),
        ] {
            if let Some(v) = value(v) {
                always.push((name, v));
            }
        }
        let https = c
            .external_url
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"));
        if https && let Some(v) = value(h.hsts.value()) {
            always.push((header::STRICT_TRANSPORT_SECURITY, v));
        }
        for (name, v) in [
            (header::X_FRAME_OPTIONS, h.frame_options.value()),
            (
                header::CONTENT_SECURITY_POLICY,
                h.content_security_policy.value(),
            ),
        ] {
            if let Some(v) = value(v) {
                html.push((name, v));
            }
        }
        Self {
            shared: Arc::new(Hardening {
                security: security.clone(),
                timeout: Duration::from_secs(
                    u64::try_from(c.request_timeout.as_secs()).unwrap_or(30),
                ),
                max_header_bytes: c.max_header_bytes,
                always,
                html,
                id_prefix: portcullis_core::crypto::random::token_hex(8),
                id_counter: AtomicU64::new(0),
            }),
        }
    }
}

impl<S> Layer<S> for HardenLayer {
    type Service = HardenService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        HardenService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service made by [`HardenLayer`].
#[derive(Clone)]
pub struct HardenService<S> {
    inner: S,
    shared: Arc<Hardening>,
}

impl<S> std::fmt::Debug for HardenService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HardenService").finish_non_exhaustive()
    }
}

impl<S> Service<Request> for HardenService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let started = Instant::now();
        // The clone that was polled ready is the one we call (tower's documented pattern).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = Arc::clone(&self.shared);
        let id = req
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|v| valid_request_id(v))
            .map_or_else(|| shared.new_request_id(), str::to_owned);
        let id_header = HeaderValue::from_str(&id).ok();
        req.extensions_mut().insert(RequestId(id));
        let method = req.method().clone();
        let route = req.extensions().get::<MatchedPath>().cloned();
        let client = req
            .extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        // For an error answered after the request went in: how the client wants it.
        let negotiation = ErrorNegotiation::of(req.headers());
        let lang = shared.security.language(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        let too_large = header_size(&req) > shared.max_header_bytes;
        Box::pin(crate::i18n::scope(lang, async move {
            let mut res = if too_large {
                negotiation.error(
                    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                    Msg::HeadersTooLarge,
                )
            } else {
                match tokio::time::timeout(shared.timeout, inner.call(req)).await {
                    Ok(Ok(res)) => envelope_errors(&negotiation, res),
                    Err(_) => {
                        tracing::warn!(limit_secs = shared.timeout.as_secs(), "request timed out");
                        let mut res =
                            negotiation.error(StatusCode::SERVICE_UNAVAILABLE, Msg::RequestTimeout);
                        res.headers_mut()
                            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                        res
                    }
                }
            };
            shared.security_headers(&mut res);
            if let Some(v) = id_header {
                res.headers_mut().insert(REQUEST_ID, v);
            }
            shared.observe(&res, route.as_ref(), &method, client, started);
            Ok(res)
        }))
    }
}

impl Hardening {
    fn new_request_id(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = self.id_counter.fetch_add(1, Ordering::Relaxed);
        let mut id = String::with_capacity(self.id_prefix.len() + 16);
        id.push_str(&self.id_prefix);
        for shift in (0..16).rev() {
            let nibble = usize::try_from((n >> (shift * 4)) & 0xf).unwrap_or(0);
            id.push(char::from(HEX[nibble]));
        }
        id
    }

    /// The browser security headers, as configured (a header the app set stays).
    fn security_headers(&self, res: &mut Response) {
        let html = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/html"));
        let extra: &[(HeaderName, HeaderValue)] = if html { &self.html } else { &[] };
        let headers = res.headers_mut();
        for (name, value) in self.always.iter().chain(extra) {
            headers.entry(name.clone()).or_insert_with(|| value.clone());
        }
    }

    /// One log line and the request metrics.
    fn observe(
        &self,
        res: &Response,
        route: Option<&MatchedPath>,
        method: &Method,
        client: Option<std::net::IpAddr>,
        started: Instant,
    ) {
        let route = route.map_or("unmatched", MatchedPath::as_str);
        let status = res.status().as_u16();
        let elapsed = started.elapsed();
        let user_id = res.extensions().get::<SignedInUser>().map(|u| u.0);
        self.security
            .inner
            .metrics
            .request(route, method.as_str(), status, elapsed.as_secs_f64());
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        let request_id = res
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        let client = Client(client);
        // Probes and scrapes come every few seconds: logged at debug.
        if matches!(route, "/healthz" | "/readyz" | "/metrics") {
            tracing::debug!(target: "portcullis::request", method = %method, route = %route,
                status, latency_ms, request_id = %request_id, client = %client, "request");
        } else {
            tracing::info!(target: "portcullis::request", method = %method, route = %route,
                status, latency_ms, request_id = %request_id, user_id, client = %client, "request");
        }
    }
}

/// The client address in a log line (`-` when unknown), formatted only when logged.
struct Client(Option<std::net::IpAddr>);

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => ip.fmt(f),
            None => f.write_str("-"),
        }
    }
}

/// The request line and headers' size, as the 431 limit counts it.
fn header_size(req: &Request) -> usize {
    let uri = req.uri();
    let uri_len = uri.path_and_query().map_or(1, |p| p.as_str().len())
        + uri.scheme_str().map_or(0, |s| s.len() + 3)
        + uri.authority().map_or(0, |a| a.as_str().len());
    uri_len
        + req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>()
}

/// The two request headers that decide between the JSON envelope and a page for an error
/// made here (cheap clones: header values share the request's buffer).
struct ErrorNegotiation {
    accept: Option<HeaderValue>,
    content_type: Option<HeaderValue>,
}

impl ErrorNegotiation {
    fn of(headers: &HeaderMap) -> Self {
        Self {
            accept: headers.get(header::ACCEPT).cloned(),
            content_type: headers.get(header::CONTENT_TYPE).cloned(),
        }
    }

    fn error(&self, status: StatusCode, message: Msg) -> Response {
        let mut headers = HeaderMap::new();
        if let Some(v) = &self.accept {
            headers.insert(header::ACCEPT, v.clone());
        }
        if let Some(v) = &self.content_type {
            headers.insert(header::CONTENT_TYPE, v.clone());
        }
        respond::error_response(&headers, status, message)
    }
}

/// Give an error answered without a body we wrote (axum's 404/405, an extractor's plain-text
/// rejection) the envelope or the page; `Allow` and other headers stay.
fn envelope_errors(negotiation: &ErrorNegotiation, res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ours = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/html"));
    if ours {
        return res;
    }
    let message = match status {
        StatusCode::NOT_FOUND => Msg::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Msg::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Msg::RequestBodyTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Msg::UnsupportedMediaType,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => Msg::HeadersTooLarge,
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => Msg::RequestTimeout,
        StatusCode::UNAUTHORIZED => Msg::Unauthenticated,
        StatusCode::FORBIDDEN => Msg::Unauthorized,
        StatusCode::SERVICE_UNAVAILABLE => Msg::ServiceUnavailable,
        s if s.is_server_error() => Msg::InternalError,
        _ => Msg::ApiError,
    };
    let (mut parts, _) = res.into_parts();
    let mut rebuilt = negotiation.error(status, message);
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in parts.headers.iter() {
        rebuilt.headers_mut().insert(name.clone(), value.clone());
    }
    *rebuilt.extensions_mut() = parts.extensions;
    if status == StatusCode::METHOD_NOT_ALLOWED && !rebuilt.headers().contains_key(header::ALLOW) {
        tracing::debug!("405 without Allow");
    }
    rebuilt
}

/// A well-formed client request id: 1–128 of `A-Z a-z 0-9 - _ . :`.
fn valid_request_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

impl Security {
    /// `GET /healthz` (the process answers), `GET /readyz` (the datastore and the session and
    /// counter store answer; 503 otherwise) and, when `metrics` is on and `metrics_bind` is not
    /// set, `GET /metrics`.
    pub fn ops_router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let c = self.config();
        let mut r: Router<Security> = Router::new()
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .route("/openapi.json", get(openapi));
        if c.metrics && c.metrics_bind.is_none() {
            r = r.route("/metrics", get(metrics));
        }
        r.with_state(self.clone())
    }

    /// The OpenAPI 3.1 description (JSON) of the endpoints [`Security::router`] and
    /// [`Security::ops_router`] mount with this configuration.
    pub fn openapi_json(&self) -> String {
        use crate::openapi::{Body, Op};
        let c = self.config();
        let mut api = crate::flows::mount(self).api;
        api.add(
            "/healthz",
            &[Op::get("The process answers", Some(Body::of::<Status>()))],
        );
        api.add(
            "/readyz",
            &[Op::get(
                "The database and the session and counter store answer (503 otherwise)",
                Some(Body::of::<Readiness>()),
            )],
        );
        if c.metrics && c.metrics_bind.is_none() {
            api.add(
                "/metrics",
                &[Op::get("Prometheus metrics (text exposition format)", None)],
            );
        }
        api.add("/openapi.json", &[Op::get("This description", None)]);
        api.document().to_json().unwrap_or_else(|e| {
            tracing::error!(error = %e, "OpenAPI document not serialisable");
            "{}".to_owned()
        })
    }

    /// `GET /metrics` alone, to serve on `metrics_bind`.
    pub fn metrics_router(&self) -> Router {
        Router::new()
            .route("/metrics", get(metrics))
            .with_state(self.clone())
    }

    /// The Prometheus text exposition of this process's metrics.
    pub async fn render_metrics(&self) -> String {
        let sessions = self
            .store()
            .count_sessions(self.clock().unix())
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "sessions not counted for /metrics"))
            .ok();
        self.inner.metrics.render(sessions)
    }
}

/// `/healthz`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Status {
    status: &'static str,
}

/// `/readyz`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Readiness {
    status: &'static str,
    checks: Checks,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Checks {
    database: bool,
    sessions_and_counters: bool,
}

async fn healthz() -> Response {
    respond::envelope_of(StatusCode::OK, &Status { status: "ok" })
}

async fn openapi(State(security): State<Security>) -> Response {
    let mut res = (StatusCode::OK, security.openapi_json()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

async fn readyz(State(security): State<Security>) -> Response {
    const WITHIN: Duration = Duration::from_secs(2);
    let store = security.store();
    let users = tokio::time::timeout(WITHIN, store.find_user(UserKey::Id(0))).await;
    let database = matches!(users, Ok(Ok(_)));
    let now = security.clock().unix();
    let counters = tokio::time::timeout(WITHIN, store.get_counter("readyz", now)).await;
    let sessions_and_counters = matches!(counters, Ok(Ok(_)));
    let ready = database && sessions_and_counters;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    if !ready {
        tracing::warn!(database, sessions_and_counters, "not ready");
    }
    respond::envelope_of(
        status,
        &Readiness {
            status: if ready { "ready" } else { "unavailable" },
            checks: Checks {
                database,
                sessions_and_counters,
            },
        },
    )
}

async fn metrics(State(security): State<Security>, method: Method) -> Response {
    let body = security.render_metrics().await;
    let mut res = if method == Method::HEAD {
        StatusCode::OK.into_response()
    } else {
        (StatusCode::OK, body).into_response()
    };
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_clients_are_checked() {
        assert!(valid_request_id("abc-123_x.y:z"));
        assert!(!valid_request_id(""));
        assert!(!valid_request_id("a b"));
        assert!(!valid_request_id("a\nb"));
        assert!(!valid_request_id(&"x".repeat(129)));
    }
}

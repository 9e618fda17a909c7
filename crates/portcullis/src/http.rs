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

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use portcullis_core::UserKey;

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
pub fn harden(app: Router, security: &Security) -> Router {
    let c = security.config();
    let timeout = Duration::from_secs(u64::try_from(c.request_timeout.as_secs()).unwrap_or(30));
    let max_header_bytes = c.max_header_bytes;
    app.fallback(not_found)
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            request_timeout(timeout, req, next)
        }))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            limit_header_size(max_header_bytes, req, next)
        }))
        .layer(middleware::from_fn(envelope_errors))
        .layer(middleware::from_fn_with_state(
            security.clone(),
            security_headers,
        ))
        .layer(middleware::from_fn_with_state(security.clone(), observe))
}

async fn not_found(headers: HeaderMap) -> Response {
    respond::error_response(&headers, StatusCode::NOT_FOUND, Msg::NotFound)
}

/// Answer 503 when the app takes longer than `limit`.
async fn request_timeout(limit: Duration, req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(limit_secs = limit.as_secs(), "request timed out");
            let mut res = respond::error_response(
                &headers,
                StatusCode::SERVICE_UNAVAILABLE,
                Msg::RequestTimeout,
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            res
        }
    }
}

/// Answer 431 when the request line and headers are larger than `limit` bytes.
async fn limit_header_size(limit: usize, req: Request, next: Next) -> Response {
    let size = req.uri().to_string().len()
        + req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>();
    if size > limit {
        return respond::error_response(
            req.headers(),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Msg::HeadersTooLarge,
        );
    }
    next.run(req).await
}

/// Give an error answered without a body we wrote (axum's 404/405, an extractor's plain-text
/// rejection) the envelope or the page; `Allow` and other headers stay.
async fn envelope_errors(req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let res = next.run(req).await;
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
    let mut rebuilt = respond::error_response(&headers, status, message);
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in parts.headers.iter() {
        rebuilt.headers_mut().insert(name.clone(), value.clone());
    }
    if status == StatusCode::METHOD_NOT_ALLOWED && !rebuilt.headers().contains_key(header::ALLOW) {
        tracing::debug!("405 without Allow");
    }
    rebuilt
}

/// The browser security headers, as configured.
async fn security_headers(State(security): State<Security>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let c = security.config();
    let h = &c.security_headers;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    let https = c
        .external_url
        .as_deref()
        .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"));
    let mut set = |name: HeaderName, value: Option<&str>| {
        if let Some(v) = value
            && !res.headers().contains_key(&name)
            && let Ok(v) = HeaderValue::from_str(v)
        {
            res.headers_mut().insert(name, v);
        }
    };
    set(
        header::X_CONTENT_TYPE_OPTIONS,
        h.x_content_type_options.value(),
    );
    set(header::REFERRER_POLICY, h.referrer_policy.value());
    if html {
        set(header::X_FRAME_OPTIONS, h.frame_options.value());
        set(
            header::CONTENT_SECURITY_POLICY,
            h.content_security_policy.value(),
        );
    }
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, h.hsts.value());
    }
    res
}

/// A well-formed client request id: 1–128 of `A-Z a-z 0-9 - _ . :`.
fn valid_request_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Request id in and out, one log line, the request metrics.
async fn observe(State(security): State<Security>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_request_id(v))
        .map_or_else(
            || portcullis_core::crypto::random::token_hex(16),
            str::to_owned,
        );
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let client = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let lang = security.language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut res = crate::i18n::scope(lang, next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    let user_id = res.extensions().get::<SignedInUser>().map(|u| u.0);
    security
        .inner
        .metrics
        .request(&route, method.as_str(), status, elapsed.as_secs_f64());
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    let client = client.as_deref().unwrap_or("-");
    // Probes and scrapes come every few seconds: logged at debug.
    if matches!(route.as_str(), "/healthz" | "/readyz" | "/metrics") {
        tracing::debug!(target: "portcullis::request", method = %method, route = %route,
            status, latency_ms, request_id = %id, client, "request");
    } else {
        tracing::info!(target: "portcullis::request", method = %method, route = %route,
            status, latency_ms, request_id = %id, user_id, client, "request");
    }
    res
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

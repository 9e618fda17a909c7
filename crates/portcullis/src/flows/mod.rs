//! One module per flow. Handlers parse input (`FlowRequest`), call the flow's logic, and render
//! the outcome through `respond` as the JSON envelope, an HTML page, or a redirect.

mod change;
mod check;
mod login;
mod logout;
mod register;
mod verify;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use portcullis_core::User;
use portcullis_core::crypto::random;
use portcullis_core::events::Event;
use serde_json::{Map, Value, json};

use crate::error::Result;
use crate::layer::RequestAuth;
use crate::respond::{self, FieldErrors, msg};
use crate::{Security, csrf};

/// Largest request body a flow accepts.
const MAX_BODY: usize = 64 * 1024;

/// Build the router of every enabled flow.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(security: Security) -> Router<S> {
    let c = security.config().clone();
    let mut r: Router<Security> = Router::new()
        .route(&c.login_url, get(login::get).post(login::post))
        .route("/auth/check", get(check::check));
    let logout_get = c.logout_methods.iter().any(|m| m == "GET");
    let logout_post = c.logout_methods.iter().any(|m| m == "POST");
    match (logout_get, logout_post) {
        (true, true) => r = r.route(&c.logout_url, get(logout::logout).post(logout::logout)),
        (true, false) => r = r.route(&c.logout_url, get(logout::logout)),
        (false, true) => r = r.route(&c.logout_url, post(logout::logout)),
        (false, false) => {}
    }
    if c.freshness.as_secs() >= 0 {
        r = r.route(&c.verify_url, get(verify::get).post(verify::post));
    }
    if c.registerable {
        r = r.route(&c.register_url, get(register::get).post(register::post));
    }
    if c.changeable {
        r = r.route(&c.change_url, get(change::get).post(change::post));
    }
    r.layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(security)
}

/// What every flow handler gets: the auth state, headers, query, and the parsed body.
pub(crate) struct FlowRequest {
    pub(crate) auth: RequestAuth,
    pub(crate) method: Method,
    pub(crate) headers: HeaderMap,
    pub(crate) uri: Uri,
    pub(crate) json: bool,
    pub(crate) input: Map<String, Value>,
}

impl<S: Send + Sync> FromRequest<S> for FlowRequest {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> std::result::Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let auth = crate::extract::request_auth(&parts)?;
        let json = respond::wants_json(&parts.headers);
        let req = Request::from_parts(parts.clone(), body);
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            respond::errors(
                StatusCode::PAYLOAD_TOO_LARGE,
                vec!["Request body too large or unreadable.".into()],
            )
        })?;
        if bytes.len() > MAX_BODY {
            return Err(respond::errors(
                StatusCode::PAYLOAD_TOO_LARGE,
                vec!["Request body too large.".into()],
            ));
        }
        let body_is_json = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
        let input = if bytes.is_empty() {
            Map::new()
        } else if body_is_json {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(m)) => m,
                _ => {
                    return Err(respond::errors(
                        StatusCode::BAD_REQUEST,
                        vec![msg::API_ERROR.into()],
                    ));
                }
            }
        } else {
            let mut m = Map::new();
            for (k, v) in form_urlencoded::parse(&bytes) {
                m.insert(k.into_owned(), Value::String(v.into_owned()));
            }
            m
        };
        let _ = &mut parts;
        Ok(Self {
            auth,
            method: parts.method,
            headers: parts.headers,
            uri: parts.uri,
            json,
            input,
        })
    }
}

impl FlowRequest {
    /// A string field: `Ok(None)` when absent/empty, `Err` when not a string (API_ERROR).
    pub(crate) fn string(&self, name: &str, errors: &mut FieldErrors) -> Option<String> {
        match self.input.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                errors.add(name, msg::API_ERROR);
                None
            }
        }
    }

    /// A boolean field (`true`, "y", "on", "true", "1").
    pub(crate) fn boolean(&self, name: &str) -> Option<bool> {
        match self.input.get(name)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => Some(matches!(
                s.to_ascii_lowercase().as_str(),
                "y" | "yes" | "on" | "true" | "1"
            )),
            Value::Number(n) => Some(n.as_i64().is_some_and(|n| n != 0)),
            _ => None,
        }
    }

    /// Whether the query string has `key` (any value, even empty).
    pub(crate) fn has_query(&self, key: &str) -> bool {
        self.query(key).is_some()
    }

    /// A query parameter.
    pub(crate) fn query(&self, key: &str) -> Option<String> {
        let q = self.uri.query()?;
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    }

    /// `next` from the body, else the query string.
    pub(crate) fn next_param(&self) -> Option<String> {
        match self.input.get("next") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => self.query("next").filter(|s| !s.is_empty()),
        }
    }

    /// The CSRF token from a header or the `csrf_token` field.
    pub(crate) fn csrf_token(&self) -> Option<String> {
        let config = self.auth.security().config();
        csrf::header_token(&self.headers, &config.csrf_header).or_else(|| {
            self.input
                .get("csrf_token")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
    }

    /// Whether the auth token should be returned.
    pub(crate) fn include_auth_token(&self) -> bool {
        self.has_query("include_auth_token")
            || self.auth.security().config().backwards_compat_auth_token
    }
}

/// Check CSRF for an unauthenticated endpoint (`@unauth_csrf`): skipped for anonymous callers
/// when `csrf_ignore_unauth_endpoints`; otherwise required unless the caller authenticated with a
/// mechanism outside `csrf_protect_mechanisms`.
pub(crate) async fn unauth_csrf(req: &FlowRequest) -> std::result::Result<(), Response> {
    let config = req.auth.security().config();
    let identity = req.auth.identity_cheap();
    match &identity {
        None if config.csrf_ignore_unauth_endpoints => return Ok(()),
        Some(id) if !config.csrf_protect_mechanisms.contains(&id.via) => return Ok(()),
        _ => {}
    }
    csrf::check(&req.auth, req.csrf_token().as_deref()).map_err(|m| csrf_failure(req, m))
}

/// Check CSRF for an authenticated endpoint, by the mechanism used.
pub(crate) fn authed_csrf(
    req: &FlowRequest,
    via: portcullis_core::config::Mechanism,
) -> std::result::Result<(), Response> {
    let config = req.auth.security().config();
    if !config.csrf_protect_mechanisms.contains(&via) {
        return Ok(());
    }
    csrf::check(&req.auth, req.csrf_token().as_deref()).map_err(|m| csrf_failure(req, m))
}

fn csrf_failure(req: &FlowRequest, message: &str) -> Response {
    if req.json {
        respond::errors(StatusCode::BAD_REQUEST, vec![message.to_owned()])
    } else {
        let mut res = respond::html(
            StatusCode::BAD_REQUEST,
            format!(
                "<!doctype html><title>Bad request</title><h1>Bad request</h1><p>{message}</p>"
            ),
        );
        res.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("private, no-store"),
        );
        res
    }
}

pub(crate) use portcullis_core::policy::normalize_email;

/// Find a user by any identity attribute, in the configured order.
pub(crate) async fn lookup_identity(security: &Security, ident: &str) -> Result<Option<User>> {
    let store = security.store();
    for attr in security.config().identity_attributes() {
        let found = match attr.as_str() {
            "email" => match normalize_email(ident) {
                Some(email) => store.user_by_email(&email).await?,
                None => None,
            },
            "username" => store.user_by_username(ident.trim()).await?,
            _ => None,
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Whether the user still has to confirm their email before signing in.
pub(crate) fn needs_confirmation(security: &Security, user: &User) -> bool {
    let c = security.config();
    c.confirmable && !c.login_without_confirmation && !user.is_confirmed()
}

/// Re-hash with the current scheme after a successful verification (never fails the request).
pub(crate) async fn upgrade_hash(security: &Security, user: &User, stored: &str, password: String) {
    match security.hash_pool().hash(password).await {
        Ok(new_hash) => {
            let now = security.clock().now();
            match security
                .store()
                .upgrade_password(user.id, stored, &new_hash, now)
                .await
            {
                Ok(true) => security.emit(Event::PasswordRehashed { user_id: user.id }),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not store upgraded hash"),
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not upgrade hash"),
    }
}

/// Sign a user in on this request's session, record the login, emit the event.
pub(crate) async fn login_user(
    req: &FlowRequest,
    user: &User,
    remember: bool,
    via: &str,
) -> Result<f64> {
    let security = req.auth.security();
    let now = security.clock().unix_f64();
    // Track first: if that write fails, the request fails and no session is created.
    if security.config().trackable {
        security
            .store()
            .record_login(user.id, security.clock().now(), req.auth.client_ip())
            .await?;
    }
    req.auth
        .with_session(|s| s.login(&user.fs_uniquifier, now, remember));
    security.emit(Event::UserAuthenticated {
        user_id: user.id,
        via: via.into(),
    });
    Ok(now)
}

/// The `user` payload: Flask-Security's default is `{}`, plus the auth token when asked for.
pub(crate) fn user_payload(req: &FlowRequest, user: &User, fs_paa: Option<f64>) -> Value {
    let mut m = Map::new();
    if req.include_auth_token() {
        let security = req.auth.security();
        let paa = fs_paa.unwrap_or_else(|| security.clock().unix_f64());
        m.insert(
            "authentication_token".into(),
            Value::String(security.auth_token(user, paa)),
        );
    }
    Value::Object(m)
}

/// Success body with a fresh CSRF token.
pub(crate) fn ok_with_csrf(req: &FlowRequest, mut body: Map<String, Value>) -> Response {
    body.insert("csrf_token".into(), json!(csrf::token(&req.auth)));
    respond::envelope(StatusCode::OK, body)
}

/// Render an HTML page with the common context.
pub(crate) fn page(
    req: &FlowRequest,
    template: &str,
    title: &str,
    errors: &FieldErrors,
    mut ctx: Map<String, Value>,
) -> Response {
    let security = req.auth.security();
    let mut fe = Map::new();
    for name in errors.field_names() {
        fe.insert(name.to_owned(), json!(errors.get(name)));
    }
    ctx.insert("title".into(), json!(title));
    ctx.insert("errors".into(), Value::Object(fe));
    ctx.insert("form_errors".into(), json!(errors.get("")));
    ctx.insert("csrf_token".into(), json!(csrf::token(&req.auth)));
    ctx.insert(
        "action".into(),
        json!(req.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")),
    );
    ctx.entry("values").or_insert_with(|| json!({}));
    match security
        .inner
        .templates
        .render(template, &Value::Object(ctx))
    {
        Ok(body) => respond::html(StatusCode::OK, body),
        Err(e) => e.into_response(),
    }
}

/// Validate `next` for redirects; invalid ones are dropped silently (`propagate_next`).
pub(crate) fn safe_next(req: &FlowRequest) -> Option<String> {
    req.next_param()
        .and_then(|n| crate::redirect::validate(&n, req.auth.host(), req.auth.security().config()))
}

/// A new uniquifier value.
pub(crate) fn new_uniquifier() -> String {
    random::uniquifier()
}

/// Validate a new password by the configured policy.
pub(crate) fn password_policy(security: &Security, password: &str) -> Vec<String> {
    let normalized = security.hash_pool().hasher().normalize(password);
    portcullis_core::policy::password_errors(&normalized, security.config().password_length_min)
}

/// The caller by the API mechanisms (session, token), or the 401/redirect response.
pub(crate) async fn require_user(
    req: &FlowRequest,
) -> std::result::Result<crate::layer::Identity, Response> {
    let mechanisms = req.auth.security().config().api_enabled_methods.clone();
    match req.auth.identify(&mechanisms).await {
        Ok(Some(identity)) => Ok(identity),
        Ok(None) => Err(crate::extract::unauthenticated_response(
            &req.auth,
            &req.headers,
            &req.uri,
            mechanisms.contains(&portcullis_core::config::Mechanism::Basic),
        )),
        Err(e) => Err(e.into_response()),
    }
}

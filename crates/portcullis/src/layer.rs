//! The tower layer that authenticates each request once and persists the session afterwards.
//!
//! Tokens and session cookies are checked eagerly (an HMAC and one indexed lookup); HTTP Basic
//! costs a password hash, so it is verified lazily, only when a guard or extractor that accepts
//! Basic asks. The result is a [`RequestAuth`] in the request extensions.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, Request, header};
use axum::response::Response;
use base64::Engine;
use http_body_util::BodyExt;
use portcullis_core::config::Mechanism;
use portcullis_core::{Role, SessionRecord, User};
use tokio::sync::OnceCell;
use tower::{Layer, Service};

use crate::Security;
use crate::error::Result;
use crate::session::{self, CsrfCookie, SessionState};

/// Largest JSON body searched for an `auth_token` key.
const MAX_TOKEN_BODY: usize = 64 * 1024;

/// Who is calling, and how.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The user.
    pub user: Arc<User>,
    /// The mechanism that authenticated them.
    pub via: Mechanism,
    /// Time of last primary authentication, when known (session or token `fs_paa`).
    pub fs_paa: Option<f64>,
}

struct AuthCtx {
    security: Security,
    session: Mutex<SessionState>,
    token_identity: Option<Identity>,
    session_identity: Option<Identity>,
    basic: Option<(String, String)>,
    basic_identity: OnceCell<Option<Identity>>,
    roles: Mutex<Vec<(i64, Arc<Vec<Role>>)>>,
    client_addr: Option<std::net::IpAddr>,
    /// `client_addr` as text, made when first asked for (login tracking, limits).
    client_ip: std::sync::OnceLock<Option<String>>,
    host: Option<HeaderValue>,
}

/// The authentication state of one request (in the request extensions).
#[derive(Clone)]
pub struct RequestAuth(Arc<AuthCtx>);

impl std::fmt::Debug for RequestAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestAuth")
            .field("token", &self.0.token_identity.is_some())
            .field("session", &self.0.session_identity.is_some())
            .field("basic", &self.0.basic.is_some())
            .finish()
    }
}

impl RequestAuth {
    /// The security instance.
    pub fn security(&self) -> &Security {
        &self.0.security
    }

    pub(crate) fn csrf_key(&self) -> &[u8] {
        self.0
            .security
            .config()
            .secret_key
            .as_ref()
            .map(|s| s.expose().as_bytes())
            .unwrap_or_default()
    }

    pub(crate) fn with_session<R>(&self, f: impl FnOnce(&mut SessionState) -> R) -> R {
        match self.0.session.lock() {
            Ok(mut guard) => f(&mut guard),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// The client address (from `ConnectInfo`), for login tracking.
    pub fn client_ip(&self) -> Option<&str> {
        self.0
            .client_ip
            .get_or_init(|| self.0.client_addr.map(|ip| ip.to_string()))
            .as_deref()
    }

    /// The client address the per-address limit counts: `None` when addresses are
    /// [`crate::ClientAddresses::Untracked`] or the limit is off; an error when they should come
    /// from the connection and the app is served without connection info.
    pub(crate) fn limit_address(&self) -> Result<Option<&str>> {
        let security = &self.0.security;
        if security.config().rate_limit_failures == 0
            || security.inner.client_addresses == crate::ClientAddresses::Untracked
        {
            return Ok(None);
        }
        match self.client_ip() {
            Some(ip) => Ok(Some(ip)),
            None => Err(crate::error::Error::ClientAddressUnknown),
        }
    }

    /// The request's Host (without port handling), for redirect validation.
    pub fn host(&self) -> Option<&str> {
        self.0.host.as_ref().and_then(|v| v.to_str().ok())
    }

    /// Whether the request carried Basic credentials.
    pub fn has_basic(&self) -> bool {
        self.0.basic.is_some()
    }

    /// The identity by the first of token → session → basic that `mechanisms` allows and that
    /// succeeds (Flask-Security's order, regardless of the order of `mechanisms`).
    pub async fn identify(&self, mechanisms: &[Mechanism]) -> Result<Option<Identity>> {
        if mechanisms.contains(&Mechanism::Token)
            && let Some(id) = &self.0.token_identity
        {
            return Ok(Some(id.clone()));
        }
        if mechanisms.contains(&Mechanism::Session)
            && let Some(id) = &self.0.session_identity
        {
            return Ok(Some(id.clone()));
        }
        if mechanisms.contains(&Mechanism::Basic) && self.0.basic.is_some() {
            let id = self
                .0
                .basic_identity
                .get_or_try_init(|| self.verify_basic())
                .await?;
            return Ok(id.clone());
        }
        Ok(None)
    }

    /// Identity by session or token (the default mechanisms), without Basic.
    pub fn identity_cheap(&self) -> Option<Identity> {
        self.0
            .token_identity
            .clone()
            .or_else(|| self.0.session_identity.clone())
    }

    /// The identity of the session alone.
    pub fn session_identity(&self) -> Option<&Identity> {
        self.0.session_identity.as_ref()
    }

    async fn verify_basic(&self) -> Result<Option<Identity>> {
        let Some((ident, password)) = self.0.basic.clone() else {
            return Ok(None);
        };
        let security = &self.0.security;
        let user = crate::accounts::lookup_identity(security, &ident).await?;
        let address = self.limit_address()?;
        // Locked, rate-limited, wrong, disabled or unconfirmed: unauthenticated, at the same cost.
        let Ok(user) = crate::accounts::sign_in_with_password(
            security, user, &ident, password, address, "basic",
        )
        .await?
        else {
            return Ok(None);
        };
        // A password alone cannot stand in for a second factor.
        if crate::flows::two_factor::needs_second_factor(security, &user).await? {
            return Ok(None);
        }
        Ok(Some(Identity {
            user: Arc::new(user),
            via: Mechanism::Basic,
            fs_paa: None,
        }))
    }

    /// The roles of a user, loaded once per request.
    pub async fn roles_of(&self, user: &User) -> Result<Arc<Vec<Role>>> {
        if let Some(r) = self.0.roles.lock().ok().and_then(|m| {
            m.iter()
                .find(|(id, _)| *id == user.id)
                .map(|(_, r)| Arc::clone(r))
        }) {
            return Ok(r);
        }
        let roles = self
            .0
            .security
            .store()
            .roles_of_user_shared(user.id)
            .await?;
        if let Ok(mut m) = self.0.roles.lock() {
            m.push((user.id, Arc::clone(&roles)));
        }
        Ok(roles)
    }
}

/// Adds [`RequestAuth`] to every request and persists session changes.
#[derive(Clone)]
pub struct AuthLayer {
    security: Security,
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer").finish_non_exhaustive()
    }
}

impl AuthLayer {
    pub(crate) fn new(security: Security) -> Self {
        Self { security }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            security: self.security.clone(),
        }
    }
}

/// The service made by [`AuthLayer`].
#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    security: Security,
}

impl<S> std::fmt::Debug for AuthService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").finish_non_exhaustive()
    }
}

impl<S> Service<Request<Body>> for AuthService<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        // The clone that was polled ready is the one we call (tower's documented pattern).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let security = self.security.clone();
        // Behind `http::harden` the language is already negotiated for this request.
        let lang = (!crate::i18n::in_scope()).then(|| {
            security.language(
                req.headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        });
        let fut = async move {
            let (req, auth) = match authenticate(&security, req).await {
                Ok(pair) => pair,
                Err(Rejected::Error(e)) => {
                    return Ok(axum::response::IntoResponse::into_response(e));
                }
                Err(Rejected::Response(res)) => return Ok(res),
            };
            let mut req = req;
            req.extensions_mut().insert(auth.clone());
            let mut res = inner.call(req).await?;
            finish(&security, &auth, &mut res).await;
            Ok(res)
        };
        match lang {
            Some(lang) => Box::pin(crate::i18n::scope(lang, fut)),
            None => Box::pin(fut),
        }
    }
}

pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

fn query_param(query: Option<&str>, key: &str) -> Option<String> {
    // Most requests carry no such key: skip decoding them.
    let q = query.filter(|q| q.contains(key) || q.contains('%') || q.contains('+'))?;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
}

/// The auth token of a request: a header value (shared with the request, not copied) or text
/// from the query string or JSON body.
enum TokenText {
    Header(HeaderValue),
    Owned(String),
}

impl TokenText {
    fn as_str(&self) -> &str {
        match self {
            // A header that is not visible ASCII carries no token.
            Self::Header(v) => v.to_str().unwrap_or_default(),
            Self::Owned(s) => s,
        }
    }
}

/// Why a request did not reach the handler.
enum Rejected {
    Error(crate::error::Error),
    Response(Response),
}

impl From<portcullis_core::StoreError> for Rejected {
    fn from(e: portcullis_core::StoreError) -> Self {
        Self::Error(e.into())
    }
}

async fn authenticate(
    security: &Security,
    req: Request<Body>,
) -> std::result::Result<(Request<Body>, RequestAuth), Rejected> {
    let config = security.config();
    let now = security.clock().unix();
    let headers = req.headers();

    // Token: query parameter, else header; a JSON body key overrides both.
    let mut token = match query_param(req.uri().query(), &config.token_authentication_key) {
        Some(t) => Some(TokenText::Owned(t)),
        None => headers
            .get(config.token_authentication_header.as_str())
            .cloned()
            .map(TokenText::Header),
    };
    let mut req = req;
    let declared_len = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if is_json(req.headers()) && declared_len.is_some_and(|n| n > 0 && n <= MAX_TOKEN_BODY) {
        let (parts, body) = req.into_parts();
        let bytes = match http_body_util::Limited::new(body, MAX_TOKEN_BODY)
            .collect()
            .await
        {
            Ok(c) => c.to_bytes(),
            Err(_) => {
                let res = crate::respond::errors(
                    axum::http::StatusCode::BAD_REQUEST,
                    &[crate::messages::Msg::RequestBodyUnreadable.into()],
                );
                return Err(Rejected::Response(res));
            }
        };
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&bytes)
            && let Some(serde_json::Value::String(t)) = map.get(&config.token_authentication_key)
        {
            token = Some(TokenText::Owned(t.clone()));
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }

    let store = security.store();
    let mut token_identity = None;
    if let Some(token) = token
        .as_ref()
        .map(TokenText::as_str)
        .filter(|t| !t.is_empty())
    {
        let max_age = Some(config.token_max_age.as_secs());
        if let Ok(claims) =
            security
                .inner
                .verified_tokens
                .verify(security.signer(), token, max_age, now)
        {
            let user = store.user_by_token_uniquifier_shared(&claims.uid).await?;
            if let Some(user) = user.filter(|u| u.active) {
                token_identity = Some(Identity {
                    user,
                    via: Mechanism::Token,
                    fs_paa: if config.freshness_allow_auth_token {
                        claims.fs_paa
                    } else {
                        None
                    },
                });
            }
        }
    }

    let mut state = SessionState::default();
    let mut session_identity = None;
    if let Some(id) = cookie_value(req.headers(), &config.session_cookie_name)
        .filter(|id| session::plausible_id(id))
    {
        let record = store.load_session(&session::id_hash(&id), now).await?;
        state.id = Some(id);
        if let Some(record) = record {
            state.record_exists = true;
            state.expires_at = record.expires_at;
            state.data = record.data;
            if let Some(uq) = record.user_uniquifier {
                let user = store.user_by_uniquifier_shared(&uq).await?;
                match user.filter(|u| u.active) {
                    Some(user) => {
                        session_identity = Some(Identity {
                            user,
                            via: Mechanism::Session,
                            fs_paa: state.data.fs_paa,
                        });
                        state.user_uniquifier = Some(uq);
                        // Sliding expiry: refresh once less than half the lifetime is left.
                        let lifetime = if state.data.remember {
                            config.remember_lifetime.as_secs()
                        } else {
                            config.session_lifetime.as_secs()
                        };
                        if state.expires_at - now < lifetime / 2 {
                            state.dirty = true;
                        }
                    }
                    // Uniquifier rotated or user deactivated: this session is over.
                    None => state.destroy = true,
                }
            }
        }
    }

    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ci| ci.0.ip());
    let client_addr =
        peer.map(|peer| client_address(peer, req.headers(), &security.inner.trusted_proxies));
    let host = req
        .headers()
        .get(header::HOST)
        .filter(|v| v.to_str().is_ok())
        .cloned()
        .or_else(|| {
            req.uri()
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        });
    let basic = basic_credentials(req.headers());
    let auth = RequestAuth(Arc::new(AuthCtx {
        security: security.clone(),
        session: Mutex::new(state),
        token_identity,
        session_identity,
        basic,
        basic_identity: OnceCell::new(),
        roles: Mutex::new(Vec::new()),
        client_addr,
        client_ip: std::sync::OnceLock::new(),
        host,
    }));
    Ok((req, auth))
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy — only then does
/// `X-Forwarded-For` count, read from the right, skipping the trusted proxies in it.
pub(crate) fn client_address(
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    trusted: &[portcullis_core::config::IpRange],
) -> std::net::IpAddr {
    let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // A malformed entry: stop at the last address a trusted hop vouched for.
            Err(_) => break,
        }
    }
    client
}

fn set_cookie(res: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn session_cookie(security: &Security, id: &str, max_age: Option<i64>) -> String {
    let config = security.config();
    let mut c = format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Lax",
        config.session_cookie_name
    );
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if config.session_cookie_secure {
        c.push_str("; Secure");
    }
    c
}

fn expired_cookie(name: &str, http_only: bool) -> String {
    format!(
        "{name}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/{}",
        if http_only {
            "; HttpOnly; SameSite=Lax"
        } else {
            "; SameSite=Strict"
        }
    )
}

/// Persist the session and set cookies after the handler ran.
async fn finish(security: &Security, auth: &RequestAuth, res: &mut Response) {
    let config = security.config();
    let store = security.store();
    let now = security.clock().unix();
    if config.csrf_cookie_name.is_some()
        && auth.with_session(|s| {
            s.csrf_cookie == CsrfCookie::Set && s.csrf_token.is_none() && !s.destroy
        })
    {
        crate::csrf::token(auth);
    }
    if let Some(identity) = auth.identity_cheap() {
        res.extensions_mut()
            .insert(crate::http::SignedInUser(identity.user.id));
    }
    let mut state = auth.with_session(std::mem::take);

    // Room for what this layer and `http::harden` add, so the map grows once, not per header.
    res.headers_mut().reserve(10);
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("Cookie"));
    if security.inner.catalogs.len() > 1 {
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Accept-Language"));
    }
    if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }

    if let Some(old) = state.old_id.take()
        && let Err(e) = store.delete_session(&session::id_hash(&old)).await
    {
        tracing::error!(error = %e, "could not delete replaced session");
    }

    if state.destroy {
        if let Some(id) = &state.id {
            if state.record_exists
                && let Err(e) = store.delete_session(&session::id_hash(id)).await
            {
                tracing::error!(error = %e, "could not delete session");
            }
            set_cookie(res, expired_cookie(&config.session_cookie_name, true));
        }
    } else if state.dirty {
        let lifetime = if state.data.remember {
            config.remember_lifetime.as_secs()
        } else {
            config.session_lifetime.as_secs()
        };
        let mut record = SessionRecord {
            id_hash: String::new(),
            user_uniquifier: state.user_uniquifier.clone(),
            data: state.data.clone(),
            expires_at: now + lifetime,
        };
        let id = state.ensure_id();
        record.id_hash = session::id_hash(&id);
        let result = if state.record_exists {
            // Update only: a session logged out or revoked while this request ran stays dead.
            store.save_session(&record).await.map(|updated| {
                if !updated {
                    state.id = None;
                    state.new_cookie = false;
                    set_cookie(res, expired_cookie(&config.session_cookie_name, true));
                }
                true
            })
        } else {
            match store.create_session(&record).await {
                // An id collision (or a client-chosen id that exists): take a fresh one.
                Ok(false) => {
                    let id = session::new_id();
                    record.id_hash = session::id_hash(&id);
                    state.id = Some(id);
                    state.new_cookie = true;
                    store.create_session(&record).await
                }
                other => other,
            }
        };
        match result {
            Ok(true) => {}
            Ok(false) => tracing::error!("could not create a session: id collision twice"),
            Err(e) => tracing::error!(error = %e, "could not save session"),
        }
        if (state.new_cookie || state.data.remember)
            && let Some(id) = &state.id
        {
            let max_age = state.data.remember.then_some(lifetime);
            set_cookie(res, session_cookie(security, id, max_age));
        }
    } else if state.new_cookie
        && let Some(id) = &state.id
    {
        // Anonymous id anchoring CSRF tokens: a cookie, no record.
        set_cookie(res, session_cookie(security, id, None));
    }

    if let Some(name) = &config.csrf_cookie_name {
        match state.csrf_cookie {
            CsrfCookie::Keep => {}
            CsrfCookie::Clear => set_cookie(res, expired_cookie(name, false)),
            CsrfCookie::Set => {
                if let Some(token) = &state.csrf_token {
                    let mut c = format!("{name}={token}; Path=/; SameSite=Strict");
                    if config.csrf_cookie_secure {
                        c.push_str("; Secure");
                    }
                    set_cookie(res, c);
                }
            }
        }
    }
}

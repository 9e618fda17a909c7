//! Guards as route layers: `auth_required`, `roles_required`, `roles_accepted`,
//! `permissions_required`, `permissions_accepted`, with a mechanism list and a freshness window.
//!
//! ```
//! use axum::{Router, routing::get};
//! use portcullis::guard;
//!
//! let app: Router = Router::new()
//!     .route("/admin", get(|| async { "admins" }).route_layer(guard::roles_required(["admin"])))
//!     .route(
//!         "/reports",
//!         get(|| async { "reports" })
//!             .route_layer(guard::permissions_accepted(["reports-read", "admin-all"])),
//!     )
//!     .route(
//!         "/billing",
//!         get(|| async { "billing" }).route_layer(
//!             guard::auth_required()
//!                 .roles_required(["finance"])
//!                 .within(std::time::Duration::from_secs(300)),
//!         ),
//!     );
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use portcullis_core::authz::Requirement;
use portcullis_core::config::Mechanism;
use serde_json::{Map, json};
use tower::{Layer, Service};

use crate::extract::{csrf_guard_with, request_auth, unauthenticated};
use crate::layer::{Identity, RequestAuth};
use crate::messages::Msg;
use crate::respond;

#[derive(Debug, Clone, Default)]
struct Spec {
    mechanisms: Option<Vec<Mechanism>>,
    within: Option<i64>,
    requirements: Vec<Requirement>,
}

/// A route layer that admits only requests meeting its requirements.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    spec: Arc<Spec>,
}

fn names<I, T>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

impl Guard {
    fn with(mut self, f: impl FnOnce(&mut Spec)) -> Self {
        f(Arc::make_mut(&mut self.spec));
        self
    }

    /// Accept these mechanisms (default: `api_enabled_methods`, i.e. session and token).
    pub fn mechanisms(self, mechanisms: impl IntoIterator<Item = Mechanism>) -> Self {
        let m: Vec<Mechanism> = mechanisms.into_iter().collect();
        self.with(|s| s.mechanisms = Some(m))
    }

    /// Require a primary authentication within this window (freshness); re-authenticate at
    /// `/verify` otherwise.
    pub fn within(self, window: std::time::Duration) -> Self {
        let secs = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
        self.with(|s| s.within = Some(secs))
    }

    /// Also require every one of these roles.
    pub fn roles_required<I: IntoIterator<Item = T>, T: Into<String>>(self, roles: I) -> Self {
        let r = names(roles);
        self.with(|s| s.requirements.push(Requirement::RolesRequired(r)))
    }

    /// Also require one of these roles.
    pub fn roles_accepted<I: IntoIterator<Item = T>, T: Into<String>>(self, roles: I) -> Self {
        let r = names(roles);
        self.with(|s| s.requirements.push(Requirement::RolesAccepted(r)))
    }

    /// Also require every one of these permissions.
    pub fn permissions_required<I: IntoIterator<Item = T>, T: Into<String>>(self, p: I) -> Self {
        let r = names(p);
        self.with(|s| s.requirements.push(Requirement::PermissionsRequired(r)))
    }

    /// Also require one of these permissions.
    pub fn permissions_accepted<I: IntoIterator<Item = T>, T: Into<String>>(self, p: I) -> Self {
        let r = names(p);
        self.with(|s| s.requirements.push(Requirement::PermissionsAccepted(r)))
    }
}

/// Any authenticated user.
pub fn auth_required() -> Guard {
    Guard::default()
}

/// Users having every one of `roles`.
pub fn roles_required<I: IntoIterator<Item = T>, T: Into<String>>(roles: I) -> Guard {
    Guard::default().roles_required(roles)
}

/// Users having at least one of `roles`.
pub fn roles_accepted<I: IntoIterator<Item = T>, T: Into<String>>(roles: I) -> Guard {
    Guard::default().roles_accepted(roles)
}

/// Users having every one of `permissions`.
pub fn permissions_required<I: IntoIterator<Item = T>, T: Into<String>>(permissions: I) -> Guard {
    Guard::default().permissions_required(permissions)
}

/// Users having at least one of `permissions`.
pub fn permissions_accepted<I: IntoIterator<Item = T>, T: Into<String>>(permissions: I) -> Guard {
    Guard::default().permissions_accepted(permissions)
}

/// 401 asking for re-authentication (JSON), or a redirect to `/verify` (browsers).
pub(crate) fn reauth_required(auth: &RequestAuth, parts: &axum::http::request::Parts) -> Response {
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|o| &o.0)
        .unwrap_or(&parts.uri);
    reauth_required_for(auth, &parts.headers, uri)
}

/// 401 re-auth / redirect to `/verify`, from headers and URI.
pub(crate) fn reauth_required_for(
    auth: &RequestAuth,
    headers: &axum::http::HeaderMap,
    uri: &axum::http::Uri,
) -> Response {
    let config = auth.security().config();
    if respond::wants_json(headers) {
        let mut m = Map::new();
        m.insert(
            "errors".into(),
            json!([crate::i18n::text(&Msg::ReauthenticationRequired.into())]),
        );
        m.insert("reauth_required".into(), json!(true));
        m.insert("unified_signin_enabled".into(), json!(false));
        m.insert("has_webauthn_verify_credential".into(), json!(false));
        m.insert("oauth_enabled".into(), json!(false));
        m.insert("oauth_providers".into(), json!([]));
        return respond::envelope(StatusCode::UNAUTHORIZED, m);
    }
    let next = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    crate::flash::push(auth, Msg::Refresh);
    respond::redirect(&format!(
        "{}?next={}",
        config.verify_url,
        respond::quote_next(next)
    ))
}

/// A named authorization policy, for the [`Authorized`] extractor.
///
/// ```
/// use portcullis::guard::{self, Guard};
/// use portcullis::{Authorized, Policy};
///
/// struct Admins;
/// impl Policy for Admins {
///     fn guard() -> Guard {
///         guard::roles_required(["admin"])
///     }
/// }
///
/// async fn admin_page(Authorized(user, _): Authorized<Admins>) -> String {
///     user.email().into()
/// }
/// let _app: axum::Router = axum::Router::new().route("/admin", axum::routing::get(admin_page));
/// ```
pub trait Policy: Send + Sync + 'static {
    /// The requirements (mechanisms, freshness, roles, permissions).
    fn guard() -> Guard;
}

/// The guards as an extractor: admits the request only if `P`'s guard does (401/403 otherwise),
/// and yields the signed-in user. CSRF is checked from the headers (extractors cannot read the
/// body); use the route-layer form for HTML form posts.
#[derive(Debug, Clone)]
pub struct Authorized<P: Policy>(pub crate::CurrentUser, pub std::marker::PhantomData<P>);

impl<P: Policy> Authorized<P> {
    /// The user.
    pub fn user(&self) -> &portcullis_core::User {
        self.0.user()
    }
}

impl<P: Policy, S: Send + Sync> axum::extract::FromRequestParts<S> for Authorized<P> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let guard = P::guard();
        let identity = admit(&guard.spec, parts, None).await?;
        Ok(Self(crate::CurrentUser(identity), std::marker::PhantomData))
    }
}

/// Flask-Security's freshness rule: Basic is always fresh; a grace period extends a fresh check.
pub(crate) fn is_fresh(auth: &RequestAuth, identity: &Identity, within: i64) -> bool {
    if within < 0 || identity.via == Mechanism::Basic {
        return true;
    }
    let security = auth.security();
    let now = security.clock().unix_f64();
    let grace = security.config().freshness_grace_period.as_secs();
    if identity.via == Mechanism::Session {
        let in_grace = auth.with_session(|s| s.data.fs_gexp.is_some_and(|g| (g as f64) > now));
        if in_grace {
            return true;
        }
    }
    let Some(paa) = identity.fs_paa else {
        return false;
    };
    let age = now - paa;
    let fresh = -(within as f64) < age && age < within as f64;
    if fresh && identity.via == Mechanism::Session {
        auth.with_session(|s| {
            s.data.fs_gexp = Some(now as i64 + grace);
            s.dirty = true;
        });
    }
    fresh
}

/// Largest form body a guard reads to find `csrf_token`.
const FORM_LIMIT: usize = 64 * 1024;

fn is_form(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

impl<S> Layer<S> for Guard {
    type Service = GuardService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        GuardService {
            inner,
            spec: Arc::clone(&self.spec),
        }
    }
}

/// The service made by [`Guard`].
#[derive(Debug, Clone)]
pub struct GuardService<S> {
    inner: S,
    spec: Arc<Spec>,
}

async fn admit(
    spec: &Spec,
    parts: &axum::http::request::Parts,
    form_token: Option<&str>,
) -> Result<Identity, Response> {
    let auth = request_auth(parts)?;
    let config = auth.security().config();
    let mechanisms = spec
        .mechanisms
        .clone()
        .unwrap_or_else(|| config.api_enabled_methods.clone());
    let identity = auth
        .identify(&mechanisms)
        .await
        .map_err(IntoResponse::into_response)?;
    let Some(identity) = identity else {
        return Err(unauthenticated(
            &auth,
            parts,
            mechanisms.contains(&Mechanism::Basic),
        ));
    };
    if let Some(within) = spec.within
        && !is_fresh(&auth, &identity, within)
    {
        return Err(reauth_required(&auth, parts));
    }
    csrf_guard_with(&auth, parts, identity.via, form_token)?;
    if !spec.requirements.is_empty() {
        let roles = auth
            .roles_of(&identity.user)
            .await
            .map_err(IntoResponse::into_response)?;
        if !portcullis_core::authz::all_met(&spec.requirements, &roles) {
            return Err(respond::forbidden(&parts.headers));
        }
    }
    Ok(identity)
}

impl<S> Service<Request<Body>> for GuardService<S>
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
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let spec = Arc::clone(&self.spec);
        Box::pin(async move {
            let (mut parts, mut body) = req.into_parts();
            // HTML forms send the CSRF token as a `csrf_token` field: read it from a (bounded)
            // urlencoded body and hand the body on unchanged.
            let mut form_token = None;
            if crate::csrf::unsafe_method(&parts.method) && is_form(&parts.headers) {
                match http_body_util::BodyExt::collect(http_body_util::Limited::new(
                    body, FORM_LIMIT,
                ))
                .await
                {
                    Ok(collected) => {
                        let bytes = collected.to_bytes();
                        form_token = form_urlencoded::parse(&bytes)
                            .find(|(k, _)| k == "csrf_token")
                            .map(|(_, v)| v.into_owned());
                        body = Body::from(bytes);
                    }
                    Err(_) => {
                        return Ok(respond::errors(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            &[Msg::RequestBodyUnreadable.into()],
                        ));
                    }
                }
            }
            match admit(&spec, &parts, form_token.as_deref()).await {
                Ok(identity) => {
                    parts.extensions.insert(identity);
                    inner.call(Request::from_parts(parts, body)).await
                }
                Err(res) => Ok(res),
            }
        })
    }
}

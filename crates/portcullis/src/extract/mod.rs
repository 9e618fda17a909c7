//! Extractors: [`CurrentUser`] (rejects with 401, or a redirect to the login page for browsers)
//! and `Option<CurrentUser>` (never rejects).

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use portcullis_core::User;
use portcullis_core::config::Mechanism;

use crate::layer::{Identity, RequestAuth};
use crate::{csrf, respond};

/// The signed-in user of this request (by session or token, Flask-Security's default
/// mechanisms; use a guard to accept HTTP Basic). State-changing requests authenticated by a
/// session must carry a CSRF header.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Identity);

impl CurrentUser {
    /// The user.
    pub fn user(&self) -> &User {
        &self.0.user
    }
    /// Their email.
    pub fn email(&self) -> &str {
        &self.0.user.email
    }
    /// How they authenticated.
    pub fn via(&self) -> Mechanism {
        self.0.via
    }
}

pub(crate) fn request_auth(parts: &Parts) -> Result<RequestAuth, Response> {
    parts
        .extensions
        .get::<RequestAuth>()
        .cloned()
        .ok_or_else(|| {
            tracing::error!("RequestAuth missing: is Security::layer() installed on this router?");
            respond::errors(
                StatusCode::INTERNAL_SERVER_ERROR,
                &[crate::messages::Msg::AuthNotConfigured.into()],
            )
        })
}

/// 401 for API clients, a redirect to the login page (with `next`) for browsers.
pub(crate) fn unauthenticated(auth: &RequestAuth, parts: &Parts, basic: bool) -> Response {
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|o| &o.0)
        .unwrap_or(&parts.uri);
    unauthenticated_response(auth, &parts.headers, uri, basic)
}

/// 401 or redirect, from headers and URI.
pub(crate) fn unauthenticated_response(
    auth: &RequestAuth,
    headers: &axum::http::HeaderMap,
    uri: &axum::http::Uri,
    basic: bool,
) -> Response {
    let config = auth.security().config();
    let want_json = respond::wants_json(headers);
    if want_json || basic {
        let mut res = if want_json {
            respond::errors(
                StatusCode::UNAUTHORIZED,
                &[crate::messages::Msg::Unauthenticated.into()],
            )
        } else {
            (
                StatusCode::UNAUTHORIZED,
                crate::messages::Msg::Unauthenticated.english(),
            )
                .into_response()
        };
        if basic {
            let value = format!("Basic realm=\"{}\"", config.default_http_auth_realm);
            if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
                res.headers_mut()
                    .insert(axum::http::header::WWW_AUTHENTICATE, v);
            }
        }
        return res;
    }
    let next = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    crate::flash::push(auth, crate::messages::Msg::Login);
    respond::redirect(&format!(
        "{}?next={}",
        config.login_url,
        respond::quote_next(next)
    ))
}

/// Check the CSRF token (header, or a `csrf_token` form field the caller read) for
/// state-changing requests of protected mechanisms.
pub(crate) fn csrf_guard_with(
    auth: &RequestAuth,
    parts: &Parts,
    via: Mechanism,
    form_token: Option<&str>,
) -> Result<(), Response> {
    let config = auth.security().config();
    if !csrf::unsafe_method(&parts.method) || !config.csrf_protect_mechanisms.contains(&via) {
        return Ok(());
    }
    let token = csrf::header_token(&parts.headers, &config.csrf_header)
        .or_else(|| form_token.map(str::to_owned));
    csrf::check(auth, token.as_deref()).map_err(|m| {
        if respond::wants_json(&parts.headers) {
            respond::errors(StatusCode::BAD_REQUEST, &[m.into()])
        } else {
            respond::html(
                StatusCode::BAD_REQUEST,
                format!("<!doctype html><title>Bad request</title><h1>Bad request</h1><p>{m}</p>"),
            )
        }
    })
}

/// [`csrf_guard_with`] with the header only (extractors cannot read the body).
pub(crate) fn csrf_guard(
    auth: &RequestAuth,
    parts: &Parts,
    via: Mechanism,
) -> Result<(), Response> {
    csrf_guard_with(auth, parts, via, None)
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // A guard on the route already authenticated (with its own mechanisms).
        if let Some(id) = parts.extensions.get::<Identity>() {
            return Ok(Self(id.clone()));
        }
        let auth = request_auth(parts)?;
        let mechanisms = auth.security().config().api_enabled_methods.clone();
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
        csrf_guard(&auth, parts, identity.via)?;
        Ok(Self(identity))
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        if let Some(id) = parts.extensions.get::<Identity>() {
            return Ok(Some(Self(id.clone())));
        }
        let auth = request_auth(parts)?;
        let mechanisms = auth.security().config().api_enabled_methods.clone();
        let identity = auth
            .identify(&mechanisms)
            .await
            .map_err(IntoResponse::into_response)?;
        // A state-changing request by a session without a valid CSRF token is refused, as with
        // `CurrentUser`: silently treating it as anonymous could still let it act.
        if let Some(id) = &identity {
            csrf_guard(&auth, parts, id.via)?;
        }
        Ok(identity.map(Self))
    }
}

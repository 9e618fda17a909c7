//! HTTP glue for `/auth/check`: 200 with `X-Auth-User`, `X-Auth-User-Id` and `X-Auth-Roles`
//! when authenticated (token, session or Basic); 401 when not; 403 when the requirements in the
//! query are not met, or when a forwarded state-changing request made with a session lacks its
//! CSRF token.

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use portcullis_core::config::Mechanism;

use super::service;
use crate::Security;
use crate::flows::request::FlowRequest;
use crate::flows::wire::AuthCheck;
use crate::messages::Msg;
use crate::{csrf, respond};

const X_FORWARDED_METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");
const X_ORIGINAL_METHOD: HeaderName = HeaderName::from_static("x-original-method");
const X_AUTH_USER: HeaderName = HeaderName::from_static("x-auth-user");
const X_AUTH_USER_ID: HeaderName = HeaderName::from_static("x-auth-user-id");
const X_AUTH_ROLES: HeaderName = HeaderName::from_static("x-auth-roles");

pub(in crate::flows) async fn check(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let config = security.config();
    let mechanisms = [Mechanism::Token, Mechanism::Session, Mechanism::Basic];
    let identity = match req.auth.identify(&mechanisms).await {
        Ok(Some(i)) => i,
        Ok(None) => {
            let mut res = respond::errors(StatusCode::UNAUTHORIZED, &[Msg::Unauthenticated.into()]);
            if req.auth.has_basic() {
                let value = format!("Basic realm=\"{}\"", config.default_http_auth_realm);
                if let Ok(v) = HeaderValue::from_str(&value) {
                    res.headers_mut()
                        .insert(axum::http::header::WWW_AUTHENTICATE, v);
                }
            }
            return res;
        }
        Err(e) => return e.into_response(),
    };
    // The proxy forwards the original method and headers: check CSRF as the app itself would.
    let forwarded_method = [X_FORWARDED_METHOD, X_ORIGINAL_METHOD]
        .iter()
        .find_map(|h| req.headers.get(h))
        .and_then(|v| v.to_str().ok())
        .and_then(|m| Method::from_bytes(m.trim().as_bytes()).ok());
    if let Some(method) = forwarded_method
        && csrf::unsafe_method(&method)
        && config.csrf_protect_mechanisms.contains(&identity.via)
    {
        let token = csrf::header_token(&req.headers, &config.csrf_header);
        if let Err(m) = csrf::check(&req.auth, token.as_deref()) {
            return respond::errors(StatusCode::FORBIDDEN, &[m.into()]);
        }
    }
    let requirements = service::requirements(|k| req.query(k));
    let roles = match req.auth.roles_of(&identity.user).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    if !service::allowed(&requirements, &roles) {
        return respond::errors(StatusCode::FORBIDDEN, &[Msg::Unauthorized.into()]);
    }
    let role_names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
    let body = AuthCheck {
        email: &identity.user.email,
        roles: role_names.clone(),
        via: identity.via.name(),
    };
    let mut res = respond::envelope_of(StatusCode::OK, &body);
    let joined = role_names.join(",");
    for (name, value) in [
        (X_AUTH_USER, identity.user.email.as_str()),
        (X_AUTH_USER_ID, identity.user.fs_uniquifier.as_str()),
        (X_AUTH_ROLES, joined.as_str()),
    ] {
        // Raw UTF-8 (obs-text) so internationalised addresses are not dropped.
        match HeaderValue::from_bytes(value.as_bytes()) {
            Ok(v) => {
                res.headers_mut().insert(name, v);
            }
            Err(_) => {
                tracing::error!(header = %name, "value cannot be sent as a header");
                return respond::errors(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &[Msg::IdentityNotForwardable.into()],
                );
            }
        }
    }
    res
}

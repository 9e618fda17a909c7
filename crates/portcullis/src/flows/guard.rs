//! Flask-Security's endpoint decorators for flows: `@unauth_csrf`, `@auth_required`,
//! `@anonymous_user_required`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portcullis_core::config::Mechanism;

use super::request::FlowRequest;
use crate::layer::Identity;
use crate::messages::Msg;
use crate::{csrf, respond};

/// `@unauth_csrf`: skipped for anonymous callers when `csrf_ignore_unauth_endpoints`;
/// otherwise required unless the caller authenticated with a mechanism outside
/// `csrf_protect_mechanisms`.
pub(crate) fn unauth_csrf(req: &FlowRequest) -> Result<(), Response> {
    let config = req.auth.security().config();
    match req.auth.identity_cheap() {
        None if config.csrf_ignore_unauth_endpoints => return Ok(()),
        Some(id) if !config.csrf_protect_mechanisms.contains(&id.via) => return Ok(()),
        _ => {}
    }
    csrf::check(&req.auth, req.csrf_token().as_deref()).map_err(|m| csrf_failure(req, m))
}

/// CSRF for an authenticated endpoint, by the mechanism used.
pub(crate) fn authed_csrf(req: &FlowRequest, via: Mechanism) -> Result<(), Response> {
    let config = req.auth.security().config();
    if !config.csrf_protect_mechanisms.contains(&via) {
        return Ok(());
    }
    csrf::check(&req.auth, req.csrf_token().as_deref()).map_err(|m| csrf_failure(req, m))
}

fn csrf_failure(req: &FlowRequest, message: Msg) -> Response {
    if req.json {
        respond::errors(StatusCode::BAD_REQUEST, &[message.into()])
    } else {
        respond::html(
            StatusCode::BAD_REQUEST,
            format!(
                "<!doctype html><title>Bad request</title><h1>Bad request</h1><p>{message}</p>"
            ),
        )
    }
}

/// `@auth_required` with `api_enabled_methods`: the caller, or the 401/redirect response.
pub(crate) async fn require_user(req: &FlowRequest) -> Result<Identity, Response> {
    let mechanisms = req.auth.security().config().api_enabled_methods.clone();
    match req.auth.identify(&mechanisms).await {
        Ok(Some(identity)) => Ok(identity),
        Ok(None) => Err(crate::extract::unauthenticated_response(
            &req.auth,
            &req.headers,
            &req.uri,
            mechanisms.contains(&Mechanism::Basic),
        )),
        Err(e) => Err(e.into_response()),
    }
}

/// `@anonymous_user_required`: 400 for JSON, a redirect to the post-login view for browsers.
pub(crate) fn anonymous_required(req: &FlowRequest) -> Result<(), Response> {
    if req.auth.identity_cheap().is_none() {
        return Ok(());
    }
    Err(if req.json {
        respond::errors(
            StatusCode::BAD_REQUEST,
            &[Msg::AnonymousUserRequired.into()],
        )
    } else {
        respond::redirect(&req.auth.security().config().post_login_view)
    })
}

/// `@auth_required(within=FRESHNESS)`: the caller, signed in recently enough, or the 401 /
/// re-authentication response.
pub(crate) async fn require_fresh_user(req: &FlowRequest) -> Result<Identity, Response> {
    let identity = require_user(req).await?;
    let within = req.auth.security().config().freshness.as_secs();
    if !crate::authz::is_fresh(&req.auth, &identity, within) {
        return Err(crate::authz::reauth_required_for(
            &req.auth,
            &req.headers,
            &req.uri,
        ));
    }
    Ok(identity)
}

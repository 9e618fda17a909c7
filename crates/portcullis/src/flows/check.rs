//! `GET /auth/check`: forward-auth for reverse proxies (nginx `auth_request`, Traefik
//! ForwardAuth, Caddy `forward_auth`). 200 with `X-Auth-User`, `X-Auth-User-Id` and
//! `X-Auth-Roles` when authenticated (token, session or Basic); 401 when not; 403 when the
//! `roles_required`, `roles_accepted`, `permissions_required` or `permissions_accepted` query
//! parameters are not met.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use portcullis_core::authz::{Requirement, all_met, parse_list};
use portcullis_core::config::Mechanism;
use serde_json::{Map, json};

use super::FlowRequest;
use crate::Security;
use crate::respond;

pub(super) async fn check(State(security): State<Security>, req: FlowRequest) -> Response {
    let mechanisms = [Mechanism::Token, Mechanism::Session, Mechanism::Basic];
    let identity = match req.auth.identify(&mechanisms).await {
        Ok(Some(i)) => i,
        Ok(None) => {
            let mut res = respond::errors(
                StatusCode::UNAUTHORIZED,
                vec![respond::msg::UNAUTHENTICATED.into()],
            );
            if req.auth.has_basic() {
                let value = format!(
                    "Basic realm=\"{}\"",
                    security.config().default_http_auth_realm
                );
                if let Ok(v) = HeaderValue::from_str(&value) {
                    res.headers_mut()
                        .insert(axum::http::header::WWW_AUTHENTICATE, v);
                }
            }
            return res;
        }
        Err(e) => return e.into_response(),
    };
    // Forward-auth of a state-changing request made with a session: the proxy forwards the
    // original method and headers, so check the CSRF token as the app itself would.
    let forwarded_method = ["x-forwarded-method", "x-original-method"]
        .iter()
        .find_map(|h| req.headers.get(*h))
        .and_then(|v| v.to_str().ok())
        .and_then(|m| axum::http::Method::from_bytes(m.trim().as_bytes()).ok());
    if let Some(method) = forwarded_method
        && crate::csrf::unsafe_method(&method)
        && security
            .config()
            .csrf_protect_mechanisms
            .contains(&identity.via)
    {
        let token = crate::csrf::header_token(&req.headers, &security.config().csrf_header);
        if let Err(m) = crate::csrf::check(&req.auth, token.as_deref()) {
            return respond::errors(StatusCode::FORBIDDEN, vec![m.to_owned()]);
        }
    }
    let mut requirements = Vec::new();
    for (key, make) in [
        (
            "roles_required",
            Requirement::RolesRequired as fn(Vec<String>) -> Requirement,
        ),
        ("roles_accepted", Requirement::RolesAccepted),
        ("permissions_required", Requirement::PermissionsRequired),
        ("permissions_accepted", Requirement::PermissionsAccepted),
    ] {
        if let Some(v) = req.query(key) {
            requirements.push(make(parse_list(&v)));
        }
    }
    let roles = match req.auth.roles_of(&identity.user).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    if !all_met(&requirements, &roles) {
        return respond::errors(
            StatusCode::FORBIDDEN,
            vec![respond::msg::UNAUTHORIZED.into()],
        );
    }
    let role_names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
    let mut body = Map::new();
    body.insert("email".into(), json!(identity.user.email));
    body.insert("roles".into(), json!(role_names));
    body.insert("via".into(), json!(identity.via.name()));
    let mut res = respond::envelope(StatusCode::OK, body);
    let h = res.headers_mut();
    for (name, value) in [
        ("x-auth-user", identity.user.email.as_str()),
        ("x-auth-user-id", identity.user.fs_uniquifier.as_str()),
        ("x-auth-roles", role_names.join(",").as_str()),
    ] {
        // Raw UTF-8 (obs-text) so internationalised addresses are not dropped.
        match HeaderValue::from_bytes(value.as_bytes()) {
            Ok(v) => {
                h.insert(name, v);
            }
            Err(_) => {
                tracing::error!(header = name, "value cannot be sent as a header");
                return respond::errors(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    vec!["Identity cannot be forwarded.".into()],
                );
            }
        }
    }
    res
}

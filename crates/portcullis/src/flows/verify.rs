//! `GET/POST /verify`: re-authenticate with the password to refresh freshness.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use portcullis_core::crypto::password::Verification;
use portcullis_core::events::Event;
use serde_json::{Map, json};

use super::{FlowRequest, authed_csrf, page, user_payload};
use crate::Security;
use crate::respond::{self, FieldErrors, msg};

pub(super) async fn get(State(security): State<Security>, req: FlowRequest) -> Response {
    let identity = match super::require_user(&req).await {
        Ok(i) => i,
        Err(res) => return res,
    };
    if req.json {
        let mut body = Map::new();
        body.insert(
            "user".into(),
            user_payload(&req, &identity.user, identity.fs_paa),
        );
        body.insert("has_webauthn_verify_credential".into(), json!(false));
        body.insert("oauth_enabled".into(), json!(false));
        body.insert("oauth_providers".into(), json!([]));
        return super::ok_with_csrf(&req, body);
    }
    let _ = security;
    let mut ctx = Map::new();
    ctx.insert("next".into(), json!(super::safe_next(&req)));
    page(
        &req,
        "verify.html",
        "Verify your identity",
        &FieldErrors::new(),
        ctx,
    )
}

pub(super) async fn post(State(security): State<Security>, req: FlowRequest) -> Response {
    let identity = match super::require_user(&req).await {
        Ok(i) => i,
        Err(res) => return res,
    };
    if let Err(res) = authed_csrf(&req, identity.via) {
        return res;
    }
    let mut errors = FieldErrors::new();
    let password = req.string("password", &mut errors);
    let verified = match (&password, identity.user.password.clone()) {
        (Some(pw), Some(stored)) => match security.hash_pool().verify(pw.clone(), stored).await {
            Ok(Verification::Valid { .. }) => true,
            Ok(Verification::Invalid) => false,
            Err(e) => return e.into_response(),
        },
        (Some(pw), None) => {
            if let Err(e) = security.hash_pool().dummy_verify(pw.clone()).await {
                return e.into_response();
            }
            false
        }
        (None, _) => false,
    };
    if !verified {
        if errors.is_empty() {
            if password.is_none() {
                errors.add("password", msg::PASSWORD_NOT_PROVIDED);
            } else {
                security.emit(Event::FailedAuthentication {
                    user_id: identity.user.id,
                    auth_type: "password".into(),
                });
                errors.add("password", msg::INVALID_PASSWORD);
            }
        }
        if req.json {
            return errors.into_json();
        }
        let mut ctx = Map::new();
        ctx.insert("next".into(), json!(super::safe_next(&req)));
        return page(&req, "verify.html", "Verify your identity", &errors, ctx);
    }
    let now = security.clock().unix_f64();
    if identity.via == portcullis_core::config::Mechanism::Session {
        req.auth.with_session(|s| {
            s.data.fs_paa = Some(now);
            s.data.fs_gexp = None;
            s.rotate();
        });
    }
    security.emit(Event::Reauthenticated {
        user_id: identity.user.id,
    });
    if req.json {
        let mut body = Map::new();
        body.insert("user".into(), user_payload(&req, &identity.user, Some(now)));
        return super::ok_with_csrf(&req, body);
    }
    let target = super::safe_next(&req).unwrap_or_else(|| {
        security
            .config()
            .post_verify_view
            .clone()
            .unwrap_or_else(|| security.config().post_login_view.clone())
    });
    respond::redirect(&target)
}

//! `GET/POST /change` (SECURITY_CHANGEABLE): change the password, which rotates
//! `fs_uniquifier` and so ends every other session and token of the user.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use portcullis_core::crypto::password::Verification;
use portcullis_core::events::Event;
use serde_json::{Map, json};

use super::{FlowRequest, authed_csrf, login_user, page, user_payload};
use crate::Security;
use crate::layer::Identity;
use crate::respond::{self, FieldErrors, msg};

fn change_page(req: &FlowRequest, identity: &Identity, errors: &FieldErrors) -> Response {
    let mut ctx = Map::new();
    ctx.insert(
        "active_password".into(),
        json!(identity.user.password.is_some()),
    );
    page(req, "change.html", "Change password", errors, ctx)
}

pub(super) async fn get(State(_security): State<Security>, req: FlowRequest) -> Response {
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
        body.insert(
            "active_password".into(),
            json!(identity.user.password.is_some()),
        );
        return super::ok_with_csrf(&req, body);
    }
    change_page(&req, &identity, &FieldErrors::new())
}

pub(super) async fn post(State(security): State<Security>, req: FlowRequest) -> Response {
    let identity = match super::require_user(&req).await {
        Ok(i) => i,
        Err(res) => return res,
    };
    if let Err(res) = authed_csrf(&req, identity.via) {
        return res;
    }
    let user = &identity.user;
    let mut errors = FieldErrors::new();
    let current = req.string("password", &mut errors);
    let new = req.string("new_password", &mut errors);
    let confirm = req.string("new_password_confirm", &mut errors);
    let pool = security.hash_pool();

    if let Some(stored) = user.password.clone() {
        match &current {
            None if !errors.has("password") => errors.add("password", msg::PASSWORD_NOT_PROVIDED),
            None => {}
            Some(pw) => match pool.verify(pw.clone(), stored).await {
                Ok(Verification::Valid { .. }) => {}
                Ok(Verification::Invalid) => {
                    security.emit(Event::FailedAuthentication {
                        user_id: user.id,
                        auth_type: "password".into(),
                    });
                    errors.add("password", msg::INVALID_PASSWORD);
                }
                Err(e) => return e.into_response(),
            },
        }
    } else if !crate::authz::is_fresh(&req.auth, &identity, security.config().freshness.as_secs()) {
        return crate::authz::reauth_required_for(&req.auth, &req.headers, &req.uri);
    }
    match &new {
        None if !errors.has("new_password") => {
            errors.add("new_password", msg::PASSWORD_NOT_PROVIDED)
        }
        None => {}
        Some(np) => {
            for m in super::password_policy(&security, np) {
                errors.add("new_password", m);
            }
            let hasher = pool.hasher();
            if current
                .as_deref()
                .is_some_and(|c| hasher.normalize(c) == hasher.normalize(np))
                && !errors.has("password")
            {
                errors.add("new_password", msg::PASSWORD_IS_THE_SAME);
            }
            if confirm.as_deref() != Some(np.as_str()) {
                errors.add("new_password_confirm", msg::RETYPE_PASSWORD_MISMATCH);
            }
        }
    }
    if !errors.is_empty() {
        return if req.json {
            errors.into_json()
        } else {
            change_page(&req, &identity, &errors)
        };
    }
    let Some(new) = new else {
        return respond::errors(
            axum::http::StatusCode::BAD_REQUEST,
            vec![msg::API_ERROR.into()],
        );
    };
    let hash = match pool.hash(new).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    let store = security.store();
    let now = security.clock().now();
    let new_uniquifier = super::new_uniquifier();
    if let Err(e) = store
        .set_password(user.id, Some(&hash), Some(&new_uniquifier), now)
        .await
    {
        return crate::error::Error::from(e).into_response();
    }
    if let Err(e) = store.delete_user_sessions(&user.fs_uniquifier).await {
        tracing::error!(error = %e, "could not delete sessions after password change");
    }
    security.emit(Event::PasswordChanged { user_id: user.id });
    let updated = match store.user_by_id(user.id).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            return respond::errors(
                axum::http::StatusCode::UNAUTHORIZED,
                vec![msg::UNAUTHENTICATED.into()],
            );
        }
        Err(e) => return crate::error::Error::from(e).into_response(),
    };
    // Keep this browser signed in, on a new session bound to the new uniquifier.
    let mut fs_paa = identity.fs_paa;
    let has_session = identity.via == portcullis_core::config::Mechanism::Session
        || req
            .auth
            .session_identity()
            .is_some_and(|s| s.user.id == user.id);
    if has_session {
        let remember = req.auth.with_session(|s| s.data.remember);
        match login_user(&req, &updated, remember, "change").await {
            Ok(p) => fs_paa = Some(p),
            Err(e) => return e.into_response(),
        }
    }
    if req.json {
        let mut body = Map::new();
        body.insert("user".into(), user_payload(&req, &updated, fs_paa));
        return super::ok_with_csrf(&req, body);
    }
    let c = security.config();
    respond::redirect(
        &c.post_change_view
            .clone()
            .unwrap_or_else(|| c.post_login_view.clone()),
    )
}

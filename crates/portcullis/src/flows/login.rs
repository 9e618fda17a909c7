//! `GET/POST /login`: identity (email or username) and password.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portcullis_core::User;
use portcullis_core::crypto::password::Verification;
use portcullis_core::events::Event;
use serde_json::{Map, Value, json};

use super::{FlowRequest, login_user, page, unauth_csrf, user_payload};
use crate::respond::{self, FieldErrors, msg};
use crate::{Security, error::Result};

fn identity_attributes(security: &Security) -> Value {
    json!(security.config().identity_attributes())
}

fn post_login_target(req: &FlowRequest) -> String {
    super::safe_next(req).unwrap_or_else(|| req.auth.security().config().post_login_view.clone())
}

pub(super) async fn get(
    axum::extract::State(security): axum::extract::State<Security>,
    req: FlowRequest,
) -> Response {
    let identity = req.auth.identity_cheap();
    if req.json {
        let mut body = Map::new();
        body.insert("identity_attributes".into(), identity_attributes(&security));
        if let Some(id) = &identity {
            body.insert("user".into(), user_payload(&req, &id.user, id.fs_paa));
        }
        req.auth
            .with_session(|s| s.csrf_cookie = crate::session::CsrfCookie::Set);
        return super::ok_with_csrf(&req, body);
    }
    if identity.is_some() {
        return respond::redirect(&security.config().post_login_view);
    }
    login_page(&req, &FieldErrors::new(), None, None)
}

fn login_page(
    req: &FlowRequest,
    errors: &FieldErrors,
    email: Option<&str>,
    username: Option<&str>,
) -> Response {
    let c = req.auth.security().config();
    let mut ctx = Map::new();
    ctx.insert("identity_attributes".into(), json!(c.identity_attributes()));
    ctx.insert(
        "values".into(),
        json!({"email": email, "username": username}),
    );
    ctx.insert("next".into(), json!(super::safe_next(req)));
    ctx.insert(
        "register_url".into(),
        json!(c.registerable.then(|| c.register_url.clone())),
    );
    page(req, "login.html", "Sign in", errors, ctx)
}

/// What a login attempt came to.
enum Outcome {
    Ok { user: Box<User>, remember: bool },
    Invalid(FieldErrors),
}

async fn attempt(req: &FlowRequest) -> Result<Outcome> {
    let security = req.auth.security();
    let config = security.config();
    let mut errors = FieldErrors::new();
    let attrs = config.identity_attributes();
    let email = req.string("email", &mut errors);
    let username = req.string("username", &mut errors);
    let password = req.string("password", &mut errors);
    let remember = req
        .boolean("remember")
        .unwrap_or(config.default_remember_me);
    if let Some(next) = req.next_param()
        && crate::redirect::validate(&next, req.auth.host(), config).is_none()
    {
        errors.add("next", msg::INVALID_REDIRECT);
    }
    if !errors.is_empty() {
        return Ok(Outcome::Invalid(errors));
    }

    // Which identity field, and the user it names.
    let (field, user) = if let Some(email) = email
        .as_deref()
        .filter(|_| attrs.iter().any(|a| a == "email"))
    {
        match super::normalize_email(email) {
            Some(e) => ("email", security.store().user_by_email(&e).await?),
            None => {
                errors.add("email", msg::INVALID_EMAIL_ADDRESS);
                return Ok(Outcome::Invalid(errors));
            }
        }
    } else if let Some(name) = username
        .as_deref()
        .filter(|_| attrs.iter().any(|a| a == "username"))
    {
        (
            "username",
            security.store().user_by_username(name.trim()).await?,
        )
    } else {
        errors.add("email", msg::EMAIL_NOT_PROVIDED);
        return Ok(Outcome::Invalid(errors));
    };
    let Some(password) = password else {
        errors.add("password", msg::PASSWORD_NOT_PROVIDED);
        return Ok(Outcome::Invalid(errors));
    };
    let pool = security.hash_pool();
    let Some(user) = user else {
        pool.dummy_verify(password).await?;
        errors.add(field, msg::USER_DOES_NOT_EXIST);
        return Ok(Outcome::Invalid(errors));
    };
    let Some(stored) = user.password.clone() else {
        pool.dummy_verify(password).await?;
        errors.add("password", msg::INVALID_PASSWORD);
        return Ok(Outcome::Invalid(errors));
    };
    match pool.verify(password.clone(), stored.clone()).await? {
        Verification::Invalid => {
            security.emit(Event::FailedAuthentication {
                user_id: user.id,
                auth_type: "password".into(),
            });
            errors.add("password", msg::INVALID_PASSWORD);
            return Ok(Outcome::Invalid(errors));
        }
        Verification::Valid { needs_update } => {
            if !user.active {
                errors.add(field, msg::DISABLED_ACCOUNT);
                return Ok(Outcome::Invalid(errors));
            }
            if super::needs_confirmation(security, &user) {
                errors.add(field, msg::CONFIRMATION_REQUIRED);
                return Ok(Outcome::Invalid(errors));
            }
            if needs_update {
                super::upgrade_hash(security, &user, &stored, password).await;
            }
        }
    }
    Ok(Outcome::Ok {
        user: Box::new(user),
        remember,
    })
}

/// In generic-response mode the account-revealing errors (unknown identity, wrong password,
/// disabled, unconfirmed) collapse into one form-level error; input errors such as a malformed
/// email are still reported.
fn generic(security: &Security, errors: FieldErrors) -> FieldErrors {
    if !security.config().return_generic_responses {
        return errors;
    }
    const REVEALING: [&str; 4] = [
        msg::USER_DOES_NOT_EXIST,
        msg::INVALID_PASSWORD,
        msg::DISABLED_ACCOUNT,
        msg::CONFIRMATION_REQUIRED,
    ];
    let mut out = FieldErrors::new();
    let mut hit = false;
    for field in errors.field_names() {
        for m in errors.get(field) {
            if REVEALING.contains(&m.as_str()) {
                hit = true;
            } else {
                out.add(field, m.clone());
            }
        }
    }
    if hit {
        out.add("", msg::GENERIC_AUTHN_FAILED);
    }
    out
}

pub(super) async fn post(
    axum::extract::State(security): axum::extract::State<Security>,
    req: FlowRequest,
) -> Response {
    if let Err(res) = unauth_csrf(&req).await {
        return res;
    }
    if req.auth.identity_cheap().is_some() {
        if req.json {
            return respond::errors(
                StatusCode::BAD_REQUEST,
                vec![msg::ANONYMOUS_USER_REQUIRED.into()],
            );
        }
        return respond::redirect(&security.config().post_login_view);
    }
    let outcome = match attempt(&req).await {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    match outcome {
        Outcome::Invalid(errors) => {
            let errors = generic(&security, errors);
            if req.json {
                errors.into_json()
            } else {
                let email = req
                    .input
                    .get("email")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let username = req
                    .input
                    .get("username")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                login_page(&req, &errors, email.as_deref(), username.as_deref())
            }
        }
        Outcome::Ok { user, remember } => {
            let fs_paa = match login_user(&req, &user, remember, "password").await {
                Ok(p) => p,
                Err(e) => return e.into_response(),
            };
            if req.json {
                let mut body = Map::new();
                body.insert("user".into(), user_payload(&req, &user, Some(fs_paa)));
                body.insert("tf_required".into(), json!(false));
                super::ok_with_csrf(&req, body)
            } else {
                respond::redirect(&post_login_target(&req))
            }
        }
    }
}

//! `GET/POST /register` (SECURITY_REGISTERABLE).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portcullis_core::events::Event;
use portcullis_core::{NewUser, StoreError, User};
use serde_json::{Map, Value, json};

use super::{FlowRequest, login_user, page, unauth_csrf, user_payload};
use crate::Security;
use crate::respond::{self, FieldErrors, msg};

fn register_page(req: &FlowRequest, errors: &FieldErrors) -> Response {
    let c = req.auth.security().config();
    let mut ctx = Map::new();
    ctx.insert("username_enable".into(), json!(c.username_enable));
    ctx.insert(
        "password_confirm_required".into(),
        json!(c.password_confirm_required),
    );
    ctx.insert("login_url".into(), json!(c.login_url));
    ctx.insert("next".into(), json!(super::safe_next(req)));
    ctx.insert(
        "values".into(),
        json!({
            "email": req.input.get("email").and_then(Value::as_str),
            "username": req.input.get("username").and_then(Value::as_str),
        }),
    );
    page(req, "register.html", "Register", errors, ctx)
}

pub(super) async fn get(State(security): State<Security>, req: FlowRequest) -> Response {
    if req.auth.identity_cheap().is_some() {
        return anonymous_required(&security, &req);
    }
    if req.json {
        return super::ok_with_csrf(&req, Map::new());
    }
    register_page(&req, &FieldErrors::new())
}

fn anonymous_required(security: &Security, req: &FlowRequest) -> Response {
    if req.json {
        respond::errors(
            StatusCode::BAD_REQUEST,
            vec![msg::ANONYMOUS_USER_REQUIRED.into()],
        )
    } else {
        respond::redirect(&security.config().post_login_view)
    }
}

use portcullis_core::policy::username_errors;

enum Outcome {
    Created(Box<User>),
    /// Only "already associated" errors, in generic mode: answer as if it worked.
    Hidden,
    Invalid(FieldErrors),
}

async fn register(req: &FlowRequest) -> crate::error::Result<Outcome> {
    let security = req.auth.security();
    let c = security.config();
    let mut errors = FieldErrors::new();
    let email_raw = req.string("email", &mut errors);
    let password = req.string("password", &mut errors);
    let confirm = req.string("password_confirm", &mut errors);
    let username = if c.username_enable {
        req.string("username", &mut errors)
    } else {
        None
    };
    let mut email = None;
    match email_raw.as_deref() {
        None if !errors.has("email") => errors.add("email", msg::EMAIL_NOT_PROVIDED),
        None => {}
        Some(raw) => match super::normalize_email(raw) {
            Some(e) => email = Some(e),
            None => errors.add("email", msg::INVALID_EMAIL_ADDRESS),
        },
    }
    let mut exists_only = true;
    if let Some(e) = &email
        && security.store().user_by_email(e).await?.is_some()
    {
        errors.add(
            "email",
            format!("{e} is already associated with an account."),
        );
    }
    match (&password, c.password_required) {
        (None, true) if !errors.has("password") => {
            exists_only = false;
            errors.add("password", msg::PASSWORD_NOT_PROVIDED);
        }
        (Some(pw), _) => {
            for m in super::password_policy(security, pw) {
                exists_only = false;
                errors.add("password", m);
            }
            if c.password_confirm_required && confirm.as_deref() != Some(pw.as_str()) {
                exists_only = false;
                errors.add("password_confirm", msg::RETYPE_PASSWORD_MISMATCH);
            }
            if email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(pw))
                || username
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(pw))
            {
                exists_only = false;
                errors.add(
                    "password",
                    "Password must not be the same as your email or username",
                );
            }
        }
        _ => {}
    }
    let mut username_norm = None;
    match &username {
        Some(u) => {
            let errs = username_errors(u);
            if errs.is_empty() {
                let n = portcullis_core::policy::normalize_username(u);
                if security.store().user_by_username(&n).await?.is_some() {
                    errors.add(
                        "username",
                        format!("{n} is already associated with an account."),
                    );
                }
                username_norm = Some(n);
            } else {
                exists_only = false;
                for m in errs {
                    errors.add("username", m);
                }
            }
        }
        None if c.username_enable && c.username_required && !errors.has("username") => {
            exists_only = false;
            errors.add("username", "Username not provided");
        }
        None => {}
    }
    if let Some(next) = req.next_param()
        && crate::redirect::validate(&next, req.auth.host(), c).is_none()
    {
        exists_only = false;
        errors.add("next", msg::INVALID_REDIRECT);
    }
    let only_existing = exists_only
        && errors
            .field_names()
            .all(|f| f == "email" || f == "username")
        && errors
            .get("email")
            .iter()
            .chain(errors.get("username"))
            .all(|m| m.ends_with("is already associated with an account."));
    if !errors.is_empty() {
        if c.return_generic_responses && only_existing {
            let existing = match &email {
                Some(e) => security.store().user_by_email(e).await?,
                None => None,
            };
            security.emit(Event::UserNotRegistered {
                existing_user_id: existing.map(|u| u.id),
            });
            // Spend the hash a real registration would.
            if let Some(pw) = password {
                security.hash_pool().hash(pw).await?;
            }
            return Ok(Outcome::Hidden);
        }
        return Ok(Outcome::Invalid(errors));
    }
    let (Some(email), Some(password)) = (email, password) else {
        errors.add("", msg::API_ERROR);
        return Ok(Outcome::Invalid(errors));
    };
    let hash = security.hash_pool().hash(password).await?;
    let now = security.clock().now();
    let created = security
        .store()
        .create_user(NewUser {
            email: email.clone(),
            username: username_norm,
            password: Some(hash),
            active: true,
            confirmed_at: None,
            fs_uniquifier: super::new_uniquifier(),
            now,
        })
        .await;
    match created {
        Ok(user) => {
            security.emit(Event::UserRegistered { user_id: user.id });
            Ok(Outcome::Created(Box::new(user)))
        }
        // Lost a race with a concurrent registration of the same identity.
        Err(StoreError::Conflict(field)) => {
            if c.return_generic_responses {
                return Ok(Outcome::Hidden);
            }
            let f = if field == "username" {
                "username"
            } else {
                "email"
            };
            errors.add(f, format!("{email} is already associated with an account."));
            Ok(Outcome::Invalid(errors))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn post(State(security): State<Security>, req: FlowRequest) -> Response {
    if let Err(res) = unauth_csrf(&req).await {
        return res;
    }
    if req.auth.identity_cheap().is_some() {
        return anonymous_required(&security, &req);
    }
    let outcome = match register(&req).await {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    let c = security.config();
    let target = super::safe_next(&req).unwrap_or_else(|| {
        c.post_register_view
            .clone()
            .unwrap_or_else(|| c.post_login_view.clone())
    });
    match outcome {
        Outcome::Invalid(errors) => {
            if req.json {
                errors.into_json()
            } else {
                register_page(&req, &errors)
            }
        }
        Outcome::Hidden => {
            if req.json {
                // With confirmation on, the same body as a real registration (Flask-Security's
                // quirk Q5 answers differently); without it a real registration signs in, which
                // cannot be imitated.
                let mut body = Map::new();
                if c.confirmable && !c.login_without_confirmation {
                    body.insert("user".into(), json!({}));
                }
                super::ok_with_csrf(&req, body)
            } else {
                respond::redirect(&target)
            }
        }
        Outcome::Created(user) => {
            let login = !c.confirmable || c.login_without_confirmation;
            let mut body = Map::new();
            if login {
                let fs_paa = match login_user(&req, &user, false, "register").await {
                    Ok(p) => p,
                    Err(e) => return e.into_response(),
                };
                body.insert("user".into(), user_payload(&req, &user, Some(fs_paa)));
                body.insert("tf_required".into(), json!(false));
            } else {
                body.insert("user".into(), json!({}));
            }
            if req.json {
                super::ok_with_csrf(&req, body)
            } else {
                respond::redirect(&target)
            }
        }
    }
}

//! HTTP glue for `/tf-setup`, `/tf-validate`, `/tf-select`, `/tf-rescue`, `/mf-recovery-codes`
//! and `/mf-recovery`.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use portcullis_core::User;
use portcullis_core::model::{TfState, TwoFactorMethod, TwoFactorState};
use serde_json::{Value, json};

use super::service::{self, Checked, Setup};
use super::{otp, state, view};
use crate::Security;
use crate::flows::guard;
use crate::flows::notify;
use crate::flows::reply::{Body, Reply, finish, login_user, user_payload};
use crate::flows::request::FlowRequest;
use crate::flows::wire::{
    Empty, RecoveryCodes, RecoveryOptions, SecondFactorPending, TfMethodAdopted, TfRescueInfo,
    TfRescueSent, TfSelectInfo, WithUser,
};
use crate::form::FieldErrors;
use crate::layer::Identity;
use crate::messages::Msg;
use crate::respond;

/// Who is at a two-factor endpoint.
enum Caller {
    /// A signed-in user (changing their method).
    SignedIn(Identity),
    /// A sign-in waiting for its second factor (or its setup).
    SigningIn(Box<User>, TwoFactorState),
}

fn no_state(req: &FlowRequest) -> Reply {
    if req.json {
        Reply::Response(respond::errors(
            StatusCode::BAD_REQUEST,
            &[Msg::TwoFactorNoState.into()],
        ))
    } else {
        Reply::Redirect(req.auth.security().config().login_url.clone())
    }
}

/// The pending sign-in in one of `states` (adopting a `tf_state_token` first), with its user.
async fn pending(
    req: &FlowRequest,
    states: &[TfState],
) -> Result<(Box<User>, TwoFactorState), Reply> {
    state::adopt(req).await?;
    let Some(st) = state::current(req).filter(|st| states.contains(&st.state)) else {
        return Err(no_state(req));
    };
    match service::state_user(req.auth.security(), &st).await? {
        Some(user) => Ok((Box::new(user), st)),
        None => {
            state::clear(req);
            Err(no_state(req))
        }
    }
}

/// CSRF for the anonymous steps: a request that names its pending sign-in with a
/// `tf_state_token` (no cookie, so nothing ambient to forge) needs none.
fn step_csrf(req: &FlowRequest) -> Result<(), Reply> {
    if req.text("tf_state_token").is_some() {
        return Ok(());
    }
    guard::unauth_csrf(req).map_err(Reply::Response)
}

async fn caller(req: &FlowRequest, states: &[TfState]) -> Result<Caller, Reply> {
    if req.auth.identity_cheap().is_some() {
        let identity = guard::require_fresh_user(req).await?;
        return Ok(Caller::SignedIn(identity));
    }
    let (user, st) = pending(req, states).await?;
    Ok(Caller::SigningIn(user, st))
}

/// Finish a sign-in: signed in now, the pending state gone; with `remember_browser`, the
/// `tf_validity` cookie when the configuration allows skipping the second factor.
async fn complete(
    req: &FlowRequest,
    user: &User,
    st: &TwoFactorState,
    remember_browser: bool,
) -> Result<Reply, Reply> {
    let security = req.auth.security();
    let c = security.config();
    state::clear(req);
    let via = if st.via.is_empty() {
        "password"
    } else {
        &st.via
    };
    let fs_paa = login_user(req, user, st.remember, via).await?;
    crate::flows::reply::flash(req, Msg::TwoFactorLoginSuccessful);
    let json: Body = (&WithUser {
        user: user_payload(req, user, Some(fs_paa)),
    })
        .into();
    let reply = Reply::Done {
        json,
        csrf: true,
        redirect: req.safe_next().unwrap_or_else(|| c.post_login_view.clone()),
    };
    if !(remember_browser && st.remember && !c.two_factor_always_validate) {
        return Ok(reply);
    }
    let mut res = reply.render(req);
    let cookie = format!(
        "{}={}; Max-Age={}; Path=/; HttpOnly; SameSite=Strict{}",
        c.two_factor_validity_cookie_name,
        service::validity_token(security, user),
        c.two_factor_login_validity.as_secs(),
        if c.session_cookie_secure {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(Reply::Response(res))
}

fn code_field(req: &FlowRequest) -> Option<String> {
    match req.input.get("code")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(format!("{:06}", n.as_u64()?)),
        _ => None,
    }
}

fn recovery_options(security: &Security, user: &User) -> RecoveryOptions {
    let c = security.config();
    RecoveryOptions {
        help: c.two_factor_rescue_url.clone(),
        email: c
            .two_factor_rescue_email
            .then(|| c.two_factor_rescue_url.clone()),
        recovery_code: (c.multi_factor_recovery_codes && !user.recovery_codes().is_empty())
            .then(|| c.multi_factor_recovery_url.clone()),
    }
}

// ---- /tf-validate ----

pub(in crate::flows) async fn validate_page(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        let (user, _) = pending(&req, &[TfState::Ready, TfState::ValidatingProfile]).await?;
        let body = TfRescueInfo {
            user: Empty {},
            recovery_options: recovery_options(&security, &user),
        };
        Ok(Reply::Show {
            json: (&body).into(),
            page: view::validate(&req),
        })
    };
    finish(&req, shown.await)
}

pub(in crate::flows) async fn validate(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    finish(&req, handle_validate(&security, &req).await)
}

async fn handle_validate(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    step_csrf(req)?;
    let (user, st) = pending(req, &[TfState::Ready, TfState::ValidatingProfile]).await?;
    // A pending security-key step (or a select) has no code to check here.
    let Some(method) = st.method.filter(|_| !st.webauthn) else {
        return Err(no_state(req));
    };
    let setting_up = st.state == TfState::ValidatingProfile;
    let stored = if setting_up {
        st.pending_secret.clone()
    } else {
        user.tf_totp_secret.clone()
    };
    let Some(stored) = stored else {
        return Err(no_state(req));
    };
    let code = code_field(req);
    match service::check_code(
        security,
        &user,
        method,
        &stored,
        code,
        req.auth.limit_address()?,
    )
    .await?
    {
        Checked::RateLimited(retry) => Ok(Reply::Response(respond::too_many_requests(
            &req.headers,
            retry,
        ))),
        Checked::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::validate(req),
        }),
        Checked::Ok => {
            if setting_up {
                service::adopt_method(
                    security,
                    &user,
                    method,
                    &stored,
                    st.pending_phone.as_deref(),
                )
                .await?;
            }
            if !st.signing_in {
                // A signed-in user changed their method: nothing more to sign in.
                state::clear(req);
                crate::flows::reply::flash(req, Msg::TwoFactorChangeMethodSuccessful);
                let fs_paa = req.auth.identity_cheap().and_then(|i| i.fs_paa);
                let json: Body = (&WithUser {
                    user: user_payload(req, &user, fs_paa),
                })
                    .into();
                return Ok(Reply::Done {
                    json,
                    csrf: true,
                    redirect: security.config().two_factor_setup_url.clone(),
                });
            }
            complete(req, &user, &st, true).await
        }
    }
}

// ---- /tf-setup ----

pub(in crate::flows) async fn setup_page(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        let user =
            match caller(&req, &[TfState::SetupFromLogin, TfState::ValidatingProfile]).await? {
                Caller::SignedIn(identity) => (*identity.user).clone(),
                Caller::SigningIn(user, _) => *user,
            };
        Ok(Reply::Show {
            json: (&service::setup_info(&security, &user)).into(),
            page: view::setup(&req, &security, None),
        })
    };
    finish(&req, shown.await)
}

pub(in crate::flows) async fn setup(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    finish(&req, handle_setup(&security, &req).await)
}

async fn handle_setup(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    let (user, signing_in, remember) =
        match caller(req, &[TfState::SetupFromLogin, TfState::ValidatingProfile]).await? {
            Caller::SignedIn(identity) => {
                guard::authed_csrf(req, identity.via)?;
                ((*identity.user).clone(), false, false)
            }
            Caller::SigningIn(user, st) => {
                step_csrf(req)?;
                (*user, true, st.remember)
            }
        };
    match service::setup(req, &user, signing_in, remember).await? {
        Setup::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::setup(req, security, None),
        }),
        Setup::Disabled => {
            let json: Body = (&WithUser {
                user: user_payload(req, &user, None),
            })
                .into();
            Ok(Reply::Accepted {
                json,
                page: view::setup(req, security, None).say(Msg::TwoFactorDisabled),
            })
        }
        Setup::Validating(body, qr) => Ok(Reply::Accepted {
            page: view::setup(req, security, qr)
                .with("validating", json!(true))
                .with(
                    "authr",
                    json!(body.authenticator.as_ref().map(|a| json!({
                        "key": a.tf_authr_key, "uri": a.tf_authr_uri
                    }))),
                ),
            json: (&body).into(),
        }),
    }
}

/// `POST /tf-setup/<token>` `{"code"}`: a signed-in user finishes a change of method without a
/// session (Flask-Security 5.5).
pub(in crate::flows) async fn setup_token(
    State(security): State<Security>,
    Path(token): Path<String>,
    req: FlowRequest,
) -> Response {
    finish(&req, handle_setup_token(&security, &req, &token).await)
}

async fn handle_setup_token(
    security: &Security,
    req: &FlowRequest,
    token: &str,
) -> Result<Reply, Reply> {
    let identity = guard::require_user(req).await?;
    guard::authed_csrf(req, identity.via)?;
    let mut errors = FieldErrors::new();
    let (stored, method, phone) = match otp::read_setup_token(security, token) {
        otp::SetupToken::Valid {
            secret,
            method,
            phone,
        } => (secret, method, phone),
        otp::SetupToken::Expired => {
            errors.add("", crate::messages::two_factor_setup_expired(security));
            return Ok(Reply::Invalid {
                errors,
                page: view::setup(req, security, None),
            });
        }
        otp::SetupToken::Invalid => {
            errors.add("", Msg::ApiError);
            return Ok(Reply::Invalid {
                errors,
                page: view::setup(req, security, None),
            });
        }
    };
    let user = identity.user.as_ref();
    match service::check_code(
        security,
        user,
        method,
        &stored,
        code_field(req),
        req.auth.limit_address()?,
    )
    .await?
    {
        Checked::RateLimited(retry) => Ok(Reply::Response(respond::too_many_requests(
            &req.headers,
            retry,
        ))),
        Checked::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::setup(req, security, None),
        }),
        Checked::Ok => {
            service::adopt_method(security, user, method, &stored, phone.as_deref()).await?;
            let body = TfMethodAdopted {
                tf_method: method,
                tf_primary_method: method,
                tf_phone: phone,
            };
            let c = security.config();
            Ok(Reply::Done {
                json: (&body).into(),
                csrf: true,
                redirect: c.two_factor_setup_url.clone(),
            })
        }
    }
}

// ---- /tf-select ----

/// The second factors the user can choose from: the code method, and `webauthn` for a
/// security key.
async fn select_methods(req: &FlowRequest, user: &User) -> Result<Vec<&'static str>, Reply> {
    let security = req.auth.security();
    let mut methods: Vec<&'static str> = service::user_method(user)
        .filter(|_| security.config().two_factor)
        .map(TwoFactorMethod::as_str)
        .into_iter()
        .collect();
    if service::has_security_key(security, user).await? {
        methods.push("webauthn");
    }
    Ok(methods)
}

/// A sign-in waiting for its second factor, if this request carries one (cookie or
/// `tf_state_token`): the user and the state.
pub(crate) async fn pending_sign_in(
    req: &FlowRequest,
) -> Result<Option<(Box<User>, TwoFactorState)>, Reply> {
    state::adopt(req).await?;
    let Some(st) = state::current(req).filter(|st| st.signing_in && st.state == TfState::Ready)
    else {
        return Ok(None);
    };
    Ok(service::state_user(req.auth.security(), &st)
        .await?
        .map(|u| (Box::new(u), st)))
}

/// Finish a sign-in whose second factor was a security key.
pub(crate) async fn complete_with_key(
    req: &FlowRequest,
    user: &User,
    st: &TwoFactorState,
) -> Result<Reply, Reply> {
    complete(req, user, st, true).await
}

pub(in crate::flows) async fn select_page(
    State(_security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        let (user, _) = pending(&req, &[TfState::Ready, TfState::Select]).await?;
        let methods = select_methods(&req, &user).await?;
        let body = TfSelectInfo {
            tf_select: true,
            tf_setup_methods: methods.clone(),
        };
        Ok(Reply::Show {
            json: (&body).into(),
            page: view::select(&req, &methods),
        })
    };
    finish(&req, shown.await)
}

pub(in crate::flows) async fn select(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let chosen = async {
        step_csrf(&req)?;
        let (user, mut st) = pending(&req, &[TfState::Ready, TfState::Select]).await?;
        let methods = select_methods(&req, &user).await?;
        let mut errors = FieldErrors::new();
        let which = req.string("which", &mut errors);
        if which.as_deref() == Some("webauthn") && methods.contains(&"webauthn") {
            // A security key: signed with at /wan-signin.
            let c = security.config();
            st.state = TfState::Ready;
            st.method = None;
            st.webauthn = true;
            state::put(&req, st, false);
            let body = SecondFactorPending {
                tf_required: true,
                tf_state: TfState::Ready,
                tf_primary_method: None,
                tf_method: Some("webauthn"),
                tf_state_token: None,
                tf_select: None,
                tf_setup_methods: None,
                tf_signin_url: Some(c.wan_signin_url.clone()),
            };
            return Ok(Reply::Done {
                json: (&body).into(),
                csrf: true,
                redirect: c.wan_signin_url.clone(),
            });
        }
        let Some(m) = which
            .and_then(|w| TwoFactorMethod::from_name(&w))
            .filter(|m| methods.contains(&m.as_str()))
        else {
            errors.add("which", Msg::NotAValidChoice);
            return Ok(Reply::Invalid {
                errors,
                page: view::select(&req, &methods),
            });
        };
        service::send_code(&security, &user, m, None, None).await?;
        st.state = TfState::Ready;
        st.method = Some(m);
        st.webauthn = false;
        state::put(&req, st, false);
        let body = SecondFactorPending {
            tf_required: true,
            tf_state: TfState::Ready,
            tf_primary_method: Some(m),
            tf_method: Some(m.as_str()),
            tf_state_token: None,
            tf_select: None,
            tf_setup_methods: None,
            tf_signin_url: None,
        };
        Ok(Reply::Done {
            json: (&body).into(),
            csrf: true,
            redirect: security.config().two_factor_token_validation_url.clone(),
        })
    };
    finish(&req, chosen.await)
}

// ---- /tf-rescue ----

pub(in crate::flows) async fn rescue_page(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        let (user, _) = pending(&req, &[TfState::Ready]).await?;
        let recovery_options = recovery_options(&security, &user);
        Ok(Reply::Show {
            page: view::rescue(&req, &recovery_options),
            json: (&TfRescueSent { recovery_options }).into(),
        })
    };
    finish(&req, shown.await)
}

pub(in crate::flows) async fn rescue(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    finish(&req, handle_rescue(&security, &req).await)
}

async fn handle_rescue(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    step_csrf(req)?;
    let (user, _) = pending(req, &[TfState::Ready]).await?;
    let c = security.config();
    let options = recovery_options(security, &user);
    let mut errors = FieldErrors::new();
    let choice = req.string("help_setup", &mut errors);
    let offered = choice.as_deref().is_some_and(|ch| options.offers(ch));
    if !offered {
        errors.add("help_setup", Msg::NotAValidChoice);
        return Ok(Reply::Invalid {
            errors,
            page: view::rescue(req, &options),
        });
    }
    let message = match choice.as_deref() {
        Some("recovery_code") => return Ok(Reply::Redirect(c.multi_factor_recovery_url.clone())),
        Some("email") => {
            // The current code of the user's method, to the account's address.
            service::send_code(
                security,
                &user,
                TwoFactorMethod::Email,
                user.tf_totp_secret.as_deref(),
                None,
            )
            .await?;
            Msg::TwoFactorRescueSent
        }
        _ => {
            notify::send(
                security,
                &c.two_factor_rescue_mail,
                &c.email_subject_two_factor_rescue,
                "two_factor_rescue",
                notify::MailContext::to(&user),
            )
            .await
            .map_err(|_| crate::error::Error::Mail)?;
            Msg::TwoFactorHelpSent
        }
    };
    Ok(Reply::Accepted {
        page: view::rescue(req, &options).say(message),
        json: (&TfRescueSent {
            recovery_options: options,
        })
            .into(),
    })
}

// ---- /mf-recovery-codes, /mf-recovery ----

pub(in crate::flows) async fn recovery_codes_page(
    State(_security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        let identity = guard::require_fresh_user(&req).await?;
        // Codes are stored hashed: only Flask-Security's plain-text ones can be shown again.
        let legacy: Vec<String> = identity
            .user
            .recovery_codes()
            .into_iter()
            .filter(|c| !c.starts_with('$'))
            .collect();
        Ok(Reply::Show {
            page: view::recovery_codes(&req, &legacy),
            json: (&RecoveryCodes {
                recovery_codes: legacy,
            })
                .into(),
        })
    };
    finish(&req, shown.await)
}

pub(in crate::flows) async fn recovery_codes(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let made = async {
        let identity = guard::require_fresh_user(&req).await?;
        guard::authed_csrf(&req, identity.via)?;
        let codes = service::new_recovery_codes(&security, &identity.user).await?;
        Ok(Reply::Accepted {
            page: view::recovery_codes(&req, &codes),
            json: (&RecoveryCodes {
                recovery_codes: codes,
            })
                .into(),
        })
    };
    finish(&req, made.await)
}

pub(in crate::flows) async fn recovery_page(
    State(_security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        pending(&req, &[TfState::Ready]).await?;
        Ok(Reply::Show {
            json: Body::empty(),
            page: view::recovery(&req),
        })
    };
    finish(&req, shown.await)
}

pub(in crate::flows) async fn recovery(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let used = async {
        step_csrf(&req)?;
        let (user, st) = pending(&req, &[TfState::Ready]).await?;
        let code = code_field(&req);
        match service::use_recovery_code(&security, &user, code, req.auth.limit_address()?).await? {
            Checked::RateLimited(retry) => Ok(Reply::Response(respond::too_many_requests(
                &req.headers,
                retry,
            ))),
            Checked::Invalid(errors) => Ok(Reply::Invalid {
                errors,
                page: view::recovery(&req),
            }),
            // Signed in, but this browser is not remembered: recovery codes are for emergencies.
            Checked::Ok => complete(&req, &user, &st, false).await,
        }
    };
    finish(&req, used.await)
}

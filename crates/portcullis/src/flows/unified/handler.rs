//! HTTP glue for `/us-signin`, `/us-signin/send-code`, `/us-verify-link`, `/us-setup`,
//! `/us-setup/<state>`, `/us-verify` and `/us-verify/send-code`.

use crate::view::Title;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::service::{self, Link, Sent, SetupDone, SetupOutcome, Signin};
use super::view;
use crate::Security;
use crate::flows::guard;
use crate::flows::reply::{Body, Reply, finish, login_user, user_payload};
use crate::flows::request::FlowRequest;
use crate::flows::two_factor::{self, Entered};
use crate::flows::wire::{NoOtherWays, SignedIn, UsVerifyInfo, WithUser};
use crate::form::FieldErrors;
use crate::links;
use crate::messages::Msg;
use crate::respond;

pub(in crate::flows) async fn signin_page(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let user = req
        .auth
        .identity_cheap()
        .map(|id| user_payload(&req, &id.user, id.fs_paa));
    let info = service::signin_info(&security, user);
    req.auth
        .with_session(|s| s.csrf_cookie = crate::session::CsrfCookie::Set);
    let page = view::signin(&req, &info);
    Reply::Show {
        json: (&info).into(),
        page,
    }
    .render(&req)
}

/// The passcode as a string (a JSON number is a code too).
fn passcode(req: &FlowRequest, errors: &mut FieldErrors) -> Option<String> {
    match req.input.get("passcode") {
        Some(Value::Number(n)) => n.as_u64().map(|n| format!("{n:06}")),
        _ => req.string("passcode", errors),
    }
}

pub(in crate::flows) async fn signin(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    finish(&req, handle_signin(&security, &req).await)
}

async fn handle_signin(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    guard::unauth_csrf(req)?;
    if req.auth.identity_cheap().is_some() {
        guard::anonymous_required(req)?;
    }
    let c = security.config();
    let mut errors = FieldErrors::new();
    let identity = req.string("identity", &mut errors);
    let code = passcode(req, &mut errors);
    let remember = req
        .boolean("remember")
        .or(req.boolean("remember_me"))
        .unwrap_or(c.default_remember_me);
    req.check_next(&mut errors);
    let info = service::signin_info(security, None);
    match service::signin(security, identity, code, errors, req.auth.limit_address()?).await? {
        Signin::RateLimited(retry) => Ok(Reply::Response(respond::too_many_requests(
            &req.headers,
            retry,
        ))),
        Signin::Invalid(mut errors) => {
            if c.return_generic_responses {
                let next = errors.get("next").to_vec();
                errors = FieldErrors::new();
                errors.add("", Msg::GenericAuthnFailed);
                for m in next {
                    errors.add("next", m);
                }
            }
            Ok(Reply::Invalid {
                errors,
                page: view::signin(req, &info),
            })
        }
        Signin::Passed(user, method) => {
            if c.us_mfa_required.contains(&method)
                && let Entered::Pending(pending, next) =
                    two_factor::enter(req, &user, remember, &method).await?
            {
                return Ok(Reply::Done {
                    json: (&pending).into(),
                    csrf: true,
                    redirect: next,
                });
            }
            let fs_paa = login_user(req, &user, remember, &method).await?;
            let body = SignedIn::new(user_payload(req, &user, Some(fs_paa)));
            Ok(Reply::Done {
                json: (&body).into(),
                csrf: true,
                redirect: req.safe_next().unwrap_or_else(|| c.post_login_view.clone()),
            })
        }
    }
}

pub(in crate::flows) async fn send_code(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let reply = async {
        guard::unauth_csrf(&req)?;
        guard::anonymous_required(&req)?;
        let pace = crate::flows::pace::Pace::start(&security);
        let mut errors = FieldErrors::new();
        let identity = req.string("identity", &mut errors);
        let chosen = req.string("chosen_method", &mut errors);
        let info = service::signin_info(&security, None);
        let outcome = service::send_code(
            &security,
            identity,
            chosen,
            errors,
            req.auth.limit_address()?,
        )
        .await;
        pace.finish().await;
        Ok(match outcome? {
            Sent::RateLimited(retry) => {
                Reply::Response(respond::too_many_requests(&req.headers, retry))
            }
            Sent::Invalid(errors) => Reply::Invalid {
                errors,
                page: view::signin(&req, &info),
            },
            Sent::Delivered => Reply::Accepted {
                json: Body::empty(),
                page: view::signin(&req, &info).say(Msg::UsCodeSent),
            },
        })
    };
    finish(&req, reply.await)
}

pub(in crate::flows) async fn verify_link(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let reply = async {
        let c = security.config();
        match service::verify_link(
            &security,
            req.query("id"),
            req.query("code"),
            req.auth.limit_address()?,
        )
        .await?
        {
            Link::Invalid(problem) => {
                Ok(match c.login_error_view.clone().filter(|_| links::spa(c)) {
                    Some(view) => Reply::Redirect(links::with_query(
                        c,
                        &view,
                        &[("error", &problem.to_string())],
                    )),
                    None => Reply::Notice {
                        ok: false,
                        message: problem,
                        title: Title::SignIn,
                    },
                })
            }
            Link::Passed(user) => {
                if c.us_mfa_required.iter().any(|m| m == "email")
                    && let Entered::Pending(_, next) =
                        two_factor::enter(&req, &user, false, "email").await?
                {
                    return Ok(match c.login_error_view.clone().filter(|_| links::spa(c)) {
                        Some(view) => Reply::Redirect(links::with_query(
                            c,
                            &view,
                            &[
                                ("tf_required", "1"),
                                ("email", &user.email),
                                ("identity", &user.email),
                            ],
                        )),
                        None => Reply::Redirect(next),
                    });
                }
                login_user(&req, &user, false, "email").await?;
                Ok(Reply::Redirect(if links::spa(c) {
                    links::with_query(
                        c,
                        &c.post_login_view,
                        &[("email", &user.email), ("identity", &user.email)],
                    )
                } else {
                    c.post_login_view.clone()
                }))
            }
        }
    };
    finish(&req, reply.await)
}

pub(in crate::flows) async fn setup_page(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        let identity = guard::require_fresh_user(&req).await?;
        let info = service::setup_info(&security, &identity.user);
        let page = view::setup(&req, &info, None);
        Ok(Reply::Show {
            json: (&info).into(),
            page,
        })
    };
    finish(&req, shown.await)
}

pub(in crate::flows) async fn setup(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let reply = async {
        let identity = guard::require_fresh_user(&req).await?;
        guard::authed_csrf(&req, identity.via)?;
        let mut errors = FieldErrors::new();
        let chosen = req.string("chosen_method", &mut errors);
        let delete: Vec<String> = match req.input.get("delete_method") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
            _ => Vec::new(),
        };
        let phone = req.string("phone", &mut errors);
        let info = service::setup_info(&security, &identity.user);
        Ok(
            match service::setup(&security, &identity.user, chosen, delete, phone, errors).await? {
                SetupOutcome::Invalid(errors) => Reply::Invalid {
                    errors,
                    page: view::setup(&req, &info, None),
                },
                SetupOutcome::Deleted => Reply::Accepted {
                    json: Body::empty(),
                    page: view::setup(&req, &info, None),
                },
                SetupOutcome::Started(started, qr) => Reply::Accepted {
                    page: view::setup(&req, &info, qr)
                        .with("state", json!(started.state))
                        .with("chosen_method", json!(started.chosen_method))
                        .with(
                            "authr",
                            json!(started.authenticator.as_ref().map(|a| json!({
                                "key": a.authr_key, "uri": a.authr_uri
                            }))),
                        ),
                    json: (&started).into(),
                },
            },
        )
    };
    finish(&req, reply.await)
}

pub(in crate::flows) async fn setup_validate(
    State(security): State<Security>,
    Path(state): Path<String>,
    req: FlowRequest,
) -> Response {
    let reply = async {
        let identity = guard::require_user(&req).await?;
        guard::authed_csrf(&req, identity.via)?;
        let mut errors = FieldErrors::new();
        let code = passcode(&req, &mut errors);
        let info = service::setup_info(&security, &identity.user);
        Ok(
            match service::setup_validate(&security, &identity.user, &state, code, errors).await? {
                SetupDone::Invalid(errors) => Reply::Invalid {
                    errors,
                    page: view::setup(&req, &info, None),
                },
                SetupDone::Done(done) => {
                    crate::flows::reply::flash(&req, Msg::UsSetupSuccessful);
                    Reply::Done {
                        json: (&done).into(),
                        csrf: true,
                        redirect: security.config().us_setup_url.clone(),
                    }
                }
            },
        )
    };
    finish(&req, reply.await)
}

pub(in crate::flows) async fn verify_page(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        let identity = guard::require_user(&req).await?;
        let active = service::active_methods(&security, &identity.user);
        let code_methods: Vec<String> = service::code_methods(&security)
            .into_iter()
            .filter(|m| active.contains(m))
            .collect();
        let body = UsVerifyInfo {
            available_methods: active,
            code_methods,
            other_ways: NoOtherWays {
                has_webauthn_verify_credential: crate::flows::webauthn::has_verify_credential(
                    &security,
                    &identity.user,
                )
                .await?,
                ..NoOtherWays::default()
            },
        };
        Ok(Reply::Show {
            json: (&body).into(),
            page: view::verify(&req),
        })
    };
    finish(&req, shown.await)
}

pub(in crate::flows) async fn verify(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let reply = async {
        let identity = guard::require_user(&req).await?;
        guard::authed_csrf(&req, identity.via)?;
        let mut errors = FieldErrors::new();
        let code = passcode(&req, &mut errors);
        let ident = identity.user.email.clone();
        match service::signin(
            &security,
            Some(ident),
            code,
            errors,
            req.auth.limit_address()?,
        )
        .await?
        {
            Signin::RateLimited(retry) => Ok(Reply::Response(respond::too_many_requests(
                &req.headers,
                retry,
            ))),
            Signin::Invalid(errors) => Ok(Reply::Invalid {
                errors,
                page: view::verify(&req),
            }),
            Signin::Passed(user, _) => {
                let now = crate::flows::reply::reauthenticated(&req, &user, identity.via);
                let json: Body = (&WithUser {
                    user: user_payload(&req, &user, Some(now)),
                })
                    .into();
                Ok(Reply::Done {
                    json,
                    csrf: true,
                    redirect: req
                        .safe_next()
                        .unwrap_or_else(|| security.config().post_login_view.clone()),
                })
            }
        }
    };
    finish(&req, reply.await)
}

pub(in crate::flows) async fn verify_send_code(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let reply = async {
        let identity = guard::require_user(&req).await?;
        guard::authed_csrf(&req, identity.via)?;
        let mut errors = FieldErrors::new();
        let chosen = req.string("chosen_method", &mut errors);
        let user = &identity.user;
        let ok = chosen.as_deref().is_some_and(|m| {
            service::code_methods(&security).iter().any(|c| c == m)
                && user.us_secrets().contains_key(m)
        });
        let Some(method) = chosen.filter(|_| ok) else {
            errors.add("chosen_method", Msg::UsMethodNotAvailable);
            return Ok(Reply::Invalid {
                errors,
                page: view::verify(&req),
            });
        };
        service::deliver_code(&security, user, &method, false).await?;
        Ok(Reply::Accepted {
            json: Body::empty(),
            page: view::verify(&req).say(Msg::UsCodeSent),
        })
    };
    finish(&req, reply.await)
}

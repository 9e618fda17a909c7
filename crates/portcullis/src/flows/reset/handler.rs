//! HTTP glue for `/reset` and `/reset/<token>`.

use crate::view::Title;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;

use super::service::{self, Forgot, LinkState, Reset};
use super::{form, view};
use crate::Security;
use crate::flows::confirm::form as address;
use crate::flows::guard;
use crate::flows::pace::Pace;
use crate::flows::reply::{Body, Reply, finish};
use crate::flows::request::FlowRequest;
use crate::links;
use crate::messages::Msg;

pub(in crate::flows) async fn forgot_page(
    State(_security): State<Security>,
    req: FlowRequest,
) -> Response {
    Reply::Show {
        json: Body::empty(),
        page: view::forgot_page(&req),
    }
    .render(&req)
}

pub(in crate::flows) async fn forgot(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let pace = Pace::start(&security);
    let reply = request_link(&security, &req).await;
    pace.finish().await;
    finish(&req, reply)
}

async fn request_link(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    guard::unauth_csrf(req)?;
    let (email, errors) = address::email(req);
    match service::forgot(security, email, errors).await? {
        Forgot::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::forgot_page(req),
        }),
        Forgot::MailFailed => Err(crate::error::Error::Mail.into()),
        Forgot::Sent => Ok(Reply::Accepted {
            json: Body::empty(),
            page: view::forgot_page(req).say(Msg::PasswordResetRequest),
        }),
    }
}

/// `GET /reset/<token>`: the form (or, for a single-page app, a redirect to its reset view with
/// the token); a bad or expired link goes to the error view. `POST`: set the new password.
pub(in crate::flows) async fn link(
    State(security): State<Security>,
    Path(token): Path<String>,
    req: FlowRequest,
) -> Response {
    if req.method == Method::POST {
        return finish(&req, submit(&security, &req, &token).await);
    }
    finish(&req, show(&security, &req, &token).await)
}

async fn show(security: &Security, req: &FlowRequest, token: &str) -> Result<Reply, Reply> {
    let c = security.config();
    let problem = match service::check_link(security, token).await? {
        LinkState::Valid(_) => {
            if let Some(view) = c.reset_view.clone().filter(|_| links::spa(c)) {
                // The token only, no personal data in the URL.
                return Ok(Reply::Redirect(links::with_query(
                    c,
                    &view,
                    &[("token", token)],
                )));
            }
            return Ok(Reply::Show {
                json: Body::empty(),
                page: view::reset_page(req),
            });
        }
        LinkState::Invalid => Msg::InvalidResetPasswordToken.into(),
        LinkState::Expired => {
            crate::messages::within(Msg::PasswordResetExpired, &service::within(security))
        }
    };
    Ok(match &c.reset_error_view {
        Some(view) => Reply::Redirect(links::with_query(
            c,
            view,
            &[("error", &problem.to_string())],
        )),
        None => Reply::Notice {
            ok: false,
            message: problem,
            title: Title::ForgotPassword,
        },
    })
}

async fn submit(security: &Security, req: &FlowRequest, token: &str) -> Result<Reply, Reply> {
    guard::unauth_csrf(req)?;
    let c = security.config();
    let (form, errors) = form::parse(req);
    match service::reset(security, token, form, errors).await? {
        Reset::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::reset_page(req),
        }),
        Reset::Done => {
            if req.json {
                // Flask-Security: 200 `{}`, no csrf_token (their Q11).
                return Ok(Reply::Done {
                    json: Body::empty(),
                    csrf: false,
                    redirect: String::new(),
                });
            }
            Ok(match &c.post_reset_view {
                Some(view) => {
                    crate::flows::reply::flash(req, Msg::PasswordResetNoLogin);
                    Reply::Redirect(view.clone())
                }
                None => Reply::Notice {
                    ok: true,
                    message: Msg::PasswordResetNoLogin.into(),
                    title: Title::PasswordReset,
                },
            })
        }
    }
}

//! HTTP glue for `/confirm` and `/confirm/<token>`.

use crate::view::Title;
use axum::extract::{Path, State};
use axum::response::Response;

use super::service::{self, Followed, Resend};
use super::{form, view};
use crate::Security;
use crate::flows::guard;
use crate::flows::pace::Pace;
use crate::flows::reply::{Body, Reply, finish, login_user};
use crate::flows::request::FlowRequest;
use crate::flows::two_factor::{self, Entered};
use crate::links;
use crate::messages::{Message, Msg};

pub(in crate::flows) async fn get(State(_security): State<Security>, req: FlowRequest) -> Response {
    Reply::Show {
        json: Body::empty(),
        page: view::page(&req),
    }
    .render(&req)
}

pub(in crate::flows) async fn post(State(security): State<Security>, req: FlowRequest) -> Response {
    let pace = Pace::start(&security);
    let reply = handle(&security, &req).await;
    pace.finish().await;
    finish(&req, reply)
}

async fn handle(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    guard::unauth_csrf(req)?;
    let (email, errors) = form::email(req);
    match service::resend(security, email, errors).await? {
        Resend::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::page(req),
        }),
        Resend::MailFailed => Err(crate::error::Error::Mail.into()),
        Resend::Sent => Ok(Reply::Accepted {
            json: Body::empty(),
            page: view::page(req).say(Msg::ConfirmationRequest),
        }),
    }
}

/// `GET/POST /confirm/<token>`: always answered with a redirect (to the SPA's views, or the
/// configured ones), or — with no view configured — a short page.
pub(in crate::flows) async fn link(
    State(security): State<Security>,
    Path(token): Path<String>,
    req: FlowRequest,
) -> Response {
    finish(&req, follow(&security, &req, &token).await)
}

async fn follow(security: &Security, req: &FlowRequest, token: &str) -> Result<Reply, Reply> {
    let c = security.config();
    let outcome = service::follow(security, token).await?;
    let (problem, key) = match outcome {
        Followed::Invalid => (Message::new(Msg::InvalidConfirmationToken), "error"),
        Followed::Expired => (
            crate::messages::within(Msg::ConfirmationExpired, &service::within(security)),
            "error",
        ),
        Followed::AlreadyConfirmed => (Message::new(Msg::AlreadyConfirmed), "info"),
        Followed::Confirmed(user) => {
            // Someone else signed in on this browser is signed out (Flask-Security does too).
            let other = req
                .auth
                .session_identity()
                .is_some_and(|i| i.user.id != user.id);
            if other {
                req.auth.with_session(|s| s.logout());
            }
            if c.auto_login_after_confirm {
                match two_factor::enter(req, &user, false, "confirm").await? {
                    Entered::NotRequired => {
                        login_user(req, &user, false, "confirm").await?;
                    }
                    // The second factor first; the link did its part (confirmed).
                    Entered::Pending(_, next) => return Ok(Reply::Redirect(next)),
                }
            }
            let spa_view = c.post_confirm_view.clone().filter(|_| links::spa(c));
            if let Some(view) = spa_view {
                return Ok(Reply::Redirect(links::with_query(
                    c,
                    &view,
                    &[
                        ("success", Msg::EmailConfirmed.english()),
                        ("email", &user.email),
                        ("identity", &user.email),
                    ],
                )));
            }
            let to = c.post_confirm_view.clone().unwrap_or_else(|| {
                if c.auto_login_after_confirm {
                    c.post_login_view.clone()
                } else {
                    c.login_url.clone()
                }
            });
            crate::flows::reply::flash(req, Msg::EmailConfirmed);
            return Ok(Reply::Redirect(to));
        }
    };
    Ok(match &c.confirm_error_view {
        Some(view) => Reply::Redirect(links::with_query(c, view, &[(key, &problem.to_string())])),
        None => Reply::Notice {
            ok: key == "info",
            message: problem,
            title: Title::EmailConfirmation,
        },
    })
}

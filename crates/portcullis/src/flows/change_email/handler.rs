//! HTTP glue for `/change-email` and `/change-email/<token>`.

use crate::view::Title;
use axum::extract::{Path, State};
use axum::response::Response;

use super::service::{self, Followed, Request};
use super::view;
use crate::Security;
use crate::flows::confirm::form as address;
use crate::flows::guard;
use crate::flows::reply::{Reply, finish, user_payload};
use crate::flows::request::FlowRequest;
use crate::links;
use crate::messages::Msg;

pub(in crate::flows) async fn get(State(_security): State<Security>, req: FlowRequest) -> Response {
    let shown = async {
        let identity = guard::require_fresh_user(&req).await?;
        let user = user_payload(&req, &identity.user, identity.fs_paa);
        Ok(Reply::Show {
            json: (&view::info(&identity, user)).into(),
            page: view::page(&req, &identity),
        })
    };
    finish(&req, shown.await)
}

pub(in crate::flows) async fn post(State(security): State<Security>, req: FlowRequest) -> Response {
    finish(&req, handle(&security, &req).await)
}

async fn handle(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    let identity = guard::require_fresh_user(req).await?;
    guard::authed_csrf(req, identity.via)?;
    let (email, errors) = address::email(req);
    match service::request(security, &identity.user, email, errors).await? {
        Request::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::page(req, &identity),
        }),
        Request::MailFailed => Err(crate::error::Error::Mail.into()),
        Request::Sent => {
            let user = user_payload(req, &identity.user, identity.fs_paa);
            Ok(Reply::Accepted {
                json: (&view::info(&identity, user)).into(),
                page: view::page(req, &identity).say(Msg::ChangeEmailSent),
            })
        }
    }
}

/// `GET /change-email/<token>`.
pub(in crate::flows) async fn link(
    State(security): State<Security>,
    Path(token): Path<String>,
    req: FlowRequest,
) -> Response {
    finish(&req, follow(&security, &req, &token).await)
}

async fn follow(security: &Security, req: &FlowRequest, token: &str) -> Result<Reply, Reply> {
    let c = security.config();
    let problem = match service::follow(security, token).await? {
        Followed::Invalid => Msg::ApiError,
        Followed::Expired => Msg::ChangeEmailExpired,
        Followed::Taken => Msg::ApiError,
        Followed::Changed(user) => {
            if let Some(view) = c.post_change_email_view.clone().filter(|_| links::spa(c)) {
                return Ok(Reply::Redirect(links::with_query(
                    c,
                    &view,
                    &[
                        ("success", Msg::ChangeEmailConfirmed.english()),
                        ("email", &user.email),
                        ("identity", &user.email),
                    ],
                )));
            }
            return Ok(match &c.post_change_email_view {
                Some(view) => {
                    crate::flows::reply::flash(req, Msg::ChangeEmailConfirmed);
                    Reply::Redirect(view.clone())
                }
                None => Reply::Notice {
                    ok: true,
                    message: Msg::ChangeEmailConfirmed.into(),
                    title: Title::ChangeEmail,
                },
            });
        }
    };
    Ok(match &c.change_email_error_view {
        Some(view) => Reply::Redirect(links::with_query(c, view, &[("error", problem.english())])),
        None => Reply::Notice {
            ok: false,
            message: problem.into(),
            title: Title::ChangeEmail,
        },
    })
}

//! HTTP glue for `/recover-username` and `/change-username`.

use axum::extract::State;
use axum::response::Response;

use super::service::{self, Change, Recover};
use super::view;
use crate::Security;
use crate::flows::confirm::form as address;
use crate::flows::guard;
use crate::flows::pace::Pace;
use crate::flows::reply::{Body, Reply, finish, user_payload};
use crate::flows::request::FlowRequest;
use crate::form::FieldErrors;
use crate::messages::Msg;

pub(in crate::flows) async fn recover_page(
    State(_security): State<Security>,
    req: FlowRequest,
) -> Response {
    if let Err(r) = guard::anonymous_required(&req) {
        return r;
    }
    Reply::Show {
        json: Body::empty(),
        page: view::recover_page(&req),
    }
    .render(&req)
}

pub(in crate::flows) async fn recover(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let pace = Pace::start(&security);
    let reply = handle_recover(&security, &req).await;
    pace.finish().await;
    finish(&req, reply)
}

async fn handle_recover(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    guard::unauth_csrf(req)?;
    guard::anonymous_required(req)?;
    let (email, errors) = address::email(req);
    match service::recover(security, email, errors).await? {
        Recover::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::recover_page(req),
        }),
        Recover::MailFailed => Err(crate::error::Error::Mail.into()),
        Recover::Sent => Ok(Reply::Accepted {
            json: Body::empty(),
            page: view::recover_page(req).say(Msg::UsernameRecoveryRequest),
        }),
    }
}

pub(in crate::flows) async fn change_page(
    State(_security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        let identity = guard::require_fresh_user(&req).await?;
        let user = user_payload(&req, &identity.user, identity.fs_paa);
        Ok(Reply::Show {
            json: (&view::info(&identity, user)).into(),
            page: view::change_page(&req, &identity),
        })
    };
    finish(&req, shown.await)
}

pub(in crate::flows) async fn change(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    finish(&req, handle_change(&security, &req).await)
}

async fn handle_change(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    let identity = guard::require_fresh_user(req).await?;
    guard::authed_csrf(req, identity.via)?;
    let mut errors = FieldErrors::new();
    let raw = req.string("username", &mut errors);
    match service::change(security, &identity.user, raw, errors).await? {
        Change::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::change_page(req, &identity),
        }),
        Change::Changed(updated) => {
            let c = security.config();
            let body = crate::flows::wire::WithUser {
                user: user_payload(req, &updated, identity.fs_paa),
            };
            Ok(Reply::Done {
                json: (&body).into(),
                csrf: true,
                redirect: c
                    .post_change_username_view
                    .clone()
                    .unwrap_or_else(|| c.post_login_view.clone()),
            })
        }
    }
}

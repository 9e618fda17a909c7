//! HTTP glue for `/change`.

use axum::extract::State;
use axum::response::Response;
use portcullis_core::config::Mechanism;

use super::service::{self, Outcome};
use super::{form, view};
use crate::Security;
use crate::flows::guard;
use crate::flows::reply::{Reply, finish, login_user, user_payload};
use crate::flows::request::FlowRequest;
use crate::flows::wire::WithUser;

pub(in crate::flows) async fn get(State(_security): State<Security>, req: FlowRequest) -> Response {
    let shown = async {
        let identity = guard::require_user(&req).await?;
        let user = user_payload(&req, &identity.user, identity.fs_paa);
        Ok(Reply::Show {
            json: (&view::info(&identity, user)).into(),
            page: view::page(&identity),
        })
    };
    finish(&req, shown.await)
}

pub(in crate::flows) async fn post(State(security): State<Security>, req: FlowRequest) -> Response {
    finish(&req, handle(&security, &req).await)
}

async fn handle(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    let identity = guard::require_user(req).await?;
    guard::authed_csrf(req, identity.via)?;
    // A passwordless account (unified sign-in) has nothing to change: the reset sets one.
    if identity.user.password.is_none() {
        let mut errors = crate::form::FieldErrors::new();
        errors.add("password", crate::messages::Msg::NoPasswordToChange);
        return Ok(Reply::Invalid {
            errors,
            page: view::page(&identity),
        });
    }
    let (form, errors) = form::parse(req);
    match service::change(
        security,
        &identity.user,
        form,
        errors,
        req.auth.limit_address()?,
    )
    .await?
    {
        Outcome::RateLimited(retry_after) => Ok(Reply::Response(
            crate::respond::too_many_requests(&req.headers, retry_after),
        )),
        Outcome::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::page(&identity),
        }),
        Outcome::Changed(updated) => {
            // Keep this browser signed in, on a new session bound to the new uniquifier.
            let has_session = identity.via == Mechanism::Session
                || req
                    .auth
                    .session_identity()
                    .is_some_and(|s| s.user.id == updated.id);
            let mut fs_paa = identity.fs_paa;
            if has_session {
                let remember = req.auth.with_session(|s| s.data.remember);
                fs_paa = Some(login_user(req, &updated, remember, "change").await?);
            }
            let body = WithUser {
                user: user_payload(req, &updated, fs_paa),
            };
            crate::flows::reply::flash(req, crate::messages::Msg::PasswordChange);
            let c = security.config();
            Ok(Reply::Done {
                json: (&body).into(),
                csrf: true,
                redirect: c
                    .post_change_view
                    .clone()
                    .unwrap_or_else(|| c.post_login_view.clone()),
            })
        }
    }
}

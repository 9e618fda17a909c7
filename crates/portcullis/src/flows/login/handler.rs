//! HTTP glue for `/login`.

use crate::flows::wire::SignedIn;
use axum::extract::State;
use axum::response::Response;

use super::service::{self, Outcome};
use super::{form, view};
use crate::Security;
use crate::flows::guard;
use crate::flows::reply::{Reply, finish, login_user, user_payload};
use crate::flows::request::FlowRequest;
use crate::flows::two_factor::{self, Entered};
use crate::session::CsrfCookie;

pub(in crate::flows) async fn get(State(security): State<Security>, req: FlowRequest) -> Response {
    let identity = req.auth.identity_cheap();
    if !req.json && identity.is_some() {
        return Reply::Redirect(security.config().post_login_view.clone()).render(&req);
    }
    let user = identity
        .as_ref()
        .map(|id| user_payload(&req, &id.user, id.fs_paa));
    req.auth.with_session(|s| s.csrf_cookie = CsrfCookie::Set);
    Reply::Show {
        json: (&view::info(&req, user)).into(),
        page: view::page(&req),
    }
    .render(&req)
}

pub(in crate::flows) async fn post(State(security): State<Security>, req: FlowRequest) -> Response {
    finish(&req, handle(&security, &req).await)
}

async fn handle(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    guard::unauth_csrf(req)?;
    if req.auth.identity_cheap().is_some() {
        // Flask-Security: JSON 400; browsers go to the post-login view (ignoring `next`).
        guard::anonymous_required(req)?;
    }
    let (form, errors) = form::parse(req);
    let outcome = if errors.is_empty() {
        service::authenticate(security, form, req.auth.limit_address()?).await?
    } else {
        Outcome::Invalid(errors)
    };
    match outcome {
        Outcome::RateLimited(retry_after) => Ok(Reply::Response(
            crate::respond::too_many_requests(&req.headers, retry_after),
        )),
        Outcome::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::page(req),
        }),
        Outcome::Authenticated { user, remember } => {
            if let Entered::Pending(json, next) =
                two_factor::enter(req, &user, remember, "password").await?
            {
                // Not signed in yet: the second factor decides.
                return Ok(Reply::Done {
                    json: (&json).into(),
                    csrf: true,
                    redirect: next,
                });
            }
            let fs_paa = login_user(req, &user, remember, "password").await?;
            let body = SignedIn::new(user_payload(req, &user, Some(fs_paa)));
            Ok(Reply::Done {
                json: (&body).into(),
                csrf: true,
                redirect: req
                    .safe_next()
                    .unwrap_or_else(|| security.config().post_login_view.clone()),
            })
        }
    }
}

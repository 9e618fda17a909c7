//! HTTP glue for `/verify`.

use crate::flows::wire::WithUser;
use axum::extract::State;
use axum::response::Response;

use super::{form, service, view};
use crate::Security;
use crate::flows::guard;
use crate::flows::reply::{Reply, finish, reauthenticated, user_payload};
use crate::flows::request::FlowRequest;

pub(in crate::flows) async fn get(State(security): State<Security>, req: FlowRequest) -> Response {
    let shown = async {
        let identity = guard::require_user(&req).await?;
        let user = user_payload(&req, &identity.user, identity.fs_paa);
        Ok(Reply::Show {
            json: (&view::info(
                user,
                crate::flows::webauthn::has_verify_credential(&security, &identity.user).await?,
            ))
                .into(),
            page: view::page(&req),
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
    let (password, errors) = form::parse(req);
    match service::verify(
        security,
        &identity.user,
        password,
        errors,
        req.auth.limit_address()?,
    )
    .await?
    {
        service::Outcome::RateLimited(retry_after) => Ok(Reply::Response(
            crate::respond::too_many_requests(&req.headers, retry_after),
        )),
        service::Outcome::Invalid(errors) => Ok(Reply::Invalid {
            errors,
            page: view::page(req),
        }),
        service::Outcome::Verified => {
            let fs_paa = reauthenticated(req, &identity.user, identity.via);
            let body = WithUser {
                user: user_payload(req, &identity.user, Some(fs_paa)),
            };
            let c = security.config();
            Ok(Reply::Done {
                json: (&body).into(),
                csrf: true,
                redirect: req.safe_next().unwrap_or_else(|| {
                    c.post_verify_view
                        .clone()
                        .unwrap_or_else(|| c.post_login_view.clone())
                }),
            })
        }
    }
}

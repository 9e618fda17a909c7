//! HTTP glue for `/register`.

use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, json};

use super::service::{self, Outcome};
use super::{form, view};
use crate::Security;
use crate::flows::guard;
use crate::flows::reply::{Reply, finish, login_user, user_payload};
use crate::flows::request::FlowRequest;
use crate::flows::two_factor::{self, Entered};

pub(in crate::flows) async fn get(State(_security): State<Security>, req: FlowRequest) -> Response {
    if let Err(r) = guard::anonymous_required(&req) {
        return r;
    }
    Reply::Show {
        json: Map::new(),
        page: view::page(&req),
    }
    .render(&req)
}

pub(in crate::flows) async fn post(State(security): State<Security>, req: FlowRequest) -> Response {
    let pace = crate::flows::pace::Pace::start(&security);
    let reply = handle(&security, &req).await;
    pace.finish().await;
    finish(&req, reply)
}

async fn handle(security: &Security, req: &FlowRequest) -> Result<Reply, Reply> {
    guard::unauth_csrf(req)?;
    guard::anonymous_required(req)?;
    let c = security.config();
    let (form, errors) = form::parse(req);
    let outcome = service::register(security, form, errors).await?;
    let redirect = req.safe_next().unwrap_or_else(|| {
        c.post_register_view
            .clone()
            .unwrap_or_else(|| c.post_login_view.clone())
    });
    let needs_confirmation = c.confirmable && !c.login_without_confirmation;
    let mut json = Map::new();
    match outcome {
        Outcome::Invalid(errors) => {
            return Ok(Reply::Invalid {
                errors,
                page: view::page(req),
            });
        }
        Outcome::Hidden => {
            // With confirmation on: the same body as a real registration (Flask-Security's
            // quirk Q5 differs). Without it a real registration signs in, which cannot be
            // imitated.
            if needs_confirmation {
                json.insert("user".into(), json!({}));
            }
        }
        Outcome::Created(user) => {
            if needs_confirmation {
                json.insert("user".into(), json!({}));
            } else if let Entered::Pending(tf, next) =
                two_factor::enter(req, &user, false, "register").await?
            {
                // Signed in only after the second factor (set up now when required).
                json.insert("user".into(), json!({}));
                json.extend(tf);
                return Ok(Reply::Done {
                    json,
                    csrf: true,
                    redirect: next,
                });
            } else {
                let fs_paa = login_user(req, &user, false, "register").await?;
                json.insert("user".into(), user_payload(req, &user, Some(fs_paa)));
                json.insert("tf_required".into(), json!(false));
            }
        }
    }
    Ok(Reply::Done {
        json,
        csrf: true,
        redirect,
    })
}

//! HTTP glue for `/register`.

use crate::flows::wire::{Empty, Registered, RegisteredPending, SignedIn};
use axum::extract::State;
use axum::response::Response;

use super::service::{self, Outcome};
use super::{form, view};
use crate::Security;
use crate::flows::guard;
use crate::flows::reply::{Body, Reply, finish, login_user, user_payload};
use crate::flows::request::FlowRequest;
use crate::flows::two_factor::{self, Entered};

pub(in crate::flows) async fn get(State(_security): State<Security>, req: FlowRequest) -> Response {
    if let Err(r) = guard::anonymous_required(&req) {
        return r;
    }
    Reply::Show {
        json: Body::empty(),
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
    let needs_confirmation = c.confirmable && !c.login_without_confirmation;
    // Not signed in until the address is confirmed: the sign-in page (which shows the "check
    // your mail" message), rather than the post-login view that would only send them there.
    let redirect = req.safe_next().unwrap_or_else(|| {
        c.post_register_view.clone().unwrap_or_else(|| {
            if needs_confirmation {
                c.login_url.clone()
            } else {
                c.post_login_view.clone()
            }
        })
    });
    if needs_confirmation && !matches!(outcome, Outcome::Invalid(_)) {
        // The same for a new and (generic mode) a known address: what was typed.
        let typed = req.text("email").unwrap_or_default().trim().to_owned();
        crate::flows::reply::flash(
            req,
            crate::messages::Message::new(crate::messages::Msg::ConfirmRegistration)
                .arg("email", typed),
        );
    }
    let json: Body = match outcome {
        Outcome::Invalid(errors) => {
            return Ok(Reply::Invalid {
                errors,
                page: view::page(req),
            });
        }
        // With confirmation on: the same body as a real registration (Flask-Security's quirk
        // Q5 differs). Without it a real registration signs in, which cannot be imitated.
        Outcome::Hidden => (&Registered {
            user: needs_confirmation.then_some(Empty {}),
        })
            .into(),
        Outcome::Created(_) if needs_confirmation => (&Registered {
            user: Some(Empty {}),
        })
            .into(),
        Outcome::Created(user) => match two_factor::enter(req, &user, false, "register").await? {
            // Signed in only after the second factor (set up now when required).
            Entered::Pending(pending, next) => {
                return Ok(Reply::Done {
                    json: (&RegisteredPending {
                        user: Empty {},
                        pending,
                    })
                        .into(),
                    csrf: true,
                    redirect: next,
                });
            }
            Entered::NotRequired => {
                let fs_paa = login_user(req, &user, false, "register").await?;
                (&SignedIn::new(user_payload(req, &user, Some(fs_paa)))).into()
            }
        },
    };
    Ok(Reply::Done {
        json,
        csrf: true,
        redirect,
    })
}

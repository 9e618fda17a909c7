//! What the login endpoint shows.

use crate::view::Title;
use serde_json::json;

use crate::flows::wire::{LoginInfo, UserBody};

use super::super::reply::Page;
use super::super::request::FlowRequest;

pub(super) fn page(req: &FlowRequest) -> Page {
    let c = req.auth.security().config();
    Page::new("login.html", Title::SignIn)
        .with("identity_attributes", json!(c.identity_attributes()))
        .with(
            "values",
            json!({"email": req.text("email"), "username": req.text("username")}),
        )
        .with("next", json!(req.safe_next()))
        .with("csrf_header", json!(c.csrf_header))
        .with(
            "register_url",
            json!(c.registerable.then(|| c.register_url.clone())),
        )
}

/// `GET /login` JSON: identity attributes (and the user when signed in).
pub(super) fn info(req: &FlowRequest, user: Option<UserBody>) -> LoginInfo {
    LoginInfo {
        identity_attributes: req.auth.security().config().identity_attributes(),
        user,
    }
}

//! What the register endpoint shows.

use crate::view::Title;
use serde_json::json;

use super::super::reply::Page;
use super::super::request::FlowRequest;

pub(super) fn page(req: &FlowRequest) -> Page {
    let c = req.auth.security().config();
    Page::new("register.html", Title::Register)
        .with("username_enable", json!(c.username_enable))
        .with("username_required", json!(c.username_required))
        .with(
            "password_confirm_required",
            json!(c.password_confirm_required),
        )
        .with("login_url", json!(c.login_url))
        .with("next", json!(req.safe_next()))
        .with(
            "values",
            json!({"email": req.text("email"), "username": req.text("username")}),
        )
}

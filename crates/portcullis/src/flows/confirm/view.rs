//! What the confirmation endpoints show.

use crate::view::Title;
use serde_json::json;

use super::super::reply::Page;
use super::super::request::FlowRequest;

pub(super) fn page(req: &FlowRequest) -> Page {
    let c = req.auth.security().config();
    let email = req
        .text("email")
        .map(str::to_owned)
        .or_else(|| req.query("email"));
    Page::new("send_confirmation.html", Title::SendConfirmation)
        .with("login_url", json!(c.login_url))
        .with("values", json!({"email": email}))
}

//! What the reset endpoints show.

use crate::view::Title;
use serde_json::json;

use super::super::reply::Page;
use super::super::request::FlowRequest;

pub(super) fn forgot_page(req: &FlowRequest) -> Page {
    let c = req.auth.security().config();
    let email = req
        .text("email")
        .map(str::to_owned)
        .or_else(|| req.auth.identity_cheap().map(|i| i.user.email.clone()));
    Page::new("forgot_password.html", Title::ForgotPassword)
        .with("login_url", json!(c.login_url))
        .with("values", json!({"email": email}))
}

pub(super) fn reset_page(req: &FlowRequest) -> Page {
    let c = req.auth.security().config();
    Page::new("reset_password.html", Title::ResetPassword).with(
        "password_confirm_required",
        json!(c.password_confirm_required),
    )
}

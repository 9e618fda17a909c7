//! What the unified sign-in endpoints show.

use serde_json::json;

use crate::flows::reply::Page;
use crate::flows::request::FlowRequest;
use crate::flows::wire::{UsSetupInfo, UsSigninInfo};

pub(super) fn signin(req: &FlowRequest, info: &UsSigninInfo) -> Page {
    let c = req.auth.security().config();
    Page::new("us_signin.html", "Sign in")
        .with("code_methods", json!(info.code_methods))
        .with("send_code_url", json!(c.us_signin_send_code_url))
        .with("values", json!({"identity": req.text("identity")}))
}

pub(super) fn setup(_req: &FlowRequest, info: &UsSetupInfo, qr: Option<String>) -> Page {
    Page::new("us_setup.html", "Sign-in methods")
        .with("setup_methods", json!(info.setup_methods))
        .with("active_methods", json!(info.active_methods))
        .with("qr", json!(qr))
}

pub(super) fn verify(_req: &FlowRequest) -> Page {
    Page::new("us_verify.html", "Confirm it is you")
}

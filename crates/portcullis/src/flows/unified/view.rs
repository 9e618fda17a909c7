//! What the unified sign-in endpoints show.

use crate::view::Title;
use serde_json::json;

use crate::flows::reply::Page;
use crate::flows::request::FlowRequest;
use crate::flows::wire::{UsSetupInfo, UsSigninInfo};

pub(super) fn signin(req: &FlowRequest, info: &UsSigninInfo) -> Page {
    let c = req.auth.security().config();
    Page::new("us_signin.html", Title::SignIn)
        .with("code_methods", json!(info.code_methods))
        .with("send_code_url", json!(c.us_signin_send_code_url))
        // The page also answers the send-code POST: the form posts to sign-in, not back there.
        .with(
            "signin_url",
            json!(if c.us_signin_replaces_login {
                &c.login_url
            } else {
                &c.us_signin_url
            }),
        )
        .with("values", json!({"identity": req.text("identity")}))
}

pub(super) fn setup(_req: &FlowRequest, info: &UsSetupInfo, qr: Option<String>) -> Page {
    Page::new("us_setup.html", Title::SignInMethods)
        .with("setup_methods", json!(info.setup_methods))
        .with("active_methods", json!(info.active_methods))
        .with("qr", json!(qr))
}

pub(super) fn verify(_req: &FlowRequest) -> Page {
    Page::new("us_verify.html", Title::UsVerify)
}

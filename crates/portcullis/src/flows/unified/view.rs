//! What the unified sign-in endpoints show.

use serde_json::{Value, json};

use crate::flows::reply::Page;
use crate::flows::request::FlowRequest;

pub(super) fn signin(req: &FlowRequest, info: &serde_json::Map<String, Value>) -> Page {
    let c = req.auth.security().config();
    Page::new("us_signin.html", "Sign in")
        .with("code_methods", info["code_methods"].clone())
        .with("send_code_url", json!(c.us_signin_send_code_url))
        .with("values", json!({"identity": req.text("identity")}))
}

pub(super) fn setup(
    _req: &FlowRequest,
    info: &serde_json::Map<String, Value>,
    qr: Option<String>,
) -> Page {
    Page::new("us_setup.html", "Sign-in methods")
        .with(
            "setup_methods",
            info.get("setup_methods").cloned().unwrap_or(json!([])),
        )
        .with(
            "active_methods",
            info.get("active_methods").cloned().unwrap_or(json!([])),
        )
        .with("qr", json!(qr))
}

pub(super) fn verify(_req: &FlowRequest) -> Page {
    Page::new("us_verify.html", "Confirm it is you")
}

//! What the WebAuthn endpoints show.

use portcullis_core::model::WebAuthn;
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::flows::reply::Page;
use crate::flows::request::FlowRequest;
use crate::flows::wire::{WanCredentialInfo, WanRegisterInfo, WanSigninStarted, WanStarted};
use crate::view::Title;

fn iso(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `GET /wan-register`'s list.
pub(super) fn register_info(creds: &[WebAuthn]) -> WanRegisterInfo {
    WanRegisterInfo {
        registered_credentials: creds
            .iter()
            .map(|w| WanCredentialInfo {
                name: w.name.clone(),
                credential_id: b64url(&w.credential_id),
                transports: w.transports.clone(),
                lastuse: iso(w.lastuse_datetime),
                created: iso(w.create_datetime),
                usage: w.usage.name().to_owned(),
                backup_state: w.backup_state,
                device_type: w.device_type.clone(),
                discoverable: w
                    .extensions
                    .as_deref()
                    .and_then(|e| serde_json::from_str::<serde_json::Value>(e).ok())
                    .and_then(|v| {
                        v.pointer("/credProps/rk")
                            .and_then(serde_json::Value::as_bool)
                    })
                    .map_or_else(|| json!("Unknown"), |b| json!(b)),
            })
            .collect(),
    }
}

pub(super) fn register(req: &FlowRequest, info: &WanRegisterInfo) -> Page {
    let c = req.auth.security().config();
    Page::new("wan_register.html", Title::Passkeys)
        .with("credentials", json!(info.registered_credentials))
        .with("allow_first", json!(c.wan_allow_as_first_factor))
        .with("delete_url", json!(c.wan_delete_url))
        .with("rename_url", json!(c.wan_rename_url))
        .with("values", json!({"name": req.text("name")}))
}

/// The page that runs `navigator.credentials.create()` and posts the result.
pub(super) fn register_ceremony(req: &FlowRequest, started: &WanStarted) -> Page {
    let c = req.auth.security().config();
    Page::new("wan_ceremony.html", Title::Passkeys)
        .with("ceremony", json!("create"))
        .with("options", json!(started.credential_options.to_string()))
        .with(
            "response_url",
            json!(format!("{}/{}", c.wan_register_url, started.wan_state)),
        )
}

pub(super) fn signin(req: &FlowRequest, is_secondary: bool) -> Page {
    let c = req.auth.security().config();
    Page::new("wan_signin.html", Title::PasskeySignIn)
        .with(
            "allow_hints",
            json!(c.wan_allow_user_hints && !is_secondary),
        )
        .with("is_secondary", json!(is_secondary))
        .with("values", json!({"identity": req.text("identity")}))
}

pub(super) fn signin_ceremony(req: &FlowRequest, started: &WanSigninStarted) -> Page {
    let c = req.auth.security().config();
    Page::new("wan_ceremony.html", Title::PasskeySignIn)
        .with("ceremony", json!("get"))
        .with("options", json!(started.credential_options.to_string()))
        .with(
            "response_url",
            json!(format!("{}/{}", c.wan_signin_url, started.wan_state)),
        )
        .with("remember", json!(started.remember))
}

pub(super) fn verify(_req: &FlowRequest) -> Page {
    Page::new("wan_verify.html", Title::PasskeyVerify)
}

pub(super) fn verify_ceremony(req: &FlowRequest, started: &WanStarted) -> Page {
    let c = req.auth.security().config();
    Page::new("wan_ceremony.html", Title::PasskeyVerify)
        .with("ceremony", json!("get"))
        .with("options", json!(started.credential_options.to_string()))
        .with(
            "response_url",
            json!(format!("{}/{}", c.wan_verify_url, started.wan_state)),
        )
}

//! What the two-factor endpoints show.

use crate::view::Title;
use serde_json::json;

use crate::Security;
use crate::flows::reply::Page;
use crate::flows::request::FlowRequest;
use crate::flows::wire::RecoveryOptions;

pub(super) fn validate(req: &FlowRequest) -> Page {
    let c = req.auth.security().config();
    Page::new("tf_validate.html", Title::TwoFactor)
        .with("rescue_url", json!(c.two_factor_rescue_url))
}

pub(super) fn setup(req: &FlowRequest, security: &Security, qr: Option<String>) -> Page {
    let c = security.config();
    Page::new("tf_setup.html", Title::TwoFactorSetup)
        .with("methods", json!(c.two_factor_enabled_methods))
        .with("required", json!(c.two_factor_required))
        .with("qr", json!(qr))
        .with("validate_url", json!(c.two_factor_token_validation_url))
        .with("values", json!({"phone": req.text("phone")}))
}

pub(super) fn select(_req: &FlowRequest, methods: &[&str]) -> Page {
    Page::new("tf_select.html", Title::TwoFactorSelect).with("methods", json!(methods))
}

pub(super) fn rescue(_req: &FlowRequest, options: &RecoveryOptions) -> Page {
    Page::new("tf_rescue.html", Title::TwoFactorRescue).with("options", json!(options))
}

pub(super) fn recovery_codes(_req: &FlowRequest, codes: &[String]) -> Page {
    Page::new("mf_recovery_codes.html", Title::RecoveryCodes).with("codes", json!(codes))
}

pub(super) fn recovery(_req: &FlowRequest) -> Page {
    Page::new("mf_recovery.html", Title::UseRecoveryCode)
}

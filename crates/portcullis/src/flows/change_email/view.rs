//! What the change-email endpoints show.

use crate::view::Title;
use serde_json::json;

use crate::flows::wire::{ChangeEmailInfo, UserBody};

use super::super::reply::Page;
use super::super::request::FlowRequest;
use crate::layer::Identity;

pub(super) fn page(req: &FlowRequest, identity: &Identity) -> Page {
    Page::new("change_email.html", Title::ChangeEmail)
        .with("current_email", json!(identity.user.email))
        .with("values", json!({"email": req.text("email")}))
}

pub(super) fn info(identity: &Identity, user: UserBody) -> ChangeEmailInfo {
    ChangeEmailInfo {
        user,
        current_email: identity.user.email.clone(),
    }
}

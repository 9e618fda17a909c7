//! What the username endpoints show.

use crate::view::Title;
use serde_json::json;

use crate::flows::wire::{ChangeUsernameInfo, UserBody};

use super::super::reply::Page;
use super::super::request::FlowRequest;
use crate::layer::Identity;

pub(super) fn recover_page(req: &FlowRequest) -> Page {
    let c = req.auth.security().config();
    Page::new("recover_username.html", Title::RecoverUsername)
        .with("login_url", json!(c.login_url))
        .with("values", json!({"email": req.text("email")}))
}

pub(super) fn change_page(req: &FlowRequest, identity: &Identity) -> Page {
    Page::new("change_username.html", Title::ChangeUsername)
        .with("current_username", json!(identity.user.username))
        .with("values", json!({"username": req.text("username")}))
}

pub(super) fn info(identity: &Identity, user: UserBody) -> ChangeUsernameInfo {
    ChangeUsernameInfo {
        user,
        current_username: identity.user.username.clone(),
    }
}

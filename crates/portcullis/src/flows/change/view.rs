//! What the change-password endpoint shows.

use crate::view::Title;
use serde_json::json;

use super::super::reply::Page;
use super::super::wire::{ChangeInfo, UserBody};
use crate::layer::Identity;

pub(super) fn page(identity: &Identity) -> Page {
    Page::new("change.html", Title::ChangePassword)
        .with("active_password", json!(identity.user.password.is_some()))
}

pub(super) fn info(identity: &Identity, user: UserBody) -> ChangeInfo {
    ChangeInfo {
        user,
        active_password: identity.user.password.is_some(),
    }
}

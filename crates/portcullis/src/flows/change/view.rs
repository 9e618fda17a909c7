//! What the change-password endpoint shows.

use serde_json::json;

use super::super::reply::Page;
use super::super::wire::{ChangeInfo, UserBody};
use crate::layer::Identity;

pub(super) fn page(identity: &Identity) -> Page {
    Page::new("change.html", "Change password")
        .with("active_password", json!(identity.user.password.is_some()))
}

pub(super) fn info(identity: &Identity, user: UserBody) -> ChangeInfo {
    ChangeInfo {
        user,
        active_password: identity.user.password.is_some(),
    }
}

//! What the change-password endpoint shows.

use serde_json::{Map, Value, json};

use super::super::reply::Page;
use crate::layer::Identity;

pub(super) fn page(identity: &Identity) -> Page {
    Page::new("change.html", "Change password")
        .with("active_password", json!(identity.user.password.is_some()))
}

pub(super) fn info(identity: &Identity, user: Value) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("user".into(), user);
    body.insert(
        "active_password".into(),
        json!(identity.user.password.is_some()),
    );
    body
}

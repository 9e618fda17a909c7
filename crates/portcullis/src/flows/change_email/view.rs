//! What the change-email endpoints show.

use serde_json::{Map, Value, json};

use super::super::reply::Page;
use super::super::request::FlowRequest;
use crate::layer::Identity;

pub(super) fn page(req: &FlowRequest, identity: &Identity) -> Page {
    Page::new("change_email.html", "Change email address")
        .with("current_email", json!(identity.user.email))
        .with("values", json!({"email": req.text("email")}))
}

pub(super) fn info(identity: &Identity, user: Value) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("user".into(), user);
    body.insert("current_email".into(), json!(identity.user.email));
    body
}

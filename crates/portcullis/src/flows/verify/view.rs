//! What the re-authentication endpoint shows.

use serde_json::{Map, Value, json};

use super::super::reply::Page;
use super::super::request::FlowRequest;

pub(super) fn page(req: &FlowRequest) -> Page {
    Page::new("verify.html", "Verify your identity").with("next", json!(req.safe_next()))
}

pub(super) fn info(user: Value) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("user".into(), user);
    body.insert("has_webauthn_verify_credential".into(), json!(false));
    body.insert("oauth_enabled".into(), json!(false));
    body.insert("oauth_providers".into(), json!([]));
    body
}

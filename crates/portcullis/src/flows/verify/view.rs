//! What the re-authentication endpoint shows.

use crate::view::Title;
use serde_json::json;

use crate::flows::wire::{NoOtherWays, UserBody, VerifyInfo};

use super::super::reply::Page;
use super::super::request::FlowRequest;

pub(super) fn page(req: &FlowRequest) -> Page {
    Page::new("verify.html", Title::Verify).with("next", json!(req.safe_next()))
}

pub(super) fn info(user: UserBody, has_webauthn_verify_credential: bool) -> VerifyInfo {
    VerifyInfo {
        user,
        other_ways: NoOtherWays {
            has_webauthn_verify_credential,
            ..NoOtherWays::default()
        },
    }
}

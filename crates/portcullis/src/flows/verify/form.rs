//! Re-authentication input.

use super::super::request::FlowRequest;
use crate::form::FieldErrors;

pub(super) fn parse(req: &FlowRequest) -> (Option<String>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let password = req.string("password", &mut errors);
    (password, errors)
}

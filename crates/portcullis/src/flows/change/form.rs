//! Change-password input.

use super::super::request::FlowRequest;
use crate::form::FieldErrors;

pub(super) struct ChangeForm {
    pub(super) password: Option<String>,
    pub(super) new_password: Option<String>,
    pub(super) new_password_confirm: Option<String>,
}

pub(super) fn parse(req: &FlowRequest) -> (ChangeForm, FieldErrors) {
    let mut errors = FieldErrors::new();
    let form = ChangeForm {
        password: req.string("password", &mut errors),
        new_password: req.string("new_password", &mut errors),
        new_password_confirm: req.string("new_password_confirm", &mut errors),
    };
    (form, errors)
}

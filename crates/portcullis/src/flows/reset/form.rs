//! The new password of `POST /reset/<token>`.

use super::super::request::FlowRequest;
use crate::form::FieldErrors;
use crate::messages::Msg;

pub(super) struct ResetForm {
    pub(super) password: Option<String>,
    pub(super) password_confirm: Option<String>,
}

pub(super) fn parse(req: &FlowRequest) -> (ResetForm, FieldErrors) {
    let mut errors = FieldErrors::new();
    let form = ResetForm {
        password: req.string("password", &mut errors),
        password_confirm: req.string("password_confirm", &mut errors),
    };
    if form.password.is_none() && !errors.has("password") {
        errors.add("password", Msg::PasswordNotProvided);
    }
    (form, errors)
}

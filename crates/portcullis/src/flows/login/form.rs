//! Login input.

use super::super::request::FlowRequest;
use crate::form::FieldErrors;

pub(super) struct LoginForm {
    pub(super) email: Option<String>,
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
    pub(super) remember: bool,
}

pub(super) fn parse(req: &FlowRequest) -> (LoginForm, FieldErrors) {
    let mut errors = FieldErrors::new();
    let form = LoginForm {
        email: req.string("email", &mut errors),
        username: req.string("username", &mut errors),
        password: req.string("password", &mut errors),
        remember: req
            .boolean("remember")
            .unwrap_or(req.auth.security().config().default_remember_me),
    };
    req.check_next(&mut errors);
    (form, errors)
}

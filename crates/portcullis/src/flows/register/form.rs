//! Registration input, validated (everything that needs no datastore).

use portcullis_core::policy;

use super::super::request::FlowRequest;
use crate::accounts;
use crate::form::FieldErrors;
use crate::messages::Msg;

pub(super) struct RegisterForm {
    pub(super) email: Option<String>,
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
}

/// Parse and validate everything that needs no datastore.
pub(super) fn parse(req: &FlowRequest) -> (RegisterForm, FieldErrors) {
    let security = req.auth.security();
    let c = security.config();
    let mut errors = FieldErrors::new();
    let email_raw = req.string("email", &mut errors);
    let password = req.string("password", &mut errors);
    let confirm = req.string("password_confirm", &mut errors);
    let username_raw = if c.username_enable {
        req.string("username", &mut errors)
    } else {
        None
    };
    let email = match email_raw.as_deref() {
        None => {
            if !errors.has("email") {
                errors.add("email", Msg::EmailNotProvided);
            }
            None
        }
        Some(raw) => {
            let e = accounts::normalize_email(raw);
            if e.is_none() {
                errors.add("email", Msg::InvalidEmailAddress);
            }
            e
        }
    };
    match &password {
        None if c.password_required && !errors.has("password") => {
            errors.add("password", Msg::PasswordNotProvided);
        }
        // The password policy (async: the breached check) runs in the service.
        Some(pw) if c.password_confirm_required && confirm.as_deref() != Some(pw.as_str()) => {
            errors.add("password_confirm", Msg::RetypePasswordMismatch);
        }
        _ => {}
    }
    let username = match &username_raw {
        Some(u) => {
            let errs =
                policy::username_errors_within(u, c.username_min_length, c.username_max_length);
            for m in &errs {
                errors.add("username", m.clone());
            }
            errs.is_empty().then(|| policy::normalize_username(u))
        }
        None => {
            if c.username_enable && c.username_required && !errors.has("username") {
                errors.add("username", Msg::UsernameNotProvided);
            }
            None
        }
    };
    req.check_next(&mut errors);
    (
        RegisterForm {
            email,
            username,
            password,
        },
        errors,
    )
}

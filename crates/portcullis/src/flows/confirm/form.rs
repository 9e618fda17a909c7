//! The address a link is asked for (`/confirm`, `/reset`, `/recover-username`).

use super::super::request::FlowRequest;
use crate::accounts;
use crate::form::FieldErrors;
use crate::messages::Msg;

/// The normalised address, or the field errors.
pub(crate) fn email(req: &FlowRequest) -> (Option<String>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let email = match req.string("email", &mut errors) {
        None => {
            if !errors.has("email") {
                errors.add("email", Msg::EmailNotProvided);
            }
            None
        }
        Some(raw) => {
            let e = accounts::normalize_email(&raw);
            if e.is_none() {
                errors.add("email", Msg::InvalidEmailAddress);
            }
            e
        }
    };
    (email, errors)
}

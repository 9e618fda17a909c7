//! Message ids and their arguments live in `portcullis_core::messages`; this module adds the
//! few messages built from configuration.

pub(crate) use portcullis_core::messages::{Message, Msg};

use crate::Security;

/// `{within}` of a message, from a configured duration text ("2 days").
pub(crate) fn within(id: Msg, within: &str) -> Message {
    Message::new(id).arg("within", within)
}

/// "<email> is already associated with an account." (or the username's).
pub(crate) fn already_associated(field: &str, value: &str) -> Message {
    match field {
        "username" => Message::new(Msg::UsernameAlreadyAssociated).arg("username", value),
        "email" => Message::new(Msg::EmailAlreadyAssociated).arg("email", value),
        attr => Message::new(Msg::IdentityAlreadyAssociated)
            .arg("attr", attr)
            .arg("value", value),
    }
}

/// The account-locked message for a lock that ends in `retry_after_secs`.
pub(crate) fn account_locked(retry_after_secs: i64) -> Message {
    let minutes = (retry_after_secs.max(0) + 59) / 60;
    Message::new(Msg::AccountLocked)
        .arg("minutes", minutes.to_string())
        .arg(
            "duration",
            portcullis_core::messages::minutes(retry_after_secs),
        )
}

/// Two-factor set-up took longer than SECURITY_TWO_FACTOR_SETUP_WITHIN.
pub(crate) fn two_factor_setup_expired(security: &Security) -> Message {
    let c = security.config();
    within(
        Msg::TwoFactorSetupExpired,
        &crate::links::humanize(c.two_factor_setup_within.as_secs()),
    )
}

/// Unified sign-in set-up took longer than SECURITY_US_SETUP_WITHIN.
pub(crate) fn us_setup_expired(security: &Security) -> Message {
    let c = security.config();
    within(
        Msg::UsSetupExpired,
        &crate::links::humanize(c.us_setup_within.as_secs()),
    )
}

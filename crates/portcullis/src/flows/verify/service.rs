//! Re-authentication logic: the password of the signed-in user, the same hashing work whether
//! or not they have one.

use portcullis_core::User;

use crate::Security;
use crate::accounts::{self, Failure};
use crate::error::Result;
use crate::form::FieldErrors;
use crate::messages::Msg;

pub(super) enum Outcome {
    /// The password is right.
    Verified,
    Invalid(FieldErrors),
    /// Too many failures from this client address.
    RateLimited(i64),
}

/// Check the signed-in user's password (counted by the brute-force protection like a sign-in).
pub(super) async fn verify(
    security: &Security,
    user: &User,
    password: Option<String>,
    mut errors: FieldErrors,
    address: Option<&str>,
) -> Result<Outcome> {
    let Some(password) = password else {
        if !errors.has("password") {
            errors.add("password", Msg::PasswordNotProvided);
        }
        return Ok(Outcome::Invalid(errors));
    };
    match accounts::reauthenticate_with_password(security, user, password, address).await? {
        Ok(()) => {}
        Err(Failure::RateLimited { retry_after }) => return Ok(Outcome::RateLimited(retry_after)),
        Err(failure) => {
            errors.add("password", failure.message());
            return Ok(Outcome::Invalid(errors));
        }
    }
    Ok(Outcome::Verified)
}

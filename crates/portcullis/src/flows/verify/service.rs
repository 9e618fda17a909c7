//! Re-authentication logic: the password of the signed-in user, the same hashing work whether
//! or not they have one.

use portcullis_core::User;
use portcullis_core::events::Event;
use portcullis_core::policy::account_key;

use crate::Security;
use crate::error::Result;
use crate::flows::account::{self, Blocked};
use crate::form::FieldErrors;
use crate::messages as msg;

pub(super) enum Outcome {
    /// Verified: the new `fs_paa`.
    Verified(f64),
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
            errors.add("password", msg::PASSWORD_NOT_PROVIDED);
        }
        return Ok(Outcome::Invalid(errors));
    };
    let pool = security.hash_pool();
    let account = account_key(Some(user.id), &user.email);
    match account::gate(security, &account, address, &password).await? {
        None => {}
        Some(Blocked::RateLimited(retry_after)) => return Ok(Outcome::RateLimited(retry_after)),
        Some(Blocked::Locked(message)) => {
            errors.add("password", message);
            return Ok(Outcome::Invalid(errors));
        }
    }
    let valid = match user.password.clone() {
        Some(stored) => pool.verify(password, stored).await?.is_valid(),
        None => {
            pool.dummy_verify(password).await?;
            false
        }
    };
    if !valid {
        security.emit(Event::FailedAuthentication {
            user_id: user.id,
            auth_type: "password".into(),
        });
        account::record_failure(security, &account, address).await?;
        errors.add("password", msg::INVALID_PASSWORD);
        return Ok(Outcome::Invalid(errors));
    }
    account::throttle(security).success(&account).await?;
    security.emit(Event::Reauthenticated { user_id: user.id });
    Ok(Outcome::Verified(security.clock().unix_f64()))
}

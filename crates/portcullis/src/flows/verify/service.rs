//! Re-authentication logic: the password of the signed-in user, the same hashing work whether
//! or not they have one.

use portcullis_core::User;
use portcullis_core::events::Event;

use crate::Security;
use crate::error::Result;
use crate::form::FieldErrors;
use crate::messages as msg;

/// The new `fs_paa` when verified, else the field errors.
pub(super) async fn verify(
    security: &Security,
    user: &User,
    password: Option<String>,
    mut errors: FieldErrors,
) -> Result<Result<f64, FieldErrors>> {
    let Some(password) = password else {
        if !errors.has("password") {
            errors.add("password", msg::PASSWORD_NOT_PROVIDED);
        }
        return Ok(Err(errors));
    };
    let pool = security.hash_pool();
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
        errors.add("password", msg::INVALID_PASSWORD);
        return Ok(Err(errors));
    }
    security.emit(Event::Reauthenticated { user_id: user.id });
    Ok(Ok(security.clock().unix_f64()))
}

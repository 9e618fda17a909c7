//! Login logic: find the user, verify the password (the same hashing work whether or not the
//! user exists), check the account state, upgrade an outdated hash.

use portcullis_core::User;
use portcullis_core::crypto::password::Verification;
use portcullis_core::events::Event;
use portcullis_core::policy::account_key;

use super::form::LoginForm;
use crate::Security;
use crate::error::Result;
use crate::flows::account::{self, Blocked};
use crate::form::FieldErrors;
use crate::messages as msg;

pub(super) enum Outcome {
    Authenticated {
        user: Box<User>,
        remember: bool,
    },
    Invalid(FieldErrors),
    /// Too many failures from this client address: 429 for this many seconds.
    RateLimited(i64),
}

pub(super) async fn authenticate(
    security: &Security,
    form: LoginForm,
    address: Option<&str>,
) -> Result<Outcome> {
    let attrs = security.config().identity_attributes();
    let mut errors = FieldErrors::new();
    let by_email = form
        .email
        .as_deref()
        .filter(|_| attrs.iter().any(|a| a == "email"));
    let by_username = form
        .username
        .as_deref()
        .filter(|_| attrs.iter().any(|a| a == "username"));
    let (field, user) = if let Some(email) = by_email {
        match account::normalize_email(email) {
            Some(e) => ("email", security.store().user_by_email(&e).await?),
            None => {
                errors.add("email", msg::INVALID_EMAIL_ADDRESS);
                return Ok(Outcome::Invalid(errors));
            }
        }
    } else if let Some(name) = by_username {
        (
            "username",
            security.store().user_by_username(name.trim()).await?,
        )
    } else {
        errors.add("email", msg::EMAIL_NOT_PROVIDED);
        return Ok(Outcome::Invalid(errors));
    };
    let Some(password) = form.password else {
        errors.add("password", msg::PASSWORD_NOT_PROVIDED);
        return Ok(Outcome::Invalid(errors));
    };
    let pool = security.hash_pool();
    // Brute-force protection: the same work and the same answer whether or not the password
    // would have been right, and whether or not the identity exists.
    let identity = by_email.or(by_username).unwrap_or_default();
    let account = account_key(user.as_ref().map(|u| u.id), identity);
    match account::gate(security, &account, address, &password).await? {
        None => {}
        Some(Blocked::RateLimited(retry_after)) => return Ok(Outcome::RateLimited(retry_after)),
        Some(Blocked::Locked(message)) => {
            errors.add(field, message);
            return Ok(Outcome::Invalid(errors));
        }
    }
    let Some(user) = user else {
        pool.dummy_verify(password).await?;
        account::record_failure(security, &account, address).await?;
        errors.add(field, msg::USER_DOES_NOT_EXIST);
        return Ok(Outcome::Invalid(errors));
    };
    let Some(stored) = user.password.clone() else {
        pool.dummy_verify(password).await?;
        account::record_failure(security, &account, address).await?;
        errors.add("password", msg::INVALID_PASSWORD);
        return Ok(Outcome::Invalid(errors));
    };
    match pool.verify(password.clone(), stored.clone()).await? {
        Verification::Invalid => {
            security.emit(Event::FailedAuthentication {
                user_id: user.id,
                auth_type: "password".into(),
            });
            account::record_failure(security, &account, address).await?;
            errors.add("password", msg::INVALID_PASSWORD);
            return Ok(Outcome::Invalid(errors));
        }
        Verification::Valid { needs_update } => {
            if !user.active {
                errors.add(field, msg::DISABLED_ACCOUNT);
                return Ok(Outcome::Invalid(errors));
            }
            if account::needs_confirmation(security, &user) {
                errors.add(field, msg::CONFIRMATION_REQUIRED);
                return Ok(Outcome::Invalid(errors));
            }
            account::throttle(security).success(&account).await?;
            if needs_update {
                account::upgrade_hash(security, &user, &stored, password).await;
            }
        }
    }
    Ok(Outcome::Authenticated {
        user: Box::new(user),
        remember: form.remember,
    })
}

/// In generic-response mode the account-revealing errors (unknown identity, wrong password,
/// disabled, unconfirmed, locked) collapse into one form-level error; input errors such as a malformed
/// email are still reported.
pub(super) fn generic(security: &Security, errors: FieldErrors) -> FieldErrors {
    if !security.config().return_generic_responses {
        return errors;
    }
    const REVEALING: [&str; 4] = [
        msg::USER_DOES_NOT_EXIST,
        msg::INVALID_PASSWORD,
        msg::DISABLED_ACCOUNT,
        msg::CONFIRMATION_REQUIRED,
    ];
    let mut out = FieldErrors::new();
    let mut hit = false;
    for field in errors.field_names() {
        for m in errors.get(field) {
            if REVEALING.contains(&m.as_str()) || m.starts_with(msg::ACCOUNT_LOCKED_PREFIX) {
                hit = true;
            } else {
                out.add(field, m.clone());
            }
        }
    }
    if hit {
        out.add("", msg::GENERIC_AUTHN_FAILED);
    }
    out
}

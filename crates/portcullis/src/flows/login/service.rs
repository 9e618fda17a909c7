//! Login logic: find the user by the identity field given, then the accounts core checks the
//! password (reserved against the brute-force limits first) and the account's state.

use portcullis_core::User;
use portcullis_core::config::IdentityAttribute;

use super::form::LoginForm;
use crate::Security;
use crate::accounts::{self, Failure};
use crate::error::Result;
use crate::form::FieldErrors;
use crate::messages::Msg;

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
        .filter(|_| attrs.contains(&IdentityAttribute::Email));
    let by_username = form
        .username
        .as_deref()
        .filter(|_| attrs.contains(&IdentityAttribute::Username));
    let (field, user) = if let Some(email) = by_email {
        match accounts::normalize_email(email) {
            Some(e) => ("email", security.store().user_by_email(&e).await?),
            None => {
                errors.add("email", Msg::InvalidEmailAddress);
                return Ok(Outcome::Invalid(errors));
            }
        }
    } else if let Some(name) = by_username {
        (
            "username",
            security.store().user_by_username(name.trim()).await?,
        )
    } else {
        errors.add("email", Msg::EmailNotProvided);
        return Ok(Outcome::Invalid(errors));
    };
    let Some(password) = form.password else {
        errors.add("password", Msg::PasswordNotProvided);
        return Ok(Outcome::Invalid(errors));
    };
    // One gate for every sign-in: the same work and the same answer whether or not the
    // password would have been right, and whether or not the identity exists.
    let identity = by_email.or(by_username).unwrap_or_default();
    match accounts::sign_in_with_password(security, user, identity, password, address, "password")
        .await?
    {
        Ok(user) => Ok(Outcome::Authenticated {
            user: Box::new(user),
            remember: form.remember,
        }),
        Err(Failure::RateLimited { retry_after }) => Ok(Outcome::RateLimited(retry_after)),
        Err(failure) => {
            errors.add(
                failure.field(security, field, "password"),
                failure.shown(security),
            );
            Ok(Outcome::Invalid(errors))
        }
    }
}

//! Change-password logic: verify the current password, apply the policy, store the new hash and
//! rotate `fs_uniquifier` (every other session and every token of the user ends).

use portcullis_core::User;

use super::form::ChangeForm;
use crate::Security;
use crate::accounts::{self, Failure, PasswordReplaced};
use crate::error::Result;
use crate::flows::notify;
use crate::form::FieldErrors;
use crate::messages::Msg;

pub(super) enum Outcome {
    /// The user as stored now (new uniquifier).
    Changed(Box<User>),
    Invalid(FieldErrors),
    /// Too many failures from this client address.
    RateLimited(i64),
}

pub(super) async fn change(
    security: &Security,
    user: &User,
    form: ChangeForm,
    mut errors: FieldErrors,
    address: Option<&str>,
) -> Result<Outcome> {
    let pool = security.hash_pool();
    if user.password.is_some() {
        match &form.password {
            None if !errors.has("password") => errors.add("password", Msg::PasswordNotProvided),
            None => {}
            Some(pw) => {
                // The current password is guessable here too: same protection as sign-in.
                match accounts::reauthenticate_with_password(security, user, pw.clone(), address)
                    .await?
                {
                    Ok(()) => {}
                    Err(Failure::RateLimited { retry_after }) => {
                        return Ok(Outcome::RateLimited(retry_after));
                    }
                    Err(failure @ Failure::Locked { .. }) => {
                        errors.add("password", failure.message());
                        return Ok(Outcome::Invalid(errors));
                    }
                    Err(failure) => errors.add("password", failure.message()),
                }
            }
        }
    }
    match &form.new_password {
        None if !errors.has("new_password") => errors.add("new_password", Msg::PasswordNotProvided),
        None => {}
        Some(np) => {
            let identities: Vec<&str> = [Some(user.email.as_str()), user.username.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            for m in security.check_password(np, &identities).await {
                errors.add("new_password", m);
            }
            let hasher = pool.hasher();
            if form
                .password
                .as_deref()
                .is_some_and(|c| hasher.normalize(c) == hasher.normalize(np))
                && !errors.has("password")
            {
                errors.add("new_password", Msg::PasswordIsTheSame);
            }
            if form.new_password_confirm.as_deref() != Some(np.as_str()) {
                errors.add("new_password_confirm", Msg::RetypePasswordMismatch);
            }
        }
    }
    let Some(new) = form.new_password.filter(|_| errors.is_empty()) else {
        return Ok(Outcome::Invalid(errors));
    };
    let updated = security
        .accounts()
        .replace_password(user, new, PasswordReplaced::Changed)
        .await?;
    let c = security.config();
    if c.send_password_change_email {
        let reset_link = c
            .recoverable
            .then(|| crate::links::absolute(c, &c.reset_url));
        let ctx = notify::MailContext {
            reset_link,
            ..notify::MailContext::to(user)
        };
        if let Err(e) = notify::send(
            security,
            &user.email,
            &c.email_subject_password_change_notice,
            "change_notice",
            ctx,
        )
        .await
        {
            tracing::warn!(error = %e, "password change notice not sent");
        }
    }
    Ok(Outcome::Changed(Box::new(updated)))
}

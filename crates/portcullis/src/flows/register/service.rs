//! Registration logic: uniqueness, hashing, creating the user.

use portcullis_core::events::Event;
use portcullis_core::{NewUser, StoreError, User};

use super::form::RegisterForm;
use crate::Security;
use crate::error::Result;
use crate::flows::account;
use crate::form::FieldErrors;
use crate::messages as msg;

pub(super) enum Outcome {
    Created(Box<User>),
    /// Only "already associated" errors, in generic mode: answered as if it worked.
    Hidden,
    Invalid(FieldErrors),
}

fn associated(identity: &str) -> String {
    format!("{identity} {}", msg::ALREADY_ASSOCIATED_SUFFIX)
}

pub(super) async fn register(
    security: &Security,
    form: RegisterForm,
    mut errors: FieldErrors,
) -> Result<Outcome> {
    let c = security.config();
    let store = security.store();
    if let Some(pw) = &form.password {
        let identities: Vec<&str> = [form.email.as_deref(), form.username.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        for m in security.check_password(pw, &identities).await {
            errors.add("password", m);
        }
    }
    if let Some(e) = &form.email
        && let Some(m) = security.check_email_deliverable(e).await
    {
        errors.add("email", m);
    }
    // Everything but "already associated" is an input error that generic mode still reports.
    let input_errors = !errors.is_empty();
    let mut existing = None;
    if let Some(e) = &form.email
        && let Some(u) = store.user_by_email(e).await?
    {
        errors.add("email", associated(e));
        existing = Some(u.id);
    }
    if let Some(n) = &form.username
        && let Some(u) = store.user_by_username(n).await?
    {
        errors.add("username", associated(n));
        existing = existing.or(Some(u.id));
    }
    if !errors.is_empty() {
        if c.return_generic_responses && !input_errors {
            security.emit(Event::UserNotRegistered {
                existing_user_id: existing,
            });
            // Spend the hash a real registration would.
            if let Some(pw) = form.password {
                security.hash_pool().hash(pw).await?;
            }
            return Ok(Outcome::Hidden);
        }
        return Ok(Outcome::Invalid(errors));
    }
    let (Some(email), Some(password)) = (form.email, form.password) else {
        errors.add("", msg::API_ERROR);
        return Ok(Outcome::Invalid(errors));
    };
    let hash = security.hash_pool().hash(password).await?;
    let now = security.clock().now();
    let created = store
        .create_user(NewUser {
            email: email.clone(),
            username: form.username,
            password: Some(hash),
            active: true,
            confirmed_at: None,
            fs_uniquifier: account::new_uniquifier(),
            now,
        })
        .await;
    match created {
        Ok(user) => {
            security.emit(Event::UserRegistered { user_id: user.id });
            Ok(Outcome::Created(Box::new(user)))
        }
        // Lost a race with a concurrent registration of the same identity.
        Err(StoreError::Conflict(field)) => {
            if c.return_generic_responses {
                return Ok(Outcome::Hidden);
            }
            let f = if field == "username" {
                "username"
            } else {
                "email"
            };
            errors.add(f, associated(&email));
            Ok(Outcome::Invalid(errors))
        }
        Err(e) => Err(e.into()),
    }
}

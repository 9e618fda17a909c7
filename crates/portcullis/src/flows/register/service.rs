//! Registration logic: uniqueness, hashing, creating the user.

use portcullis_core::events::Event;
use portcullis_core::{NewUser, StoreError, User};

use super::form::RegisterForm;
use crate::Security;
use crate::accounts;
use crate::error::Result;
use crate::flows::confirm::service as confirm;
use crate::flows::notify;
use crate::form::FieldErrors;
use crate::messages::Msg;

pub(super) enum Outcome {
    Created(Box<User>),
    /// Only "already associated" errors, in generic mode: answered as if it worked.
    Hidden,
    Invalid(FieldErrors),
}

fn associated(field: &str, identity: &str) -> crate::messages::Message {
    crate::messages::already_associated(field, identity)
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
    // Everything but "already associated" is an input error, which generic mode still
    // reports; "already associated" never shows in generic mode, with or without other errors
    // (it would tell who has an account).
    let generic = c.return_generic_responses;
    let input_errors = !errors.is_empty();
    let mut existing = None;
    if let Some(e) = &form.email
        && let Some(u) = store.user_by_email(e).await?
    {
        if !generic {
            errors.add("email", associated("email", e));
        }
        existing = Some((u, Taken::Email));
    }
    if let Some(n) = &form.username
        && let Some(u) = store.user_by_username(n).await?
    {
        if !generic {
            errors.add("username", associated("username", n));
        }
        if existing.is_none() {
            existing = Some((u, Taken::Username(n.clone())));
        }
    }
    if input_errors || (existing.is_some() && !generic) {
        return Ok(Outcome::Invalid(errors));
    }
    if let Some((user, taken)) = existing {
        security.emit(Event::UserNotRegistered {
            existing_user_id: Some(user.id),
        });
        // Spend the hash a real registration would (and the link's, when confirmable).
        if let Some(pw) = form.password {
            security.hash_pool().hash(pw).await?;
        }
        if c.confirmable {
            security.hash_pool().hash_data(String::new()).await?;
        }
        tell_existing(security, &user, taken);
        return Ok(Outcome::Hidden);
    }
    let Some(email) = form.email else {
        errors.add("", Msg::ApiError);
        return Ok(Outcome::Invalid(errors));
    };
    // Without a password (SECURITY_PASSWORD_REQUIRED false, unified sign-in on) the account
    // signs in by code: its email method is set up below.
    let passwordless = form.password.is_none();
    if passwordless && (c.password_required || !c.unified_signin) {
        errors.add("password", Msg::PasswordNotProvided);
        return Ok(Outcome::Invalid(errors));
    }
    let hash = match form.password {
        Some(password) => Some(security.hash_pool().hash(password).await?),
        None => None,
    };
    let now = security.clock().now();
    let created = store
        .create_user(NewUser {
            email: email.clone(),
            username: form.username,
            password: hash,
            active: true,
            confirmed_at: None,
            fs_uniquifier: accounts::new_uniquifier(),
            now,
        })
        .await;
    match created {
        Ok(user) => {
            if passwordless {
                crate::flows::unified::service::email_method_for_new_user(security, &user).await?;
            }
            security.emit(Event::UserRegistered { user_id: user.id });
            welcome(security, &user).await?;
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
            errors.add(f, associated(f, &email));
            Ok(Outcome::Invalid(errors))
        }
        Err(e) => Err(e.into()),
    }
}

/// Which identity of an existing account a registration asked for.
enum Taken {
    Email,
    Username(String),
}

/// The welcome mail, with the confirmation link when confirmation is on (sent after the user
/// row is committed; a failed delivery is logged — the user can ask for the link again at
/// `/confirm`).
async fn welcome(security: &Security, user: &User) -> Result<()> {
    let c = security.config();
    if !c.send_register_email {
        return Ok(());
    }
    let link = if c.confirmable {
        let link = confirm::link_for(security, user).await?;
        security.emit(Event::ConfirmInstructionsSent { user_id: user.id });
        Some(link)
    } else {
        None
    };
    let ctx = notify::MailContext {
        confirmation_link: link,
        within: Some(confirm::within(security)),
        ..notify::MailContext::to(user)
    };
    if let Err(e) = notify::deliver(
        security,
        &user.email,
        &c.email_subject_register,
        "welcome",
        ctx,
    )
    .await
    {
        tracing::warn!(error = %e, user_id = user.id, "welcome mail not sent");
    }
    Ok(())
}

/// Generic mode: the owner of the address (or username) hears that someone tried to register
/// with it — the answer to the requester is the same as for a new account.
fn tell_existing(security: &Security, user: &User, taken: Taken) {
    let c = security.config();
    if !c.send_register_email {
        return;
    }
    let recovery_link = c
        .recoverable
        .then(|| crate::links::absolute(c, &c.reset_url));
    let (template, ctx) = match taken {
        Taken::Email => (
            "welcome_existing",
            notify::MailContext {
                recovery_link,
                ..notify::MailContext::to(user)
            },
        ),
        Taken::Username(username) => (
            "welcome_existing_username",
            notify::MailContext {
                username: Some(username),
                ..notify::MailContext::to(user)
            },
        ),
    };
    notify::send_later(
        security,
        &user.email,
        &c.email_subject_register,
        template,
        ctx,
    );
}

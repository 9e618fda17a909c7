//! Username recovery and change.

use portcullis_core::events::Event;
use portcullis_core::{StoreError, User, policy};

use crate::Security;
use crate::accounts;
use crate::error::Result;
use crate::flows::notify;
use crate::form::FieldErrors;
use crate::messages::Msg;

pub(super) enum Recover {
    Sent,
    Invalid(FieldErrors),
    MailFailed,
}

/// `POST /recover-username`: the account must exist, be active and confirmed (as for a reset).
pub(super) async fn recover(
    security: &Security,
    email: Option<String>,
    mut errors: FieldErrors,
) -> Result<Recover> {
    let c = security.config();
    let Some(email) = email else {
        return Ok(Recover::Invalid(errors));
    };
    let user = security.store().user_by_email(&email).await?;
    let refusal = match &user {
        None => Some(Msg::UserDoesNotExist),
        Some(u) if !u.active => Some(Msg::DisabledAccount),
        Some(u) if accounts::needs_confirmation(security, u) => Some(Msg::ConfirmationRequired),
        Some(_) => None,
    };
    let user = match (user, refusal) {
        (Some(u), None) => u,
        (_, refusal) => {
            if c.return_generic_responses {
                return Ok(Recover::Sent);
            }
            errors.add("email", refusal.unwrap_or(Msg::UserDoesNotExist));
            return Ok(Recover::Invalid(errors));
        }
    };
    let sent = notify::deliver(
        security,
        &user.email,
        &c.email_subject_username_recovery,
        "username_recovery",
        notify::MailContext {
            username: user.username.clone(),
            ..notify::MailContext::to(&user)
        },
    )
    .await;
    match sent {
        Ok(()) => {
            security.emit(Event::UsernameRecoverySent { user_id: user.id });
            Ok(Recover::Sent)
        }
        Err(_) => Ok(Recover::MailFailed),
    }
}

pub(super) enum Change {
    Changed(Box<User>),
    Invalid(FieldErrors),
}

/// `POST /change-username`.
pub(super) async fn change(
    security: &Security,
    user: &User,
    raw: Option<String>,
    mut errors: FieldErrors,
) -> Result<Change> {
    let c = security.config();
    let Some(raw) = raw else {
        if !errors.has("username") {
            errors.add("username", Msg::UsernameNotProvided);
        }
        return Ok(Change::Invalid(errors));
    };
    let problems =
        policy::username_errors_within(&raw, c.username_min_length, c.username_max_length);
    if !problems.is_empty() {
        for m in problems {
            errors.add("username", m);
        }
        return Ok(Change::Invalid(errors));
    }
    let username = policy::normalize_username(&raw);
    if user.username.as_deref() == Some(username.as_str()) {
        errors.add("username", Msg::UsernameIsTheSame);
        return Ok(Change::Invalid(errors));
    }
    let now = security.clock().now();
    match security
        .store()
        .set_username(user.id, Some(&username), now)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            errors.add(
                "username",
                crate::messages::already_associated("username", &username),
            );
            return Ok(Change::Invalid(errors));
        }
        Err(e) => return Err(e.into()),
    }
    security.emit(Event::UsernameChanged { user_id: user.id });
    let updated = security
        .store()
        .user_by_id(user.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if c.send_username_change_email
        && let Err(e) = notify::send(
            security,
            &updated.email,
            &c.email_subject_username_change_notice,
            "change_username_notice",
            notify::MailContext {
                old_username: user.username.clone(),
                ..notify::MailContext::to(&updated)
            },
        )
        .await
    {
        tracing::warn!(error = %e, "username change notice not sent");
    }
    Ok(Change::Changed(Box::new(updated)))
}

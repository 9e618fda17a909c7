//! Password reset: a link `[fs_uniquifier, null]` (Flask-Security's second element is never
//! checked, their quirk Q7 — we do not put a hash of the password hash in mail at all); using it
//! sets the password under the policy and rotates the uniquifier, so it works once.

use portcullis_core::User;
use portcullis_core::events::Event;
use portcullis_core::tokens::TokenPurpose;
use portcullis_core::tokens::links::{LinkToken, make_link, read_link};

use super::form::ResetForm;
use crate::Security;
use crate::accounts::{self, PasswordReplaced};
use crate::error::Result;
use crate::flows::notify;
use crate::form::FieldErrors;
use crate::links;
use crate::messages::Msg;

pub(super) fn within(security: &Security) -> String {
    links::humanize(security.config().reset_password_within.as_secs())
}

pub(super) enum Forgot {
    Sent,
    Invalid(FieldErrors),
    MailFailed,
}

/// `POST /reset`: the user must exist, be active and (when required) confirmed. A brute-force
/// lock does not stop it: the mailbox is the way back in.
pub(super) async fn forgot(
    security: &Security,
    email: Option<String>,
    mut errors: FieldErrors,
) -> Result<Forgot> {
    let c = security.config();
    let Some(email) = email else {
        return Ok(Forgot::Invalid(errors));
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
                // Flask-Security computes a dummy hash here; we spend what a real link costs.
                security.hash_pool().dummy_verify(email).await?;
                return Ok(Forgot::Sent);
            }
            errors.add("email", refusal.unwrap_or(Msg::UserDoesNotExist));
            return Ok(Forgot::Invalid(errors));
        }
    };
    if c.return_generic_responses {
        // Equal work for known and unknown addresses.
        security.hash_pool().dummy_verify(email).await?;
    }
    let token = make_link(
        security.signer(),
        TokenPurpose::Reset,
        &user.fs_uniquifier,
        None,
        None,
        security.clock().unix(),
    );
    security.emit(Event::ResetInstructionsSent { user_id: user.id });
    if !c.send_password_reset_email {
        return Ok(Forgot::Sent);
    }
    let link = links::absolute(c, &format!("{}/{token}", c.reset_url));
    let sent = notify::deliver(
        security,
        &user.email,
        &c.email_subject_password_reset,
        "reset_instructions",
        notify::MailContext {
            reset_link: Some(link),
            within: Some(within(security)),
            ..notify::MailContext::to(&user)
        },
    )
    .await;
    Ok(match sent {
        Ok(()) => Forgot::Sent,
        Err(_) => Forgot::MailFailed,
    })
}

pub(super) enum LinkState {
    Valid(Box<User>),
    Invalid,
    Expired,
}

/// Whose link this is, if it is still good.
pub(super) async fn check_link(security: &Security, token: &str) -> Result<LinkState> {
    let c = security.config();
    let uniquifier = match read_link(
        security.signer(),
        TokenPurpose::Reset,
        token,
        c.reset_password_within.as_secs(),
        security.clock().unix(),
    ) {
        LinkToken::Valid(p) => p.uniquifier,
        LinkToken::Expired(_) => return Ok(LinkState::Expired),
        LinkToken::Invalid => return Ok(LinkState::Invalid),
    };
    Ok(
        match security.store().user_by_uniquifier(&uniquifier).await? {
            Some(u) if u.active => LinkState::Valid(Box::new(u)),
            _ => LinkState::Invalid,
        },
    )
}

pub(super) enum Reset {
    Done,
    Invalid(FieldErrors),
}

/// `POST /reset/<token>`.
pub(super) async fn reset(
    security: &Security,
    token: &str,
    form: ResetForm,
    mut errors: FieldErrors,
) -> Result<Reset> {
    let c = security.config();
    let user = match check_link(security, token).await? {
        LinkState::Valid(u) => u,
        LinkState::Invalid => {
            errors.add("", Msg::InvalidResetPasswordToken);
            return Ok(Reset::Invalid(errors));
        }
        LinkState::Expired => {
            errors.add(
                "",
                crate::messages::within(Msg::PasswordResetExpired, &within(security)),
            );
            return Ok(Reset::Invalid(errors));
        }
    };
    if let Some(pw) = &form.password {
        let identities: Vec<&str> = [Some(user.email.as_str()), user.username.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        for m in security.check_password(pw, &identities).await {
            errors.add("password", m);
        }
        if c.password_confirm_required && form.password_confirm.as_deref() != Some(pw.as_str()) {
            errors.add("password_confirm", Msg::RetypePasswordMismatch);
        }
    }
    let Some(password) = form.password.filter(|_| errors.is_empty()) else {
        return Ok(Reset::Invalid(errors));
    };
    // One write: the new hash and a new uniquifier (every session, token and reset link of the
    // user ends, this one included); a completed reset lifts the lock.
    let accounts = security.accounts();
    accounts
        .replace_password(&user, password, PasswordReplaced::Reset)
        .await?;
    if let Err(e) = accounts.unlock(Some(&user), &user.email).await {
        tracing::error!(error = %e, "could not clear the lockout after password reset");
    }
    if c.send_password_reset_notice_email
        && let Err(e) = notify::send(
            security,
            &user.email,
            &c.email_subject_password_notice,
            "reset_notice",
            notify::MailContext::to(&user),
        )
        .await
    {
        tracing::warn!(error = %e, "password reset notice not sent");
    }
    Ok(Reset::Done)
}

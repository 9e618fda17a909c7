//! Confirmation: mail a link `[fs_uniquifier, hash_data(email)]`; following it sets
//! `confirmed_at`. The link dies when the email (hash mismatch) or the uniquifier changes.

use portcullis_core::User;
use portcullis_core::events::Event;
use portcullis_core::tokens::TokenPurpose;
use portcullis_core::tokens::links::{LinkToken, make_link, read_link};

use crate::Security;
use crate::error::Result;
use crate::flows::notify::{self, NotifyError};
use crate::form::FieldErrors;
use crate::links;
use crate::messages::Msg;

/// A fresh confirmation link for `user` (absolute, on the external base URL).
pub(crate) async fn link_for(security: &Security, user: &User) -> Result<String> {
    let hashed = security.hash_pool().hash_data(user.email.clone()).await?;
    let token = make_link(
        security.signer(),
        TokenPurpose::Confirm,
        &user.fs_uniquifier,
        Some(&hashed),
        None,
        security.clock().unix(),
    );
    let c = security.config();
    Ok(links::absolute(c, &format!("{}/{token}", c.confirm_url)))
}

/// `within`, in words, for the mails and the expiry message.
pub(crate) fn within(security: &Security) -> String {
    links::humanize(security.config().confirm_email_within.as_secs())
}

pub(super) enum Resend {
    /// Sent (or, in generic mode, answered as if).
    Sent,
    Invalid(FieldErrors),
    /// The mail could not be sent (normal mode only): 500.
    MailFailed,
}

/// `POST /confirm`.
pub(super) async fn resend(
    security: &Security,
    email: Option<String>,
    mut errors: FieldErrors,
) -> Result<Resend> {
    let generic = security.config().return_generic_responses;
    let Some(email) = email else {
        return Ok(Resend::Invalid(errors));
    };
    let user = security.store().user_by_email(&email).await?;
    let user = match user {
        Some(u) if !u.is_confirmed() => u,
        found => {
            if generic {
                // The work a real send costs (the link's hash), then the same answer.
                security.hash_pool().hash_data(email).await?;
                return Ok(Resend::Sent);
            }
            let m = if found.is_some() {
                Msg::AlreadyConfirmed
            } else {
                Msg::UserDoesNotExist
            };
            errors.add("email", m);
            return Ok(Resend::Invalid(errors));
        }
    };
    let link = link_for(security, &user).await?;
    let c = security.config();
    let sent = notify::deliver(
        security,
        &user.email,
        &c.email_subject_confirm,
        "confirmation_instructions",
        notify::MailContext {
            confirmation_link: Some(link),
            within: Some(within(security)),
            ..notify::MailContext::to(&user)
        },
    )
    .await;
    match sent {
        Ok(()) => {
            security.emit(Event::ConfirmInstructionsSent { user_id: user.id });
            Ok(Resend::Sent)
        }
        Err(NotifyError::Mail(_) | NotifyError::Template(_)) => Ok(Resend::MailFailed),
    }
}

pub(super) enum Followed {
    Invalid,
    Expired,
    AlreadyConfirmed,
    Confirmed(Box<User>),
}

/// `GET /confirm/<token>`.
pub(super) async fn follow(security: &Security, token: &str) -> Result<Followed> {
    let c = security.config();
    let now = security.clock();
    let (payload, expired) = match read_link(
        security.signer(),
        TokenPurpose::Confirm,
        token,
        c.confirm_email_within.as_secs(),
        now.unix(),
    ) {
        LinkToken::Valid(p) => (p, false),
        LinkToken::Expired(p) => (p, true),
        LinkToken::Invalid => return Ok(Followed::Invalid),
    };
    let Some(user) = security
        .store()
        .user_by_uniquifier(&payload.uniquifier)
        .await?
    else {
        return Ok(Followed::Invalid);
    };
    let Some(hashed) = payload.hashed else {
        return Ok(Followed::Invalid);
    };
    if !security
        .hash_pool()
        .verify_data(user.email.clone(), hashed)
        .await?
    {
        return Ok(Followed::Invalid);
    }
    if user.is_confirmed() {
        return Ok(Followed::AlreadyConfirmed);
    }
    if expired {
        return Ok(Followed::Expired);
    }
    security
        .store()
        .set_confirmed_at(user.id, Some(now.now()), now.now())
        .await?;
    security.emit(Event::UserConfirmed { user_id: user.id });
    let confirmed = security
        .store()
        .user_by_id(user.id)
        .await?
        .ok_or(portcullis_core::StoreError::NotFound)?;
    Ok(Followed::Confirmed(Box::new(confirmed)))
}

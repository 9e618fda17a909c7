//! Change of email: a link `[fs_uniquifier, hash_data(old_email), new_email]` mailed to the new
//! address; following it replaces the email (and marks it confirmed). The link dies when the
//! uniquifier or the current address changed meanwhile, or the new address was taken.

use portcullis_core::events::Event;
use portcullis_core::tokens::TokenPurpose;
use portcullis_core::tokens::links::{LinkToken, make_link, read_link};
use portcullis_core::{StoreError, User};

use crate::Security;
use crate::error::Result;
use crate::flows::notify;
use crate::form::FieldErrors;
use crate::links;

pub(super) enum Request {
    /// Mailed (or, in generic mode for a taken address, answered as if).
    Sent,
    Invalid(FieldErrors),
    MailFailed,
}

/// `POST /change-email`.
pub(super) async fn request(
    security: &Security,
    user: &User,
    email: Option<String>,
    mut errors: FieldErrors,
) -> Result<Request> {
    let c = security.config();
    let Some(new_email) = email else {
        return Ok(Request::Invalid(errors));
    };
    if let Some(m) = security.check_email_deliverable(&new_email).await {
        errors.add("email", m);
        return Ok(Request::Invalid(errors));
    }
    let taken = match security.store().user_by_email(&new_email).await? {
        Some(owner) if owner.id == user.id && owner.email == new_email => {
            // Already this user's address, exactly: nothing to change.
            errors.add(
                "email",
                crate::messages::already_associated("email", &new_email),
            );
            return Ok(Request::Invalid(errors));
        }
        Some(owner) => owner.id != user.id,
        None => false,
    };
    // The link's work is done either way, so timing does not tell a taken address.
    let old_hash = security.hash_pool().hash_data(user.email.clone()).await?;
    if taken {
        if c.return_generic_responses {
            return Ok(Request::Sent);
        }
        errors.add(
            "email",
            crate::messages::already_associated("email", &new_email),
        );
        return Ok(Request::Invalid(errors));
    }
    let token = make_link(
        security.signer(),
        TokenPurpose::ChangeEmail,
        &user.fs_uniquifier,
        Some(&old_hash),
        Some(&new_email),
        security.clock().unix(),
    );
    let link = links::absolute(c, &format!("{}/{token}", c.change_email_url));
    let ctx = notify::MailContext {
        link: Some(link),
        old_email: Some(user.email.clone()),
        new_email: Some(new_email.clone()),
        within: Some(links::humanize(c.change_email_within.as_secs())),
        ..notify::MailContext::to(user)
    };
    match notify::send(
        security,
        &new_email,
        &c.change_email_subject,
        "change_email_instructions",
        ctx,
    )
    .await
    {
        Ok(()) => {
            security.emit(Event::ChangeEmailInstructionsSent { user_id: user.id });
            Ok(Request::Sent)
        }
        Err(_) => Ok(Request::MailFailed),
    }
}

pub(super) enum Followed {
    Invalid,
    Expired,
    Taken,
    Changed(Box<User>),
}

/// `GET /change-email/<token>`.
pub(super) async fn follow(security: &Security, token: &str) -> Result<Followed> {
    let c = security.config();
    let now = security.clock();
    let payload = match read_link(
        security.signer(),
        TokenPurpose::ChangeEmail,
        token,
        c.change_email_within.as_secs(),
        now.unix(),
    ) {
        LinkToken::Valid(p) => p,
        LinkToken::Expired(_) => return Ok(Followed::Expired),
        LinkToken::Invalid => return Ok(Followed::Invalid),
    };
    let (Some(old_hash), Some(new_email)) = (payload.hashed, payload.extra) else {
        return Ok(Followed::Invalid);
    };
    let Some(user) = security
        .store()
        .user_by_uniquifier(&payload.uniquifier)
        .await?
    else {
        return Ok(Followed::Invalid);
    };
    if !user.active
        || !security
            .hash_pool()
            .verify_data(user.email.clone(), old_hash)
            .await?
    {
        return Ok(Followed::Invalid);
    }
    match security
        .store()
        .set_email(user.id, &new_email, Some(now.now()), now.now())
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Ok(Followed::Taken),
        Err(e) => return Err(e.into()),
    }
    security.emit(Event::EmailChanged { user_id: user.id });
    let updated = security
        .store()
        .user_by_id(user.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Followed::Changed(Box::new(updated)))
}

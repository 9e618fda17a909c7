//! The mails of the flows: rendered from the `mail/<name>.txt` and `.html` templates (each
//! replaceable through `template_dir`), sent through the configured [`crate::mail::Mailer`].
//!
//! Callers send after their database writes are committed. A failure is logged (never with the
//! message body, which carries secret links) and returned, so the code-send endpoints can answer
//! 500 while other flows carry on.

use portcullis_core::User;
use serde::Serialize;

use crate::Security;
use crate::mail::{MailError, Message};

/// Why a mail did not go out.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotifyError {
    /// A template failed to render.
    #[error("mail template: {0}")]
    Template(String),
    /// The transport refused or timed out.
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// The user as mail templates see it (no secrets: no hashes, no uniquifier).
#[derive(Debug, Default, Serialize)]
pub(crate) struct MailUser {
    pub(crate) email: String,
    pub(crate) username: Option<String>,
}

/// What a mail template sees: the user, and the fields that mail uses (the others are left
/// out). Documented for template authors in the README.
#[derive(Debug, Default, Serialize)]
pub(crate) struct MailContext {
    pub(crate) user: MailUser,
    /// A one-time code (unified sign-in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) code: Option<String>,
    /// A one-time code (two-factor mails; Flask-Security's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<String>,
    /// How long a link or code stays valid ("2 days").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) within: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) login_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) confirmation_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reset_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) recovery_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) old_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) old_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) new_email: Option<String>,
}

impl MailContext {
    /// A context for a mail about `user`.
    pub(crate) fn to(user: &User) -> Self {
        Self {
            user: MailUser {
                email: user.email.clone(),
                username: user.username.clone(),
            },
            ..Self::default()
        }
    }
}

/// Render `mail/<template>.txt|html` with `ctx` into a message to `to`.
pub(crate) fn compose(
    security: &Security,
    to: &str,
    subject: &str,
    template: &str,
    ctx: &MailContext,
) -> Result<Message, NotifyError> {
    let c = security.config();
    let ctx = &serde_json::to_value(ctx).map_err(|e| NotifyError::Template(e.to_string()))?;
    let templates = &security.inner.templates;
    let render = |ext: &str| -> Result<String, NotifyError> {
        templates
            .render(&format!("mail/{template}.{ext}"), ctx)
            .map_err(|e| NotifyError::Template(e.to_string()))
    };
    Ok(Message {
        to: to.to_owned(),
        subject: localized_subject(subject, template),
        text: if c.email_plaintext {
            render("txt")?
        } else {
            String::new()
        },
        html: if c.email_html {
            render("html")?
        } else {
            String::new()
        },
    })
}

/// Compose and send now (the caller waits, bounded by the mailer's timeout).
pub(crate) async fn send(
    security: &Security,
    to: &str,
    subject: &str,
    template: &str,
    ctx: MailContext,
) -> Result<(), NotifyError> {
    let message = compose(security, to, subject, template, &ctx)?;
    security.send_mail(message).await?;
    Ok(())
}

/// The subject in the request's language when it is the configured default (catalog id
/// `mail-subject-<template>`); an application's own subject is its own text, used as is.
fn localized_subject(configured: &str, template: &str) -> String {
    let id = format!("mail-subject-{template}");
    if crate::i18n::english_text_of(&id).as_deref() == Some(configured) {
        crate::i18n::text_of(&id, &[])
    } else {
        configured.to_owned()
    }
}

/// Compose now, send in the background: for generic-response mode, where the answer must not
/// wait for (or reveal) a delivery that only happens for existing accounts.
pub(crate) fn send_later(
    security: &Security,
    to: &str,
    subject: &str,
    template: &str,
    ctx: MailContext,
) {
    match compose(security, to, subject, template, &ctx) {
        Ok(message) => {
            let sender = security.clone();
            security.inner.background.spawn(async move {
                // send_mail logs the failure itself.
                let _ = sender.send_mail(message).await;
            });
        }
        Err(e) => tracing::error!(error = %e, template, "mail not sent"),
    }
}

/// Send now in normal mode, later in generic mode; a failure is logged and returned.
pub(crate) async fn deliver(
    security: &Security,
    to: &str,
    subject: &str,
    template: &str,
    ctx: MailContext,
) -> Result<(), NotifyError> {
    if security.config().return_generic_responses {
        send_later(security, to, subject, template, ctx);
        Ok(())
    } else {
        send(security, to, subject, template, ctx).await
    }
}

//! One [`Event`] per Flask-Security signal, delivered to a pluggable [`EventSink`].

use std::sync::{Arc, Mutex};

/// A state change worth telling the application about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A user signed in (`user_authenticated`); `via` is e.g. "password", "register", "change".
    UserAuthenticated {
        /// User id.
        user_id: i64,
        /// How.
        via: String,
    },
    /// A sign-in failed (`user_failed_authn`), for a known user.
    FailedAuthentication {
        /// User id.
        user_id: i64,
        /// "password", "basic", ...
        auth_type: String,
    },
    /// Too many failed sign-ins: an account (user id, or an unknown identity) is locked.
    AccountLocked {
        /// `user:<id>` or `identity:<normalised identity>`.
        account: String,
        /// For how many seconds.
        seconds: i64,
    },
    /// A lock was lifted by hand (`users unlock`, `reset-access`) or by a password reset.
    AccountUnlocked {
        /// `user:<id>` or `identity:<normalised identity>`.
        account: String,
    },
    /// A client address hit the failed-sign-in rate limit.
    RateLimited {
        /// The client address.
        address: String,
    },
    /// A user signed out.
    UserLoggedOut {
        /// User id.
        user_id: i64,
    },
    /// A user registered (`user_registered`).
    UserRegistered {
        /// User id.
        user_id: i64,
    },
    /// Registration refused because the identity exists (`user_not_registered`).
    UserNotRegistered {
        /// The existing user, if any.
        existing_user_id: Option<i64>,
    },
    /// A password was changed (`password_changed`).
    PasswordChanged {
        /// User id.
        user_id: i64,
    },
    /// A confirmation link was mailed (`confirm_instructions_sent`).
    ConfirmInstructionsSent {
        /// User id.
        user_id: i64,
    },
    /// A user confirmed their email (`user_confirmed`).
    UserConfirmed {
        /// User id.
        user_id: i64,
    },
    /// A reset link was mailed (`reset_password_instructions_sent`).
    ResetInstructionsSent {
        /// User id.
        user_id: i64,
    },
    /// A password was reset through a mailed link (`password_reset`).
    PasswordReset {
        /// User id.
        user_id: i64,
    },
    /// A change-email link was mailed to the new address (`change_email_instructions_sent`).
    ChangeEmailInstructionsSent {
        /// User id.
        user_id: i64,
    },
    /// A new email address was confirmed and replaced the old one (`change_email_confirmed`).
    EmailChanged {
        /// User id.
        user_id: i64,
    },
    /// A username reminder was mailed (`username_recovery_email_sent`).
    UsernameRecoverySent {
        /// User id.
        user_id: i64,
    },
    /// A user changed their username (`username_changed`).
    UsernameChanged {
        /// User id.
        user_id: i64,
    },
    /// A second-factor code was accepted (`tf_code_confirmed`).
    TwoFactorCodeConfirmed {
        /// User id.
        user_id: i64,
        /// `email`, `authenticator` or `sms`.
        method: String,
    },
    /// A user set up or changed their second factor (`tf_profile_changed`).
    TwoFactorChanged {
        /// User id.
        user_id: i64,
        /// The new method.
        method: String,
    },
    /// A user removed their second factor (`tf_disabled`).
    TwoFactorDisabled {
        /// User id.
        user_id: i64,
    },
    /// New recovery codes replaced the old ones.
    RecoveryCodesGenerated {
        /// User id.
        user_id: i64,
    },
    /// A stored hash was upgraded to the current scheme.
    PasswordRehashed {
        /// User id.
        user_id: i64,
    },
    /// A user re-authenticated (`/verify`).
    Reauthenticated {
        /// User id.
        user_id: i64,
    },
    /// A user was activated or deactivated.
    UserActiveChanged {
        /// User id.
        user_id: i64,
        /// New state.
        active: bool,
    },
    /// `reset-access`: uniquifier rotated, second factors cleared.
    UserAccessReset {
        /// User id.
        user_id: i64,
    },
    /// A role was created.
    RoleCreated {
        /// Role name.
        name: String,
    },
    /// A role was given to or taken from a user.
    UserRoleChanged {
        /// User id.
        user_id: i64,
        /// Role name.
        role: String,
        /// Added (true) or removed (false).
        added: bool,
    },
    /// A role's permissions changed.
    RolePermissionsChanged {
        /// Role name.
        role: String,
    },
    /// A WebAuthn credential was registered.
    WebAuthnRegistered {
        /// User id.
        user_id: i64,
        /// Its name.
        name: String,
        /// `first` or `secondary`.
        usage: &'static str,
    },
    /// A WebAuthn credential was deleted.
    WebAuthnDeleted {
        /// User id.
        user_id: i64,
        /// Its name.
        name: String,
    },
    /// An assertion's signature counter did not advance: the authenticator may have been
    /// cloned (or the assertion replayed). The sign-in was refused.
    WebAuthnCloneSuspected {
        /// User id.
        user_id: i64,
        /// The credential's name.
        name: String,
    },
}

/// Receives events. Must not block for long: it is called inline.
pub trait EventSink: Send + Sync + 'static {
    /// Handle one event.
    fn emit(&self, event: &Event);
}

/// Logs every event with `tracing` at INFO (target `portcullis::events`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingSink;

impl EventSink for TracingSink {
    fn emit(&self, event: &Event) {
        tracing::info!(target: "portcullis::events", ?event, "event");
    }
}

/// Keeps every event in memory; for tests.
#[derive(Debug, Clone, Default)]
pub struct RecordingSink {
    events: Arc<Mutex<Vec<Event>>>,
}

impl RecordingSink {
    /// A new, empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl EventSink for RecordingSink {
    fn emit(&self, event: &Event) {
        if let Ok(mut e) = self.events.lock() {
            e.push(event.clone());
        }
        TracingSink.emit(event);
    }
}

//! The accounts core: the one place that checks a credential (no HTTP in here).
//!
//! Every sign-in path — login, HTTP Basic, re-authentication (`/verify`), password change,
//! unified sign-in and its re-authentication, two-factor codes, recovery codes, magic links —
//! goes through [`attempt`], which *reserves* the attempt in the per-account and per-address
//! counters (one atomic increment-and-read each, on every backend) before the credential is
//! evaluated, and settles it afterwards. However many requests race, at most
//! `SECURITY_LOCKOUT_MAX_FAILURES` guesses per account and `SECURITY_RATE_LIMIT_FAILURES` per
//! address are evaluated. Outcomes are typed ([`Failure`]), so generic-response mode hides by
//! kind, never by message text.
//!
//! Also here: identity lookup, the confirmation rule, hash upgrades and sign-in bookkeeping.

use portcullis_core::User;
use portcullis_core::config::IdentityAttribute;
use portcullis_core::crypto::password::Verification;
use portcullis_core::events::Event;
use portcullis_core::policy::{Refusal, account_key};

use crate::Security;
use crate::error::Result;
use crate::messages::{Message, Msg};

pub(crate) use portcullis_core::policy::normalize_email;

/// Why a credential was not accepted, or an attempt not even evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No account has that identity.
    UnknownIdentity,
    /// The password is wrong (or the account has none).
    InvalidPassword,
    /// Unified sign-in: neither the password nor a code of any set-up method.
    InvalidPasscode,
    /// A one-time code (authenticator, email, SMS, magic link) is wrong, expired or spent.
    InvalidCode,
    /// A one-time code that was right but has been used already.
    CodeUsed,
    /// A recovery code is wrong or spent.
    InvalidRecoveryCode,
    /// A passkey's assertion did not verify (signature, challenge, origin, user verification).
    PasskeyNotVerified,
    /// A passkey's signature counter did not advance: a cloned authenticator, or a replay.
    PasskeyCloned,
    /// The credential was right but the account is disabled.
    Disabled,
    /// The credential was right but the email is not confirmed yet.
    Unconfirmed,
    /// Too many failed guesses for this account: not evaluated.
    Locked {
        /// Seconds until the lock ends.
        retry_after: i64,
    },
    /// Too many failed guesses from this client address: not evaluated (429).
    RateLimited {
        /// Seconds until the window passes.
        retry_after: i64,
    },
}

impl Failure {
    /// Whether the failure tells something about the account (its existence, its state, its
    /// password), so that generic-response mode answers one generic error instead.
    pub fn reveals_account(self) -> bool {
        !matches!(self, Self::RateLimited { .. })
    }

    /// The message shown for it.
    pub fn message(self) -> Message {
        match self {
            Self::UnknownIdentity => Msg::UserDoesNotExist.into(),
            Self::InvalidPassword => Msg::InvalidPassword.into(),
            Self::InvalidPasscode => Msg::InvalidPasswordCode.into(),
            Self::InvalidCode => Msg::InvalidCode.into(),
            Self::CodeUsed => Msg::CodeAlreadyUsed.into(),
            Self::InvalidRecoveryCode => Msg::InvalidRecoveryCode.into(),
            Self::PasskeyNotVerified => {
                Message::new(Msg::WebauthnNoVerify).arg("cause", "the assertion is not valid")
            }
            Self::PasskeyCloned => Message::new(Msg::WebauthnNoVerify)
                .arg("cause", "the signature counter did not increase"),
            Self::Disabled => Msg::DisabledAccount.into(),
            Self::Unconfirmed => Msg::ConfirmationRequired.into(),
            Self::Locked { retry_after } => crate::messages::account_locked(retry_after),
            Self::RateLimited { .. } => Msg::RateLimited.into(),
        }
    }

    /// The message, or the generic one when generic responses are on and it would reveal
    /// something about the account.
    pub(crate) fn shown(self, security: &Security) -> Message {
        if security.config().return_generic_responses && self.reveals_account() {
            Msg::GenericAuthnFailed.into()
        } else {
            self.message()
        }
    }

    /// The form field it belongs to: `identity_field` for account states and unknown
    /// identities, `secret_field` for the credential itself; in generic mode, the form as a
    /// whole (`""`) for anything that reveals the account.
    pub(crate) fn field<'a>(
        self,
        security: &Security,
        identity_field: &'a str,
        secret_field: &'a str,
    ) -> &'a str {
        if security.config().return_generic_responses && self.reveals_account() {
            return "";
        }
        match self {
            Self::UnknownIdentity | Self::Disabled | Self::Unconfirmed | Self::Locked { .. } => {
                identity_field
            }
            _ => secret_field,
        }
    }
}

/// What evaluating a reserved attempt found.
pub(crate) enum Verdict<T> {
    /// The credential is right.
    Pass(T),
    /// It is not.
    Fail(Failure),
}

/// One attempt to be reserved: whose, from where.
pub(crate) struct Attempt<'a> {
    /// The lockout key ([`account_key`]).
    pub(crate) account: String,
    /// The client address, for the per-address limit.
    pub(crate) address: Option<&'a str>,
    /// A password to hash when the attempt is refused for a locked account, so that a refused
    /// attempt costs what an evaluated one does.
    pub(crate) decoy: Option<String>,
    /// What is checked (`password`, `basic`, `code`, `recovery_code`, ...), for the metrics.
    pub(crate) mechanism: &'static str,
}

impl<'a> Attempt<'a> {
    /// An attempt on a known user's account.
    pub(crate) fn on(user: &User, address: Option<&'a str>, mechanism: &'static str) -> Self {
        Self {
            account: account_key(Some(user.id), &user.email),
            address,
            decoy: None,
            mechanism,
        }
    }
}

/// How long an attempt waits for an account's attempts in flight to settle.
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
const BUSY_FIRST_PAUSE: std::time::Duration = std::time::Duration::from_millis(5);
const BUSY_MAX_PAUSE: std::time::Duration = std::time::Duration::from_millis(200);

/// Reserve the attempt, evaluate it, settle it: the only brute-force gate. A refused attempt
/// is never evaluated; an evaluation that errors leaves its place counted as a failure.
pub(crate) async fn attempt<T>(
    security: &Security,
    attempt: Attempt<'_>,
    evaluate: impl AsyncFnOnce() -> Result<Verdict<T>>,
) -> Result<std::result::Result<T, Failure>> {
    let throttle = throttle(security);
    let started = std::time::Instant::now();
    let mut pause = BUSY_FIRST_PAUSE;
    let slot = loop {
        let refusal = match throttle
            .reserve(&attempt.account, attempt.address, security.clock().unix())
            .await?
        {
            Ok(slot) => break slot,
            // The account's last guesses are being evaluated right now: wait for them (a
            // success makes room, the last failure locks) rather than refuse a burst of
            // legitimate sign-ins.
            Err(Refusal::Busy) if started.elapsed() < BUSY_WAIT => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(BUSY_MAX_PAUSE);
                continue;
            }
            Err(refusal) => refusal,
        };
        security.inner.metrics.attempt(attempt.mechanism, "refused");
        return Ok(Err(match refusal {
            Refusal::AddressLimited { retry_after } => Failure::RateLimited { retry_after },
            Refusal::AccountLocked { retry_after } => {
                if let Some(decoy) = attempt.decoy {
                    security.hash_pool().dummy_verify(decoy).await?;
                }
                Failure::Locked { retry_after }
            }
            // Still busy after waiting: answered as a short lock.
            Refusal::Busy => Failure::Locked { retry_after: 1 },
        }));
    };
    match evaluate().await? {
        Verdict::Pass(value) => {
            security.inner.metrics.attempt(attempt.mechanism, "success");
            throttle.succeeded(slot, security.clock().unix()).await?;
            Ok(Ok(value))
        }
        Verdict::Fail(failure) => {
            security.inner.metrics.attempt(attempt.mechanism, "failure");
            let settled = throttle.failed(slot, security.clock().unix()).await?;
            if let Some(seconds) = settled.locked_for {
                security.emit(Event::AccountLocked {
                    account: attempt.account.clone(),
                    seconds,
                });
            }
            if settled.address_limited
                && let Some(address) = attempt.address
            {
                security.emit(Event::RateLimited {
                    address: address.to_owned(),
                });
            }
            Ok(Err(failure))
        }
    }
}

/// A password sign-in (login, HTTP Basic): `user` is who `identity` names, if anyone. The
/// same hashing work whether or not the user exists or the attempt is refused; the account's
/// state is checked once the password is known to be right.
pub(crate) async fn sign_in_with_password(
    security: &Security,
    user: Option<User>,
    identity: &str,
    password: String,
    address: Option<&str>,
    auth_type: &str,
) -> Result<std::result::Result<User, Failure>> {
    let reserved = Attempt {
        account: account_key(user.as_ref().map(|u| u.id), identity),
        address,
        decoy: Some(password.clone()),
        mechanism: if auth_type == "basic" {
            "basic"
        } else {
            "password"
        },
    };
    let checked = attempt(security, reserved, async || {
        let Some(user) = user else {
            security.hash_pool().dummy_verify(password).await?;
            return Ok(Verdict::Fail(Failure::UnknownIdentity));
        };
        Ok(
            match check_password(security, &user, password, auth_type).await? {
                true => Verdict::Pass(user),
                false => Verdict::Fail(Failure::InvalidPassword),
            },
        )
    })
    .await?;
    let user = match checked {
        Ok(user) => user,
        Err(failure) => return Ok(Err(failure)),
    };
    Ok(admit(security, &user).map(|()| user))
}

/// The signed-in user's password again (`/verify`, `/change`), counted like a sign-in.
pub(crate) async fn reauthenticate_with_password(
    security: &Security,
    user: &User,
    password: String,
    address: Option<&str>,
) -> Result<std::result::Result<(), Failure>> {
    let reserved = Attempt {
        decoy: Some(password.clone()),
        ..Attempt::on(user, address, "password")
    };
    attempt(security, reserved, async || {
        Ok(
            match check_password(security, user, password, "password").await? {
                true => Verdict::Pass(()),
                false => Verdict::Fail(Failure::InvalidPassword),
            },
        )
    })
    .await
}

/// Whether `password` is the user's (the same hashing work when they have none); a right
/// password in an outdated scheme is re-hashed, a wrong one is reported as an event. Only
/// called inside [`attempt`].
pub(crate) async fn check_password(
    security: &Security,
    user: &User,
    password: String,
    auth_type: &str,
) -> Result<bool> {
    let pool = security.hash_pool();
    let Some(stored) = user.password.clone() else {
        pool.dummy_verify(password).await?;
        return Ok(false);
    };
    match pool.verify(password.clone(), stored.clone()).await? {
        Verification::Invalid => {
            security.emit(Event::FailedAuthentication {
                user_id: user.id,
                auth_type: auth_type.into(),
            });
            Ok(false)
        }
        Verification::Valid { needs_update } => {
            if needs_update {
                upgrade_hash(security, user, &stored, password).await;
            }
            Ok(true)
        }
    }
}

/// May this account sign in at all (active, confirmed when confirmation is required)?
pub(crate) fn admit(security: &Security, user: &User) -> std::result::Result<(), Failure> {
    if !user.active {
        return Err(Failure::Disabled);
    }
    if needs_confirmation(security, user) {
        return Err(Failure::Unconfirmed);
    }
    Ok(())
}

/// Find a user by any identity attribute, in the configured order.
pub(crate) async fn lookup_identity(security: &Security, ident: &str) -> Result<Option<User>> {
    let store = security.store();
    for attr in security.config().identity_attributes() {
        let found = match attr {
            IdentityAttribute::Email => match normalize_email(ident) {
                Some(email) => store.user_by_email(&email).await?,
                None => None,
            },
            IdentityAttribute::Username => store.user_by_username(ident.trim()).await?,
            IdentityAttribute::UsPhoneNumber => {
                match portcullis_core::policy::normalize_phone(
                    ident,
                    &security.config().phone_region_default,
                ) {
                    Some(e164) => store.user_by_phone(&e164).await?,
                    None => None,
                }
            }
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Whether the user still has to confirm their email before signing in.
pub(crate) fn needs_confirmation(security: &Security, user: &User) -> bool {
    let c = security.config();
    c.confirmable && !c.login_without_confirmation && !user.is_confirmed()
}

/// Re-hash with the current scheme after a successful verification (never fails the request).
pub(crate) async fn upgrade_hash(security: &Security, user: &User, stored: &str, password: String) {
    match security.hash_pool().hash(password).await {
        Ok(new_hash) => {
            let now = security.clock().now();
            match security
                .store()
                .upgrade_password(user.id, stored, &new_hash, now)
                .await
            {
                Ok(true) => security.emit(Event::PasswordRehashed { user_id: user.id }),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not store upgraded hash"),
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not upgrade hash"),
    }
}

/// Bookkeeping of a successful sign-in: login tracking (atomic, first — if it fails, nothing
/// else happens) and the event. Returns the time of primary authentication (`fs_paa`).
pub(crate) async fn sign_in(
    security: &Security,
    user: &User,
    ip: Option<&str>,
    via: &str,
) -> Result<f64> {
    let now = security.clock().unix_f64();
    if security.config().trackable {
        security
            .store()
            .record_login(user.id, security.clock().now(), ip)
            .await?;
    }
    security.emit(Event::UserAuthenticated {
        user_id: user.id,
        via: via.into(),
    });
    Ok(now)
}

/// A new uniquifier value.
pub(crate) fn new_uniquifier() -> String {
    portcullis_core::crypto::random::uniquifier()
}

/// Brute-force protection over the datastore's counters (only [`attempt`] and unlocking use
/// it).
pub(crate) fn throttle(
    security: &Security,
) -> portcullis_core::policy::Throttle<'_, dyn portcullis_core::Store> {
    portcullis_core::policy::Throttle::new(
        security.store().as_ref(),
        security.config().throttle_rules(),
    )
}

/// What a new account is made of (the CLI's `users create`; registration builds on the same
/// rules).
#[derive(Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// The email as typed (normalised here).
    pub email: String,
    /// The username as typed, if any (normalised here; only with usernames enabled).
    pub username: Option<String>,
    /// The password in clear (checked against the password rules, then hashed).
    pub password: String,
    /// Whether the account may sign in.
    pub active: bool,
    /// Whether the email counts as confirmed already.
    pub confirmed: bool,
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("email", &self.email)
            .field("username", &self.username)
            .field("active", &self.active)
            .field("confirmed", &self.confirmed)
            .finish_non_exhaustive()
    }
}

/// Why an account change was refused: the field and the messages, as a form shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// `email`, `username` or `password`.
    pub field: &'static str,
    /// What is wrong.
    pub messages: Vec<Message>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let messages = portcullis_core::messages::joined(&self.messages, "; ");
        write!(f, "{}: {messages}", self.field)
    }
}

/// Why a password was replaced (which event reports it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordReplaced {
    /// By its owner (`/change`) or an administrator (`users change-password`).
    Changed,
    /// Through a reset link.
    Reset,
}

/// Account changes, one code path for the HTTP flows and the CLI (`portcullis users …`), so
/// that both give the same answers for the same input. From [`Security::accounts`].
#[derive(Debug, Clone, Copy)]
pub struct Accounts<'a> {
    security: &'a Security,
}

impl Security {
    /// The account operations.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts { security: self }
    }
}

impl Accounts<'_> {
    /// Create an account under the same rules as registration: a valid (and, when configured,
    /// deliverable) email, a valid username, the password rules; unique email and username.
    pub async fn create(&self, new: NewAccount) -> Result<std::result::Result<User, Refused>> {
        let security = self.security;
        let c = security.config();
        let refuse = |field, message: Message| {
            Ok(Err(Refused {
                field,
                messages: vec![message],
            }))
        };
        let Some(email) = normalize_email(&new.email) else {
            return refuse("email", Msg::InvalidEmailAddress.into());
        };
        if let Some(why) = security.check_email_deliverable(&email).await {
            return refuse("email", why);
        }
        let username = match new.username {
            Some(_) if !c.username_enable => {
                return refuse("username", Msg::UsernameNotEnabled.into());
            }
            Some(name) => {
                let errors = portcullis_core::policy::username_errors_within(
                    &name,
                    c.username_min_length,
                    c.username_max_length,
                );
                if !errors.is_empty() {
                    return Ok(Err(Refused {
                        field: "username",
                        messages: errors,
                    }));
                }
                Some(portcullis_core::policy::normalize_username(&name))
            }
            None => None,
        };
        let identities: Vec<&str> = [Some(email.as_str()), username.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let problems = security.check_password(&new.password, &identities).await;
        if !problems.is_empty() {
            return Ok(Err(Refused {
                field: "password",
                messages: problems,
            }));
        }
        let hash = security.hash_pool().hash(new.password).await?;
        let now = security.clock().now();
        let created = security
            .store()
            .create_user(portcullis_core::NewUser {
                email: email.clone(),
                username: username.clone(),
                password: Some(hash),
                active: new.active,
                confirmed_at: new.confirmed.then_some(now),
                fs_uniquifier: new_uniquifier(),
                now,
            })
            .await;
        match created {
            Ok(user) => {
                security.emit(Event::UserRegistered { user_id: user.id });
                Ok(Ok(user))
            }
            Err(portcullis_core::StoreError::Conflict(field)) => {
                let (field, value) = match field {
                    "username" => ("username", username.unwrap_or_default()),
                    _ => ("email", email),
                };
                refuse(field, crate::messages::already_associated(field, &value))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The password rules' objections to `password` for a user with these identities (empty:
    /// acceptable).
    pub async fn password_problems(&self, password: &str, identities: &[&str]) -> Vec<Message> {
        self.security.check_password(password, identities).await
    }

    /// Replace a user's password (already checked against the rules): the new hash and a new
    /// `fs_uniquifier` in one write, so every session and token of the user ends; their stored
    /// sessions are deleted; the event says `why`. Returns the user as stored now.
    pub async fn replace_password(
        &self,
        user: &User,
        password: String,
        why: PasswordReplaced,
    ) -> Result<User> {
        let security = self.security;
        let hash = security.hash_pool().hash(password).await?;
        let store = security.store();
        store
            .set_password(
                user.id,
                Some(&hash),
                Some(&new_uniquifier()),
                security.clock().now(),
            )
            .await?;
        if let Err(e) = store.delete_user_sessions(&user.fs_uniquifier).await {
            tracing::error!(error = %e, "could not delete sessions after a password change");
        }
        security.emit(match why {
            PasswordReplaced::Changed => Event::PasswordChanged { user_id: user.id },
            PasswordReplaced::Reset => Event::PasswordReset { user_id: user.id },
        });
        store
            .user_by_id(user.id)
            .await?
            .ok_or_else(|| portcullis_core::StoreError::NotFound.into())
    }

    /// Lift the brute-force lock of a user (and of the identity as typed, for locks taken
    /// before the user existed or under another spelling).
    pub async fn unlock(&self, user: Option<&User>, identity: &str) -> Result<()> {
        let mut keys = vec![account_key(None, identity)];
        if let Some(email) = normalize_email(identity) {
            keys.push(account_key(None, &email));
        }
        if let Some(u) = user {
            keys.push(account_key(Some(u.id), identity));
            keys.push(account_key(None, &u.email));
        }
        let mut seen = std::collections::HashSet::new();
        keys.retain(|k| seen.insert(k.clone()));
        let throttle = throttle(self.security);
        for key in keys {
            throttle.unlock(&key).await?;
            self.security.emit(Event::AccountUnlocked { account: key });
        }
        Ok(())
    }

    /// End every session and token of a user, clear their second factors and unified sign-in
    /// methods, lift their lock (and that of `identity` as typed, see [`Accounts::unlock`]).
    /// Returns how many stored sessions ended.
    pub async fn reset_access(&self, user: &User, identity: &str) -> Result<u64> {
        let security = self.security;
        self.unlock(Some(user), identity).await?;
        let store = security.store();
        let now = security.clock().now();
        store
            .set_uniquifier(user.id, &new_uniquifier(), now)
            .await?;
        store.clear_mfa(user.id, now).await?;
        // As Flask-Security's reset_user_access: every passkey and security key goes too.
        store.delete_user_webauthn(user.id).await?;
        let ended = store.delete_user_sessions(&user.fs_uniquifier).await?;
        security.emit(Event::UserAccessReset { user_id: user.id });
        Ok(ended)
    }

    /// Activate or deactivate; deactivating ends the user's sessions. Returns whether it
    /// changed anything and how many sessions ended.
    pub async fn set_active(&self, user: &User, active: bool) -> Result<(bool, u64)> {
        let security = self.security;
        let store = security.store();
        let changed = store
            .set_active(user.id, active, security.clock().now())
            .await?;
        let ended = if active {
            0
        } else {
            store.delete_user_sessions(&user.fs_uniquifier).await?
        };
        if changed {
            security.emit(Event::UserActiveChanged {
                user_id: user.id,
                active,
            });
        }
        Ok((changed, ended))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use portcullis_core::MemoryStore;
    use portcullis_core::config::Config;

    fn security(configure: impl FnOnce(&mut Config)) -> Security {
        let mut c = Config {
            secret_key: Some("unit-secret".to_owned().into()),
            password_salt: Some("unit-salt".to_owned().into()),
            password_hash_passlib_options: serde_json::json!({
                "argon2__memory_cost": 1024, "argon2__rounds": 1, "argon2__parallelism": 1
            })
            .as_object()
            .cloned()
            .unwrap(),
            lockout_max_failures: 3,
            ..Config::default()
        };
        configure(&mut c);
        Security::builder(c, MemoryStore::new()).build().unwrap()
    }

    fn account(name: &str) -> Attempt<'static> {
        Attempt {
            account: name.to_owned(),
            address: None,
            decoy: None,
            mechanism: "password",
        }
    }

    #[tokio::test]
    async fn refused_attempts_are_never_evaluated() {
        let s = security(|_| {});
        let evaluated = AtomicUsize::new(0);
        for _ in 0..5 {
            let r = attempt(&s, account("a"), async || {
                evaluated.fetch_add(1, Ordering::SeqCst);
                Ok(Verdict::<()>::Fail(Failure::InvalidPassword))
            })
            .await
            .unwrap();
            assert!(r.is_err());
        }
        assert_eq!(evaluated.load(Ordering::SeqCst), 3, "the lockout limit");
        let r = attempt(&s, account("a"), async || Ok(Verdict::Pass(())))
            .await
            .unwrap();
        assert!(matches!(r, Err(Failure::Locked { .. })), "{r:?}");
        // Another account is not affected.
        let r = attempt(&s, account("b"), async || Ok(Verdict::Pass(7)))
            .await
            .unwrap();
        assert_eq!(r, Ok(7));
    }

    #[tokio::test]
    async fn a_success_forgets_the_failures() {
        let s = security(|_| {});
        for _ in 0..2 {
            let _ = attempt(&s, account("a"), async || {
                Ok(Verdict::<()>::Fail(Failure::InvalidCode))
            })
            .await
            .unwrap();
        }
        let ok = attempt(&s, account("a"), async || Ok(Verdict::Pass(())))
            .await
            .unwrap();
        assert_eq!(ok, Ok(()));
        for _ in 0..2 {
            let r = attempt(&s, account("a"), async || {
                Ok(Verdict::<()>::Fail(Failure::InvalidCode))
            })
            .await
            .unwrap();
            assert_eq!(r, Err(Failure::InvalidCode), "counting from zero again");
        }
    }

    #[test]
    fn generic_mode_hides_by_kind() {
        let plain = security(|_| {});
        let generic = security(|c| c.return_generic_responses = true);
        for f in [
            Failure::UnknownIdentity,
            Failure::InvalidPassword,
            Failure::Disabled,
            Failure::Unconfirmed,
            Failure::Locked { retry_after: 60 },
        ] {
            assert!(f.reveals_account());
            assert_eq!(f.field(&generic, "email", "password"), "");
            assert_eq!(f.shown(&generic).id(), Msg::GenericAuthnFailed);
            assert_eq!(f.shown(&plain), f.message());
        }
        let limited = Failure::RateLimited { retry_after: 9 };
        assert!(!limited.reveals_account());
        assert_eq!(limited.shown(&generic).id(), Msg::RateLimited);
        assert_eq!(
            Failure::UnknownIdentity.field(&plain, "email", "password"),
            "email"
        );
        assert_eq!(
            Failure::InvalidPassword.field(&plain, "email", "password"),
            "password"
        );
    }

    #[tokio::test]
    async fn create_applies_the_registration_rules() {
        let s = security(|_| {});
        let accounts = s.accounts();
        let new = |email: &str, password: &str| NewAccount {
            email: email.to_owned(),
            username: None,
            password: password.to_owned(),
            active: true,
            confirmed: false,
        };
        let ann = accounts
            .create(new("Ann@Example.COM", "ann password 1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ann.email, "Ann@example.com", "normalised");
        let refused = accounts
            .create(new("ANN@example.com", "ann password 1"))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(refused.field, "email");
        let refused = accounts
            .create(new("bob@example.com", "short"))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(refused.field, "password");
        let refused = accounts
            .create(new("not an address", "bob password 1"))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(refused.field, "email");
        let refused = accounts
            .create(NewAccount {
                username: Some("bobby".into()),
                ..new("bob@example.com", "bob password 1")
            })
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(
            (refused.field, refused.messages[0].id()),
            ("username", Msg::UsernameNotEnabled)
        );
    }

    #[tokio::test]
    async fn replacing_a_password_rotates_the_uniquifier() {
        let s = security(|_| {});
        let accounts = s.accounts();
        let user = accounts
            .create(NewAccount {
                email: "cy@example.com".into(),
                username: None,
                password: "cy password 1".into(),
                active: true,
                confirmed: true,
            })
            .await
            .unwrap()
            .unwrap();
        let after = accounts
            .replace_password(&user, "cy password 2".into(), PasswordReplaced::Changed)
            .await
            .unwrap();
        assert_ne!(after.fs_uniquifier, user.fs_uniquifier);
        assert_ne!(after.password, user.password);
        let (changed, _) = accounts.set_active(&after, false).await.unwrap();
        assert!(changed);
        let (changed, _) = accounts.set_active(&after, false).await.unwrap();
        assert!(!changed, "already inactive");
    }
}

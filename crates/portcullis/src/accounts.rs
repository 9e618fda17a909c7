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

use std::borrow::Cow;

use portcullis_core::User;
use portcullis_core::crypto::password::Verification;
use portcullis_core::events::Event;
use portcullis_core::policy::{Refusal, account_key};

use crate::Security;
use crate::error::Result;
use crate::messages as msg;

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
    pub fn message(self) -> Cow<'static, str> {
        match self {
            Self::UnknownIdentity => msg::USER_DOES_NOT_EXIST.into(),
            Self::InvalidPassword => msg::INVALID_PASSWORD.into(),
            Self::InvalidPasscode => msg::INVALID_PASSWORD_CODE.into(),
            Self::InvalidCode => msg::INVALID_CODE.into(),
            Self::CodeUsed => msg::CODE_ALREADY_USED.into(),
            Self::InvalidRecoveryCode => msg::INVALID_RECOVERY_CODE.into(),
            Self::Disabled => msg::DISABLED_ACCOUNT.into(),
            Self::Unconfirmed => msg::CONFIRMATION_REQUIRED.into(),
            Self::Locked { retry_after } => msg::account_locked(retry_after).into(),
            Self::RateLimited { .. } => msg::RATE_LIMITED.into(),
        }
    }

    /// The message, or the generic one when generic responses are on and it would reveal
    /// something about the account.
    pub(crate) fn shown(self, security: &Security) -> Cow<'static, str> {
        if security.config().return_generic_responses && self.reveals_account() {
            msg::GENERIC_AUTHN_FAILED.into()
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
}

impl<'a> Attempt<'a> {
    /// An attempt on a known user's account.
    pub(crate) fn on(user: &User, address: Option<&'a str>) -> Self {
        Self {
            account: account_key(Some(user.id), &user.email),
            address,
            decoy: None,
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
            throttle.succeeded(slot, security.clock().unix()).await?;
            Ok(Ok(value))
        }
        Verdict::Fail(failure) => {
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
        ..Attempt::on(user, address)
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
        let found = match attr.as_str() {
            "email" => match normalize_email(ident) {
                Some(email) => store.user_by_email(&email).await?,
                None => None,
            },
            "username" => store.user_by_username(ident.trim()).await?,
            "us_phone_number" => {
                match portcullis_core::policy::normalize_phone(
                    ident,
                    &security.config().phone_region_default,
                ) {
                    Some(e164) => store.user_by_phone(&e164).await?,
                    None => None,
                }
            }
            _ => None,
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

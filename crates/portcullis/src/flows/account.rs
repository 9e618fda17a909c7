//! Account logic shared by the flows (no HTTP): identity lookup, confirmation rule, hash
//! upgrade, password policy, sign-in bookkeeping.

use portcullis_core::User;
use portcullis_core::events::Event;

use crate::Security;
use crate::error::Result;

pub(crate) use portcullis_core::policy::normalize_email;

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

/// Brute-force protection over the datastore's counters.
pub(crate) fn throttle(
    security: &Security,
) -> portcullis_core::policy::Throttle<'_, dyn portcullis_core::Store> {
    portcullis_core::policy::Throttle::new(
        security.store().as_ref(),
        security.config().throttle_rules(),
    )
}

/// Count a failed sign-in for `account` from `address`; emits the lockout event.
pub(crate) async fn record_failure(
    security: &Security,
    account: &str,
    address: Option<&str>,
) -> Result<()> {
    let now = security.clock().unix();
    let failure = throttle(security).failure(account, address, now).await?;
    if let Some(seconds) = failure.locked_for {
        security.emit(Event::AccountLocked {
            account: account.to_owned(),
            seconds,
        });
    }
    if failure.address_limited
        && let Some(address) = address
    {
        security.emit(Event::RateLimited {
            address: address.to_owned(),
        });
    }
    Ok(())
}

/// Why a password attempt may not even be checked.
pub(crate) enum Blocked {
    /// Too many failures from this client address: 429 for this many seconds.
    RateLimited(i64),
    /// The account is locked: the field error to show.
    Locked(String),
}

/// Brute-force gate before checking a password. When the account is locked, the hashing work
/// a real check costs is done anyway, so the answer's timing reveals nothing.
pub(crate) async fn gate(
    security: &Security,
    account: &str,
    address: Option<&str>,
    password: &str,
) -> Result<Option<Blocked>> {
    use portcullis_core::policy::Gate;
    match throttle(security)
        .check(account, address, security.clock().unix())
        .await?
    {
        Gate::Open => Ok(None),
        Gate::AddressLimited { retry_after } => Ok(Some(Blocked::RateLimited(retry_after))),
        Gate::AccountLocked { retry_after } => {
            security
                .hash_pool()
                .dummy_verify(password.to_owned())
                .await?;
            Ok(Some(Blocked::Locked(crate::messages::account_locked(
                retry_after,
            ))))
        }
    }
}

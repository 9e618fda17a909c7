//! Object-safe async datastore traits, an in-memory implementation, and the conformance suite
//! every backend must pass (see [`crate::store_conformance_tests`]).

mod cached;
mod columns;
mod memory;
mod split;

use async_trait::async_trait;
use time::OffsetDateTime;

pub use crate::model::UserChange;
pub use cached::{CachedStore, Deliver, Invalidation, InvalidationBus};
pub use columns::{Column, ColumnSource, ColumnValue};
pub use memory::MemoryStore;
pub use split::SplitStore;

use crate::model::{NewUser, NewWebAuthn, Role, SessionRecord, User, WebAuthn, WebAuthnUse};

/// Errors a datastore can report.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated (field named when known).
    #[error("{0} is already in use")]
    Conflict(&'static str),
    /// The row to update does not exist.
    #[error("not found")]
    NotFound,
    /// The backend is unreachable or failed.
    #[error("datastore unavailable: {0}")]
    Unavailable(String),
    /// Anything else (bad data in the store, driver errors).
    #[error("datastore error: {0}")]
    Backend(String),
}

/// Result alias for store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// How to find a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKey<'a> {
    /// By primary key.
    Id(i64),
    /// By `fs_uniquifier` (exact).
    Uniquifier(&'a str),
    /// By `fs_token_uniquifier` if set on the user, else `fs_uniquifier` (exact).
    TokenUniquifier(&'a str),
    /// By email, ignoring case; of several that differ only in case (a database written by
    /// Flask-Security may hold them), the exact spelling, else the oldest.
    Email(&'a str),
    /// By username, ignoring case, as `Email`.
    Username(&'a str),
    /// By unified sign-in phone number (E.164, exact).
    Phone(&'a str),
}

/// The optimistic check of an [`UserStore::update_user`]: the change is written only if it
/// holds, checked in the same statement (so of two racing requests one wins).
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Guard {
    /// Always write.
    #[default]
    Always,
    /// Only while the password hash is still this one (a re-hash at sign-in must not overwrite
    /// a concurrent change).
    Password(String),
    /// Only while the recovery codes are still exactly these (a code used by two requests at
    /// once is accepted once; a stored empty string counts as the empty list, as
    /// Flask-Security reads it).
    RecoveryCodes(Vec<String>),
    /// Only when the change's `active` differs from the stored value (so the caller learns
    /// whether it changed anything).
    ActiveChanges,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Always => "Always",
            Self::Password(_) => "Password(..)",
            Self::RecoveryCodes(_) => "RecoveryCodes(..)",
            Self::ActiveChanges => "ActiveChanges",
        })
    }
}

/// Users.
///
/// A backend implements five methods: [`create_user`](UserStore::create_user),
/// [`find_user`](UserStore::find_user), [`update_user`](UserStore::update_user),
/// [`record_login`](UserStore::record_login) and [`count_users`](UserStore::count_users); the
/// rest are conveniences over them. Contracts:
///
/// - emails and usernames are unique ignoring case, under concurrency as strictly (of two
///   racing creations or changes to `Ann@x` and `ann@x`, one gets `Conflict`); phone numbers
///   are unique;
/// - `update_user` and `record_login` report `NotFound` for an unknown id, whatever else;
/// - times keep microseconds.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Insert a user; `Conflict("email")`/`Conflict("username")` when taken (case-insensitive).
    async fn create_user(&self, new: NewUser) -> StoreResult<User>;
    /// The user `key` names, if any.
    async fn find_user(&self, key: UserKey<'_>) -> StoreResult<Option<User>>;
    /// Apply `change` to user `id` if `guard` holds, setting `update_datetime` to `now`.
    /// Returns whether it was written (`false`: the guard did not hold). `NotFound` for an
    /// unknown id; `Conflict(field)` when a new email, username or phone number is another
    /// user's.
    async fn update_user(
        &self,
        id: i64,
        change: &UserChange,
        guard: &Guard,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Login tracking, atomically: last := current, current := (at, ip), login_count += 1.
    async fn record_login(
        &self,
        user_id: i64,
        at: OffsetDateTime,
        ip: Option<&str>,
    ) -> StoreResult<()>;
    /// Number of users.
    async fn count_users(&self) -> StoreResult<u64>;
    /// Up to `limit` users with an id above `after`, by id (a page of `users list`).
    async fn list_users(&self, after: i64, limit: u32) -> StoreResult<Vec<User>>;

    /// [`UserKey::Uniquifier`], shared: caching stores hand out the cached value without
    /// copying it (the per-request lookup of session authentication).
    async fn user_by_uniquifier_shared(
        &self,
        uniquifier: &str,
    ) -> StoreResult<Option<std::sync::Arc<User>>> {
        Ok(self
            .find_user(UserKey::Uniquifier(uniquifier))
            .await?
            .map(std::sync::Arc::new))
    }
    /// [`UserKey::TokenUniquifier`], shared (the per-request lookup of token authentication).
    async fn user_by_token_uniquifier_shared(
        &self,
        uniquifier: &str,
    ) -> StoreResult<Option<std::sync::Arc<User>>> {
        Ok(self
            .find_user(UserKey::TokenUniquifier(uniquifier))
            .await?
            .map(std::sync::Arc::new))
    }

    // --- conveniences over find_user / update_user -------------------------------------------

    /// By primary key.
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
        self.find_user(UserKey::Id(id)).await
    }
    /// By `fs_uniquifier` (exact).
    async fn user_by_uniquifier(&self, uniquifier: &str) -> StoreResult<Option<User>> {
        self.find_user(UserKey::Uniquifier(uniquifier)).await
    }
    /// By `fs_token_uniquifier` if set on the user, else `fs_uniquifier` (exact).
    async fn user_by_token_uniquifier(&self, uniquifier: &str) -> StoreResult<Option<User>> {
        self.find_user(UserKey::TokenUniquifier(uniquifier)).await
    }
    /// By email, case-insensitively.
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.find_user(UserKey::Email(email)).await
    }
    /// By username, case-insensitively.
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.find_user(UserKey::Username(username)).await
    }
    /// By unified sign-in phone number (E.164, exact).
    async fn user_by_phone(&self, e164: &str) -> StoreResult<Option<User>> {
        self.find_user(UserKey::Phone(e164)).await
    }
    /// Replace the email (change-email confirmed) and set `confirmed_at` (the new address was
    /// just proven).
    async fn set_email(
        &self,
        user_id: i64,
        email: &str,
        confirmed_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let change = UserChange {
            email: Some(email.to_owned()),
            confirmed_at: Some(confirmed_at),
            ..UserChange::default()
        };
        self.update_user(user_id, &change, &Guard::Always, now)
            .await
            .map(drop)
    }
    /// Set or clear the username. Any number of users may have none.
    async fn set_username(
        &self,
        user_id: i64,
        username: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let change = UserChange {
            username: Some(username.map(str::to_owned)),
            ..UserChange::default()
        };
        self.update_user(user_id, &change, &Guard::Always, now)
            .await
            .map(drop)
    }
    /// Set the two-factor fields together; `None` clears a field.
    async fn set_two_factor(
        &self,
        user_id: i64,
        method: Option<&str>,
        totp_secret: Option<&str>,
        phone: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let change = UserChange {
            tf_primary_method: Some(method.map(str::to_owned)),
            tf_totp_secret: Some(totp_secret.map(str::to_owned)),
            tf_phone_number: Some(phone.map(str::to_owned)),
            ..UserChange::default()
        };
        self.update_user(user_id, &change, &Guard::Always, now)
            .await
            .map(drop)
    }
    /// Set or clear the unified sign-in secrets.
    async fn set_us_totp_secrets(
        &self,
        user_id: i64,
        secrets: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let change = UserChange {
            us_totp_secrets: Some(secrets.map(str::to_owned)),
            ..UserChange::default()
        };
        self.update_user(user_id, &change, &Guard::Always, now)
            .await
            .map(drop)
    }
    /// Replace the recovery codes; with `expected`, only if the stored list is still exactly
    /// that ([`Guard::RecoveryCodes`]). Returns whether it was replaced.
    async fn set_recovery_codes(
        &self,
        user_id: i64,
        expected: Option<&[String]>,
        codes: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let change = UserChange {
            mf_recovery_codes: Some(crate::model::asa_list(codes)?),
            ..UserChange::default()
        };
        let guard = expected.map_or(Guard::Always, |e| Guard::RecoveryCodes(e.to_vec()));
        self.update_user(user_id, &change, &guard, now).await
    }
    /// Set or clear the unified sign-in phone number (an identity: unique, `Conflict`).
    async fn set_phone(
        &self,
        user_id: i64,
        e164: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let change = UserChange {
            us_phone_number: Some(e164.map(str::to_owned)),
            ..UserChange::default()
        };
        self.update_user(user_id, &change, &Guard::Always, now)
            .await
            .map(drop)
    }
    /// Replace the password hash; with `new_uniquifier`, rotate `fs_uniquifier` too.
    async fn set_password(
        &self,
        user_id: i64,
        hash: Option<&str>,
        new_uniquifier: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let change = UserChange {
            password: Some(hash.map(str::to_owned)),
            fs_uniquifier: new_uniquifier.map(str::to_owned),
            ..UserChange::default()
        };
        self.update_user(user_id, &change, &Guard::Always, now)
            .await
            .map(drop)
    }
    /// Replace the password hash only if it is still `expected` ([`Guard::Password`]).
    async fn upgrade_password(
        &self,
        user_id: i64,
        expected: &str,
        hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let change = UserChange {
            password: Some(Some(hash.to_owned())),
            ..UserChange::default()
        };
        self.update_user(user_id, &change, &Guard::Password(expected.to_owned()), now)
            .await
    }
    /// Rotate `fs_uniquifier`: ends every session and token.
    async fn set_uniquifier(
        &self,
        user_id: i64,
        uniquifier: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let change = UserChange {
            fs_uniquifier: Some(uniquifier.to_owned()),
            ..UserChange::default()
        };
        self.update_user(user_id, &change, &Guard::Always, now)
            .await
            .map(drop)
    }
    /// Activate or deactivate. Returns whether the value changed.
    async fn set_active(
        &self,
        user_id: i64,
        active: bool,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let change = UserChange {
            active: Some(active),
            ..UserChange::default()
        };
        self.update_user(user_id, &change, &Guard::ActiveChanges, now)
            .await
    }
    /// Set or clear `confirmed_at`.
    async fn set_confirmed_at(
        &self,
        user_id: i64,
        at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let change = UserChange {
            confirmed_at: Some(at),
            ..UserChange::default()
        };
        self.update_user(user_id, &change, &Guard::Always, now)
            .await
            .map(drop)
    }
    /// Clear second-factor and unified sign-in state (used by `reset-access`).
    async fn clear_mfa(&self, user_id: i64, now: OffsetDateTime) -> StoreResult<()> {
        let change = UserChange {
            tf_primary_method: Some(None),
            tf_totp_secret: Some(None),
            tf_phone_number: Some(None),
            us_totp_secrets: Some(None),
            us_phone_number: Some(None),
            mf_recovery_codes: Some(None),
            ..UserChange::default()
        };
        self.update_user(user_id, &change, &Guard::Always, now)
            .await
            .map(drop)
    }
}

/// Roles and their assignment to users.
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// Create a role; `Conflict("name")` when it exists.
    async fn create_role(
        &self,
        name: &str,
        description: Option<&str>,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<Role>;
    /// By name (exact).
    async fn role_by_name(&self, name: &str) -> StoreResult<Option<Role>>;
    /// All roles, by name.
    async fn list_roles(&self) -> StoreResult<Vec<Role>>;
    /// Replace a role's permissions.
    async fn set_role_permissions(
        &self,
        role_id: i64,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Give a user a role. Returns false if the user already had it.
    async fn add_role_to_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool>;
    /// Take a role from a user. Returns false if the user did not have it.
    async fn remove_role_from_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool>;
    /// The user's roles, by name.
    async fn roles_of_user(&self, user_id: i64) -> StoreResult<Vec<Role>>;
    /// [`RoleStore::roles_of_user`], shared: caching stores hand out the cached list without
    /// copying it (the per-request lookup of role guards and `/auth/check`).
    async fn roles_of_user_shared(&self, user_id: i64) -> StoreResult<std::sync::Arc<Vec<Role>>> {
        Ok(std::sync::Arc::new(self.roles_of_user(user_id).await?))
    }
}

/// Server-side sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Insert a new session. Returns false (and changes nothing) if the id already exists.
    async fn create_session(&self, record: &SessionRecord) -> StoreResult<bool>;
    /// Load a live session (expired ones are treated as absent).
    async fn load_session(
        &self,
        id_hash: &str,
        now_unix: i64,
    ) -> StoreResult<Option<SessionRecord>>;
    /// Update an existing session. Never inserts: returns false when the record is gone (logged
    /// out or revoked meanwhile), so a request in flight cannot bring a session back.
    async fn save_session(&self, record: &SessionRecord) -> StoreResult<bool>;
    /// Delete one session.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Delete every session of a user (by `fs_uniquifier`). Returns how many.
    async fn delete_user_sessions(&self, user_uniquifier: &str) -> StoreResult<u64>;
    /// Delete expired sessions. Returns how many.
    async fn delete_expired_sessions(&self, now_unix: i64) -> StoreResult<u64>;
    /// Number of live sessions.
    async fn count_sessions(&self, now_unix: i64) -> StoreResult<u64>;
}

/// Expiring counters: failed sign-ins per account and per client address (brute-force
/// protection). Each operation is atomic; the shapes map onto Redis `INCR`/`EXPIRE`/`DEL`.
#[async_trait]
pub trait CounterStore: Send + Sync {
    /// Add one to `key` and return the new value and its expiry. An absent or expired counter
    /// starts at 0 and expires at `now_unix + ttl_secs`; an existing one keeps its expiry.
    async fn incr_counter(
        &self,
        key: &str,
        ttl_secs: i64,
        now_unix: i64,
    ) -> StoreResult<(u64, i64)>;
    /// Give one back: subtract one from a live counter, never below zero; an absent or
    /// expired counter stays as it is. (A reserved attempt that turned out not to count.)
    async fn release_counter(&self, key: &str, now_unix: i64) -> StoreResult<()>;
    /// A live counter's value and expiry.
    async fn get_counter(&self, key: &str, now_unix: i64) -> StoreResult<Option<(u64, i64)>>;
    /// Set a counter (replacing any) to `value`, expiring at `expires_at`.
    async fn set_counter(&self, key: &str, value: u64, expires_at: i64) -> StoreResult<()>;
    /// Remove counters.
    async fn delete_counters(&self, keys: &[&str]) -> StoreResult<()>;
}

/// WebAuthn credentials (Flask-Security's `web_authn` table). Contracts: a credential id is
/// registered once among all users and a name once per user, under concurrency as strictly;
/// a use is recorded only while the stored counter is still the one the assertion was checked
/// against, so of two racing uses of one signature one wins.
#[async_trait]
pub trait WebAuthnStore: Send + Sync {
    /// Register a credential; `Conflict("credential_id")` when the id is anyone's,
    /// `Conflict("name")` when the user has one of that name.
    async fn add_webauthn(&self, new: NewWebAuthn) -> StoreResult<WebAuthn>;
    /// By raw credential id.
    async fn webauthn_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<WebAuthn>>;
    /// A user's credentials, oldest first.
    async fn webauthn_of_user(&self, user_id: i64) -> StoreResult<Vec<WebAuthn>>;
    /// Record a use of credential `id` if its stored counter is still `seen_sign_count`.
    /// Returns whether it was written.
    async fn record_webauthn_use(
        &self,
        id: i64,
        seen_sign_count: i64,
        used: &WebAuthnUse,
    ) -> StoreResult<bool>;
    /// Rename one of the user's credentials; `Conflict("name")` when the name is taken.
    /// Returns false when the user has no credential `id`.
    async fn rename_webauthn(&self, user_id: i64, id: i64, name: &str) -> StoreResult<bool>;
    /// Delete one of the user's credentials. Returns false when there was none.
    async fn delete_webauthn(&self, user_id: i64, id: i64) -> StoreResult<bool>;
    /// Delete all of a user's credentials (`reset-access`). Returns how many.
    async fn delete_user_webauthn(&self, user_id: i64) -> StoreResult<u64>;
}

/// Everything portcullis needs from a datastore.
pub trait Store:
    UserStore + RoleStore + SessionStore + CounterStore + WebAuthnStore + std::fmt::Debug + 'static
{
}

impl<T> Store for T where
    T: UserStore
        + RoleStore
        + SessionStore
        + CounterStore
        + WebAuthnStore
        + std::fmt::Debug
        + 'static
{
}

/// The store conformance suite. Backends run it with [`crate::store_conformance_tests`].
#[cfg(feature = "conformance")]
pub mod conformance;

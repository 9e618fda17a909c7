//! Object-safe async datastore traits, an in-memory implementation, and the conformance suite
//! every backend must pass (see [`crate::store_conformance_tests`]).

mod cached;
mod memory;
mod split;

use async_trait::async_trait;
use time::OffsetDateTime;

pub use cached::CachedStore;
pub use memory::MemoryStore;
pub use split::SplitStore;

use crate::model::{NewUser, Role, SessionRecord, User};

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

/// Users.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Insert a user; `Conflict("email")`/`Conflict("username")` when taken (case-insensitive).
    async fn create_user(&self, new: NewUser) -> StoreResult<User>;
    /// By primary key.
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>>;
    /// By `fs_uniquifier` (exact).
    async fn user_by_uniquifier(&self, uniquifier: &str) -> StoreResult<Option<User>>;
    /// By `fs_token_uniquifier` if set on the user, else `fs_uniquifier` (exact).
    async fn user_by_token_uniquifier(&self, uniquifier: &str) -> StoreResult<Option<User>>;
    /// [`UserStore::user_by_uniquifier`], shared: caching stores hand out the cached value
    /// without copying it (the per-request lookup of session authentication).
    async fn user_by_uniquifier_shared(
        &self,
        uniquifier: &str,
    ) -> StoreResult<Option<std::sync::Arc<User>>> {
        Ok(self
            .user_by_uniquifier(uniquifier)
            .await?
            .map(std::sync::Arc::new))
    }
    /// [`UserStore::user_by_token_uniquifier`], shared (the per-request lookup of token
    /// authentication).
    async fn user_by_token_uniquifier_shared(
        &self,
        uniquifier: &str,
    ) -> StoreResult<Option<std::sync::Arc<User>>> {
        Ok(self
            .user_by_token_uniquifier(uniquifier)
            .await?
            .map(std::sync::Arc::new))
    }
    /// By email, case-insensitively.
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// By username, case-insensitively.
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>>;
    /// By unified sign-in phone number (E.164, exact).
    async fn user_by_phone(&self, e164: &str) -> StoreResult<Option<User>>;
    /// Replace the email (change-email confirmed) and set `confirmed_at` to `confirmed_at` (the
    /// new address was just proven). `NotFound` for an unknown id (whatever the address);
    /// `Conflict("email")` when another user has the address, ignoring case as
    /// [`UserStore::create_user`] does, and under concurrency as strictly (a racing
    /// `create_user` or `set_email` for the same address in any case cannot also succeed). A
    /// user may change the case of their own address.
    async fn set_email(
        &self,
        user_id: i64,
        email: &str,
        confirmed_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Set or clear the username. `NotFound` for an unknown id; `Conflict("username")` when
    /// another user has it, ignoring case (as [`UserStore::set_email`]). Any number of users
    /// may have none.
    async fn set_username(
        &self,
        user_id: i64,
        username: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Set the two-factor fields together (Flask-Security's `tf_primary_method`,
    /// `tf_totp_secret`, `tf_phone_number`); `None` clears a field. `NotFound` for an unknown
    /// id.
    async fn set_two_factor(
        &self,
        user_id: i64,
        method: Option<&str>,
        totp_secret: Option<&str>,
        phone: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Set or clear the unified sign-in secrets (`us_totp_secrets`: Flask-Security's JSON text
    /// `{"email": "<secret>", "authenticator": "…", "sms": "…"}`). `NotFound` for an unknown id.
    /// Read them back with [`User::us_secrets`].
    async fn set_us_totp_secrets(
        &self,
        user_id: i64,
        secrets: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Replace the recovery codes (`mf_recovery_codes`, Flask-Security's comma-joined AsaList;
    /// an empty list is stored as NULL; codes must be non-empty and contain no comma). With
    /// `expected`, only if the stored list is still exactly that (compare-and-set, so a code
    /// used by two requests at once is accepted once; a stored empty string counts as the
    /// empty list, as Flask-Security reads it); returns whether it was replaced. `NotFound` for
    /// an unknown id. Read them back with [`User::recovery_codes`].
    async fn set_recovery_codes(
        &self,
        user_id: i64,
        expected: Option<&[String]>,
        codes: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Set or clear the unified sign-in phone number (an identity: unique, `Conflict`).
    async fn set_phone(
        &self,
        user_id: i64,
        e164: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Replace the password hash; when `new_uniquifier` is given, rotate `fs_uniquifier` too
    /// (and `fs_token_uniquifier` if the user has one, to `new_uniquifier` + "t").
    async fn set_password(
        &self,
        user_id: i64,
        hash: Option<&str>,
        new_uniquifier: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Replace the password hash only if it is still `expected` (rehash on login without
    /// overwriting a concurrent change). Returns whether it was replaced.
    async fn upgrade_password(
        &self,
        user_id: i64,
        expected: &str,
        hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Rotate `fs_uniquifier` (and `fs_token_uniquifier` when set): ends every session and token.
    async fn set_uniquifier(
        &self,
        user_id: i64,
        uniquifier: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Activate or deactivate. Returns whether the value changed.
    async fn set_active(
        &self,
        user_id: i64,
        active: bool,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Set or clear `confirmed_at`.
    async fn set_confirmed_at(
        &self,
        user_id: i64,
        at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Login tracking, atomically: last := current, current := (at, ip), login_count += 1.
    async fn record_login(
        &self,
        user_id: i64,
        at: OffsetDateTime,
        ip: Option<&str>,
    ) -> StoreResult<()>;
    /// Clear second-factor and unified sign-in state (used by `reset-access`).
    async fn clear_mfa(&self, user_id: i64, now: OffsetDateTime) -> StoreResult<()>;
    /// Number of users.
    async fn count_users(&self) -> StoreResult<u64>;
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

/// Everything portcullis needs from a datastore.
pub trait Store:
    UserStore + RoleStore + SessionStore + CounterStore + std::fmt::Debug + 'static
{
}

impl<T> Store for T where
    T: UserStore + RoleStore + SessionStore + CounterStore + std::fmt::Debug + 'static
{
}

/// The store conformance suite. Backends run it with [`crate::store_conformance_tests`].
#[cfg(feature = "conformance")]
pub mod conformance;

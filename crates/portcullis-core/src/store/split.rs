//! A store assembled from parts: users and roles in one backend (the SQL database), sessions
//! and counters in another (Redis), so that several instances share short-lived state without
//! writing it to the database.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    CounterStore, Guard, RoleStore, SessionStore, Store, StoreResult, UserChange, UserKey,
    UserStore, WebAuthnStore,
};
use crate::model::{NewUser, NewWebAuthn, Role, SessionRecord, User, WebAuthn, WebAuthnUse};

/// Users and roles from `data`; sessions and counters from `shared`.
#[derive(Clone)]
pub struct SplitStore {
    data: Arc<dyn Store>,
    sessions: Arc<dyn SessionStore>,
    counters: Arc<dyn CounterStore>,
    label: String,
}

impl std::fmt::Debug for SplitStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SplitStore")
            .field("data", &self.data)
            .field("shared", &self.label)
            .finish()
    }
}

impl SplitStore {
    /// Users and roles from `data`; sessions and counters from `shared` (named `label` in
    /// debug output).
    pub fn new<S>(data: Arc<dyn Store>, shared: Arc<S>, label: impl Into<String>) -> Self
    where
        S: SessionStore + CounterStore + 'static,
    {
        Self::from_parts(data, shared.clone(), shared, label)
    }

    /// Users and roles from `data`, sessions from `sessions`, counters from `counters`.
    pub fn from_parts(
        data: Arc<dyn Store>,
        sessions: Arc<dyn SessionStore>,
        counters: Arc<dyn CounterStore>,
        label: impl Into<String>,
    ) -> Self {
        Self {
            data,
            sessions,
            counters,
            label: label.into(),
        }
    }
}

#[async_trait]
impl UserStore for SplitStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        self.data.create_user(new).await
    }
    async fn find_user(&self, key: UserKey<'_>) -> StoreResult<Option<User>> {
        self.data.find_user(key).await
    }
    async fn update_user(
        &self,
        id: i64,
        change: &UserChange,
        guard: &Guard,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.data.update_user(id, change, guard, now).await
    }
    async fn record_login(&self, id: i64, at: OffsetDateTime, ip: Option<&str>) -> StoreResult<()> {
        self.data.record_login(id, at, ip).await
    }
    async fn count_users(&self) -> StoreResult<u64> {
        self.data.count_users().await
    }
    async fn list_users(&self, after: i64, limit: u32) -> StoreResult<Vec<User>> {
        self.data.list_users(after, limit).await
    }
    async fn user_by_uniquifier_shared(&self, u: &str) -> StoreResult<Option<Arc<User>>> {
        self.data.user_by_uniquifier_shared(u).await
    }
    async fn user_by_token_uniquifier_shared(&self, u: &str) -> StoreResult<Option<Arc<User>>> {
        self.data.user_by_token_uniquifier_shared(u).await
    }
}

#[async_trait]
impl RoleStore for SplitStore {
    async fn create_role(
        &self,
        name: &str,
        description: Option<&str>,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<Role> {
        self.data
            .create_role(name, description, permissions, now)
            .await
    }
    async fn role_by_name(&self, name: &str) -> StoreResult<Option<Role>> {
        self.data.role_by_name(name).await
    }
    async fn list_roles(&self) -> StoreResult<Vec<Role>> {
        self.data.list_roles().await
    }
    async fn set_role_permissions(
        &self,
        role_id: i64,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.data
            .set_role_permissions(role_id, permissions, now)
            .await
    }
    async fn add_role_to_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        self.data.add_role_to_user(user_id, role_id).await
    }
    async fn remove_role_from_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        self.data.remove_role_from_user(user_id, role_id).await
    }
    async fn roles_of_user(&self, user_id: i64) -> StoreResult<Vec<Role>> {
        self.data.roles_of_user(user_id).await
    }
}

#[async_trait]
impl SessionStore for SplitStore {
    async fn create_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        self.sessions.create_session(record).await
    }
    async fn load_session(&self, id_hash: &str, now: i64) -> StoreResult<Option<SessionRecord>> {
        self.sessions.load_session(id_hash, now).await
    }
    async fn save_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        self.sessions.save_session(record).await
    }
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        self.sessions.delete_session(id_hash).await
    }
    async fn delete_user_sessions(&self, user_uniquifier: &str) -> StoreResult<u64> {
        self.sessions.delete_user_sessions(user_uniquifier).await
    }
    async fn delete_expired_sessions(&self, now: i64) -> StoreResult<u64> {
        self.sessions.delete_expired_sessions(now).await
    }
    async fn count_sessions(&self, now: i64) -> StoreResult<u64> {
        self.sessions.count_sessions(now).await
    }
}

#[async_trait]
impl CounterStore for SplitStore {
    async fn incr_counter(&self, key: &str, ttl: i64, now: i64) -> StoreResult<(u64, i64)> {
        self.counters.incr_counter(key, ttl, now).await
    }
    async fn release_counter(&self, key: &str, now: i64) -> StoreResult<()> {
        self.counters.release_counter(key, now).await
    }
    async fn get_counter(&self, key: &str, now: i64) -> StoreResult<Option<(u64, i64)>> {
        self.counters.get_counter(key, now).await
    }
    async fn set_counter(&self, key: &str, value: u64, expires_at: i64) -> StoreResult<()> {
        self.counters.set_counter(key, value, expires_at).await
    }
    async fn delete_counters(&self, keys: &[&str]) -> StoreResult<()> {
        self.counters.delete_counters(keys).await
    }
}

/// Credentials live with the users, in `data`.
#[async_trait]
impl WebAuthnStore for SplitStore {
    async fn add_webauthn(&self, new: NewWebAuthn) -> StoreResult<WebAuthn> {
        self.data.add_webauthn(new).await
    }
    async fn webauthn_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<WebAuthn>> {
        self.data.webauthn_by_credential_id(credential_id).await
    }
    async fn webauthn_of_user(&self, user_id: i64) -> StoreResult<Vec<WebAuthn>> {
        self.data.webauthn_of_user(user_id).await
    }
    async fn record_webauthn_use(
        &self,
        id: i64,
        seen_sign_count: i64,
        used: &WebAuthnUse,
    ) -> StoreResult<bool> {
        self.data
            .record_webauthn_use(id, seen_sign_count, used)
            .await
    }
    async fn rename_webauthn(&self, user_id: i64, id: i64, name: &str) -> StoreResult<bool> {
        self.data.rename_webauthn(user_id, id, name).await
    }
    async fn delete_webauthn(&self, user_id: i64, id: i64) -> StoreResult<bool> {
        self.data.delete_webauthn(user_id, id).await
    }
    async fn delete_user_webauthn(&self, user_id: i64) -> StoreResult<u64> {
        self.data.delete_user_webauthn(user_id).await
    }
}

//! [`CachedStore`]: a read-through cache in front of any [`Store`] for the lookups every
//! authenticated request makes (user by uniquifier, session by id, roles of a user).
//!
//! Every write made through the cache updates or clears it at once, so changes made by this
//! process (logout, password change, `reset-access`, deactivation, role changes) take effect on
//! the next request. Changes made by another process or instance writing to the same database
//! are seen once an entry is older than the time-to-live (`cache_ttl`, 1 s by default; 0 turns
//! the cache off). The cache is bounded: past `capacity` entries a map is cleared.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    CounterStore, Guard, RoleStore, SessionStore, Store, StoreResult, UserChange, UserKey,
    UserStore, WebAuthnStore,
};
use crate::model::{NewUser, NewWebAuthn, Role, SessionRecord, User, WebAuthn, WebAuthnUse};

/// Entries (with the time they were stored) and a generation bumped by every invalidation, so a
/// read that started before an invalidation cannot put its (possibly stale) result back.
type Entries<K, V> = (HashMap<K, (Instant, V)>, u64);

struct Map<K, V> {
    inner: Mutex<Entries<K, V>>,
}

impl<K: Eq + Hash, V: Clone> Map<K, V> {
    fn new() -> Self {
        Self {
            inner: Mutex::new((HashMap::new(), 0)),
        }
    }

    fn get(&self, key: &K, ttl: Duration) -> Option<V> {
        let inner = self.inner.lock().ok()?;
        let (at, v) = inner.0.get(key)?;
        (at.elapsed() < ttl).then(|| v.clone())
    }

    fn generation(&self) -> u64 {
        self.inner.lock().map(|i| i.1).unwrap_or(u64::MAX)
    }

    /// Insert a value read from the store, unless an invalidation happened since `generation`.
    fn put_read(&self, key: K, value: V, capacity: usize, generation: u64) {
        if let Ok(mut inner) = self.inner.lock()
            && inner.1 == generation
        {
            if inner.0.len() >= capacity {
                inner.0.clear();
            }
            inner.0.insert(key, (Instant::now(), value));
        }
    }

    /// Insert a value this process just wrote.
    fn put_written(&self, key: K, value: V, capacity: usize) {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.0.len() >= capacity {
                inner.0.clear();
            }
            inner.0.insert(key, (Instant::now(), value));
            inner.1 = inner.1.wrapping_add(1);
        }
    }

    fn remove(&self, key: &K) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.0.remove(key);
            inner.1 = inner.1.wrapping_add(1);
        }
    }

    fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.0.clear();
            inner.1 = inner.1.wrapping_add(1);
        }
    }
}

/// A caching wrapper around a [`Store`].
pub struct CachedStore {
    inner: Arc<dyn Store>,
    ttl: Duration,
    capacity: usize,
    by_uniquifier: Map<String, Option<Arc<User>>>,
    by_token_uniquifier: Map<String, Option<Arc<User>>>,
    sessions: Map<String, Option<SessionRecord>>,
    roles: Map<i64, Vec<Role>>,
}

impl std::fmt::Debug for CachedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedStore")
            .field("inner", &self.inner)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl CachedStore {
    /// Cache `inner`'s hot reads for `ttl`, keeping at most `capacity` entries per map.
    pub fn new(inner: Arc<dyn Store>, ttl: Duration, capacity: usize) -> Self {
        Self {
            inner,
            ttl,
            capacity: capacity.max(1),
            by_uniquifier: Map::new(),
            by_token_uniquifier: Map::new(),
            sessions: Map::new(),
            roles: Map::new(),
        }
    }

    /// The wrapped store.
    pub fn inner(&self) -> &Arc<dyn Store> {
        &self.inner
    }

    fn users_changed(&self) {
        self.by_uniquifier.clear();
        self.by_token_uniquifier.clear();
    }
}

#[async_trait]
impl UserStore for CachedStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        let r = self.inner.create_user(new).await;
        self.users_changed();
        r
    }
    async fn find_user(&self, key: UserKey<'_>) -> StoreResult<Option<User>> {
        let shared = match key {
            UserKey::Uniquifier(q) => self.user_by_uniquifier_shared(q).await?,
            UserKey::TokenUniquifier(q) => self.user_by_token_uniquifier_shared(q).await?,
            _ => return self.inner.find_user(key).await,
        };
        Ok(shared.map(|u| (*u).clone()))
    }
    async fn update_user(
        &self,
        id: i64,
        change: &UserChange,
        guard: &Guard,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        // Cached users carry every column: drop them all (the generation bump keeps a lookup
        // already in flight from putting the old user back).
        let r = self.inner.update_user(id, change, guard, now).await;
        self.users_changed();
        r
    }
    async fn record_login(
        &self,
        user_id: i64,
        at: OffsetDateTime,
        ip: Option<&str>,
    ) -> StoreResult<()> {
        // Login tracking is not read on the request path: cached users may keep the old
        // values for the TTL.
        self.inner.record_login(user_id, at, ip).await
    }
    async fn count_users(&self) -> StoreResult<u64> {
        self.inner.count_users().await
    }
    async fn list_users(&self, after: i64, limit: u32) -> StoreResult<Vec<User>> {
        self.inner.list_users(after, limit).await
    }
    async fn user_by_uniquifier_shared(&self, uniquifier: &str) -> StoreResult<Option<Arc<User>>> {
        let key = uniquifier.to_owned();
        if let Some(hit) = self.by_uniquifier.get(&key, self.ttl) {
            return Ok(hit);
        }
        let generation = self.by_uniquifier.generation();
        let found = self
            .inner
            .user_by_uniquifier(uniquifier)
            .await?
            .map(Arc::new);
        self.by_uniquifier
            .put_read(key, found.clone(), self.capacity, generation);
        Ok(found)
    }
    async fn user_by_token_uniquifier_shared(
        &self,
        uniquifier: &str,
    ) -> StoreResult<Option<Arc<User>>> {
        let key = uniquifier.to_owned();
        if let Some(hit) = self.by_token_uniquifier.get(&key, self.ttl) {
            return Ok(hit);
        }
        let generation = self.by_token_uniquifier.generation();
        let found = self
            .inner
            .user_by_token_uniquifier(uniquifier)
            .await?
            .map(Arc::new);
        self.by_token_uniquifier
            .put_read(key, found.clone(), self.capacity, generation);
        Ok(found)
    }
}

#[async_trait]
impl RoleStore for CachedStore {
    async fn create_role(
        &self,
        name: &str,
        description: Option<&str>,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<Role> {
        let r = self
            .inner
            .create_role(name, description, permissions, now)
            .await;
        self.roles.clear();
        r
    }
    async fn role_by_name(&self, name: &str) -> StoreResult<Option<Role>> {
        self.inner.role_by_name(name).await
    }
    async fn list_roles(&self) -> StoreResult<Vec<Role>> {
        self.inner.list_roles().await
    }
    async fn set_role_permissions(
        &self,
        role_id: i64,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let r = self
            .inner
            .set_role_permissions(role_id, permissions, now)
            .await;
        self.roles.clear();
        r
    }
    async fn add_role_to_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        let r = self.inner.add_role_to_user(user_id, role_id).await;
        self.roles.remove(&user_id);
        r
    }
    async fn remove_role_from_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        let r = self.inner.remove_role_from_user(user_id, role_id).await;
        self.roles.remove(&user_id);
        r
    }
    async fn roles_of_user(&self, user_id: i64) -> StoreResult<Vec<Role>> {
        if let Some(hit) = self.roles.get(&user_id, self.ttl) {
            return Ok(hit);
        }
        let generation = self.roles.generation();
        let roles = self.inner.roles_of_user(user_id).await?;
        self.roles
            .put_read(user_id, roles.clone(), self.capacity, generation);
        Ok(roles)
    }
}

#[async_trait]
impl SessionStore for CachedStore {
    async fn create_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        let created = self.inner.create_session(record).await?;
        if created {
            self.sessions
                .put_written(record.id_hash.clone(), Some(record.clone()), self.capacity);
        }
        Ok(created)
    }
    async fn load_session(
        &self,
        id_hash: &str,
        now_unix: i64,
    ) -> StoreResult<Option<SessionRecord>> {
        let key = id_hash.to_owned();
        if let Some(hit) = self.sessions.get(&key, self.ttl) {
            return Ok(hit.filter(|r| r.expires_at > now_unix));
        }
        let generation = self.sessions.generation();
        let found = self.inner.load_session(id_hash, now_unix).await?;
        self.sessions
            .put_read(key, found.clone(), self.capacity, generation);
        Ok(found)
    }
    async fn save_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        let saved = self.inner.save_session(record).await;
        match &saved {
            Ok(true) => self.sessions.put_written(
                record.id_hash.clone(),
                Some(record.clone()),
                self.capacity,
            ),
            _ => self.sessions.remove(&record.id_hash),
        }
        saved
    }
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let r = self.inner.delete_session(id_hash).await;
        self.sessions.remove(&id_hash.to_owned());
        r
    }
    async fn delete_user_sessions(&self, user_uniquifier: &str) -> StoreResult<u64> {
        let r = self.inner.delete_user_sessions(user_uniquifier).await;
        self.sessions.clear();
        r
    }
    async fn delete_expired_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        let r = self.inner.delete_expired_sessions(now_unix).await;
        self.sessions.clear();
        r
    }
    async fn count_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        self.inner.count_sessions(now_unix).await
    }
}

#[async_trait]
impl CounterStore for CachedStore {
    async fn incr_counter(
        &self,
        key: &str,
        ttl_secs: i64,
        now_unix: i64,
    ) -> StoreResult<(u64, i64)> {
        self.inner.incr_counter(key, ttl_secs, now_unix).await
    }
    async fn release_counter(&self, key: &str, now_unix: i64) -> StoreResult<()> {
        self.inner.release_counter(key, now_unix).await
    }
    async fn get_counter(&self, key: &str, now_unix: i64) -> StoreResult<Option<(u64, i64)>> {
        self.inner.get_counter(key, now_unix).await
    }
    async fn set_counter(&self, key: &str, value: u64, expires_at: i64) -> StoreResult<()> {
        self.inner.set_counter(key, value, expires_at).await
    }
    async fn delete_counters(&self, keys: &[&str]) -> StoreResult<()> {
        self.inner.delete_counters(keys).await
    }
}

/// Credentials are read only during a ceremony: never cached, every call goes through.
#[async_trait]
impl WebAuthnStore for CachedStore {
    async fn add_webauthn(&self, new: NewWebAuthn) -> StoreResult<WebAuthn> {
        self.inner.add_webauthn(new).await
    }
    async fn webauthn_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<WebAuthn>> {
        self.inner.webauthn_by_credential_id(credential_id).await
    }
    async fn webauthn_of_user(&self, user_id: i64) -> StoreResult<Vec<WebAuthn>> {
        self.inner.webauthn_of_user(user_id).await
    }
    async fn record_webauthn_use(
        &self,
        id: i64,
        seen_sign_count: i64,
        used: &WebAuthnUse,
    ) -> StoreResult<bool> {
        self.inner
            .record_webauthn_use(id, seen_sign_count, used)
            .await
    }
    async fn rename_webauthn(&self, user_id: i64, id: i64, name: &str) -> StoreResult<bool> {
        self.inner.rename_webauthn(user_id, id, name).await
    }
    async fn delete_webauthn(&self, user_id: i64, id: i64) -> StoreResult<bool> {
        self.inner.delete_webauthn(user_id, id).await
    }
    async fn delete_user_webauthn(&self, user_id: i64) -> StoreResult<u64> {
        self.inner.delete_user_webauthn(user_id).await
    }
}

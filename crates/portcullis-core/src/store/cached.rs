//! [`CachedStore`]: a read-through cache in front of any [`Store`] for the lookups every
//! authenticated request makes (user by uniquifier, session by id, roles of a user).
//!
//! Every write made through the cache updates or clears it at once, so changes made by this
//! process (logout, password change, `reset-access`, deactivation, role changes) take effect on
//! the next request. Changes made by another process or instance writing to the same database
//! are seen once an entry is older than the time-to-live (`cache_ttl`, 1 s by default; 0 turns
//! the cache off) — or at once, when the processes share an [`InvalidationBus`] (Redis in the
//! server): every write made through a cache is then announced, and every other cache drops the
//! entries it names. The cache is bounded: past `capacity` entries a map is cleared.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    CounterStore, Guard, RoleStore, SessionStore, Store, StoreResult, UserChange, UserKey,
    UserStore, WebAuthnStore,
};
use crate::model::{NewUser, NewWebAuthn, Role, SessionRecord, User, WebAuthn, WebAuthnUse};

/// Entries (with the time they were stored), a generation bumped by every invalidation (so a
/// read that started before an invalidation cannot put its possibly stale result back), and the
/// size at which the next insert first sweeps out expired entries.
type Entries<K, V> = (HashMap<K, (Instant, V)>, u64, usize);

/// The smallest sweep mark: maps below this many entries are never swept.
const SWEEP_FLOOR: usize = 1024;

/// Before an insert: past the sweep mark, drop the entries older than the time-to-live (they
/// are never served again) and give memory back; the next mark is twice what is left, so
/// sweeping costs O(1) per insert and a map holds about what was read within one TTL — not
/// `capacity` stale entries (100,000 sessions each used once would otherwise stay cached, at
/// ~650 bytes each). At `capacity`, everything goes.
fn make_room<K: Eq + Hash, V>(e: &mut Entries<K, V>, capacity: usize, ttl: Duration) {
    if e.0.len() >= e.2 {
        e.0.retain(|_, (at, _)| at.elapsed() < ttl);
        e.0.shrink_to(e.0.len() * 2);
        e.2 = (e.0.len() * 2).max(SWEEP_FLOOR);
    }
    if e.0.len() >= capacity {
        e.0.clear();
    }
}

struct Map<K, V> {
    inner: Mutex<Entries<K, V>>,
}

impl<K: Eq + Hash, V: Clone> Map<K, V> {
    fn new() -> Self {
        Self {
            inner: Mutex::new((HashMap::new(), 0, SWEEP_FLOOR)),
        }
    }

    fn get<Q>(&self, key: &Q, ttl: Duration) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let inner = self.inner.lock().ok()?;
        let (at, v) = inner.0.get(key)?;
        (at.elapsed() < ttl).then(|| v.clone())
    }

    fn generation(&self) -> u64 {
        self.inner.lock().map(|i| i.1).unwrap_or(u64::MAX)
    }

    /// Insert a value read from the store, unless an invalidation happened since `generation`.
    fn put_read(&self, key: K, value: V, capacity: usize, ttl: Duration, generation: u64) {
        if let Ok(mut inner) = self.inner.lock()
            && inner.1 == generation
        {
            make_room(&mut inner, capacity, ttl);
            inner.0.insert(key, (Instant::now(), value));
        }
    }

    /// Insert a value this process just wrote.
    fn put_written(&self, key: K, value: V, capacity: usize, ttl: Duration) {
        if let Ok(mut inner) = self.inner.lock() {
            make_room(&mut inner, capacity, ttl);
            inner.0.insert(key, (Instant::now(), value));
            inner.1 = inner.1.wrapping_add(1);
        }
    }

    fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
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

/// What a write changed: the message one cache sends the others over an [`InvalidationBus`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalidation {
    /// Users changed (uniquifier rotated, deactivated, password, …): drop every cached user.
    Users,
    /// One session was written or deleted (its id hash).
    Session(String),
    /// Many sessions were deleted (a user's, or the expired ones).
    Sessions,
    /// The roles of one user changed.
    RolesOf(i64),
    /// Roles themselves changed.
    Roles,
    /// Anything may have changed (the bus lost messages, e.g. while reconnecting).
    All,
}

impl Invalidation {
    /// The wire form: `u`, `s:<id hash>`, `S`, `r:<user id>`, `R`, `*`.
    pub fn encode(&self) -> String {
        match self {
            Self::Users => "u".to_owned(),
            Self::Session(id_hash) => format!("s:{id_hash}"),
            Self::Sessions => "S".to_owned(),
            Self::RolesOf(id) => format!("r:{id}"),
            Self::Roles => "R".to_owned(),
            Self::All => "*".to_owned(),
        }
    }

    /// Parse the wire form; anything unknown is [`Invalidation::All`] (drop too much, never
    /// too little).
    pub fn decode(text: &str) -> Self {
        match text.split_once(':') {
            None => match text {
                "u" => Self::Users,
                "S" => Self::Sessions,
                "R" => Self::Roles,
                _ => Self::All,
            },
            Some(("s", id_hash)) if !id_hash.is_empty() => Self::Session(id_hash.to_owned()),
            Some(("r", id)) => id.parse().map_or(Self::All, Self::RolesOf),
            Some(_) => Self::All,
        }
    }
}

/// What an [`InvalidationBus`] calls with each message (`None`: messages may have been lost);
/// it answers false once its cache is gone.
pub type Deliver = Arc<dyn Fn(Option<&str>) -> bool + Send + Sync>;

/// Carries [`Invalidation`]s between the processes that share a datastore, so a revocation
/// made by one instance (logout, `reset-access`, deactivation, a role removed) is refused by
/// every instance within the bus's delivery time rather than the cache's time-to-live.
#[async_trait]
pub trait InvalidationBus: Send + Sync + std::fmt::Debug {
    /// Announce `message` (an opaque line: origin and [`Invalidation::encode`]) to every
    /// listener, this process's included.
    async fn publish(&self, message: &str) -> StoreResult<()>;

    /// Call `deliver` with every message published by any process, from now on, until
    /// `deliver` returns false (its cache is gone). Delivery must survive lost connections;
    /// after a gap in which messages may have been missed, `deliver` receives `None` (the
    /// listener then drops everything).
    fn listen(&self, deliver: Deliver);
}

/// A caching wrapper around a [`Store`].
pub struct CachedStore {
    inner: Arc<dyn Store>,
    ttl: Duration,
    capacity: usize,
    /// Set once with [`CachedStore::connect_bus`]; with it, writes are announced.
    bus: OnceLock<Arc<dyn InvalidationBus>>,
    /// This cache's name on the bus (its own announcements are not applied twice).
    origin: String,
    by_uniquifier: Map<String, Option<Arc<User>>>,
    by_token_uniquifier: Map<String, Option<Arc<User>>>,
    sessions: Map<String, Option<SessionRecord>>,
    roles: Map<i64, Arc<Vec<Role>>>,
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
            bus: OnceLock::new(),
            origin: crate::crypto::random::token_hex(8),
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

    /// Announce this cache's writes on `bus` and apply every other cache's announcements. A
    /// second call is ignored (returns false).
    pub fn connect_bus(self: &Arc<Self>, bus: Arc<dyn InvalidationBus>) -> bool {
        if self.bus.set(Arc::clone(&bus)).is_err() {
            return false;
        }
        let cache = Arc::downgrade(self);
        bus.listen(Arc::new(move |message: Option<&str>| {
            let Some(cache) = cache.upgrade() else {
                return false;
            };
            match message {
                None => cache.apply(&Invalidation::All),
                Some(line) => {
                    let (origin, what) = line.split_once('|').unwrap_or(("", line));
                    if origin != cache.origin {
                        cache.apply(&Invalidation::decode(what));
                    }
                }
            }
            true
        }));
        true
    }

    /// Drop what `what` names.
    pub fn apply(&self, what: &Invalidation) {
        match what {
            Invalidation::Users => self.users_changed_here(),
            Invalidation::Session(id_hash) => self.sessions.remove(id_hash.as_str()),
            Invalidation::Sessions => self.sessions.clear(),
            Invalidation::RolesOf(id) => self.roles.remove(id),
            Invalidation::Roles => self.roles.clear(),
            Invalidation::All => {
                self.users_changed_here();
                self.sessions.clear();
                self.roles.clear();
            }
        }
    }

    /// Tell the other caches (when there is a bus). A lost announcement is logged: the other
    /// instances then see the change after the time-to-live, as without a bus.
    async fn announce(&self, what: Invalidation) {
        if let Some(bus) = self.bus.get() {
            let message = format!("{}|{}", self.origin, what.encode());
            if let Err(e) = bus.publish(&message).await {
                tracing::warn!(error = %e, "cache invalidation not announced");
            }
        }
    }

    fn users_changed_here(&self) {
        self.by_uniquifier.clear();
        self.by_token_uniquifier.clear();
    }

    async fn users_changed(&self) {
        self.users_changed_here();
        self.announce(Invalidation::Users).await;
    }
}

#[async_trait]
impl UserStore for CachedStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        let r = self.inner.create_user(new).await;
        self.users_changed().await;
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
        self.users_changed().await;
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
        if let Some(hit) = self.by_uniquifier.get(uniquifier, self.ttl) {
            return Ok(hit);
        }
        let key = uniquifier.to_owned();
        let generation = self.by_uniquifier.generation();
        let found = self
            .inner
            .user_by_uniquifier(uniquifier)
            .await?
            .map(Arc::new);
        self.by_uniquifier
            .put_read(key, found.clone(), self.capacity, self.ttl, generation);
        Ok(found)
    }
    async fn user_by_token_uniquifier_shared(
        &self,
        uniquifier: &str,
    ) -> StoreResult<Option<Arc<User>>> {
        if let Some(hit) = self.by_token_uniquifier.get(uniquifier, self.ttl) {
            return Ok(hit);
        }
        let key = uniquifier.to_owned();
        let generation = self.by_token_uniquifier.generation();
        let found = self
            .inner
            .user_by_token_uniquifier(uniquifier)
            .await?
            .map(Arc::new);
        self.by_token_uniquifier
            .put_read(key, found.clone(), self.capacity, self.ttl, generation);
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
        self.announce(Invalidation::Roles).await;
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
        self.announce(Invalidation::Roles).await;
        r
    }
    async fn add_role_to_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        let r = self.inner.add_role_to_user(user_id, role_id).await;
        self.roles.remove(&user_id);
        self.announce(Invalidation::RolesOf(user_id)).await;
        r
    }
    async fn remove_role_from_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        let r = self.inner.remove_role_from_user(user_id, role_id).await;
        self.roles.remove(&user_id);
        self.announce(Invalidation::RolesOf(user_id)).await;
        r
    }
    async fn roles_of_user(&self, user_id: i64) -> StoreResult<Vec<Role>> {
        Ok((*self.roles_of_user_shared(user_id).await?).clone())
    }
    async fn roles_of_user_shared(&self, user_id: i64) -> StoreResult<Arc<Vec<Role>>> {
        if let Some(hit) = self.roles.get(&user_id, self.ttl) {
            return Ok(hit);
        }
        let generation = self.roles.generation();
        let roles = Arc::new(self.inner.roles_of_user(user_id).await?);
        self.roles.put_read(
            user_id,
            Arc::clone(&roles),
            self.capacity,
            self.ttl,
            generation,
        );
        Ok(roles)
    }
}

#[async_trait]
impl SessionStore for CachedStore {
    async fn create_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        let created = self.inner.create_session(record).await?;
        if created {
            self.sessions.put_written(
                record.id_hash.clone(),
                Some(record.clone()),
                self.capacity,
                self.ttl,
            );
        }
        Ok(created)
    }
    async fn load_session(
        &self,
        id_hash: &str,
        now_unix: i64,
    ) -> StoreResult<Option<SessionRecord>> {
        if let Some(hit) = self.sessions.get(id_hash, self.ttl) {
            return Ok(hit.filter(|r| r.expires_at > now_unix));
        }
        let key = id_hash.to_owned();
        let generation = self.sessions.generation();
        let found = self.inner.load_session(id_hash, now_unix).await?;
        self.sessions
            .put_read(key, found.clone(), self.capacity, self.ttl, generation);
        Ok(found)
    }
    async fn save_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        let saved = self.inner.save_session(record).await;
        match &saved {
            Ok(true) => self.sessions.put_written(
                record.id_hash.clone(),
                Some(record.clone()),
                self.capacity,
                self.ttl,
            ),
            _ => self.sessions.remove(record.id_hash.as_str()),
        }
        // Another instance may hold the old data (or a session this write found gone).
        self.announce(Invalidation::Session(record.id_hash.clone()))
            .await;
        saved
    }
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let r = self.inner.delete_session(id_hash).await;
        self.sessions.remove(id_hash);
        self.announce(Invalidation::Session(id_hash.to_owned()))
            .await;
        r
    }
    async fn delete_user_sessions(&self, user_uniquifier: &str) -> StoreResult<u64> {
        let r = self.inner.delete_user_sessions(user_uniquifier).await;
        self.sessions.clear();
        self.announce(Invalidation::Sessions).await;
        r
    }
    async fn delete_expired_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        let r = self.inner.delete_expired_sessions(now_unix).await;
        self.sessions.clear();
        self.announce(Invalidation::Sessions).await;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::store::MemoryStore;

    /// A bus that delivers every message at once to every listener (Redis in production).
    #[derive(Default)]
    struct LocalBus {
        listeners: Mutex<Vec<Deliver>>,
    }

    impl std::fmt::Debug for LocalBus {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("LocalBus")
        }
    }

    #[async_trait]
    impl InvalidationBus for LocalBus {
        async fn publish(&self, message: &str) -> StoreResult<()> {
            let listeners = self.listeners.lock().unwrap().clone();
            for l in listeners {
                l(Some(message));
            }
            Ok(())
        }
        fn listen(&self, deliver: Deliver) {
            self.listeners.lock().unwrap().push(deliver);
        }
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
    }

    #[test]
    fn invalidations_round_trip_and_unknown_ones_drop_everything() {
        for i in [
            Invalidation::Users,
            Invalidation::Session("ab12".into()),
            Invalidation::Sessions,
            Invalidation::RolesOf(42),
            Invalidation::Roles,
            Invalidation::All,
        ] {
            assert_eq!(Invalidation::decode(&i.encode()), i);
        }
        for junk in ["", "x", "s:", "r:notanumber", "q:1"] {
            assert_eq!(Invalidation::decode(junk), Invalidation::All, "{junk}");
        }
    }

    #[test]
    fn expired_entries_are_swept_so_a_map_holds_about_one_ttl_of_reads() {
        let map: Map<u32, u32> = Map::new();
        let ttl = Duration::from_millis(20);
        for i in 0..1000 {
            map.put_read(i, i, 100_000, ttl, map.generation());
        }
        std::thread::sleep(Duration::from_millis(30));
        // The next thousand inserts pass the sweep mark: the expired thousand go.
        for i in 1000..2100 {
            map.put_read(i, i, 100_000, ttl, map.generation());
        }
        let len = map.inner.lock().unwrap().0.len();
        assert!(len <= 1100, "{len} entries kept");
        assert!(map.get(&1500, ttl).is_some());
        assert!(map.get(&5, ttl).is_none());
        // Capacity still bounds a map of live entries.
        let small: Map<u32, u32> = Map::new();
        for i in 0..10 {
            small.put_written(i, i, 4, Duration::from_secs(60));
        }
        assert!(small.inner.lock().unwrap().0.len() <= 4);
    }

    /// Two processes' caches over one datastore: what one writes, the other stops serving at
    /// once (its TTL is an hour), through the bus.
    #[tokio::test]
    async fn a_write_through_one_cache_clears_the_other() {
        let shared: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let bus: Arc<dyn InvalidationBus> = Arc::new(LocalBus::default());
        let hour = Duration::from_secs(3600);
        let a = Arc::new(CachedStore::new(shared.clone(), hour, 100));
        let b = Arc::new(CachedStore::new(shared.clone(), hour, 100));
        assert!(a.connect_bus(bus.clone()));
        assert!(!a.connect_bus(bus.clone()), "a second bus is refused");
        assert!(b.connect_bus(bus.clone()));

        let user = a
            .create_user(NewUser {
                email: "ann@example.com".into(),
                username: None,
                password: None,
                active: true,
                confirmed_at: None,
                fs_uniquifier: "uq-1".into(),
                now: now(),
            })
            .await
            .unwrap();
        // B caches the user and a session.
        assert!(b.user_by_uniquifier_shared("uq-1").await.unwrap().is_some());
        let record = SessionRecord {
            id_hash: "h1".into(),
            user_uniquifier: Some("uq-1".into()),
            data: Default::default(),
            expires_at: 2_000_000_000,
        };
        a.create_session(&record).await.unwrap();
        assert!(b.load_session("h1", 1_700_000_000).await.unwrap().is_some());
        let role = a.create_role("admin", None, &[], now()).await.unwrap();
        a.add_role_to_user(user.id, role.id).await.unwrap();
        assert_eq!(b.roles_of_user(user.id).await.unwrap().len(), 1);

        // A logs the session out, rotates the uniquifier and takes the role away.
        a.delete_session("h1").await.unwrap();
        assert!(b.load_session("h1", 1_700_000_000).await.unwrap().is_none());
        let change = UserChange {
            fs_uniquifier: Some("uq-2".into()),
            ..UserChange::default()
        };
        assert!(
            a.update_user(user.id, &change, &Guard::Always, now())
                .await
                .unwrap()
        );
        assert!(b.user_by_uniquifier_shared("uq-1").await.unwrap().is_none());
        a.remove_role_from_user(user.id, role.id).await.unwrap();
        assert!(b.roles_of_user(user.id).await.unwrap().is_empty());

        // Without the bus, B would still serve what it cached (the TTL is an hour).
        let c = CachedStore::new(shared.clone(), hour, 100);
        assert!(c.user_by_uniquifier_shared("uq-2").await.unwrap().is_some());
        let change = UserChange {
            active: Some(false),
            ..UserChange::default()
        };
        a.update_user(user.id, &change, &Guard::Always, now())
            .await
            .unwrap();
        assert!(
            c.user_by_uniquifier_shared("uq-2")
                .await
                .unwrap()
                .unwrap()
                .active
        );
        assert!(
            !b.user_by_uniquifier_shared("uq-2")
                .await
                .unwrap()
                .unwrap()
                .active
        );

        // A lost subscription drops everything.
        assert!(b.user_by_uniquifier_shared("uq-2").await.unwrap().is_some());
        b.apply(&Invalidation::All);
        assert!(b.by_uniquifier.get("uq-2", hour).is_none());
    }
}

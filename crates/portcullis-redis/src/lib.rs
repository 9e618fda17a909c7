//! Redis store for portcullis: server-side sessions and brute-force counters shared by every
//! instance behind a load balancer.
//!
//! [`RedisStore`] implements [`SessionStore`] and [`CounterStore`]; users and roles stay in the
//! SQL database. Hand it to the security builder (`portcullis::Security::builder(config,
//! sql_store).sessions(redis.clone()).counters(redis)`), or put the two together yourself with
//! [`portcullis_core::store::SplitStore`]:
//!
//! ```no_run
//! # async fn demo() -> Result<(), portcullis_core::store::StoreError> {
//! use std::sync::Arc;
//! use portcullis_core::store::{MemoryStore, SplitStore, Store};
//! use portcullis_redis::RedisStore;
//!
//! let redis = Arc::new(RedisStore::connect("redis://127.0.0.1:6379/0", "portcullis:").await?);
//! let users: Arc<dyn Store> = Arc::new(MemoryStore::new()); // the SQL store in real use
//! let store = SplitStore::from_parts(users, redis.clone(), redis, "redis");
//! # let _ = store; Ok(()) }
//! ```
//!
//! # Atomicity
//!
//! Every operation is one Redis command, one `MULTI`/`EXEC` transaction or one Lua script, so
//! instances never lose an update to each other (no read-modify-write from the client).
//!
//! # Time
//!
//! All times are unix seconds from the application's clock, which in tests is a fixed clock
//! far from the real time. Each record therefore stores its `expires_at` and every liveness
//! decision compares it with the `now_unix` passed in. Redis TTLs only let Redis remove dead
//! records by itself: `(expires_at - now_unix) + 60` seconds when the caller gives `now_unix`,
//! and at least an hour (measured from the real time) for the calls that do not
//! ([`SessionStore::create_session`], [`SessionStore::save_session`],
//! [`CounterStore::set_counter`]), so that a record written under a clock far in the past is
//! not dropped while the application still sees it as live.
//!
//! # Key layout
//!
//! Every key starts with the key prefix (`portcullis:` in the server):
//!
//! | key | type | contents |
//! | --- | --- | --- |
//! | `{prefix}session:{id_hash}` | hash | `exp`, `data` (JSON), `user` (signed-in only) |
//! | `{prefix}session-expiry` | sorted set | session ids scored by `exp` |
//! | `{prefix}user-sessions:{fs_uniquifier}` | set | the user's session ids |
//! | `{prefix}counter:{key}` | hash | `n` (value), `exp` |
//!
//! Every key carries a TTL. The scripts build the keys of other sessions and users from the
//! prefix, so the store needs a single Redis server (or a primary with replicas), not Redis
//! Cluster.

#![forbid(unsafe_code)]

mod scripts;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use portcullis_core::model::SessionRecord;
use portcullis_core::store::{
    CounterStore, InvalidationBus, SessionStore, StoreError, StoreResult,
};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, IntoConnectionInfo, RedisError, ServerErrorKind};

/// Seconds a record stays in Redis after its `expires_at` (by the caller's clock).
const TTL_MARGIN_SECS: i64 = 60;
/// Least TTL of records written without the caller's time (see the crate docs).
const MIN_TTL_WITHOUT_NOW_SECS: i64 = 3600;
/// Largest TTL set (about 68 years); Redis rejects expiries that overflow its clock.
const MAX_TTL_SECS: i64 = i32::MAX as i64;
/// How long establishing a connection may take.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one command may wait for its answer.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(3);
/// Reconnection attempts before a call gives up (a later call tries again).
const CONNECTION_RETRIES: usize = 1;
/// Sessions removed per script run by [`SessionStore::delete_expired_sessions`].
const EXPIRED_BATCH: usize = 500;
/// Keys asked for per `SCAN` step and removed per `UNLINK` by [`RedisStore::delete_prefix`].
const SCAN_BATCH: usize = 500;

/// Sessions and counters in Redis, shared by every instance that uses the same server and key
/// prefix. Cheap to clone (clones share one auto-reconnecting connection).
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    /// For the invalidation bus's subscription (a connection of its own).
    client: redis::Client,
    prefix: Arc<str>,
    /// `host:port/db`, without credentials (for `Debug`).
    server: Arc<str>,
    /// Removes the keys of [`RedisStore::connect_temporary`] when the last clone goes.
    _temp: Option<Arc<PrefixCleanup>>,
}

/// Removes every key under a prefix when dropped (panicking tests included). The removal runs to
/// completion before the drop returns, on a thread with a runtime and connection of its own, so
/// it neither needs nor blocks the caller's runtime.
struct PrefixCleanup {
    url: String,
    prefix: String,
}

impl Drop for PrefixCleanup {
    fn drop(&mut self) {
        let url = std::mem::take(&mut self.url);
        let prefix = std::mem::take(&mut self.prefix);
        let shown = prefix.clone();
        let outcome = std::thread::spawn(move || -> Result<u64, String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime
                .block_on(async {
                    RedisStore::connect(&url, &prefix)
                        .await?
                        .delete_prefix()
                        .await
                })
                .map_err(|e| e.to_string())
        })
        .join();
        match outcome {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                tracing::warn!(prefix = %shown, error = %e, "could not remove temporary keys")
            }
            Err(_) => tracing::warn!(prefix = %shown, "removing temporary keys panicked"),
        }
    }
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("server", &self.server)
            .field("key_prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connect to `url` (`redis://[user:password@]host:port/db`, or `redis+unix:///path`) and
    /// keep every key under `key_prefix` (the server uses `"portcullis:"`).
    ///
    /// The connection is established before this returns: an unreachable server gives
    /// [`StoreError::Unavailable`] within a few seconds, a malformed URL
    /// [`StoreError::Backend`]. Afterwards the store reconnects by itself; while Redis is down
    /// calls fail fast with [`StoreError::Unavailable`].
    pub async fn connect(url: &str, key_prefix: &str) -> StoreResult<Self> {
        let info = url
            .into_connection_info()
            .map_err(|e| StoreError::Backend(format!("invalid Redis URL: {e}")))?;
        let server = describe_server(&info);
        let client = redis::Client::open(info)
            .map_err(|e| StoreError::Backend(format!("invalid Redis URL: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECTION_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(CONNECTION_RETRIES)
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(|e| map_redis(&server, e))?;
        Ok(Self {
            conn,
            client,
            prefix: key_prefix.into(),
            server: server.into(),
            _temp: None,
        })
    }

    /// A store under a fresh prefix (`portcullis-test:<label>:<pid>:<time>:<n>:`) whose keys are
    /// removed when the store and every clone of it are dropped. For tests: parallel and
    /// repeated runs never collide and leave nothing behind.
    pub async fn connect_temporary(url: &str, label: &str) -> StoreResult<Self> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let prefix = format!(
            "portcullis-test:{label}:{}:{nanos}:{}:",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let mut store = Self::connect(url, &prefix).await?;
        store._temp = Some(Arc::new(PrefixCleanup {
            url: url.to_owned(),
            prefix,
        }));
        Ok(store)
    }

    /// The key prefix.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// Remove every key that starts with the prefix (`SCAN` + `UNLINK`; not atomic, meant for
    /// tests and resets). Returns how many keys were removed. Refuses an empty prefix, which
    /// would empty the whole database.
    pub async fn delete_prefix(&self) -> StoreResult<u64> {
        if self.prefix.is_empty() {
            return Err(StoreError::Backend(
                "refusing to delete every key of the database (empty key prefix)".into(),
            ));
        }
        let pattern = format!("{}*", glob_escape(&self.prefix));
        let mut conn = self.conn.clone();
        let mut cursor: u64 = 0;
        let mut removed: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(SCAN_BATCH)
                .query_async(&mut conn)
                .await
                .map_err(|e| self.map_err(e))?;
            if !keys.is_empty() {
                let n: u64 = redis::cmd("UNLINK")
                    .arg(&keys)
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| self.map_err(e))?;
                removed += n;
            }
            if next == 0 {
                return Ok(removed);
            }
            cursor = next;
        }
    }

    fn session_key_prefix(&self) -> String {
        format!("{}session:", self.prefix)
    }

    fn session_key(&self, id_hash: &str) -> String {
        format!("{}session:{id_hash}", self.prefix)
    }

    fn expiry_index_key(&self) -> String {
        format!("{}session-expiry", self.prefix)
    }

    fn user_key_prefix(&self) -> String {
        format!("{}user-sessions:", self.prefix)
    }

    fn user_key(&self, uniquifier: &str) -> String {
        format!("{}user-sessions:{uniquifier}", self.prefix)
    }

    fn counter_key(&self, key: &str) -> String {
        format!("{}counter:{key}", self.prefix)
    }

    fn map_err(&self, err: RedisError) -> StoreError {
        map_redis(&self.server, err)
    }

    /// Run [`scripts::CREATE_SESSION`] or [`scripts::SAVE_SESSION`] (same arguments) for
    /// `record`; whether the script wrote it.
    async fn write_session(
        &self,
        script: &redis::Script,
        record: &SessionRecord,
    ) -> StoreResult<bool> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| StoreError::Backend(format!("cannot encode session data: {e}")))?;
        let ttl = ttl_without_now(record.expires_at);
        let mut invocation = script.prepare_invoke();
        invocation
            .key(self.session_key(&record.id_hash))
            .key(self.expiry_index_key())
            .arg(&record.id_hash)
            .arg(record.expires_at)
            .arg(data)
            .arg(ttl)
            .arg(self.user_key_prefix());
        if let Some(user) = &record.user_uniquifier {
            invocation.key(self.user_key(user)).arg(user);
        }
        let done: i64 = invocation
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(|e| self.map_err(e))?;
        Ok(done == 1)
    }
}

/// The bus of every instance's cache (`portcullis_core::store::CachedStore`): `PUBLISH` on
/// `{prefix}invalidate`, and one subscription per process that reconnects by itself. After a
/// lost subscription the listener is told to drop everything (messages may have been missed).
#[async_trait]
impl InvalidationBus for RedisStore {
    async fn publish(&self, message: &str) -> StoreResult<()> {
        let channel = format!("{}invalidate", self.prefix);
        let mut conn = self.conn.clone();
        let _receivers: i64 = redis::cmd("PUBLISH")
            .arg(&channel)
            .arg(message)
            .query_async(&mut conn)
            .await
            .map_err(|e| map_redis(&self.server, e))?;
        Ok(())
    }

    fn listen(&self, deliver: portcullis_core::store::Deliver) {
        use futures_util::StreamExt;
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                "cache invalidations: no async runtime to listen on; other instances' changes are seen after the cache's time-to-live"
            );
            return;
        };
        let client = self.client.clone();
        let channel = format!("{}invalidate", self.prefix);
        let server = Arc::clone(&self.server);
        runtime.spawn(async move {
            let mut connected_before = false;
            loop {
                let subscribed = async {
                    let mut pubsub = tokio::time::timeout(CONNECTION_TIMEOUT, client.get_async_pubsub())
                        .await
                        .map_err(|_| "timed out".to_owned())?
                        .map_err(|e| e.to_string())?;
                    pubsub.subscribe(&channel).await.map_err(|e| e.to_string())?;
                    Ok::<_, String>(pubsub)
                }
                .await;
                match subscribed {
                    Ok(pubsub) => {
                        if connected_before {
                            tracing::info!(server = %server, "cache invalidations: subscribed again");
                            // Whatever was announced while we were away is lost.
                            if !deliver(None) {
                                return;
                            }
                        }
                        connected_before = true;
                        let mut messages = pubsub.into_on_message();
                        while let Some(msg) = messages.next().await {
                            let wanted = match msg.get_payload::<String>() {
                                Ok(text) => deliver(Some(&text)),
                                Err(_) => deliver(None),
                            };
                            // The cache is gone: so is the subscription.
                            if !wanted {
                                return;
                            }
                        }
                        tracing::warn!(server = %server, "cache invalidations: subscription lost; reconnecting");
                    }
                    Err(e) => {
                        tracing::warn!(server = %server, error = %e, "cache invalidations: cannot subscribe; retrying");
                        connected_before = true;
                    }
                }
                if !deliver(None) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
    }
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn create_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        self.write_session(&scripts::CREATE_SESSION, record).await
    }

    async fn load_session(
        &self,
        id_hash: &str,
        now_unix: i64,
    ) -> StoreResult<Option<SessionRecord>> {
        let (exp, user, data): (Option<String>, Option<String>, Option<String>) =
            redis::cmd("HMGET")
                .arg(self.session_key(id_hash))
                .arg("exp")
                .arg("user")
                .arg("data")
                .query_async(&mut self.conn.clone())
                .await
                .map_err(|e| self.map_err(e))?;
        let Some(exp) = exp else {
            return Ok(None);
        };
        let expires_at = parse_i64(&exp, "session expiry")?;
        if expires_at <= now_unix {
            return Ok(None);
        }
        let data = match data {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Backend(format!("corrupt session data in Redis: {e}")))?,
            None => return Err(StoreError::Backend("session without data in Redis".into())),
        };
        Ok(Some(SessionRecord {
            id_hash: id_hash.to_owned(),
            user_uniquifier: user,
            data,
            expires_at,
        }))
    }

    async fn save_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        self.write_session(&scripts::SAVE_SESSION, record).await
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let _: i64 = scripts::DELETE_SESSION
            .key(self.session_key(id_hash))
            .key(self.expiry_index_key())
            .arg(id_hash)
            .arg(self.user_key_prefix())
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(|e| self.map_err(e))?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_uniquifier: &str) -> StoreResult<u64> {
        let deleted: u64 = scripts::DELETE_USER_SESSIONS
            .key(self.user_key(user_uniquifier))
            .key(self.expiry_index_key())
            .arg(user_uniquifier)
            .arg(self.session_key_prefix())
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(|e| self.map_err(e))?;
        Ok(deleted)
    }

    async fn delete_expired_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        let mut conn = self.conn.clone();
        let mut total = 0;
        loop {
            let (deleted, examined): (u64, usize) = scripts::DELETE_EXPIRED_SESSIONS
                .key(self.expiry_index_key())
                .arg(now_unix)
                .arg(self.session_key_prefix())
                .arg(self.user_key_prefix())
                .arg(EXPIRED_BATCH)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| self.map_err(e))?;
            total += deleted;
            if examined < EXPIRED_BATCH {
                return Ok(total);
            }
        }
    }

    async fn count_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        redis::cmd("ZCOUNT")
            .arg(self.expiry_index_key())
            .arg(format!("({now_unix}"))
            .arg("+inf")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|e| self.map_err(e))
    }
}

#[async_trait]
impl CounterStore for RedisStore {
    async fn incr_counter(
        &self,
        key: &str,
        ttl_secs: i64,
        now_unix: i64,
    ) -> StoreResult<(u64, i64)> {
        let expires_at = now_unix.saturating_add(ttl_secs);
        let (value, expires_at): (u64, i64) = scripts::INCR_COUNTER
            .key(self.counter_key(key))
            .arg(now_unix)
            .arg(expires_at)
            .arg(redis_ttl(expires_at, now_unix))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(|e| self.map_err(e))?;
        Ok((value, expires_at))
    }

    async fn release_counter(&self, key: &str, now_unix: i64) -> StoreResult<()> {
        let _: i64 = scripts::RELEASE_COUNTER
            .key(self.counter_key(key))
            .arg(now_unix)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(|e| self.map_err(e))?;
        Ok(())
    }

    async fn get_counter(&self, key: &str, now_unix: i64) -> StoreResult<Option<(u64, i64)>> {
        let (value, exp): (Option<String>, Option<String>) = redis::cmd("HMGET")
            .arg(self.counter_key(key))
            .arg("n")
            .arg("exp")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|e| self.map_err(e))?;
        let (Some(value), Some(exp)) = (value, exp) else {
            return Ok(None);
        };
        let expires_at = parse_i64(&exp, "counter expiry")?;
        if expires_at <= now_unix {
            return Ok(None);
        }
        let value = value
            .parse::<u64>()
            .map_err(|_| StoreError::Backend("corrupt counter value in Redis".into()))?;
        Ok(Some((value, expires_at)))
    }

    async fn set_counter(&self, key: &str, value: u64, expires_at: i64) -> StoreResult<()> {
        let key = self.counter_key(key);
        redis::pipe()
            .atomic()
            .cmd("HSET")
            .arg(&key)
            .arg("n")
            .arg(value)
            .arg("exp")
            .arg(expires_at)
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(ttl_without_now(expires_at))
            .ignore()
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(|e| self.map_err(e))
    }

    async fn delete_counters(&self, keys: &[&str]) -> StoreResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = keys.iter().map(|k| self.counter_key(k)).collect();
        let _: u64 = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(|e| self.map_err(e))?;
        Ok(())
    }
}

/// The Redis TTL of a record expiring at `expires_at`, by the caller's clock at `now_unix`.
fn redis_ttl(expires_at: i64, now_unix: i64) -> i64 {
    expires_at
        .saturating_sub(now_unix)
        .saturating_add(TTL_MARGIN_SECS)
        .clamp(1, MAX_TTL_SECS)
}

/// The Redis TTL of a record written without the caller's time: measured from the real time,
/// and never below [`MIN_TTL_WITHOUT_NOW_SECS`] (the application's clock may be far behind).
fn ttl_without_now(expires_at: i64) -> i64 {
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    redis_ttl(expires_at, wall).max(MIN_TTL_WITHOUT_NOW_SECS)
}

fn parse_i64(text: &str, what: &str) -> StoreResult<i64> {
    text.parse()
        .map_err(|_| StoreError::Backend(format!("corrupt {what} in Redis")))
}

/// `host:port/db` (or the socket path), never the credentials.
fn describe_server(info: &redis::ConnectionInfo) -> String {
    format!("{}/{}", info.addr(), info.redis_settings().db())
}

/// Escape `*`, `?`, `[`, `]` and `\` for a `SCAN MATCH` pattern.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Connection, I/O and timeout trouble (and a server that is loading, read-only or failing
/// over) is `Unavailable`; everything else is `Backend`.
fn map_redis(server: &str, err: RedisError) -> StoreError {
    let unavailable = err.is_io_error()
        || err.is_timeout()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || matches!(
            err.kind(),
            ErrorKind::AuthenticationFailed
                | ErrorKind::Server(
                    ServerErrorKind::BusyLoading
                        | ServerErrorKind::TryAgain
                        | ServerErrorKind::ClusterDown
                        | ServerErrorKind::MasterDown
                        | ServerErrorKind::ReadOnly
                )
        );
    if unavailable {
        StoreError::Unavailable(format!("Redis at {server}: {err}"))
    } else {
        StoreError::Backend(format!("Redis at {server}: {err}"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn server_description_has_no_credentials() {
        let info = "redis://alice:s3cret@cache.internal:6380/2"
            .into_connection_info()
            .unwrap();
        let text = describe_server(&info);
        assert_eq!(text, "cache.internal:6380/2");
        assert!(!text.contains("s3cret") && !text.contains("alice"));
    }

    #[test]
    fn ttls() {
        assert_eq!(redis_ttl(1_000 + 600, 1_000), 660);
        assert_eq!(redis_ttl(1_000 - 600, 1_000), 1, "at least one second");
        assert_eq!(redis_ttl(i64::MAX, i64::MIN), MAX_TTL_SECS);
        assert_eq!(
            ttl_without_now(0),
            MIN_TTL_WITHOUT_NOW_SECS,
            "a clock far in the past"
        );
        assert!(ttl_without_now(i64::MAX / 2) <= MAX_TTL_SECS);
    }

    #[test]
    fn glob_escaping() {
        assert_eq!(glob_escape("a*b?[c]\\:"), "a\\*b\\?\\[c\\]\\\\:");
        assert_eq!(glob_escape("portcullis:"), "portcullis:");
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The store conformance suite against Redis (sessions and counters in Redis, users and roles
//! in memory), plus what only a shared store has to show: several instances see one state,
//! concurrent increments from different instances lose nothing, and an outage fails fast and
//! heals by itself.
//!
//! Needs `PORTCULLIS_TEST_REDIS_URL` (e.g. `redis://127.0.0.1:6379/0`); without it each test
//! that needs Redis prints a `SKIPPED` line and passes. Every test works under a key prefix of
//! its own (`portcullis-test:{pid}:{nanos}:{n}:`) and removes its keys when it ends.

use std::sync::Arc;
use std::time::{Duration, Instant};

use portcullis_core::model::{SessionData, SessionRecord};
use portcullis_core::store::{
    CounterStore, MemoryStore, SessionStore, SplitStore, Store, StoreError,
};
use portcullis_redis::RedisStore;

const URL_VAR: &str = "PORTCULLIS_TEST_REDIS_URL";

portcullis_core::store_conformance_tests!(env "PORTCULLIS_TEST_REDIS_URL", |url: String| async move {
    let (store, _) = connect_fresh(&url).await;
    let shared = Arc::new(store);
    Arc::new(SplitStore::new(
        Arc::new(MemoryStore::new()) as Arc<dyn Store>,
        shared,
        "redis",
    )) as Arc<dyn Store>
});

/// The Redis URL; without it, says the test is skipped (naming it) and returns.
macro_rules! redis_url_or_skip {
    ($test:literal) => {
        match std::env::var(URL_VAR) {
            Ok(url) => url,
            Err(_) => {
                eprintln!(
                    "SKIPPED {}::{}: {URL_VAR} is not set",
                    module_path!(),
                    $test
                );
                return;
            }
        }
    };
}

/// A store under a fresh prefix whose keys go when it does (the guard is a clone of it).
async fn connect_fresh(url: &str) -> (RedisStore, RedisStore) {
    let store = RedisStore::connect_temporary(url, "redis")
        .await
        .expect("connect to Redis");
    (store.clone(), store)
}

mod shared {
    //! Two instances, one Redis.

    use std::collections::HashSet;

    use super::*;

    /// The conformance suite's fixed clock: 2026-01-02, far behind the real time.
    const NOW: i64 = 1_767_323_045;

    fn record(id: &str, user: Option<&str>, expires_at: i64) -> SessionRecord {
        SessionRecord {
            id_hash: id.to_owned(),
            user_uniquifier: user.map(str::to_owned),
            data: SessionData {
                fs_paa: Some(1_767_323_045.5),
                fs_gexp: None,
                remember: true,
                tf: None,
                flashes: Vec::new(),
            },
            expires_at,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sessions_are_shared_between_instances() {
        let url = redis_url_or_skip!("sessions_are_shared_between_instances");
        let (a, _cleanup) = connect_fresh(&url).await;
        let b = RedisStore::connect(&url, a.key_prefix()).await.unwrap();

        // An anonymous session made on one instance is seen by the other.
        let anon = record("s1", None, NOW + 3600);
        assert!(a.create_session(&anon).await.unwrap());
        assert_eq!(b.load_session("s1", NOW).await.unwrap(), Some(anon.clone()));
        assert!(
            !b.create_session(&anon).await.unwrap(),
            "the id is taken for every instance"
        );

        // It signs in on the second instance; the first sees the owner.
        let alice = SessionRecord {
            user_uniquifier: Some("uq-alice".into()),
            ..anon.clone()
        };
        assert!(b.save_session(&alice).await.unwrap());
        assert_eq!(
            a.load_session("s1", NOW).await.unwrap(),
            Some(alice.clone())
        );
        let other = record("s2", Some("uq-alice"), NOW + 60);
        assert!(a.create_session(&other).await.unwrap());
        assert_eq!(a.count_sessions(NOW).await.unwrap(), 2);
        assert_eq!(b.count_sessions(NOW).await.unwrap(), 2);

        // The session changes hands: it no longer counts as Alice's.
        let bob = SessionRecord {
            user_uniquifier: Some("uq-bob".into()),
            ..alice.clone()
        };
        assert!(a.save_session(&bob).await.unwrap());
        assert_eq!(b.delete_user_sessions("uq-alice").await.unwrap(), 1);
        assert_eq!(a.load_session("s2", NOW).await.unwrap(), None);
        assert_eq!(a.load_session("s1", NOW).await.unwrap(), Some(bob));
        // Back to anonymous: Bob has nothing left to revoke.
        assert!(b.save_session(&anon).await.unwrap());
        assert_eq!(a.delete_user_sessions("uq-bob").await.unwrap(), 0);
        assert_eq!(b.load_session("s1", NOW).await.unwrap(), Some(anon));

        // Revocation on one instance is final for the other.
        let carol = record("s3", Some("uq-carol"), NOW + 60);
        assert!(b.create_session(&carol).await.unwrap());
        assert_eq!(a.delete_user_sessions("uq-carol").await.unwrap(), 1);
        assert!(
            !b.save_session(&carol).await.unwrap(),
            "a request in flight cannot bring it back"
        );
        assert_eq!(b.load_session("s3", NOW).await.unwrap(), None);

        // Expiry clean-up from one instance.
        assert_eq!(b.delete_expired_sessions(NOW + 3600).await.unwrap(), 1);
        assert_eq!(a.count_sessions(NOW).await.unwrap(), 0);

        // Counters too.
        assert_eq!(a.incr_counter("k", 60, NOW).await.unwrap(), (1, NOW + 60));
        assert_eq!(
            b.incr_counter("k", 60, NOW + 1).await.unwrap(),
            (2, NOW + 60)
        );
        assert_eq!(
            a.get_counter("k", NOW + 2).await.unwrap(),
            Some((2, NOW + 60))
        );
        b.delete_counters(&["k"]).await.unwrap();
        assert_eq!(a.get_counter("k", NOW).await.unwrap(), None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_increments_from_two_instances_lose_nothing() {
        let url = redis_url_or_skip!("concurrent_increments_from_two_instances_lose_nothing");
        let (a, _cleanup) = connect_fresh(&url).await;
        let b = RedisStore::connect(&url, a.key_prefix()).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..100 {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                store.incr_counter("fail:user:1", 600, NOW).await.unwrap()
            }));
        }
        let mut values = HashSet::new();
        for task in tasks {
            let (value, expires_at) = task.await.unwrap();
            assert_eq!(
                expires_at,
                NOW + 600,
                "every increment keeps the first expiry"
            );
            values.insert(value);
        }
        assert_eq!(values, (1..=100).collect::<HashSet<u64>>());
        assert_eq!(
            b.get_counter("fail:user:1", NOW).await.unwrap(),
            Some((100, NOW + 600))
        );
    }

    /// Redis collects garbage by itself (every key has a TTL, measured so that a clock far in
    /// the past does not drop live records), and `delete_prefix` removes exactly the prefix.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_key_expires_and_delete_prefix_removes_them() {
        let url = redis_url_or_skip!("every_key_expires_and_delete_prefix_removes_them");
        let (store, _cleanup) = connect_fresh(&url).await;
        let (neighbour, _neighbour_cleanup) = connect_fresh(&url).await;
        neighbour.incr_counter("k", 60, NOW).await.unwrap();

        store
            .create_session(&record("s1", Some("uq-ttl"), NOW + 600))
            .await
            .unwrap();
        store
            .create_session(&record("s2", None, NOW + 600))
            .await
            .unwrap();
        store.incr_counter("k", 600, NOW).await.unwrap();
        store.set_counter("lock", 1, NOW + 300).await.unwrap();

        let client = redis::Client::open(url.as_str()).unwrap();
        let mut raw = client.get_multiplexed_async_connection().await.unwrap();
        let mut keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", store.key_prefix()))
            .query_async(&mut raw)
            .await
            .unwrap();
        keys.sort();
        let p = store.key_prefix();
        assert_eq!(
            keys,
            vec![
                format!("{p}counter:k"),
                format!("{p}counter:lock"),
                format!("{p}session-expiry"),
                format!("{p}session:s1"),
                format!("{p}session:s2"),
                format!("{p}user-sessions:uq-ttl"),
            ]
        );
        for key in &keys {
            let ttl: i64 = redis::cmd("TTL")
                .arg(key)
                .query_async(&mut raw)
                .await
                .unwrap();
            if key.ends_with("counter:k") {
                // Measured from the caller's clock: 600 s to go, plus the margin.
                assert!((655..=660).contains(&ttl), "{key}: TTL {ttl}");
            } else {
                // Written without the caller's time under a clock months behind: the floor.
                assert!((3595..=3600).contains(&ttl), "{key}: TTL {ttl}");
            }
        }

        assert_eq!(store.delete_prefix().await.unwrap(), 6);
        let left: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", store.key_prefix()))
            .query_async(&mut raw)
            .await
            .unwrap();
        assert!(left.is_empty(), "left behind: {left:?}");
        assert_eq!(
            neighbour.get_counter("k", NOW).await.unwrap(),
            Some((1, NOW + 60)),
            "another prefix is untouched"
        );
    }
}

mod outage {
    //! Redis away: calls fail fast with `Unavailable`, and the store heals by itself.

    use tokio::net::TcpListener;

    use super::*;

    const NOW: i64 = 1_767_323_045;
    /// "Fast": well under the time a request is allowed to take.
    const FAST: Duration = Duration::from_secs(5);

    /// A port nobody listens on.
    async fn closed_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connect_to_a_closed_port_fails_fast() {
        let port = closed_port().await;
        let started = Instant::now();
        let result = tokio::time::timeout(
            Duration::from_secs(30),
            RedisStore::connect(&format!("redis://127.0.0.1:{port}/0"), "portcullis-test:"),
        )
        .await
        .expect("connect hangs instead of failing");
        let elapsed = started.elapsed();
        match result {
            Err(StoreError::Unavailable(message)) => {
                assert!(message.contains(&port.to_string()), "{message}");
            }
            other => panic!("expected Err(Unavailable), got {other:?}"),
        }
        assert!(elapsed < FAST, "took {elapsed:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn malformed_url_is_a_backend_error() {
        match RedisStore::connect("http://127.0.0.1/", "portcullis-test:").await {
            Err(StoreError::Backend(_)) => {}
            other => panic!("expected Err(Backend), got {other:?}"),
        }
    }

    /// `url` with its host and port replaced by `127.0.0.1:{port}` (credentials and database
    /// kept), and the original `host:port`.
    fn through(url: &str, port: u16) -> Option<(String, String)> {
        let rest = url.strip_prefix("redis://")?;
        let end = rest.find('/').unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (credentials, host) = match authority.rfind('@') {
            Some(at) => (&authority[..=at], &authority[at + 1..]),
            None => ("", authority),
        };
        let host = if host.contains(':') {
            host.to_owned()
        } else {
            format!("{host}:6379")
        };
        Some((format!("redis://{credentials}127.0.0.1:{port}{tail}"), host))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn outage_fails_fast_and_heals() {
        let url = redis_url_or_skip!("outage_fails_fast_and_heals");
        let Some((_, target)) = through(&url, 0) else {
            eprintln!("SKIPPED outage_fails_fast_and_heals: {URL_VAR} is not a redis:// URL");
            return;
        };
        let target = tokio::net::lookup_host(target)
            .await
            .unwrap()
            .next()
            .unwrap();
        let proxy = portcullis_core::testing::TcpProxy::start(target)
            .await
            .unwrap();
        let (proxied_url, _) = through(&url, proxy.addr().port()).unwrap();
        let (direct, _cleanup) = connect_fresh(&url).await;
        let store = RedisStore::connect(&proxied_url, direct.key_prefix())
            .await
            .unwrap();
        assert_eq!(store.incr_counter("k", 600, NOW).await.unwrap().0, 1);

        proxy.cut();
        for attempt in 0..3 {
            let started = Instant::now();
            let result = tokio::time::timeout(Duration::from_secs(30), store.get_counter("k", NOW))
                .await
                .expect("a call hangs while Redis is away");
            let elapsed = started.elapsed();
            assert!(
                matches!(result, Err(StoreError::Unavailable(_))),
                "attempt {attempt}: expected Err(Unavailable), got {result:?}"
            );
            assert!(elapsed < FAST, "attempt {attempt} took {elapsed:?}");
        }
        // The data is safe meanwhile.
        assert_eq!(direct.incr_counter("k", 600, NOW).await.unwrap().0, 2);

        // Back: the same store reconnects by itself.
        proxy.restore();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match store.get_counter("k", NOW).await {
                Ok(found) => {
                    assert_eq!(found, Some((2, NOW + 600)));
                    break;
                }
                Err(StoreError::Unavailable(e)) if Instant::now() < deadline => {
                    eprintln!("not back yet: {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("the store did not recover: {e:?}"),
            }
        }
        assert_eq!(store.incr_counter("k", 600, NOW).await.unwrap().0, 3);
    }
}

//! Faults: the database (and Redis) go away behind a TCP proxy the test cuts and restores.
//! Requests fail fast with 503 in the envelope — no hang, no panic — the app recovers by itself
//! when the service returns, and nothing committed is lost. Needs the services named by
//! PORTCULLIS_TEST_POSTGRES_URL / PORTCULLIS_TEST_REDIS_URL (set by `.ci/run`); without them
//! each test says it is skipped, by name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::TestApp;
use axum::http::StatusCode;
use portcullis::core::Store;
use portcullis::core::store::{SplitStore, StoreError};
use portcullis::core::testing::{TcpProxy, refusing_addr};
use portcullis_redis::RedisStore;
use portcullis_sqlx::{PgStore, PoolSettings, TemporaryDatabase, with_address};
use serde_json::json;

fn env(name: &str, test: &str) -> Option<String> {
    let v = std::env::var(name).ok();
    if v.is_none() {
        eprintln!("SKIPPED faults::{test}: {name} is not set");
    }
    v
}

fn upstream(url: &str, default_port: u16) -> SocketAddr {
    let rest = url.split_once("://").unwrap().1;
    let authority = rest.split(['/', '?']).next().unwrap();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let with_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:{default_port}")
    };
    use std::net::ToSocketAddrs;
    with_port.to_socket_addrs().unwrap().next().unwrap()
}

const SETTINGS: PoolSettings = PoolSettings {
    max_connections: 4,
    acquire_timeout: Duration::from_secs(1),
};

fn assert_unavailable(r: &crate::common::Resp, started: Instant, what: &str) {
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {:?}",
        r.json
    );
    assert_eq!(r.json["meta"]["code"], json!(503), "{what}");
    assert!(
        r.errors()[0].contains("temporarily unavailable"),
        "{what}: {:?}",
        r.json
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{what}: took {:?}",
        started.elapsed()
    );
}

/// Sign in until it works again (the pool reconnects by itself), within a deadline.
async fn until_signed_in(t: &TestApp, email: &str, password: &str) -> crate::common::Resp {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut c = t.client();
        let r = c.login(email, password).await;
        if r.status == StatusCode::OK || Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_answers_503_and_recovers() {
    let Some(admin) = env(
        "PORTCULLIS_TEST_POSTGRES_URL",
        "postgres_outage_answers_503_and_recovers",
    ) else {
        return;
    };
    let db = TemporaryDatabase::create(&admin).await.unwrap();
    let proxy = TcpProxy::start(upstream(&admin, 5432)).await.unwrap();
    let store = PgStore::connect_with(&with_address(db.url(), proxy.addr()), SETTINGS)
        .await
        .unwrap();
    let t = TestApp::with_store(Arc::new(store.clone()), |c| {
        c.cache_ttl = portcullis::core::config::Duration::secs(0)
    })
    .await;
    t.user("ann@example.com", "ann password 1").await;
    let mut c = t.client();
    assert_eq!(
        c.login("ann@example.com", "ann password 1").await.status,
        StatusCode::OK
    );

    let mut reg = t.client();
    reg.get_json("/register").await;

    proxy.cut();
    // A sign-in, a session-authenticated request and a registration: each 503, quickly.
    let started = Instant::now();
    let r = t.client().login("ann@example.com", "ann password 1").await;
    assert_unavailable(&r, started, "login");
    let started = Instant::now();
    let r = c.get_json("/api/protected").await;
    assert_unavailable(&r, started, "session request");
    let started = Instant::now();
    let r = reg
        .post_json(
            "/register",
            json!({"email": "bob@example.com", "password": "bob password 1",
                   "password_confirm": "bob password 1"}),
        )
        .await;
    assert_unavailable(&r, started, "register");

    proxy.restore();
    let r = until_signed_in(&t, "ann@example.com", "ann password 1").await;
    assert_eq!(r.status, StatusCode::OK, "recovered: {:?}", r.json);
    // The session made before the outage is still good; what was committed is still there.
    assert_eq!(c.get_json("/api/protected").await.status, StatusCode::OK);
    let ann = t
        .store
        .user_by_email("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ann.login_count,
        Some(2),
        "both successful sign-ins were recorded"
    );
    assert!(
        t.store
            .user_by_email("bob@example.com")
            .await
            .unwrap()
            .is_none()
    );
    drop(t);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_answers_503_and_recovers() {
    let test = "redis_outage_answers_503_and_recovers";
    let Some(redis_url) = env("PORTCULLIS_TEST_REDIS_URL", test) else {
        return;
    };
    let proxy = TcpProxy::start(upstream(&redis_url, 6379)).await.unwrap();
    // Connected directly: owns the test's key prefix and removes its keys at the end.
    let keys = RedisStore::connect_temporary(&redis_url, "faults")
        .await
        .unwrap();
    let redis = RedisStore::connect(&with_address(&redis_url, proxy.addr()), keys.key_prefix())
        .await
        .unwrap();
    let data: Arc<dyn Store> = Arc::new(portcullis::MemoryStore::new());
    let store = SplitStore::new(data, Arc::new(redis), "redis");
    let t = TestApp::with_store(Arc::new(store), |c| {
        c.cache_ttl = portcullis::core::config::Duration::secs(0)
    })
    .await;
    t.user("ann@example.com", "ann password 1").await;
    let mut c = t.client();
    assert_eq!(
        c.login("ann@example.com", "ann password 1").await.status,
        StatusCode::OK
    );

    proxy.cut();
    let started = Instant::now();
    let r = c.get_json("/api/protected").await;
    assert_unavailable(&r, started, "session request with Redis down");
    let started = Instant::now();
    let r = t.client().login("ann@example.com", "ann password 1").await;
    assert_unavailable(&r, started, "login with Redis down");

    proxy.restore();
    let r = until_signed_in(&t, "ann@example.com", "ann password 1").await;
    assert_eq!(r.status, StatusCode::OK, "recovered: {:?}", r.json);
    assert_eq!(c.get_json("/api/protected").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_that_refuses_fails_fast() {
    let refused = refusing_addr().unwrap();
    if let Some(admin) = env(
        "PORTCULLIS_TEST_POSTGRES_URL",
        "a_port_that_refuses_fails_fast (postgres)",
    ) {
        let started = Instant::now();
        let r = PgStore::connect_with(&with_address(&admin, refused), SETTINGS).await;
        assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    if let Some(url) = env(
        "PORTCULLIS_TEST_REDIS_URL",
        "a_port_that_refuses_fails_fast (redis)",
    ) {
        let started = Instant::now();
        let r = RedisStore::connect(&with_address(&url, refused), "portcullis-test:refused:").await;
        assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

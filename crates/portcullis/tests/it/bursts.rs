//! Brute force as an attacker runs it: bursts of concurrent guesses. Every attempt is reserved
//! in the counters before it is evaluated, so however many requests race, at most
//! SECURITY_LOCKOUT_MAX_FAILURES guesses per account and SECURITY_RATE_LIMIT_FAILURES per
//! address are evaluated — on the password paths (login, HTTP Basic, /verify, /change), in
//! memory and on SQLite. (Code paths: two_factor.rs and unified_signin.rs; the counters of
//! every backend: the store conformance suite's `throttle_concurrent_reservations`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::Arc;

use axum::http::StatusCode;
use portcullis::core::events::Event;
use portcullis::core::store::Store;
use portcullis_sqlx::SqliteStore;
use serde_json::json;

use crate::common::{Resp, TestApp, b64};

const PW: &str = "alice password 1";
const BURST: usize = 120;

/// Run `n` requests at once (each task gets its index) and collect the answers.
async fn burst<F, Fut>(n: usize, request: F) -> Vec<Resp>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Resp> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(request(i))).collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// How many wrong passwords were actually checked against the user's hash.
fn evaluated(t: &TestApp, user_id: i64, auth_type: &str) -> usize {
    t.events
        .events()
        .iter()
        .filter(|e| {
            matches!(e, Event::FailedAuthentication { user_id: u, auth_type: a }
                if *u == user_id && a == auth_type)
        })
        .count()
}

async fn stores() -> Vec<(&'static str, Arc<dyn Store>)> {
    vec![
        ("memory", Arc::new(portcullis::MemoryStore::new())),
        (
            "sqlite",
            Arc::new(SqliteStore::connect_temporary().await.unwrap()),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_burst_evaluates_at_most_the_lockout_limit() {
    for (name, store) in stores().await {
        let t = TestApp::with_store(store, |c| c.csrf_ignore_unauth_endpoints = true).await;
        let u = t.user("alice@example.com", PW).await;
        // Each guess from its own address: the account limit is what stops them.
        let answers = burst(BURST, |i| {
            let mut c = t.client_at(&format!("203.0.113.{i}"));
            async move {
                c.post_json_raw(
                    "/login",
                    &[],
                    json!({"email": "alice@example.com", "password": format!("guess {i}")}),
                )
                .await
            }
        })
        .await;
        let invalid = answers
            .iter()
            .filter(|r| r.text.contains("Invalid password"))
            .count();
        let locked = answers
            .iter()
            .filter(|r| r.text.contains("Account locked"))
            .count();
        assert_eq!(invalid, 10, "{name}: guesses evaluated");
        assert_eq!(
            evaluated(&t, u.id, "password"),
            10,
            "{name}: hashes checked"
        );
        assert_eq!(locked, BURST - 10, "{name}: the rest refused unevaluated");
        // The burst locked the account: the right password now is refused too.
        let r = t
            .client()
            .post_json_raw(
                "/login",
                &[],
                json!({"email": "alice@example.com", "password": PW}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(r.text.contains("Account locked"), "{name}: {}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basic_auth_burst_evaluates_at_most_the_lockout_limit() {
    for (name, store) in stores().await {
        let t = TestApp::with_store(store, |_| {}).await;
        let u = t.user("alice@example.com", PW).await;
        let answers = burst(60, |i| {
            let mut c = t.client_at(&format!("203.0.113.{i}"));
            let auth = format!("Basic {}", b64(&format!("alice@example.com:guess {i}")));
            async move {
                c.get_json_with("/api/basic", &[("authorization", auth.as_str())])
                    .await
            }
        })
        .await;
        assert!(answers.iter().all(|r| r.status == StatusCode::UNAUTHORIZED));
        assert_eq!(evaluated(&t, u.id, "basic"), 10, "{name}");
        let right = format!("Basic {}", b64(&format!("alice@example.com:{PW}")));
        let r = t
            .client()
            .get_json_with("/api/basic", &[("authorization", right.as_str())])
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}: locked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_and_change_bursts_evaluate_at_most_the_lockout_limit() {
    let t = TestApp::new(|_| {}).await;
    let u = t.user("alice@example.com", PW).await;
    let mut c = t.client();
    assert_eq!(
        c.login("alice@example.com", PW).await.status,
        StatusCode::OK
    );
    // The session's CSRF token comes with the client clones.
    c.get_json("/verify").await;
    let answers = burst(40, |i| {
        let mut c = c.clone();
        async move {
            if i % 2 == 0 {
                c.post_json("/verify", json!({"password": format!("guess {i}")}))
                    .await
            } else {
                c.post_json(
                    "/change",
                    json!({"password": format!("guess {i}"),
                           "new_password": "a new password 2",
                           "new_password_confirm": "a new password 2"}),
                )
                .await
            }
        }
    })
    .await;
    let invalid = answers
        .iter()
        .filter(|r| r.text.contains("Invalid password"))
        .count();
    assert_eq!(invalid, 10, "{:?}", answers.first());
    assert_eq!(evaluated(&t, u.id, "password"), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_burst_evaluates_at_most_the_rate_limit() {
    for (name, store) in stores().await {
        let t = TestApp::with_store(store, |c| {
            c.csrf_ignore_unauth_endpoints = true;
            c.rate_limit_failures = 100;
        })
        .await;
        // 200 different (unknown) identities from one address: no account limit applies.
        let answers = burst(200, |i| {
            let mut c = t.client_at("203.0.113.7");
            async move {
                c.post_json_raw(
                    "/login",
                    &[],
                    json!({"email": format!("u{i}@example.com"), "password": "guess guess"}),
                )
                .await
            }
        })
        .await;
        let limited = answers
            .iter()
            .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
            .count();
        assert_eq!(limited, 100, "{name}: evaluated at most the limit");
        assert!(
            answers
                .iter()
                .all(|r| r.status == StatusCode::TOO_MANY_REQUESTS
                    || r.text.contains("Specified user does not exist"))
        );
        // Another address is not affected.
        let r = t
            .client_at("198.51.100.2")
            .post_json_raw(
                "/login",
                &[],
                json!({"email": "x@example.com", "password": "guess guess"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn successful_sign_ins_do_not_use_up_the_address_allowance() {
    let t = TestApp::new(|c| {
        c.csrf_ignore_unauth_endpoints = true;
        c.rate_limit_failures = 5;
    })
    .await;
    t.user("alice@example.com", PW).await;
    for _ in 0..12 {
        let r = t
            .client_at("203.0.113.8")
            .post_json_raw(
                "/login",
                &[],
                json!({"email": "alice@example.com", "password": PW}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

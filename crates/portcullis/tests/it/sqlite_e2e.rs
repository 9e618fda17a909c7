//! portcullis over SQLite: concurrent logins, and changes by another process.
//! (A real Flask-Security database on every backend: flask_security_migration.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use crate::common::TestApp;
use axum::http::StatusCode;
use portcullis::core::store::Store;
use portcullis_sqlx::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_logins_are_counted_exactly() {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::connect_temporary().await.unwrap());
    let t = TestApp::with_store(Arc::clone(&store), |_| {}).await;
    let u = t.user("alice@example.com", "alice password 1").await;
    let n = 24;
    let mut tasks = Vec::new();
    for _ in 0..n {
        let mut c = t.client();
        tasks.push(tokio::spawn(async move {
            c.login("alice@example.com", "alice password 1")
                .await
                .status
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    let after = store.user_by_id(u.id).await.unwrap().unwrap();
    assert_eq!(after.login_count, Some(n));
    assert!(after.current_login_at.is_some() && after.last_login_at.is_some());
    // Every login made its own live session.
    assert_eq!(
        store
            .count_sessions(t.security.clock().unix())
            .await
            .unwrap(),
        n as u64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_by_another_process_apply_within_the_cache_ttl() {
    // `raw` stands for another process (the CLI, another instance) writing to the same database.
    let raw: Arc<dyn Store> = Arc::new(SqliteStore::connect_temporary().await.unwrap());
    let t = TestApp::with_store(Arc::clone(&raw), |c| {
        c.cache_ttl = portcullis::core::config::Duration::secs(1)
    })
    .await;
    let u = t.user("alice@example.com", "alice password 1").await;
    let token = t
        .client()
        .login("alice@example.com", "alice password 1")
        .await
        .token();
    let mut api = t.client();
    let h = [("authentication-token", token.as_str())];
    assert_eq!(
        api.get_json_with("/api/protected", &h).await.status,
        StatusCode::OK
    );
    raw.set_active(u.id, false, t.security.clock().now())
        .await
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let status = api.get_json_with("/api/protected", &h).await.status;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_millis(1500),
            "still {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Through this process's own store the change is immediate.
    t.store
        .set_active(u.id, true, t.security.clock().now())
        .await
        .unwrap();
    assert_eq!(
        api.get_json_with("/api/protected", &h).await.status,
        StatusCode::OK
    );
    t.store
        .set_active(u.id, false, t.security.clock().now())
        .await
        .unwrap();
    assert_eq!(
        api.get_json_with("/api/protected", &h).await.status,
        StatusCode::UNAUTHORIZED
    );
}

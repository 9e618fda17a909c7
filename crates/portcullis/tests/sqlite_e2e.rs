//! portcullis over SQLite: a real Flask-Security database, and concurrent logins.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::TestApp;
use portcullis::core::store::Store;
use portcullis_sqlx::SqliteStore;
use serde_json::{Value, json};

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flask_security_database_users_sign_in_with_their_passwords() {
    let vectors: Value = serde_json::from_str(
        &std::fs::read_to_string(data("flask-security-vectors.json")).unwrap(),
    )
    .unwrap();
    let copy = std::env::temp_dir().join(format!(
        "portcullis-fsdb-{}.db",
        portcullis::core::crypto::random::token_hex(8)
    ));
    std::fs::copy(data("flask-security.db"), &copy).unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::connect(&format!("sqlite://{}", copy.display()))
            .await
            .unwrap(),
    );
    let t = TestApp::with_store(Arc::clone(&store), |c| {
        c.secret_key = Some("demo-secret-key".to_owned().into());
        c.password_salt = Some("demo-password-salt".to_owned().into());
        c.confirmable = true;
        // Default (production) argon2 parameters for new hashes, as Flask-Security's.
        c.password_hash_passlib_options = serde_json::Map::new();
    })
    .await;
    for u in vectors["database_users"].as_array().unwrap() {
        let email = u["email"].as_str().unwrap();
        let password = u["password"].as_str().unwrap();
        let active = u["active"].as_bool().unwrap();
        let confirmed = u["confirmed"].as_bool().unwrap();
        let mut c = t.client();
        let r = c.login(email, password).await;
        if active && confirmed {
            assert_eq!(r.status, StatusCode::OK, "{email}: {}", r.text);
            let token = r.token();
            // Roles and permissions carried over.
            let check = c
                .get_json_with("/auth/check", &[("authentication-token", &token)])
                .await;
            assert_eq!(check.status, StatusCode::OK);
            let roles: Vec<&str> = u["roles"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(
                check.header("x-auth-roles"),
                Some(roles.join(",").as_str()),
                "{email}"
            );
            assert_eq!(check.header("x-auth-user-id"), u["fs_uniquifier"].as_str());
            // The hash was upgraded to argon2 (the current scheme) unless it already was.
            let stored = store.user_by_email(email).await.unwrap().unwrap();
            assert!(
                stored
                    .password
                    .unwrap()
                    .starts_with("$argon2id$v=19$m=65536,t=3,p=4$"),
                "{email}"
            );
            // And the password still works after the upgrade.
            let mut again = t.client();
            assert_eq!(
                again.login(email, password).await.status,
                StatusCode::OK,
                "{email} after upgrade"
            );
        } else {
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{email}");
            let expected = if active {
                "Email requires confirmation."
            } else {
                "Account is disabled."
            };
            assert_eq!(
                r.response()["field_errors"]["email"],
                json!([expected]),
                "{email}"
            );
        }
        let mut wrong = t.client();
        assert_eq!(
            wrong.login(email, "not the password").await.status,
            StatusCode::BAD_REQUEST
        );
    }
    // ann is an admin with permission "write" (role permissions "read,write,admin").
    let mut c = t.client();
    let token = c
        .login("ann-demo@example.com", "argon2-demo-pw-ann-demo")
        .await
        .token();
    let r = c
        .get_json_with(
            "/auth/check?permissions_required=write,admin",
            &[("authentication-token", &token)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // An auth token minted by Flask-Security for ann is accepted.
    t.clock.set(1_790_000_000 + 30);
    let fs_token = vectors["auth_tokens"][1]["token"].as_str().unwrap();
    let r = c
        .get_json_with("/api/protected", &[("authentication-token", fs_token)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["email"], "ann-demo@example.com");
    drop(t);
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
}

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

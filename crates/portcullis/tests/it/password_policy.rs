//! The password policy through `/register` and `/change`: breached check against a real range
//! server on loopback (strict, best-effort, off), zxcvbn with feedback, identity equality; and
//! the optional email deliverability check against a real DNS server on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::TestApp;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use portcullis::core::policy::breached::sha1_hex;
use serde_json::json;

const BREACHED: &str = "monkey banana 77";
const STRONG: &str = "quixotic-lantern-fjord-2049";

/// A k-anonymity range server: knows one breached password, pads its answers.
async fn range_server() -> String {
    let hash = sha1_hex(BREACHED);
    let (prefix, suffix) = (hash[..5].to_owned(), hash[5..].to_owned());
    let app = axum::Router::new().route(
        "/range/{prefix}",
        get(move |Path(p): Path<String>| {
            let (prefix, suffix) = (prefix.clone(), suffix.clone());
            async move {
                let mut body = String::from("00000000000000000000000000000000000:0\r\n");
                if p.eq_ignore_ascii_case(&prefix) {
                    body.push_str(&format!("{suffix}:12\r\n"));
                }
                body.push_str("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:3");
                body
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}/range/")
}

/// A loopback port nothing listens on.
fn refusing_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}/range/")
}

async fn register(t: &TestApp, email: &str, pw: &str) -> crate::common::Resp {
    let mut c = t.client();
    c.get_json("/register").await;
    c.post_json(
        "/register",
        json!({"email": email, "password": pw, "password_confirm": pw}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breached_passwords_are_refused_in_strict_mode() {
    let url = range_server().await;
    let t = TestApp::new(|c| {
        c.password_check_breached = json!("strict");
        c.password_breached_url = url;
    })
    .await;
    let r = register(&t, "a@example.com", BREACHED).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["password"],
        json!(["Password on breached list"])
    );
    assert_eq!(
        register(&t, "b@example.com", STRONG).await.status,
        StatusCode::OK
    );
    // /change applies the same rule to the new password.
    let mut c = t.client();
    c.login("b@example.com", STRONG).await;
    let r = c
        .post_json(
            "/change",
            json!({"password": STRONG, "new_password": BREACHED, "new_password_confirm": BREACHED}),
        )
        .await;
    assert_eq!(
        r.response()["field_errors"]["new_password"],
        json!(["Password on breached list"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breached_count_threshold() {
    let url = range_server().await;
    let t = TestApp::new(|c| {
        c.password_check_breached = json!("strict");
        c.password_breached_url = url;
        c.password_breached_count = 13;
    })
    .await;
    // Seen 12 times: below the threshold of 13.
    assert_eq!(
        register(&t, "a@example.com", BREACHED).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_service_strict_refuses_best_effort_allows() {
    let strict = TestApp::new(|c| {
        c.password_check_breached = json!("strict");
        c.password_breached_url = refusing_url();
    })
    .await;
    let r = register(&strict, "a@example.com", STRONG).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["password"],
        json!(["Failed to contact breached passwords site"])
    );
    let best = TestApp::new(|c| {
        c.password_check_breached = json!(true);
        c.password_breached_url = refusing_url();
    })
    .await;
    assert_eq!(
        register(&best, "a@example.com", STRONG).await.status,
        StatusCode::OK
    );
    let off = TestApp::new(|c| c.password_breached_url = refusing_url()).await;
    assert_eq!(
        register(&off, "a@example.com", BREACHED).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_list_works_without_the_service() {
    let path = std::env::temp_dir().join(format!(
        "portcullis-breached-{}.txt",
        portcullis::core::crypto::random::token_hex(6)
    ));
    std::fs::write(&path, format!("{}\nhunter2hunter2\n", sha1_hex(BREACHED))).unwrap();
    let t = TestApp::new(|c| {
        c.password_check_breached = json!("strict");
        c.password_breached_url = String::new();
        c.password_breached_list = Some(path.display().to_string());
    })
    .await;
    for pw in [BREACHED, "hunter2hunter2"] {
        let r = register(&t, "a@example.com", pw).await;
        assert_eq!(
            r.response()["field_errors"]["password"],
            json!(["Password on breached list"]),
            "{pw}"
        );
    }
    assert_eq!(
        register(&t, "a@example.com", STRONG).await.status,
        StatusCode::OK
    );
    std::fs::remove_file(&path).ok();
}

#[tokio::test]
async fn complexity_feedback_and_identity_rule() {
    let t = TestApp::new(|c| c.password_complexity_checker = Some("zxcvbn".into())).await;
    let r = register(&t, "a@example.com", "aaaaaaaaaa").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let msgs = r.response()["field_errors"]["password"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!msgs.is_empty());
    assert!(
        msgs.iter()
            .all(|m| m.as_str().is_some_and(|m| !m.is_empty())),
        "zxcvbn feedback: {msgs:?}"
    );
    assert_eq!(
        register(&t, "b@example.com", STRONG).await.status,
        StatusCode::OK
    );
    let t = TestApp::new(|_| {}).await;
    let r = register(&t, "longname@example.com", "longname@example.com").await;
    assert_eq!(
        r.response()["field_errors"]["password"],
        json!(["Password must not be the same as your email or username"])
    );
    // Too long is refused, not truncated.
    let long = "x".repeat(129);
    let r = register(&t, "c@example.com", &long).await;
    assert_eq!(
        r.response()["field_errors"]["password"],
        json!(["Password must be no more than 128 characters"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_deliverability_when_turned_on() {
    use portcullis::core::testing::{ZoneRecord, ZoneServer};
    let dns = ZoneServer::start(
        &[
            ("example.com", vec![ZoneRecord::Mx(10, "mx.example.com")]),
            ("nullmx.example", vec![ZoneRecord::Mx(0, ".")]),
        ],
        &["slow.example"],
    )
    .await
    .unwrap();
    let addr = dns.addr().to_string();
    let t = TestApp::new(move |c| {
        c.email_validator_args = serde_json::from_value(json!({
            "check_deliverability": true,
            "timeout": 0.3,
            "nameservers": [addr],
        }))
        .unwrap();
    })
    .await;
    assert_eq!(
        register(&t, "ann@example.com", STRONG).await.status,
        StatusCode::OK
    );
    let r = register(&t, "bob@nowhere.example", STRONG).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["The domain name nowhere.example does not exist."])
    );
    let r = register(&t, "bob@nullmx.example", STRONG).await;
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["The domain name nullmx.example does not accept email."])
    );
    // DNS that cannot answer lets the address through.
    assert_eq!(
        register(&t, "bob@slow.example", STRONG).await.status,
        StatusCode::OK
    );
    // Off (the default): no DNS at all, so an undeliverable domain registers.
    let off = TestApp::new(|_| {}).await;
    assert_eq!(
        register(&off, "bob@nullmx.example", STRONG).await.status,
        StatusCode::OK
    );
}

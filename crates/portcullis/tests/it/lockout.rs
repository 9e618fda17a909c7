//! Brute-force protection: account lockout and per-address rate limits, with a fixed clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{TestApp, b64};
use axum::http::StatusCode;
use portcullis::core::events::Event;
use serde_json::json;

const PW: &str = "alice password 1";

#[tokio::test]
async fn ten_failures_lock_the_account_whatever_the_password() {
    let t = TestApp::new(|c| c.csrf_ignore_unauth_endpoints = true).await;
    let u = t.user("alice@example.com", PW).await;
    let mut c = t.client();
    for _ in 0..10 {
        let r = c
            .post_json_raw(
                "/login",
                &[],
                json!({"email": "alice@example.com", "password": "wrong password"}),
            )
            .await;
        assert_eq!(
            r.response()["field_errors"]["password"],
            json!(["Invalid password"])
        );
    }
    assert!(t.events.events().contains(&Event::AccountLocked {
        account: format!("user:{}", u.id),
        seconds: 900
    }));
    // Locked: the right password gets the same answer as a wrong one, for the same work.
    let ops = t.security.hash_pool().operations();
    let right = c
        .post_json_raw(
            "/login",
            &[],
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    let wrong = c
        .post_json_raw(
            "/login",
            &[],
            json!({"email": "alice@example.com", "password": "wrong password"}),
        )
        .await;
    assert_eq!(t.security.hash_pool().operations() - ops, 2);
    assert_eq!(right.status, StatusCode::BAD_REQUEST);
    assert_eq!(right.response(), wrong.response());
    assert_eq!(
        right.response()["field_errors"]["email"],
        json!(["Account locked after too many failed sign-ins. Try again in 15 minutes."])
    );
    // Attempts during the lock do not extend it; it ends after 15 minutes.
    t.clock.advance(15 * 60);
    let r = c
        .post_json_raw(
            "/login?include_auth_token",
            &[],
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A success reset the count: nine more failures do not lock.
    let mut c = t.client();
    for _ in 0..9 {
        c.post_json_raw(
            "/login",
            &[],
            json!({"email": "alice@example.com", "password": "nope nope"}),
        )
        .await;
    }
    let r = c
        .post_json_raw(
            "/login",
            &[],
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn lockouts_double_and_are_capped_at_an_hour() {
    let t = TestApp::new(|c| {
        c.csrf_ignore_unauth_endpoints = true;
        c.lockout_max_failures = 3;
    })
    .await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    let fail = |c: &mut crate::common::Client| {
        let mut c = c.clone();
        async move {
            c.post_json_raw(
                "/login",
                &[],
                json!({"email": "alice@example.com", "password": "bad password"}),
            )
            .await
        }
    };
    let mut expected = vec![15, 30, 60, 60];
    for minutes in expected.drain(..) {
        for _ in 0..3 {
            fail(&mut c).await;
        }
        let r = fail(&mut c).await;
        assert_eq!(
            r.response()["field_errors"]["email"],
            json!([format!(
                "Account locked after too many failed sign-ins. Try again in {minutes} minutes."
            )]),
            "lockout of {minutes} minutes"
        );
        t.clock.advance(minutes * 60);
    }
}

#[tokio::test]
async fn unknown_identities_lock_the_same_way_and_generic_mode_hides_locks() {
    let t = TestApp::new(|c| {
        c.csrf_ignore_unauth_endpoints = true;
        c.return_generic_responses = true;
        c.lockout_max_failures = 3;
    })
    .await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    let generic = json!({
        "errors": ["Authentication failed - identity or password/passcode invalid"],
        "field_errors": {"": ["Authentication failed - identity or password/passcode invalid"]}
    });
    for email in ["alice@example.com", "ghost@example.com"] {
        for _ in 0..4 {
            let r = c
                .post_json_raw(
                    "/login",
                    &[],
                    json!({"email": email, "password": "bad password"}),
                )
                .await;
            assert_eq!(r.response(), &generic, "{email}");
        }
    }
    // Locked, with the right password: still the generic answer.
    let r = c
        .post_json_raw(
            "/login",
            &[],
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.response(), &generic);
    assert!(t.events.events().iter().any(|e| matches!(e, Event::AccountLocked { account, .. } if account == "identity:ghost@example.com")));
}

#[tokio::test]
async fn basic_auth_and_verify_count_toward_the_lock() {
    let t = TestApp::new(|c| {
        c.csrf_ignore_unauth_endpoints = true;
        c.lockout_max_failures = 3;
    })
    .await;
    t.user("alice@example.com", PW).await;
    let good = format!("Basic {}", b64("alice@example.com:alice password 1"));
    let bad = format!("Basic {}", b64("alice@example.com:wrong"));
    let mut c = t.client();
    assert_eq!(
        c.get_json_with("/api/basic", &[("authorization", &good)])
            .await
            .status,
        StatusCode::OK
    );
    for _ in 0..3 {
        assert_eq!(
            c.get_json_with("/api/basic", &[("authorization", &bad)])
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        c.get_json_with("/api/basic", &[("authorization", &good)])
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "locked: even the right password is refused"
    );
    t.clock.advance(15 * 60);
    let mut s = t.client();
    s.login("alice@example.com", PW).await;
    for _ in 0..3 {
        let r = s.post_json("/verify", json!({"password": "wrong"})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    let r = s.post_json("/verify", json!({"password": PW})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.response()["field_errors"]["password"][0]
            .as_str()
            .unwrap()
            .starts_with("Account locked")
    );
}

#[tokio::test]
async fn failures_per_address_are_rate_limited() {
    let t = TestApp::new(|c| {
        c.csrf_ignore_unauth_endpoints = true;
        c.rate_limit_failures = 5;
        c.rate_limit_window = portcullis::core::config::Duration::mins(5);
    })
    .await;
    t.user("alice@example.com", PW).await;
    let mut attacker = t.client_at("203.0.113.7");
    // Spread over many accounts so no account lock is involved.
    for i in 0..5 {
        let r = attacker
            .post_json_raw(
                "/login",
                &[],
                json!({"email": format!("user{i}@example.com"), "password": "guess guess"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    t.clock.advance(60);
    let r = attacker
        .post_json_raw(
            "/login",
            &[],
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header("retry-after"), Some("240"));
    assert_eq!(r.response()["retry_after"], json!(240));
    assert_eq!(
        r.errors(),
        vec!["Too many failed sign-in attempts. Please try again later."]
    );
    assert!(t.events.events().contains(&Event::RateLimited {
        address: "203.0.113.7".into()
    }));
    // Another address is not affected; the attacker's window passes.
    let mut other = t.client_at("198.51.100.20");
    assert_eq!(
        other
            .post_json_raw(
                "/login",
                &[],
                json!({"email": "alice@example.com", "password": PW})
            )
            .await
            .status,
        StatusCode::OK
    );
    t.clock.advance(240);
    assert_eq!(
        attacker
            .post_json_raw(
                "/login",
                &[],
                json!({"email": "alice@example.com", "password": PW})
            )
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn x_forwarded_for_counts_only_from_trusted_proxies() {
    let t = TestApp::new(|c| {
        c.csrf_ignore_unauth_endpoints = true;
        c.rate_limit_failures = 3;
        c.trusted_proxies = vec!["10.0.0.0/8".into()];
    })
    .await;
    // An untrusted peer cannot escape the limit by inventing X-Forwarded-For values.
    let mut direct = t.client_at("203.0.113.7");
    for i in 0..3 {
        let spoof = format!("192.0.2.{i}");
        direct
            .post_json_raw(
                "/login",
                &[("x-forwarded-for", &spoof)],
                json!({"email": "nobody@example.com", "password": "guess guess"}),
            )
            .await;
    }
    let r = direct
        .post_json_raw(
            "/login",
            &[("x-forwarded-for", "192.0.2.99")],
            json!({"email": "nobody@example.com", "password": "guess guess"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // Behind the trusted proxy, the client is the address the proxy appended (rightmost), even
    // when the client prepends fake hops.
    let mut via_proxy = t.client_at("10.1.2.3");
    for i in 0..3 {
        let xff = format!("192.0.2.{i}, 198.51.100.5");
        via_proxy
            .post_json_raw(
                "/login",
                &[("x-forwarded-for", &xff)],
                json!({"email": "nobody2@example.com", "password": "guess guess"}),
            )
            .await;
    }
    let r = via_proxy
        .post_json_raw(
            "/login",
            &[("x-forwarded-for", "198.51.100.5")],
            json!({"email": "nobody2@example.com", "password": "guess guess"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "198.51.100.5 is limited"
    );
    let r = via_proxy
        .post_json_raw(
            "/login",
            &[("x-forwarded-for", "198.51.100.6")],
            json!({"email": "nobody3@example.com", "password": "guess guess"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "another client behind the same proxy is not"
    );
}

/// An app served without connection info cannot silently skip the per-address limit: a
/// credential attempt is refused (500, in the envelope) until the app is served with
/// `portcullis::serve` or says `ClientAddresses::Untracked`.
#[tokio::test]
async fn without_connection_info_credentials_are_refused_unless_stated() {
    use axum::body::Body;
    use tower::ServiceExt;
    let t = TestApp::new(|c| c.csrf_ignore_unauth_endpoints = true).await;
    let u = t.user("alice@example.com", PW).await;
    let login = || {
        axum::http::Request::post("/login")
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(Body::from(
                json!({"email": "alice@example.com", "password": PW}).to_string(),
            ))
            .unwrap()
    };
    let res = t.app.clone().oneshot(login()).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["meta"]["code"], 500);
    let after = t.store.user_by_id(u.id).await.unwrap().unwrap();
    assert_eq!(after.login_count, None, "nothing was evaluated");

    // Stated: the per-address limit is off, sign-in works.
    let config = t.security.config().clone();
    let security = portcullis::Security::builder_arc(config, t.store.clone())
        .client_addresses(portcullis::ClientAddresses::Untracked)
        .build()
        .unwrap();
    let app = axum::Router::new()
        .merge(security.router())
        .layer(security.layer());
    let res = app.oneshot(login()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

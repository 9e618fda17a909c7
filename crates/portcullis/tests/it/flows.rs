//! End-to-end tests of the JSON and HTML flows, in process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{Payload, TestApp, b64};
use axum::http::{Method, StatusCode};
use portcullis::core::events::Event;
use serde_json::json;
use std::sync::Arc;

const PW: &str = "alice password 1";

#[tokio::test]
async fn login_json_returns_token_and_session() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    let r = c.get_json("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.response()["identity_attributes"], json!(["email"]));
    assert!(r.response()["csrf_token"].is_string());
    assert_eq!(r.header("cache-control"), Some("private, no-store"));

    let r = c
        .post_json(
            "/login?include_auth_token",
            json!({"email": "alice@example.com", "password": PW, "remember": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["meta"]["code"], 200);
    assert_eq!(r.response()["tf_required"], json!(false));
    let token = r.token();
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    // Session works.
    let r = c.get_json("/api/protected").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["via"], "session");
    // Token works without cookies.
    let mut tok = t.client();
    let r = tok
        .get_json_with("/api/protected", &[("authentication-token", &token)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["email"], "alice@example.com");
    assert_eq!(r.json["via"], "token");
    // Query parameter too.
    let r = tok
        .get_json(&format!("/api/protected?auth_token={token}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // And the JSON body key.
    let r = tok
        .post_json_raw("/api/protected", &[], json!({"auth_token": token}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn without_include_auth_token_no_token_is_returned() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    c.get_json("/login").await;
    let r = c
        .post_json(
            "/login",
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.response()["user"], json!({}));
}

#[tokio::test]
async fn session_id_rotates_at_login() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    c.get_json("/login").await;
    let before = c.cookies.get("session").cloned().unwrap();
    let r = c
        .post_json(
            "/login",
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let after = c.cookies.get("session").cloned().unwrap();
    assert_ne!(before, after, "session id must change at login");
    // A fixated (pre-login) id is worthless.
    let mut attacker = t.client();
    attacker.cookies.insert("session".into(), before);
    assert_eq!(
        attacker.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_user_have_same_shape_and_cost() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    c.get_json("/login").await;
    let ops0 = t.security.hash_pool().operations();
    let wrong = c
        .post_json(
            "/login",
            json!({"email": "alice@example.com", "password": "wrong password"}),
        )
        .await;
    let ops1 = t.security.hash_pool().operations();
    let unknown = c
        .post_json(
            "/login",
            json!({"email": "nobody@example.com", "password": "wrong password"}),
        )
        .await;
    let ops2 = t.security.hash_pool().operations();
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong.response(),
        &json!({"errors": ["Invalid password"], "field_errors": {"password": ["Invalid password"]}})
    );
    assert_eq!(
        unknown.response(),
        &json!({"errors": ["Specified user does not exist"], "field_errors": {"email": ["Specified user does not exist"]}})
    );
    // Same amount of hashing work for both.
    assert_eq!(ops1 - ops0, 1);
    assert_eq!(ops2 - ops1, 1);
    assert!(t.events.events().contains(&Event::FailedAuthentication {
        user_id: 1,
        auth_type: "password".into()
    }));
}

#[tokio::test]
async fn generic_responses_hide_which_part_failed() {
    let t = TestApp::new(|c| c.return_generic_responses = true).await;
    t.user("alice@example.com", PW).await;
    t.user_with("off@example.com", PW, false, true).await;
    let mut c = t.client();
    c.get_json("/login").await;
    let expected = json!({
        "errors": ["Authentication failed - identity or password/passcode invalid"],
        "field_errors": {"": ["Authentication failed - identity or password/passcode invalid"]}
    });
    for (email, pw) in [
        ("alice@example.com", "wrong password"),
        ("nobody@example.com", "whatever pw"),
        ("off@example.com", PW),
    ] {
        let r = c
            .post_json("/login", json!({"email": email, "password": pw}))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.response(), &expected, "{email}");
    }
}

#[tokio::test]
async fn inactive_and_unconfirmed_users_cannot_sign_in() {
    let t = TestApp::new(|c| c.confirmable = true).await;
    t.user_with("off@example.com", PW, false, true).await;
    t.user_with("new@example.com", PW, true, false).await;
    let mut c = t.client();
    c.get_json("/login").await;
    let r = c
        .post_json(
            "/login",
            json!({"email": "off@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Account is disabled."])
    );
    let r = c
        .post_json(
            "/login",
            json!({"email": "new@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Email requires confirmation."])
    );
    // A wrong password for the disabled account says "Invalid password", not "disabled".
    let r = c
        .post_json(
            "/login",
            json!({"email": "off@example.com", "password": "nope nope"}),
        )
        .await;
    assert_eq!(
        r.response()["field_errors"]["password"],
        json!(["Invalid password"])
    );
}

#[tokio::test]
async fn bad_input_gets_field_errors_not_500() {
    let t = TestApp::new(|_| {}).await;
    let mut c = t.client();
    c.get_json("/login").await;
    let r = c
        .post_json("/login", json!({"email": 42, "password": PW}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Input not appropriate for requested API"])
    );
    let r = c
        .post_json("/login", json!({"email": "not-an-email", "password": PW}))
        .await;
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Invalid email address"])
    );
    let r = c
        .post_json("/login", json!({"email": "a@example.com"}))
        .await;
    assert_eq!(
        r.response()["field_errors"]["password"],
        json!(["Password not provided"])
    );
    let r = c.post_json("/login", json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let csrf = c.csrf.clone().unwrap();
    let r = c
        .send(
            Method::POST,
            "/login",
            &[
                ("accept", "application/json"),
                ("content-type", "application/json"),
                ("x-csrf-token", &csrf),
            ],
            Payload::None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c
        .send(
            Method::POST,
            "/login",
            &[("accept", "application/json"), ("x-csrf-token", &csrf)],
            Payload::Json(json!(["not", "an", "object"])),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.errors(), vec!["Input not appropriate for requested API"]);
}

#[tokio::test]
async fn csrf_missing_invalid_and_expired() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    // No session at all.
    let r = c
        .post_json_raw(
            "/login",
            &[],
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.errors(), vec!["The CSRF token is missing."]);
    c.get_json("/login").await;
    let r = c
        .post_json_raw(
            "/login",
            &[("x-xsrf-token", "bogus")],
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.errors(), vec!["The CSRF token is invalid."]);
    // A token bound to another session is invalid here.
    let mut other = t.client();
    other.get_json("/login").await;
    let foreign = other.csrf.clone().unwrap();
    let r = c
        .post_json_raw(
            "/login",
            &[("x-xsrf-token", &foreign)],
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.errors(), vec!["The CSRF token is invalid."]);
    // Expired after an hour.
    t.clock.advance(3601);
    let r = c
        .post_json(
            "/login",
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.errors(), vec!["The CSRF token has expired."]);
    // The form field works as well as the header.
    c.get_json("/login").await;
    let tok = c.csrf.clone().unwrap();
    let r = c
        .post_json_raw(
            "/login",
            &[],
            json!({"email": "alice@example.com", "password": PW, "csrf_token": tok}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Session-authenticated state change without CSRF is refused; token-authenticated is not.
    let token = {
        let mut c2 = t.client();
        c2.login("alice@example.com", PW).await.token()
    };
    let r = c.post_json_raw("/api/protected", &[], json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.errors(), vec!["The CSRF token is missing."]);
    let mut api = t.client();
    let r = api
        .post_json_raw(
            "/api/protected",
            &[("authentication-token", &token)],
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn csrf_ignore_unauth_endpoints_and_spa_cookie() {
    let t = TestApp::new(|c| {
        c.csrf_ignore_unauth_endpoints = true;
        c.csrf_cookie_name = Some("XSRF-TOKEN".into());
    })
    .await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    let r = c.get_json("/login").await;
    assert!(r.set_cookies().iter().any(|s| s.starts_with("XSRF-TOKEN=")));
    let r = c
        .post_json_raw(
            "/login?include_auth_token",
            &[],
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let xsrf = c.cookies.get("XSRF-TOKEN").cloned().unwrap();
    // The cookie's token is bound to the new (rotated) session.
    let r = c
        .post_json_raw(
            "/change",
            &[("x-xsrf-token", &xsrf)],
            json!({"password": PW, "new_password": "alice password 2", "new_password_confirm": "alice password 2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = c.post_json_raw("/logout", &[], json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.set_cookies()
            .iter()
            .any(|s| s.starts_with("XSRF-TOKEN=;"))
    );
}

#[tokio::test]
async fn logout_ends_session() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    c.login("alice@example.com", PW).await;
    let stolen = c.cookies.clone();
    let r = c.post_json("/logout", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json, json!({"meta": {"code": 200}, "response": {}}));
    assert_eq!(
        c.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    // The old cookie value is dead server-side too.
    let mut replay = t.client();
    replay.cookies = stolen;
    assert_eq!(
        replay.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    // GET /logout is not a route by default (POST only).
    let r = c.get_json("/logout").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn change_password_ends_other_sessions_and_tokens() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut a = t.client();
    let old_token = a.login("alice@example.com", PW).await.token();
    let mut b = t.client();
    b.login("alice@example.com", PW).await;

    let r = a
        .post_json(
            "/change?include_auth_token",
            json!({"password": "wrong current pw", "new_password": "alice password 2", "new_password_confirm": "alice password 2"}),
        )
        .await;
    assert_eq!(
        r.response()["field_errors"]["password"],
        json!(["Invalid password"])
    );
    let r = a
        .post_json(
            "/change",
            json!({"password": PW, "new_password": PW, "new_password_confirm": PW}),
        )
        .await;
    assert_eq!(
        r.response()["field_errors"]["new_password"],
        json!(["Your new password must be different than your previous password."])
    );
    let r = a
        .post_json(
            "/change",
            json!({"password": PW, "new_password": "short", "new_password_confirm": "short"}),
        )
        .await;
    assert_eq!(
        r.response()["field_errors"]["new_password"],
        json!(["Password must be at least 8 characters"])
    );
    let r = a
        .post_json("/change", json!({"password": PW, "new_password": "alice password 2", "new_password_confirm": "alice password 3"}))
        .await;
    assert_eq!(
        r.response()["field_errors"]["new_password_confirm"],
        json!(["Passwords do not match"])
    );

    let r = a
        .post_json(
            "/change?include_auth_token",
            json!({"password": PW, "new_password": "alice password 2", "new_password_confirm": "alice password 2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let new_token = r.token();
    // This browser stays signed in; the other one and the old token do not.
    assert_eq!(a.get_json("/api/protected").await.status, StatusCode::OK);
    assert_eq!(
        b.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut api = t.client();
    assert_eq!(
        api.get_json_with("/api/protected", &[("authentication-token", &old_token)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api.get_json_with("/api/protected", &[("authentication-token", &new_token)])
            .await
            .status,
        StatusCode::OK
    );
    // Old password no longer works; the new one does.
    let mut c = t.client();
    assert_eq!(
        c.login("alice@example.com", PW).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        c.login("alice@example.com", "alice password 2")
            .await
            .status,
        StatusCode::OK
    );
    assert!(
        t.events
            .events()
            .contains(&Event::PasswordChanged { user_id: 1 })
    );
}

#[tokio::test]
async fn reset_access_and_deactivation_end_sessions_and_tokens() {
    let t = TestApp::new(|_| {}).await;
    let u = t.user("alice@example.com", PW).await;
    let mut a = t.client();
    let token = a.login("alice@example.com", PW).await.token();
    assert_eq!(a.get_json("/api/protected").await.status, StatusCode::OK);
    // reset-access: rotate the uniquifier.
    t.store
        .set_uniquifier(
            u.id,
            &portcullis::core::crypto::random::uniquifier(),
            t.security.clock().now(),
        )
        .await
        .unwrap();
    assert_eq!(
        a.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut api = t.client();
    assert_eq!(
        api.get_json_with("/api/protected", &[("authentication-token", &token)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Deactivation.
    let mut b = t.client();
    let token = b.login("alice@example.com", PW).await.token();
    t.store
        .set_active(u.id, false, t.security.clock().now())
        .await
        .unwrap();
    assert_eq!(
        b.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api.get_json_with("/api/protected", &[("authentication-token", &token)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_expire_and_garbage_is_401() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let token = t.client().login("alice@example.com", PW).await.token();
    let mut api = t.client();
    let get = |tok: String| {
        let mut api = api.clone();
        async move {
            api.get_json_with("/api/protected", &[("authentication-token", &tok)])
                .await
                .status
        }
    };
    assert_eq!(get(token.clone()).await, StatusCode::OK);
    for garbage in [
        "garbage.hy2M0GtWQxg11cJElp8Y",
        "",
        ".",
        "...",
        "eyJ2ZXIiOiI1In0.AAAA.BBBB",
        &"a".repeat(5000),
    ] {
        assert_eq!(
            get(garbage.to_owned()).await,
            StatusCode::UNAUTHORIZED,
            "{garbage}"
        );
    }
    // A character inside the signature (the last one of base64 may carry only padding bits,
    // so changing it need not change the signature).
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() - 5;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    assert_eq!(get(tampered).await, StatusCode::UNAUTHORIZED);
    t.clock.advance(15 * 60 + 1);
    assert_eq!(get(token).await, StatusCode::UNAUTHORIZED);
    let r = api.get_json("/api/protected").await;
    assert_eq!(
        r.json,
        json!({"meta": {"code": 401}, "response": {"errors": ["You must sign in to view this resource."]}})
    );
}

#[tokio::test]
async fn flask_security_token_is_accepted() {
    // Vector made by Flask-Security 5.9.2 with SECRET_KEY "demo-secret-key".
    let t = TestApp::new(|c| c.secret_key = Some("demo-secret-key".to_owned().into())).await;
    let u = t.user("ann-demo@example.com", PW).await;
    t.store
        .set_uniquifier(
            u.id,
            "cc6c8aeb2c254a1288fac445164fa53b",
            t.security.clock().now(),
        )
        .await
        .unwrap();
    t.clock.set(1_767_225_600 + 60);
    let token = "eyJ2ZXIiOiI1IiwidWlkIjoiY2M2YzhhZWIyYzI1NGExMjg4ZmFjNDQ1MTY0ZmE1M2IiLCJmc19wYWEiOjE3NjcyMjU2MDAuMjUsImV4cCI6MH0.aVW5AA.7OpXaLECEv2iZtQOn_Lcmtlpyns";
    let mut api = t.client();
    let r = api
        .get_json_with("/api/protected", &[("authentication-token", token)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["email"], "ann-demo@example.com");
    // Same token, signed with another key: rejected.
    let t2 = TestApp::new(|_| {}).await;
    let u2 = t2.user("ann-demo@example.com", PW).await;
    t2.store
        .set_uniquifier(
            u2.id,
            "cc6c8aeb2c254a1288fac445164fa53b",
            t2.security.clock().now(),
        )
        .await
        .unwrap();
    t2.clock.set(1_767_225_600 + 60);
    let mut api2 = t2.client();
    let r = api2
        .get_json_with("/api/protected", &[("authentication-token", token)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn basic_auth_only_where_allowed() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let good = format!("Basic {}", b64("alice@example.com:alice password 1"));
    let bad = format!("Basic {}", b64("alice@example.com:alice password x"));
    let mut c = t.client();
    let r = c
        .get_json_with("/api/basic", &[("authorization", &good)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["via"], "basic");
    let r = c
        .get_json_with("/api/basic", &[("authorization", &bad)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"Login Required\"")
    );
    let r = c.get_json("/api/basic").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"Login Required\"")
    );
    // Not accepted on a session/token endpoint.
    let r = c
        .get_json_with("/api/protected", &[("authorization", &good)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.header("www-authenticate"), None);
    assert!(t.events.events().iter().any(
        |e| matches!(e, Event::FailedAuthentication { auth_type, .. } if auth_type == "basic")
    ));
    // Malformed headers are simply unauthenticated.
    for h in ["Basic !!!", "Basic", "Bearer x", "Basic Zm9v"] {
        let r = c.get_json_with("/api/basic", &[("authorization", h)]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{h}");
    }
}

#[tokio::test]
async fn roles_and_permissions() {
    let t = TestApp::new(|_| {}).await;
    let admin = t.user("admin@example.com", PW).await;
    let reader = t.user("reader@example.com", PW).await;
    t.user("nobody@example.com", PW).await;
    t.grant(&admin, "admin", &["read", "write", "admin"]).await;
    t.grant(&reader, "reader", &["read"]).await;
    let tok = |email: &'static str| {
        let t = &t;
        async move { t.client().login(email, PW).await.token() }
    };
    let (ta, tr, tn) = (
        tok("admin@example.com").await,
        tok("reader@example.com").await,
        tok("nobody@example.com").await,
    );
    let mut c = t.client();
    let status = |path: &'static str, token: String| {
        let mut c = c.clone();
        async move {
            c.get_json_with(path, &[("authentication-token", &token)])
                .await
                .status
        }
    };
    assert_eq!(status("/api/admin", ta.clone()).await, StatusCode::OK);
    assert_eq!(status("/api/perm", ta.clone()).await, StatusCode::OK);
    assert_eq!(
        status("/api/admin", tr.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(status("/api/perm", tr.clone()).await, StatusCode::OK);
    assert_eq!(status("/api/any-perm", tr.clone()).await, StatusCode::OK);
    assert_eq!(
        status("/api/admin", tn.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(status("/api/perm", tn.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(
        status("/api/any-perm", tn.clone()).await,
        StatusCode::FORBIDDEN
    );
    let r = c
        .get_json_with("/api/admin", &[("authentication-token", &tr)])
        .await;
    assert_eq!(
        r.json,
        json!({"meta": {"code": 403}, "response": {"errors": ["You do not have permission to view this resource."]}})
    );
    let r = c.get_json("/api/admin").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn auth_check_for_reverse_proxies() {
    let t = TestApp::new(|_| {}).await;
    let admin = t.user("admin@example.com", PW).await;
    t.grant(&admin, "admin", &["read", "write"]).await;
    t.grant(&admin, "editor", &["edit"]).await;
    let token = t.client().login("admin@example.com", PW).await.token();
    let mut c = t.client();
    let h = [("authentication-token", token.as_str())];
    let r = c.get_json_with("/auth/check", &h).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("x-auth-user"), Some("admin@example.com"));
    assert_eq!(
        r.header("x-auth-user-id"),
        Some(admin.fs_uniquifier.as_str())
    );
    assert_eq!(r.header("x-auth-roles"), Some("admin,editor"));
    assert_eq!(
        c.get_json_with("/auth/check?roles_required=admin,editor", &h)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        c.get_json_with("/auth/check?roles_required=admin,root", &h)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.get_json_with("/auth/check?roles_accepted=root,editor", &h)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        c.get_json_with("/auth/check?permissions_required=read,edit", &h)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        c.get_json_with("/auth/check?permissions_required=delete", &h)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.get_json_with("/auth/check?permissions_accepted=delete,edit", &h)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        c.get_json("/auth/check").await.status,
        StatusCode::UNAUTHORIZED
    );
    let basic = format!("Basic {}", b64("admin@example.com:alice password 1"));
    let r = c
        .get_json_with(
            "/auth/check?roles_required=admin",
            &[("authorization", &basic)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let wrong = format!("Basic {}", b64("admin@example.com:nope"));
    let r = c
        .get_json_with("/auth/check", &[("authorization", &wrong)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn register_flow() {
    let t = TestApp::new(|_| {}).await;
    let mut c = t.client();
    let r = c.get_json("/register").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.response()["csrf_token"].is_string());
    let r = c
        .post_json(
            "/register?include_auth_token",
            json!({"email": "Alice@Example.COM", "password": PW, "password_confirm": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["tf_required"], json!(false));
    assert!(r.token().len() > 20);
    // Registered and signed in; the email's domain was lower-cased.
    assert_eq!(
        c.get_json("/api/protected").await.json["email"],
        "Alice@example.com"
    );
    let mut d = t.client();
    d.get_json("/register").await;
    let r = d
        .post_json(
            "/register",
            json!({"email": "alice@EXAMPLE.com", "password": PW, "password_confirm": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["alice@example.com is already associated with an account."])
    );
    let r = d
        .post_json(
            "/register",
            json!({"email": "bob@example.com", "password": "short", "password_confirm": "short"}),
        )
        .await;
    assert_eq!(
        r.response(),
        &json!({"errors": ["Password must be at least 8 characters"], "field_errors": {"password": ["Password must be at least 8 characters"]}})
    );
    let r = d
        .post_json("/register", json!({"email": "bob@example.com", "password": PW, "password_confirm": "other password"}))
        .await;
    assert_eq!(
        r.response()["field_errors"]["password_confirm"],
        json!(["Passwords do not match"])
    );
    let r = d
        .post_json(
            "/register",
            json!({"email": "bob@", "password": PW, "password_confirm": PW}),
        )
        .await;
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Invalid email address"])
    );
    // Signed-in users cannot register.
    let r = c
        .post_json(
            "/register",
            json!({"email": "x@example.com", "password": PW, "password_confirm": PW}),
        )
        .await;
    assert_eq!(
        r.errors(),
        vec!["You can only access this endpoint when not logged in."]
    );
}

#[tokio::test]
async fn register_with_confirmation_does_not_sign_in_and_generic_mode_hides_existing() {
    let t = TestApp::new(|c| {
        c.confirmable = true;
        c.return_generic_responses = true;
    })
    .await;
    let mut c = t.client();
    c.get_json("/register").await;
    let real0 = t.security.hash_pool().operations();
    let r = c
        .post_json(
            "/register?include_auth_token",
            json!({"email": "a@example.com", "password": PW, "password_confirm": PW}),
        )
        .await;
    // The password hash and the confirmation link's hash.
    let real_work = t.security.hash_pool().operations() - real0;
    assert_eq!(real_work, 2);
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.response()["user"], json!({}));
    assert_eq!(
        c.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    let new_body = r.response().clone();
    let ops0 = t.security.hash_pool().operations();
    let r = c
        .post_json(
            "/register",
            json!({"email": "a@example.com", "password": PW, "password_confirm": PW}),
        )
        .await;
    let ops1 = t.security.hash_pool().operations();
    assert_eq!(r.status, StatusCode::OK);
    // Same body keys as a real registration, and the same hashing work.
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(r.response()), keys(&new_body));
    assert_eq!(r.response()["user"], json!({}));
    assert_eq!(ops1 - ops0, real_work);
    assert!(t.events.events().iter().any(|e| matches!(
        e,
        Event::UserNotRegistered {
            existing_user_id: Some(1)
        }
    )));
    // Password-policy errors are still reported — and exactly as for an unknown address: a
    // known one adds nothing ("already associated" would tell who has an account).
    for (password, confirm) in [("short", "short"), (PW, "another password 9")] {
        let mut answers = Vec::new();
        for email in ["a@example.com", "nobody@example.com"] {
            let r = c
                .post_json(
                    "/register",
                    json!({"email": email, "password": password, "password_confirm": confirm}),
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST);
            assert!(!r.text.contains("already associated"), "{}", r.text);
            answers.push(r.response()["field_errors"].clone());
        }
        assert_eq!(answers[0], answers[1], "{password}/{confirm}");
        assert!(answers[0].as_object().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn disabled_flows_are_not_mounted() {
    let t = TestApp::new(|c| {
        c.registerable = false;
        c.changeable = false;
        c.freshness = portcullis::core::config::Duration(-1);
    })
    .await;
    let mut c = t.client();
    assert_eq!(c.get_json("/register").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get_json("/change").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get_json("/verify").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn freshness_and_verify() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    c.login("alice@example.com", PW).await;
    assert_eq!(
        c.post_json("/api/fresh", json!({})).await.status,
        StatusCode::OK
    );
    t.clock.advance(601);
    // Still inside the grace period started by the fresh check.
    assert_eq!(
        c.post_json("/api/fresh", json!({})).await.status,
        StatusCode::OK
    );
    t.clock.advance(3601);
    let r = c.post_json("/api/fresh", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.response()["reauth_required"], json!(true));
    assert_eq!(
        r.errors(),
        vec!["You must reauthenticate to access this endpoint"]
    );
    let r = c.get_json("/verify").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.response()["has_webauthn_verify_credential"], json!(false));
    let r = c
        .post_json("/verify", json!({"password": "wrong password"}))
        .await;
    assert_eq!(
        r.response()["field_errors"]["password"],
        json!(["Invalid password"])
    );
    let r = c
        .post_json("/verify?include_auth_token", json!({"password": PW}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.token().len() > 20);
    assert_eq!(
        c.post_json("/api/fresh", json!({})).await.status,
        StatusCode::OK
    );
    // Browsers are sent to /verify (the session itself lives a day; this is 1h40m later).
    t.clock.advance(6000);
    let csrf = c.csrf.clone().unwrap();
    let r = c
        .send(
            Method::POST,
            "/api/fresh",
            &[("x-csrf-token", &csrf)],
            Payload::None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.header("location"), Some("/verify?next=/api/fresh"));
}

#[tokio::test]
async fn open_redirects_are_refused() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    c.get_json("/login").await;
    for evil in [
        "//github.com",
        "https://github.com/x",
        "http://evil.example/",
        "javascript:alert(1)",
    ] {
        let r = c
            .post_json(
                "/login",
                json!({"email": "alice@example.com", "password": PW, "next": evil}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{evil}");
        assert_eq!(
            r.response()["field_errors"]["next"],
            json!(["Redirections outside the domain are forbidden"])
        );
    }
    // Form login honours a safe next, re-quoted.
    let mut b = t.client();
    let page = b.send(Method::GET, "/login", &[], Payload::None).await;
    let csrf = extract_csrf(&page.text);
    let r = b
        .send(
            Method::POST,
            "/login?next=/%5C%5Cgithub.com",
            &[],
            Payload::Form(&[
                ("email", "alice@example.com"),
                ("password", PW),
                ("csrf_token", &csrf),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text);
    assert_eq!(r.header("location"), Some("/%5C%5Cgithub.com"));
}

fn extract_csrf(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("csrf field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

#[tokio::test]
async fn html_pages_and_form_posts() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut b = t.client();
    // Unauthenticated browser → login page with next.
    let r = b
        .send(
            Method::GET,
            "/api/protected",
            &[("accept", "text/html")],
            Payload::None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.header("location"), Some("/login?next=/api/protected"));
    let page = b
        .send(
            Method::GET,
            "/login?next=/api/protected",
            &[],
            Payload::None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text.contains("name=\"password\""));
    let csrf = extract_csrf(&page.text);
    // Missing CSRF on a form post.
    let r = b
        .send(
            Method::POST,
            "/login",
            &[],
            Payload::Form(&[("email", "alice@example.com"), ("password", PW)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Wrong password re-renders the page (200) with the error.
    let r = b
        .send(
            Method::POST,
            "/login",
            &[],
            Payload::Form(&[
                ("email", "alice@example.com"),
                ("password", "wrong pw!"),
                ("csrf_token", &csrf),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Invalid password"));
    let r = b
        .send(
            Method::POST,
            "/login",
            &[],
            Payload::Form(&[
                ("email", "alice@example.com"),
                ("password", PW),
                ("csrf_token", &csrf),
                ("next", "/api/protected"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.header("location"), Some("/api/protected"));
    // Signed in: /login redirects away; other pages render.
    let r = b.send(Method::GET, "/login", &[], Payload::None).await;
    assert_eq!(r.status, StatusCode::FOUND);
    for page in ["/change", "/verify"] {
        let r = b.send(Method::GET, page, &[], Payload::None).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        assert!(r.text.contains("csrf_token"));
    }
    let mut anon = t.client();
    let r = anon
        .send(Method::GET, "/register", &[], Payload::None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("password_confirm"));
    // Form logout redirects.
    let r = b.send(Method::POST, "/logout", &[], Payload::None).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.header("location"), Some("/"));
}

#[tokio::test]
async fn rehash_on_login_when_scheme_is_deprecated() {
    let t = TestApp::new(|_| {}).await;
    // A bcrypt hash with the pre-hash, as Flask-Security would have stored it.
    let old = portcullis::core::crypto::password::PasswordHasher::new(
        portcullis::core::crypto::password::PasswordConfig {
            scheme: portcullis::core::crypto::password::Scheme::Bcrypt,
            salt: Some("test-salt".to_owned().into()),
            bcrypt_cost: 4,
            ..Default::default()
        },
    )
    .unwrap()
    .hash(PW)
    .unwrap();
    let u = t
        .store
        .create_user(portcullis::core::NewUser {
            email: "old@example.com".into(),
            username: None,
            password: Some(old.clone()),
            active: true,
            confirmed_at: None,
            fs_uniquifier: "u-old".into(),
            now: t.security.clock().now(),
        })
        .await
        .unwrap();
    let mut c = t.client();
    assert_eq!(c.login("old@example.com", PW).await.status, StatusCode::OK);
    let after = t.store.user_by_id(u.id).await.unwrap().unwrap();
    assert!(after.password.as_deref().unwrap().starts_with("$argon2id$"));
    assert!(
        t.events
            .events()
            .contains(&Event::PasswordRehashed { user_id: u.id })
    );
    let mut c = t.client();
    assert_eq!(c.login("old@example.com", PW).await.status, StatusCode::OK);
}

#[tokio::test]
async fn missing_layer_is_a_clear_error() {
    let app: axum::Router = axum::Router::new().route(
        "/x",
        axum::routing::get(|u: portcullis::CurrentUser| async move { u.email().to_owned() }),
    );
    use tower::ServiceExt;
    let res = app
        .oneshot(
            axum::http::Request::get("/x")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_cannot_revive_a_logged_out_session() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    c.login("alice@example.com", PW).await;
    let cookie = c.cookies.get("session").cloned().unwrap();
    // Request A passes the freshness guard (which marks the session for saving) and waits.
    let mut a = c.clone();
    let slow = tokio::spawn(async move { a.get_json("/api/slow").await.status });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let r = c.post_json("/logout", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    t.gate.notify_one();
    assert_eq!(slow.await.unwrap(), StatusCode::OK);
    // The session stays dead.
    assert_eq!(
        t.store
            .count_sessions(t.security.clock().unix())
            .await
            .unwrap(),
        0
    );
    let mut old = t.client();
    old.cookies.insert("session".into(), cookie);
    assert_eq!(
        old.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn optional_user_still_needs_csrf_for_state_changes() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    c.login("alice@example.com", PW).await;
    let r = c.post_json_raw("/api/optional", &[], json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.errors(), vec!["The CSRF token is missing."]);
    let r = c.post_json("/api/optional", json!({})).await;
    assert_eq!(r.json["signed_in"], json!(true));
    let mut anon = t.client();
    let r = anon.post_json_raw("/api/optional", &[], json!({})).await;
    assert_eq!(r.json["signed_in"], json!(false));
}

#[tokio::test]
async fn guards_accept_the_csrf_form_field() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut b = t.client();
    let page = b.send(Method::GET, "/login", &[], Payload::None).await;
    let csrf = extract_csrf(&page.text);
    b.send(
        Method::POST,
        "/login",
        &[],
        Payload::Form(&[
            ("email", "alice@example.com"),
            ("password", PW),
            ("csrf_token", &csrf),
        ]),
    )
    .await;
    let page = b.send(Method::GET, "/change", &[], Payload::None).await;
    let csrf = extract_csrf(&page.text);
    let r = b
        .send(
            Method::POST,
            "/api/fresh",
            &[("accept", "application/json")],
            Payload::Form(&[("csrf_token", &csrf), ("x", "1")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = b
        .send(
            Method::POST,
            "/api/fresh",
            &[("accept", "application/json")],
            Payload::Form(&[("csrf_token", "forged"), ("x", "1")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.errors(), vec!["The CSRF token is invalid."]);
    // A browser gets a page, not JSON, for a 403.
    let r = b
        .send(
            Method::GET,
            "/api/admin",
            &[("accept", "text/html")],
            Payload::None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
}

#[tokio::test]
async fn forward_auth_checks_csrf_of_forwarded_state_changes() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    let token = c.login("alice@example.com", PW).await.token();
    let r = c
        .get_json_with("/auth/check", &[("x-forwarded-method", "POST")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.errors(), vec!["The CSRF token is missing."]);
    let csrf = c.csrf.clone().unwrap();
    let r = c
        .get_json_with(
            "/auth/check",
            &[("x-forwarded-method", "POST"), ("x-xsrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c
        .get_json_with("/auth/check", &[("x-forwarded-method", "GET")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Token-authenticated forwarded requests need no CSRF token.
    let mut api = t.client();
    let r = api
        .get_json_with(
            "/auth/check",
            &[
                ("x-original-method", "DELETE"),
                ("authentication-token", &token),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn verify_rotates_the_session_id() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut c = t.client();
    c.login("alice@example.com", PW).await;
    let before = c.cookies.get("session").cloned().unwrap();
    let r = c.post_json("/verify", json!({"password": PW})).await;
    assert_eq!(r.status, StatusCode::OK);
    let after = c.cookies.get("session").cloned().unwrap();
    assert_ne!(before, after);
    assert_eq!(c.get_json("/api/protected").await.status, StatusCode::OK);
    let mut old = t.client();
    old.cookies.insert("session".into(), before);
    assert_eq!(
        old.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn remember_extends_the_session_lifetime() {
    let t = TestApp::new(|_| {}).await;
    t.user("alice@example.com", PW).await;
    let mut short = t.client();
    short.get_json("/login").await;
    let r = short
        .post_json(
            "/login",
            json!({"email": "alice@example.com", "password": PW}),
        )
        .await;
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("session="))
        .unwrap();
    assert!(
        !cookie.contains("Max-Age"),
        "a browser-session cookie: {cookie}"
    );
    let mut long = t.client();
    long.get_json("/login").await;
    let r = long
        .post_json(
            "/login",
            json!({"email": "alice@example.com", "password": PW, "remember": true}),
        )
        .await;
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("session="))
        .unwrap();
    assert!(
        cookie.contains(&format!("Max-Age={}", 365 * 86_400)),
        "{cookie}"
    );
    // Two days later only the remembered session is alive.
    t.clock.advance(2 * 86_400);
    assert_eq!(
        short.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(long.get_json("/api/protected").await.status, StatusCode::OK);
    // Expired records are removed by the cleanup.
    let removed = t
        .store
        .delete_expired_sessions(t.security.clock().unix())
        .await
        .unwrap();
    assert_eq!(removed, 1);
}

#[tokio::test]
async fn international_and_spoofed_emails_at_registration() {
    let t = TestApp::new(|_| {}).await;
    let mut c = t.client();
    c.get_json("/register").await;
    let r = c
        .post_json(
            "/register",
            json!({"email": "Jörg@Bücher.Example", "password": PW, "password_confirm": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let stored = t
        .store
        .user_by_email("Jörg@xn--bcher-kva.example")
        .await
        .unwrap();
    assert!(stored.is_some(), "domain stored IDNA-encoded");
    // The Unicode spelling signs in to the same account.
    let mut d = t.client();
    assert_eq!(
        d.login("jörg@BÜCHER.example", PW).await.status,
        StatusCode::OK
    );
    let mut e = t.client();
    e.get_json("/register").await;
    for spoof in [
        "ann\u{200B}@example.com",
        "p\u{0430}ypal@example.com",
        "ann@p\u{0430}ypal.com",
    ] {
        let r = e
            .post_json(
                "/register",
                json!({"email": spoof, "password": PW, "password_confirm": PW}),
            )
            .await;
        assert_eq!(
            r.response()["field_errors"]["email"],
            json!(["Invalid email address"]),
            "{spoof:?}"
        );
    }
    let r = e
        .post_json(
            "/register",
            json!({"email": "jörg@bücher.EXAMPLE", "password": PW, "password_confirm": PW}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "one account per address, whatever the case"
    );
}

#[tokio::test]
async fn phone_numbers_are_identities_in_e164() {
    let t = TestApp::new(|c| {
        c.user_identity_attributes = vec!["email".into(), "us_phone_number".into()];
        c.phone_region_default = "US".into();
    })
    .await;
    let u = t.user("alice@example.com", PW).await;
    t.store
        .set_phone(u.id, Some("+16502530000"), t.security.clock().now())
        .await
        .unwrap();
    let mut c = t.client();
    let r = c.get_json("/login").await;
    assert_eq!(
        r.response()["identity_attributes"],
        json!(["email", "us_phone_number"])
    );
    // National format with the region default, or international: the same user.
    for ident in ["(650) 253-0000", "+1 650 253 0000", "alice@example.com"] {
        let basic = format!("Basic {}", b64(&format!("{ident}:{PW}")));
        let r = c
            .get_json_with("/auth/check", &[("authorization", &basic)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{ident}");
        assert_eq!(r.header("x-auth-user"), Some("alice@example.com"));
    }
    let basic = format!("Basic {}", b64(&format!("(650) 253-0001:{PW}")));
    let r = c
        .get_json_with("/auth/check", &[("authorization", &basic)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// `ännie@…` and `ÄNNIE@…` are one identity (a full Unicode case fold, not ASCII only): the
/// second registration is refused and either spelling signs in — in memory and on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unicode_case_variants_are_one_account() {
    let stores: [Arc<dyn portcullis::core::store::Store>; 2] = [
        Arc::new(portcullis::MemoryStore::new()),
        Arc::new(
            portcullis_sqlx::SqliteStore::connect_temporary()
                .await
                .unwrap(),
        ),
    ];
    for store in stores {
        let t = TestApp::with_store(store, |_| {}).await;
        let mut c = t.client();
        c.get_json("/register").await;
        let r = c
            .post_json(
                "/register",
                json!({"email": "ännie@example.com", "password": PW, "password_confirm": PW}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let mut d = t.client();
        d.get_json("/register").await;
        let r = d
            .post_json(
                "/register",
                json!({"email": "ÄNNIE@example.com", "password": PW, "password_confirm": PW}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert_eq!(
            r.response()["field_errors"]["email"],
            json!(["ÄNNIE@example.com is already associated with an account."])
        );
        assert_eq!(t.store.count_users().await.unwrap(), 1);
        let r = t.client().login("ÄNNIE@EXAMPLE.COM", PW).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

//! Two-factor authentication end to end: authenticator (codes computed from the secret on the
//! fixed clock), email codes through a real SMTP server on loopback, SMS codes through a real
//! HTTP provider on loopback; setup during sign-in and by signed-in users, replay, expiry,
//! wrong codes and lockout, rescue, recovery codes, remembered browsers, clients without
//! cookies, and the paths that must not skip the second factor.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{Client, TestApp, b64};
use axum::http::StatusCode;
use portcullis::core::testing::SmtpSink;
use portcullis::core::totp;
use serde_json::{Value, json};

const PW: &str = "correct horse 1";

struct Tf {
    t: TestApp,
    sink: SmtpSink,
    sms: Arc<Mutex<Vec<(String, String)>>>,
}

async fn app(configure: impl FnOnce(&mut portcullis::Config)) -> Tf {
    let sink = SmtpSink::start().await.unwrap();
    let (sms_url, sms) = crate::common::sms_provider().await;
    let url = format!("smtp://{}", sink.addr());
    let t = TestApp::new(move |c| {
        c.two_factor = true;
        c.multi_factor_recovery_codes = true;
        c.totp_secrets = json!({"1": "test-totp-secret"})
            .as_object()
            .cloned()
            .unwrap()
            .into();
        c.totp_issuer = Some("Portcullis Test".into());
        c.smtp_url = Some(url);
        c.sms_service = "twilio".into();
        c.sms_service_config = json!({
            "ACCOUNT_SID": "AC1", "AUTH_TOKEN": "token", "PHONE_NUMBER": "+15550000000",
            "BASE_URL": sms_url,
        })
        .as_object()
        .cloned()
        .unwrap()
        .into();
        configure(c);
    })
    .await;
    Tf { t, sink, sms }
}

fn now(t: &TestApp) -> i64 {
    t.security.clock().unix()
}

/// The six digits in the last mail.
async fn mailed_code(sink: &SmtpSink, n: usize) -> String {
    let got = sink.wait_for(n, Duration::from_secs(10)).await;
    assert!(got.len() >= n, "expected {n} mails");
    let text = got[n - 1].text.clone().unwrap();
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .to_owned()
}

/// A signed-in user sets up the authenticator; returns the key.
async fn with_authenticator(tf: &Tf, c: &mut Client) -> Vec<u8> {
    let r = c
        .post_json("/tf-setup", json!({"setup": "authenticator"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let resp = r.response();
    assert_eq!(resp["tf_state"], "validating_profile");
    assert_eq!(resp["tf_authr_issuer"], "Portcullis Test");
    let b32 = resp["tf_authr_b32key"].as_str().unwrap();
    assert_eq!(resp["tf_authr_key"].as_str().unwrap().replace('-', ""), b32);
    assert!(
        resp["tf_authr_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Portcullis%20Test:")
    );
    assert!(resp["tf_state_token"].is_string());
    let key = totp::b32_decode(b32).unwrap();
    let r = c
        .post_json(
            "/tf-validate",
            json!({"code": totp::code_at(&key, now(&tf.t))}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    key
}

async fn signed_in(tf: &Tf, email: &str) -> Client {
    tf.t.user(email, PW).await;
    let mut c = tf.t.client();
    assert_eq!(c.login(email, PW).await.status, StatusCode::OK);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticator_sign_in_once_per_code() {
    let tf = app(|_| {}).await;
    let mut c = signed_in(&tf, "ann@example.com").await;
    let key = with_authenticator(&tf, &mut c).await;
    let r = c.get_json("/tf-setup").await;
    assert_eq!(r.response()["tf_primary_method"], "authenticator");
    assert_eq!(
        r.response()["tf_available_methods"],
        json!(["disable", "email", "authenticator", "sms"])
    );

    // Sign in: the password is not enough.
    tf.t.clock.advance(30);
    let mut b = tf.t.client();
    let r = b.login("ann@example.com", PW).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.response()["tf_required"], true);
    assert_eq!(r.response()["tf_state"], "ready");
    assert_eq!(r.response()["tf_method"], "authenticator");
    assert!(r.response().get("user").is_none());
    assert!(
        r.response().get("tf_state_token").is_none(),
        "browsers keep the cookie flow"
    );
    assert_eq!(
        b.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = b.get_json("/tf-validate").await;
    assert_eq!(r.response()["user"], json!({}));
    assert_eq!(r.response()["recovery_options"]["help"], "/tf-rescue");

    let r = b.post_json("/tf-validate", json!({"code": "000000"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["code"],
        json!(["Invalid code"])
    );
    let code = totp::code_at(&key, now(&tf.t));
    let r = b
        .post_json("/tf-validate?include_auth_token", json!({"code": code}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.response()["user"]["authentication_token"].is_string());
    assert_eq!(b.get_json("/api/protected").await.status, StatusCode::OK);

    // The same code again (another sign-in within its window): refused, it was used.
    let mut again = tf.t.client();
    again.login("ann@example.com", PW).await;
    let r = again.post_json("/tf-validate", json!({"code": code})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "replayed code accepted");
    // The next time step's code works; as a number too.
    tf.t.clock.advance(30);
    let next = totp::code_at(&key, now(&tf.t));
    let r = again
        .post_json(
            "/tf-validate",
            json!({"code": next.parse::<u64>().unwrap()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_setup_during_sign_in() {
    let tf = app(|c| c.two_factor_required = true).await;
    tf.t.user("bob@example.com", PW).await;
    let mut b = tf.t.client();
    let r = b.login("bob@example.com", PW).await;
    assert_eq!(r.response()["tf_required"], true);
    assert_eq!(r.response()["tf_state"], "setup_from_login");
    let r = b.get_json("/tf-setup").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.response()["tf_required"], true);
    assert_eq!(
        r.response()["tf_available_methods"],
        json!(["email", "authenticator", "sms"])
    );
    // Required: no way to disable.
    let r = b.post_json("/tf-setup", json!({"setup": "disable"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = b.post_json("/tf-setup", json!({"setup": "pigeon"})).await;
    assert_eq!(
        r.response()["field_errors"]["setup"],
        json!(["Marked method is not valid"])
    );
    let r = b.post_json("/tf-setup", json!({"setup": "email"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["tf_state"], "validating_profile");
    assert_eq!(r.response()["tf_state_token"], Value::Null);
    let code = mailed_code(&tf.sink, 1).await;
    let mail = &tf.sink.messages()[0];
    assert_eq!(mail.subject, "Two-Factor Login");
    let r = b.post_json("/tf-validate", json!({"code": code})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(b.get_json("/api/protected").await.status, StatusCode::OK);
    let u =
        tf.t.store
            .user_by_email("bob@example.com")
            .await
            .unwrap()
            .unwrap();
    assert_eq!(u.tf_primary_method.as_deref(), Some("email"));
    // The secret is stored encrypted, as Flask-Security stores it.
    assert!(u.tf_totp_secret.unwrap().starts_with("{\"enckey\""));

    // Next sign-in: a code by mail.
    tf.t.clock.advance(30);
    let mut c = tf.t.client();
    let r = c.login("bob@example.com", PW).await;
    assert_eq!(r.response()["tf_method"], "email");
    let code = mailed_code(&tf.sink, 2).await;
    assert_eq!(
        c.post_json("/tf-validate", json!({"code": code}))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_codes_through_the_provider() {
    let tf = app(|_| {}).await;
    let mut c = signed_in(&tf, "cat@example.com").await;
    let r = c.post_json("/tf-setup", json!({"setup": "sms"})).await;
    assert_eq!(
        r.response()["field_errors"]["phone"],
        json!(["Phone number not valid e.g. missing country code"])
    );
    let r = c
        .post_json(
            "/tf-setup",
            json!({"setup": "sms", "phone": "650-555-1212"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (to, body) = tf.sms.lock().unwrap()[0].clone();
    assert_eq!(to, "+16505551212");
    let code = body
        .trim_start_matches("Use this code to sign in: ")
        .to_owned();
    assert_eq!(
        c.post_json("/tf-validate", json!({"code": code}))
            .await
            .status,
        StatusCode::OK
    );
    let u =
        tf.t.store
            .user_by_email("cat@example.com")
            .await
            .unwrap()
            .unwrap();
    assert_eq!(u.tf_phone_number.as_deref(), Some("+16505551212"));
    tf.t.clock.advance(60);
    let mut b = tf.t.client();
    assert_eq!(
        b.login("cat@example.com", PW).await.response()["tf_method"],
        "sms"
    );
    let body = tf.sms.lock().unwrap()[1].1.clone();
    let code = body
        .trim_start_matches("Use this code to sign in: ")
        .to_owned();
    assert_eq!(
        b.post_json("/tf-validate", json!({"code": code}))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_lock_the_account_and_state_expires() {
    let tf = app(|c| c.lockout_max_failures = 3).await;
    let mut c = signed_in(&tf, "dan@example.com").await;
    let key = with_authenticator(&tf, &mut c).await;
    tf.t.clock.advance(30);
    let mut b = tf.t.client();
    b.login("dan@example.com", PW).await;
    for _ in 0..3 {
        b.post_json("/tf-validate", json!({"code": "111111"})).await;
    }
    let r = b
        .post_json(
            "/tf-validate",
            json!({"code": totp::code_at(&key, now(&tf.t))}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("Account locked"), "{}", r.text);
    assert_eq!(
        b.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );

    // A half-done sign-in expires (30 minutes).
    tf.t.clock.advance(3600);
    let mut e = tf.t.client();
    e.login("dan@example.com", PW).await;
    tf.t.clock.advance(31 * 60);
    let r = e
        .post_json(
            "/tf-validate",
            json!({"code": totp::code_at(&key, now(&tf.t))}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains("has not been started or has expired"),
        "{}",
        r.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_factor_cannot_be_skipped() {
    let tf = app(|c| {
        c.api_enabled_methods = vec![
            portcullis::Mechanism::Session,
            portcullis::Mechanism::Token,
            portcullis::Mechanism::Basic,
        ];
    })
    .await;
    let mut c = signed_in(&tf, "eve@example.com").await;
    with_authenticator(&tf, &mut c).await;
    // Basic with the right password: refused for a user with a second factor.
    let r =
        tf.t.client()
            .get_json_with(
                "/api/basic",
                &[(
                    "authorization",
                    &format!("Basic {}", b64(&format!("eve@example.com:{PW}"))),
                )],
            )
            .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Mid-sign-in: no session, no token, nothing else reachable.
    let mut b = tf.t.client();
    let r = b.login("eve@example.com", PW).await;
    assert!(r.response().get("user").is_none());
    for path in [
        "/api/protected",
        "/change",
        "/mf-recovery-codes",
        "/tf-setup",
    ] {
        let r = b.get_json(path).await;
        assert_ne!(r.status, StatusCode::OK, "{path}: {}", r.text);
    }
    // Another client cannot use this pending sign-in.
    let r =
        tf.t.client()
            .post_json_raw("/tf-validate", &[], json!({"code": "123456"}))
            .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_without_cookies_use_the_state_token() {
    let tf = app(|c| c.csrf_ignore_unauth_endpoints = true).await;
    let mut c = signed_in(&tf, "fay@example.com").await;
    let key = with_authenticator(&tf, &mut c).await;
    tf.t.clock.advance(30);
    // A mobile app: no cookie jar at all.
    let mut app = tf.t.client();
    let r = app
        .post_json_raw(
            "/login?include_auth_token",
            &[],
            json!({"email": "fay@example.com", "password": PW}),
        )
        .await;
    let token = r.response()["tf_state_token"].as_str().unwrap().to_owned();
    app.cookies.clear();
    let r = app
        .post_json_raw(
            "/tf-validate?include_auth_token",
            &[],
            json!({"code": "000000", "tf_state_token": token}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    app.cookies.clear();
    let r = app
        .post_json_raw(
            "/tf-validate?include_auth_token",
            &[],
            json!({"code": totp::code_at(&key, now(&tf.t)), "tf_state_token": token}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let auth = r.response()["user"]["authentication_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.cookies.clear();
    let r = app
        .get_json_with("/api/protected", &[("authentication-token", &auth)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // The token named a sign-in that is over: it cannot be used again.
    app.cookies.clear();
    tf.t.clock.advance(30);
    let r = app
        .post_json_raw(
            "/tf-validate",
            &[],
            json!({"code": totp::code_at(&key, now(&tf.t)), "tf_state_token": token}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A forged token: nothing.
    let r =
        tf.t.client()
            .post_json_raw(
                "/tf-validate",
                &[],
                json!({"code": "1", "tf_state_token": "x.y.z"}),
            )
            .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_and_rescue() {
    let tf = app(|_| {}).await;
    let mut c = signed_in(&tf, "gus@example.com").await;
    with_authenticator(&tf, &mut c).await;
    let r = c.post_json("/mf-recovery-codes", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let codes: Vec<String> =
        serde_json::from_value(r.response()["recovery_codes"].clone()).unwrap();
    assert_eq!(codes.len(), 5);
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 14 && c.chars().filter(|x| *x == '-').count() == 2)
    );
    // Stored hashed: not shown again.
    assert_eq!(
        c.get_json("/mf-recovery-codes").await.response()["recovery_codes"],
        json!([])
    );
    let u =
        tf.t.store
            .user_by_email("gus@example.com")
            .await
            .unwrap()
            .unwrap();
    assert!(u.mf_recovery_codes.unwrap().starts_with("$pbkdf2-sha256$"));

    tf.t.clock.advance(30);
    let mut b = tf.t.client();
    b.login("gus@example.com", PW).await;
    let r = b.get_json("/tf-rescue").await;
    assert_eq!(
        r.response()["recovery_options"]["recovery_code"],
        "/mf-recovery"
    );
    let r = b
        .post_json("/tf-rescue", json!({"help_setup": "magic"}))
        .await;
    assert_eq!(
        r.response()["field_errors"]["help_setup"],
        json!(["Not a valid choice."])
    );
    // Rescue by mail: a code to the account's address works.
    let r = b
        .post_json("/tf-rescue", json!({"help_setup": "email"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let code = mailed_code(&tf.sink, 1).await;
    assert_eq!(
        b.post_json("/tf-validate", json!({"code": code}))
            .await
            .status,
        StatusCode::OK
    );

    let mut d = tf.t.client();
    d.login("gus@example.com", PW).await;
    let r = d
        .post_json("/mf-recovery", json!({"code": "0000-0000-0000"}))
        .await;
    assert_eq!(
        r.response()["field_errors"]["code"],
        json!(["Recovery code invalid"])
    );
    let r = d
        .post_json("/mf-recovery", json!({"code": codes[2].to_uppercase()}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(d.get_json("/api/protected").await.status, StatusCode::OK);
    // Used once.
    let mut e = tf.t.client();
    e.login("gus@example.com", PW).await;
    let r = e.post_json("/mf-recovery", json!({"code": codes[2]})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let u =
        tf.t.store
            .user_by_email("gus@example.com")
            .await
            .unwrap()
            .unwrap();
    assert_eq!(u.recovery_codes().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remembered_browser_and_disable() {
    let tf = app(|c| c.two_factor_always_validate = false).await;
    let mut c = signed_in(&tf, "hal@example.com").await;
    let key = with_authenticator(&tf, &mut c).await;
    tf.t.clock.advance(30);
    let mut b = tf.t.client();
    b.get_json("/login").await;
    let r = b
        .post_json(
            "/login",
            json!({"email": "hal@example.com", "password": PW, "remember": true}),
        )
        .await;
    assert_eq!(r.response()["tf_required"], true);
    let r = b
        .post_json(
            "/tf-validate",
            json!({"code": totp::code_at(&key, now(&tf.t))}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        b.cookies.contains_key("tf_validity"),
        "{:?}",
        r.set_cookies()
    );
    // This browser skips the second factor next time; another browser does not.
    b.post_json("/logout", json!({})).await;
    let r = b.login("hal@example.com", PW).await;
    assert_eq!(r.response()["tf_required"], false, "{}", r.text);
    let r = tf.t.client().login("hal@example.com", PW).await;
    assert_eq!(r.response()["tf_required"], true);

    // Disable (a fresh signed-in user, not required).
    let r = c.post_json("/tf-setup", json!({"setup": "disable"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let u =
        tf.t.store
            .user_by_email("hal@example.com")
            .await
            .unwrap()
            .unwrap();
    assert!(u.tf_primary_method.is_none() && u.tf_totp_secret.is_none());
    let r = tf.t.client().login("hal@example.com", PW).await;
    assert_eq!(r.response()["tf_required"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_method_with_the_setup_token_and_html_pages() {
    let tf = app(|_| {}).await;
    let mut c = signed_in(&tf, "ivy@example.com").await;
    with_authenticator(&tf, &mut c).await;
    let r = c
        .post_json("/tf-setup", json!({"setup": "authenticator"}))
        .await;
    let token = r.response()["tf_state_token"].as_str().unwrap().to_owned();
    let key = totp::b32_decode(r.response()["tf_authr_b32key"].as_str().unwrap()).unwrap();
    let path = format!("/tf-setup/{token}");
    let r = c.post_json(&path, json!({"code": "000000"})).await;
    assert_eq!(
        r.response()["field_errors"]["code"],
        json!(["Invalid code"])
    );
    tf.t.clock.advance(30);
    let r = c
        .post_json(&path, json!({"code": totp::code_at(&key, now(&tf.t))}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["tf_method"], "authenticator");
    let r = c.post_json("/tf-setup/garbage", json!({"code": "1"})).await;
    assert_eq!(
        r.response()["field_errors"][""],
        json!(["Input not appropriate for requested API"])
    );
    // The setup page shows the QR code.
    let page = c
        .send(
            axum::http::Method::GET,
            "/tf-setup",
            &[],
            crate::common::Payload::None,
        )
        .await;
    assert!(page.text.contains("name=\"setup\""), "{}", page.text);
    let csrf = crate::common::csrf_field(&page.text);
    let r = c
        .send(
            axum::http::Method::POST,
            "/tf-setup",
            &[],
            crate::common::Payload::Form(&[("setup", "authenticator"), ("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("data:image/svg+xml;base64,"), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_goes_through_the_second_factor() {
    let tf = app(|c| {
        c.two_factor_required = true;
        c.registerable = true;
    })
    .await;
    let mut c = tf.t.client();
    c.get_json("/register").await;
    let r = c
        .post_json(
            "/register",
            json!({"email": "new@example.com", "password": PW, "password_confirm": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["tf_required"], true);
    assert_eq!(r.response()["tf_state"], "setup_from_login");
    assert_eq!(r.response()["user"], json!({}));
    assert_eq!(
        c.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = c
        .post_json("/tf-setup", json!({"setup": "authenticator"}))
        .await;
    let key = totp::b32_decode(r.response()["tf_authr_b32key"].as_str().unwrap()).unwrap();
    let r = c
        .post_json(
            "/tf-validate",
            json!({"code": totp::code_at(&key, now(&tf.t))}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(c.get_json("/api/protected").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_forms_for_sign_in_with_a_code() {
    let tf = app(|_| {}).await;
    let mut c = signed_in(&tf, "joe@example.com").await;
    let key = with_authenticator(&tf, &mut c).await;
    tf.t.clock.advance(30);
    let mut b = tf.t.client();
    let page = b
        .send(
            axum::http::Method::GET,
            "/login",
            &[],
            crate::common::Payload::None,
        )
        .await;
    let token = crate::common::csrf_field(&page.text);
    let r = b
        .send(
            axum::http::Method::POST,
            "/login",
            &[],
            crate::common::Payload::Form(&[
                ("email", "joe@example.com"),
                ("password", PW),
                ("csrf_token", &token),
            ]),
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text);
    assert_eq!(r.header("location"), Some("/tf-validate"));
    let page = b
        .send(
            axum::http::Method::GET,
            "/tf-validate",
            &[],
            crate::common::Payload::None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("name=\"code\""));
    let token = crate::common::csrf_field(&page.text);
    let code = totp::code_at(&key, now(&tf.t));
    let r = b
        .send(
            axum::http::Method::POST,
            "/tf-validate",
            &[],
            crate::common::Payload::Form(&[("code", &code), ("csrf_token", &token)]),
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text);
    assert_eq!(r.header("location"), Some("/account"));
    assert_eq!(b.get_json("/api/protected").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_mailed_right_after_a_used_one_works() {
    let tf = app(|_| {}).await;
    let mut c = signed_in(&tf, "ivy@example.com").await;
    let r = c.post_json("/tf-setup", json!({"setup": "email"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let code = mailed_code(&tf.sink, 1).await;
    let r = c.post_json("/tf-validate", json!({"code": code})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Two more sign-ins within the same 30 s step: each mailed code works.
    let mut spent = code;
    for n in 2..=3 {
        let mut b = tf.t.client();
        assert_eq!(
            b.login("ivy@example.com", PW).await.response()["tf_method"],
            "email"
        );
        let code = mailed_code(&tf.sink, n).await;
        assert_ne!(code, spent, "a spent code is never sent");
        let r = b.post_json("/tf-validate", json!({"code": code})).await;
        assert_eq!(r.status, StatusCode::OK, "sign-in {n}: {}", r.text);
        spent = code;
    }
    // A spent code is refused, and the answer says why.
    let mut b = tf.t.client();
    b.login("ivy@example.com", PW).await;
    let r = b.post_json("/tf-validate", json!({"code": spent})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["code"],
        json!(["This code has already been used. Request a new one."])
    );
}

/// Concurrent guesses of a second factor evaluate at most the lockout limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_and_recovery_code_bursts_evaluate_at_most_the_lockout_limit() {
    let tf = app(|_| {}).await;
    let mut c = signed_in(&tf, "jay@example.com").await;
    with_authenticator(&tf, &mut c).await;
    assert_eq!(
        c.post_json("/mf-recovery-codes", json!({})).await.status,
        StatusCode::OK
    );
    for (path, wrong, message) in [
        ("/tf-validate", "111111", "Invalid code"),
        ("/mf-recovery", "aaaa-bbbb-cccc", "Recovery code invalid"),
    ] {
        tf.t.clock.advance(3600);
        let mut b = tf.t.client();
        b.login("jay@example.com", PW).await;
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let mut b = b.clone();
                tokio::spawn(async move { b.post_json(path, json!({"code": wrong})).await })
            })
            .collect();
        let mut evaluated = 0;
        let mut locked = 0;
        for t in tasks {
            let r = t.await.unwrap();
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text);
            if r.text.contains(message) {
                evaluated += 1;
            } else if r.text.contains("Account locked") {
                locked += 1;
            }
        }
        assert_eq!((evaluated, locked), (10, 30), "{path}");
    }
}

//! Unified sign-in end to end: one identity field (email, username, phone), a password or a
//! one-time code (email with a magic link through a real SMTP server on loopback, SMS through a
//! real HTTP provider, authenticator from the secret on the fixed clock); setup, re-verify,
//! passwordless accounts, replay, lockout, rate limits, the hand-off to two-factor.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::common::{Client, Payload, TestApp};
use axum::http::{Method, StatusCode};
use portcullis::core::testing::SmtpSink;
use portcullis::core::totp;
use serde_json::json;

const PW: &str = "correct horse 1";
const EXTERNAL: &str = "https://auth.example.com";

async fn app(configure: impl FnOnce(&mut portcullis::Config)) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await.unwrap();
    let url = format!("smtp://{}", sink.addr());
    let t = TestApp::new(move |c| {
        c.unified_signin = true;
        c.username_enable = true;
        c.totp_secrets = json!({"1": "unified-signin-tests-secret"})
            .as_object()
            .cloned()
            .unwrap()
            .into();
        c.smtp_url = Some(url);
        c.external_url = Some(EXTERNAL.into());
        configure(c);
    })
    .await;
    (t, sink)
}

fn now(t: &TestApp) -> i64 {
    t.security.clock().unix()
}

async fn code_in_mail(sink: &SmtpSink, n: usize) -> (String, String) {
    let got = sink.wait_for(n, Duration::from_secs(10)).await;
    assert!(got.len() >= n, "expected {n} mails");
    let text = got[n - 1].text.clone().unwrap();
    let code = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap()
        .to_owned();
    (code, text)
}

async fn signin(c: &mut Client, identity: &str, passcode: &str) -> crate::common::Resp {
    c.get_json("/us-signin").await;
    c.post_json(
        "/us-signin?include_auth_token",
        json!({"identity": identity, "passcode": passcode}),
    )
    .await
}

/// A signed-in user sets up the email method; returns the client.
async fn with_email_method(t: &TestApp, sink: &SmtpSink, email: &str, mails: usize) -> Client {
    t.user(email, PW).await;
    let mut c = t.client();
    assert_eq!(signin(&mut c, email, PW).await.status, StatusCode::OK);
    let r = c
        .post_json("/us-setup", json!({"chosen_method": "email"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["chosen_method"], "email");
    let state = r.response()["state"].as_str().unwrap().to_owned();
    let (code, _) = code_in_mail(sink, mails).await;
    let r = c
        .post_json(&format!("/us-setup/{state}"), json!({"passcode": code}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_by_any_identity() {
    let (t, _sink) = app(|_| {}).await;
    let u = t.user("dave@example.com", PW).await;
    t.store
        .set_username(u.id, Some("davey"), t.security.clock().now())
        .await
        .unwrap();
    let mut c = t.client();
    let r = c.get_json("/us-signin").await;
    assert_eq!(
        r.response()["available_methods"],
        json!(["password", "email", "authenticator", "sms"])
    );
    assert_eq!(r.response()["code_methods"], json!(["email", "sms"]));
    let r = signin(&mut c, "dave@example.com", "wrong password").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["passcode"],
        json!(["Password or code submitted is not valid"])
    );
    let r = signin(&mut c, "dave@example.com", PW).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["tf_required"], false);
    assert!(r.response()["user"]["authentication_token"].is_string());
    let r = signin(&mut t.client(), "davey", PW).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = signin(&mut t.client(), "daveyx", PW).await;
    assert_eq!(
        r.response()["field_errors"]["identity"],
        json!(["You must specify a valid identity to sign in"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_code_and_magic_link() {
    let (t, sink) = app(|_| {}).await;
    let _ = with_email_method(&t, &sink, "erin@example.com", 1).await;
    t.clock.advance(30);
    // Not set up: sms refused.
    let mut a = t.client();
    a.get_json("/us-signin").await;
    let r = a
        .post_json(
            "/us-signin/send-code",
            json!({"identity": "erin@example.com", "chosen_method": "sms"}),
        )
        .await;
    assert_eq!(
        r.response()["field_errors"]["chosen_method"],
        json!(["Requested method is not valid"])
    );
    let r = a
        .post_json(
            "/us-signin/send-code",
            json!({"identity": "erin@example.com", "chosen_method": "email"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (code, text) = code_in_mail(&sink, 2).await;
    assert!(
        text.contains(&format!("{EXTERNAL}/us-verify-link?id=")),
        "{text}"
    );
    let r = a
        .post_json(
            "/us-signin?include_auth_token",
            json!({"identity": "erin@example.com", "passcode": "12345678"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = a
        .post_json(
            "/us-signin",
            json!({"identity": "erin@example.com", "passcode": code}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(a.get_json("/api/protected").await.status, StatusCode::OK);
    // Once only.
    let r = signin(&mut t.client(), "erin@example.com", &code).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // The magic link signs in a browser (and works once).
    t.clock.advance(30);
    let mut b = t.client();
    b.get_json("/us-signin").await;
    b.post_json(
        "/us-signin/send-code",
        json!({"identity": "erin@example.com", "chosen_method": "email"}),
    )
    .await;
    let (_, text) = code_in_mail(&sink, 3).await;
    let start = text.find(EXTERNAL).unwrap() + EXTERNAL.len();
    let path: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let r = b.send(Method::GET, &path, &[], Payload::None).await;
    assert!(r.status.is_redirection(), "{}", r.text);
    assert_eq!(b.get_json("/api/protected").await.status, StatusCode::OK);
    let r = t.client().get_json(&path).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticator_setup_verify_and_delete() {
    let (t, _sink) = app(|_| {}).await;
    t.user("fred@example.com", PW).await;
    let mut c = t.client();
    signin(&mut c, "fred@example.com", PW).await;
    let r = c.get_json("/us-setup").await;
    assert_eq!(r.response()["active_methods"], json!(["password"]));
    assert_eq!(
        r.response()["setup_methods"],
        json!(["email", "authenticator", "sms"])
    );
    let r = c
        .post_json("/us-setup", json!({"chosen_method": "authenticator"}))
        .await;
    let state = r.response()["state"].as_str().unwrap().to_owned();
    let key = totp::b32_decode(r.response()["authr_b32key"].as_str().unwrap()).unwrap();
    assert!(
        r.response()["authr_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let r = c
        .post_json(&format!("/us-setup/{state}"), json!({"passcode": "000000"}))
        .await;
    assert_eq!(
        r.response()["field_errors"]["passcode"],
        json!(["Password or code submitted is not valid"])
    );
    let r = c
        .post_json(
            &format!("/us-setup/{state}"),
            json!({"passcode": totp::code_at(&key, now(&t))}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        c.get_json("/us-setup").await.response()["active_methods"],
        json!(["password", "authenticator"])
    );
    // Signing in with the authenticator, and re-verifying with it.
    t.clock.advance(30);
    let mut b = t.client();
    let r = signin(&mut b, "fred@example.com", &totp::code_at(&key, now(&t))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    t.clock.advance(30);
    let r = b
        .post_json(
            "/us-verify",
            json!({"passcode": totp::code_at(&key, now(&t))}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Delete it.
    let r = c
        .post_json("/us-setup", json!({"delete_method": ["authenticator"]}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        c.get_json("/us-setup").await.response()["active_methods"],
        json!(["password"])
    );
    t.clock.advance(30);
    let r = signin(
        &mut t.client(),
        "fred@example.com",
        &totp::code_at(&key, now(&t)),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // An expired setup state.
    let r = c
        .post_json("/us-setup", json!({"chosen_method": "authenticator"}))
        .await;
    let state = r.response()["state"].as_str().unwrap().to_owned();
    t.clock.advance(31 * 60);
    let mut fresh = t.client();
    signin(&mut fresh, "fred@example.com", PW).await;
    let r = fresh
        .post_json(&format!("/us-setup/{state}"), json!({"passcode": "123456"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("within 30 minutes"), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwordless_accounts() {
    let (t, sink) = app(|c| {
        c.registerable = true;
        c.changeable = true;
        c.password_required = false;
    })
    .await;
    let mut c = t.client();
    c.get_json("/register").await;
    let r = c
        .post_json("/register", json!({"email": "pat@example.com"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let u = t
        .store
        .user_by_email("pat@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(u.password.is_none());
    // /change refuses politely.
    let r = c
        .post_json(
            "/change",
            json!({"password": "", "new_password": PW, "new_password_confirm": PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("Use the password reset"), "{}", r.text);
    // Signs in by code.
    t.clock.advance(30);
    let mut b = t.client();
    b.get_json("/us-signin").await;
    let r = b
        .post_json(
            "/us-signin/send-code",
            json!({"identity": "pat@example.com", "chosen_method": "email"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (code, _) = code_in_mail(&sink, 2).await;
    let r = b
        .post_json(
            "/us-signin",
            json!({"identity": "pat@example.com", "passcode": code}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_rate_limits_and_the_second_factor() {
    let (t, sink) = app(|c| {
        c.lockout_max_failures = 3;
        c.two_factor = true;
    })
    .await;
    let _ = with_email_method(&t, &sink, "gil@example.com", 1).await;
    for _ in 0..3 {
        signin(&mut t.client(), "gil@example.com", "111111").await;
    }
    let r = signin(&mut t.client(), "gil@example.com", PW).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("Account locked"), "{}", r.text);

    // Sending codes: at most five per identity per ten minutes.
    let mut c = t.client();
    c.get_json("/us-signin").await;
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last = c
            .post_json(
                "/us-signin/send-code",
                json!({"identity": "nobody@example.com", "chosen_method": "email"}),
            )
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);

    // A user with a second factor who signs in by password continues into it.
    let h = t.user("hal@example.com", PW).await;
    t.store
        .set_two_factor(h.id, Some("email"), None, None, t.security.clock().now())
        .await
        .unwrap();
    let key = totp::generate_key();
    let stored = portcullis::core::totp::TotpSecrets::from_config(
        json!({"1": "unified-signin-tests-secret"})
            .as_object()
            .unwrap(),
    )
    .unwrap()
    .encrypt(&key);
    t.store
        .set_two_factor(
            h.id,
            Some("authenticator"),
            Some(&stored),
            None,
            t.security.clock().now(),
        )
        .await
        .unwrap();
    let r = signin(&mut t.client(), "hal@example.com", PW).await;
    assert_eq!(r.response()["tf_required"], true, "{}", r.text);
    assert!(r.response().get("user").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_code_and_phone_as_identity() {
    let (sms_url, sms) = crate::common::sms_provider().await;
    let (t, _sink) = app(move |c| {
        c.user_identity_attributes = vec!["email".into(), "us_phone_number".into()];
        c.sms_service = "twilio".into();
        c.sms_service_config = json!({
            "ACCOUNT_SID": "AC1", "AUTH_TOKEN": "token", "PHONE_NUMBER": "+15550000000",
            "BASE_URL": sms_url,
        })
        .as_object()
        .cloned()
        .unwrap()
        .into();
    })
    .await;
    t.user("ida@example.com", PW).await;
    let mut c = t.client();
    signin(&mut c, "ida@example.com", PW).await;
    let r = c
        .post_json("/us-setup", json!({"chosen_method": "sms", "phone": "bad"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c
        .post_json(
            "/us-setup",
            json!({"chosen_method": "sms", "phone": "(650) 555-1234"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["phone"], "+16505551234");
    let state = r.response()["state"].as_str().unwrap().to_owned();
    let code = |i: usize| {
        sms.lock().unwrap()[i]
            .1
            .trim_start_matches("Use this code to sign in: ")
            .to_owned()
    };
    let r = c
        .post_json(&format!("/us-setup/{state}"), json!({"passcode": code(0)}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The phone is now an identity; a code by SMS signs in.
    t.clock.advance(30);
    let mut b = t.client();
    b.get_json("/us-signin").await;
    let r = b
        .post_json(
            "/us-signin/send-code",
            json!({"identity": "650-555-1234", "chosen_method": "sms"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(sms.lock().unwrap()[1].0, "+16505551234");
    let r = b
        .post_json(
            "/us-signin",
            json!({"identity": "+1 650 555 1234", "passcode": code(1)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_form_and_generic_responses() {
    let (t, sink) = app(|c| c.return_generic_responses = true).await;
    let _ = with_email_method(&t, &sink, "jo@example.com", 1).await;
    // Generic: unknown identity and wrong passcode answer alike.
    let a = signin(&mut t.client(), "nobody@example.com", PW).await;
    let b = signin(&mut t.client(), "jo@example.com", "wrong password").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.response()["field_errors"], b.response()["field_errors"]);
    assert_eq!(
        a.response()["errors"],
        json!(["Authentication failed - identity or password/passcode invalid"])
    );
    let mut c = t.client();
    c.get_json("/us-signin").await;
    let known = c
        .post_json(
            "/us-signin/send-code",
            json!({"identity": "jo@example.com", "chosen_method": "email"}),
        )
        .await;
    let unknown = c
        .post_json(
            "/us-signin/send-code",
            json!({"identity": "nobody@example.com", "chosen_method": "email"}),
        )
        .await;
    assert_eq!(known.status, unknown.status);
    let keys = |r: &crate::common::Resp| {
        let mut k: Vec<String> = r.response().as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&known), keys(&unknown));

    // A browser: the page, then the form.
    t.clock.advance(30);
    let mut w = t.client();
    let page = w.send(Method::GET, "/us-signin", &[], Payload::None).await;
    assert!(page.text.contains("name=\"identity\""), "{}", page.text);
    let csrf = crate::common::csrf_field(&page.text);
    let r = w
        .send(
            Method::POST,
            "/us-signin",
            &[],
            Payload::Form(&[
                ("identity", "jo@example.com"),
                ("passcode", PW),
                ("csrf_token", &csrf),
            ]),
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text);
    assert_eq!(w.get_json("/api/protected").await.status, StatusCode::OK);
}

/// The magic link in the mail.
fn magic_path(text: &str) -> String {
    let start = text.find(EXTERNAL).unwrap() + EXTERNAL.len();
    text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

async fn send_code(c: &mut Client, identity: &str) {
    c.get_json("/us-signin").await;
    let r = c
        .post_json(
            "/us-signin/send-code",
            json!({"identity": identity, "chosen_method": "email"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_and_links_sent_right_after_a_used_code_work() {
    let (t, sink) = app(|_| {}).await;
    let _ = with_email_method(&t, &sink, "kim@example.com", 1).await;
    // Code sign-in, then a magic link, then a code again: all within one 30 s step.
    let mut a = t.client();
    send_code(&mut a, "kim@example.com").await;
    let (code, _) = code_in_mail(&sink, 2).await;
    assert_eq!(
        signin(&mut a, "kim@example.com", &code).await.status,
        StatusCode::OK
    );
    let mut b = t.client();
    send_code(&mut b, "kim@example.com").await;
    let (second, text) = code_in_mail(&sink, 3).await;
    assert_ne!(second, code, "a spent code is never sent");
    let r = b
        .send(Method::GET, &magic_path(&text), &[], Payload::None)
        .await;
    assert!(r.status.is_redirection(), "{}", r.text);
    assert_eq!(b.get_json("/api/protected").await.status, StatusCode::OK);
    let mut c = t.client();
    send_code(&mut c, "kim@example.com").await;
    let (third, _) = code_in_mail(&sink, 4).await;
    let r = signin(&mut c, "kim@example.com", &third).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A spent code: refused, and said so.
    let r = signin(&mut t.client(), "kim@example.com", &third).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["passcode"],
        json!(["This code has already been used. Request a new one."])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passcode_burst_evaluates_at_most_the_lockout_limit() {
    let (t, _sink) = app(|_| {}).await;
    t.user("lou@example.com", PW).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let mut c = t.client();
            tokio::spawn(async move {
                signin(&mut c, "lou@example.com", &format!("guess number {i}")).await
            })
        })
        .collect();
    let (mut evaluated, mut locked) = (0, 0);
    for task in tasks {
        let r = task.await.unwrap();
        if r.text.contains("Password or code submitted is not valid") {
            evaluated += 1;
        } else if r.text.contains("Account locked") {
            locked += 1;
        }
    }
    assert_eq!((evaluated, locked), (10, 30));
}

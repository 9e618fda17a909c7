//! The email-driven flows end to end through a real SMTP server on loopback: confirmation,
//! password reset, the notices, generic responses, single-page-app redirects, link building,
//! template overrides and delivery failures. The mail is read from the SMTP sink, its link
//! followed, and the flow finished; expiry runs on the fixed clock, reuse and tampering on the
//! token itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::common::{Client, Payload, TestApp};
use axum::http::{Method, StatusCode};
use portcullis::core::testing::{ReceivedMail, SmtpSink};
use serde_json::{Value, json};

const PW: &str = "correct horse 1";
const NEW_PW: &str = "battery staple 22";
const EXTERNAL: &str = "https://auth.example.com";

async fn app_with_mail(configure: impl FnOnce(&mut portcullis::Config)) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await.unwrap();
    let url = format!("smtp://{}", sink.addr());
    let t = TestApp::new(move |c| {
        c.smtp_url = Some(url);
        c.external_url = Some(EXTERNAL.into());
        c.confirmable = true;
        c.recoverable = true;
        c.generic_response_floor = portcullis::core::config::Duration::secs(1);
        configure(c);
    })
    .await;
    (t, sink)
}

async fn mails(sink: &SmtpSink, n: usize) -> Vec<ReceivedMail> {
    let got = sink.wait_for(n, Duration::from_secs(10)).await;
    assert!(got.len() >= n, "expected {n} mails, got {}", got.len());
    got
}

/// The path of the first link in a mail's text that starts with the external base URL.
fn link_path(mail: &ReceivedMail) -> String {
    let text = mail.text.clone().unwrap_or_default();
    let start = text
        .find(EXTERNAL)
        .unwrap_or_else(|| panic!("no link in {text:?}"));
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link[EXTERNAL.len()..].to_owned()
}

async fn register(t: &TestApp, email: &str) -> crate::common::Resp {
    let mut c = t.client();
    c.get_json("/register").await;
    c.post_json(
        "/register",
        json!({"email": email, "password": PW, "password_confirm": PW}),
    )
    .await
}

async fn post_anon(t: &TestApp, uri: &str, body: Value) -> crate::common::Resp {
    let mut c = t.client();
    c.get_json(uri).await;
    c.post_json(uri, body).await
}

fn location(r: &crate::common::Resp) -> String {
    r.header("location").unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_by_mailed_link() {
    let (t, sink) = app_with_mail(|_| {}).await;
    let r = register(&t, "ann@example.com").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.response()["user"], json!({}));
    let welcome = &mails(&sink, 1).await[0];
    assert_eq!(welcome.subject, "Welcome");
    assert_eq!(welcome.to, vec!["ann@example.com"]);
    assert!(
        welcome
            .html
            .as_deref()
            .unwrap_or("")
            .contains("confirm my account")
    );
    let path = link_path(welcome);
    assert!(path.starts_with("/confirm/"), "{path}");

    // Not yet: sign-in needs the confirmation.
    let r = t.client().login("ann@example.com", PW).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Email requires confirmation."])
    );

    // Follow the link: confirmed, sent to the login page (no auto-login by default).
    let mut browser = t.client();
    let r = browser.send(Method::GET, &path, &[], Payload::None).await;
    assert!(r.status.is_redirection(), "{}", r.text);
    assert_eq!(location(&r), "/login");
    let user = t
        .store
        .user_by_email("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(user.confirmed_at.is_some());
    assert_eq!(
        t.client().login("ann@example.com", PW).await.status,
        StatusCode::OK
    );

    // The same link again: already confirmed, said as information.
    let r = browser.get_json(&path).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = browser.send(Method::GET, &path, &[], Payload::None).await;
    assert!(
        r.text.contains("Your email has already been confirmed."),
        "{}",
        r.text
    );

    // A confirmation link dies when the address changes before it is used.
    register(&t, "cat@example.com").await;
    let cat_link = link_path(&mails(&sink, 2).await[1]);
    let cat = t
        .store
        .user_by_email("cat@example.com")
        .await
        .unwrap()
        .unwrap();
    t.store
        .set_email(cat.id, "cat2@example.com", None, t.security.clock().now())
        .await
        .unwrap();
    let r = browser.get_json(&cat_link).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.errors(), vec!["Invalid confirmation token."]);

    // A tampered link: invalid.
    let mut bad = path.clone();
    bad.push('x');
    let r = browser.get_json(&bad).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.errors(), vec!["Invalid confirmation token."]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_resend_errors_and_expiry() {
    let (t, sink) = app_with_mail(|c| c.send_register_email = false).await;
    t.user_with("done@example.com", PW, true, true).await;
    t.user_with("todo@example.com", PW, true, false).await;

    let r = post_anon(&t, "/confirm", json!({"email": "nobody@example.com"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Specified user does not exist"])
    );
    let r = post_anon(&t, "/confirm", json!({"email": "done@example.com"})).await;
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Your email has already been confirmed."])
    );
    let r = post_anon(&t, "/confirm", json!({"email": "not an address"})).await;
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Invalid email address"])
    );
    let r = post_anon(&t, "/confirm", json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(sink.messages().is_empty(), "no mail for refused requests");

    let r = post_anon(&t, "/confirm", json!({"email": "TODO@example.com"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.response()["csrf_token"].is_string());
    assert!(r.response().get("user").is_none());
    let mail = &mails(&sink, 1).await[0];
    assert_eq!(mail.subject, "Please confirm your email");
    assert!(mail.text.as_deref().unwrap().contains("expire in 2 days"));
    let path = link_path(mail);

    // Two days and a second later the link is dead; nothing changed.
    t.clock.advance(2 * 86_400 + 1);
    let r = t.client().get_json(&path).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.errors(),
        vec!["You did not confirm your email within 2 days."]
    );
    let user = t
        .store
        .user_by_email("todo@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(user.confirmed_at.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_by_mailed_link() {
    let (t, sink) = app_with_mail(|_| {}).await;
    t.user("ann@example.com", PW).await;
    // Signed in elsewhere, with a session and a token.
    let mut other = t.client();
    let token = other.login("ann@example.com", PW).await.token();
    assert_eq!(
        other.get_json("/api/protected").await.status,
        StatusCode::OK
    );

    let r = post_anon(&t, "/reset", json!({"email": "ann@example.com"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.response()["csrf_token"].is_string());
    let mail = &mails(&sink, 1).await[0];
    assert_eq!(mail.subject, "Password reset instructions");
    assert!(mail.text.as_deref().unwrap().contains("expire in 1 day"));
    let path = link_path(mail);
    assert!(path.starts_with("/reset/"));

    // The form (JSON: 200; browser: the page with a password field).
    let mut c = t.client();
    assert_eq!(c.get_json(&path).await.status, StatusCode::OK);
    let page = c.send(Method::GET, &path, &[], Payload::None).await;
    assert!(page.text.contains("name=\"password\""), "{}", page.text);

    // The policy applies.
    let r = c
        .post_json(
            &path,
            json!({"password": "short", "password_confirm": "short"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["password"],
        json!(["Password must be at least 8 characters"])
    );
    let r = c
        .post_json(
            &path,
            json!({"password": NEW_PW, "password_confirm": "other thing 1"}),
        )
        .await;
    assert_eq!(
        r.response()["field_errors"]["password_confirm"],
        json!(["Passwords do not match"])
    );
    let r = c
        .post_json(
            &path,
            json!({"password": NEW_PW, "password_confirm": NEW_PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.response(),
        &json!({}),
        "no csrf_token, like Flask-Security"
    );
    let notice = &mails(&sink, 2).await[1];
    assert_eq!(notice.subject, "Your password has been reset");

    // Every session and token of the user ended; the link works once.
    assert_eq!(
        other.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = t
        .client()
        .get_json_with("/api/protected", &[("authentication-token", &token)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = c
        .post_json(
            &path,
            json!({"password": "third password 3", "password_confirm": "third password 3"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"][""],
        json!(["Invalid reset password token."])
    );
    assert_eq!(
        t.client().login("ann@example.com", PW).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        t.client().login("ann@example.com", NEW_PW).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_refusals_and_expiry() {
    let (t, sink) = app_with_mail(|_| {}).await;
    t.user_with("off@example.com", PW, false, true).await;
    t.user_with("new@example.com", PW, true, false).await;
    t.user("ann@example.com", PW).await;
    for (email, message) in [
        ("nobody@example.com", "Specified user does not exist"),
        ("off@example.com", "Account is disabled."),
        ("new@example.com", "Email requires confirmation."),
    ] {
        let r = post_anon(&t, "/reset", json!({"email": email})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{email}");
        assert_eq!(
            r.response()["field_errors"]["email"],
            json!([message]),
            "{email}"
        );
    }
    assert!(sink.messages().is_empty());

    post_anon(&t, "/reset", json!({"email": "ann@example.com"})).await;
    let path = link_path(&mails(&sink, 1).await[0]);
    t.clock.advance(86_400 + 1);
    let mut c = t.client();
    c.get_json("/reset").await;
    let r = c
        .post_json(
            &path,
            json!({"password": NEW_PW, "password_confirm": NEW_PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"][""],
        json!(["You did not reset your password within 1 day."])
    );
    // A browser following the expired link sees why.
    let page = c.send(Method::GET, &path, &[], Payload::None).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.text.contains("within 1 day"), "{}", page.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_reset_lifts_the_lock() {
    let (t, sink) = app_with_mail(|c| c.lockout_max_failures = 3).await;
    t.user("ann@example.com", PW).await;
    for _ in 0..3 {
        t.client()
            .login("ann@example.com", "wrong password 0")
            .await;
    }
    let r = t.client().login("ann@example.com", PW).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("Account locked"), "{}", r.text);
    // The lock does not stop the reset mail…
    let r = post_anon(&t, "/reset", json!({"email": "ann@example.com"})).await;
    assert_eq!(r.status, StatusCode::OK);
    let path = link_path(&mails(&sink, 1).await[0]);
    let mut c = t.client();
    c.get_json("/reset").await;
    let r = c
        .post_json(
            &path,
            json!({"password": NEW_PW, "password_confirm": NEW_PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // …and the completed reset lifts it at once.
    assert_eq!(
        t.client().login("ann@example.com", NEW_PW).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_page_app_redirects() {
    let (t, sink) = app_with_mail(|c| {
        c.redirect_behavior = Some("spa".into());
        c.redirect_host = Some("localhost:8081".into());
        c.confirm_error_view = Some("/confirm-error".into());
        c.post_confirm_view = Some("/confirmed".into());
        c.reset_view = Some("/reset-view".into());
        c.reset_error_view = Some("/reset-error".into());
    })
    .await;
    register(&t, "ann@example.com").await;
    let path = link_path(&mails(&sink, 1).await[0]);
    let mut c = t.client();
    let r = c.get_json(&path).await;
    assert!(r.status.is_redirection());
    assert_eq!(
        location(&r),
        "//localhost:8081/confirmed?success=Thank+you.+Your+email+has+been+confirmed.&email=ann%40example.com&identity=ann%40example.com"
    );
    let r = c.get_json(&path).await;
    assert_eq!(
        location(&r),
        "//localhost:8081/confirm-error?info=Your+email+has+already+been+confirmed."
    );
    let r = c.get_json("/confirm/not-a-valid-token").await;
    assert_eq!(
        location(&r),
        "//localhost:8081/confirm-error?error=Invalid+confirmation+token."
    );

    post_anon(&t, "/reset", json!({"email": "ann@example.com"})).await;
    let path = link_path(&mails(&sink, 2).await[1]);
    let token = path.trim_start_matches("/reset/");
    let r = c.get_json(&path).await;
    assert_eq!(
        location(&r),
        format!("//localhost:8081/reset-view?token={token}")
    );
    let r = c.get_json("/reset/garbage").await;
    assert_eq!(
        location(&r),
        "//localhost:8081/reset-error?error=Invalid+reset+password+token."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_never_follow_the_host_header() {
    let (t, sink) = app_with_mail(|_| {}).await;
    t.user("ann@example.com", PW).await;
    let mut c = t.client();
    c.get_json("/reset").await;
    let csrf = c.csrf.clone().unwrap();
    let r = c
        .send(
            Method::POST,
            "/reset",
            &[
                ("accept", "application/json"),
                ("host", "evil.example"),
                ("x-forwarded-host", "evil.example"),
                ("x-xsrf-token", &csrf),
            ],
            Payload::Json(json!({"email": "ann@example.com"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let text = mails(&sink, 1).await[0].text.clone().unwrap();
    assert!(text.contains(&format!("{EXTERNAL}/reset/")), "{text}");
    assert!(!text.contains("evil.example"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_responses_hide_existence_in_body_and_work() {
    let (t, sink) = app_with_mail(|c| {
        c.return_generic_responses = true;
        c.username_enable = true;
        c.username_recovery = true;
    })
    .await;
    t.user("ann@example.com", PW).await;
    t.user_with("new@example.com", PW, true, false).await;
    let pool = t.security.hash_pool().clone();
    for uri in ["/reset", "/confirm", "/recover-username"] {
        let mut answers = Vec::new();
        for email in ["ann@example.com", "nobody@example.com", "new@example.com"] {
            let before = pool.operations();
            let started = std::time::Instant::now();
            let mut r = post_anon(&t, uri, json!({"email": email})).await;
            let elapsed = started.elapsed();
            let work = pool.operations() - before;
            assert_eq!(r.status, StatusCode::OK, "{uri} {email}: {}", r.text);
            // Held until the floor: no early answer for unknown addresses.
            assert!(
                elapsed >= Duration::from_secs(1),
                "{uri} {email}: {elapsed:?}"
            );
            r.json["response"]
                .as_object_mut()
                .unwrap()
                .remove("csrf_token");
            answers.push((r.json.clone(), work));
        }
        assert!(
            answers.windows(2).all(|w| w[0] == w[1]),
            "{uri}: answers or work differ: {answers:?}"
        );
    }
    // Mail went only where an account could use it: a reset and a username reminder to ann, a
    // confirmation to new.
    let got = mails(&sink, 3).await;
    let mut to: Vec<(String, String)> = got
        .iter()
        .map(|m| (m.to[0].clone(), m.subject.clone()))
        .collect();
    to.sort();
    assert_eq!(
        to,
        vec![
            (
                "ann@example.com".into(),
                "Password reset instructions".into()
            ),
            ("ann@example.com".into(), "Your requested username".into()),
            ("new@example.com".into(), "Please confirm your email".into()),
        ]
    );

    // Registering a taken address answers like a new one and tells the owner.
    let r = register(&t, "ann@example.com").await;
    assert_eq!(r.status, StatusCode::OK);
    let fresh = register(&t, "fresh@example.com").await;
    assert_eq!(r.response().get("user"), fresh.response().get("user"));
    let got = mails(&sink, 5).await;
    assert!(
        got.iter().any(|m| m.to == vec!["ann@example.com"]
            && m.text
                .as_deref()
                .unwrap_or("")
                .contains("tried to register")),
        "{:?}",
        got.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_failure_is_a_500_for_code_send_endpoints() {
    let sink = SmtpSink::start_failing().await.unwrap();
    let url = format!("smtp://{}", sink.addr());
    let t = TestApp::new(move |c| {
        c.smtp_url = Some(url);
        c.confirmable = true;
        c.recoverable = true;
    })
    .await;
    t.user("ann@example.com", PW).await;
    t.user_with("new@example.com", PW, true, false).await;
    for (uri, email) in [
        ("/reset", "ann@example.com"),
        ("/confirm", "new@example.com"),
    ] {
        let r = post_anon(&t, uri, json!({"email": email})).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        assert_eq!(r.json["meta"]["code"], json!(500));
        assert_eq!(
            r.errors(),
            vec!["The email could not be sent. Please try again later."]
        );
    }
    // Registration still creates the account (the mail failure is logged; /confirm resends).
    let r = register(&t, "bob@example.com").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        t.store
            .user_by_email("bob@example.com")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_change_notice_and_template_override() {
    let dir = std::env::temp_dir().join(format!(
        "portcullis-templates-{}",
        portcullis::core::crypto::random::token_hex(4)
    ));
    std::fs::create_dir_all(dir.join("mail")).unwrap();
    std::fs::write(
        dir.join("mail/change_notice.txt"),
        "Custom notice for {{ user.email }}.\n",
    )
    .unwrap();
    let d = dir.display().to_string();
    let (t, sink) = app_with_mail(move |c| {
        c.changeable = true;
        c.template_dir = Some(d);
    })
    .await;
    t.user("ann@example.com", PW).await;
    let mut c = t.client();
    c.login("ann@example.com", PW).await;
    let r = c
        .post_json(
            "/change",
            json!({"password": PW, "new_password": NEW_PW, "new_password_confirm": NEW_PW}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mail = &mails(&sink, 1).await[0];
    assert_eq!(mail.subject, "Your password has been changed");
    assert_eq!(
        mail.text.as_deref().unwrap().trim(),
        "Custom notice for ann@example.com."
    );
    // The HTML part is still the built-in one.
    assert!(
        mail.html
            .as_deref()
            .unwrap()
            .contains("Your password has been changed")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_forms_for_the_mail_flows() {
    let (t, sink) = app_with_mail(|_| {}).await;
    t.user("ann@example.com", PW).await;
    let mut browser: Client = t.client();
    let page = browser
        .send(Method::GET, "/reset", &[], Payload::None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("name=\"csrf_token\""), "{}", page.text);
    let csrf = crate::common::csrf_field(&page.text);
    let r = browser
        .send(
            Method::POST,
            "/reset",
            &[],
            Payload::Form(&[("email", "ann@example.com"), ("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text
            .contains("Instructions to reset your password have been sent.")
    );
    let path = link_path(&mails(&sink, 1).await[0]);
    let form = browser.send(Method::GET, &path, &[], Payload::None).await;
    let csrf = crate::common::csrf_field(&form.text);
    let r = browser
        .send(
            Method::POST,
            &path,
            &[],
            Payload::Form(&[
                ("password", NEW_PW),
                ("password_confirm", NEW_PW),
                ("csrf_token", &csrf),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains("You successfully reset your password."),
        "{}",
        r.text
    );
    // Without the CSRF token the form is refused.
    let r = browser
        .send(
            Method::POST,
            "/reset",
            &[],
            Payload::Form(&[("email", "ann@example.com")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_email_by_link_to_the_new_address() {
    let (t, sink) = app_with_mail(|c| c.change_email = true).await;
    t.user("erin@example.com", PW).await;
    t.user("taken@example.com", PW).await;
    let mut c = t.client();
    c.login("erin@example.com", PW).await;
    let r = c.get_json("/change-email").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.response()["current_email"], json!("erin@example.com"));
    assert!(r.response()["user"].is_object());

    let r = c
        .post_json("/change-email", json!({"email": "Taken@example.com"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Taken@example.com is already associated with an account."])
    );
    let r = c
        .post_json("/change-email", json!({"email": "bad address"}))
        .await;
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Invalid email address"])
    );
    let r = c
        .post_json("/change-email", json!({"email": "erin.new@example.com"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["current_email"], json!("erin@example.com"));
    let mail = &mails(&sink, 1).await[0];
    assert_eq!(mail.to, vec!["erin.new@example.com"]);
    assert_eq!(mail.subject, "Confirm your new email address");
    let text = mail.text.clone().unwrap();
    assert!(
        text.contains("Your currently registered email is erin@example.com."),
        "{text}"
    );
    assert!(text.contains("expire in 2 hours"), "{text}");
    let path = link_path(mail);
    // Nothing changed yet.
    assert!(
        t.store
            .user_by_email("erin@example.com")
            .await
            .unwrap()
            .is_some()
    );

    let r = t.client().get_json(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let user = t
        .store
        .user_by_email("erin.new@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(user.confirmed_at.is_some());
    assert!(
        t.store
            .user_by_email("erin@example.com")
            .await
            .unwrap()
            .is_none()
    );
    // The session goes on; sign-in works with the new address only.
    assert_eq!(
        c.get_json("/api/protected").await.json["email"],
        json!("erin.new@example.com")
    );
    assert_eq!(
        t.client().login("erin@example.com", PW).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        t.client().login("erin.new@example.com", PW).await.status,
        StatusCode::OK
    );
    // The link dies with the old address.
    let r = t.client().get_json(&path).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.errors(), vec!["Input not appropriate for requested API"]);

    // A second request; the address is taken meanwhile: the link dies. Then expiry.
    let r = c
        .post_json("/change-email", json!({"email": "third@example.com"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let path = link_path(&mails(&sink, 2).await[1]);
    t.user("third@example.com", PW).await;
    assert_eq!(
        t.client().get_json(&path).await.status,
        StatusCode::BAD_REQUEST
    );
    let r = c
        .post_json("/change-email", json!({"email": "fourth@example.com"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let path = link_path(&mails(&sink, 3).await[2]);
    t.clock.advance(2 * 3600 + 1);
    let r = t.client().get_json(&path).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.errors()[0].contains("expired"), "{:?}", r.errors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_email_needs_a_fresh_sign_in() {
    let (t, _sink) = app_with_mail(|c| {
        c.change_email = true;
        c.freshness = portcullis::core::config::Duration::secs(600);
        c.freshness_grace_period = portcullis::core::config::Duration::secs(0);
    })
    .await;
    t.user("erin@example.com", PW).await;
    let mut c = t.client();
    c.login("erin@example.com", PW).await;
    assert_eq!(c.get_json("/change-email").await.status, StatusCode::OK);
    t.clock.advance(601);
    let r = c
        .post_json("/change-email", json!({"email": "new@example.com"}))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.response()["reauth_required"], json!(true));
    // Anonymous: 401.
    assert_eq!(
        t.client().get_json("/change-email").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn username_recovery_and_change() {
    let (t, sink) = app_with_mail(|c| {
        c.username_enable = true;
        c.username_recovery = true;
        c.change_username = true;
    })
    .await;
    let u = t.user("ann@example.com", PW).await;
    t.store
        .set_username(u.id, Some("annie"), t.security.clock().now())
        .await
        .unwrap();
    t.user("bob@example.com", PW).await;
    let r = post_anon(
        &t,
        "/recover-username",
        json!({"email": "nobody@example.com"}),
    )
    .await;
    assert_eq!(
        r.response()["field_errors"]["email"],
        json!(["Specified user does not exist"])
    );
    let r = post_anon(&t, "/recover-username", json!({"email": "ann@example.com"})).await;
    assert_eq!(r.status, StatusCode::OK);
    let mail = &mails(&sink, 1).await[0];
    assert_eq!(mail.subject, "Your requested username");
    assert!(mail.text.as_deref().unwrap().contains("annie"));

    let mut c = t.client();
    c.login("ann@example.com", PW).await;
    let r = c.get_json("/change-username").await;
    assert_eq!(r.response()["current_username"], json!("annie"));
    let r = c
        .post_json("/change-username", json!({"username": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let bob = t
        .store
        .user_by_email("bob@example.com")
        .await
        .unwrap()
        .unwrap();
    t.store
        .set_username(bob.id, Some("bobby"), t.security.clock().now())
        .await
        .unwrap();
    let r = c
        .post_json("/change-username", json!({"username": "BOBBY"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("already associated"), "{}", r.text);
    let r = c
        .post_json("/change-username", json!({"username": "anna2"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.response()["user"].is_object());
    let notice = &mails(&sink, 2).await[1];
    assert_eq!(notice.subject, "Your username has been changed");
    let ann = t
        .store
        .user_by_email("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ann.username.as_deref(), Some("anna2"));
    // Recovery is for signed-out users only.
    let r = c
        .post_json("/recover-username", json!({"email": "ann@example.com"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

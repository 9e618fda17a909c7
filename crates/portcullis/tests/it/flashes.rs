//! Flash messages: a browser is told on its next page what just happened, once, in its
//! language; JSON clients are not (their answers say it); SECURITY_FLASH_MESSAGES turns it off.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::Method;

use crate::common::{Client, Payload, TestApp, csrf_field};

async fn page(c: &mut Client, path: &str, lang: &str) -> String {
    let r = c
        .send(
            Method::GET,
            path,
            &[("accept", "text/html"), ("accept-language", lang)],
            Payload::None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{path}: {}", r.text);
    // minijinja escapes `/` in attributes; a browser reads it back.
    r.text.replace("&#x2f;", "/")
}

#[tokio::test]
async fn a_protected_page_sends_the_browser_to_sign_in_with_a_note_shown_once() {
    let t = TestApp::new(|_| {}).await;
    let mut c = t.client();
    let r = c
        .send(
            Method::GET,
            "/api/protected",
            &[("accept", "text/html")],
            Payload::None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 302);
    let login = page(&mut c, "/login", "en").await;
    assert!(
        login.contains(r#"<p class="pc-flash info">Please log in to access this page.</p>"#),
        "{login}"
    );
    // Shown once.
    let again = page(&mut c, "/login", "en").await;
    assert!(!again.contains("Please log in"), "{again}");
}

#[tokio::test]
async fn registration_with_confirmation_says_to_check_the_mail_in_the_browsers_language() {
    let t = TestApp::new(|c| c.confirmable = true).await;
    let mut c = t.client();
    let form = page(&mut c, "/register", "de").await;
    let csrf = csrf_field(&form);
    let r = c
        .send(
            Method::POST,
            "/register",
            &[("accept", "text/html"), ("accept-language", "de")],
            Payload::Form(&[
                ("email", "neu@example.com"),
                ("password", "ein gutes Passwort 42"),
                ("password_confirm", "ein gutes Passwort 42"),
                ("csrf_token", &csrf),
            ]),
        )
        .await;
    assert_eq!(r.status.as_u16(), 302, "{}", r.text);
    let next = page(&mut c, "/login", "de").await;
    assert!(
        next.contains("Um Ihre E-Mail-Adresse neu@example.com zu bestätigen"),
        "{next}"
    );
    assert!(next.contains("<html lang=\"de\">"));
}

#[tokio::test]
async fn changing_the_password_is_confirmed_and_json_clients_get_no_flash() {
    let t = TestApp::new(|_| {}).await;
    t.user("ann@example.com", "ann password 1").await;
    // A JSON client: its answer says it; nothing is kept for a next page.
    let mut api = t.client();
    let token = api.login("ann@example.com", "ann password 1").await.token();
    let r = api
        .send(
            Method::POST,
            "/change",
            &[
                ("authentication-token", &token),
                ("accept", "application/json"),
            ],
            Payload::Json(serde_json::json!({
                "password": "ann password 1",
                "new_password": "ann password 2",
                "new_password_confirm": "ann password 2",
            })),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    // A browser: signed in by the form, changes its password, and is told so.
    let mut b = t.client();
    let form = page(&mut b, "/login", "en").await;
    let csrf = csrf_field(&form);
    let r = b
        .send(
            Method::POST,
            "/login",
            &[("accept", "text/html")],
            Payload::Form(&[
                ("email", "ann@example.com"),
                ("password", "ann password 2"),
                ("csrf_token", &csrf),
            ]),
        )
        .await;
    assert_eq!(r.status.as_u16(), 302, "{}", r.text);
    let form = page(&mut b, "/change", "en").await;
    let csrf = csrf_field(&form);
    let r = b
        .send(
            Method::POST,
            "/change",
            &[("accept", "text/html")],
            Payload::Form(&[
                ("password", "ann password 2"),
                ("new_password", "ann password 3"),
                ("new_password_confirm", "ann password 3"),
                ("csrf_token", &csrf),
            ]),
        )
        .await;
    assert_eq!(r.status.as_u16(), 302, "{}", r.text);
    let next = page(&mut b, "/change", "en").await;
    assert!(
        next.contains(r#"<p class="pc-flash success">You successfully changed your password.</p>"#),
        "{next}"
    );
}

#[tokio::test]
async fn flash_messages_can_be_turned_off() {
    let t = TestApp::new(|c| c.flash_messages = false).await;
    let mut c = t.client();
    c.send(
        Method::GET,
        "/api/protected",
        &[("accept", "text/html")],
        Payload::None,
    )
    .await;
    let login = page(&mut c, "/login", "en").await;
    assert!(!login.contains("class=\"flash"), "{login}");
}

#[tokio::test]
async fn the_account_page_is_home_after_signing_in_and_pages_link_to_each_other() {
    let t = TestApp::new(|c| {
        c.recoverable = true;
        c.change_email = true;
    })
    .await;
    t.user("ann@example.com", "ann password 1").await;
    let mut b = t.client();
    // Anonymous pages link to the enabled flows.
    let login = page(&mut b, "/login", "en").await;
    for link in [r#"href="/register""#, r#"href="/reset""#] {
        assert!(login.contains(link), "{link}: {login}");
    }
    assert!(!login.contains(r#"href="/confirm""#), "confirmation is off");
    let csrf = csrf_field(&login);
    let r = b
        .send(
            Method::POST,
            "/login",
            &[("accept", "text/html")],
            Payload::Form(&[
                ("email", "ann@example.com"),
                ("password", "ann password 1"),
                ("csrf_token", &csrf),
            ]),
        )
        .await;
    assert_eq!(r.header("location"), Some("/account"));
    let account = page(&mut b, "/account", "en").await;
    assert!(
        account.contains("Signed in as <strong>ann@example.com</strong>"),
        "{account}"
    );
    for link in [r#"href="/change""#, r#"href="/change-email""#] {
        assert!(account.contains(link), "{link}: {account}");
    }
    // A sign-out button, with its CSRF token, on every signed-in page.
    assert!(account.contains(r#"<form method="post" action="/logout">"#));
    let csrf = csrf_field(&account);
    let r = b
        .send(
            Method::POST,
            "/logout",
            &[("accept", "text/html")],
            Payload::Form(&[("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(r.status.as_u16(), 302);
    // Signed out: the account page sends the browser to sign in.
    let r = b
        .send(
            Method::GET,
            "/account",
            &[("accept", "text/html")],
            Payload::None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 302);
    // JSON clients get the account as data.
    let mut api = t.client();
    let token = api.login("ann@example.com", "ann password 1").await.token();
    let r = api
        .send(
            Method::GET,
            "/account",
            &[
                ("authentication-token", &token),
                ("accept", "application/json"),
            ],
            Payload::None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert_eq!(r.json["response"]["email"], "ann@example.com");
    assert_eq!(r.json["response"]["has_password"], true);
}

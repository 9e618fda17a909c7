//! The HTML pages as a browser gets them (the real browser runs in portcullis-server's
//! `browser` tests): the stylesheet, theming by `_theme.html` and the app name and logo, labels
//! and `autocomplete` for password managers, no `None`, titles, and pages and mails in the
//! visitor's language.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::http::{Method, StatusCode};
use portcullis::core::testing::SmtpSink;

use crate::common::{Payload, TestApp};

async fn page(t: &TestApp, path: &str, lang: &str) -> String {
    let r = t
        .client()
        .send(
            Method::GET,
            path,
            &[("accept-language", lang), ("accept", "text/html")],
            Payload::None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    assert!(
        r.header("content-type").unwrap().starts_with("text/html"),
        "{path}"
    );
    // minijinja writes `/` in attributes as `&#x2f;` (valid HTML); read it back as a browser does.
    r.text.replace("&#x2f;", "/")
}

/// The attributes of the `<input>` named `name` on `html`.
fn input<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no input {name} in {html}"));
    let start = html[..at].rfind("<input").unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..end]
}

/// Every visible input has a `<label for>` matching its id.
fn labelled(html: &str) {
    for piece in html.split("<input").skip(1) {
        let tag = &piece[..piece.find('>').unwrap()];
        if tag.contains("type=\"hidden\"")
            || tag.contains("type=\"checkbox\"")
            || tag.contains("type=\"radio\"")
        {
            continue; // hidden; boxes and radios sit inside their <label>
        }
        let id = tag
            .split("id=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("an input without an id: {tag}"));
        assert!(
            html.contains(&format!("<label for=\"{id}\">")),
            "input {id} has no label: {html}"
        );
    }
}

#[tokio::test]
async fn stylesheet_is_served_and_themeable() {
    let dir = std::env::temp_dir().join(format!("portcullis-theme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("_theme.html"),
        "<style>:root{--pc-accent:#7b1fa2}</style>\n",
    )
    .unwrap();
    let d = dir.display().to_string();
    let t = TestApp::new(move |c| {
        c.template_dir = Some(d);
        c.app_name = Some("Example & Co".into());
        c.app_logo_url = Some("/static/logo.svg".into());
    })
    .await;
    let css = t
        .client()
        .send(Method::GET, "/fs-static/portcullis.css", &[], Payload::None)
        .await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.text.contains("--pc-accent") && css.text.contains("prefers-color-scheme: dark"));
    assert!(css.text.contains(":focus-visible"), "a visible focus ring");

    let html = page(&t, "/login", "en").await;
    assert!(
        html.contains("href=\"/fs-static/portcullis.css\""),
        "{html}"
    );
    assert!(
        html.contains("--pc-accent:#7b1fa2"),
        "the app's theme is in the head"
    );
    assert!(
        html.contains("<title>Sign in · Example &amp; Co</title>"),
        "{html}"
    );
    assert!(html.contains("src=\"/static/logo.svg\""), "{html}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn forms_are_labelled_for_people_and_password_managers() {
    let t = TestApp::new(|c| {
        c.recoverable = true;
        c.confirmable = true;
        c.unified_signin = true;
        c.username_enable = true;
        c.username_recovery = true;
        c.totp_secrets = serde_json::json!({"1": "pages-tests-totp-secret"})
            .as_object()
            .cloned()
            .unwrap()
            .into();
    })
    .await;
    let login = page(&t, "/login", "en").await;
    assert!(input(&login, "password").contains("autocomplete=\"current-password\""));
    assert!(input(&login, "email").contains("autocomplete=\"username\""));
    assert!(input(&login, "email").contains("type=\"email\""));
    let register = page(&t, "/register", "en").await;
    assert!(input(&register, "password").contains("autocomplete=\"new-password\""));
    assert!(input(&register, "email").contains("autocomplete=\"email\""));
    for path in [
        "/login",
        "/register",
        "/reset",
        "/confirm",
        "/us-signin",
        "/recover-username",
    ] {
        let html = page(&t, path, "en").await;
        assert!(!html.contains("None"), "{path}: {html}");
        labelled(&html);
        assert!(html.contains("<main id=\"main\""), "{path}");
        assert!(html.contains("aria-live"), "{path}: messages are announced");
    }
    // The anonymous pages link to the enabled flows.
    for href in [
        "/register",
        "/reset",
        "/confirm",
        "/us-signin",
        "/recover-username",
    ] {
        assert!(
            login.contains(&format!("href=\"{href}\"")),
            "login links {href}"
        );
    }
}

#[tokio::test]
async fn an_error_is_tied_to_its_field() {
    let t = TestApp::new(|_| {}).await;
    t.user("ann@example.com", "ann password 1").await;
    let mut c = t.client();
    let form = c.send(Method::GET, "/login", &[], Payload::None).await;
    let csrf = crate::common::csrf_field(&form.text);
    let r = c
        .send(
            Method::POST,
            "/login",
            &[("accept-language", "fr")],
            Payload::Form(&[
                ("email", "ann@example.com"),
                ("password", "wrong"),
                ("csrf_token", &csrf),
            ]),
        )
        .await;
    let password = input(&r.text, "password");
    assert!(password.contains("aria-invalid=\"true\""), "{password}");
    assert!(
        password.contains("aria-describedby=\"password-error\""),
        "{password}"
    );
    assert!(
        r.text
            .contains("id=\"password-error\" role=\"alert\">Mot de passe incorrect"),
        "{}",
        r.text
    );
    assert!(r.text.contains("<html lang=\"fr\""));
    // What was typed stays; the password never comes back.
    assert!(input(&r.text, "email").contains("value=\"ann@example.com\""));
    assert!(!input(&r.text, "password").contains("value="));
}

#[tokio::test]
async fn pages_come_in_the_visitors_language() {
    let t = TestApp::new(|c| c.recoverable = true).await;
    for (lang, title, label) in [
        ("de-DE", "Anmelden", "Passwort"),
        ("fr", "Se connecter", "Mot de passe"),
        ("es", "Iniciar sesión", "Contraseña"),
        ("en", "Sign in", "Password"),
    ] {
        let html = page(&t, "/login", lang).await;
        assert!(
            html.contains(&format!("<h1>{title}</h1>")),
            "{lang}: {html}"
        );
        assert!(
            html.contains(&format!(">{label}</label>")),
            "{lang}: {html}"
        );
        assert!(
            !html.contains("field-") && !html.contains("page-"),
            "{lang}: an id shows: {html}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mails_come_in_the_visitors_language() {
    let sink = SmtpSink::start().await.unwrap();
    let url = format!("smtp://{}", sink.addr());
    let t = TestApp::new(move |c| {
        c.smtp_url = Some(url);
        c.external_url = Some("https://auth.example.com".into());
        c.recoverable = true;
    })
    .await;
    t.user("ann@example.com", "ann password 1").await;
    let mut expected = Vec::new();
    for (lang, subject, expires) in [
        ("en", "Password reset instructions", "1 day"),
        ("de", "Anleitung zum Zurücksetzen Ihres Passworts", "1 Tag"),
        (
            "fr",
            "Instructions de réinitialisation du mot de passe",
            "1 jour",
        ),
        (
            "es",
            "Instrucciones para restablecer su contraseña",
            "1 día",
        ),
    ] {
        let mut c = t.client();
        c.get_json("/reset").await;
        let r = c
            .send(
                Method::POST,
                "/reset",
                &[
                    ("accept-language", lang),
                    ("x-csrf-token", &c.csrf.clone().unwrap()),
                ],
                Payload::Json(serde_json::json!({"email": "ann@example.com"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        expected.push((lang, subject, expires));
    }
    let got = sink.wait_for(4, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 4);
    for (mail, (lang, subject, expires)) in got.iter().zip(expected) {
        assert_eq!(mail.subject, subject, "{lang}");
        let text = mail.text.clone().unwrap();
        assert!(text.contains(expires), "{lang}: {text}");
        assert!(
            text.contains("https://auth.example.com/reset/"),
            "{lang}: {text}"
        );
        let html = mail.html.clone().unwrap();
        assert!(
            html.contains(&format!("lang=\"{lang}\"")) || !html.contains("<html"),
            "{lang}: {html}"
        );
    }
}

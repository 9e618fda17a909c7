//! `portcullis::http::harden` as a library user gets it: the request timeout answers an
//! enveloped 503, oversized headers an enveloped 431, unknown paths an enveloped 404; security
//! headers and request ids on every answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::Method;

use crate::common::{Payload, TestApp};

#[tokio::test]
async fn a_slow_answer_times_out_in_the_envelope() {
    let t = TestApp::new(|c| {
        c.request_timeout = portcullis::core::config::Duration::secs(1);
    })
    .await;
    t.user("ann@example.com", "ann password 1").await;
    let app = portcullis::http::harden(t.app.clone(), &t.security);
    let mut c = t.client_of(app);
    let token = c.login("ann@example.com", "ann password 1").await.token();
    // /api/slow waits for a gate the test never opens.
    let started = std::time::Instant::now();
    let r = c
        .send(
            Method::GET,
            "/api/slow",
            &[
                ("authentication-token", &token),
                ("accept", "application/json"),
            ],
            Payload::None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 503, "{}", r.text);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(r.json["meta"]["code"], 503);
    assert!(r.errors()[0].contains("took too long"), "{:?}", r.errors());
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(r.header("x-request-id").is_some());
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn oversized_headers_and_unknown_paths_are_enveloped() {
    let t = TestApp::new(|c| c.max_header_bytes = 2048).await;
    let app = portcullis::http::harden(t.app.clone(), &t.security);
    let mut c = t.client_of(app);
    let big = "x".repeat(4096);
    let r = c
        .send(
            Method::GET,
            "/api/public",
            &[("accept", "application/json"), ("x-big", &big)],
            Payload::None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 431);
    assert_eq!(r.json["meta"]["code"], 431);
    let r = c.get_json("/no/such/thing").await;
    assert_eq!(r.status.as_u16(), 404);
    assert_eq!(r.json["meta"]["code"], 404);
    // A browser gets a page, which may not be framed.
    let r = c
        .send(
            Method::GET,
            "/no/such/thing",
            &[("accept", "text/html")],
            Payload::None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 404);
    assert!(r.text.starts_with("<!doctype html>"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
}

#[tokio::test]
async fn no_page_shows_none_in_an_empty_field() {
    let t = TestApp::new(|c| {
        c.confirmable = true;
        c.recoverable = true;
        c.username_enable = true;
        c.username_recovery = true;
    })
    .await;
    let mut c = t.client();
    for page in [
        "/login",
        "/register",
        "/reset",
        "/confirm",
        "/recover-username",
    ] {
        let r = c
            .send(Method::GET, page, &[("accept", "text/html")], Payload::None)
            .await;
        assert_eq!(r.status.as_u16(), 200, "{page}");
        let lower = r.text.to_lowercase();
        assert!(!lower.contains("value=\"none\""), "{page}: {}", r.text);
        assert!(lower.contains("<html lang=\"en\">"), "{page}");
    }
    // The page's language follows Accept-Language.
    let r = c
        .send(
            Method::GET,
            "/login",
            &[
                ("accept", "text/html"),
                ("accept-language", "fr-CA,fr;q=0.9"),
            ],
            Payload::None,
        )
        .await;
    assert!(r.text.contains("<html lang=\"fr\">"), "{}", r.text);
}

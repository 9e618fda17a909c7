//! The email flows against the server binary: `portcullis serve` delivering through a real SMTP
//! server on loopback (JSON, form and single-page-app modes), and the outbox directory it uses
//! until SMTP is configured.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Duration;

use crate::common::{Dir, free_addr, header, http, start_on};
use portcullis_core::testing::{ReceivedMail, SmtpSink};

const PW: &str = "ann password 1";
const NEW_PW: &str = "ann password 22";

fn server(dir: &Dir, addr: &str, smtp: Option<&str>) -> Command {
    let mut c = crate::common::portcullis(dir.path());
    c.env("SECURITY_REGISTERABLE", "true")
        .env("SECURITY_CONFIRMABLE", "true")
        .env("SECURITY_RECOVERABLE", "true")
        .env("SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS", "true")
        .env("PORTCULLIS_EXTERNAL_URL", format!("http://{addr}"));
    if let Some(url) = smtp {
        c.env("PORTCULLIS_SMTP_URL", url);
    }
    c
}

/// The path of the link on `base` in a mail text.
fn link(text: &str, base: &str) -> String {
    let start = text.find(base).unwrap() + base.len();
    text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

async fn mail(sink: &SmtpSink, n: usize) -> ReceivedMail {
    let got = sink.wait_for(n, Duration::from_secs(20)).await;
    assert!(got.len() >= n, "expected {n} mails, got {}", got.len());
    got[n - 1].clone()
}

fn csrf_field(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_confirm_reset_through_smtp() {
    let sink = SmtpSink::start().await.unwrap();
    let d = Dir::new();
    let addr = free_addr();
    let base = format!("http://{addr}");
    let _server = start_on(
        server(&d, &addr, Some(&format!("smtp://{}", sink.addr()))),
        &addr,
    );

    // JSON: register, confirm by the mailed link, sign in.
    let body =
        format!(r#"{{"email":"ann@example.com","password":"{PW}","password_confirm":"{PW}"}}"#);
    let r = http(&addr, "POST", "/register", &[], &body);
    assert_eq!(r.status, 200, "{}", r.body);
    let welcome = mail(&sink, 1).await;
    assert_eq!(welcome.subject, "Welcome");
    let path = link(welcome.text.as_deref().unwrap(), &base);
    let r = http(&addr, "GET", &path, &[], "");
    assert_eq!(r.status, 302, "{}", r.head);
    assert_eq!(header(&r.head, "location").as_deref(), Some("/login"));
    let login = format!(r#"{{"email":"ann@example.com","password":"{PW}"}}"#);
    assert_eq!(http(&addr, "POST", "/login", &[], &login).status, 200);

    // Form: ask for a reset link, follow it in the browser, set the password.
    let html = [("Accept", "text/html")];
    let page = http(&addr, "GET", "/reset", &html, "");
    assert_eq!(page.status, 200);
    let cookie = crate::common::session_cookie(&page.head);
    let form = format!(
        "email=ann%40example.com&csrf_token={}",
        enc(&csrf_field(&page.body))
    );
    let r = http(
        &addr,
        "POST",
        "/reset",
        &[("Accept", "text/html"), ("Cookie", &cookie)],
        &form,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains("Instructions to reset your password have been sent.")
    );
    let reset = mail(&sink, 2).await;
    assert_eq!(reset.subject, "Password reset instructions");
    let path = link(reset.text.as_deref().unwrap(), &base);
    let page = http(
        &addr,
        "GET",
        &path,
        &[("Accept", "text/html"), ("Cookie", &cookie)],
        "",
    );
    assert_eq!(page.status, 200);
    let form = format!(
        "password={}&password_confirm={}&csrf_token={}",
        enc(NEW_PW),
        enc(NEW_PW),
        enc(&csrf_field(&page.body))
    );
    let r = http(
        &addr,
        "POST",
        &path,
        &[("Accept", "text/html"), ("Cookie", &cookie)],
        &form,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(mail(&sink, 3).await.subject, "Your password has been reset");
    assert_eq!(http(&addr, "POST", "/login", &[], &login).status, 400);
    let login = format!(r#"{{"email":"ann@example.com","password":"{NEW_PW}"}}"#);
    assert_eq!(http(&addr, "POST", "/login", &[], &login).status, 200);
    // The link worked once.
    let body = r#"{"password":"third pass 333","password_confirm":"third pass 333"}"#;
    let r = http(&addr, "POST", &path, &[], body);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["response"]["field_errors"][""][0],
        "Invalid reset password token."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_page_app_mode() {
    let sink = SmtpSink::start().await.unwrap();
    let d = Dir::new();
    let addr = free_addr();
    let base = format!("http://{addr}");
    let mut cmd = server(&d, &addr, Some(&format!("smtp://{}", sink.addr())));
    cmd.env("SECURITY_REDIRECT_BEHAVIOR", "spa")
        .env("SECURITY_REDIRECT_HOST", "localhost:8081")
        .env("SECURITY_POST_CONFIRM_VIEW", "/confirmed")
        .env("SECURITY_CONFIRM_ERROR_VIEW", "/confirm-error")
        .env("SECURITY_RESET_VIEW", "/reset-view")
        .env("SECURITY_RESET_ERROR_VIEW", "/reset-error");
    let _server = start_on(cmd, &addr);
    let body =
        format!(r#"{{"email":"spa@example.com","password":"{PW}","password_confirm":"{PW}"}}"#);
    assert_eq!(http(&addr, "POST", "/register", &[], &body).status, 200);
    let path = link(mail(&sink, 1).await.text.as_deref().unwrap(), &base);
    let r = http(&addr, "GET", &path, &[], "");
    assert_eq!(r.status, 302);
    assert_eq!(
        header(&r.head, "location").unwrap(),
        "//localhost:8081/confirmed?success=Thank+you.+Your+email+has+been+confirmed.&email=spa%40example.com&identity=spa%40example.com"
    );
    let r = http(
        &addr,
        "POST",
        "/reset",
        &[],
        r#"{"email":"spa@example.com"}"#,
    );
    assert_eq!(r.status, 200);
    let path = link(mail(&sink, 2).await.text.as_deref().unwrap(), &base);
    let r = http(&addr, "GET", &path, &[], "");
    let token = path.trim_start_matches("/reset/");
    assert_eq!(
        header(&r.head, "location").unwrap(),
        format!("//localhost:8081/reset-view?token={token}")
    );
    // The SPA posts the new password with the token.
    let body = format!(r#"{{"password":"{NEW_PW}","password_confirm":"{NEW_PW}"}}"#);
    let r = http(&addr, "POST", &path, &[], &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["response"], serde_json::json!({}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_mail_goes_to_the_outbox() {
    let d = Dir::new();
    let addr = free_addr();
    let server = start_on(server(&d, &addr, None), &addr);
    let outbox = d.path().join("outbox/mail");
    assert!(
        server
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("outbox") && l.contains("PORTCULLIS_SMTP_URL")),
        "the log says where mail goes"
    );
    assert!(
        server.log.lock().unwrap().iter().any(|l| {
            l.contains("SMS go to the outbox directory")
                && l.contains("outbox/sms")
                && l.contains("SECURITY_SMS_SERVICE")
        }),
        "the log says where SMS go"
    );
    let body =
        format!(r#"{{"email":"box@example.com","password":"{PW}","password_confirm":"{PW}"}}"#);
    assert_eq!(http(&addr, "POST", "/register", &[], &body).status, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let files = loop {
        let files: Vec<_> = std::fs::read_dir(&outbox)
            .map(|r| r.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        if !files.is_empty() || std::time::Instant::now() > deadline {
            break files;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(files.len(), 1, "{files:?}");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(m["to"], "box@example.com");
    assert_eq!(m["subject"], "Welcome");
    assert!(
        m["text"]
            .as_str()
            .unwrap()
            .contains(&format!("http://{addr}/confirm/"))
    );
    assert!(m["html"].is_string() && m["sent_at"].is_string());
    // The link from the file confirms the account.
    let path = link(m["text"].as_str().unwrap(), &format!("http://{addr}"));
    assert_eq!(http(&addr, "GET", &path, &[], "").status, 302);
    let login = format!(r#"{{"email":"box@example.com","password":"{PW}"}}"#);
    assert_eq!(http(&addr, "POST", "/login", &[], &login).status, 200);
}

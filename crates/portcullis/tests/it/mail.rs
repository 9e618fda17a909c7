#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The mail layer against real servers on loopback: the SMTP sink from
//! `portcullis_core::testing`, a port where nothing listens, a server that never speaks, and the
//! outbox directory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use portcullis::mail::{LogMailer, MailError, Mailer, Message, OutboxMailer, SmtpMailer, SmtpTls};
use portcullis::{Config, MemoryStore, Security};
use portcullis_core::testing::{SmtpSink, refusing_addr};

const FROM: &str = "Portcullis Auth <auth@example.com>";
const WAIT: Duration = Duration::from_secs(5);

/// A text with what encoders have to take care of: non-ASCII, a line longer than 76
/// characters, a line starting with a dot (SMTP dot-stuffing) and a lone dot.
const TEXT: &str = "Grüße, Zoë!\n\nConfirm your address: https://auth.example.com/confirm/eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IjEyMzQ1Njc4OTAiLCJwdXJwb3NlIjoiY29uZmlybSJ9.c2lnbmF0dXJl\n.leading dot\n.\nThe end.\n";
const HTML: &str = "<p>Grüße, Zoë!</p>\n<p><a href=\"https://auth.example.com/confirm/abc?x=1&amp;y=2\">Confirm</a></p>\n";

fn message(to: &str, subject: &str) -> Message {
    Message {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: TEXT.to_owned(),
        html: HTML.to_owned(),
    }
}

fn smtp(url: &str, timeout: Duration) -> SmtpMailer {
    SmtpMailer::new(url, FROM, timeout).unwrap()
}

fn lf(text: &str) -> String {
    text.replace("\r\n", "\n")
}

#[tokio::test]
async fn smtp_delivers_text_and_html_decoded() {
    let sink = SmtpSink::start().await.unwrap();
    let mailer = smtp(&sink.url(), WAIT);
    mailer
        .send(&message(
            "Zoë Example <zoe@example.com>",
            "Confirm your address — ✓",
        ))
        .await
        .unwrap();
    let got = sink.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    // Envelope.
    assert_eq!(m.from, "auth@example.com");
    assert_eq!(m.to, vec!["zoe@example.com".to_owned()]);
    assert_eq!(m.auth_user, None);
    // Headers.
    assert_eq!(m.header_from.as_deref(), Some("auth@example.com"));
    assert_eq!(m.header_from_name.as_deref(), Some("Portcullis Auth"));
    assert_eq!(m.header_to, vec!["zoe@example.com".to_owned()]);
    assert_eq!(m.subject, "Confirm your address — ✓");
    assert!(m.raw.contains("multipart/alternative"), "{}", m.raw);
    assert!(m.raw.contains("Message-ID: <"), "{}", m.raw);
    assert!(m.raw.contains("@example.com>"), "{}", m.raw);
    // Bodies, decoded from whatever transfer encoding lettre chose.
    assert_eq!(lf(m.text.as_deref().unwrap()), TEXT);
    assert_eq!(lf(m.html.as_deref().unwrap()), HTML);

    // A second mail on the same mailer (a new connection) arrives too.
    mailer
        .send(&message("plain@example.com", "Second"))
        .await
        .unwrap();
    let got = sink.wait_for(2, WAIT).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].subject, "Second");
}

#[tokio::test]
async fn one_body_only_gives_a_single_part() {
    let sink = SmtpSink::start().await.unwrap();
    let mailer = smtp(&sink.url(), WAIT);
    let mut text_only = message("a@example.com", "text only");
    text_only.html.clear();
    mailer.send(&text_only).await.unwrap();
    let mut html_only = message("a@example.com", "html only");
    html_only.text.clear();
    mailer.send(&html_only).await.unwrap();
    let got = sink.wait_for(2, WAIT).await;
    assert_eq!(got.len(), 2);
    // A single part ends where the message ends: lettre's end-of-data adds a blank line.
    assert_eq!(
        lf(got[0].text.as_deref().unwrap()).trim_end(),
        TEXT.trim_end()
    );
    assert_eq!(got[0].html, None);
    assert!(!got[0].raw.contains("multipart"), "{}", got[0].raw);
    assert_eq!(got[1].text, None);
    assert_eq!(
        lf(got[1].html.as_deref().unwrap()).trim_end(),
        HTML.trim_end()
    );
}

#[tokio::test]
async fn auth_with_percent_decoded_credentials_from_the_url() {
    let password = "p@ss:w/rd%ü";
    let sink = SmtpSink::start_with_auth("me@example.com", password)
        .await
        .unwrap();
    let url = format!(
        "smtp://me%40example.com:p%40ss%3Aw%2Frd%25%C3%BC@{}",
        sink.addr()
    );
    let mailer = smtp(&url, WAIT);
    assert_eq!(mailer.username(), Some("me@example.com"));
    assert!(!format!("{mailer:?}").contains("p%40ss"));
    mailer
        .send(&message("to@example.com", "authenticated"))
        .await
        .unwrap();
    let got = sink.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].auth_user.as_deref(), Some("me@example.com"));
}

#[tokio::test]
async fn wrong_or_missing_credentials_fail_without_revealing_the_password() {
    let sink = SmtpSink::start_with_auth("me", "right-password")
        .await
        .unwrap();
    let wrong = smtp(&format!("smtp://me:wrong-password@{}", sink.addr()), WAIT);
    let e = wrong
        .send(&message("to@example.com", "x"))
        .await
        .unwrap_err();
    assert!(matches!(e, MailError::Transport(_)), "{e:?}");
    let text = format!("{e} {e:?}");
    assert!(text.contains("535"), "{text}");
    assert!(!text.contains("wrong-password"), "{text}");
    assert!(!text.contains("right-password"), "{text}");

    let anonymous = smtp(&sink.url(), WAIT);
    let e = anonymous
        .send(&message("to@example.com", "x"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("530"), "{e}");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_refusing_server_is_an_error() {
    let sink = SmtpSink::start_failing().await.unwrap();
    let e = smtp(&sink.url(), WAIT)
        .send(&message("to@example.com", "x"))
        .await
        .unwrap_err();
    assert!(matches!(e, MailError::Transport(_)), "{e:?}");
    assert!(e.to_string().contains("554"), "{e}");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn nobody_listening_fails_fast() {
    let addr = refusing_addr().unwrap();
    let started = Instant::now();
    let e = smtp(&format!("smtp://{addr}"), Duration::from_secs(10))
        .send(&message("to@example.com", "x"))
        .await
        .unwrap_err();
    assert!(matches!(e, MailError::Transport(_)), "{e:?}");
    assert!(e.to_string().contains(&addr.to_string()), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_silent_server_times_out() {
    // Accepts connections and never says a word (no 220 greeting).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let started = Instant::now();
    let e = smtp(&format!("smtp://{addr}"), Duration::from_secs(1))
        .send(&message("to@example.com", "x"))
        .await
        .unwrap_err();
    let took = started.elapsed();
    hold.abort();
    assert!(matches!(e, MailError::Timeout(_)), "{e:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
}

#[tokio::test]
async fn tls_settings_are_honoured() {
    let sink = SmtpSink::start().await.unwrap();
    // The sink offers no STARTTLS: "required" must not fall back to plain text.
    let e = smtp(&format!("smtp://{}?tls=required", sink.addr()), WAIT)
        .send(&message("to@example.com", "x"))
        .await
        .unwrap_err();
    assert!(matches!(e, MailError::Transport(_)), "{e:?}");
    // "opportunistic" goes ahead without it.
    smtp(&format!("smtp://{}?tls=opportunistic", sink.addr()), WAIT)
        .send(&message("to@example.com", "opportunistic"))
        .await
        .unwrap();
    // Implicit TLS against a plain server fails the handshake.
    let e = smtp(&format!("smtps://{}", sink.addr()), WAIT)
        .send(&message("to@example.com", "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, MailError::Transport(_) | MailError::Timeout(_)),
        "{e:?}"
    );
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].subject, "opportunistic");
}

#[tokio::test]
async fn a_bad_recipient_is_an_error_not_a_panic() {
    let sink = SmtpSink::start().await.unwrap();
    let mailer = smtp(&sink.url(), WAIT);
    for to in ["", "not an address", "a@b\r\nBcc: evil@example.com", "<>"] {
        let e = mailer.send(&message(to, "x")).await.unwrap_err();
        assert!(matches!(e, MailError::Address(_)), "{to:?}: {e:?}");
    }
    // A subject cannot smuggle in headers.
    mailer
        .send(&message("to@example.com", "Hello\r\nBcc: evil@example.com"))
        .await
        .unwrap();
    let got = sink.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec!["to@example.com".to_owned()]);
    assert!(!got[0].raw.contains("\r\nBcc:"), "{}", got[0].raw);
}

#[test]
fn url_forms_through_the_public_api() {
    let m = smtp("smtp://127.0.0.1:2525", WAIT);
    assert_eq!(
        (m.host(), m.port(), m.tls()),
        ("127.0.0.1", 2525, SmtpTls::None)
    );
    assert_eq!(m.username(), None);

    let m = smtp("smtp://mail.example.com", WAIT);
    assert_eq!(m.port(), 25);

    let m = smtp("smtp://mail.example.com:587?tls=required", WAIT);
    assert_eq!((m.port(), m.tls()), (587, SmtpTls::StartTlsRequired));

    let m = smtp("smtp://mail.example.com:587?tls=opportunistic", WAIT);
    assert_eq!(m.tls(), SmtpTls::StartTlsOpportunistic);

    let m = smtp(
        "smtps://user%40example.com:s%3Acr%40t@mail.example.com",
        WAIT,
    );
    assert_eq!((m.port(), m.tls()), (465, SmtpTls::Implicit));
    assert_eq!(m.username(), Some("user@example.com"));
    assert_eq!(
        m.redacted_url(),
        "smtps://user%40example.com:***@mail.example.com"
    );
    assert!(!format!("{m:?}").contains("s%3Acr%40t"));

    for bad in [
        "http://user:hunter22@mail.example.com",
        "mail.example.com:25",
        "smtp://mail.example.com?tls=sometimes",
    ] {
        let e = SmtpMailer::new(bad, FROM, WAIT).unwrap_err();
        assert!(matches!(e, MailError::Config(_)), "{bad}: {e:?}");
        assert!(!e.to_string().contains("hunter22"), "{e}");
    }
    let e = SmtpMailer::new("smtp://h", "no address here", WAIT).unwrap_err();
    assert!(matches!(e, MailError::Config(_)), "{e:?}");
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "portcullis-mail-{name}-{}",
        portcullis_core::crypto::random::token_hex(8)
    ))
}

fn json_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        assert_eq!(
            f.extension().and_then(|e| e.to_str()),
            Some("json"),
            "{f:?}"
        );
    }
    files
}

#[tokio::test]
async fn outbox_writes_one_json_file_per_mail() {
    let root = temp_dir("outbox");
    let dir = root.join("nested/outbox");
    let mailer = OutboxMailer::new(&dir);
    for i in 0..3 {
        mailer
            .send(&message("to@example.com", &format!("mail {i}")))
            .await
            .unwrap();
    }
    let files = json_files(&dir);
    assert_eq!(files.len(), 3, "{files:?}");
    for (i, f) in files.iter().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let obj = v.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["html", "sent_at", "subject", "text", "to"]);
        // File names sort in sending order.
        assert_eq!(obj["subject"], format!("mail {i}"));
        assert_eq!(obj["to"], "to@example.com");
        assert_eq!(obj["text"], TEXT);
        assert_eq!(obj["html"], HTML);
        let sent_at = time::OffsetDateTime::parse(
            obj["sent_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(sent_at.offset(), time::UtcOffset::UTC);
        assert!(
            (time::OffsetDateTime::now_utc() - sent_at)
                .whole_seconds()
                .abs()
                < 60
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(f).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
    }
    std::fs::remove_dir_all(&root).ok();
}

#[tokio::test]
async fn outbox_takes_sent_at_from_the_clock_and_survives_concurrency() {
    let dir = temp_dir("clock");
    let clock = portcullis_core::clock::FixedClock::at(1_700_000_000);
    let mailer = Arc::new(OutboxMailer::new(&dir).with_clock(Arc::new(clock)));
    let sends: Vec<_> = (0..20)
        .map(|i| {
            let mailer = Arc::clone(&mailer);
            tokio::spawn(async move {
                mailer
                    .send(&message("to@example.com", &format!("{i}")))
                    .await
            })
        })
        .collect();
    for s in sends {
        s.await.unwrap().unwrap();
    }
    let files = json_files(&dir);
    assert_eq!(files.len(), 20);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(v["sent_at"], "2023-11-14T22:13:20Z");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn outbox_reports_an_unwritable_directory() {
    let file = temp_dir("not-a-dir");
    std::fs::write(&file, b"").unwrap();
    let e = OutboxMailer::new(file.join("sub"))
        .send(&message("to@example.com", "x"))
        .await
        .unwrap_err();
    assert!(matches!(e, MailError::Io(_)), "{e:?}");
    assert!(!e.to_string().contains("Confirm your address"), "{e}");
    std::fs::remove_file(&file).ok();
}

#[tokio::test]
async fn log_mailer_and_debug_keep_bodies_out() {
    let m = message("to@example.com", "subject");
    LogMailer::new().send(&m).await.unwrap();
    LogMailer::with_bodies().send(&m).await.unwrap();
    let shown = format!("{m:?}");
    assert!(
        shown.contains("to@example.com") && shown.contains("subject"),
        "{shown}"
    );
    assert!(!shown.contains("confirm"), "{shown}");
}

fn config(edit: impl FnOnce(&mut Config)) -> Config {
    let mut c = Config {
        secret_key: Some("mail-tests".to_owned().into()),
        password_salt: Some("mail-tests-salt".to_owned().into()),
        ..Config::default()
    };
    edit(&mut c);
    c
}

#[tokio::test]
async fn security_picks_and_uses_the_mailer() {
    // No smtp_url: the log (the library writes no files on its own).
    let s = Security::builder(config(|_| {}), MemoryStore::new())
        .build()
        .unwrap();
    assert!(format!("{:?}", s.mailer()).starts_with("LogMailer"));
    s.send_mail(message("to@example.com", "logged"))
        .await
        .unwrap();

    // smtp_url: SMTP, with mail_from and delivery through Security::send_mail.
    let sink = SmtpSink::start().await.unwrap();
    let s = Security::builder(
        config(|c| {
            c.smtp_url = Some(sink.url());
            c.mail_from = "Example <no-reply@example.org>".into();
        }),
        MemoryStore::new(),
    )
    .build()
    .unwrap();
    assert!(format!("{:?}", s.mailer()).starts_with("SmtpMailer"));
    s.send_mail(message("to@example.com", "via security"))
        .await
        .unwrap();
    let got = sink.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header_from.as_deref(), Some("no-reply@example.org"));

    // A failure comes back as an error.
    let failing = SmtpSink::start_failing().await.unwrap();
    let s = Security::builder(
        config(|c| c.smtp_url = Some(failing.url())),
        MemoryStore::new(),
    )
    .build()
    .unwrap();
    assert!(s.send_mail(message("to@example.com", "x")).await.is_err());

    // The application's own mailer wins.
    let dir = temp_dir("security");
    let s = Security::builder(
        config(|c| c.smtp_url = Some(sink.url())),
        MemoryStore::new(),
    )
    .mailer(OutboxMailer::new(&dir))
    .build()
    .unwrap();
    s.send_mail(message("to@example.com", "outbox"))
        .await
        .unwrap();
    assert_eq!(json_files(&dir).len(), 1);
    assert_eq!(sink.messages().len(), 1);
    std::fs::remove_dir_all(&dir).ok();

    // A bad SMTP URL stops the build, naming the key and not the password.
    let e = Security::builder(
        config(|c| c.smtp_url = Some("smtp://u:hunter22@h?tls=maybe".into())),
        MemoryStore::new(),
    )
    .build()
    .unwrap_err();
    assert!(e.to_string().contains("smtp_url"), "{e}");
    assert!(!e.to_string().contains("hunter22"), "{e}");
}

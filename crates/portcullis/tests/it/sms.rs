#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The SMS layer against real servers on loopback: an HTTP server standing in for Twilio's
//! Messages API (accepting, rejecting), a port where nothing listens, a server that never
//! answers, and the outbox directory; what reaches logs and `Debug`; and which sender
//! `Security` picks from the configuration.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use portcullis::sms::{LogSms, OutboxSms, SmsError, SmsMessage, SmsSender, TwilioSms};
use portcullis::{Config, MemoryStore, Security};
use portcullis_core::testing::refusing_addr;
use serde_json::{Map, Value, json};

const SID: &str = "AC0123456789abcdef";
const TOKEN: &str = "twilio-auth-t0ken";
const FROM: &str = "+15550001111";
const TO: &str = "+447700900123";
/// A body with what form encoding has to take care of.
const BODY: &str = "Your code is 482913 — Grüße & tschüss, a=b+c 100%";

fn message(body: &str) -> SmsMessage {
    SmsMessage::new(TO, body)
}

/// One request the stand-in received.
#[derive(Debug, Clone)]
struct Received {
    sid: String,
    authorization: Option<String>,
    content_type: Option<String>,
    form: Vec<(String, String)>,
}

impl Received {
    fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Default)]
struct Twilio {
    received: Arc<Mutex<Vec<Received>>>,
}

/// A stand-in for Twilio's Messages API on loopback: records each request and answers with
/// `status` and `answer`. Returns the base URL.
async fn twilio_server(status: StatusCode, answer: &'static str) -> (String, Twilio) {
    let twilio = Twilio::default();
    let app = axum::Router::new()
        .route(
            "/2010-04-01/Accounts/{sid}/Messages.json",
            post(
                move |State(t): State<Twilio>,
                      Path(sid): Path<String>,
                      headers: HeaderMap,
                      body: String| async move {
                    let header =
                        |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
                    t.received.lock().unwrap().push(Received {
                        sid,
                        authorization: header("authorization"),
                        content_type: header("content-type"),
                        form: form_urlencoded::parse(body.as_bytes())
                            .into_owned()
                            .collect(),
                    });
                    (
                        status,
                        [("content-type", "application/json")],
                        answer.to_owned(),
                    )
                },
            ),
        )
        .with_state(twilio.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), twilio)
}

const CREATED: &str = r#"{"sid": "SM0123", "status": "queued", "error_code": null}"#;

fn twilio_config(base_url: &str) -> Map<String, Value> {
    let Value::Object(map) = json!({
        "ACCOUNT_SID": SID,
        "AUTH_TOKEN": TOKEN,
        "PHONE_NUMBER": FROM,
        "BASE_URL": base_url,
    }) else {
        unreachable!()
    };
    map
}

fn twilio(base_url: &str) -> TwilioSms {
    TwilioSms::new(&twilio_config(base_url)).unwrap()
}

fn assert_clean(text: &str) {
    assert!(!text.contains(TOKEN), "{text}");
    assert!(!text.contains("482913"), "{text}");
}

#[tokio::test]
async fn twilio_posts_the_form_with_basic_auth() {
    let (url, server) = twilio_server(StatusCode::CREATED, CREATED).await;
    let sender = twilio(&url);
    sender.send(&message(BODY)).await.unwrap();
    sender.send(&message("second")).await.unwrap();

    let got = server.received.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    let r = &got[0];
    assert_eq!(r.sid, SID);
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    );
    assert_eq!(r.authorization.as_deref(), Some(expected.as_str()));
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let mut names: Vec<&str> = r.form.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Body", "From", "To"]);
    assert_eq!(r.field("To"), Some(TO));
    assert_eq!(r.field("From"), Some(FROM));
    assert_eq!(r.field("Body"), Some(BODY));
    assert_eq!(got[1].field("Body"), Some("second"));
}

#[tokio::test]
async fn twilio_rejections_carry_the_status_and_message() {
    let (url, server) = twilio_server(
        StatusCode::BAD_REQUEST,
        r#"{"code": 21211, "message": "The 'To' number is not valid.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#,
    )
    .await;
    let e = twilio(&url).send(&message(BODY)).await.unwrap_err();
    assert_eq!(
        e,
        SmsError::Rejected {
            status: 400,
            message: "The 'To' number is not valid.".into()
        }
    );
    assert_eq!(server.received.lock().unwrap().len(), 1);
    assert_clean(&e.to_string());
    assert_clean(&format!("{e:?}"));

    // No JSON explanation: the status's name.
    let (url, _server) = twilio_server(StatusCode::INTERNAL_SERVER_ERROR, "<h1>oops</h1>").await;
    let e = twilio(&url).send(&message(BODY)).await.unwrap_err();
    assert_eq!(
        e,
        SmsError::Rejected {
            status: 500,
            message: "Internal Server Error".into()
        }
    );

    // Wrong credentials (Twilio's 401), and a path that is not the API: rejected, not success.
    let (url, _server) = twilio_server(
        StatusCode::UNAUTHORIZED,
        r#"{"code": 20003, "message": "Authenticate"}"#,
    )
    .await;
    let e = twilio(&url).send(&message(BODY)).await.unwrap_err();
    assert!(
        matches!(&e, SmsError::Rejected { status: 401, message } if message == "Authenticate"),
        "{e:?}"
    );
    let (url, _server) = twilio_server(StatusCode::CREATED, CREATED).await;
    let e = twilio(&format!("{url}/elsewhere"))
        .send(&message(BODY))
        .await
        .unwrap_err();
    assert!(matches!(e, SmsError::Rejected { status: 404, .. }), "{e:?}");
}

#[tokio::test]
async fn nobody_listening_fails_fast() {
    let addr = refusing_addr().unwrap();
    let started = Instant::now();
    let e = twilio(&format!("http://{addr}"))
        .send(&message(BODY))
        .await
        .unwrap_err();
    assert!(matches!(e, SmsError::Transport(_)), "{e:?}");
    assert!(e.to_string().contains(&addr.to_string()), "{e}");
    assert_clean(&e.to_string());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_silent_server_times_out() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let sender = twilio(&format!("http://{addr}")).with_timeout(Duration::from_secs(1));
    assert_eq!(sender.timeout(), Duration::from_secs(1));
    let started = Instant::now();
    let e = sender.send(&message(BODY)).await.unwrap_err();
    let took = started.elapsed();
    hold.abort();
    assert!(matches!(e, SmsError::Transport(_)), "{e:?}");
    assert!(e.to_string().contains("no answer within 1000 ms"), "{e}");
    assert_clean(&e.to_string());
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
}

#[tokio::test]
async fn twilio_config_errors_name_the_key_not_the_token() {
    for missing in ["ACCOUNT_SID", "AUTH_TOKEN", "PHONE_NUMBER"] {
        let mut c = twilio_config("https://api.twilio.com");
        c.remove(missing);
        let e = TwilioSms::new(&c).unwrap_err();
        assert!(matches!(e, SmsError::Config(_)), "{e:?}");
        assert!(e.to_string().contains(missing), "{e}");
        assert_clean(&e.to_string());
    }
    // BASE_URL defaults to Twilio's.
    let mut c = twilio_config("");
    c.remove("BASE_URL");
    let t = TwilioSms::new(&c).unwrap();
    assert_eq!(
        t.endpoint(),
        format!("https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json")
    );
    assert_eq!(t.timeout(), TwilioSms::DEFAULT_TIMEOUT);
    assert_eq!(TwilioSms::DEFAULT_TIMEOUT, Duration::from_secs(10));
    assert_clean(&format!("{t:?}"));
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "portcullis-sms-{name}-{}",
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

fn read_json(path: &std::path::Path) -> Map<String, Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn outbox_writes_one_json_file_per_message() {
    let root = temp_dir("outbox");
    let dir = root.join("nested/sms");
    let sender = OutboxSms::new(&dir);
    assert_eq!(sender.dir(), dir);
    for i in 0..3 {
        sender
            .send(&message(&format!("{BODY} #{i}")))
            .await
            .unwrap();
    }
    let files = json_files(&dir);
    assert_eq!(files.len(), 3, "{files:?}");
    for (i, f) in files.iter().enumerate() {
        let obj = read_json(f);
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["body", "sent_at", "to"]);
        // File names sort in sending order.
        assert_eq!(obj["body"], format!("{BODY} #{i}"));
        assert_eq!(obj["to"], TO);
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
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
    }
    std::fs::remove_dir_all(&root).ok();
}

#[tokio::test]
async fn outbox_takes_sent_at_from_the_clock_and_survives_concurrency() {
    let dir = temp_dir("clock");
    let clock = portcullis_core::clock::FixedClock::at(1_700_000_000);
    let sender = Arc::new(OutboxSms::new(&dir).with_clock(Arc::new(clock)));
    let sends: Vec<_> = (0..20)
        .map(|i| {
            let sender = Arc::clone(&sender);
            tokio::spawn(async move { sender.send(&message(&format!("{i}"))).await })
        })
        .collect();
    for s in sends {
        s.await.unwrap().unwrap();
    }
    let files = json_files(&dir);
    assert_eq!(files.len(), 20);
    let mut bodies: Vec<u32> = files
        .iter()
        .map(|f| read_json(f)["body"].as_str().unwrap().parse().unwrap())
        .collect();
    bodies.sort_unstable();
    assert_eq!(bodies, (0..20).collect::<Vec<_>>());
    assert_eq!(read_json(&files[0])["sent_at"], "2023-11-14T22:13:20Z");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn outbox_reports_an_unwritable_directory() {
    let file = temp_dir("not-a-dir");
    std::fs::write(&file, b"").unwrap();
    let e = OutboxSms::new(file.join("sub"))
        .send(&message(BODY))
        .await
        .unwrap_err();
    assert!(matches!(e, SmsError::Io(_)), "{e:?}");
    assert_clean(&e.to_string());
    std::fs::remove_file(&file).ok();
}

/// A `tracing` subscriber that keeps every event's fields as text.
#[derive(Clone, Default)]
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
}

impl Capture {
    fn text(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }
}

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.lines.lock().unwrap().push(fields.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test(flavor = "current_thread")]
async fn log_sender_and_debug_keep_bodies_out() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let m = message(BODY);
    LogSms::new().send(&m).await.unwrap();
    let logged = capture.text();
    assert!(logged.contains(TO), "{logged}");
    assert!(!logged.contains("482913"), "{logged}");

    // The explicit opt-in logs the body.
    LogSms::with_bodies().send(&m).await.unwrap();
    assert!(capture.text().contains("482913"));

    let shown = format!("{m:?}");
    assert!(shown.contains(TO), "{shown}");
    assert!(!shown.contains("482913"), "{shown}");
    let sender = twilio("https://api.twilio.com");
    assert_clean(&format!("{sender:?}"));
}

fn config(edit: impl FnOnce(&mut Config)) -> Config {
    let mut c = Config {
        secret_key: Some("sms-tests".to_owned().into()),
        password_salt: Some("sms-tests-salt".to_owned().into()),
        ..Config::default()
    };
    edit(&mut c);
    c
}

fn build(config: Config) -> Security {
    Security::builder(config, MemoryStore::new())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn security_picks_and_uses_the_sms_sender() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    // The default (`outbox`) logs in the library: it writes no files on its own.
    let s = build(config(|_| {}));
    assert_eq!(s.config().sms_service, "outbox");
    assert!(format!("{:?}", s.sms_sender()).starts_with("LogSms"));
    s.send_sms(message(BODY)).await.unwrap();
    let s = build(config(|c| c.sms_service = "log".into()));
    assert!(format!("{:?}", s.sms_sender()).starts_with("LogSms"));

    // `twilio`: delivered through the API with sms_service_config.
    let (url, server) = twilio_server(StatusCode::CREATED, CREATED).await;
    let s = build(config(|c| {
        c.sms_service = "twilio".into();
        c.sms_service_config = twilio_config(&url).into();
    }));
    assert!(format!("{:?}", s.sms_sender()).starts_with("TwilioSms"));
    s.send_sms(message(BODY)).await.unwrap();
    let got = server.received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].field("Body"), Some(BODY));

    // A failure comes back as an error, and is logged without the body or the token.
    let (url, _server) = twilio_server(
        StatusCode::BAD_REQUEST,
        r#"{"message": "The 'To' number is not valid."}"#,
    )
    .await;
    let s = build(config(|c| {
        c.sms_service = "twilio".into();
        c.sms_service_config = twilio_config(&url).into();
    }));
    let e = s.send_sms(message(BODY)).await.unwrap_err();
    assert!(matches!(e, SmsError::Rejected { status: 400, .. }), "{e:?}");
    let logged = capture.text();
    assert!(logged.contains("The 'To' number is not valid."), "{logged}");
    assert_clean(&logged);

    // The application's own sender wins.
    let dir = temp_dir("security");
    let s = Security::builder(
        config(|c| {
            c.sms_service = "twilio".into();
            c.sms_service_config = twilio_config(&url).into();
        }),
        MemoryStore::new(),
    )
    .sms_sender(OutboxSms::new(&dir))
    .build()
    .unwrap();
    s.send_sms(message(BODY)).await.unwrap();
    assert_eq!(json_files(&dir).len(), 1);
    std::fs::remove_dir_all(&dir).ok();
    let shared: Arc<dyn SmsSender> = Arc::new(LogSms::new());
    let s = Security::builder(config(|_| {}), MemoryStore::new())
        .sms_sender_arc(Arc::clone(&shared))
        .build()
        .unwrap();
    assert!(Arc::ptr_eq(s.sms_sender(), &shared));

    // A bad Twilio configuration stops the build, naming the key and not the token.
    let e = Security::builder(
        config(|c| {
            c.sms_service = "twilio".into();
            let mut incomplete = twilio_config(&url);
            incomplete.remove("PHONE_NUMBER");
            c.sms_service_config = incomplete.into();
        }),
        MemoryStore::new(),
    )
    .build()
    .unwrap_err();
    let e = e.to_string();
    assert!(
        e.contains("sms_service_config") && e.contains("PHONE_NUMBER"),
        "{e}"
    );
    assert_clean(&e);

    // An unknown service is refused by the configuration's validation.
    let e = Security::builder(
        config(|c| c.sms_service = "pigeon".into()),
        MemoryStore::new(),
    )
    .build()
    .unwrap_err();
    assert!(e.to_string().contains("sms_service"), "{e}");
}

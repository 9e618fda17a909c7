//! Running it in production: slow and idle clients, the connection cap, graceful shutdown,
//! error envelopes, security headers, request ids, health, readiness and metrics — against the
//! real binary over real sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::{Dir, free_addr, header, http, portcullis, start, start_on};

/// Whether the server closed `s` within `within` (EOF or reset, not a timeout).
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            // A 408 or similar before closing is fine: keep reading until EOF.
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn slow_headers_and_idle_connections_are_closed_while_others_are_served() {
    let d = Dir::new();
    let mut cmd = portcullis(d.path());
    cmd.env("PORTCULLIS_HEADER_READ_TIMEOUT", "2")
        .env("PORTCULLIS_KEEP_ALIVE_TIMEOUT", "1");
    let server = start(cmd);
    // Thirty clients that send half a request head and go quiet.
    let mut slow: Vec<TcpStream> = (0..30)
        .map(|_| {
            let mut s = TcpStream::connect(&server.addr).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    // A normal client is answered meanwhile.
    let r = http(&server.addr, "GET", "/healthz", &[], "");
    assert_eq!(r.status, 200, "{}", r.body);
    let started = Instant::now();
    for s in &mut slow {
        assert!(
            closed_within(s, Duration::from_secs(6)),
            "a slow-header connection stayed open"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(8));

    // A kept-alive connection that goes idle is closed after the keep-alive timeout.
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let idle = Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(5)));
    assert!(
        idle.elapsed() >= Duration::from_millis(800),
        "closed too early: {:?}",
        idle.elapsed()
    );
}

#[test]
fn at_most_max_connections_are_served_at_once() {
    let d = Dir::new();
    let mut cmd = portcullis(d.path());
    cmd.env("PORTCULLIS_MAX_CONNECTIONS", "2")
        .env("PORTCULLIS_HEADER_READ_TIMEOUT", "30")
        .env("PORTCULLIS_KEEP_ALIVE_TIMEOUT", "30");
    let server = start(cmd);
    let a = TcpStream::connect(&server.addr).unwrap();
    let b = TcpStream::connect(&server.addr).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // A third client waits in the accept queue...
    let mut c = TcpStream::connect(&server.addr).unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    c.set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    let mut buf = [0u8; 12];
    assert!(c.read(&mut buf).is_err(), "answered beyond the cap");
    // ...and is served once a slot frees.
    drop(a);
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"HTTP/1.1 200");
    drop(b);
}

#[test]
fn sigterm_lets_requests_in_flight_finish_and_exits_0() {
    let d = Dir::new();
    let mut cmd = portcullis(d.path());
    cmd.env("SECURITY_RECOVERABLE", "true")
        .env("SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS", "true")
        .env("SECURITY_RETURN_GENERIC_RESPONSES", "true")
        .env("PORTCULLIS_GENERIC_RESPONSE_FLOOR", "2");
    let mut create = portcullis(d.path());
    let out = create
        .args([
            "users",
            "create",
            "ann@example.com",
            "--password",
            "a fine password 42",
            "--confirmed",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut server = start(cmd);
    let addr = server.addr.clone();
    // Four requests that take two seconds each (the generic-response floor); one of them
    // queues a mail that is sent after its answer.
    let workers: Vec<_> = [
        "ann@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ]
    .into_iter()
    .map(|email| {
        let addr = addr.clone();
        std::thread::spawn(move || {
            http(
                &addr,
                "POST",
                "/reset",
                &[],
                &format!(r#"{{"email":"{email}"}}"#),
            )
        })
    })
    .collect();
    std::thread::sleep(Duration::from_millis(600));
    let pid = server.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    for w in workers {
        let r = w.join().unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{:#?}", server.log.lock().unwrap());
    // The mail queued for the known address went out before the exit.
    let outbox = d.path().join("outbox/mail");
    let mails = std::fs::read_dir(&outbox).map(|r| r.count()).unwrap_or(0);
    assert_eq!(mails, 1, "mail in {}", outbox.display());
    // And nothing listens any more.
    assert!(TcpStream::connect(&addr).is_err());
}

#[test]
fn errors_outside_the_flows_are_enveloped_with_security_headers_and_request_ids() {
    let d = Dir::new();
    let mut cmd = portcullis(d.path());
    cmd.env("PORTCULLIS_EXTERNAL_URL", "https://auth.example.com");
    let server = start(cmd);
    let addr = &server.addr;

    let r = http(addr, "GET", "/no/such/page", &[], "");
    assert_eq!(r.status, 404);
    assert_eq!(r.json["meta"]["code"], 404);
    assert!(
        r.json["response"]["errors"][0].as_str().is_some(),
        "{}",
        r.body
    );

    // GET /logout: logout is POST only, as in Flask-Security 5.9.
    let r = http(addr, "GET", "/logout", &[], "");
    assert_eq!(r.status, 405, "{}", r.head);
    assert_eq!(r.json["meta"]["code"], 405, "{}", r.body);
    assert!(
        header(&r.head, "allow").is_some_and(|a| a.contains("POST")),
        "{}",
        r.head
    );

    // Oversized headers.
    let big = "x".repeat(20 * 1024);
    let r = http(addr, "GET", "/healthz", &[("X-Big", &big)], "");
    assert_eq!(r.status, 431);
    assert_eq!(r.json["meta"]["code"], 431, "{}", r.body);

    // A body type no endpoint reads.
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(
        b"POST /login HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: 3\r\nConnection: close\r\n\r\n[1]",
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert!(out.contains("\"meta\""), "{out}");

    // Browsers get a page, with the headers that keep it from being framed.
    let r = http(addr, "GET", "/no/such/page", &[("Accept", "text/html")], "");
    assert_eq!(r.status, 404);
    assert!(header(&r.head, "content-type").is_some_and(|c| c.starts_with("text/html")));
    assert_eq!(header(&r.head, "x-frame-options").as_deref(), Some("DENY"));
    assert!(
        header(&r.head, "content-security-policy")
            .is_some_and(|c| c.contains("frame-ancestors 'none'")),
        "{}",
        r.head
    );
    let login = http(addr, "GET", "/login", &[("Accept", "text/html")], "");
    assert_eq!(login.status, 200);
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        (
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        ),
    ] {
        assert_eq!(header(&login.head, name).as_deref(), Some(value), "{name}");
    }
    // JSON answers: no frame or CSP headers needed, nosniff always.
    let r = http(addr, "GET", "/login", &[], "");
    assert_eq!(
        header(&r.head, "x-content-type-options").as_deref(),
        Some("nosniff")
    );

    // Request ids: a well-formed one is kept, anything else is replaced.
    let r = http(addr, "GET", "/healthz", &[("X-Request-Id", "trace-42")], "");
    assert_eq!(header(&r.head, "x-request-id").as_deref(), Some("trace-42"));
    let r = http(
        addr,
        "GET",
        "/healthz",
        &[("X-Request-Id", "bad id <script>")],
        "",
    );
    let id = header(&r.head, "x-request-id").unwrap();
    assert_eq!(id.len(), 32, "{id}");
    // One log line per request, with its id, and no secrets.
    let logged = server.log.lock().unwrap().join("\n");
    assert!(
        logged.contains("route=/logout") && logged.contains("status=405"),
        "{logged}"
    );
}

#[test]
fn security_headers_are_configurable() {
    let d = Dir::new();
    let mut cmd = portcullis(d.path());
    cmd.env(
        "PORTCULLIS_SECURITY_HEADERS",
        r#"{"referrer_policy":"strict-origin","frame_options":false}"#,
    );
    let server = start(cmd);
    let r = http(
        &server.addr,
        "GET",
        "/login",
        &[("Accept", "text/html")],
        "",
    );
    assert_eq!(
        header(&r.head, "referrer-policy").as_deref(),
        Some("strict-origin")
    );
    assert_eq!(header(&r.head, "x-frame-options"), None);
    // No https external URL: no HSTS.
    assert_eq!(header(&r.head, "strict-transport-security"), None);

    let bad = portcullis(d.path())
        .env("PORTCULLIS_SECURITY_HEADERS", r#"{"referer_policy":"x"}"#)
        .args(["serve"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("security_headers"));
}

#[test]
fn health_readiness_and_metrics() {
    let d = Dir::new();
    let mut cmd = portcullis(d.path());
    cmd.env("SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS", "true");
    let server = start(cmd);
    let addr = &server.addr;
    assert_eq!(http(addr, "GET", "/healthz", &[], "").status, 200);
    let r = http(addr, "GET", "/readyz", &[], "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json["response"]["checks"]["database"], true);

    // A failed sign-in shows in the metrics.
    let r = http(
        addr,
        "POST",
        "/login",
        &[],
        r#"{"email":"nobody@example.com","password":"not it at all"}"#,
    );
    assert_eq!(r.status, 400);
    let m = http(addr, "GET", "/metrics", &[("Accept", "text/plain")], "");
    assert_eq!(m.status, 200);
    for name in [
        "portcullis_http_requests_total{",
        "portcullis_http_request_duration_seconds_bucket{",
        "portcullis_signin_attempts_total{mechanism=\"password\",outcome=\"failure\"} 1",
        "portcullis_lockouts_total",
        "portcullis_rate_limited_total",
        "portcullis_hashing_queue_depth",
        "portcullis_hashing_wait_seconds_count",
        "portcullis_sessions_active",
    ] {
        assert!(m.body.contains(name), "{name} missing in\n{}", m.body);
    }
    assert!(
        m.body
            .contains("route=\"/login\",method=\"POST\",status=\"400\""),
        "{}",
        m.body
    );
}

#[test]
fn readiness_follows_the_database() {
    // PostgreSQL through a proxy the test can cut.
    let Some(base) = std::env::var("PORTCULLIS_TEST_POSTGRES_URL").ok() else {
        eprintln!("skipped readiness_follows_the_database: PORTCULLIS_TEST_POSTGRES_URL unset");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt
        .block_on(portcullis_sqlx::TemporaryDatabase::create(&base))
        .unwrap();
    let pg: std::net::SocketAddr = "127.0.0.1:5432".parse().unwrap();
    let proxy = rt
        .block_on(portcullis_core::testing::TcpProxy::start(pg))
        .unwrap();
    let through = portcullis_sqlx::with_address(db.url(), proxy.addr());
    let d = Dir::new();
    let mut cmd = portcullis(d.path());
    cmd.env("SECRET_KEY", "readiness-test-key")
        .env("SECURITY_PASSWORD_SALT", "readiness-test-salt")
        .env("PORTCULLIS_DATABASE_URL", &through)
        .env("PORTCULLIS_DATABASE_TIMEOUT", "1")
        .env("PORTCULLIS_CACHE_TTL", "0");
    let server = start_on(cmd, &free_addr());
    assert_eq!(http(&server.addr, "GET", "/readyz", &[], "").status, 200);
    proxy.cut();
    let r = http(&server.addr, "GET", "/readyz", &[], "");
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json["response"]["checks"]["database"], false);
    proxy.restore();
    crate::common::eventually("ready again", || {
        http(&server.addr, "GET", "/readyz", &[], "").status == 200
    });
    drop(server);
    drop(db);
}

#[test]
fn openapi_describes_exactly_the_mounted_endpoints() {
    let d = Dir::new();
    let server = start(portcullis(d.path()));
    let r = http(&server.addr, "GET", "/openapi.json", &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.json["openapi"], "3.1.0");
    let paths = r.json["paths"].as_object().unwrap();
    for p in [
        "/login",
        "/logout",
        "/verify",
        "/auth/check",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(paths.contains_key(p), "{p} missing: {:?}", paths.keys());
    }
    assert!(!paths.contains_key("/register"), "registration is off");
    // Every operation lists its error statuses with the envelope.
    let login = &paths["/login"]["post"];
    for status in ["200", "400", "401", "429"] {
        assert!(
            login["responses"][status].is_object(),
            "POST /login {status}"
        );
    }
    assert_eq!(
        login["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/LoginRequest"
    );
    drop(server);

    let d = Dir::new();
    let mut cmd = portcullis(d.path());
    cmd.env("SECURITY_REGISTERABLE", "true")
        .env("SECURITY_UNIFIED_SIGNIN", "true")
        .env("PORTCULLIS_METRICS_BIND", "127.0.0.1:0");
    let server = start(cmd);
    let r = http(&server.addr, "GET", "/openapi.json", &[], "");
    let paths = r.json["paths"].as_object().unwrap();
    assert!(paths.contains_key("/register") && paths.contains_key("/us-signin"));
    assert!(paths.contains_key("/us-setup/{state}"));
    assert!(
        !paths.contains_key("/metrics"),
        "metrics are on another address"
    );
}

#[test]
fn logs_are_json_lines_when_asked_and_never_coloured_in_a_file() {
    let d = Dir::new();
    let mut cmd = portcullis(d.path());
    cmd.env("PORTCULLIS_LOG_FORMAT", "json");
    let server = start(cmd);
    let r = http(
        &server.addr,
        "GET",
        "/login",
        &[("X-Request-Id", "json-log-1")],
        "",
    );
    assert_eq!(r.status, 200);
    crate::common::eventually("the request line", || {
        server
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("json-log-1"))
    });
    let lines = server.log.lock().unwrap().clone();
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(v["level"].is_string(), "{line}");
    }
    let request = lines.iter().find(|l| l.contains("json-log-1")).unwrap();
    let v: serde_json::Value = serde_json::from_str(request).unwrap();
    assert_eq!(v["route"], "/login");
    assert_eq!(v["status"], 200);
    assert_eq!(v["request_id"], "json-log-1");
    // The start-up lines say what was read and what is on.
    let all = lines.join("\n");
    assert!(
        all.contains("config_file") && all.contains("features"),
        "{all}"
    );

    // Text lines written to a pipe carry no colour codes.
    let d = Dir::new();
    let server = start(portcullis(d.path()));
    let _ = http(&server.addr, "GET", "/login", &[], "");
    let all = server.log.lock().unwrap().join("\n");
    assert!(!all.contains('\u{1b}'), "{all}");
}

//! The README's forward-auth set-up, run for real: `deploy/nginx/portcullis.conf` with Debian's
//! nginx in front of a tiny application, portcullis checking each request through
//! `/auth/check`. Needs nginx: PORTCULLIS_TEST_NGINX names the binary (CI installs it); without
//! it the test reports itself skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Dir, free_addr, header, http, portcullis, start};

/// An application that answers every request with the identity headers it was given.
fn echo_app() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut seen = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if lower.starts_with("x-auth-") || lower.starts_with("get ") {
                        seen.push(line.trim().to_owned());
                    }
                }
                let body = seen.join("\n");
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    addr
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn nginx_auth_request_with_the_readme_configuration() {
    let Ok(nginx) = std::env::var("PORTCULLIS_TEST_NGINX") else {
        eprintln!(
            "skipped nginx_auth_request_with_the_readme_configuration: PORTCULLIS_TEST_NGINX unset"
        );
        return;
    };
    let d = Dir::new();
    let create = |email: &str| {
        let out = portcullis(d.path())
            .args([
                "users",
                "create",
                email,
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
    };
    create("ann@example.com");
    create("bob@example.com");
    for args in [
        ["roles", "create", "admin"].as_slice(),
        &["roles", "add", "ann@example.com", "admin"],
    ] {
        assert!(
            portcullis(d.path())
                .args(args)
                .output()
                .unwrap()
                .status
                .success()
        );
    }
    let mut cmd = portcullis(d.path());
    cmd.env("SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS", "true");
    let server = start(cmd);
    let app = echo_app();
    let front = free_addr();

    // The file from deploy/, its three addresses replaced.
    let site = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/nginx/portcullis.conf"
    ))
    .unwrap()
    .replace("listen 80;", &format!("listen {front};"))
    .replace("127.0.0.1:8080", &server.addr)
    .replace("127.0.0.1:3000", &app);
    let prefix = d.path().join("nginx");
    std::fs::create_dir_all(prefix.join("logs")).unwrap();
    std::fs::write(prefix.join("site.conf"), site).unwrap();
    let p = prefix.display();
    std::fs::write(
        prefix.join("nginx.conf"),
        format!(
            "daemon off;\nmaster_process off;\npid {p}/nginx.pid;\nerror_log {p}/logs/error.log warn;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n\
               fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n\
               include {p}/site.conf;\n}}\n"
        ),
    )
    .unwrap();
    let child = Command::new(&nginx)
        .args([
            "-p",
            &p.to_string(),
            "-c",
            &format!("{p}/nginx.conf"),
            "-e",
            &format!("{p}/logs/error.log"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _nginx = Nginx(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&front).is_err() {
        assert!(
            Instant::now() < deadline,
            "nginx did not start: {}",
            std::fs::read_to_string(prefix.join("logs/error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Not signed in: a browser is sent to the sign-in page and back.
    let r = http(&front, "GET", "/reports/1", &[("Accept", "text/html")], "");
    assert_eq!(r.status, 302, "{}", r.head);
    let location = header(&r.head, "location").unwrap_or_default();
    assert!(location.ends_with("/login?next=/reports/1"), "{location}");

    // Sign in through nginx (the login passes through unchecked) and use the token.
    let token = |email: &str| {
        let r = http(
            &front,
            "POST",
            "/login?include_auth_token",
            &[],
            &format!(r#"{{"email":"{email}","password":"a fine password 42"}}"#),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.json["response"]["user"]["authentication_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let ann = token("ann@example.com");
    let bob = token("bob@example.com");
    // The application sees who it is, and a client cannot forge it.
    let r = http(
        &front,
        "GET",
        "/reports/1",
        &[
            ("Authentication-Token", &ann),
            ("X-Auth-User", "mallory@example.com"),
        ],
        "",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("X-Auth-User: ann@example.com"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("mallory"), "{}", r.body);
    assert!(r.body.contains("X-Auth-Roles: admin"), "{}", r.body);
    // Roles: /admin/ needs admin.
    let r = http(
        &front,
        "GET",
        "/admin/panel",
        &[("Authentication-Token", &bob)],
        "",
    );
    assert_eq!(r.status, 403, "{}", r.head);
    let r = http(
        &front,
        "GET",
        "/admin/panel",
        &[("Authentication-Token", &ann)],
        "",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // A bad token is no identity.
    let r = http(
        &front,
        "GET",
        "/reports/1",
        &[("Authentication-Token", "forged")],
        "",
    );
    assert_eq!(r.status, 302);
    drop(server);
}

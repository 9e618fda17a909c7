//! `portcullis-bench revocation`: how long a revoked session stays usable on the instances
//! that did not revoke it.
//!
//! Each round: sign in on the first instance (session cookie and CSRF token), ask every
//! instance `GET /auth/check` with the cookie (200 everywhere: each has the session and user
//! in its request cache), revoke on the first instance — `POST /logout`, or `portcullis users
//! reset-access` run as a separate process against the same database and Redis — and from the
//! moment the revocation returned, ask every instance again until each answers 401. The round's
//! figure is the time until the last instance refused. Plain HTTP/1.1 over loopback, one
//! connection per request (an HTTP client crate would be a dependency for 60 lines).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Reply, BoxError> {
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no header end")?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("no status")?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: body.to_owned(),
    })
}

fn check(base: &str, cookie: &str) -> Result<u16, BoxError> {
    Ok(request(base, "GET", "/auth/check", &[("Cookie", cookie)], "")?.status)
}

/// Run `rounds` rounds and print `{"how", "rounds", "median_ms", "max_ms", "ms": [...]}`.
pub fn run(bases: &[String], rounds: usize, how: &str, cli: &str) -> Result<(), BoxError> {
    let first = bases.first().ok_or("no instance")?;
    let mut times = Vec::new();
    for _ in 0..rounds {
        let login = request(
            first,
            "POST",
            "/login",
            &[("Content-Type", "application/json")],
            r#"{"email":"bench@example.com","password":"bench password 1"}"#,
        )?;
        if login.status != 200 {
            return Err(format!("login answered {}: {}", login.status, login.body).into());
        }
        let cookie = login
            .headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .find_map(|(_, v)| v.split(';').next().filter(|c| c.starts_with("session=")))
            .ok_or("no session cookie")?
            .to_owned();
        let csrf =
            serde_json::from_str::<serde_json::Value>(&login.body)?["response"]["csrf_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        for base in bases {
            let status = check(base, &cookie)?;
            if status != 200 {
                return Err(format!("{base} refused a fresh session ({status})").into());
            }
        }
        match how {
            "logout" => {
                let r = request(
                    first,
                    "POST",
                    "/logout",
                    &[
                        ("Cookie", &cookie),
                        ("Content-Type", "application/json"),
                        ("X-CSRF-Token", &csrf),
                    ],
                    "{}",
                )?;
                if r.status != 200 {
                    return Err(format!("logout answered {}: {}", r.status, r.body).into());
                }
            }
            "reset-access" => {
                let out = std::process::Command::new(cli)
                    .args(["users", "reset-access", "bench@example.com"])
                    .output()?;
                if !out.status.success() {
                    return Err(format!(
                        "reset-access failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    )
                    .into());
                }
            }
            other => return Err(format!("unknown revocation {other}").into()),
        }
        let revoked = Instant::now();
        let mut pending: Vec<&String> = bases.iter().collect();
        while !pending.is_empty() {
            if revoked.elapsed() > Duration::from_secs(10) {
                return Err("an instance still accepts the session after 10 s".into());
            }
            let mut still = Vec::new();
            for base in pending {
                if check(base, &cookie)? != 401 {
                    still.push(base);
                }
            }
            pending = still;
        }
        times.push(revoked.elapsed().as_secs_f64() * 1000.0);
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{}",
        json!({
            "how": how,
            "instances": bases.len(),
            "rounds": times.len(),
            "median_ms": sorted.get(sorted.len() / 2),
            "max_ms": sorted.last(),
            "ms": times,
        })
    );
    Ok(())
}

//! Shared by the server's integration tests: a scratch directory, `portcullis serve` processes
//! on loopback ports, and a tiny HTTP/1.1 client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A scratch directory, removed on drop.
pub struct Dir(PathBuf);

impl Dir {
    pub fn new() -> Self {
        let p = std::env::temp_dir().join(format!(
            "portcullis-cli-{}-{}",
            std::process::id(),
            portcullis_core::crypto::random::token_hex(6)
        ));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary in `dir`, with no inherited configuration and cheap hashing.
pub fn portcullis(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_portcullis"));
    c.current_dir(dir)
        .env_remove("SECRET_KEY")
        .env_remove("PORTCULLIS_DATABASE_URL")
        .env_remove("PORTCULLIS_BIND")
        .env("PORTCULLIS_LOG", "warn")
        .env(
            "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS",
            r#"{"argon2__memory_cost":1024,"argon2__rounds":1,"argon2__parallelism":1}"#,
        );
    c
}

/// A free loopback address.
pub fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("127.0.0.1:{}", l.local_addr().unwrap().port())
}

/// A running `portcullis serve`; killed (and waited for) on drop.
pub struct Instance {
    pub child: Child,
    pub addr: String,
    /// Every log line it wrote so far (stderr), for assertions.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `command serve` (or `command` as given, when it has arguments) on `addr` and wait
/// until it says it listens.
pub fn start_on(mut command: Command, addr: &str) -> Instance {
    if command.get_args().next().is_none() {
        command.arg("serve");
    }
    let child = command
        .env("PORTCULLIS_BIND", addr)
        .env("PORTCULLIS_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Owned by an Instance at once: killed and waited for on every path, panics included.
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut instance = Instance {
        child,
        addr: addr.to_owned(),
        log: log.clone(),
    };
    let stderr = instance.child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            log.lock().unwrap().push(line.clone());
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
            && line.contains("listening on")
        {
            return instance;
        }
    }
    panic!(
        "instance did not start: {:#?}",
        instance.log.lock().unwrap()
    );
}

/// Start `command serve` on a free port.
pub fn start(command: Command) -> Instance {
    start_on(command, &free_addr())
}

pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
    pub json: serde_json::Value,
}

/// One request. JSON unless `headers` name an `Accept` (a browser) — then a body that is not a
/// JSON object is sent as a form.
pub fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let browser = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("accept"));
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !browser {
        req.push_str("Accept: application/json\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        let kind = if body.starts_with('{') {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        req.push_str(&format!(
            "Content-Type: {kind}\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
        json: serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    }
}

/// `name=value` of the session cookie a response sets.
pub fn session_cookie(head: &str) -> String {
    head.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("set-cookie").then(|| v.trim())
        })
        .map(|v| v.split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("session="))
        .expect("a session cookie")
}

/// A response header's value.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

/// Wait (up to the cache TTL and some) until `check` holds.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "{what}: did not happen");
        std::thread::sleep(Duration::from_millis(100));
    }
}

//! The `portcullis` binary: users/roles commands, configuration errors, and `serve`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::Dir;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn cmd(dir: &Dir) -> Command {
    crate::common::portcullis(dir.path())
}

fn run(dir: &Dir, args: &[&str]) -> Output {
    cmd(dir).args(args).stdin(Stdio::null()).output().unwrap()
}

fn ok(dir: &Dir, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(dir: &Dir, args: &[&str], code: i32, needle: &str) {
    let out = run(dir, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: expected {needle:?} in {err}"
    );
}

#[test]
fn users_and_roles_commands() {
    let d = Dir::new();
    let out = ok(
        &d,
        &[
            "users",
            "create",
            "ann@example.com",
            "--password",
            "ann password 1",
            "--confirmed",
        ],
    );
    assert!(out.contains("User created successfully"), "{out}");
    // Secrets were generated beside the database, once.
    let secrets = std::fs::read_to_string(d.path().join("portcullis.secrets.toml")).unwrap();
    assert!(secrets.contains("secret_key") && secrets.contains("password_salt"));
    fails(
        &d,
        &[
            "users",
            "create",
            "ANN@example.com",
            "--password",
            "ann password 1",
        ],
        2,
        "already associated",
    );
    fails(
        &d,
        &["users", "create", "bob@example.com", "--password", "short"],
        2,
        "at least 8 characters",
    );
    fails(
        &d,
        &[
            "users",
            "create",
            "not-an-email",
            "--password",
            "long enough pw",
        ],
        2,
        "Invalid email",
    );
    fails(
        &d,
        &["users", "create", "bob@example.com"],
        2,
        "a password is required",
    );
    // The configured password rules apply to the CLI too.
    let out = cmd(&d)
        .args([
            "users",
            "create",
            "weak@example.com",
            "--password",
            "aaaaaaaaaa",
        ])
        .env("SECURITY_PASSWORD_COMPLEXITY_CHECKER", "zxcvbn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Invalid password"));
    fails(
        &d,
        &[
            "users",
            "create",
            "same@example.com",
            "--password",
            "same@example.com",
        ],
        2,
        "same as your email",
    );
    // From standard input instead of the command line (kept out of `ps` and shell history).
    let mut child = cmd(&d)
        .args(["users", "create", "carol@example.com", "--confirmed"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"carol password 1\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    fails(
        &d,
        &["users", "activate", "nobody@example.com"],
        2,
        "User not found",
    );
    let bob = [
        "users",
        "create",
        "bob@example.com",
        "--password",
        "bob password 1",
        "--username",
        "bobby",
        "--inactive",
    ];
    // The same rules as registration: no username while usernames are off.
    fails(&d, &bob, 2, "Usernames are not enabled.");
    std::fs::write(d.path().join("portcullis.toml"), "username_enable = true\n").unwrap();
    ok(&d, &bob);
    assert!(ok(&d, &["users", "activate", "bobby"]).contains("has been activated"));
    assert!(ok(&d, &["users", "activate", "bob@example.com"]).contains("was already activated"));
    assert!(ok(&d, &["users", "deactivate", "bob@example.com"]).contains("has been deactivated"));
    assert!(
        ok(&d, &["users", "deactivate", "bob@example.com"]).contains("was already deactivated")
    );
    ok(
        &d,
        &[
            "users",
            "change-password",
            "ann@example.com",
            "--password",
            "ann password 2",
        ],
    );
    fails(
        &d,
        &[
            "users",
            "change-password",
            "ann@example.com",
            "--password",
            "tiny",
        ],
        2,
        "at least 8",
    );
    assert!(ok(&d, &["users", "reset-access", "ann@example.com"]).contains("Access reset"));

    assert!(
        ok(
            &d,
            &[
                "roles",
                "create",
                "admin",
                "--description",
                "Admins",
                "--permissions",
                "read, write"
            ]
        )
        .contains("read,write")
    );
    fails(&d, &["roles", "create", "admin"], 2, "already exists");
    assert!(ok(&d, &["roles", "add", "ann@example.com", "admin"]).contains("added"));
    assert!(ok(&d, &["roles", "add", "ann@example.com", "admin"]).contains("already has"));
    fails(
        &d,
        &["roles", "add", "ann@example.com", "ghost"],
        2,
        "Cannot find role",
    );
    fails(
        &d,
        &["roles", "add", "ghost@example.com", "admin"],
        2,
        "User not found",
    );
    assert!(
        ok(&d, &["roles", "add-permissions", "admin", "audit,read"]).contains("read,write,audit")
    );
    assert!(ok(&d, &["roles", "remove-permissions", "admin", "write"]).contains("read,audit"));
    assert!(ok(&d, &["roles", "remove", "ann@example.com", "admin"]).contains("removed"));
    assert!(ok(&d, &["roles", "remove", "ann@example.com", "admin"]).contains("does not have"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_create_checks_deliverability_when_turned_on() {
    use portcullis_core::testing::{ZoneRecord, ZoneServer};
    let dns = ZoneServer::start(
        &[("example.com", vec![ZoneRecord::Mx(10, "mx.example.com")])],
        &[],
    )
    .await
    .unwrap();
    let args = format!(
        r#"{{"check_deliverability": true, "timeout": 1, "nameservers": ["{}"]}}"#,
        dns.addr()
    );
    let d = Dir::new();
    let create = |email: &str| {
        cmd(&d)
            .args([
                "users",
                "create",
                email,
                "--password",
                "quixotic-lantern-fjord",
            ])
            .env("SECURITY_EMAIL_VALIDATOR_ARGS", &args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = create("ann@nowhere.example");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("The domain name nowhere.example does not exist."),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(create("ann@example.com").status.success());
}

#[test]
fn configuration_errors_exit_2_naming_the_key() {
    let d = Dir::new();
    std::fs::write(d.path().join("portcullis.toml"), "registerabel = true\n").unwrap();
    fails(
        &d,
        &["users", "activate", "x@example.com"],
        2,
        "registerabel",
    );
    std::fs::write(
        d.path().join("portcullis.toml"),
        "registerable = \"perhaps\"\n",
    )
    .unwrap();
    fails(&d, &["serve"], 2, "registerable");
    std::fs::remove_file(d.path().join("portcullis.toml")).unwrap();
    let out = cmd(&d)
        .args(["serve"])
        .env("SECURITY_TOKEN_MAX_AGE", "soon")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("token_max_age"));
    let out = cmd(&d)
        .args(["--config", "missing.toml", "serve"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn http(addr: &str, request: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_starts_with_sqlite_and_answers() {
    let d = Dir::new();
    ok(
        &d,
        &[
            "users",
            "create",
            "ann@example.com",
            "--password",
            "ann password 1",
            "--confirmed",
        ],
    );
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let mut child = cmd(&d)
        .args(["serve"])
        .env("PORTCULLIS_BIND", &addr)
        .env("PORTCULLIS_LOG", "info")
        .env("SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS", "true")
        .env("SECURITY_LOCKOUT_MAX_FAILURES", "3")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut listening = None;
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
            && line.contains("listening on")
        {
            listening = Some(line);
            break;
        }
    }
    let line = listening.expect("server logged where it listens");
    assert!(
        line.contains(&addr) && line.contains("sqlite://portcullis.db"),
        "{line}"
    );

    let body = r#"{"email":"ann@example.com","password":"ann password 1"}"#;
    let res = http(
        &addr,
        &format!(
            "POST /login?include_auth_token HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let json_start = res.find("\r\n\r\n").unwrap() + 4;
    let v: serde_json::Value = serde_json::from_str(&res[json_start..]).unwrap();
    let token = v["response"]["user"]["authentication_token"]
        .as_str()
        .unwrap();
    let res = http(
        &addr,
        &format!(
            "GET /auth/check HTTP/1.1\r\nHost: {addr}\r\nAuthentication-Token: {token}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(
        res.to_ascii_lowercase()
            .contains("x-auth-user: ann@example.com"),
        "{res}"
    );
    let res = http(
        &addr,
        &format!("GET /auth/check HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    );
    assert!(res.starts_with("HTTP/1.1 401"), "{res}");
    // Three wrong passwords lock the account; `users unlock` lifts the lock at once (the
    // counters live in the database, not in the server's memory).
    let login = |pw: &str| {
        let body = format!(r#"{{"email":"ann@example.com","password":"{pw}"}}"#);
        http(
            &addr,
            &format!(
                "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    };
    for _ in 0..3 {
        assert!(login("wrong password").starts_with("HTTP/1.1 400"));
    }
    let res = login("ann password 1");
    assert!(
        res.starts_with("HTTP/1.1 400") && res.contains("Account locked"),
        "{res}"
    );
    assert!(ok(&d, &["users", "unlock", "ann@example.com"]).contains("lock lifted"));
    assert!(login("ann password 1").starts_with("HTTP/1.1 200"));
    // reset-access from the CLI (another process) ends the token on the running server within
    // the cache's time-to-live (1 s by default).
    ok(&d, &["users", "reset-access", "ann@example.com"]);
    let started = Instant::now();
    let res = loop {
        let res = http(
            &addr,
            &format!(
                "GET /auth/check HTTP/1.1\r\nHost: {addr}\r\nAuthentication-Token: {token}\r\nConnection: close\r\n\r\n"
            ),
        );
        if res.starts_with("HTTP/1.1 401") || started.elapsed() > Duration::from_secs(5) {
            break res;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(res.starts_with("HTTP/1.1 401"), "{res}");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "took {:?}",
        started.elapsed()
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(d.path().join("portcullis.db").exists());
}

#[test]
fn users_list_and_show() {
    let d = Dir::new();
    ok(
        &d,
        &[
            "users",
            "create",
            "ann@example.com",
            "--password",
            "ann password 1",
            "--confirmed",
        ],
    );
    ok(
        &d,
        &[
            "users",
            "create",
            "bob@example.com",
            "--password",
            "bob password 1",
            "--inactive",
        ],
    );
    ok(&d, &["roles", "create", "admin"]);
    ok(&d, &["roles", "add", "ann@example.com", "admin"]);

    let table = ok(&d, &["users", "list"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].contains("email") && lines[0].contains("roles"),
        "{table}"
    );
    assert!(
        lines[1].contains("ann@example.com") && lines[1].contains("admin"),
        "{table}"
    );
    assert!(
        lines[2].contains("bob@example.com") && lines[2].contains("no"),
        "{table}"
    );

    let json = ok(&d, &["users", "list", "--json"]);
    let users: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0]["email"], "ann@example.com");
    assert_eq!(users[0]["confirmed"], true);
    assert_eq!(users[0]["roles"], serde_json::json!(["admin"]));
    assert_eq!(users[1]["active"], false);
    // Never a hash, a secret or a uniquifier.
    assert!(
        !json.contains("$argon2") && !json.contains("uniquifier"),
        "{json}"
    );

    let shown = ok(&d, &["users", "show", "ANN@example.com", "--json"]);
    let shown: serde_json::Value = serde_json::from_str(shown.trim()).unwrap();
    assert_eq!(shown["email"], "ann@example.com");
    fails(
        &d,
        &["users", "show", "nobody@example.com"],
        2,
        "User not found",
    );
}

#[test]
fn config_check_validates_and_redacts() {
    let d = Dir::new();
    let out = cmd(&d)
        .args(["config", "check"])
        .env(
            "PORTCULLIS_DATABASE_URL",
            "postgres://app:hunter22@db.internal:5432/auth",
        )
        .env("SECRET_KEY", "a secret key of some length")
        .env("SECURITY_PASSWORD_SALT", "a password salt of some length")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("configuration is valid"), "{text}");
    assert!(text.contains("db.internal"), "{text}");
    assert!(!text.contains("hunter22"), "{text}");
    assert!(!text.contains("a secret key of some length"), "{text}");
    // An invalid value: exit 2, the key named.
    let out = cmd(&d)
        .args(["config", "check"])
        .env("PORTCULLIS_REQUEST_TIMEOUT", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("request_timeout"));
    // Two-factor on a shared database without its secrets.
    let out = cmd(&d)
        .args(["config", "check"])
        .env("PORTCULLIS_DATABASE_URL", "postgres://app@db.internal/auth")
        .env("SECRET_KEY", "k")
        .env("SECURITY_PASSWORD_SALT", "s")
        .env("SECURITY_TWO_FACTOR", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SECURITY_TOTP_SECRETS"));
}

#[test]
fn secrets_are_generated_as_needed_and_only_those() {
    // Two-factor on, nothing set: all three are generated, once.
    let d = Dir::new();
    let two_factor = |c: &mut Command| {
        c.env("SECURITY_TWO_FACTOR", "true");
    };
    let mut c = cmd(&d);
    two_factor(&mut c);
    let out = c
        .args([
            "users",
            "create",
            "ann@example.com",
            "--password",
            "ann password 1",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = d.path().join("portcullis.secrets.toml");
    let first = std::fs::read_to_string(&path).unwrap();
    let parsed: toml::Table = toml::from_str(&first).unwrap();
    let totp = parsed["totp_secrets"]["1"].as_str().unwrap();
    assert!(totp.len() >= 32, "{totp}");
    let mut c = cmd(&d);
    two_factor(&mut c);
    let out = c
        .args(["users", "show", "ann@example.com"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        first,
        "generated once"
    );

    // SECRET_KEY set, no salt: the file holds the salt alone (no unused key that would take
    // over if the variable were unset later).
    let d = Dir::new();
    let out = cmd(&d)
        .env("SECRET_KEY", "an operator chosen secret key")
        .args([
            "users",
            "create",
            "ann@example.com",
            "--password",
            "ann password 1",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored: toml::Table =
        toml::from_str(&std::fs::read_to_string(d.path().join("portcullis.secrets.toml")).unwrap())
            .unwrap();
    assert!(stored.contains_key("password_salt"));
    assert!(!stored.contains_key("secret_key"), "{stored:?}");
    assert!(!stored.contains_key("totp_secrets"), "{stored:?}");

    // A weak TOTP secret is refused, naming the key.
    let d = Dir::new();
    let out = cmd(&d)
        .env("SECURITY_TWO_FACTOR", "true")
        .env("SECURITY_TOTP_SECRETS", r#"{"1":"short"}"#)
        .args(["serve"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("totp_secrets") && err.contains("16"), "{err}");
}

#[test]
fn serve_flags_and_a_missing_database_directory() {
    let d = Dir::new();
    let help = ok(&d, &["serve", "--help"]);
    assert!(
        help.contains("--bind") && help.contains("--database-url"),
        "{help}"
    );
    // A database in a directory that does not exist: the directory is named.
    let out = cmd(&d)
        .args(["serve", "--database-url", "sqlite://data/portcullis.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("data") && err.contains("does not exist"),
        "{err}"
    );
    // The flag beats the environment.
    std::fs::create_dir(d.path().join("data")).unwrap();
    let addr = crate::common::free_addr();
    let mut c = cmd(&d);
    c.env("PORTCULLIS_DATABASE_URL", "sqlite://elsewhere/x.db")
        .args([
            "serve",
            "--database-url",
            "sqlite://data/portcullis.db",
            "--bind",
            &addr,
        ]);
    let server = crate::common::start_on(c, "127.0.0.1:1");
    let r = crate::common::http(&addr, "GET", "/healthz", &[], "");
    assert_eq!(r.status, 200);
    assert!(d.path().join("data/portcullis.db").exists());
    drop(server);
}

#[test]
fn an_unreachable_database_is_named_by_host_and_port() {
    let d = Dir::new();
    let refusing = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = refusing.local_addr().unwrap().port();
    drop(refusing);
    let out = cmd(&d)
        .args([
            "serve",
            "--database-url",
            &format!("postgres://app:pw@127.0.0.1:{port}/auth"),
        ])
        .env("SECRET_KEY", "k")
        .env("SECURITY_PASSWORD_SALT", "s")
        .env("PORTCULLIS_DATABASE_TIMEOUT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(!err.contains(":pw@"), "{err}");
}

//! Several instances behind a load balancer: three `portcullis serve` processes on loopback
//! ports sharing one PostgreSQL database and one Redis. A client signs in through the first,
//! uses its session and token on the second and third, changes its password on the third, and
//! is signed out on all. Needs PORTCULLIS_TEST_POSTGRES_URL and PORTCULLIS_TEST_REDIS_URL (set
//! by `.ci/run`); without them the test says it is skipped, by name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use portcullis_core::store::SessionStore;
use portcullis_redis::RedisStore;
use portcullis_sqlx::TemporaryDatabase;

const PASSWORD: &str = "ann password 1";
const NEW_PASSWORD: &str = "ann password 2, longer";

struct Instance {
    child: Child,
    addr: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cmd(dir: &std::path::Path, db: &str, redis: &str, prefix: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_portcullis"));
    c.current_dir(dir)
        .env("PORTCULLIS_DATABASE_URL", db)
        .env("PORTCULLIS_REDIS_URL", redis)
        .env("PORTCULLIS_REDIS_KEY_PREFIX", prefix)
        .env("SECRET_KEY", "scale-out-secret-key")
        .env("SECURITY_PASSWORD_SALT", "scale-out-salt")
        .env("SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS", "true")
        .env("SECURITY_CHANGEABLE", "true")
        .env("PORTCULLIS_LOG", "info")
        .env(
            "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS",
            r#"{"argon2__memory_cost":1024,"argon2__rounds":1,"argon2__parallelism":1}"#,
        )
        .env_remove("PORTCULLIS_BIND");
    c
}

fn start(mut command: Command) -> Instance {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let child = command
        .args(["serve"])
        .env("PORTCULLIS_BIND", &addr)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Owned by an Instance at once: killed and waited for on every path, panics included.
    let mut instance = Instance { child, addr };
    let stderr = instance.child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            if line.contains("listening on") {
                // Keep draining so the child never blocks on a full pipe.
                std::thread::spawn(move || while rx.recv().is_ok() {});
                return instance;
            }
            seen.push(line);
        }
    }
    panic!("instance did not start: {seen:#?}");
}

struct Reply {
    status: u16,
    head: String,
    json: serde_json::Value,
}

fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n"
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
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
        json: serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    }
}

/// `name=value` of the session cookie a response sets.
fn session_cookie(head: &str) -> String {
    head.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("set-cookie").then(|| v.trim())
        })
        .map(|v| v.split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("session="))
        .expect("a session cookie")
}

/// Wait (up to the cache TTL and some) until `check` holds.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "{what}: did not happen");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_share_sessions_tokens_and_sign_out() {
    let (Ok(pg), Ok(redis_url)) = (
        std::env::var("PORTCULLIS_TEST_POSTGRES_URL"),
        std::env::var("PORTCULLIS_TEST_REDIS_URL"),
    ) else {
        eprintln!(
            "SKIPPED scale_out::three_instances_share_sessions_tokens_and_sign_out: \
             PORTCULLIS_TEST_POSTGRES_URL and PORTCULLIS_TEST_REDIS_URL are needed"
        );
        return;
    };
    let db = TemporaryDatabase::create(&pg).await.unwrap();
    // Owns the instances' key prefix; its keys are removed when the test ends, even on failure.
    let redis = RedisStore::connect_temporary(&redis_url, "scale-out")
        .await
        .unwrap();
    let prefix = redis.key_prefix().to_owned();
    let dir = std::env::temp_dir().join(format!("portcullis-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let command = || cmd(&dir, db.url(), &redis_url, &prefix);

    let out = command()
        .args([
            "users",
            "create",
            "ann@example.com",
            "--password",
            PASSWORD,
            "--confirmed",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let instances: Vec<Instance> = (0..3).map(|_| start(command())).collect();
    let [one, two, three] = [&instances[0].addr, &instances[1].addr, &instances[2].addr];

    // Sign in through the first.
    let body = format!(r#"{{"email":"ann@example.com","password":"{PASSWORD}"}}"#);
    let r = http(one, "POST", "/login?include_auth_token", &[], &body);
    assert_eq!(r.status, 200, "{}", r.head);
    let cookie = session_cookie(&r.head);
    let token = r.json["response"]["user"]["authentication_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The session lives in Redis (shared), not in one process.
    assert!(redis.count_sessions(now()).await.unwrap() >= 1);

    // Session and token work on every instance.
    for addr in [one, two, three] {
        let r = http(addr, "GET", "/auth/check", &[("Cookie", &cookie)], "");
        assert_eq!(r.status, 200, "session on {addr}: {}", r.head);
        assert!(
            r.head
                .to_ascii_lowercase()
                .contains("x-auth-user: ann@example.com")
        );
        let r = http(
            addr,
            "GET",
            "/auth/check",
            &[("Authentication-Token", &token)],
            "",
        );
        assert_eq!(r.status, 200, "token on {addr}: {}", r.head);
    }

    // Change the password on the third (token-authenticated: no CSRF token needed).
    let body = format!(
        r#"{{"password":"{PASSWORD}","new_password":"{NEW_PASSWORD}","new_password_confirm":"{NEW_PASSWORD}"}}"#
    );
    let r = http(
        three,
        "POST",
        "/change",
        &[("Authentication-Token", &token)],
        &body,
    );
    assert_eq!(r.status, 200, "{}: {}", r.head, r.json);

    // fs_uniquifier rotated: the old session and token are dead on every instance.
    for addr in [one, two, three] {
        eventually(&format!("session ends on {addr}"), || {
            http(addr, "GET", "/auth/check", &[("Cookie", &cookie)], "").status == 401
        });
        eventually(&format!("token ends on {addr}"), || {
            http(
                addr,
                "GET",
                "/auth/check",
                &[("Authentication-Token", &token)],
                "",
            )
            .status
                == 401
        });
    }
    // The old password is refused and the new one works, on any instance.
    let body = format!(r#"{{"email":"ann@example.com","password":"{PASSWORD}"}}"#);
    assert_eq!(http(two, "POST", "/login", &[], &body).status, 400);
    let body = format!(r#"{{"email":"ann@example.com","password":"{NEW_PASSWORD}"}}"#);
    assert_eq!(http(one, "POST", "/login", &[], &body).status, 200);

    drop(instances);
    let _ = std::fs::remove_dir_all(&dir);
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

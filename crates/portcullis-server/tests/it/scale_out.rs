//! Several instances behind a load balancer: three `portcullis serve` processes on loopback
//! ports sharing one PostgreSQL database and one Redis. A client signs in through the first,
//! uses its session and token on the second and third, changes its password on the third, and
//! is signed out on all. Needs PORTCULLIS_TEST_POSTGRES_URL and PORTCULLIS_TEST_REDIS_URL (set
//! by `.ci/run`); without them the test says it is skipped, by name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

use crate::common::{Instance, eventually, http, session_cookie, start};

use portcullis_core::store::SessionStore;
use portcullis_redis::RedisStore;
use portcullis_sqlx::TemporaryDatabase;

const PASSWORD: &str = "ann password 1";
const NEW_PASSWORD: &str = "ann password 2, longer";

fn cmd(dir: &std::path::Path, db: &str, redis: &str, prefix: &str) -> Command {
    let mut c = crate::common::portcullis(dir);
    c.env("PORTCULLIS_DATABASE_URL", db)
        .env("PORTCULLIS_REDIS_URL", redis)
        .env("PORTCULLIS_REDIS_KEY_PREFIX", prefix)
        .env("SECRET_KEY", "scale-out-secret-key")
        .env("SECURITY_PASSWORD_SALT", "scale-out-salt")
        .env("SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS", "true")
        .env("SECURITY_CHANGEABLE", "true");
    c
}

/// What a scale-out test shares: a temporary PostgreSQL database, a Redis key prefix (removed
/// when the store drops, even on failure), a directory, and the user `ann@example.com` made
/// with the CLI. `None` (after saying so, by name) without the two backends.
struct Cluster {
    db: TemporaryDatabase,
    /// Owns the instances' key prefix.
    redis: RedisStore,
    redis_url: String,
    dir: std::path::PathBuf,
    /// Extra environment for every process (e.g. the cache TTL).
    env: Vec<(&'static str, &'static str)>,
}

impl Cluster {
    async fn new(test: &str, env: Vec<(&'static str, &'static str)>) -> Option<Self> {
        let (Ok(pg), Ok(redis_url)) = (
            std::env::var("PORTCULLIS_TEST_POSTGRES_URL"),
            std::env::var("PORTCULLIS_TEST_REDIS_URL"),
        ) else {
            eprintln!(
                "SKIPPED scale_out::{test}: \
                 PORTCULLIS_TEST_POSTGRES_URL and PORTCULLIS_TEST_REDIS_URL are needed"
            );
            return None;
        };
        let db = TemporaryDatabase::create(&pg).await.unwrap();
        let redis = RedisStore::connect_temporary(&redis_url, "scale-out")
            .await
            .unwrap();
        let dir = std::env::temp_dir().join(format!("portcullis-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cluster = Self {
            db,
            redis,
            redis_url,
            dir,
            env,
        };
        let out = cluster
            .command()
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
        Some(cluster)
    }

    fn command(&self) -> Command {
        let mut c = cmd(
            &self.dir,
            self.db.url(),
            &self.redis_url,
            self.redis.key_prefix(),
        );
        c.envs(self.env.iter().copied());
        c
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_share_sessions_tokens_and_sign_out() {
    let Some(cluster) =
        Cluster::new("three_instances_share_sessions_tokens_and_sign_out", vec![]).await
    else {
        return;
    };
    let redis = &cluster.redis;
    let command = || cluster.command();

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
}

/// Revocation made on one instance reaches the others through Redis (the cache invalidation
/// bus), not after the request cache's time-to-live: the instances here cache for an hour, so
/// only the bus can make them refuse in time. A logout on one instance, then `reset-access` run
/// from the CLI (another process), each refused by all three.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_reaches_every_instance_through_redis() {
    let Some(cluster) = Cluster::new(
        "revocation_reaches_every_instance_through_redis",
        vec![("PORTCULLIS_CACHE_TTL", "3600")],
    )
    .await
    else {
        return;
    };
    let command = || cluster.command();
    let instances: Vec<Instance> = (0..3).map(|_| start(command())).collect();
    let addrs: Vec<&String> = instances.iter().map(|i| &i.addr).collect();

    // Sign in on the first; every instance now holds the session and the user in its cache.
    let sign_in = || {
        let body = format!(r#"{{"email":"ann@example.com","password":"{PASSWORD}"}}"#);
        let r = http(addrs[0], "POST", "/login?include_auth_token", &[], &body);
        assert_eq!(r.status, 200, "{}", r.head);
        let cookie = session_cookie(&r.head);
        let csrf = r.json["response"]["csrf_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = r.json["response"]["user"]["authentication_token"]
            .as_str()
            .unwrap()
            .to_owned();
        for addr in &addrs {
            let r = http(addr, "GET", "/auth/check", &[("Cookie", &cookie)], "");
            assert_eq!(r.status, 200, "session on {addr}: {}", r.head);
            let r = http(
                addr,
                "GET",
                "/auth/check",
                &[("Authentication-Token", &token)],
                "",
            );
            assert_eq!(r.status, 200, "token on {addr}: {}", r.head);
        }
        (cookie, csrf, token)
    };

    // A logout on the first ends the session on all three.
    let (cookie, csrf, _token) = sign_in();
    let r = http(
        addrs[0],
        "POST",
        "/logout",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        "{}",
    );
    assert_eq!(r.status, 200, "{}: {}", r.head, r.json);
    for addr in &addrs {
        eventually(&format!("logged-out session refused on {addr}"), || {
            http(addr, "GET", "/auth/check", &[("Cookie", &cookie)], "").status == 401
        });
    }

    // `reset-access` from the CLI (another process) ends sessions and tokens on all three.
    let (cookie, _csrf, token) = sign_in();
    let out = command()
        .args(["users", "reset-access", "ann@example.com"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for addr in &addrs {
        eventually(
            &format!("session refused on {addr} after reset-access"),
            || http(addr, "GET", "/auth/check", &[("Cookie", &cookie)], "").status == 401,
        );
        eventually(
            &format!("token refused on {addr} after reset-access"),
            || {
                http(
                    addr,
                    "GET",
                    "/auth/check",
                    &[("Authentication-Token", &token)],
                    "",
                )
                .status
                    == 401
            },
        );
    }
    drop(instances);
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

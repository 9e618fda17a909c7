//! The README's "Using the server" walk-through, step by step as written (the binary for
//! `portcullis`, a free port for the default one, the values for the `<placeholders>`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::Stdio;

use crate::common::{Dir, free_addr, header, http, portcullis, session_cookie, start_on};

#[test]
fn the_readme_walk_through_works_as_written() {
    let d = Dir::new();
    // mkdir -p data && portcullis serve --database-url sqlite://data/portcullis.db
    std::fs::create_dir_all(d.path().join("data")).unwrap();
    let db = ["--database-url", "sqlite://data/portcullis.db"];
    // printf '%s\n' 'ann password 1' | portcullis users create ann@example.com --confirmed
    let mut child = portcullis(d.path())
        .args(["users", "create", "ann@example.com", "--confirmed"])
        .env("PORTCULLIS_DATABASE_URL", "sqlite://data/portcullis.db")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"ann password 1\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = |args: &[&str]| {
        let out = portcullis(d.path())
            .args(args)
            .env("PORTCULLIS_DATABASE_URL", "sqlite://data/portcullis.db")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&[
        "users",
        "create",
        "bob@example.com",
        "--password",
        "bob password 1",
    ]);
    let listed = run(&["users", "list"]);
    assert!(listed.contains("ann@example.com") && listed.contains("bob@example.com"));
    run(&[
        "roles",
        "create",
        "admin",
        "--description",
        "Admins",
        "--permissions",
        "read,write",
    ]);
    run(&["roles", "add", "ann@example.com", "admin"]);

    let addr = free_addr();
    let mut cmd = portcullis(d.path());
    cmd.arg("serve").args(db).args(["--bind", &addr]);
    let server = start_on(cmd, "127.0.0.1:1");
    // curl -s -H 'Accept: application/json' 127.0.0.1:8080/login -c jar
    let r = http(&addr, "GET", "/login", &[], "");
    assert_eq!(r.status, 200);
    let csrf = r.json["response"]["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let jar = session_cookie(&r.head);
    // curl -s -b jar -H 'Content-Type: application/json' -H "X-XSRF-Token: <csrf_token>" \
    //      '127.0.0.1:8080/login?include_auth_token' -d '{"email":…,"password":…}'
    let r = http(
        &addr,
        "POST",
        "/login?include_auth_token",
        &[("Cookie", &jar), ("X-XSRF-Token", &csrf)],
        r#"{"email":"ann@example.com","password":"ann password 1"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.json["response"]["user"]["authentication_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // curl -s -H 'Authentication-Token: <token>' '127.0.0.1:8080/auth/check?roles_required=admin' -i
    let r = http(
        &addr,
        "GET",
        "/auth/check?roles_required=admin",
        &[("Authentication-Token", &token)],
        "",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        header(&r.head, "x-auth-user").as_deref(),
        Some("ann@example.com")
    );
    assert_eq!(header(&r.head, "x-auth-roles").as_deref(), Some("admin"));
    // X-Auth-User-Id is the fs_uniquifier (the README says so), not the numeric id.
    let id = header(&r.head, "x-auth-user-id").unwrap();
    assert!(id.len() >= 32 && id.parse::<i64>().is_err(), "{id}");
    // The secrets were generated beside the database, as the README says.
    assert!(d.path().join("data/portcullis.secrets.toml").exists());
    // portcullis config check
    let checked = run(&["config", "check"]);
    assert!(checked.contains("configuration is valid"), "{checked}");
    drop(server);
}

//! The example app driven in process: public, signed-in, role, permission and token-only routes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use example_basic_app::{DEMO_USERS, app, seed};
use http_body_util::BodyExt;
use portcullis::{Config, Security};
use portcullis_sqlx::SqliteStore;
use serde_json::{Value, json};
use tower::ServiceExt;

const ADMIN: (&str, &str) = (DEMO_USERS[0].0, DEMO_USERS[0].1);
const READER: (&str, &str) = (DEMO_USERS[1].0, DEMO_USERS[1].1);

struct Resp {
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<String>,
    text: String,
    json: Value,
}

async fn setup() -> (Router, Security) {
    let config = Config {
        secret_key: Some("test-secret-key".into()),
        password_salt: Some("test-password-salt".into()),
        registerable: true,
        csrf_ignore_unauth_endpoints: true,
        // Cheap argon2 parameters: the tests hash and verify several passwords.
        password_hash_passlib_options: json!({
            "argon2__memory_cost": 1024, "argon2__rounds": 1, "argon2__parallelism": 1
        })
        .as_object()
        .cloned()
        .unwrap(),
        ..Config::default()
    };
    let store = SqliteStore::connect_temporary().await.unwrap();
    let security = Security::builder(config, store).build().unwrap();
    seed(&security).await.unwrap();
    (app(&security), security)
}

async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Resp {
    let mut b = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let mut req = b.body(body).unwrap();
    // As `portcullis::serve` hands requests over: with the peer's address.
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let set_cookies = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        location,
        set_cookies,
        text,
        json,
    }
}

async fn get_json(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Resp {
    let mut h = vec![("accept", "application/json")];
    h.extend_from_slice(headers);
    send(app, Method::GET, uri, &h, None).await
}

/// Sign in with JSON; returns the auth token and the session cookie (`name=value`).
async fn login(app: &Router, (email, password): (&str, &str)) -> (String, String) {
    let r = send(
        app,
        Method::POST,
        "/login?include_auth_token",
        &[("accept", "application/json")],
        Some(json!({"email": email, "password": password})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "login {email}: {}", r.text);
    let token = r.json["response"]["user"]["authentication_token"]
        .as_str()
        .expect("authentication_token in the login response")
        .to_owned();
    let prefix = format!("{}=", Config::default().session_cookie_name);
    let cookie = r
        .set_cookies
        .iter()
        .filter_map(|c| c.split(';').next())
        .find(|c| c.starts_with(&prefix) && c.len() > prefix.len())
        .expect("a session cookie")
        .to_owned();
    (token, cookie)
}

#[tokio::test]
async fn public_page_is_open_to_everyone() {
    let (app, _) = setup().await;
    let r = send(&app, Method::GET, "/", &[], None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Not signed in"), "{}", r.text);
}

#[tokio::test]
async fn me_needs_a_signed_in_user() {
    let (app, _) = setup().await;

    let r = get_json(&app, "/me", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json["meta"]["code"], 401);
    assert_eq!(
        r.json["response"]["errors"],
        json!(["You must sign in to view this resource."])
    );

    let r = send(&app, Method::GET, "/me", &[("accept", "text/html")], None).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location.as_deref(), Some("/login?next=/me"));

    let (token, cookie) = login(&app, READER).await;
    let r = get_json(&app, "/me", &[("Authentication-Token", &token)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text, "Hello reader@example.com (signed in by token)");
    let r = get_json(&app, "/me", &[("cookie", &cookie)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text, "Hello reader@example.com (signed in by session)");
    // The home page knows the session too.
    let r = send(&app, Method::GET, "/", &[("cookie", &cookie)], None).await;
    assert!(
        r.text.contains("Signed in as <b>reader@example.com</b>"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn reader_reads_reports_and_items_but_not_admin() {
    let (app, _) = setup().await;
    let (token, _) = login(&app, READER).await;
    let auth = [("Authentication-Token", token.as_str())];

    let r = get_json(&app, "/reports", &auth).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.text, "Quarterly reports, readable by reader@example.com.");

    let r = get_json(&app, "/admin", &auth).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["response"]["errors"],
        json!(["You do not have permission to view this resource."])
    );

    let r = get_json(&app, "/api/items", &auth).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["user"], "reader@example.com");
    assert_eq!(r.json["items"].as_array().map(Vec::len), Some(3));

    // A bad token is no token.
    let r = get_json(&app, "/api/items", &[("Authentication-Token", "forged")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admin_sees_admin_and_reports() {
    let (app, _) = setup().await;
    let (token, _) = login(&app, ADMIN).await;
    let auth = [("Authentication-Token", token.as_str())];
    let r = get_json(&app, "/admin", &auth).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.text, "Admin area. Welcome, admin@example.com.");
    let r = get_json(&app, "/reports", &auth).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn items_api_accepts_tokens_only() {
    let (app, _) = setup().await;
    let (_, cookie) = login(&app, ADMIN).await;
    // The session cookie is good: it opens /admin...
    let r = get_json(&app, "/admin", &[("cookie", &cookie)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // ...but not the token-only API.
    let r = get_json(&app, "/api/items", &[("cookie", &cookie)]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    assert_eq!(
        r.json["response"]["errors"],
        json!(["You must sign in to view this resource."])
    );
}

#[tokio::test]
async fn wrong_password_is_refused() {
    let (app, _) = setup().await;
    let r = send(
        &app,
        Method::POST,
        "/login",
        &[("accept", "application/json")],
        Some(json!({"email": READER.0, "password": "not-the-password"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn seeding_is_idempotent() {
    let (_, security) = setup().await;
    seed(&security).await.unwrap();
    let store = security.store();
    assert_eq!(store.count_users().await.unwrap(), 2);
    let admin = store.user_by_email(ADMIN.0).await.unwrap().unwrap();
    let roles: Vec<(String, Vec<String>)> = store
        .roles_of_user(admin.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.permissions))
        .collect();
    assert_eq!(
        roles,
        vec![(
            "admin".to_owned(),
            vec!["read".to_owned(), "write".to_owned()]
        )]
    );
    let reader = store.user_by_email(READER.0).await.unwrap().unwrap();
    let roles: Vec<String> = store
        .roles_of_user(reader.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(roles, vec!["reader".to_owned()]);
}

//! Test harness: the app driven in-process with `tower::ServiceExt::oneshot`, a cookie jar, a
//! fixed clock and cheap hashing parameters.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::field_reassign_with_default
)]

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use portcullis::core::events::RecordingSink;
use portcullis::core::store::Store;
use portcullis::core::{FixedClock, NewUser, User};
use portcullis::{Config, CurrentUser, Mechanism, MemoryStore, Security, guard};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Standard base64 (HTTP Basic credentials).
pub fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// 2026-01-01T00:00:00Z
pub const T0: i64 = 1_767_225_600;

pub fn test_config() -> Config {
    let mut c = Config::default();
    c.secret_key = Some("test-secret-key".to_owned().into());
    c.password_salt = Some("test-salt".to_owned().into());
    c.password_hash_passlib_options = json!({
        "argon2__memory_cost": 1024, "argon2__rounds": 1, "argon2__parallelism": 1,
        "bcrypt__rounds": 4, "pbkdf2_sha512__rounds": 1000, "sha512_crypt__rounds": 1000
    })
    .as_object()
    .cloned()
    .unwrap();
    c.registerable = true;
    c.changeable = true;
    c.trackable = true;
    c
}

pub struct TestApp {
    pub app: Router,
    pub security: Security,
    pub clock: FixedClock,
    pub events: RecordingSink,
    pub store: Arc<dyn Store>,
    /// Released by tests to let `/api/slow` finish.
    pub gate: Arc<tokio::sync::Notify>,
}

/// A policy for the `Authorized` extractor.
pub struct Readers;

impl portcullis::Policy for Readers {
    fn guard() -> portcullis::guard::Guard {
        guard::permissions_accepted(["read"])
    }
}

async fn protected(user: CurrentUser) -> axum::Json<Value> {
    axum::Json(json!({"ok": true, "email": user.email(), "via": user.via().name()}))
}

impl TestApp {
    pub async fn new(configure: impl FnOnce(&mut Config)) -> Self {
        Self::with_store(Arc::new(MemoryStore::new()), configure).await
    }

    pub async fn with_store(store: Arc<dyn Store>, configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = test_config();
        configure(&mut config);
        let clock = FixedClock::at(T0);
        let events = RecordingSink::new();
        let security = Security::builder_arc(config, Arc::clone(&store))
            .clock(clock.clone())
            .events(events.clone())
            .build()
            .expect("security builds");
        let gate = Arc::new(tokio::sync::Notify::new());
        let g = Arc::clone(&gate);
        let app = Router::new()
            .route(
                "/api/slow",
                get(move |u: CurrentUser| {
                    let g = Arc::clone(&g);
                    async move {
                        g.notified().await;
                        axum::Json(json!({"ok": true, "email": u.email()}))
                    }
                })
                .route_layer(guard::auth_required().within(std::time::Duration::from_secs(600))),
            )
            .route(
                "/api/readers",
                get(|a: portcullis::Authorized<Readers>| async move {
                    axum::Json(json!({"ok": true, "email": a.user().email}))
                }),
            )
            .route(
                "/api/optional",
                post(|u: Option<CurrentUser>| async move {
                    axum::Json(json!({"signed_in": u.is_some()}))
                }),
            )
            .route(
                "/api/public",
                get(|| async { axum::Json(json!({"ok": true, "public": true})) }),
            )
            .route("/api/protected", get(protected).post(protected))
            .route(
                "/api/admin",
                get(protected).route_layer(guard::roles_required(["admin"])),
            )
            .route(
                "/api/perm",
                get(protected).route_layer(guard::permissions_required(["read"])),
            )
            .route(
                "/api/any-perm",
                get(protected).route_layer(guard::permissions_accepted(["read", "write"])),
            )
            .route(
                "/api/basic",
                get(protected).route_layer(guard::auth_required().mechanisms([Mechanism::Basic])),
            )
            .route(
                "/api/fresh",
                post(protected).route_layer(
                    guard::auth_required().within(std::time::Duration::from_secs(600)),
                ),
            )
            .merge(security.router())
            .layer(security.layer());
        // Writes in tests go through the security's (caching) store, as the flows' do.
        let store = Arc::clone(security.store());
        Self {
            app,
            security,
            clock,
            events,
            store,
            gate,
        }
    }

    pub async fn user(&self, email: &str, password: &str) -> User {
        self.user_with(email, password, true, true).await
    }

    pub async fn user_with(
        &self,
        email: &str,
        password: &str,
        active: bool,
        confirmed: bool,
    ) -> User {
        let hash = self
            .security
            .hash_pool()
            .hash(password.to_owned())
            .await
            .unwrap();
        self.store
            .create_user(NewUser {
                email: email.to_owned(),
                username: None,
                password: Some(hash),
                active,
                confirmed_at: confirmed.then(|| self.security.clock().now()),
                fs_uniquifier: portcullis::core::crypto::random::uniquifier(),
                now: self.security.clock().now(),
            })
            .await
            .unwrap()
    }

    pub async fn grant(&self, user: &User, role: &str, perms: &[&str]) {
        let role = match self.store.role_by_name(role).await.unwrap() {
            Some(r) => r,
            None => self
                .store
                .create_role(
                    role,
                    None,
                    &perms.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>(),
                    self.security.clock().now(),
                )
                .await
                .unwrap(),
        };
        self.store.add_role_to_user(user.id, role.id).await.unwrap();
    }

    pub fn client(&self) -> Client {
        Client {
            app: self.app.clone(),
            cookies: BTreeMap::new(),
            csrf: None,
            peer: None,
        }
    }

    /// A client of `app` (the test app wrapped, say) with this app's state.
    pub fn client_of(&self, app: Router) -> Client {
        Client {
            app,
            cookies: BTreeMap::new(),
            csrf: None,
            peer: None,
        }
    }

    /// A client connecting from `peer` (as `axum::serve` with connect info would report it).
    pub fn client_at(&self, peer: &str) -> Client {
        let mut c = self.client();
        c.peer = Some(std::net::SocketAddr::new(peer.parse().unwrap(), 40000));
        c
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn response(&self) -> &Value {
        &self.json["response"]
    }
    pub fn errors(&self) -> Vec<String> {
        self.json["response"]["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
    pub fn token(&self) -> String {
        self.json["response"]["user"]["authentication_token"]
            .as_str()
            .expect("authentication_token in response")
            .to_owned()
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

/// A browser-ish client: keeps cookies, remembers the last CSRF token it saw.
#[derive(Clone)]
pub struct Client {
    app: Router,
    pub cookies: BTreeMap<String, String>,
    pub csrf: Option<String>,
    pub peer: Option<std::net::SocketAddr>,
}

pub enum Payload<'a> {
    None,
    Json(Value),
    Form(&'a [(&'a str, &'a str)]),
}

impl Client {
    pub async fn send(
        &mut self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        payload: Payload<'_>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            b = b.header("cookie", c.join("; "));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let body = match payload {
            Payload::None => Body::empty(),
            Payload::Json(v) => {
                let s = v.to_string();
                b = b
                    .header("content-type", "application/json")
                    .header("content-length", s.len().to_string());
                Body::from(s)
            }
            Payload::Form(pairs) => {
                let s = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs.iter())
                    .finish();
                b = b
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("content-length", s.len().to_string());
                Body::from(s)
            }
        };
        let mut req = b.body(body).unwrap();
        // As `portcullis::serve` does: every request knows its peer (loopback unless the test
        // says otherwise).
        let peer = self
            .peer
            .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 40000)));
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for sc in headers.get_all("set-cookie") {
            let sc = sc.to_str().unwrap();
            let first = sc.split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            if v.is_empty() || sc.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if let Some(t) = json["response"]["csrf_token"].as_str() {
            self.csrf = Some(t.to_owned());
        }
        Resp {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get_json(&mut self, uri: &str) -> Resp {
        self.send(
            Method::GET,
            uri,
            &[("accept", "application/json")],
            Payload::None,
        )
        .await
    }

    pub async fn get_json_with(&mut self, uri: &str, headers: &[(&str, &str)]) -> Resp {
        let mut h = vec![("accept", "application/json")];
        h.extend_from_slice(headers);
        self.send(Method::GET, uri, &h, Payload::None).await
    }

    /// POST JSON with the remembered CSRF token in `X-XSRF-Token`.
    pub async fn post_json(&mut self, uri: &str, body: Value) -> Resp {
        let csrf = self.csrf.clone();
        let mut h = vec![("accept", "application/json")];
        if let Some(t) = csrf.as_deref() {
            h.push(("x-xsrf-token", t));
        }
        self.send(Method::POST, uri, &h, Payload::Json(body)).await
    }

    /// POST JSON without any CSRF token.
    pub async fn post_json_raw(
        &mut self,
        uri: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> Resp {
        let mut h = vec![("accept", "application/json")];
        h.extend_from_slice(headers);
        self.send(Method::POST, uri, &h, Payload::Json(body)).await
    }

    /// GET /login for a CSRF token and a session cookie, then POST /login.
    pub async fn login(&mut self, email: &str, password: &str) -> Resp {
        self.get_json("/login").await;
        self.post_json(
            "/login?include_auth_token",
            json!({"email": email, "password": password}),
        )
        .await
    }
}

/// A Twilio-style SMS API on loopback that records what it was asked to send.
pub async fn sms_provider() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
) {
    let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = sent.clone();
    let app = axum::Router::new().route(
        "/2010-04-01/Accounts/{sid}/Messages.json",
        axum::routing::post(move |body: String| {
            let log = log.clone();
            async move {
                let form: std::collections::HashMap<String, String> =
                    form_urlencoded::parse(body.as_bytes())
                        .into_owned()
                        .collect();
                log.lock()
                    .unwrap()
                    .push((form["To"].clone(), form["Body"].clone()));
                (StatusCode::CREATED, axum::Json(json!({"sid": "SM1"})))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), sent)
}

/// The `csrf_token` hidden field of an HTML form.
pub fn csrf_field(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

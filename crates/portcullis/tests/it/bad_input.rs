//! Whatever a client sends — any method, path, body, content type, cookie, token or
//! Authorization header — the answer is never a server error, and a JSON client always gets
//! the envelope. A property test over the whole app (every flow on), behind `http::harden`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use proptest::prelude::*;
use tower::ServiceExt;

use crate::common::{TestApp, b64};

const PATHS: &[&str] = &[
    "/login",
    "/logout",
    "/register",
    "/change",
    "/verify",
    "/confirm",
    "/confirm/abc.def",
    "/reset",
    "/reset/abc.def.ghi",
    "/change-email",
    "/tf-setup",
    "/tf-validate",
    "/tf-select",
    "/tf-rescue",
    "/mf-recovery-codes",
    "/mf-recovery",
    "/us-signin",
    "/us-signin/send-code",
    "/us-setup",
    "/us-setup/state",
    "/us-verify",
    "/us-verify-link?id=1&code=2",
    "/auth/check?roles_required=admin",
    "/api/protected",
    "/api/admin",
    "/nowhere",
    "/login?next=//evil.example",
];

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "\\PC{0,200}",
        r#"\{"(email|password|code|identity|passcode|new_password|phone|chosen_method|next)":("[^"]{0,40}"|[0-9]{1,20}|true|null|\[\]|\{\})\}"#,
        "(email|password|code|csrf_token|identity)=[%A-Za-z0-9&=+]{0,60}",
        Just("[1,2,3]".to_owned()),
        Just("{\"email\": {\"$ne\": 1}}".to_owned()),
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("application/json".to_owned())),
        Just(Some("application/x-www-form-urlencoded".to_owned())),
        Just(Some("multipart/form-data; boundary=x".to_owned())),
        Just(Some("text/plain".to_owned())),
        "\\PC{0,30}".prop_map(Some),
    ]
}

fn header_value() -> impl Strategy<Value = Option<String>> {
    prop_oneof![Just(None), "[ -~]{0,80}".prop_map(Some)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_input_gets_a_server_error(
        method in prop::sample::select(vec![Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::HEAD]),
        path in prop::sample::select(PATHS.to_vec()),
        body in body(),
        ct in content_type(),
        cookie in header_value(),
        token in header_value(),
        basic in prop_oneof![Just(None), "\\PC{0,30}".prop_map(|s| Some(format!("Basic {}", b64(&s)))), "[ -~]{0,30}".prop_map(Some)],
        json_client in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let t = app().await;
            let mut b = Request::builder().method(method.clone()).uri(path);
            if json_client {
                b = b.header("accept", "application/json");
            }
            if let Some(ct) = &ct
                && let Ok(v) = axum::http::HeaderValue::from_str(ct)
            {
                b = b.header("content-type", v);
            }
            for (name, value) in [("cookie", &cookie), ("authentication-token", &token), ("authorization", &basic)] {
                if let Some(v) = value
                    && let Ok(v) = axum::http::HeaderValue::from_str(v)
                {
                    b = b.header(name, v);
                }
            }
            let mut req = b.body(Body::from(body.clone())).unwrap();
            req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))));
            let res = t.oneshot(req).await.unwrap();
            let status = res.status();
            let is_json = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.starts_with("application/json"));
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            prop_assert!(
                !status.is_server_error(),
                "{method} {path} ct={ct:?} body={body:?}: {status} {}",
                String::from_utf8_lossy(&bytes)
            );
            if json_client && (status.is_client_error()) && method != Method::HEAD {
                prop_assert!(is_json, "{method} {path}: {status} not enveloped");
                let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                prop_assert_eq!(v["meta"]["code"].as_u64(), Some(u64::from(status.as_u16())));
            }
            Ok(())
        })?;
    }
}

/// The test app with every flow on, wrapped as the server wraps it.
async fn app() -> axum::Router {
    let t = TestApp::new(|c| {
        c.confirmable = true;
        c.recoverable = true;
        c.change_email = true;
        c.two_factor = true;
        c.multi_factor_recovery_codes = true;
        c.unified_signin = true;
        c.us_enabled_methods = vec!["password".into(), "email".into(), "authenticator".into()];
        c.totp_secrets = serde_json::json!({"1": "bad-input-tests-totp-secret"})
            .as_object()
            .cloned()
            .unwrap()
            .into();
        c.csrf_ignore_unauth_endpoints = true;
    })
    .await;
    t.user("ann@example.com", "ann password 1").await;
    portcullis::http::harden(t.app.clone(), &t.security)
}

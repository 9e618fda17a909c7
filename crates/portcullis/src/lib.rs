#![forbid(unsafe_code)]
// Handlers and extractors reject with an axum `Response`, as axum's own rejections do; boxing it
// would only add an allocation on the error path.
#![allow(clippy::result_large_err)]
//! portcullis: Flask-Security-compatible authentication and authorization for axum.
//!
//! A [`Security`] is built from a [`Config`] and a store; [`Security::router`] mounts the
//! Flask-Security endpoints (`/login`, `/register`, `/tf-setup`, ...), [`Security::layer`]
//! authenticates every request (session, token, Basic), and your handlers ask for a
//! [`CurrentUser`] or sit behind a [`guard`]. Serve with [`serve`] so the per-address limit
//! sees client addresses.
//!
//! ```
//! use axum::body::Body;
//! use axum::extract::ConnectInfo;
//! use axum::http::{Request, StatusCode};
//! use axum::{Router, routing::get};
//! use portcullis::{Config, CurrentUser, MemoryStore, NewAccount, Security, guard};
//! use tower::ServiceExt;
//!
//! async fn me(user: CurrentUser) -> String {
//!     user.email().to_owned()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config {
//!     secret_key: Some("a long random secret".to_owned().into()),
//!     password_salt: Some("another long random secret".to_owned().into()),
//!     // This client has no session cookie to carry a CSRF token (Flask-Security's
//!     // SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS); browsers keep the default.
//!     csrf_ignore_unauth_endpoints: true,
//!     ..Config::default()
//! };
//! let security = Security::builder(config, MemoryStore::new()).build()?;
//! let app: Router = Router::new()
//!     .route("/me", get(me))
//!     .route(
//!         "/admin",
//!         get(|| async { "admins only" }).route_layer(guard::roles_required(["admin"])),
//!     )
//!     .merge(security.router())
//!     .layer(security.layer());
//!
//! // The same code path as `/register` and the CLI.
//! security
//!     .accounts()
//!     .create(NewAccount {
//!         email: "ann@example.com".into(),
//!         username: None,
//!         password: "correct horse battery".into(),
//!         active: true,
//!         confirmed: true,
//!     })
//!     .await?
//!     .map_err(|refused| refused.to_string())?;
//!
//! // `portcullis::serve` adds the client address; a test adds it by hand.
//! let peer = ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000)));
//! let login = Request::post("/login?include_auth_token")
//!     .header("content-type", "application/json")
//!     .extension(peer)
//!     .body(Body::from(
//!         r#"{"email": "ann@example.com", "password": "correct horse battery"}"#,
//!     ))?;
//! let res = app.clone().oneshot(login).await?;
//! let status = res.status();
//! let body = axum::body::to_bytes(res.into_body(), 64 * 1024).await?;
//! let body: serde_json::Value = serde_json::from_slice(&body)?;
//! assert_eq!(status, StatusCode::OK, "{body}");
//! let token = body["response"]["user"]["authentication_token"]
//!     .as_str()
//!     .ok_or("no token")?;
//!
//! let ask = |path: &str| {
//!     Request::get(path)
//!         .header("Authentication-Token", token)
//!         .header("accept", "application/json")
//!         .extension(peer)
//!         .body(Body::empty())
//! };
//! let res = app.clone().oneshot(ask("/me")?).await?;
//! assert_eq!(res.status(), StatusCode::OK);
//! let res = app.clone().oneshot(ask("/admin")?).await?;
//! assert_eq!(res.status(), StatusCode::FORBIDDEN);
//! # Ok(())
//! # }
//! ```

mod accounts;
pub mod authz;
mod csrf;
mod error;
pub mod extract;
mod flash;
mod flows;
mod form;
mod hashing;
pub mod http;
pub mod i18n;
mod layer;
mod links;
pub mod mail;
mod messages;
mod metrics;
mod openapi;
mod outbox_file;
mod redirect;
mod respond;
mod security;
mod serve;
mod session;
pub mod sms;
mod view;

pub use accounts::{Accounts, Failure, NewAccount, PasswordReplaced, Refused};
/// Guards (route layers): `guard::roles_required(["admin"])`, ...
pub use authz as guard;
pub use authz::{Authorized, Policy};
pub use error::Error;
pub use extract::CurrentUser;
pub use hashing::HashPool;
pub use layer::{AuthLayer, Identity, RequestAuth};
pub use portcullis_core::config::{Config, Mechanism};
pub use portcullis_core::{self as core, MemoryStore};
pub use security::{BuildError, ClientAddresses, Security, SecurityBuilder};
pub use serve::{ServeOptions, serve_with, shutdown_signal};

/// Serve `app` on `listener` until SIGTERM or SIGINT, with each client's address for the
/// per-address brute-force limit ([`ClientAddresses::Connection`]), the default connection
/// limits and timeouts ([`ServeOptions`]) and a graceful shutdown. [`serve_with`] takes other
/// options and another shutdown signal.
///
/// ```no_run
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
/// portcullis::serve(listener, app).await
/// # }
/// ```
pub async fn serve(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    serve_with(listener, app, ServeOptions::default(), shutdown_signal()).await
}

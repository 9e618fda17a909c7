#![forbid(unsafe_code)]
// Handlers and extractors reject with an axum `Response`, as axum's own rejections do; boxing it
// would only add an allocation on the error path.
#![allow(clippy::result_large_err)]
//! portcullis: Flask-Security-compatible authentication and authorization for axum.
//!
//! ```text
//! let security = Security::builder(Config::from_env()?, store).build()?;
//! let app = Router::new()
//!     .route("/me", get(|user: CurrentUser| async move { user.email().to_owned() }))
//!     .route("/admin", get(admin).route_layer(guard::roles_required(["admin"])))
//!     .merge(security.router())
//!     .layer(security.layer());
//! ```

mod accounts;
pub mod authz;
mod csrf;
mod error;
pub mod extract;
mod flows;
mod form;
mod hashing;
mod layer;
mod links;
pub mod mail;
mod messages;
mod outbox_file;
mod redirect;
mod respond;
mod security;
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

/// Serve `app` on `listener` with connection info, so that the per-address brute-force limit
/// sees each client's address ([`ClientAddresses::Connection`]). The same as
/// `axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())`.
pub async fn serve(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}

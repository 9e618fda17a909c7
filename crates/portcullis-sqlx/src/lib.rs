#![forbid(unsafe_code)]
// Built with only some of the dialects, the others' helpers go unused.
#![cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code, unused_imports, unused_variables)
)]
//! portcullis-sqlx: SQL datastores for portcullis.
//!
//! [`SqliteStore`], [`PgStore`] and [`MySqlStore`] implement every datastore trait of
//! `portcullis-core` with tables that are exactly Flask-Security-Too's `fsqla_v3` ones for that
//! dialect (`user`, `role`, `roles_users`, `web_authn`) plus additive extras (an optional
//! `fs_token_uniquifier` column, lookup indexes, `portcullis_session` and `portcullis_counter`).
//! A database created by Flask-Security opens unchanged. [`connect`] picks the store from the
//! URL's scheme.

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!("portcullis-sqlx needs at least one of the features sqlite, postgres, mysql");

mod convert;
mod db;
mod migrate;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
mod rows;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod server;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;
mod temporary;

use std::sync::Arc;
use std::time::Duration;

use portcullis_core::{SessionData, Store, StoreError};

#[cfg(feature = "mysql")]
pub use mysql::MySqlStore;
#[cfg(feature = "postgres")]
pub use postgres::PgStore;
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub use server::ServerPool;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use store::Datastore;
pub use temporary::{TemporaryDatabase, with_address, with_database};

/// Connection pool settings for the server databases (PostgreSQL, MySQL).
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub max_connections: u32,
    /// How long a request waits for a connection before failing with `Unavailable` (answered
    /// as 503): short, so that a database outage fails fast instead of piling requests up.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
        }
    }
}

/// Open the datastore a URL names: `sqlite://…` (or a path), `postgres://…`/`postgresql://…`,
/// `mysql://…`/`mariadb://…`.
pub async fn connect(url: &str, settings: PoolSettings) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        return Ok(Arc::new(PgStore::connect_with(url, settings).await?));
        #[cfg(not(feature = "postgres"))]
        return Err(not_built(url, "postgres"));
    }
    if url.starts_with("mysql://") || url.starts_with("mariadb://") {
        #[cfg(feature = "mysql")]
        return Ok(Arc::new(MySqlStore::connect_with(url, settings).await?));
        #[cfg(not(feature = "mysql"))]
        return Err(not_built(url, "mysql"));
    }
    #[cfg(feature = "sqlite")]
    return Ok(Arc::new(SqliteStore::connect(url).await?));
    #[cfg(not(feature = "sqlite"))]
    Err(not_built(url, "sqlite"))
}

/// The error for a URL whose dialect this build leaves out.
#[cfg_attr(
    all(feature = "sqlite", feature = "postgres", feature = "mysql"),
    allow(dead_code)
)]
fn not_built(url: &str, feature: &str) -> StoreError {
    StoreError::Backend(format!(
        "{} needs portcullis-sqlx built with the `{feature}` feature",
        redact_url(url)
    ))
}

/// A database URL without its password, for logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

pub(crate) fn session_data_to_db(data: &SessionData) -> Result<String, StoreError> {
    serde_json::to_string(data)
        .map_err(|e| StoreError::Backend(format!("cannot encode session data: {e}")))
}

pub(crate) fn session_data_from_db(text: &str) -> Result<SessionData, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Backend(format!("unreadable session data: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("sqlite://portcullis.db"),
            "sqlite://portcullis.db"
        );
        assert_eq!(
            super::redact_url("postgres://app:s3cret@db:5432/auth"),
            "postgres://app:***@db:5432/auth"
        );
    }
}

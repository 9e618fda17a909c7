#![forbid(unsafe_code)]
//! portcullis-sqlx: SQL datastores for portcullis.
//!
//! [`SqliteStore`], [`PgStore`] and [`MySqlStore`] implement every datastore trait of
//! `portcullis-core` with tables that are exactly Flask-Security-Too's `fsqla_v3` ones for that
//! dialect (`user`, `role`, `roles_users`, `web_authn`) plus additive extras (an optional
//! `fs_token_uniquifier` column, lookup indexes, `portcullis_session` and `portcullis_counter`).
//! A database created by Flask-Security opens unchanged. [`connect`] picks the store from the
//! URL's scheme.

mod convert;
mod db;
mod migrate;
mod mysql;
mod postgres;
mod rows;
mod server;
mod sqlite;
mod store;
mod temporary;

use std::sync::Arc;

use portcullis_core::{SessionData, Store, StoreError};

pub use mysql::MySqlStore;
pub use postgres::PgStore;
pub use server::{PoolSettings, ServerPool};
pub use sqlite::SqliteStore;
pub use store::Datastore;
pub use temporary::{TemporaryDatabase, with_address, with_database};

/// Open the datastore a URL names: `sqlite://…` (or a path), `postgres://…`/`postgresql://…`,
/// `mysql://…`/`mariadb://…`.
pub async fn connect(url: &str, settings: PoolSettings) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect_with(url, settings).await?))
    } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
        Ok(Arc::new(MySqlStore::connect_with(url, settings).await?))
    } else {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    }
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

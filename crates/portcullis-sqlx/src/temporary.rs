//! Throw-away databases on a shared PostgreSQL or MySQL/MariaDB server, for tests: each test
//! makes its own, so parallel and repeated runs never collide, and it is dropped afterwards.

use std::sync::atomic::{AtomicU64, Ordering};

use portcullis_core::StoreError;
use sqlx::Connection;

use crate::convert::map_sqlx;

/// A database created on a server for the life of this value, then dropped (with every
/// connection to it).
#[derive(Debug)]
pub struct TemporaryDatabase {
    admin_url: String,
    url: String,
    name: String,
}

/// Which server a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Postgres,
    MySql,
}

fn dialect(url: &str) -> Result<Dialect, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Dialect::Postgres)
    } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
        Ok(Dialect::MySql)
    } else {
        Err(StoreError::Backend(format!(
            "not a PostgreSQL or MySQL URL: {}",
            crate::redact_url(url)
        )))
    }
}

/// `url` with its database (the path) replaced by `name`; the query string is kept.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// `url` with its host and port replaced by `addr` (to go through a proxy, say); user,
/// password, database and query are kept.
pub fn with_address(url: &str, addr: std::net::SocketAddr) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, _)) => format!("{scheme}://{userinfo}@{addr}{tail}"),
        None => format!("{scheme}://{addr}{tail}"),
    }
}

impl TemporaryDatabase {
    /// Create `portcullis_test_<pid>_<time>_<n>` on the server `admin_url` points at (any
    /// database the user can connect to, e.g. `postgres://postgres@127.0.0.1/test`).
    pub async fn create(admin_url: &str) -> Result<Self, StoreError> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() % 1_000_000_000_000);
        let name = format!(
            "portcullis_test_{}_{}_{}",
            std::process::id(),
            nanos,
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let statement = match dialect(admin_url)? {
            Dialect::Postgres => format!("CREATE DATABASE \"{name}\""),
            Dialect::MySql => {
                format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
            }
        };
        execute(admin_url, &statement).await?;
        Ok(Self {
            admin_url: admin_url.to_owned(),
            url: with_database(admin_url, &name),
            name,
        })
    }

    /// The URL of the new database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn drop_statement(&self) -> Result<String, StoreError> {
        Ok(match dialect(&self.admin_url)? {
            Dialect::Postgres => format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
            Dialect::MySql => format!("DROP DATABASE IF EXISTS `{}`", self.name),
        })
    }
}

async fn execute(url: &str, statement: &str) -> Result<(), StoreError> {
    match dialect(url)? {
        #[cfg(feature = "postgres")]
        Dialect::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await.map_err(map_sqlx)?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(&mut c)
                .await
                .map_err(map_sqlx)?;
            c.close().await.map_err(map_sqlx)
        }
        #[cfg(feature = "mysql")]
        Dialect::MySql => {
            let mut c = sqlx::MySqlConnection::connect(url)
                .await
                .map_err(map_sqlx)?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
                .execute(&mut c)
                .await
                .map_err(map_sqlx)?;
            c.close().await.map_err(map_sqlx)
        }
        #[allow(unreachable_patterns)]
        other => Err(StoreError::Backend(format!(
            "built without the driver for {other:?} (portcullis-sqlx features)"
        ))),
    }
}

impl Drop for TemporaryDatabase {
    fn drop(&mut self) {
        let Ok(statement) = self.drop_statement() else {
            return;
        };
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop cannot await: run the statement on a thread of its own and wait for it, so the
        // database is gone when this returns (even at the end of a test process).
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => rt.block_on(execute(&admin_url, &statement)),
                Err(e) => Err(StoreError::Backend(e.to_string())),
            }
        })
        .join();
        if !matches!(done, Ok(Ok(()))) {
            tracing::warn!(database = %name, "could not drop the temporary database");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::with_database;

    #[test]
    fn database_replaced_in_urls() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306/test?ssl-mode=disabled", "x"),
            "mysql://root@127.0.0.1:3306/x?ssl-mode=disabled"
        );
        assert_eq!(with_database("postgres://u:p@h", "x"), "postgres://u:p@h/x");
        let proxy: std::net::SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(
            super::with_address("postgres://u:p@db:5432/x?sslmode=disable", proxy),
            "postgres://u:p@127.0.0.1:9/x?sslmode=disable"
        );
        assert_eq!(
            super::with_address("redis://127.0.0.1:6379/0", proxy),
            "redis://127.0.0.1:9/0"
        );
    }
}

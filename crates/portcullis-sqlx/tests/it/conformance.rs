//! The store conformance suite, run against every store this crate offers (and the in-memory
//! reference store, so that the suite itself is checked against the reference).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod memory {
    use std::sync::Arc;

    use portcullis_core::{MemoryStore, Store};

    portcullis_core::store_conformance_tests!(async {
        Arc::new(MemoryStore::new()) as Arc<dyn Store>
    });
}

/// SQLite on a temporary file (WAL, a pool of several connections): the real thing.
mod sqlite {
    use std::sync::Arc;

    use portcullis_core::Store;
    use portcullis_sqlx::SqliteStore;

    portcullis_core::store_conformance_tests!(async {
        Arc::new(
            SqliteStore::connect_temporary()
                .await
                .expect("open a temporary SQLite database"),
        ) as Arc<dyn Store>
    });
}

/// SQLite in memory (a single connection).
mod sqlite_memory {
    use std::sync::Arc;

    use portcullis_core::Store;
    use portcullis_sqlx::SqliteStore;

    portcullis_core::store_conformance_tests!(async {
        Arc::new(
            SqliteStore::connect_memory()
                .await
                .expect("open an in-memory SQLite database"),
        ) as Arc<dyn Store>
    });
}

/// The read-through cache portcullis puts in front of every store must keep the semantics.
mod cached_sqlite {
    use std::sync::Arc;
    use std::time::Duration;

    use portcullis_core::Store;
    use portcullis_core::store::CachedStore;
    use portcullis_sqlx::SqliteStore;

    portcullis_core::store_conformance_tests!(async {
        let inner = Arc::new(
            SqliteStore::connect_temporary()
                .await
                .expect("open a temporary SQLite database"),
        ) as Arc<dyn Store>;
        Arc::new(CachedStore::new(inner, Duration::from_secs(60), 1000)) as Arc<dyn Store>
    });
}

/// PostgreSQL: a database of its own per test on the server `PORTCULLIS_TEST_POSTGRES_URL`
/// names, dropped afterwards.
#[cfg(feature = "postgres")]
mod postgres {
    use std::sync::Arc;

    use portcullis_core::Store;
    use portcullis_sqlx::PgStore;

    portcullis_core::store_conformance_tests!(env "PORTCULLIS_TEST_POSTGRES_URL", |url: String| async move {
        Arc::new(
            PgStore::connect_temporary(&url)
                .await
                .expect("create a temporary PostgreSQL database"),
        ) as Arc<dyn Store>
    });
}

/// MySQL/MariaDB: a database of its own per test on the server `PORTCULLIS_TEST_MYSQL_URL`
/// names, dropped afterwards.
#[cfg(feature = "mysql")]
mod mysql {
    use std::sync::Arc;

    use portcullis_core::Store;
    use portcullis_sqlx::MySqlStore;

    portcullis_core::store_conformance_tests!(env "PORTCULLIS_TEST_MYSQL_URL", |url: String| async move {
        Arc::new(
            MySqlStore::connect_temporary(&url)
                .await
                .expect("create a temporary MySQL database"),
        ) as Arc<dyn Store>
    });
}

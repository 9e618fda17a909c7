//! The integration tests of portcullis-sqlx, one binary (modules below).

mod conformance;
mod flask_security_db;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(all(feature = "postgres", feature = "mysql"))]
mod shared_database;
mod sqlite;

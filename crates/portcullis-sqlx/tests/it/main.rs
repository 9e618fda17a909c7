//! The integration tests of portcullis-sqlx, one binary (modules below).

mod conformance;
mod flask_security_db;
mod mysql;
mod shared_database;
mod sqlite;

#![forbid(unsafe_code)]
//! The axum-login peer for `bench/run.sh`, written the way axum-login's own SQLite example
//! is: users in SQLite (sqlx), sessions in SQLite (tower-sessions-sqlx-store), passwords
//! with `password-auth` (argon2), `login_required!` in front of the protected route.
//!
//!   axum-login-peer seed  <db> <users>
//!   axum-login-peer serve <db> <bind>
//!
//! Endpoints: `POST /login` (JSON `{"email","password"}`, sets the session cookie `id`),
//! `GET /api/protected` (the session's user as JSON; 401 without one), `GET /api/public`.

use axum::extract::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use axum_login::{AuthManagerLayerBuilder, AuthSession, AuthUser, AuthnBackend, UserId, login_required};
use serde::Deserialize;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone, sqlx::FromRow)]
struct User {
    id: i64,
    email: String,
    password: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User").field("id", &self.id).field("email", &self.email).finish()
    }
}

impl AuthUser for User {
    type Id = i64;
    fn id(&self) -> i64 {
        self.id
    }
    fn session_auth_hash(&self) -> &[u8] {
        // A password change ends the user's sessions.
        self.password.as_bytes()
    }
}

#[derive(Clone, Deserialize)]
struct Credentials {
    email: String,
    password: String,
}

#[derive(Clone)]
struct Backend {
    db: SqlitePool,
}

#[derive(Debug)]
struct BackendError(String);
impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for BackendError {}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = Credentials;
    type Error = BackendError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<User>, BackendError> {
        let user: Option<User> = sqlx::query_as("select * from users where email = ?")
            .bind(creds.email)
            .fetch_optional(&self.db)
            .await
            .map_err(|e| BackendError(e.to_string()))?;
        // Hashing off the async runtime, as axum-login's example does.
        tokio::task::spawn_blocking(move || {
            Ok(user.filter(|u| password_auth::verify_password(creds.password, &u.password).is_ok()))
        })
        .await
        .map_err(|e| BackendError(e.to_string()))?
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<User>, BackendError> {
        sqlx::query_as("select * from users where id = ?")
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .map_err(|e| BackendError(e.to_string()))
    }
}

async fn login(mut auth: AuthSession<Backend>, Json(creds): Json<Credentials>) -> impl IntoResponse {
    match auth.authenticate(creds).await {
        Ok(Some(user)) => match auth.login(&user).await {
            Ok(()) => (StatusCode::OK, Json(serde_json::json!({"meta": {"code": 200}}))),
            Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({}))),
        },
        Ok(None) => (StatusCode::BAD_REQUEST, Json(serde_json::json!({"meta": {"code": 400}}))),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({}))),
    }
}

async fn protected(auth: AuthSession<Backend>) -> impl IntoResponse {
    match auth.user {
        Some(u) => Json(serde_json::json!({"ok": true, "email": u.email})).into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn pool(db: &str) -> Result<SqlitePool, BoxError> {
    let options = SqliteConnectOptions::new()
        .filename(db)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    Ok(SqlitePoolOptions::new().connect_with(options).await?)
}

async fn seed(db: &str, users: u64) -> Result<(), BoxError> {
    let db = pool(db).await?;
    sqlx::query(
        "create table if not exists users (id integer primary key, email text not null unique, password text not null)",
    )
    .execute(&db)
    .await?;
    let hash = password_auth::generate_hash("bench password 1");
    let mut tx = db.begin().await?;
    sqlx::query("insert or ignore into users (email, password) values (?, ?)")
        .bind("bench@example.com")
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    for i in 1..users {
        sqlx::query("insert or ignore into users (email, password) values (?, ?)")
            .bind(format!("user{i}@example.com"))
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn serve(db: &str, bind: &str) -> Result<(), BoxError> {
    let db = pool(db).await?;
    let sessions = SqliteStore::new(db.clone());
    sessions.migrate().await?;
    let session_layer = SessionManagerLayer::new(sessions)
        .with_secure(false)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(1)));
    let auth_layer = AuthManagerLayerBuilder::new(Backend { db }, session_layer).build();
    let app = Router::new()
        .route("/api/protected", get(protected))
        .route_layer(login_required!(Backend))
        .route("/api/public", get(|| async { Json(serde_json::json!({"ok": true, "public": true})) }))
        .route("/login", post(login))
        .layer(auth_layer);
    let listener = tokio::net::TcpListener::bind(bind).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [_, "seed", db, users] => seed(db, users.parse()?).await,
        [_, "serve", db, bind] => serve(db, bind).await,
        _ => Err("usage: axum-login-peer seed <db> <users> | serve <db> <bind>".into()),
    }
}

#![forbid(unsafe_code)]
//! Servers and helpers for `bench/run.sh`:
//!
//! - `serve bare`: a bare axum "hello" (the physical limit of the HTTP stack here);
//! - `serve portcullis`: portcullis over SQLite with the same endpoints as the Flask-Security
//!   peer (`bench/flask/app.py`): `/api/public`, `/api/protected` (token or session),
//!   `/api/admin` (role `admin`), `/auth/check`, `/login`;
//! - `seed`: users, roles and live sessions in a database, through the datastore traits;
//! - `argon2`: the time of one argon2 verification with Flask-Security's default parameters.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::routing::get;
use axum::{Json, Router};
use clap::{Parser, Subcommand, ValueEnum};
use portcullis::{Config, CurrentUser, Security, guard};
use portcullis_core::crypto::password::{PasswordConfig, PasswordHasher};
use portcullis_core::crypto::random;
use portcullis_core::{Clock, NewUser, SessionData, SessionRecord, Store, SystemClock};
use portcullis_sqlx::SqliteStore;
use serde_json::json;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Bare,
    Portcullis,
}

#[derive(Subcommand)]
enum Command {
    /// Run a server until killed.
    Serve {
        kind: Kind,
        #[arg(long, default_value = "127.0.0.1:18080")]
        bind: String,
        /// SQLite database (portcullis only).
        #[arg(long, default_value = "bench.db")]
        db: String,
        /// Concurrent password hashes (0 = number of CPUs).
        #[arg(long, default_value_t = 0)]
        hashing_pool: usize,
    },
    /// Create the bench user (admin), `users` users in all and `sessions` live sessions.
    Seed {
        #[arg(long, default_value = "bench.db")]
        db: String,
        #[arg(long, default_value_t = 1000)]
        users: u64,
        #[arg(long, default_value_t = 100)]
        sessions: u64,
    },
    /// Median time of one argon2 verification (Flask-Security's defaults), in milliseconds.
    Argon2 {
        #[arg(long, default_value_t = 9)]
        samples: usize,
    },
}

pub const BENCH_EMAIL: &str = "bench@example.com";
pub const BENCH_PASSWORD: &str = "bench password 1";

fn config() -> Config {
    Config {
        secret_key: Some("bench-secret-key".to_owned().into()),
        password_salt: Some("bench-password-salt".to_owned().into()),
        trackable: true,
        csrf_ignore_unauth_endpoints: true,
        token_max_age: portcullis_core::config::Duration::hours(2),
        ..Config::default()
    }
}

async fn store(db: &str) -> Result<Arc<dyn Store>, BoxError> {
    Ok(Arc::new(
        SqliteStore::connect(&format!("sqlite://{db}")).await?,
    ))
}

fn app_portcullis(security: &Security) -> Router {
    Router::new()
        .route(
            "/api/public",
            get(|| async { Json(json!({"ok": true, "public": true})) }),
        )
        .route(
            "/api/protected",
            get(|u: CurrentUser| async move { Json(json!({"ok": true, "email": u.email()})) }),
        )
        .route(
            "/api/admin",
            get(|u: CurrentUser| async move {
                Json(json!({"ok": true, "email": u.email(), "role": "admin"}))
            })
            .route_layer(guard::roles_required(["admin"])),
        )
        .merge(security.router())
        .layer(security.layer())
}

fn app_bare() -> Router {
    Router::new().route(
        "/api/public",
        get(|| async { Json(json!({"ok": true, "public": true})) }),
    )
}

async fn serve(kind: Kind, bind: &str, db: &str, pool: usize) -> Result<(), BoxError> {
    let app = match kind {
        Kind::Bare => app_bare(),
        Kind::Portcullis => {
            let c = Config {
                hashing_pool_size: pool,
                ..config()
            };
            let security = Security::builder_arc(c, store(db).await?).build()?;
            app_portcullis(&security)
        }
    };
    let listener = tokio::net::TcpListener::bind(bind).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}

async fn seed(db: &str, users: u64, sessions: u64) -> Result<(), BoxError> {
    let store = store(db).await?;
    let c = config();
    let hasher = PasswordHasher::new(c.password_config()?)?;
    let hash = hasher.hash(BENCH_PASSWORD)?;
    let now = SystemClock.now();
    let started = Instant::now();
    let bench = match store.user_by_email(BENCH_EMAIL).await? {
        Some(u) => u,
        None => {
            store
                .create_user(NewUser {
                    email: BENCH_EMAIL.into(),
                    username: None,
                    password: Some(hash.clone()),
                    active: true,
                    confirmed_at: Some(now),
                    fs_uniquifier: random::uniquifier(),
                    now,
                })
                .await?
        }
    };
    let admin = match store.role_by_name("admin").await? {
        Some(r) => r,
        None => {
            store
                .create_role("admin", None, &["read".into(), "write".into()], now)
                .await?
        }
    };
    store.add_role_to_user(bench.id, admin.id).await?;
    let have = store.count_users().await?;
    for i in have..users {
        // One hash for all: the database's size is what matters here, not 100,000 argon2 runs.
        store
            .create_user(NewUser {
                email: format!("user{i}@example.com"),
                username: None,
                password: Some(hash.clone()),
                active: true,
                confirmed_at: Some(now),
                fs_uniquifier: random::uniquifier(),
                now,
            })
            .await?;
    }
    let live = store.count_sessions(SystemClock.unix()).await?;
    for _ in live..sessions {
        store
            .create_session(&SessionRecord {
                id_hash: random::token_hex(32),
                user_uniquifier: Some(bench.fs_uniquifier.clone()),
                data: SessionData {
                    fs_paa: Some(SystemClock.unix_f64()),
                    ..SessionData::default()
                },
                expires_at: SystemClock.unix() + 86_400,
            })
            .await?;
    }
    println!(
        "{}",
        json!({
            "users": store.count_users().await?,
            "sessions": store.count_sessions(SystemClock.unix()).await?,
            "seconds": started.elapsed().as_secs_f64(),
        })
    );
    Ok(())
}

fn argon2(samples: usize) -> Result<(), BoxError> {
    let hasher = PasswordHasher::new(PasswordConfig {
        salt: Some("bench-password-salt".to_owned().into()),
        ..PasswordConfig::default()
    })?;
    let stored = hasher.hash(BENCH_PASSWORD)?;
    let mut times: Vec<f64> = (0..samples.max(1))
        .map(|_| {
            let t = Instant::now();
            let ok = hasher.verify(BENCH_PASSWORD, &stored).is_valid();
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if ok { ms } else { f64::NAN }
        })
        .collect();
    if times.iter().any(|t| t.is_nan()) {
        return Err("argon2 verification failed".into());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{}",
        json!({"median_ms": times[times.len() / 2], "samples": times.len(), "params": "m=65536,t=3,p=4"})
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve {
            kind,
            bind,
            db,
            hashing_pool,
        } => serve(kind, &bind, &db, hashing_pool).await,
        Command::Seed {
            db,
            users,
            sessions,
        } => seed(&db, users, sessions).await,
        Command::Argon2 { samples } => argon2(samples),
    }
}

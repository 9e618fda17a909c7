#![forbid(unsafe_code)]
//! Servers and helpers for `bench/run.sh`:
//!
//! - `serve bare`: a bare axum "hello" (the physical limit of the HTTP stack here);
//! - `serve portcullis`: portcullis over SQLite with the same endpoints as the Flask-Security
//!   peer (`bench/flask/app.py`): `/api/public`, `/api/protected` (token or session),
//!   `/api/admin` (role `admin`), `/auth/check`, `/login`;
//! - `seed`: the bench user (role `admin`) through the datastore traits, then users and live
//!   sessions in bulk (one SQLite transaction each; the session ids go to `--session-ids` for
//!   wrk's `sessions.lua`);
//! - `argon2`: the time of one argon2 verification with Flask-Security's default parameters;
//! - `revocation`: how long after a logout (or `portcullis users reset-access`) on one instance
//!   every instance refuses the old session.
//!
//! `serve portcullis` is an axum app using the library the way the README shows
//! (`portcullis::http::secure`: auth layer, request logs, metrics, security headers), with
//! request logs at `info` on standard error (through a writer thread, as the server does).

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

mod revocation;
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
        /// A SQLite path, or a `postgres://` URL (bench user only).
        #[arg(long, default_value = "bench.db")]
        db: String,
        #[arg(long, default_value_t = 1000)]
        users: u64,
        #[arg(long, default_value_t = 100)]
        sessions: u64,
        /// Write the new sessions' cookie values here, one per line.
        #[arg(long)]
        session_ids: Option<String>,
    },
    /// Time until every instance refuses a revoked session: log in on the first, warm every
    /// instance's cache, revoke on the first, poll all. Prints one JSON line.
    Revocation {
        /// Base URLs, comma-separated (`http://127.0.0.1:18201,...`).
        #[arg(long)]
        instances: String,
        #[arg(long, default_value_t = 10)]
        rounds: usize,
        /// `logout` (POST /logout on the first instance) or `reset-access` (run `--cli`).
        #[arg(long, default_value = "logout")]
        how: String,
        /// The `portcullis` binary (for `reset-access`; its environment is inherited).
        #[arg(long, default_value = "portcullis")]
        cli: String,
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
    if db.starts_with("postgres://") {
        return Ok(Arc::new(portcullis_sqlx::PgStore::connect(db).await?));
    }
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
            portcullis::http::secure(app_portcullis(&security), &security)
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

async fn seed(
    db: &str,
    users: u64,
    sessions: u64,
    session_ids: Option<String>,
) -> Result<(), BoxError> {
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
    if db.starts_with("postgres://") {
        println!("{}", json!({"users": store.count_users().await?}));
        return Ok(());
    }
    // Bulk: one transaction per table, the rows the store writes (one hash for all users: the
    // database's size is what matters here, not a million argon2 runs).
    let sqlite = SqliteStore::connect(&format!("sqlite://{db}")).await?;
    let pool = sqlite.pool();
    let have = store.count_users().await?;
    let mut tx = pool.begin().await?;
    let stamp = time::OffsetDateTime::now_utc();
    for i in have..users {
        let email = format!("user{i}@example.com");
        sqlx::query(
            "INSERT INTO \"user\" (email, password, active, fs_uniquifier, confirmed_at, \
             create_datetime, update_datetime, portcullis_email_key) \
             VALUES (?1, ?2, 1, ?3, ?4, ?4, ?4, ?1)",
        )
        .bind(&email)
        .bind(&hash)
        .bind(random::uniquifier())
        .bind(stamp)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    // One session through the store, to copy its `data` column exactly.
    let probe = SessionRecord {
        id_hash: random::token_hex(32),
        user_uniquifier: Some(bench.fs_uniquifier.clone()),
        data: SessionData {
            fs_paa: Some(SystemClock.unix_f64()),
            ..SessionData::default()
        },
        expires_at: SystemClock.unix() + 86_400,
    };
    store.create_session(&probe).await?;
    let data: String = sqlx::query_scalar("SELECT data FROM portcullis_session WHERE id_hash = ?1")
        .bind(&probe.id_hash)
        .fetch_one(pool)
        .await?;
    let live = store.count_sessions(SystemClock.unix()).await?;
    let mut ids = String::new();
    let mut tx = pool.begin().await?;
    for _ in live..sessions {
        let id = random::url_token(32);
        sqlx::query(
            "INSERT INTO portcullis_session (id_hash, user_uniquifier, data, expires_at) \
             VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(sha256_hex(&id))
        .bind(&bench.fs_uniquifier)
        .bind(&data)
        .bind(SystemClock.unix() + 86_400)
        .execute(&mut *tx)
        .await?;
        ids.push_str(&id);
        ids.push('\n');
    }
    tx.commit().await?;
    if let Some(path) = session_ids {
        std::fs::write(path, ids)?;
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

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
    let cli = Cli::parse();
    // Request logs on for the servers, as in production: `info`, through a writer thread.
    let level = if matches!(cli.command, Command::Serve { .. }) {
        "info"
    } else {
        "warn"
    };
    let (writer, _guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::BufWriter::new(std::io::stderr()));
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .with_ansi(false)
        .with_writer(writer)
        .init();
    match cli.command {
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
            session_ids,
        } => seed(&db, users, sessions, session_ids).await,
        Command::Revocation {
            instances,
            rounds,
            how,
            cli,
        } => {
            let bases: Vec<String> = instances.split(',').map(str::to_owned).collect();
            tokio::task::spawn_blocking(move || revocation::run(&bases, rounds, &how, &cli)).await?
        }
        Command::Argon2 { samples } => argon2(samples),
    }
}

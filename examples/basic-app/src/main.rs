//! Run with: cargo run -p example-basic-app
//!
//! Serves the example on http://127.0.0.1:3000 (`PORT` overrides the port), storing users in
//! `./example.db`. Sign in as one of the demo users printed at start-up.

use std::net::SocketAddr;

use example_basic_app::{BoxError, app, config, seed};
use portcullis::Security;
use portcullis_sqlx::SqliteStore;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();

    let config = config()?;
    let store = SqliteStore::connect("sqlite://example.db").await?;
    let security = Security::builder(config, store).build()?;
    seed(&security).await?;

    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().map_err(|e| format!("PORT={p:?}: {e}"))?,
        Err(_) => 3000,
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{addr}");
    axum::serve(
        listener,
        app(&security).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

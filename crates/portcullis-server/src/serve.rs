//! `portcullis serve`.

use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;
use portcullis::Security;

use crate::commands::CliError;

pub async fn serve(security: Security) -> Result<(), CliError> {
    let config = security.config().clone();
    let app: Router = Router::new()
        .route("/", get(|| async { "portcullis" }))
        .merge(security.router())
        .layer(security.layer());

    // Expired sessions are removed in the background.
    let store = security.store().clone();
    let clock_security = security.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            match store
                .delete_expired_sessions(clock_security.clock().unix())
                .await
            {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session cleanup failed"),
            }
        }
    });

    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .map_err(|e| CliError::Runtime(format!("cannot listen on {}: {e}", config.bind)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::Runtime(e.to_string()))?;
    tracing::info!(
        "portcullis listening on http://{addr} (database {}; sessions and counters in {})",
        portcullis_sqlx::redact_url(&config.database_url),
        config
            .redis_url
            .as_deref()
            .map_or_else(|| "the database".to_owned(), portcullis_sqlx::redact_url)
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| CliError::Runtime(e.to_string()))
}

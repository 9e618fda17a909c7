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
        "portcullis listening on http://{addr} (database {})",
        redact_url(&config.database_url)
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

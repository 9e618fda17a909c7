//! `portcullis serve`.

use axum::Router;
use axum::routing::get;
use portcullis::Security;

use crate::commands::CliError;

/// Where `serve` sends mail: the SMTP server of `smtp_url` (Security's default mailer), else
/// the `mail_outbox` directory, so a development server needs no mail set-up and its links can
/// be read from the files. Returns the outbox mailer to give the builder (none for SMTP) and
/// the line to log at startup (no password in it).
pub fn mail_destination(
    config: &portcullis::Config,
) -> (Option<portcullis::mail::OutboxMailer>, String) {
    if let Some(url) = &config.smtp_url {
        return (
            None,
            format!("mail goes to {}", portcullis::mail::redact_url(url)),
        );
    }
    let dir = std::path::absolute(&config.mail_outbox)
        .unwrap_or_else(|_| std::path::PathBuf::from(&config.mail_outbox));
    let line = format!(
        "mail goes to the outbox directory {} until PORTCULLIS_SMTP_URL is set",
        dir.display()
    );
    (Some(portcullis::mail::OutboxMailer::new(dir)), line)
}

/// Where `serve` sends text messages: with `sms_service = "outbox"` (the default) the
/// `sms_outbox` directory, so a development server needs no SMS account and its one-time codes
/// can be read from the files; else Security's default sender (`twilio`: the API, `log`: the
/// log). Returns the outbox sender to give the builder (none otherwise) and the line to log at
/// startup (no token in it).
pub fn sms_destination(
    config: &portcullis::Config,
) -> (Option<portcullis::sms::OutboxSms>, String) {
    if config.sms_service.eq_ignore_ascii_case("twilio") {
        let base = config
            .sms_service_config
            .expose()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("BASE_URL"))
            .and_then(|(_, v)| v.as_str())
            .unwrap_or(portcullis::sms::TwilioSms::DEFAULT_BASE_URL);
        return (
            None,
            format!("SMS go to {}", portcullis::mail::redact_url(base)),
        );
    }
    if config.sms_service.eq_ignore_ascii_case("log") {
        return (
            None,
            "SMS are logged, not sent (SECURITY_SMS_SERVICE = log)".to_owned(),
        );
    }
    let dir = std::path::absolute(&config.sms_outbox)
        .unwrap_or_else(|_| std::path::PathBuf::from(&config.sms_outbox));
    let line = format!(
        "SMS go to the outbox directory {} until SECURITY_SMS_SERVICE is set",
        dir.display()
    );
    (Some(portcullis::sms::OutboxSms::new(dir)), line)
}

/// The enabled features, for the start-up log.
fn features(config: &portcullis::Config) -> String {
    let mut on: Vec<&str> = Vec::new();
    for (enabled, name) in [
        (config.registerable, "register"),
        (config.confirmable, "confirm"),
        (config.recoverable, "reset"),
        (config.changeable, "change"),
        (config.change_email, "change-email"),
        (config.trackable, "tracking"),
        (config.two_factor, "two-factor"),
        (config.unified_signin, "unified-signin"),
        (config.username_enable, "usernames"),
        (config.return_generic_responses, "generic-responses"),
        (config.metrics, "metrics"),
    ] {
        if enabled {
            on.push(name);
        }
    }
    if on.is_empty() {
        "sign-in only".to_owned()
    } else {
        on.join(", ")
    }
}

/// The connection limits and timeouts of the configuration.
pub fn serve_options(config: &portcullis::Config) -> portcullis::ServeOptions {
    let secs = |d: portcullis_core::config::Duration| {
        std::time::Duration::from_secs(d.as_secs().unsigned_abs())
    };
    portcullis::ServeOptions {
        header_read_timeout: secs(config.header_read_timeout),
        keep_alive_timeout: secs(config.keep_alive_timeout),
        request_timeout: secs(config.request_timeout),
        max_connections: config.max_connections,
        shutdown_grace: secs(config.shutdown_grace),
        max_head_bytes: config.max_header_bytes.saturating_mul(4).max(64 * 1024),
    }
}

pub async fn serve(security: Security) -> Result<(), CliError> {
    let config = security.config().clone();
    // The server has no pages of its own: its home is the account page (which sends a visitor
    // who is not signed in to the sign-in page).
    let home = config.account_url.clone();
    let app: Router = Router::new()
        .route(
            "/",
            get(move || async move { axum::response::Redirect::to(&home) }),
        )
        .merge(security.router())
        .merge(security.ops_router());
    let app = portcullis::http::secure(app, &security);

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
    if let (true, Some(bind)) = (config.metrics, &config.metrics_bind) {
        let metrics = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| CliError::Runtime(format!("cannot listen on {bind}: {e}")))?;
        tracing::info!("metrics on http://{bind}/metrics");
        let app = security.metrics_router();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics, app).await {
                tracing::error!(error = %e, "metrics listener failed");
            }
        });
    }
    tracing::info!(
        "portcullis listening on http://{addr} (database {}; sessions and counters in {})",
        portcullis_sqlx::redact_url(&config.database_url),
        config
            .redis_url
            .as_deref()
            .map_or_else(|| "the database".to_owned(), portcullis_sqlx::redact_url)
    );
    tracing::info!(features = %features(&config), "enabled");
    let options = serve_options(&config);
    let grace = options.shutdown_grace;
    portcullis::serve_with(listener, app, options, portcullis::shutdown_signal())
        .await
        .map_err(|e| CliError::Runtime(e.to_string()))?;
    // Mail queued by requests that were answered (generic mode sends after answering).
    if security.drain(grace).await {
        tracing::info!("stopped");
    } else {
        tracing::warn!("stopped with mail still being sent");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_goes_to_the_outbox_until_smtp_is_set() {
        let config = portcullis::Config::default();
        let (outbox, line) = mail_destination(&config);
        let outbox = outbox.unwrap();
        assert!(outbox.dir().is_absolute());
        assert!(outbox.dir().ends_with("outbox/mail"));
        assert!(line.contains(&outbox.dir().display().to_string()), "{line}");
        assert!(line.contains("PORTCULLIS_SMTP_URL"), "{line}");

        let config = portcullis::Config {
            smtp_url: Some("smtps://me:s3cret@mail.example.com".into()),
            ..portcullis::Config::default()
        };
        let (outbox, line) = mail_destination(&config);
        assert!(outbox.is_none());
        assert_eq!(line, "mail goes to smtps://me:***@mail.example.com");
    }

    #[test]
    fn sms_go_to_the_outbox_until_a_service_is_set() {
        let config = portcullis::Config::default();
        let (outbox, line) = sms_destination(&config);
        let outbox = outbox.unwrap();
        assert!(outbox.dir().is_absolute());
        assert!(outbox.dir().ends_with("outbox/sms"));
        assert_eq!(
            line,
            format!(
                "SMS go to the outbox directory {} until SECURITY_SMS_SERVICE is set",
                outbox.dir().display()
            )
        );

        let config = portcullis::Config {
            sms_service: "log".into(),
            ..portcullis::Config::default()
        };
        let (outbox, line) = sms_destination(&config);
        assert!(outbox.is_none());
        assert!(line.contains("logged"), "{line}");

        let mut sms_service_config = serde_json::Map::new();
        sms_service_config.insert("AUTH_TOKEN".into(), "tok-s3cret".into());
        let config = portcullis::Config {
            sms_service: "Twilio".into(),
            sms_service_config: sms_service_config.into(),
            ..portcullis::Config::default()
        };
        let (outbox, line) = sms_destination(&config);
        assert!(outbox.is_none());
        assert_eq!(line, "SMS go to https://api.twilio.com");
        assert!(!line.contains("tok-s3cret"));
    }
}

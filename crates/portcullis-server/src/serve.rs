//! `portcullis serve`.

use std::net::SocketAddr;

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

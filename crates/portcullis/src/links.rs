//! Where links point: mailed links are built from the configured external base URL
//! (`PORTCULLIS_EXTERNAL_URL`), never from the request's `Host` header, so a forged Host cannot
//! send a user's reset link to an attacker's site; single-page-app redirects
//! (`redirect_behavior = "spa"`) go to the configured views with query parameters.

use portcullis_core::config::Config;

/// The external base URL without a trailing slash: `external_url`, else `http://<bind>`.
pub(crate) fn base_url(config: &Config) -> String {
    match &config.external_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => format!("http://{}", config.bind),
    }
}

/// An absolute link to one of our paths (`/reset/<token>`).
pub(crate) fn absolute(config: &Config, path: &str) -> String {
    format!("{}{}", base_url(config), path)
}

/// `view` with `params` appended as a query string (and, with `redirect_host`, on that host),
/// as Flask-Security's `get_url(view, qparams)` makes SPA redirects.
pub(crate) fn with_query(config: &Config, view: &str, params: &[(&str, &str)]) -> String {
    let mut url = match &config.redirect_host {
        Some(host) => match view.split_once("://") {
            // An absolute view keeps its scheme; its host is replaced.
            Some((scheme, rest)) => {
                let path = rest.find('/').map_or("", |i| &rest[i..]);
                format!("{scheme}://{host}{path}")
            }
            None => format!("//{host}{view}"),
        },
        None => view.to_owned(),
    };
    if !params.is_empty() {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&query);
    }
    url
}

/// Whether email links answer with SPA redirects.
pub(crate) fn spa(config: &Config) -> bool {
    config.redirect_behavior.as_deref() == Some("spa")
}

/// A duration in words, as Flask-Security renders `%(within)s` ("2 days", "1 hour and
/// 30 minutes"), in the request's language (catalog ids `duration-*`).
pub(crate) fn humanize(secs: i64) -> String {
    let units = [
        (86_400, "duration-day"),
        (3600, "duration-hour"),
        (60, "duration-minute"),
        (1, "duration-second"),
    ];
    let mut left = secs.max(0);
    let mut parts = Vec::new();
    for (size, id) in units {
        let n = left / size;
        left %= size;
        if n > 0 {
            parts.push(crate::i18n::text_of(id, &[("n", &n.to_string())]));
        }
    }
    match parts.len() {
        0 => crate::i18n::text_of("duration-second", &[("n", "0")]),
        1 => parts.remove(0),
        _ => {
            let last = parts.pop().unwrap_or_default();
            crate::i18n::text_of(
                "duration-list",
                &[("rest", &parts.join(", ")), ("last", &last)],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_durations() {
        assert_eq!(humanize(2 * 86_400), "2 days");
        assert_eq!(humanize(86_400), "1 day");
        assert_eq!(humanize(2 * 3600), "2 hours");
        assert_eq!(humanize(5400), "1 hour and 30 minutes");
        assert_eq!(humanize(90_061), "1 day, 1 hour, 1 minute and 1 second");
    }

    #[test]
    fn spa_urls() {
        let mut c = Config::default();
        assert_eq!(
            with_query(
                &c,
                "/confirmed",
                &[("success", "Thank you."), ("email", "a@b.c")]
            ),
            "/confirmed?success=Thank+you.&email=a%40b.c"
        );
        c.redirect_host = Some("localhost:8081".into());
        assert_eq!(
            with_query(&c, "/reset-view", &[("token", "t")]),
            "//localhost:8081/reset-view?token=t"
        );
        assert_eq!(
            with_query(&c, "https://app.example/x?y=1", &[("token", "t")]),
            "https://localhost:8081/x?y=1&token=t"
        );
        c.external_url = Some("https://auth.example.com/".into());
        assert_eq!(absolute(&c, "/reset/t"), "https://auth.example.com/reset/t");
        c.external_url = None;
        c.bind = "127.0.0.1:9000".into();
        assert_eq!(
            absolute(&c, "/confirm/t"),
            "http://127.0.0.1:9000/confirm/t"
        );
    }
}

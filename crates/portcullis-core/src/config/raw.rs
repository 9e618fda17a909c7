//! Reading configuration: a TOML file whose keys are Flask-Security's names in lower case,
//! overridden by environment variables with Flask-Security's names (`SECURITY_<KEY>`), plus
//! `SECRET_KEY`, `SECRET_KEY_FALLBACKS` and the `PORTCULLIS_*` settings.

use std::path::Path;

use serde_json::{Map, Value};

use super::{Config, Duration};

/// What a configuration error names.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {message}")]
    File {
        /// File path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The file is not valid TOML.
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax {
        /// File path.
        path: String,
        /// Parser message.
        message: String,
    },
    /// A key nobody knows.
    #[error("unknown configuration key {key:?}{}", suggestion.as_ref().map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default())]
    UnknownKey {
        /// The key as written.
        key: String,
        /// A close known key.
        suggestion: Option<String>,
    },
    /// A value of the wrong shape.
    #[error("invalid value for {key}: {message}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A required setting is absent.
    #[error("missing required setting {0}")]
    Missing(&'static str),
}

/// The type of a setting, which decides how an environment variable's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `true`/`false`/`1`/`0`/`yes`/`no`.
    Bool,
    /// A non-negative integer.
    Int,
    /// Text.
    Str,
    /// Text or absent.
    OptStr,
    /// Comma-separated list or JSON array.
    List,
    /// JSON object.
    Map,
    /// Seconds or `15m`/`2h`/`2d`.
    Duration,
    /// `true`/`false` or a list.
    BoolOrList,
    /// `true`/`false` or a word.
    BoolOrStr,
}

/// Every key: (toml key, kind). Environment name: `SECURITY_<KEY>` except the keys listed in
/// [`env_name`].
pub const KEYS: &[(&str, KeyKind)] = &[
    ("secret_key", KeyKind::OptStr),
    ("secret_key_fallbacks", KeyKind::List),
    ("database_url", KeyKind::Str),
    ("database_pool_size", KeyKind::Int),
    ("database_timeout", KeyKind::Duration),
    ("redis_url", KeyKind::OptStr),
    ("redis_key_prefix", KeyKind::Str),
    ("bind", KeyKind::Str),
    ("header_read_timeout", KeyKind::Duration),
    ("keep_alive_timeout", KeyKind::Duration),
    ("request_timeout", KeyKind::Duration),
    ("max_connections", KeyKind::Int),
    ("shutdown_grace", KeyKind::Duration),
    ("max_header_bytes", KeyKind::Int),
    ("security_headers", KeyKind::Map),
    ("metrics", KeyKind::Bool),
    ("metrics_bind", KeyKind::OptStr),
    ("log_format", KeyKind::Str),
    ("i18n_languages", KeyKind::List),
    ("i18n_default_locale", KeyKind::Str),
    ("i18n_dirname", KeyKind::OptStr),
    ("flash_messages", KeyKind::Bool),
    ("session_cookie_name", KeyKind::Str),
    ("session_cookie_secure", KeyKind::Bool),
    ("session_lifetime", KeyKind::Duration),
    ("remember_lifetime", KeyKind::Duration),
    ("hashing_pool_size", KeyKind::Int),
    ("cache_ttl", KeyKind::Duration),
    ("csrf_time_limit", KeyKind::Duration),
    ("smtp_url", KeyKind::OptStr),
    ("mail_from", KeyKind::Str),
    ("mail_outbox", KeyKind::Str),
    ("mail_timeout", KeyKind::Duration),
    ("registerable", KeyKind::Bool),
    ("confirmable", KeyKind::Bool),
    ("recoverable", KeyKind::Bool),
    ("changeable", KeyKind::Bool),
    ("trackable", KeyKind::Bool),
    ("username_enable", KeyKind::Bool),
    ("username_required", KeyKind::Bool),
    ("username_min_length", KeyKind::Int),
    ("username_max_length", KeyKind::Int),
    ("login_without_confirmation", KeyKind::Bool),
    ("return_generic_responses", KeyKind::Bool),
    ("password_hash", KeyKind::Str),
    ("password_salt", KeyKind::OptStr),
    ("password_single_hash", KeyKind::BoolOrList),
    ("password_schemes", KeyKind::List),
    ("password_hash_passlib_options", KeyKind::Map),
    ("password_length_min", KeyKind::Int),
    ("password_normalize_form", KeyKind::Str),
    ("password_length_max", KeyKind::Int),
    ("password_complexity_checker", KeyKind::OptStr),
    ("zxcvbn_minimum_score", KeyKind::Int),
    ("password_check_breached", KeyKind::BoolOrStr),
    ("password_breached_count", KeyKind::Int),
    ("password_breached_url", KeyKind::Str),
    ("password_breached_list", KeyKind::OptStr),
    ("password_breached_timeout", KeyKind::Duration),
    ("password_required", KeyKind::Bool),
    ("password_confirm_required", KeyKind::Bool),
    ("token_max_age", KeyKind::Duration),
    ("token_authentication_header", KeyKind::Str),
    ("token_authentication_key", KeyKind::Str),
    ("backwards_compat_auth_token", KeyKind::Bool),
    ("freshness", KeyKind::Duration),
    ("freshness_grace_period", KeyKind::Duration),
    ("freshness_allow_auth_token", KeyKind::Bool),
    ("api_enabled_methods", KeyKind::List),
    ("csrf_protect_mechanisms", KeyKind::List),
    ("csrf_ignore_unauth_endpoints", KeyKind::Bool),
    ("csrf_cookie_name", KeyKind::OptStr),
    ("csrf_cookie_secure", KeyKind::Bool),
    ("csrf_header", KeyKind::Str),
    ("logout_csrf", KeyKind::Bool),
    ("logout_methods", KeyKind::List),
    ("lockout_max_failures", KeyKind::Int),
    ("lockout_duration", KeyKind::Duration),
    ("rate_limit_failures", KeyKind::Int),
    ("rate_limit_window", KeyKind::Duration),
    ("trusted_proxies", KeyKind::List),
    ("phone_region_default", KeyKind::Str),
    ("email_validator_args", KeyKind::Map),
    ("user_identity_attributes", KeyKind::List),
    ("default_remember_me", KeyKind::Bool),
    ("default_http_auth_realm", KeyKind::Str),
    ("post_login_view", KeyKind::Str),
    ("post_logout_view", KeyKind::Str),
    ("post_register_view", KeyKind::OptStr),
    ("post_change_view", KeyKind::OptStr),
    ("post_verify_view", KeyKind::OptStr),
    ("redirect_allow_subdomains", KeyKind::Bool),
    ("server_name", KeyKind::OptStr),
    ("redirect_base_domain", KeyKind::OptStr),
    ("redirect_allowed_subdomains", KeyKind::List),
    ("login_url", KeyKind::Str),
    ("account_url", KeyKind::Str),
    ("logout_url", KeyKind::Str),
    ("register_url", KeyKind::Str),
    ("change_url", KeyKind::Str),
    ("verify_url", KeyKind::Str),
    ("confirm_email_within", KeyKind::Duration),
    ("reset_password_within", KeyKind::Duration),
    ("change_email_within", KeyKind::Duration),
    ("auto_login_after_confirm", KeyKind::Bool),
    ("send_register_email", KeyKind::Bool),
    ("send_password_change_email", KeyKind::Bool),
    ("send_password_reset_email", KeyKind::Bool),
    ("send_password_reset_notice_email", KeyKind::Bool),
    ("send_username_change_email", KeyKind::Bool),
    ("change_email", KeyKind::Bool),
    ("change_username", KeyKind::Bool),
    ("username_recovery", KeyKind::Bool),
    ("email_plaintext", KeyKind::Bool),
    ("email_html", KeyKind::Bool),
    ("redirect_behavior", KeyKind::OptStr),
    ("redirect_host", KeyKind::OptStr),
    ("confirm_error_view", KeyKind::OptStr),
    ("post_confirm_view", KeyKind::OptStr),
    ("reset_view", KeyKind::OptStr),
    ("reset_error_view", KeyKind::OptStr),
    ("post_reset_view", KeyKind::OptStr),
    ("change_email_error_view", KeyKind::OptStr),
    ("post_change_email_view", KeyKind::OptStr),
    ("post_change_username_view", KeyKind::OptStr),
    ("confirm_url", KeyKind::Str),
    ("reset_url", KeyKind::Str),
    ("change_email_url", KeyKind::Str),
    ("change_username_url", KeyKind::Str),
    ("username_recovery_url", KeyKind::Str),
    ("email_subject_register", KeyKind::Str),
    ("email_subject_confirm", KeyKind::Str),
    ("email_subject_password_reset", KeyKind::Str),
    ("email_subject_password_notice", KeyKind::Str),
    ("email_subject_password_change_notice", KeyKind::Str),
    ("email_subject_username_change_notice", KeyKind::Str),
    ("email_subject_username_recovery", KeyKind::Str),
    ("change_email_subject", KeyKind::Str),
    ("external_url", KeyKind::OptStr),
    ("two_factor", KeyKind::Bool),
    ("two_factor_required", KeyKind::Bool),
    ("two_factor_enabled_methods", KeyKind::List),
    ("two_factor_always_validate", KeyKind::Bool),
    ("two_factor_login_validity", KeyKind::Duration),
    ("two_factor_authenticator_validity", KeyKind::Int),
    ("two_factor_mail_validity", KeyKind::Int),
    ("two_factor_sms_validity", KeyKind::Int),
    ("two_factor_setup_within", KeyKind::Duration),
    ("two_factor_rescue_email", KeyKind::Bool),
    ("two_factor_rescue_mail", KeyKind::Str),
    ("two_factor_validity_cookie_name", KeyKind::Str),
    ("email_subject_two_factor", KeyKind::Str),
    ("email_subject_two_factor_rescue", KeyKind::Str),
    ("totp_secrets", KeyKind::Map),
    ("totp_issuer", KeyKind::OptStr),
    ("multi_factor_recovery_codes", KeyKind::Bool),
    ("multi_factor_recovery_codes_n", KeyKind::Int),
    ("sms_service", KeyKind::Str),
    ("sms_service_config", KeyKind::Map),
    ("sms_outbox", KeyKind::Str),
    ("two_factor_setup_url", KeyKind::Str),
    ("two_factor_token_validation_url", KeyKind::Str),
    ("two_factor_rescue_url", KeyKind::Str),
    ("two_factor_select_url", KeyKind::Str),
    ("multi_factor_recovery_codes_url", KeyKind::Str),
    ("multi_factor_recovery_url", KeyKind::Str),
    ("unified_signin", KeyKind::Bool),
    ("us_enabled_methods", KeyKind::List),
    ("us_mfa_required", KeyKind::List),
    ("us_token_validity", KeyKind::Int),
    ("us_setup_within", KeyKind::Duration),
    ("us_signin_replaces_login", KeyKind::Bool),
    ("us_email_subject", KeyKind::Str),
    ("us_signin_url", KeyKind::Str),
    ("us_signin_send_code_url", KeyKind::Str),
    ("us_setup_url", KeyKind::Str),
    ("us_verify_url", KeyKind::Str),
    ("us_verify_send_code_url", KeyKind::Str),
    ("us_verify_link_url", KeyKind::Str),
    ("login_error_view", KeyKind::OptStr),
    ("webauthn", KeyKind::Bool),
    ("wan_allow_as_first_factor", KeyKind::Bool),
    ("wan_allow_as_multi_factor", KeyKind::Bool),
    ("wan_allow_user_hints", KeyKind::Bool),
    ("wan_allow_as_verify", KeyKind::List),
    ("wan_rp_name", KeyKind::Str),
    ("wan_register_within", KeyKind::Duration),
    ("wan_signin_within", KeyKind::Duration),
    ("wan_register_timeout", KeyKind::Int),
    ("wan_signin_timeout", KeyKind::Int),
    ("wan_name_max_length", KeyKind::Int),
    ("wan_register_url", KeyKind::Str),
    ("wan_signin_url", KeyKind::Str),
    ("wan_delete_url", KeyKind::Str),
    ("wan_rename_url", KeyKind::Str),
    ("wan_verify_url", KeyKind::Str),
    ("wan_post_register_view", KeyKind::OptStr),
    ("generic_response_floor", KeyKind::Duration),
    ("template_dir", KeyKind::OptStr),
    ("static_folder_url", KeyKind::Str),
    ("app_name", KeyKind::OptStr),
    ("app_logo_url", KeyKind::OptStr),
];

/// The environment variable that sets `key`.
pub fn env_name(key: &str) -> String {
    match key {
        "secret_key" | "secret_key_fallbacks" => key.to_ascii_uppercase(),
        "database_url"
        | "database_pool_size"
        | "database_timeout"
        | "redis_url"
        | "redis_key_prefix"
        | "bind"
        | "header_read_timeout"
        | "keep_alive_timeout"
        | "request_timeout"
        | "max_connections"
        | "shutdown_grace"
        | "max_header_bytes"
        | "security_headers"
        | "metrics"
        | "metrics_bind"
        | "log_format"
        | "session_cookie_name"
        | "session_cookie_secure"
        | "session_lifetime"
        | "remember_lifetime"
        | "hashing_pool_size"
        | "cache_ttl"
        | "trusted_proxies"
        | "password_breached_list"
        | "password_breached_timeout"
        | "csrf_time_limit"
        | "csrf_cookie_secure"
        | "smtp_url"
        | "mail_from"
        | "mail_outbox"
        | "mail_timeout"
        | "external_url"
        | "template_dir"
        | "app_name"
        | "app_logo_url"
        | "generic_response_floor"
        | "sms_outbox" => format!("PORTCULLIS_{}", key.to_ascii_uppercase()),
        _ => format!("SECURITY_{}", key.to_ascii_uppercase()),
    }
}

fn kind_of(key: &str) -> Option<(&'static str, KeyKind)> {
    KEYS.iter().find(|(k, _)| *k == key).copied()
}

fn suggest(key: &str) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    let stripped = lower.strip_prefix("security_").unwrap_or(&lower);
    if kind_of(stripped).is_some() && stripped != key {
        return Some(stripped.to_owned());
    }
    KEYS.iter()
        .map(|(k, _)| *k)
        .find(|k| k.contains(stripped) || (stripped.len() > 5 && stripped.contains(k)))
        .map(str::to_owned)
}

/// Turn an environment variable's text into a JSON value of the key's kind.
fn from_env_text(key: &'static str, kind: KeyKind, text: &str) -> Result<Value, ConfigError> {
    let bad = |message: String| ConfigError::Invalid { key, message };
    let t = text.trim();
    Ok(match kind {
        KeyKind::Bool => Value::Bool(
            parse_bool(t).ok_or_else(|| bad(format!("expected true or false, got {t:?}")))?,
        ),
        KeyKind::Int => Value::from(
            t.parse::<u64>()
                .map_err(|_| bad(format!("expected a non-negative integer, got {t:?}")))?,
        ),
        KeyKind::Str | KeyKind::OptStr => Value::String(text.to_owned()),
        KeyKind::Duration => Value::String(t.to_owned()),
        KeyKind::List => parse_list(t).map_err(bad)?,
        KeyKind::Map => {
            let v: Value =
                serde_json::from_str(t).map_err(|e| bad(format!("expected a JSON object: {e}")))?;
            if !v.is_object() {
                return Err(bad("expected a JSON object".into()));
            }
            v
        }
        KeyKind::BoolOrStr => match parse_bool(t) {
            Some(b) => Value::Bool(b),
            None => Value::String(t.to_owned()),
        },
        KeyKind::BoolOrList => match parse_bool(t) {
            Some(b) => Value::Bool(b),
            None => parse_list(t).map_err(bad)?,
        },
    })
}

fn parse_bool(t: &str) -> Option<bool> {
    match t.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn parse_list(t: &str) -> Result<Value, String> {
    if t.starts_with('[') {
        let v: Value =
            serde_json::from_str(t).map_err(|e| format!("expected a JSON array: {e}"))?;
        if !v.is_array() {
            return Err("expected a JSON array".into());
        }
        return Ok(v);
    }
    Ok(Value::Array(
        t.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_owned()))
            .collect(),
    ))
}

/// Check one value against its kind, so errors name the key.
fn check(key: &'static str, kind: KeyKind, v: &Value) -> Result<(), ConfigError> {
    // Tables with a shape of their own: say what is wrong inside them, under their key.
    if key == "security_headers" && v.is_object() {
        serde_json::from_value::<super::SecurityHeaders>(v.clone()).map_err(|e| {
            ConfigError::Invalid {
                key,
                message: e.to_string(),
            }
        })?;
    }
    let bad = |message: &str| {
        Err(ConfigError::Invalid {
            key,
            message: format!("{message}, got {v}"),
        })
    };
    match (kind, v) {
        (KeyKind::Bool, Value::Bool(_)) => Ok(()),
        (KeyKind::Bool, _) => bad("expected true or false"),
        (KeyKind::Int, Value::Number(n)) if n.as_u64().is_some() => Ok(()),
        (KeyKind::Int, _) => bad("expected a non-negative integer"),
        (KeyKind::Str, Value::String(_)) => Ok(()),
        (KeyKind::Str, _) => bad("expected a string"),
        (KeyKind::OptStr, Value::String(_) | Value::Null) => Ok(()),
        (KeyKind::OptStr, _) => bad("expected a string"),
        (KeyKind::List, Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
        (KeyKind::List, _) => bad("expected a list of strings"),
        (KeyKind::Map, Value::Object(_)) => Ok(()),
        (KeyKind::Map, _) => bad("expected a table/object"),
        (KeyKind::BoolOrList, Value::Bool(_)) => Ok(()),
        (KeyKind::BoolOrList, Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
        (KeyKind::BoolOrList, _) => bad("expected true/false or a list of strings"),
        (KeyKind::BoolOrStr, Value::Bool(_) | Value::String(_)) => Ok(()),
        (KeyKind::BoolOrStr, _) => bad("expected true/false or a string"),
        (KeyKind::Duration, Value::Number(_)) => Ok(()),
        (KeyKind::Duration, Value::String(s)) => Duration::parse(s)
            .map(|_| ())
            .map_err(|message| ConfigError::Invalid { key, message }),
        (KeyKind::Duration, _) => bad("expected seconds or a duration like \"15m\""),
    }
}

/// Load from an optional TOML file and the given environment, validate, and build [`Config`].
pub fn load(
    path: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let mut map = Map::new();
    if let Some(path) = path {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        for (k, v) in table {
            let Some((key, kind)) = kind_of(&k) else {
                return Err(ConfigError::UnknownKey {
                    suggestion: suggest(&k),
                    key: k,
                });
            };
            let v = serde_json::to_value(v).map_err(|e| ConfigError::Invalid {
                key,
                message: e.to_string(),
            })?;
            check(key, kind, &v)?;
            map.insert(key.to_owned(), v);
        }
    }
    let env: Vec<(String, String)> = env.into_iter().collect();
    for (key, kind) in KEYS {
        let name = env_name(key);
        if let Some((_, text)) = env.iter().find(|(n, _)| *n == name) {
            let v = from_env_text(key, *kind, text)?;
            check(key, *kind, &v)?;
            map.insert((*key).to_owned(), v);
        }
    }
    // A SECURITY_* variable that names no known key is a typo worth stopping for.
    for (name, _) in &env {
        if let Some(rest) = name.strip_prefix("SECURITY_") {
            let key = rest.to_ascii_lowercase();
            if kind_of(&key).is_none() {
                return Err(ConfigError::UnknownKey {
                    suggestion: suggest(&key).map(|s| env_name(&s)),
                    key: name.clone(),
                });
            }
        }
    }
    let config: Config =
        serde_json::from_value(Value::Object(map)).map_err(|e| ConfigError::Invalid {
            key: "config",
            message: e.to_string(),
        })?;
    config.validate()?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    fn write_toml(text: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!(
            "portcullis-config-{}.toml",
            crate::crypto::random::token_hex(8)
        ));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn every_key_has_a_field() {
        // Deserialising a map with every key must not hit deny_unknown_fields.
        let mut map = Map::new();
        let d = Config::default();
        let _ = d;
        for (k, kind) in KEYS {
            let v = match kind {
                KeyKind::Bool => Value::Bool(false),
                KeyKind::Int => Value::from(1),
                KeyKind::Str => Value::String(match *k {
                    "password_hash" => "argon2".into(),
                    "password_normalize_form" => "NFKD".into(),
                    _ => "x".into(),
                }),
                KeyKind::OptStr => Value::Null,
                KeyKind::List => match *k {
                    "api_enabled_methods" | "csrf_protect_mechanisms" => {
                        serde_json::json!(["session"])
                    }
                    _ => serde_json::json!([]),
                },
                KeyKind::Map => serde_json::json!({}),
                KeyKind::Duration => Value::from(60),
                KeyKind::BoolOrList => Value::Bool(true),
                KeyKind::BoolOrStr => Value::Bool(false),
            };
            map.insert((*k).to_owned(), v);
        }
        serde_json::from_value::<Config>(Value::Object(map)).unwrap();
    }

    #[test]
    fn toml_and_env_override() {
        let p =
            write_toml("registerable = true\ntoken_max_age = \"30m\"\npassword_length_min = 10\n");
        let c = load(
            Some(&p),
            env(&[
                ("SECURITY_TOKEN_MAX_AGE", "2h"),
                ("SECRET_KEY", "k"),
                ("SECURITY_CSRF_PROTECT_MECHANISMS", "session,basic,token"),
                ("SECURITY_PASSWORD_SCHEMES", "[\"argon2\",\"bcrypt\"]"),
                ("PORTCULLIS_BIND", "0.0.0.0:9000"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        std::fs::remove_file(&p).ok();
        assert!(c.registerable);
        assert_eq!(c.token_max_age, Duration::hours(2));
        assert_eq!(c.password_length_min, 10);
        assert_eq!(
            c.secret_key.as_ref().map(|s| s.expose().as_str()),
            Some("k")
        );
        assert_eq!(c.csrf_protect_mechanisms.len(), 3);
        assert_eq!(c.password_schemes, vec!["argon2", "bcrypt"]);
        assert_eq!(c.bind, "0.0.0.0:9000");
    }

    #[test]
    fn errors_name_the_key() {
        let p = write_toml("registerabel = true\n");
        let e = load(Some(&p), env(&[])).unwrap_err();
        std::fs::remove_file(&p).ok();
        assert!(e.to_string().contains("registerabel"), "{e}");

        let e = load(None, env(&[("SECURITY_REGISTERABLE", "maybe")])).unwrap_err();
        assert!(e.to_string().contains("registerable"), "{e}");

        let e = load(None, env(&[("SECURITY_TOKEN_MAX_AGE", "15 fortnights")])).unwrap_err();
        assert!(e.to_string().contains("token_max_age"), "{e}");

        let e = load(None, env(&[("SECURITY_REGISTERABL", "true")])).unwrap_err();
        assert!(e.to_string().contains("SECURITY_REGISTERABL"), "{e}");

        let e = load(None, env(&[("SECURITY_PASSWORD_HASH", "md5")])).unwrap_err();
        assert!(e.to_string().contains("password_hash"), "{e}");

        let p = write_toml("registerable = 3\n");
        let e = load(Some(&p), env(&[])).unwrap_err();
        std::fs::remove_file(&p).ok();
        assert!(e.to_string().contains("registerable"), "{e}");

        let e = load(
            None,
            env(&[("SECURITY_API_ENABLED_METHODS", "session,carrier-pigeon")]),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("config") || e.to_string().contains("api_enabled_methods"),
            "{e}"
        );
    }

    #[test]
    fn mail_settings() {
        let c = load(None, env(&[])).unwrap();
        assert_eq!(c.smtp_url, None);
        assert_eq!(c.mail_outbox, "outbox/mail");
        assert_eq!(c.mail_timeout, Duration::secs(10));
        assert!(c.mail_from.contains("@"));

        let c = load(
            None,
            env(&[
                (
                    "PORTCULLIS_SMTP_URL",
                    "smtps://u:p%40ss@mail.example.com:465",
                ),
                ("PORTCULLIS_MAIL_FROM", "Example <auth@example.com>"),
                ("PORTCULLIS_MAIL_OUTBOX", "/tmp/mails"),
                ("PORTCULLIS_MAIL_TIMEOUT", "30s"),
            ]),
        )
        .unwrap();
        assert_eq!(
            c.smtp_url.as_deref(),
            Some("smtps://u:p%40ss@mail.example.com:465")
        );
        assert_eq!(c.mail_from, "Example <auth@example.com>");
        assert_eq!(c.mail_outbox, "/tmp/mails");
        assert_eq!(c.mail_timeout, Duration::secs(30));
        load(
            None,
            env(&[("PORTCULLIS_SMTP_URL", "SMTP://127.0.0.1:2525")]),
        )
        .unwrap();
        load(None, env(&[("PORTCULLIS_MAIL_FROM", "auth@example.com")])).unwrap();

        for (name, value, key) in [
            ("PORTCULLIS_SMTP_URL", "http://mail.example.com", "smtp_url"),
            ("PORTCULLIS_SMTP_URL", "mail.example.com:25", "smtp_url"),
            ("PORTCULLIS_MAIL_FROM", "nobody", "mail_from"),
            ("PORTCULLIS_MAIL_FROM", "Name <nobody>", "mail_from"),
            ("PORTCULLIS_MAIL_FROM", "a@b\r\nBcc: x@y", "mail_from"),
            ("PORTCULLIS_MAIL_OUTBOX", " ", "mail_outbox"),
            ("PORTCULLIS_MAIL_TIMEOUT", "0", "mail_timeout"),
            ("PORTCULLIS_MAIL_TIMEOUT", "-5", "mail_timeout"),
        ] {
            let e = load(None, env(&[(name, value)])).unwrap_err();
            assert!(e.to_string().contains(key), "{name}={value:?}: {e}");
        }
        // The secret part of a URL is not repeated in the error.
        let e = load(None, env(&[("PORTCULLIS_SMTP_URL", "imap://u:hunter2@h")])).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}

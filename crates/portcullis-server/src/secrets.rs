//! With no SECRET_KEY / SECURITY_PASSWORD_SALT configured, generate them on first start and keep
//! them beside the database, so restarts keep sessions, tokens and passwords valid.

use std::path::{Path, PathBuf};

use portcullis_core::config::Config;
use portcullis_core::crypto::{Secret, random};

use crate::commands::CliError;

/// The directory of a `sqlite://` database file, when it names one that is not the working
/// directory.
pub fn sqlite_dir(url: &str) -> Option<PathBuf> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
        .filter(|p| !p.is_empty() && *p != ":memory:")
        .and_then(|p| Path::new(p).parent().map(Path::to_path_buf))
        .filter(|d| !d.as_os_str().is_empty())
}

/// The file next to a `sqlite://` database (or in the working directory).
pub fn secrets_path(config: &Config) -> PathBuf {
    sqlite_dir(&config.database_url)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("portcullis.secrets.toml")
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
struct Stored {
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password_salt: Option<String>,
    /// SECURITY_TOTP_SECRETS, when two-factor or unified sign-in is on and none is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    totp_secrets: Option<std::collections::BTreeMap<String, String>>,
}

/// Fill in missing secrets from (or into) the secrets file: SECRET_KEY,
/// SECURITY_PASSWORD_SALT and (when two-factor, recovery codes or unified sign-in need it)
/// SECURITY_TOTP_SECRETS. Only what the configuration lacks is generated and written; a value
/// set in the configuration always wins over the file.
pub fn ensure(config: &mut Config) -> Result<(), CliError> {
    let need_key = config.secret_key.is_none();
    let need_salt = config.password_salt.is_none();
    let need_totp = config.needs_totp_secrets() && config.totp_secrets.expose().is_empty();
    if !need_key && !need_salt && !need_totp {
        return Ok(());
    }
    if !config.database_url.starts_with("sqlite:") {
        // A shared database usually means several instances, which must sign with one key:
        // generating one per machine would split them silently.
        let mut missing = Vec::new();
        if need_key {
            missing.push("SECRET_KEY");
        }
        if need_salt {
            missing.push("SECURITY_PASSWORD_SALT");
        }
        if need_totp {
            missing.push("SECURITY_TOTP_SECRETS");
        }
        return Err(CliError::Config(format!(
            "with a PostgreSQL or MySQL database, set {} explicitly (the same values on every \
             instance)",
            missing.join(", ")
        )));
    }
    let path = secrets_path(config);
    let mut stored: Stored = match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .map_err(|e| CliError::Config(format!("{} is not valid: {e}", path.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Stored::default(),
        Err(e) => {
            return Err(CliError::Config(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let mut generated = Vec::new();
    if need_key && stored.secret_key.is_none() {
        stored.secret_key = Some(random::token_hex(32));
        generated.push("SECRET_KEY");
    }
    if need_salt && stored.password_salt.is_none() {
        stored.password_salt = Some(random::token_hex(32));
        generated.push("SECURITY_PASSWORD_SALT");
    }
    if need_totp && stored.totp_secrets.as_ref().is_none_or(|t| t.is_empty()) {
        stored.totp_secrets = Some([("1".to_owned(), random::url_token(32))].into());
        generated.push("SECURITY_TOTP_SECRETS");
    }
    if !generated.is_empty() {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            return Err(CliError::Config(format!(
                "the directory {} does not exist (it holds the database and its secrets file): \
                 create it, or point PORTCULLIS_DATABASE_URL elsewhere",
                dir.display()
            )));
        }
        let text = toml::to_string(&stored)
            .map_err(|e| CliError::Config(format!("cannot encode secrets: {e}")))?;
        write_private(&path, &text)
            .map_err(|e| CliError::Config(format!("cannot write {}: {e}", path.display())))?;
        tracing::warn!(
            path = %path.display(),
            generated = %generated.join(", "),
            "secrets not configured: generated them and stored them in this file (keep it \
             secret, back it up)"
        );
    } else {
        tracing::info!(path = %path.display(), "using generated secrets");
    }
    if need_key {
        config.secret_key = stored.secret_key.map(Secret::new);
    }
    if need_salt {
        config.password_salt = stored.password_salt.map(Secret::new);
    }
    if need_totp && let Some(totp) = stored.totp_secrets {
        let map: serde_json::Map<String, serde_json::Value> = totp
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        config.totp_secrets = Secret::new(map);
    }
    Ok(())
}

/// Write the file with mode 0600: to a fresh temporary name, then renamed over the target, so
/// an existing (partial) secrets file is replaced atomically.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp-{}", random::token_hex(6)));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

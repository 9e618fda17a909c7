//! With no SECRET_KEY / SECURITY_PASSWORD_SALT configured, generate them on first start and keep
//! them beside the database, so restarts keep sessions, tokens and passwords valid.

use std::path::{Path, PathBuf};

use portcullis_core::config::Config;
use portcullis_core::crypto::{Secret, random};

use crate::commands::CliError;

/// The file next to a `sqlite://` database (or in the working directory).
pub fn secrets_path(config: &Config) -> PathBuf {
    let db = config
        .database_url
        .strip_prefix("sqlite://")
        .or_else(|| config.database_url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
        .filter(|p| !p.is_empty() && *p != ":memory:");
    let dir = db
        .and_then(|p| Path::new(p).parent().map(Path::to_path_buf))
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    dir.join("portcullis.secrets.toml")
}

#[derive(serde::Deserialize, serde::Serialize, Default)]
struct Stored {
    secret_key: Option<String>,
    password_salt: Option<String>,
}

/// Fill in missing secrets from (or into) the secrets file.
pub fn ensure(config: &mut Config) -> Result<(), CliError> {
    if config.secret_key.is_some() && config.password_salt.is_some() {
        return Ok(());
    }
    if !config.database_url.starts_with("sqlite:") {
        // A shared database usually means several instances, which must sign with one key:
        // generating one per machine would split them silently.
        return Err(CliError::Config(
            "with a PostgreSQL or MySQL database, set SECRET_KEY and SECURITY_PASSWORD_SALT \
             explicitly (the same values on every instance)"
                .into(),
        ));
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
    let mut changed = false;
    if stored.secret_key.is_none() {
        stored.secret_key = Some(random::token_hex(32));
        changed = true;
    }
    if stored.password_salt.is_none() {
        stored.password_salt = Some(random::token_hex(32));
        changed = true;
    }
    if changed {
        let text = toml::to_string(&stored)
            .map_err(|e| CliError::Config(format!("cannot encode secrets: {e}")))?;
        write_private(&path, &text)
            .map_err(|e| CliError::Config(format!("cannot write {}: {e}", path.display())))?;
        tracing::warn!(
            path = %path.display(),
            "no SECRET_KEY / SECURITY_PASSWORD_SALT configured: generated them and stored them in this file (keep it secret, back it up)"
        );
    } else {
        tracing::info!(path = %path.display(), "using generated secrets");
    }
    if config.secret_key.is_none() {
        config.secret_key = stored.secret_key.map(Secret::new);
    }
    if config.password_salt.is_none() {
        config.password_salt = stored.password_salt.map(Secret::new);
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

//! Dispatch: load configuration, open the datastore, run the command.

use std::sync::Arc;

use portcullis::{ClientAddresses, NewAccount, PasswordReplaced, Security, SecurityBuilder};
use portcullis_core::config::Config;
use portcullis_core::events::{Event, EventSink, TracingSink};
use portcullis_core::policy;
use portcullis_core::store::Store;
use portcullis_core::{Clock, StoreError, SystemClock, User};
use portcullis_redis::RedisStore;
use portcullis_sqlx::PoolSettings;

use crate::cli::{Cli, Command, ConfigCmd, Roles, Users};

/// What can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad configuration (exit 2).
    #[error("configuration: {0}")]
    Config(String),
    /// Bad input on the command line (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The datastore failed (exit 1).
    #[error("datastore: {0}")]
    Store(#[from] StoreError),
    /// Anything else at run time (exit 1).
    #[error("{0}")]
    Runtime(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) | Self::Usage(_) => 2,
            Self::Store(_) | Self::Runtime(_) => 1,
        }
    }
}

/// The datastore the configuration names (SQL from `database_url`) and, with `redis_url`,
/// Redis for sessions and brute-force counters (shared by every instance).
async fn open_store(
    config: &Config,
) -> Result<(Arc<dyn Store>, Option<Arc<RedisStore>>), CliError> {
    let url = &config.database_url;
    let known = [
        "sqlite:",
        "postgres://",
        "postgresql://",
        "mysql://",
        "mariadb://",
    ];
    if !known.iter().any(|k| url.starts_with(k)) {
        return Err(CliError::Config(format!(
            "unsupported database URL {:?} (sqlite://PATH, postgres://…, mysql://…)",
            portcullis_sqlx::redact_url(url)
        )));
    }
    let settings = PoolSettings {
        max_connections: u32::try_from(config.database_pool_size).unwrap_or(u32::MAX),
        acquire_timeout: std::time::Duration::from_secs(
            config.database_timeout.as_secs().unsigned_abs(),
        ),
    };
    if let Some(dir) = crate::secrets::sqlite_dir(url)
        && !dir.is_dir()
    {
        return Err(CliError::Config(format!(
            "the directory {} of the SQLite database does not exist: create it (mkdir -p {}), \
             or point PORTCULLIS_DATABASE_URL elsewhere",
            dir.display(),
            dir.display()
        )));
    }
    let data = portcullis_sqlx::connect(url, settings).await.map_err(|e| {
        match (e, server_address(url)) {
            (StoreError::Unavailable(why), Some(at)) => {
                CliError::Runtime(format!("cannot reach the database at {at}: {why}"))
            }
            (e, _) => CliError::Store(e),
        }
    })?;
    let redis = match &config.redis_url {
        Some(redis_url) => Some(Arc::new(
            RedisStore::connect(redis_url, &config.redis_key_prefix).await?,
        )),
        None => None,
    };
    Ok((data, redis))
}

/// `host:port` of a PostgreSQL or MySQL URL (for error messages; never the password).
fn server_address(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.starts_with("sqlite") {
        return None;
    }
    let authority = rest.split(['/', '?']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let default = if scheme.starts_with("postgres") {
        5432
    } else {
        3306
    };
    Some(if host.contains(':') && !host.ends_with(']') {
        host.to_owned()
    } else {
        format!("{host}:{default}")
    })
}

/// A builder over the datastore, with sessions and counters in Redis when configured.
fn builder(
    config: Config,
    data: Arc<dyn Store>,
    redis: Option<Arc<RedisStore>>,
) -> SecurityBuilder {
    let builder = Security::builder_arc(config, data);
    match redis {
        Some(redis) => builder
            .sessions(redis.clone())
            .counters(redis.clone())
            .invalidations(redis),
        None => builder,
    }
}

/// The configuration file `--config` names, else `portcullis.toml` when present.
pub fn config_path(args: &Cli) -> Option<std::path::PathBuf> {
    args.config.clone().or_else(|| {
        let p = std::path::PathBuf::from("portcullis.toml");
        p.exists().then_some(p)
    })
}

/// The configuration: the file, then the environment, then `serve`'s flags.
pub fn load_config(args: &Cli) -> Result<Config, CliError> {
    let path = config_path(args);
    let mut config = Config::load(path.as_deref()).map_err(|e| CliError::Config(e.to_string()))?;
    if let Command::Serve(flags) = &args.command {
        if let Some(bind) = &flags.bind {
            config.bind = bind.clone();
        }
        if let Some(url) = &flags.database_url {
            config.database_url = url.clone();
        }
    }
    Ok(config)
}

pub async fn run(args: Cli, mut config: Config) -> Result<(), CliError> {
    let path = config_path(&args);
    if let Command::Config(ConfigCmd::Check) = &args.command {
        return config_check(&config, path.as_deref());
    }
    crate::secrets::ensure(&mut config)?;
    let (data, redis) = open_store(&config).await?;
    match args.command {
        Command::Serve(_) => {
            let (outbox, mail_line) = crate::serve::mail_destination(&config);
            let (sms_outbox, sms_line) = crate::serve::sms_destination(&config);
            let mut builder = builder(config, data, redis);
            if let Some(outbox) = outbox {
                builder = builder.mailer(outbox);
            }
            if let Some(outbox) = sms_outbox {
                builder = builder.sms_sender(outbox);
            }
            let security = builder
                .build()
                .map_err(|e| CliError::Config(e.to_string()))?;
            tracing::info!(
                config_file = path
                    .as_deref()
                    .map_or_else(|| "none".to_owned(), |p| p.display().to_string()),
                "configuration read"
            );
            tracing::info!("{mail_line}");
            tracing::info!("{sms_line}");
            crate::serve::serve(security).await
        }
        Command::Users(cmd) => {
            // The same account operations as the HTTP flows (no client addresses here: the
            // per-address limit is for requests).
            let security = builder(config, data, redis)
                .client_addresses(ClientAddresses::Untracked)
                .build()
                .map_err(|e| CliError::Config(e.to_string()))?;
            users(&security, cmd).await
        }
        Command::Roles(cmd) => roles(data.as_ref(), cmd).await,
        Command::Config(_) => Ok(()),
    }
}

/// `config check`: the configuration is valid (each rule checked when loaded, plus the secrets a
/// server needs, which `serve` generates for SQLite) and this is what it says.
fn config_check(config: &Config, path: Option<&std::path::Path>) -> Result<(), CliError> {
    let generated = crate::secrets::secrets_path(config);
    let mut missing = Vec::new();
    if config.secret_key.is_none() {
        missing.push("SECRET_KEY");
    }
    if config.password_salt.is_none() {
        missing.push("SECURITY_PASSWORD_SALT");
    }
    if config.needs_totp_secrets() && config.totp_secrets.expose().is_empty() {
        missing.push("SECURITY_TOTP_SECRETS");
    }
    if !missing.is_empty() && !config.database_url.starts_with("sqlite:") {
        return Err(CliError::Config(format!(
            "with a PostgreSQL or MySQL database, set {} explicitly",
            missing.join(", ")
        )));
    }
    let mut shown = config.clone();
    shown.database_url = portcullis_sqlx::redact_url(&shown.database_url);
    shown.redis_url = shown.redis_url.as_deref().map(portcullis_sqlx::redact_url);
    shown.smtp_url = shown.smtp_url.as_deref().map(portcullis::mail::redact_url);
    println!(
        "configuration file: {}",
        path.map_or_else(|| "none".to_owned(), |p| p.display().to_string())
    );
    if !missing.is_empty() {
        println!(
            "not set, generated by `serve` into {}: {}",
            generated.display(),
            missing.join(", ")
        );
    }
    println!("{shown:#?}");
    println!("configuration is valid");
    Ok(())
}

/// One user as `users list` / `users show` print it (never a hash, secret or uniquifier).
#[derive(serde::Serialize)]
struct UserLine {
    id: i64,
    email: String,
    username: Option<String>,
    active: bool,
    confirmed: bool,
    roles: Vec<String>,
    two_factor: Option<String>,
    last_login_at: Option<String>,
    login_count: Option<i64>,
}

async fn user_line(store: &dyn Store, user: &User) -> Result<UserLine, CliError> {
    let roles = store
        .roles_of_user(user.id)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    let when = |t: Option<time::OffsetDateTime>| {
        t.and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
    };
    Ok(UserLine {
        id: user.id,
        email: user.email.clone(),
        username: user.username.clone(),
        active: user.active,
        confirmed: user.confirmed_at.is_some(),
        roles,
        two_factor: user.tf_primary_method.clone(),
        last_login_at: when(user.current_login_at),
        login_count: user.login_count,
    })
}

fn print_json(line: &UserLine) -> Result<(), CliError> {
    let text = serde_json::to_string(line).map_err(|e| CliError::Runtime(e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn print_row(line: &UserLine) {
    println!(
        "{:>6}  {:<32}  {:<16}  {:<6}  {:<9}  {}",
        line.id,
        line.email,
        line.username.as_deref().unwrap_or("-"),
        if line.active { "yes" } else { "no" },
        if line.confirmed { "yes" } else { "no" },
        if line.roles.is_empty() {
            "-".to_owned()
        } else {
            line.roles.join(",")
        }
    );
}

async fn find_user(store: &dyn Store, identity: &str) -> Result<User, CliError> {
    if let Some(email) = policy::normalize_email(identity)
        && let Some(u) = store.user_by_email(&email).await?
    {
        return Ok(u);
    }
    if let Some(u) = store.user_by_username(identity.trim()).await? {
        return Ok(u);
    }
    Err(CliError::Usage(format!("User not found: {identity}")))
}

/// The password from `--password`, or else the first line of standard input (so it need not
/// appear in `ps` or shell history: `printf '%s\n' "$PW" | portcullis users create ...`).
fn password_arg(password: Option<String>) -> Result<String, CliError> {
    if let Some(p) = password {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| {
        CliError::Usage(format!("cannot read the password from standard input: {e}"))
    })?;
    let pw = line.trim_end_matches(['\r', '\n']).to_owned();
    if pw.is_empty() {
        return Err(CliError::Usage(
            "a password is required: --password PW, or one line on standard input".into(),
        ));
    }
    Ok(pw)
}

async fn users(security: &Security, cmd: Users) -> Result<(), CliError> {
    let store = security.store().as_ref();
    let accounts = security.accounts();
    let failed = |e: portcullis::Error| CliError::Runtime(e.to_string());
    match cmd {
        Users::List { json } => {
            if !json {
                println!(
                    "{:>6}  {:<32}  {:<16}  {:<6}  {:<9}  roles",
                    "id", "email", "username", "active", "confirmed"
                );
            }
            let mut after = 0;
            loop {
                let page = store.list_users(after, 500).await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                for user in &page {
                    let line = user_line(store, user).await?;
                    if json {
                        print_json(&line)?;
                    } else {
                        print_row(&line);
                    }
                }
            }
        }
        Users::Show { identity, json } => {
            let user = find_user(store, &identity).await?;
            let line = user_line(store, &user).await?;
            if json {
                print_json(&line)?;
            } else {
                println!("id:            {}", line.id);
                println!("email:         {}", line.email);
                println!("username:      {}", line.username.as_deref().unwrap_or("-"));
                println!("active:        {}", line.active);
                println!("confirmed:     {}", line.confirmed);
                println!("roles:         {}", line.roles.join(", "));
                println!(
                    "two-factor:    {}",
                    line.two_factor.as_deref().unwrap_or("-")
                );
                println!(
                    "last sign-in:  {}",
                    line.last_login_at.as_deref().unwrap_or("-")
                );
                println!("sign-ins:      {}", line.login_count.unwrap_or(0));
            }
        }
        Users::Create {
            identity,
            password,
            username,
            active: _,
            inactive,
            confirmed,
        } => {
            let password = password_arg(password)?;
            let created = accounts
                .create(NewAccount {
                    email: identity,
                    username,
                    password,
                    active: !inactive,
                    confirmed,
                })
                .await
                .map_err(failed)?;
            let user = created.map_err(|refused| {
                CliError::Usage(format!(
                    "Invalid {}: {}",
                    refused.field,
                    portcullis_core::messages::joined(&refused.messages, "; ")
                ))
            })?;
            println!(
                "User created successfully: {} (active: {}, confirmed: {})",
                user.email, user.active, confirmed
            );
        }
        Users::Activate { identity } => {
            let user = find_user(store, &identity).await?;
            if accounts.set_active(&user, true).await.map_err(failed)?.0 {
                println!("User {} has been activated.", user.email);
            } else {
                println!("User {} was already activated.", user.email);
            }
        }
        Users::Deactivate { identity } => {
            let user = find_user(store, &identity).await?;
            let (changed, ended) = accounts.set_active(&user, false).await.map_err(failed)?;
            if changed {
                println!(
                    "User {} has been deactivated ({ended} sessions ended).",
                    user.email
                );
            } else {
                println!("User {} was already deactivated.", user.email);
            }
        }
        Users::Unlock { identity } => {
            let user = find_user(store, &identity).await.ok();
            accounts
                .unlock(user.as_ref(), &identity)
                .await
                .map_err(failed)?;
            println!("Sign-in lock lifted for {identity}.");
        }
        Users::ResetAccess { identity } => {
            let user = find_user(store, &identity).await?;
            let ended = accounts
                .reset_access(&user, &identity)
                .await
                .map_err(failed)?;
            println!(
                "Access reset for {}: every session and token ended ({ended} sessions), second factors cleared.",
                user.email
            );
        }
        Users::ChangePassword { identity, password } => {
            let password = password_arg(password)?;
            let user = find_user(store, &identity).await?;
            let identities: Vec<&str> = [Some(user.email.as_str()), user.username.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            let problems = accounts.password_problems(&password, &identities).await;
            if !problems.is_empty() {
                return Err(CliError::Usage(format!(
                    "Invalid password: {}",
                    portcullis_core::messages::joined(&problems, "; ")
                )));
            }
            accounts
                .replace_password(&user, password, PasswordReplaced::Changed)
                .await
                .map_err(failed)?;
            println!(
                "Password of {} changed; their sessions and tokens ended.",
                user.email
            );
        }
    }
    Ok(())
}

async fn find_role(store: &dyn Store, name: &str) -> Result<portcullis_core::Role, CliError> {
    store
        .role_by_name(name)
        .await?
        .ok_or_else(|| CliError::Usage(format!("Cannot find role: {name}")))
}

async fn roles(store: &dyn Store, cmd: Roles) -> Result<(), CliError> {
    let clock = SystemClock;
    let events = TracingSink;
    match cmd {
        Roles::Create {
            name,
            description,
            permissions,
        } => {
            let name = name.trim().to_owned();
            if name.is_empty() || name.len() > 80 {
                return Err(CliError::Usage(
                    "Role name must be 1 to 80 characters".into(),
                ));
            }
            let perms = permissions
                .as_deref()
                .map(portcullis_core::authz::parse_list)
                .unwrap_or_default();
            store
                .create_role(&name, description.as_deref(), &perms, clock.now())
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(_) => {
                        CliError::Usage(format!("Role {name} already exists"))
                    }
                    other => other.into(),
                })?;
            events.emit(&Event::RoleCreated { name: name.clone() });
            println!("Role {name} created (permissions: {}).", perms.join(","));
        }
        Roles::Add { identity, role } => {
            let user = find_user(store, &identity).await?;
            let r = find_role(store, &role).await?;
            if store.add_role_to_user(user.id, r.id).await? {
                events.emit(&Event::UserRoleChanged {
                    user_id: user.id,
                    role: r.name.clone(),
                    added: true,
                });
                println!("Role {} added to user {}.", r.name, user.email);
            } else {
                println!("User {} already has role {}.", user.email, r.name);
            }
        }
        Roles::Remove { identity, role } => {
            let user = find_user(store, &identity).await?;
            let r = find_role(store, &role).await?;
            if store.remove_role_from_user(user.id, r.id).await? {
                events.emit(&Event::UserRoleChanged {
                    user_id: user.id,
                    role: r.name.clone(),
                    added: false,
                });
                println!("Role {} removed from user {}.", r.name, user.email);
            } else {
                println!("User {} does not have role {}.", user.email, r.name);
            }
        }
        Roles::AddPermissions { role, permissions } => {
            let r = find_role(store, &role).await?;
            let mut perms = r.permissions.clone();
            for p in portcullis_core::authz::parse_list(&permissions) {
                if !perms.contains(&p) {
                    perms.push(p);
                }
            }
            store
                .set_role_permissions(r.id, &perms, clock.now())
                .await?;
            events.emit(&Event::RolePermissionsChanged {
                role: r.name.clone(),
            });
            println!("Role {} now has permissions: {}.", r.name, perms.join(","));
        }
        Roles::RemovePermissions { role, permissions } => {
            let r = find_role(store, &role).await?;
            let drop = portcullis_core::authz::parse_list(&permissions);
            let perms: Vec<String> = r
                .permissions
                .iter()
                .filter(|p| !drop.contains(p))
                .cloned()
                .collect();
            store
                .set_role_permissions(r.id, &perms, clock.now())
                .await?;
            events.emit(&Event::RolePermissionsChanged {
                role: r.name.clone(),
            });
            println!("Role {} now has permissions: {}.", r.name, perms.join(","));
        }
    }
    Ok(())
}

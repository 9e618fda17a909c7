//! Dispatch: load configuration, open the datastore, run the command.

use std::sync::Arc;

use portcullis::Security;
use portcullis_core::config::Config;
use portcullis_core::crypto::password::PasswordHasher;
use portcullis_core::crypto::random;
use portcullis_core::events::{Event, EventSink, TracingSink};
use portcullis_core::policy;
use portcullis_core::store::SplitStore;
use portcullis_core::store::Store;
use portcullis_core::{Clock, NewUser, StoreError, SystemClock, User};
use portcullis_redis::RedisStore;
use portcullis_sqlx::PoolSettings;

use crate::cli::{Cli, Command, Roles, Users};

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

/// The datastore the configuration names: SQL from `database_url`; with `redis_url`, sessions
/// and brute-force counters in Redis (shared by every instance) instead.
async fn open_store(config: &Config) -> Result<Arc<dyn Store>, CliError> {
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
    let data = portcullis_sqlx::connect(url, settings).await?;
    let Some(redis_url) = &config.redis_url else {
        return Ok(data);
    };
    let redis = RedisStore::connect(redis_url, &config.redis_key_prefix).await?;
    Ok(Arc::new(SplitStore::new(
        data,
        Arc::new(redis),
        portcullis_sqlx::redact_url(redis_url),
    )))
}

pub async fn run(args: Cli) -> Result<(), CliError> {
    let path = args.config.clone().or_else(|| {
        let p = std::path::PathBuf::from("portcullis.toml");
        p.exists().then_some(p)
    });
    let mut config = Config::load(path.as_deref()).map_err(|e| CliError::Config(e.to_string()))?;
    crate::secrets::ensure(&mut config)?;
    let store = open_store(&config).await?;
    match args.command {
        Command::Serve => {
            let (outbox, mail_line) = crate::serve::mail_destination(&config);
            let (sms_outbox, sms_line) = crate::serve::sms_destination(&config);
            let mut builder = Security::builder_arc(config, store);
            if let Some(outbox) = outbox {
                builder = builder.mailer(outbox);
            }
            if let Some(outbox) = sms_outbox {
                builder = builder.sms_sender(outbox);
            }
            let security = builder
                .build()
                .map_err(|e| CliError::Config(e.to_string()))?;
            tracing::info!("{mail_line}");
            tracing::info!("{sms_line}");
            crate::serve::serve(security).await
        }
        Command::Users(cmd) => users(&config, store.as_ref(), cmd).await,
        Command::Roles(cmd) => roles(store.as_ref(), cmd).await,
    }
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

/// Clear the brute-force counters of a user (by id) and of the identity as typed.
async fn unlock(
    config: &Config,
    store: &dyn Store,
    user: Option<&User>,
    identity: &str,
) -> Result<(), CliError> {
    let throttle = portcullis_core::policy::Throttle::new(store, config.throttle_rules());
    let mut keys = vec![portcullis_core::policy::account_key(None, identity)];
    if let Some(email) = policy::normalize_email(identity) {
        keys.push(portcullis_core::policy::account_key(None, &email));
    }
    if let Some(u) = user {
        keys.push(portcullis_core::policy::account_key(Some(u.id), identity));
        keys.push(portcullis_core::policy::account_key(None, &u.email));
    }
    for key in keys {
        throttle.unlock(&key).await?;
        TracingSink.emit(&Event::AccountUnlocked { account: key });
    }
    Ok(())
}

fn hasher(config: &Config) -> Result<PasswordHasher, CliError> {
    let pc = config
        .password_config()
        .map_err(|e| CliError::Config(e.to_string()))?;
    PasswordHasher::new(pc).map_err(|e| CliError::Config(e.to_string()))
}

/// The configured password rules (length, identities, breached, complexity), as the flows apply.
async fn check_password(
    config: &Config,
    hasher: &PasswordHasher,
    pw: &str,
    identities: &[&str],
) -> Result<(), CliError> {
    let breach = config
        .breach_checker()
        .map_err(|e| CliError::Config(e.to_string()))?;
    let errors = config
        .password_policy()
        .check(&hasher.normalize(pw), identities, breach.as_deref())
        .await;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "Invalid password: {}",
            errors.join("; ")
        )))
    }
}

async fn users(config: &Config, store: &dyn Store, cmd: Users) -> Result<(), CliError> {
    let clock = SystemClock;
    let events = TracingSink;
    match cmd {
        Users::Create {
            identity,
            password,
            username,
            active: _,
            inactive,
            confirmed,
        } => {
            let email = policy::normalize_email(&identity)
                .ok_or_else(|| CliError::Usage(format!("Invalid email address: {identity}")))?;
            if let Some(check) = config
                .deliverability_check()
                .map_err(|e| CliError::Config(e.to_string()))?
                && let Some((_, domain)) = email.rsplit_once('@')
                && let policy::Deliverability::Undeliverable(why) = check.check(domain).await
            {
                return Err(CliError::Usage(format!("Invalid email address: {why}")));
            }
            let password = password_arg(password)?;
            let hasher = hasher(config)?;
            let identities: Vec<&str> = [Some(email.as_str()), username.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            check_password(config, &hasher, &password, &identities).await?;
            let username = match username {
                Some(u) => {
                    let errs = policy::username_errors_within(
                        &u,
                        config.username_min_length,
                        config.username_max_length,
                    );
                    if !errs.is_empty() {
                        return Err(CliError::Usage(format!(
                            "Invalid username: {}",
                            errs.join("; ")
                        )));
                    }
                    Some(policy::normalize_username(&u))
                }
                None => None,
            };
            let hash = tokio::task::spawn_blocking(move || hasher.hash(&password))
                .await
                .map_err(|e| CliError::Runtime(e.to_string()))?
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            let now = clock.now();
            let user = store
                .create_user(NewUser {
                    email: email.clone(),
                    username,
                    password: Some(hash),
                    active: !inactive,
                    confirmed_at: confirmed.then_some(now),
                    fs_uniquifier: random::uniquifier(),
                    now,
                })
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(field) => CliError::Usage(format!(
                        "Error creating user: {field} is already associated with an account."
                    )),
                    other => other.into(),
                })?;
            events.emit(&Event::UserRegistered { user_id: user.id });
            println!(
                "User created successfully: {} (active: {}, confirmed: {})",
                user.email, user.active, confirmed
            );
        }
        Users::Activate { identity } => {
            let user = find_user(store, &identity).await?;
            if store.set_active(user.id, true, clock.now()).await? {
                events.emit(&Event::UserActiveChanged {
                    user_id: user.id,
                    active: true,
                });
                println!("User {} has been activated.", user.email);
            } else {
                println!("User {} was already activated.", user.email);
            }
        }
        Users::Deactivate { identity } => {
            let user = find_user(store, &identity).await?;
            let changed = store.set_active(user.id, false, clock.now()).await?;
            let ended = store.delete_user_sessions(&user.fs_uniquifier).await?;
            if changed {
                events.emit(&Event::UserActiveChanged {
                    user_id: user.id,
                    active: false,
                });
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
            unlock(config, store, user.as_ref(), &identity).await?;
            println!("Sign-in lock lifted for {identity}.");
        }
        Users::ResetAccess { identity } => {
            let user = find_user(store, &identity).await?;
            unlock(config, store, Some(&user), &identity).await?;
            let now = clock.now();
            store
                .set_uniquifier(user.id, &random::uniquifier(), now)
                .await?;
            store.clear_mfa(user.id, now).await?;
            let ended = store.delete_user_sessions(&user.fs_uniquifier).await?;
            events.emit(&Event::UserAccessReset { user_id: user.id });
            println!(
                "Access reset for {}: every session and token ended ({ended} sessions), second factors cleared.",
                user.email
            );
        }
        Users::ChangePassword { identity, password } => {
            let password = password_arg(password)?;
            let user = find_user(store, &identity).await?;
            let hasher = hasher(config)?;
            let identities: Vec<&str> = [Some(user.email.as_str()), user.username.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            check_password(config, &hasher, &password, &identities).await?;
            let hash = tokio::task::spawn_blocking(move || hasher.hash(&password))
                .await
                .map_err(|e| CliError::Runtime(e.to_string()))?
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            store
                .set_password(
                    user.id,
                    Some(&hash),
                    Some(&random::uniquifier()),
                    clock.now(),
                )
                .await?;
            store.delete_user_sessions(&user.fs_uniquifier).await?;
            events.emit(&Event::PasswordChanged { user_id: user.id });
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

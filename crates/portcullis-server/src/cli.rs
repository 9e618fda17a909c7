//! Command-line interface.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// portcullis: a Flask-Security-compatible auth server.
#[derive(Debug, Parser)]
#[command(name = "portcullis", version)]
pub struct Cli {
    /// Configuration file (TOML; default: portcullis.toml if present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the auth server.
    Serve(ServeArgs),
    /// Manage users.
    #[command(subcommand)]
    Users(Users),
    /// Manage roles.
    #[command(subcommand)]
    Roles(Roles),
    /// Check the configuration.
    #[command(subcommand)]
    Config(ConfigCmd),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Validate the configuration (file, environment) and print the effective values, secrets
    /// and URL passwords redacted. Exit 2 when it is not valid.
    Check,
}

/// Flags of `serve` (flags beat environment variables, which beat the configuration file).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Listen address (default 127.0.0.1:8000; PORTCULLIS_BIND).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Datastore URL: sqlite://PATH, postgres://…, mysql://… (PORTCULLIS_DATABASE_URL).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Users {
    /// List users (id, email, username, active, confirmed, roles).
    List {
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one user (by email or username).
    Show {
        identity: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create a user.
    Create {
        /// Email address.
        identity: String,
        /// Password (default: read one line from standard input).
        #[arg(long)]
        password: Option<String>,
        /// Username.
        #[arg(long)]
        username: Option<String>,
        /// Create active (the default).
        #[arg(long, conflicts_with = "inactive")]
        active: bool,
        /// Create inactive.
        #[arg(long)]
        inactive: bool,
        /// Mark the email as confirmed.
        #[arg(long)]
        confirmed: bool,
    },
    /// Activate a user.
    Activate { identity: String },
    /// Deactivate a user (ends their sessions and tokens).
    Deactivate { identity: String },
    /// Rotate the user's uniquifier (ends every session and token), clear second factors and
    /// any sign-in lock.
    ResetAccess { identity: String },
    /// Lift a sign-in lock (too many failed attempts) on a user or on an unknown identity.
    Unlock { identity: String },
    /// Set a user's password.
    ChangePassword {
        identity: String,
        /// The new password (default: read one line from standard input).
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Roles {
    /// Create a role.
    Create {
        name: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// Comma-separated permissions.
        #[arg(long)]
        permissions: Option<String>,
    },
    /// Give a user a role.
    Add { identity: String, role: String },
    /// Take a role from a user.
    Remove { identity: String, role: String },
    /// Add permissions to a role.
    AddPermissions { role: String, permissions: String },
    /// Remove permissions from a role.
    RemovePermissions { role: String, permissions: String },
}

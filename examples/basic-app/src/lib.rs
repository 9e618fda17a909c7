//! Run with: cargo run -p example-basic-app
//!
//! A small axum application protected by portcullis:
//!
//! | route        | who may see it                                        |
//! |--------------|-------------------------------------------------------|
//! | `/`          | everyone                                              |
//! | `/me`        | any signed-in user (session cookie or auth token)     |
//! | `/admin`     | users with the role `admin`                           |
//! | `/reports`   | users with the permission `read`                      |
//! | `/api/items` | token clients only (`Authentication-Token` header)    |
//!
//! plus everything `security.router()` mounts: `/login`, `/logout`, `/register`, ...
//!
//! A token client signs in as Flask-Security's do: fetch a CSRF token (the login endpoint is
//! CSRF-protected by default), post the credentials asking for a token, then send the token:
//!
//! ```text
//! curl -c jar -H 'Accept: application/json' http://127.0.0.1:3000/login   # response.csrf_token
//! curl -b jar -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" \
//!      -d '{"email":"reader@example.com","password":"reader-demo-password"}' \
//!      'http://127.0.0.1:3000/login?include_auth_token'    # response.user.authentication_token
//! curl -H "Authentication-Token: $TOKEN" http://127.0.0.1:3000/api/items
//! ```
//!
//! The application lives here (`app`, `config`, `seed`) so that `main.rs` stays tiny and the
//! integration tests can drive exactly the same router in process.

use axum::Json;
use axum::Router;
use axum::response::Html;
use axum::routing::get;
use portcullis::core::NewUser;
use portcullis::core::config::ConfigError;
use portcullis::core::crypto::random;
use portcullis::{Config, CurrentUser, Mechanism, Security, guard};
use serde_json::{Value, json};

/// The error type of [`seed`] (and of `main`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Used when `SECRET_KEY` is not set. Anyone who reads this file can forge tokens signed with
/// it: never run a real deployment on it.
pub const DEV_SECRET_KEY: &str = "example-basic-app-dev-secret-key-NOT-FOR-PRODUCTION";
/// Used when `SECURITY_PASSWORD_SALT` is not set. Fixed (not random) so that the demo users'
/// password hashes keep verifying across restarts.
pub const DEV_PASSWORD_SALT: &str = "example-basic-app-dev-password-salt-NOT-FOR-PRODUCTION";

/// Roles created by [`seed`]: name and permissions.
pub const DEMO_ROLES: [(&str, &[&str]); 2] = [("admin", &["read", "write"]), ("reader", &["read"])];

/// Users created by [`seed`]: email, password, role.
pub const DEMO_USERS: [(&str, &str, &str); 2] = [
    ("admin@example.com", "admin-demo-password", "admin"),
    ("reader@example.com", "reader-demo-password", "reader"),
];

/// The application: public, signed-in, role-, permission- and token-only pages, the
/// portcullis flows (`/login`, `/register`, ...) and the layer that authenticates each request.
pub fn app(security: &Security) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/me", get(me))
        .route(
            "/admin",
            get(admin).route_layer(guard::roles_required(["admin"])),
        )
        .route(
            "/reports",
            get(reports).route_layer(guard::permissions_accepted(["read"])),
        )
        .route(
            "/api/items",
            get(items).route_layer(guard::auth_required().mechanisms([Mechanism::Token])),
        )
        .merge(security.router())
        .layer(security.layer())
}

/// `Option<CurrentUser>` never rejects: the page renders for everyone.
async fn home(user: Option<CurrentUser>) -> Html<String> {
    let who = match &user {
        Some(u) => format!(
            "Signed in as <b>{}</b>. <a href=\"/logout\">Sign out</a>",
            escape(u.email())
        ),
        None => {
            "Not signed in. <a href=\"/login\">Sign in</a> or <a href=\"/register\">register</a>."
                .to_owned()
        }
    };
    Html(format!(
        "<!doctype html><title>portcullis example</title>\
         <h1>portcullis basic app</h1><p>{who}</p>\
         <ul><li><a href=\"/me\">/me</a> (any signed-in user)</li>\
         <li><a href=\"/admin\">/admin</a> (role admin)</li>\
         <li><a href=\"/reports\">/reports</a> (permission read)</li>\
         <li><code>/api/items</code> (Authentication-Token header only)</li></ul>"
    ))
}

/// `CurrentUser` answers 401 to API clients and redirects browsers to `/login?next=/me`.
async fn me(user: CurrentUser) -> String {
    format!(
        "Hello {} (signed in by {})",
        user.email(),
        user.via().name()
    )
}

/// Behind `roles_required(["admin"])`: the guard already authenticated the request, and
/// `CurrentUser` picks up the identity it found.
async fn admin(user: CurrentUser) -> String {
    format!("Admin area. Welcome, {}.", user.email())
}

async fn reports(user: CurrentUser) -> String {
    format!("Quarterly reports, readable by {}.", user.email())
}

async fn items(user: CurrentUser) -> Json<Value> {
    Json(json!({
        "user": user.email(),
        "items": [
            {"id": 1, "name": "portcullis"},
            {"id": 2, "name": "drawbridge"},
            {"id": 3, "name": "moat"},
        ],
    }))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `Config::from_env()` (`portcullis.toml` and `SECRET_KEY` / `SECURITY_*` variables), with
/// development secrets filled in when none are configured, and registration enabled.
pub fn config() -> Result<Config, ConfigError> {
    let mut config = Config::from_env()?;
    let unset = |s: &Option<portcullis::core::crypto::Secret<String>>| {
        s.as_ref().is_none_or(|s| s.expose().is_empty())
    };
    if unset(&config.secret_key) {
        tracing::warn!(
            "!!! SECRET_KEY is not set: using a built-in DEVELOPMENT key. Anyone can forge \
             sessions and tokens. Set SECRET_KEY before exposing this app !!!"
        );
        config.secret_key = Some(DEV_SECRET_KEY.into());
    }
    if unset(&config.password_salt) {
        tracing::warn!(
            "!!! SECURITY_PASSWORD_SALT is not set: using a built-in DEVELOPMENT salt. Set \
             SECURITY_PASSWORD_SALT before storing real passwords !!!"
        );
        config.password_salt = Some(DEV_PASSWORD_SALT.into());
    }
    config.registerable = true;
    Ok(config)
}

/// Create the demo roles and users unless they exist. Idempotent: run on every start.
pub async fn seed(security: &Security) -> Result<(), BoxError> {
    let store = security.store();
    let now = || security.clock().now();
    for (name, permissions) in DEMO_ROLES {
        if store.role_by_name(name).await?.is_none() {
            let permissions: Vec<String> = permissions.iter().map(|p| (*p).to_owned()).collect();
            store.create_role(name, None, &permissions, now()).await?;
            tracing::info!(role = name, ?permissions, "created demo role");
        }
    }
    for (email, password, role_name) in DEMO_USERS {
        let user = match store.user_by_email(email).await? {
            Some(user) => user,
            None => {
                let hash = security.hash_pool().hash(password.to_owned()).await?;
                let user = store
                    .create_user(NewUser {
                        email: email.to_owned(),
                        username: None,
                        password: Some(hash),
                        active: true,
                        confirmed_at: Some(now()),
                        fs_uniquifier: random::uniquifier(),
                        now: now(),
                    })
                    .await?;
                tracing::info!(email, "created demo user");
                user
            }
        };
        let role = store
            .role_by_name(role_name)
            .await?
            .ok_or_else(|| format!("demo role {role_name} is missing"))?;
        store.add_role_to_user(user.id, role.id).await?;
        tracing::info!(
            "demo login: {email} / {password} (role {role_name}; unless the password was changed)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
    }
}

//! Typed configuration. Keys are Flask-Security's names in lower case without the `SECURITY_`
//! prefix (`registerable`, `token_max_age`, ...). [`raw`] reads them from a TOML file and from
//! environment variables with Flask-Security's names (`SECURITY_REGISTERABLE=true`).

mod duration;
pub mod net;
pub mod raw;

use serde::Deserialize;

pub use duration::Duration;
pub use net::IpRange;
pub use raw::{ConfigError, KEYS, KeyKind};

use crate::crypto::Secret;

/// Authentication mechanisms (Flask-Security's names: `token`, `session`, `basic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mechanism {
    /// `Authentication-Token` header, `auth_token` query parameter or JSON body key.
    Token,
    /// Server-side session cookie.
    Session,
    /// HTTP Basic.
    Basic,
}

impl Mechanism {
    /// Flask-Security's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Session => "session",
            Self::Basic => "basic",
        }
    }
}

/// An attribute a user can be identified by (`SECURITY_USER_IDENTITY_ATTRIBUTES`), spelled on
/// the wire as Flask-Security spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityAttribute {
    /// `email`.
    Email,
    /// `username`.
    Username,
    /// `us_phone_number` (E.164).
    UsPhoneNumber,
}

impl IdentityAttribute {
    /// The attribute a configuration name means.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "email" => Some(Self::Email),
            "username" => Some(Self::Username),
            "us_phone_number" => Some(Self::UsPhoneNumber),
            _ => None,
        }
    }
}

/// One browser security header: its value, or `false` to leave it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderSetting {
    /// Send this value.
    Value(String),
    /// Do not send the header.
    Off,
}

impl HeaderSetting {
    /// The value to send, if any.
    pub fn value(&self) -> Option<&str> {
        match self {
            Self::Value(v) => Some(v),
            Self::Off => None,
        }
    }
}

impl<'de> Deserialize<'de> for HeaderSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Bool(false) | serde_json::Value::Null => Ok(Self::Off),
            serde_json::Value::String(s) => Ok(Self::Value(s)),
            other => Err(serde::de::Error::custom(format!(
                "expected a header value or false, got {other}"
            ))),
        }
    }
}

/// The browser security headers (PORTCULLIS_SECURITY_HEADERS).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityHeaders {
    /// `X-Content-Type-Options` (every response).
    pub x_content_type_options: HeaderSetting,
    /// `Referrer-Policy` (every response; reset and confirmation tokens travel in URLs).
    pub referrer_policy: HeaderSetting,
    /// `X-Frame-Options` (HTML pages).
    pub frame_options: HeaderSetting,
    /// `Content-Security-Policy` (HTML pages).
    pub content_security_policy: HeaderSetting,
    /// `Strict-Transport-Security`, sent only when `external_url` is https.
    pub hsts: HeaderSetting,
}

impl Default for SecurityHeaders {
    fn default() -> Self {
        let v = |s: &str| HeaderSetting::Value(s.to_owned());
        Self {
            x_content_type_options: v("nosniff"),
            referrer_policy: v("no-referrer"),
            frame_options: v("DENY"),
            content_security_policy: v(
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                 script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
                 object-src 'none'",
            ),
            hsts: v("max-age=63072000; includeSubDomains"),
        }
    }
}

impl SecurityHeaders {
    fn validate(&self) -> Result<(), String> {
        for (name, setting) in [
            ("x_content_type_options", &self.x_content_type_options),
            ("referrer_policy", &self.referrer_policy),
            ("frame_options", &self.frame_options),
            ("content_security_policy", &self.content_security_policy),
            ("hsts", &self.hsts),
        ] {
            if let Some(v) = setting.value()
                && (v.is_empty() || v.bytes().any(|b| b < 0x20 || b == 0x7f))
            {
                return Err(format!("{name}: not a valid header value"));
            }
        }
        Ok(())
    }
}

/// Shortest SECURITY_TOTP_SECRETS value accepted (Flask-Security's own demo secret has 18).
pub const MIN_TOTP_SECRET_CHARS: usize = 16;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    // ---- portcullis / Flask ----
    /// Flask's SECRET_KEY: signs tokens and CSRF tokens. Required.
    pub secret_key: Option<Secret<String>>,
    /// Older keys still accepted when verifying.
    pub secret_key_fallbacks: Vec<Secret<String>>,
    /// Datastore URL (`sqlite://portcullis.db`). Env: PORTCULLIS_DATABASE_URL.
    pub database_url: String,
    /// Most connections to a PostgreSQL/MySQL database per instance. Env:
    /// PORTCULLIS_DATABASE_POOL_SIZE.
    pub database_pool_size: usize,
    /// How long a request waits for a database connection before answering 503. Env:
    /// PORTCULLIS_DATABASE_TIMEOUT.
    pub database_timeout: Duration,
    /// Redis for sessions and brute-force counters shared by several instances
    /// (`redis://host:6379/0`); none keeps them in the database. Env: PORTCULLIS_REDIS_URL.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key. Env: PORTCULLIS_REDIS_KEY_PREFIX.
    pub redis_key_prefix: String,
    /// Listen address. Env: PORTCULLIS_BIND.
    pub bind: String,
    /// Time a client has to send a request's headers. Env: PORTCULLIS_HEADER_READ_TIMEOUT.
    pub header_read_timeout: Duration,
    /// An idle kept-alive connection is closed after this. Env: PORTCULLIS_KEEP_ALIVE_TIMEOUT.
    pub keep_alive_timeout: Duration,
    /// Time a request has for its answer (then 503). Env: PORTCULLIS_REQUEST_TIMEOUT.
    pub request_timeout: Duration,
    /// Open connections at most; more clients wait to be accepted. Env:
    /// PORTCULLIS_MAX_CONNECTIONS.
    pub max_connections: usize,
    /// How long shutdown (SIGTERM, SIGINT) waits for requests in flight and queued mail. Env:
    /// PORTCULLIS_SHUTDOWN_GRACE.
    pub shutdown_grace: Duration,
    /// Largest request line plus headers, in bytes (then 431). Env:
    /// PORTCULLIS_MAX_HEADER_BYTES.
    pub max_header_bytes: usize,
    /// Browser security headers: a table of `x_content_type_options`, `referrer_policy`,
    /// `frame_options`, `content_security_policy` (HTML pages) and `hsts` (only when
    /// `external_url` is https), each a header value or `false` to leave it out. Env:
    /// PORTCULLIS_SECURITY_HEADERS (JSON).
    pub security_headers: SecurityHeaders,
    /// Serve `GET /metrics` (Prometheus text format). Env: PORTCULLIS_METRICS.
    pub metrics: bool,
    /// Serve `/metrics` on this address instead of the main one (e.g. `127.0.0.1:9100`). Env:
    /// PORTCULLIS_METRICS_BIND.
    pub metrics_bind: Option<String>,
    /// `text` or `json` log lines. Env: PORTCULLIS_LOG_FORMAT.
    pub log_format: String,
    /// Languages offered (BCP 47 tags), chosen per request from `Accept-Language`; portcullis
    /// ships en, de, fr and es. Env: SECURITY_I18N_LANGUAGES.
    pub i18n_languages: Vec<String>,
    /// The language when the client asks for none that is offered (Babel's default locale).
    /// Env: SECURITY_I18N_DEFAULT_LOCALE.
    pub i18n_default_locale: String,
    /// Show flow outcomes on the next page (Flask-Security's flash messages). Env:
    /// SECURITY_FLASH_MESSAGES.
    pub flash_messages: bool,
    /// A directory of `<lang>.ftl` Fluent catalogs that add languages or override texts. Env:
    /// SECURITY_I18N_DIRNAME.
    pub i18n_dirname: Option<String>,
    /// Name of the session cookie.
    pub session_cookie_name: String,
    /// Mark session cookies `Secure` (default off so http://127.0.0.1 works; turn on behind TLS).
    pub session_cookie_secure: bool,
    /// Session lifetime without `remember`.
    pub session_lifetime: Duration,
    /// Session lifetime with `remember` (Flask-Login's remember cookie lasts 365 days).
    pub remember_lifetime: Duration,
    /// Concurrent password-hash computations (0 = half the CPUs, at least one).
    pub hashing_pool_size: usize,
    /// How long users, sessions and roles read from the datastore are reused (0 = no cache).
    /// Changes made through this process apply at once; changes by another process or
    /// instance within this time.
    pub cache_ttl: Duration,
    /// Lifetime of CSRF tokens (Flask-WTF's WTF_CSRF_TIME_LIMIT).
    pub csrf_time_limit: Duration,

    // ---- mail ----
    /// SMTP server for outgoing mail: `smtp://host:port` (no TLS; for loopback),
    /// `smtp://host:587?tls=required` (STARTTLS), `smtp://host:587?tls=opportunistic`,
    /// `smtps://user:password@host:465` (implicit TLS). None: the library logs mails and the
    /// server writes them to `mail_outbox`. Env: PORTCULLIS_SMTP_URL.
    pub smtp_url: Option<String>,
    /// `From` of every mail (`Name <address>` or `address`). Env: PORTCULLIS_MAIL_FROM.
    pub mail_from: String,
    /// Directory where `portcullis serve` writes mails (one JSON file each) while no
    /// `smtp_url` is set. Env: PORTCULLIS_MAIL_OUTBOX.
    pub mail_outbox: String,
    /// Longest time a mail may take to send (connection and every SMTP command, and the whole
    /// send). Env: PORTCULLIS_MAIL_TIMEOUT.
    pub mail_timeout: Duration,

    // ---- feature flags ----
    /// Enable `/register`.
    pub registerable: bool,
    /// Require email confirmation.
    pub confirmable: bool,
    /// Enable password reset.
    pub recoverable: bool,
    /// Enable `/change`.
    pub changeable: bool,
    /// Login tracking.
    pub trackable: bool,
    /// Usernames as an identity.
    pub username_enable: bool,
    /// Username required at registration.
    pub username_required: bool,
    /// Shortest username.
    pub username_min_length: usize,
    /// Longest username.
    pub username_max_length: usize,
    /// Allow sign-in before confirmation.
    pub login_without_confirmation: bool,
    /// Hide whether accounts exist.
    pub return_generic_responses: bool,

    // ---- passwords ----
    /// Scheme for new hashes.
    pub password_hash: String,
    /// Key of the HMAC pre-hash. Required (generated by `serve` when absent).
    pub password_salt: Option<Secret<String>>,
    /// Schemes that skip the pre-hash: `true` for all, or a list of names.
    pub password_single_hash: serde_json::Value,
    /// Schemes accepted when verifying.
    pub password_schemes: Vec<String>,
    /// Scheme parameters, passlib style (`argon2__rounds`, `argon2__memory_cost`,
    /// `argon2__parallelism`, `bcrypt__rounds`, `pbkdf2_sha512__rounds`, `sha512_crypt__rounds`).
    pub password_hash_passlib_options: serde_json::Map<String, serde_json::Value>,
    /// Minimum length (after normalisation).
    pub password_length_min: usize,
    /// Unicode normalisation of passwords (`NFKD`), or empty for none.
    pub password_normalize_form: String,
    /// Longest password accepted (an error beyond it, never silent truncation).
    pub password_length_max: usize,
    /// `zxcvbn` to require complex passwords (off when unset).
    pub password_complexity_checker: Option<String>,
    /// zxcvbn score (0–4) a password needs.
    pub zxcvbn_minimum_score: u8,
    /// Breached-password check: `false`, `true` / `"best-effort"`, or `"strict"`.
    pub password_check_breached: serde_json::Value,
    /// Seen this many times in breaches = refused.
    pub password_breached_count: u64,
    /// Base URL of the k-anonymity range API (`{base}{5 hex}`).
    pub password_breached_url: String,
    /// Offline list of breached passwords (SHA-1 hex or plain, one per line). Env:
    /// PORTCULLIS_PASSWORD_BREACHED_LIST.
    pub password_breached_list: Option<String>,
    /// Timeout of a range API request. Env: PORTCULLIS_PASSWORD_BREACHED_TIMEOUT.
    pub password_breached_timeout: Duration,
    /// Registration requires a password.
    pub password_required: bool,
    /// Registration requires `password_confirm`.
    pub password_confirm_required: bool,

    // ---- tokens, freshness ----
    /// Auth token lifetime.
    pub token_max_age: Duration,
    /// Auth token header.
    pub token_authentication_header: String,
    /// Auth token query parameter / JSON key.
    pub token_authentication_key: String,
    /// Always return the auth token.
    pub backwards_compat_auth_token: bool,
    /// Freshness window; negative = always fresh (and no `/verify`).
    pub freshness: Duration,
    /// Grace period after a fresh check.
    pub freshness_grace_period: Duration,
    /// `fs_paa` inside auth tokens counts for freshness.
    pub freshness_allow_auth_token: bool,

    // ---- mechanisms, CSRF ----
    /// Mechanisms for portcullis' own authenticated endpoints.
    pub api_enabled_methods: Vec<Mechanism>,
    /// Mechanisms whose state-changing requests need a CSRF token. Flask-Security's default also
    /// lists `token`; portcullis' does not: a token is never sent by a browser on its own.
    pub csrf_protect_mechanisms: Vec<Mechanism>,
    /// Skip CSRF on unauthenticated endpoints (login, register) for unauthenticated callers.
    pub csrf_ignore_unauth_endpoints: bool,
    /// Name of a cookie carrying the CSRF token for SPAs (e.g. `XSRF-TOKEN`).
    pub csrf_cookie_name: Option<String>,
    /// Mark the CSRF cookie `Secure` (Flask-Security 5.9's default; browsers accept it on
    /// http://localhost too).
    pub csrf_cookie_secure: bool,
    /// Extra CSRF header name (besides `X-CSRFToken` and `X-CSRF-Token`).
    pub csrf_header: String,
    /// Require CSRF on logout.
    pub logout_csrf: bool,
    /// Methods `/logout` answers.
    pub logout_methods: Vec<String>,

    // ---- brute-force protection ----
    /// Consecutive failed sign-ins that lock an account (0 = no lockout).
    pub lockout_max_failures: u64,
    /// First lock's duration; doubles with each further lockout, capped at one hour.
    pub lockout_duration: Duration,
    /// Failed sign-ins per client address within `rate_limit_window` (0 = no limit).
    pub rate_limit_failures: u64,
    /// The rate-limit window.
    pub rate_limit_window: Duration,
    /// Proxies (IPs or CIDR ranges) whose `X-Forwarded-For` is believed. Env:
    /// PORTCULLIS_TRUSTED_PROXIES.
    pub trusted_proxies: Vec<String>,

    // ---- identity, views, redirects ----
    /// Region for phone numbers written without `+country` (ISO 3166 code).
    pub phone_region_default: String,
    /// email_validator's arguments that portcullis honours: `check_deliverability` (bool,
    /// default false), `timeout` (seconds, default 5) and, a portcullis addition,
    /// `nameservers` (list of `ip:port`; default the system resolver).
    pub email_validator_args: serde_json::Map<String, serde_json::Value>,
    /// Identity attributes, in lookup order (`email`, `username`, `us_phone_number`).
    pub user_identity_attributes: Vec<String>,
    /// Default of `remember`.
    pub default_remember_me: bool,
    /// Realm of `WWW-Authenticate: Basic`.
    pub default_http_auth_realm: String,
    /// Where form logins go (default: the account page).
    pub post_login_view: String,
    /// The account page: who is signed in, sign out, links to the account's settings
    /// (portcullis; Flask-Security has none).
    pub account_url: String,
    /// Where form logouts go.
    pub post_logout_view: String,
    /// Where form registrations go (default: post_login_view).
    pub post_register_view: Option<String>,
    /// Where form password changes go (default: post_login_view).
    pub post_change_view: Option<String>,
    /// Where form re-authentications go (default: post_login_view).
    pub post_verify_view: Option<String>,
    /// Allow redirects to subdomains of `server_name`.
    pub redirect_allow_subdomains: bool,
    /// The server's own host name (Flask's SERVER_NAME).
    pub server_name: Option<String>,
    /// Base domain for allowed redirect hosts.
    pub redirect_base_domain: Option<String>,
    /// Subdomains of `redirect_base_domain` allowed as redirect hosts (`.` = the base itself).
    pub redirect_allowed_subdomains: Vec<String>,

    // ---- URLs ----
    /// Login URL.
    pub login_url: String,
    /// Logout URL.
    pub logout_url: String,
    /// Register URL.
    pub register_url: String,
    /// Change-password URL.
    pub change_url: String,
    /// Re-authentication URL.
    pub verify_url: String,

    // ---- email-driven flows ----
    /// How long a confirmation link is valid.
    pub confirm_email_within: Duration,
    /// How long a password-reset link is valid.
    pub reset_password_within: Duration,
    /// How long a change-email link is valid.
    pub change_email_within: Duration,
    /// Sign the user in when a confirmation link is followed.
    pub auto_login_after_confirm: bool,
    /// Mail a welcome (with the confirmation link when confirmable) at registration.
    pub send_register_email: bool,
    /// Mail a notice when the password is changed.
    pub send_password_change_email: bool,
    /// Mail the reset link (off: the application sends it, from the event).
    pub send_password_reset_email: bool,
    /// Mail a notice when the password was reset.
    pub send_password_reset_notice_email: bool,
    /// Mail a notice when the username changes.
    pub send_username_change_email: bool,
    /// `/change-email` (SECURITY_CHANGE_EMAIL).
    pub change_email: bool,
    /// `/change-username` (SECURITY_CHANGE_USERNAME).
    pub change_username: bool,
    /// `/recover-username` (SECURITY_USERNAME_RECOVERY).
    pub username_recovery: bool,
    /// Mails carry a text part.
    pub email_plaintext: bool,
    /// Mails carry an HTML part.
    pub email_html: bool,
    /// `spa`: email links redirect to the single-page app's views with query parameters.
    pub redirect_behavior: Option<String>,
    /// Host (`host:port`) of the SPA redirect views.
    pub redirect_host: Option<String>,
    /// SPA/form view for confirmation errors.
    pub confirm_error_view: Option<String>,
    /// Where a followed confirmation link goes.
    pub post_confirm_view: Option<String>,
    /// SPA view that shows the reset form (`?token=`).
    pub reset_view: Option<String>,
    /// SPA/form view for reset-link errors.
    pub reset_error_view: Option<String>,
    /// Where a completed reset goes (forms; default the login page).
    pub post_reset_view: Option<String>,
    /// SPA/form view for change-email link errors.
    pub change_email_error_view: Option<String>,
    /// Where a followed change-email link goes.
    pub post_change_email_view: Option<String>,
    /// Where a form username change goes.
    pub post_change_username_view: Option<String>,
    /// Confirmation URL.
    pub confirm_url: String,
    /// Password-reset URL.
    pub reset_url: String,
    /// Change-email URL.
    pub change_email_url: String,
    /// Change-username URL.
    pub change_username_url: String,
    /// Username-recovery URL.
    pub username_recovery_url: String,
    /// Subject of the welcome mail.
    pub email_subject_register: String,
    /// Subject of the confirmation mail.
    pub email_subject_confirm: String,
    /// Subject of the reset mail.
    pub email_subject_password_reset: String,
    /// Subject of the reset notice.
    pub email_subject_password_notice: String,
    /// Subject of the change notice.
    pub email_subject_password_change_notice: String,
    /// Subject of the username notice.
    pub email_subject_username_change_notice: String,
    /// Subject of the username-recovery mail.
    pub email_subject_username_recovery: String,
    /// Subject of the change-email mail.
    pub change_email_subject: String,
    /// The public base URL links in mails start with (`https://auth.example.com`); default `http://<bind>` with a warning. Never taken from the request's Host header. Env: PORTCULLIS_EXTERNAL_URL.
    pub external_url: Option<String>,
    // ---- two-factor ----
    /// Two-factor authentication (SECURITY_TWO_FACTOR).
    pub two_factor: bool,
    /// Every user must set up a second factor.
    pub two_factor_required: bool,
    /// Second-factor methods offered (`email`, `authenticator`, `sms`).
    pub two_factor_enabled_methods: Vec<String>,
    /// Always ask for the second factor (false: a `tf_validity` cookie skips it on a remembered browser).
    pub two_factor_always_validate: bool,
    /// How long the `tf_validity` cookie lasts.
    pub two_factor_login_validity: Duration,
    /// Window (seconds, ±) for authenticator codes.
    pub two_factor_authenticator_validity: i64,
    /// Window (seconds, ±) for mailed codes.
    pub two_factor_mail_validity: i64,
    /// Window (seconds, ±) for SMS codes.
    pub two_factor_sms_validity: i64,
    /// How long a setup (or a half-done sign-in) may take.
    pub two_factor_setup_within: Duration,
    /// Offer mailing a code to the account's address in `/tf-rescue`.
    pub two_factor_rescue_email: bool,
    /// Where `/tf-rescue` help requests go.
    pub two_factor_rescue_mail: String,
    /// Name of the remembered-browser cookie.
    pub two_factor_validity_cookie_name: String,
    /// Subject of the mailed code.
    pub email_subject_two_factor: String,
    /// Subject of the help-desk mail.
    pub email_subject_two_factor_rescue: String,
    /// Keys that encrypt TOTP secrets at rest, by tag (`{"1": "…"}`); the highest tag encrypts, all decrypt.
    pub totp_secrets: Secret<serde_json::Map<String, serde_json::Value>>,
    /// Issuer shown by authenticator apps.
    pub totp_issuer: Option<String>,
    /// Recovery codes (`/mf-recovery-codes`, `/mf-recovery`).
    pub multi_factor_recovery_codes: bool,
    /// How many recovery codes are made at a time.
    pub multi_factor_recovery_codes_n: u64,
    /// SMS sender: `outbox` (files), `twilio` (a Twilio-style REST API), `log`.
    pub sms_service: String,
    /// Sender settings: `ACCOUNT_SID`, `AUTH_TOKEN`, `PHONE_NUMBER`, `BASE_URL` (twilio).
    pub sms_service_config: Secret<serde_json::Map<String, serde_json::Value>>,
    /// Directory of the outbox SMS sender. Env: PORTCULLIS_SMS_OUTBOX.
    pub sms_outbox: String,
    /// Two-factor setup URL.
    pub two_factor_setup_url: String,
    /// Two-factor code URL.
    pub two_factor_token_validation_url: String,
    /// Two-factor rescue URL.
    pub two_factor_rescue_url: String,
    /// Two-factor method choice URL.
    pub two_factor_select_url: String,
    /// Recovery codes URL.
    pub multi_factor_recovery_codes_url: String,
    /// Recovery code sign-in URL.
    pub multi_factor_recovery_url: String,
    // ---- unified sign-in ----
    /// Unified sign-in (`/us-signin`; SECURITY_UNIFIED_SIGNIN).
    pub unified_signin: bool,
    /// Unified sign-in methods (`password`, `email`, `authenticator`, `sms`).
    pub us_enabled_methods: Vec<String>,
    /// Sign-ins by these methods continue into two-factor (when it is on).
    pub us_mfa_required: Vec<String>,
    /// Window (seconds, ±) of unified sign-in codes.
    pub us_token_validity: i64,
    /// How long a unified sign-in setup may take.
    pub us_setup_within: Duration,
    /// `/login` is unified sign-in.
    pub us_signin_replaces_login: bool,
    /// Subject of the mailed sign-in code.
    pub us_email_subject: String,
    /// Unified sign-in URL.
    pub us_signin_url: String,
    /// Code request URL.
    pub us_signin_send_code_url: String,
    /// Unified sign-in setup URL.
    pub us_setup_url: String,
    /// Unified re-authentication URL.
    pub us_verify_url: String,
    /// Re-authentication code request URL.
    pub us_verify_send_code_url: String,
    /// Magic link URL.
    pub us_verify_link_url: String,
    /// SPA view for magic-link errors.
    pub login_error_view: Option<String>,
    /// WebAuthn: passkeys and security keys (`/wan-*`).
    pub webauthn: bool,
    /// A passkey may sign in on its own.
    pub wan_allow_as_first_factor: bool,
    /// A passkey used with user verification counts as two factors (no second step).
    pub wan_allow_as_multi_factor: bool,
    /// `/wan-signin` takes an identity to list that user's credentials (and passkeys may be
    /// non-discoverable).
    pub wan_allow_user_hints: bool,
    /// Which usages `/wan-verify` accepts (`first`, `secondary`).
    pub wan_allow_as_verify: Vec<String>,
    /// The relying party's name, shown by the authenticator.
    pub wan_rp_name: String,
    /// How long a registration ceremony may take.
    pub wan_register_within: Duration,
    /// How long a sign-in or verify ceremony may take.
    pub wan_signin_within: Duration,
    /// The browser's timeout for a registration (milliseconds).
    pub wan_register_timeout: usize,
    /// The browser's timeout for a sign-in (milliseconds).
    pub wan_signin_timeout: usize,
    /// The longest credential name.
    pub wan_name_max_length: usize,
    /// Credential registration (and list) URL.
    pub wan_register_url: String,
    /// Passkey / security key sign-in URL.
    pub wan_signin_url: String,
    /// Credential deletion URL.
    pub wan_delete_url: String,
    /// Credential renaming URL (ours: Flask-Security has none).
    pub wan_rename_url: String,
    /// Re-authentication with a credential URL.
    pub wan_verify_url: String,
    /// Where a browser goes after registering a credential (default: the registration page).
    pub wan_post_register_view: Option<String>,
    /// In generic-response mode, the least time the forgot/confirm/recover/register answers
    /// take, so timing does not tell known addresses from unknown ones. Env:
    /// PORTCULLIS_GENERIC_RESPONSE_FLOOR.
    pub generic_response_floor: Duration,
    /// A directory whose templates (pages `*.html`, mails `mail/*.txt`/`*.html`) replace the built-in ones of the same name. Env: PORTCULLIS_TEMPLATE_DIR.
    pub template_dir: Option<String>,
    /// Where the built-in stylesheet and scripts are served (Flask-Security's
    /// SECURITY_STATIC_FOLDER_URL); `<static_folder_url>/portcullis.css`.
    pub static_folder_url: String,
    /// The application's name, shown in every page's header and title. Env:
    /// PORTCULLIS_APP_NAME.
    pub app_name: Option<String>,
    /// The address of the application's logo, shown beside its name. Env:
    /// PORTCULLIS_APP_LOGO_URL.
    pub app_logo_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            secret_key: None,
            secret_key_fallbacks: Vec::new(),
            database_url: "sqlite://portcullis.db".into(),
            database_pool_size: 10,
            database_timeout: Duration::secs(3),
            redis_url: None,
            redis_key_prefix: "portcullis:".into(),
            bind: "127.0.0.1:8080".into(),
            session_cookie_name: "session".into(),
            session_cookie_secure: false,
            session_lifetime: Duration::days(1),
            remember_lifetime: Duration::days(365),
            hashing_pool_size: 0,
            cache_ttl: Duration::secs(1),
            csrf_time_limit: Duration::hours(1),
            smtp_url: None,
            mail_from: "portcullis <no-reply@localhost>".into(),
            mail_outbox: "outbox/mail".into(),
            mail_timeout: Duration::secs(10),
            header_read_timeout: Duration::secs(10),
            keep_alive_timeout: Duration::secs(5),
            request_timeout: Duration::secs(30),
            max_connections: 1024,
            shutdown_grace: Duration::secs(30),
            max_header_bytes: 16 * 1024,
            security_headers: SecurityHeaders::default(),
            metrics: true,
            metrics_bind: None,
            log_format: "text".into(),
            i18n_languages: vec!["en".into(), "de".into(), "fr".into(), "es".into()],
            i18n_default_locale: "en".into(),
            i18n_dirname: None,
            flash_messages: true,
            registerable: false,
            confirmable: false,
            recoverable: false,
            changeable: false,
            trackable: false,
            username_enable: false,
            username_required: false,
            username_min_length: 4,
            username_max_length: 32,
            login_without_confirmation: false,
            return_generic_responses: false,
            password_hash: "argon2".into(),
            password_salt: None,
            password_single_hash: serde_json::Value::Null,
            password_schemes: [
                "bcrypt",
                "argon2",
                "pbkdf2_sha512",
                "sha512_crypt",
                "plaintext",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            password_hash_passlib_options: serde_json::Map::new(),
            password_length_min: 8,
            password_normalize_form: "NFKD".into(),
            password_length_max: 128,
            password_complexity_checker: None,
            zxcvbn_minimum_score: 3,
            password_check_breached: serde_json::Value::Bool(false),
            password_breached_count: 1,
            password_breached_url: "https://api.pwnedpasswords.com/range/".into(),
            password_breached_list: None,
            password_breached_timeout: Duration::secs(5),
            password_required: true,
            password_confirm_required: true,
            token_max_age: Duration::mins(15),
            token_authentication_header: "Authentication-Token".into(),
            token_authentication_key: "auth_token".into(),
            backwards_compat_auth_token: false,
            freshness: Duration::days(1),
            freshness_grace_period: Duration::hours(1),
            freshness_allow_auth_token: true,
            api_enabled_methods: vec![Mechanism::Session, Mechanism::Token],
            csrf_protect_mechanisms: vec![Mechanism::Session, Mechanism::Basic],
            csrf_ignore_unauth_endpoints: false,
            csrf_cookie_name: None,
            csrf_cookie_secure: true,
            csrf_header: "X-XSRF-Token".into(),
            logout_csrf: false,
            logout_methods: vec!["POST".into()],
            lockout_max_failures: 10,
            lockout_duration: Duration::mins(15),
            rate_limit_failures: 100,
            rate_limit_window: Duration::mins(5),
            trusted_proxies: Vec::new(),
            phone_region_default: "US".into(),
            email_validator_args: serde_json::Map::new(),
            user_identity_attributes: vec!["email".into()],
            default_remember_me: false,
            default_http_auth_realm: "Login Required".into(),
            post_login_view: "/account".into(),
            account_url: "/account".into(),
            post_logout_view: "/".into(),
            post_register_view: None,
            post_change_view: None,
            post_verify_view: None,
            redirect_allow_subdomains: false,
            server_name: None,
            redirect_base_domain: None,
            redirect_allowed_subdomains: Vec::new(),
            login_url: "/login".into(),
            logout_url: "/logout".into(),
            register_url: "/register".into(),
            change_url: "/change".into(),
            verify_url: "/verify".into(),
            confirm_email_within: Duration::days(2),
            reset_password_within: Duration::days(1),
            change_email_within: Duration::hours(2),
            auto_login_after_confirm: false,
            send_register_email: true,
            send_password_change_email: true,
            send_password_reset_email: true,
            send_password_reset_notice_email: true,
            send_username_change_email: true,
            change_email: false,
            change_username: false,
            username_recovery: false,
            email_plaintext: true,
            email_html: true,
            redirect_behavior: None,
            redirect_host: None,
            confirm_error_view: None,
            post_confirm_view: None,
            reset_view: None,
            reset_error_view: None,
            post_reset_view: None,
            change_email_error_view: None,
            post_change_email_view: None,
            post_change_username_view: None,
            confirm_url: "/confirm".into(),
            reset_url: "/reset".into(),
            change_email_url: "/change-email".into(),
            change_username_url: "/change-username".into(),
            username_recovery_url: "/recover-username".into(),
            email_subject_register: "Welcome".into(),
            email_subject_confirm: "Please confirm your email".into(),
            email_subject_password_reset: "Password reset instructions".into(),
            email_subject_password_notice: "Your password has been reset".into(),
            email_subject_password_change_notice: "Your password has been changed".into(),
            email_subject_username_change_notice: "Your username has been changed".into(),
            email_subject_username_recovery: "Your requested username".into(),
            change_email_subject: "Confirm your new email address".into(),
            external_url: None,
            two_factor: false,
            two_factor_required: false,
            two_factor_enabled_methods: vec!["email".into(), "authenticator".into(), "sms".into()],
            two_factor_always_validate: true,
            two_factor_login_validity: Duration::days(30),
            two_factor_authenticator_validity: 120,
            two_factor_mail_validity: 300,
            two_factor_sms_validity: 120,
            two_factor_setup_within: Duration::mins(30),
            two_factor_rescue_email: true,
            two_factor_rescue_mail: "no-reply@localhost".into(),
            two_factor_validity_cookie_name: "tf_validity".into(),
            email_subject_two_factor: "Two-Factor Login".into(),
            email_subject_two_factor_rescue: "Two-Factor Rescue".into(),
            totp_secrets: Secret::new(serde_json::Map::new()),
            totp_issuer: None,
            multi_factor_recovery_codes: false,
            multi_factor_recovery_codes_n: 5,
            sms_service: "outbox".into(),
            sms_service_config: Secret::new(serde_json::Map::new()),
            sms_outbox: "outbox/sms".into(),
            two_factor_setup_url: "/tf-setup".into(),
            two_factor_token_validation_url: "/tf-validate".into(),
            two_factor_rescue_url: "/tf-rescue".into(),
            two_factor_select_url: "/tf-select".into(),
            multi_factor_recovery_codes_url: "/mf-recovery-codes".into(),
            multi_factor_recovery_url: "/mf-recovery".into(),
            unified_signin: false,
            us_enabled_methods: vec![
                "password".into(),
                "email".into(),
                "authenticator".into(),
                "sms".into(),
            ],
            us_mfa_required: vec!["password".into(), "email".into()],
            us_token_validity: 120,
            us_setup_within: Duration::mins(30),
            us_signin_replaces_login: false,
            us_email_subject: "Verification Code".into(),
            us_signin_url: "/us-signin".into(),
            us_signin_send_code_url: "/us-signin/send-code".into(),
            us_setup_url: "/us-setup".into(),
            us_verify_url: "/us-verify".into(),
            us_verify_send_code_url: "/us-verify/send-code".into(),
            us_verify_link_url: "/us-verify-link".into(),
            login_error_view: None,
            webauthn: false,
            wan_allow_as_first_factor: true,
            wan_allow_as_multi_factor: true,
            wan_allow_user_hints: true,
            wan_allow_as_verify: vec!["first".into(), "secondary".into()],
            wan_rp_name: "My Flask App".into(),
            wan_register_within: Duration::mins(30),
            wan_signin_within: Duration::mins(1),
            wan_register_timeout: 60_000,
            wan_signin_timeout: 60_000,
            wan_name_max_length: 64,
            wan_register_url: "/wan-register".into(),
            wan_signin_url: "/wan-signin".into(),
            wan_delete_url: "/wan-delete".into(),
            wan_rename_url: "/wan-rename".into(),
            wan_verify_url: "/wan-verify".into(),
            wan_post_register_view: None,
            generic_response_floor: Duration::secs(1),
            template_dir: None,
            static_folder_url: "/fs-static".into(),
            app_name: None,
            app_logo_url: None,
        }
    }
}

/// A plausible `From`: `local@domain` or `Name <local@domain>`, one line. The SMTP mailer
/// checks it fully when it is built.
fn is_mailbox(text: &str) -> bool {
    let t = text.trim();
    let address = match (t.rfind('<'), t.strip_suffix('>')) {
        (Some(open), Some(inner)) => &inner[open + 1..],
        (None, None) => t,
        _ => return false,
    };
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !address.chars().any(|c| c.is_whitespace() || c.is_control())
                && !t.chars().any(char::is_control)
        }
        None => false,
    }
}

/// `email_validator_args`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailValidatorArgs {
    /// Look the domain up in DNS.
    pub check_deliverability: bool,
    /// Resolver timeout per query.
    pub timeout: std::time::Duration,
    /// Name servers to ask instead of the system's.
    pub nameservers: Vec<std::net::SocketAddr>,
}

impl Config {
    /// Read `path` (TOML; skipped when `None`) and the process environment, then validate.
    pub fn load(path: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        raw::load(path, std::env::vars())
    }

    /// Configuration from the environment plus `portcullis.toml` when that file exists.
    pub fn from_env() -> Result<Self, ConfigError> {
        let default = std::path::Path::new("portcullis.toml");
        Self::load(default.exists().then_some(default))
    }

    /// Whether SECURITY_TOTP_SECRETS is needed: two-factor, recovery codes or unified sign-in
    /// keep secrets encrypted with it.
    pub fn needs_totp_secrets(&self) -> bool {
        self.two_factor || self.multi_factor_recovery_codes || self.unified_signin
    }

    /// The secrets a running instance cannot do without (checked when a `Security` is built,
    /// after `portcullis serve` has had the chance to generate them).
    pub fn check_secrets(&self) -> Result<(), ConfigError> {
        if self.needs_totp_secrets() && self.totp_secrets.expose().is_empty() {
            return Err(ConfigError::Invalid {
                key: "totp_secrets",
                message: "two-factor, recovery codes and unified sign-in need \
                          SECURITY_TOTP_SECRETS ({\"1\": \"a long random secret\"}) to encrypt \
                          their secrets at rest"
                    .into(),
            });
        }
        Ok(())
    }

    /// Check cross-key rules; called by the loaders.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &'static str, message: String| Err(ConfigError::Invalid { key, message });
        if !self.password_schemes.contains(&self.password_hash) {
            return bad(
                "password_hash",
                format!("{:?} is not in password_schemes", self.password_hash),
            );
        }
        if crate::crypto::password::Scheme::from_name(&self.password_hash).is_none() {
            return bad(
                "password_hash",
                format!("unsupported scheme {:?}", self.password_hash),
            );
        }
        for s in &self.password_schemes {
            if crate::crypto::password::Scheme::from_name(s).is_none() {
                return bad("password_schemes", format!("unsupported scheme {s:?}"));
            }
        }
        for a in &self.user_identity_attributes {
            if IdentityAttribute::from_name(a).is_none() {
                return bad(
                    "user_identity_attributes",
                    format!(
                        "unsupported identity attribute {a:?} (email, username, us_phone_number)"
                    ),
                );
            }
        }
        if !crate::policy::is_region(&self.phone_region_default) {
            return bad(
                "phone_region_default",
                format!("unknown region {:?}", self.phone_region_default),
            );
        }
        self.email_validator()?;
        if !matches!(self.password_normalize_form.as_str(), "" | "NFKD") {
            return bad(
                "password_normalize_form",
                "only \"NFKD\" or \"\" (none) is supported".into(),
            );
        }
        if self.database_pool_size == 0 {
            return bad("database_pool_size", "must be at least 1".into());
        }
        if self.database_timeout.as_secs() <= 0 {
            return bad("database_timeout", "must be positive".into());
        }
        if let Some(url) = &self.redis_url
            && !url.starts_with("redis://")
        {
            return bad(
                "redis_url",
                "expected redis://[:password@]host:port/db (TLS to Redis, rediss://, is not supported yet)".into(),
            );
        }
        if let Some(url) = &self.smtp_url {
            let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
            if !matches!(scheme.as_deref(), Some("smtp" | "smtps")) {
                return bad(
                    "smtp_url",
                    "expected smtp://host:port, smtp://host:587?tls=required or smtps://user:password@host:465".into(),
                );
            }
        }
        if !is_mailbox(&self.mail_from) {
            return bad(
                "mail_from",
                format!(
                    "expected an address or \"Name <address>\", got {:?}",
                    self.mail_from
                ),
            );
        }
        if self.mail_outbox.trim().is_empty() {
            return bad("mail_outbox", "must not be empty".into());
        }
        if self.mail_timeout.as_secs() <= 0 {
            return bad("mail_timeout", "must be positive".into());
        }
        for (key, d) in [
            ("header_read_timeout", self.header_read_timeout),
            ("keep_alive_timeout", self.keep_alive_timeout),
            ("request_timeout", self.request_timeout),
        ] {
            if d.as_secs() <= 0 {
                return bad(key, "must be positive".into());
            }
        }
        if self.shutdown_grace.as_secs() < 0 {
            return bad("shutdown_grace", "must not be negative".into());
        }
        if self.max_connections == 0 {
            return bad("max_connections", "must be at least 1".into());
        }
        if self.max_header_bytes < 1024 {
            return bad("max_header_bytes", "must be at least 1024".into());
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return bad(
                "log_format",
                format!("expected \"text\" or \"json\", got {:?}", self.log_format),
            );
        }
        self.security_headers
            .validate()
            .map_err(|message| ConfigError::Invalid {
                key: "security_headers",
                message,
            })?;
        if self.cache_ttl.as_secs() < 0 {
            return bad("cache_ttl", "must not be negative".into());
        }
        if self.token_max_age.as_secs() < 0 {
            return bad("token_max_age", "must not be negative".into());
        }
        if self.session_lifetime.as_secs() <= 0 || self.remember_lifetime.as_secs() <= 0 {
            return bad("session_lifetime", "must be positive".into());
        }
        if self.username_min_length == 0 || self.username_max_length < self.username_min_length {
            return bad(
                "username_max_length",
                "needs 0 < username_min_length <= username_max_length".into(),
            );
        }
        if self.password_length_max < self.password_length_min {
            return bad(
                "password_length_max",
                "must not be less than password_length_min".into(),
            );
        }
        if let Some(c) = &self.password_complexity_checker
            && c != "zxcvbn"
        {
            return bad(
                "password_complexity_checker",
                format!("unsupported checker {c:?} (zxcvbn)"),
            );
        }
        if self.zxcvbn_minimum_score > 4 {
            return bad("zxcvbn_minimum_score", "must be 0 to 4".into());
        }
        self.breached_mode()?;
        if self.password_breached_timeout.as_secs() <= 0 {
            return bad("password_breached_timeout", "must be positive".into());
        }
        if self.lockout_duration.as_secs() <= 0 {
            return bad("lockout_duration", "must be positive".into());
        }
        if self.rate_limit_window.as_secs() <= 0 {
            return bad("rate_limit_window", "must be positive".into());
        }
        for p in &self.trusted_proxies {
            IpRange::parse(p).map_err(|message| ConfigError::Invalid {
                key: "trusted_proxies",
                message,
            })?;
        }
        for m in &self.logout_methods {
            if !matches!(m.as_str(), "GET" | "POST") {
                return bad("logout_methods", format!("unsupported method {m:?}"));
            }
        }
        for (key, d) in [
            ("confirm_email_within", self.confirm_email_within),
            ("reset_password_within", self.reset_password_within),
            ("change_email_within", self.change_email_within),
        ] {
            if d.as_secs() <= 0 {
                return bad(key, "must be positive".into());
            }
        }
        if let Some(b) = &self.redirect_behavior
            && b != "spa"
        {
            return bad(
                "redirect_behavior",
                format!("expected \"spa\" or nothing, got {b:?}"),
            );
        }
        if let Some(u) = &self.external_url
            && !((u.starts_with("http://") || u.starts_with("https://"))
                && u.split_once("://")
                    .is_some_and(|(_, rest)| !rest.is_empty()))
        {
            return bad(
                "external_url",
                format!("expected http(s)://host[:port][/path], got {u:?}"),
            );
        }
        for m in &self.two_factor_enabled_methods {
            if !matches!(m.as_str(), "email" | "authenticator" | "sms") {
                return bad(
                    "two_factor_enabled_methods",
                    format!("unknown method {m:?} (email, authenticator, sms)"),
                );
            }
        }
        if self.two_factor && self.two_factor_enabled_methods.is_empty() {
            return bad(
                "two_factor_enabled_methods",
                "needs at least one method".into(),
            );
        }
        for (tag, v) in self.totp_secrets.expose() {
            let Some(secret) = v.as_str().filter(|_| !tag.is_empty()) else {
                return bad("totp_secrets", format!("tag {tag:?} needs a text secret"));
            };
            let len = secret.chars().count();
            if len < MIN_TOTP_SECRET_CHARS {
                return bad(
                    "totp_secrets",
                    format!(
                        "the secret of tag {tag:?} has {len} characters; use a random one of at \
                         least {MIN_TOTP_SECRET_CHARS} (or set none and let portcullis serve \
                         generate one)"
                    ),
                );
            }
        }
        if !matches!(
            self.sms_service.to_ascii_lowercase().as_str(),
            "outbox" | "twilio" | "log"
        ) {
            return bad(
                "sms_service",
                format!(
                    "unknown sender {:?} (outbox, twilio, log)",
                    self.sms_service
                ),
            );
        }
        for (key, v) in [
            (
                "two_factor_authenticator_validity",
                self.two_factor_authenticator_validity,
            ),
            ("two_factor_mail_validity", self.two_factor_mail_validity),
            ("two_factor_sms_validity", self.two_factor_sms_validity),
        ] {
            if !(0..=3600).contains(&v) {
                return bad(key, "must be 0 to 3600 seconds".into());
            }
        }
        if self.multi_factor_recovery_codes_n == 0 || self.multi_factor_recovery_codes_n > 50 {
            return bad("multi_factor_recovery_codes_n", "must be 1 to 50".into());
        }
        for (key, list) in [
            ("us_enabled_methods", &self.us_enabled_methods),
            ("us_mfa_required", &self.us_mfa_required),
        ] {
            for m in list {
                if !matches!(m.as_str(), "password" | "email" | "authenticator" | "sms") {
                    return bad(
                        key,
                        format!("unknown method {m:?} (password, email, authenticator, sms)"),
                    );
                }
            }
        }
        if self.unified_signin && self.us_enabled_methods.is_empty() {
            return bad("us_enabled_methods", "needs at least one method".into());
        }
        if !self.password_required && !self.unified_signin {
            return bad(
                "password_required",
                "may be false only with unified sign-in (users then sign in by code)".into(),
            );
        }
        if !(0..=3600).contains(&self.us_token_validity) {
            return bad("us_token_validity", "must be 0 to 3600 seconds".into());
        }
        if (self.change_username || self.username_recovery) && !self.username_enable {
            let key = if self.change_username {
                "change_username"
            } else {
                "username_recovery"
            };
            return bad(key, "needs username_enable".into());
        }
        if !self.email_plaintext && !self.email_html {
            return bad("email_html", "mails need a text or an HTML part".into());
        }
        Ok(())
    }

    /// The breached-password mode.
    pub fn breached_mode(&self) -> Result<crate::policy::BreachedMode, ConfigError> {
        use crate::policy::BreachedMode;
        match &self.password_check_breached {
            serde_json::Value::Bool(false) | serde_json::Value::Null => Ok(BreachedMode::Off),
            serde_json::Value::Bool(true) => Ok(BreachedMode::BestEffort),
            serde_json::Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "strict" => Ok(BreachedMode::Strict),
                "best-effort" | "best_effort" | "true" => Ok(BreachedMode::BestEffort),
                "off" | "false" | "" => Ok(BreachedMode::Off),
                other => Err(ConfigError::Invalid {
                    key: "password_check_breached",
                    message: format!(
                        "expected false, true, \"best-effort\" or \"strict\", got {other:?}"
                    ),
                }),
            },
            other => Err(ConfigError::Invalid {
                key: "password_check_breached",
                message: format!(
                    "expected false, true, \"best-effort\" or \"strict\", got {other}"
                ),
            }),
        }
    }

    /// The password rules.
    pub fn password_policy(&self) -> crate::policy::PasswordPolicy {
        crate::policy::PasswordPolicy {
            min_length: self.password_length_min,
            max_length: self.password_length_max,
            zxcvbn_min_score: self
                .password_complexity_checker
                .as_deref()
                .filter(|c| *c == "zxcvbn")
                .map(|_| self.zxcvbn_minimum_score),
            breached: self
                .breached_mode()
                .unwrap_or(crate::policy::BreachedMode::Off),
            breached_count: self.password_breached_count,
        }
    }

    /// The breached-password checker: the offline list, then the range API (when on).
    pub fn breach_checker(
        &self,
    ) -> Result<Option<Box<dyn crate::policy::breached::BreachChecker>>, ConfigError> {
        use crate::policy::breached::{BreachChecker, Chain, LocalList, RangeApi};
        if self.breached_mode()? == crate::policy::BreachedMode::Off {
            return Ok(None);
        }
        let mut chain: Vec<Box<dyn BreachChecker>> = Vec::new();
        if let Some(path) = &self.password_breached_list {
            let list =
                LocalList::load(std::path::Path::new(path)).map_err(|e| ConfigError::Invalid {
                    key: "password_breached_list",
                    message: format!("cannot read {path}: {e}"),
                })?;
            chain.push(Box::new(list));
        }
        if !self.password_breached_url.is_empty() {
            let timeout = std::time::Duration::from_secs(
                self.password_breached_timeout.as_secs().unsigned_abs(),
            );
            let api = RangeApi::new(&self.password_breached_url, timeout).map_err(|e| {
                ConfigError::Invalid {
                    key: "password_breached_url",
                    message: e.to_string(),
                }
            })?;
            chain.push(Box::new(api));
        }
        Ok(Some(Box::new(Chain(chain))))
    }

    /// The parsed `email_validator_args`.
    pub fn email_validator(&self) -> Result<EmailValidatorArgs, ConfigError> {
        let bad = |message: String| ConfigError::Invalid {
            key: "email_validator_args",
            message,
        };
        let mut args = EmailValidatorArgs {
            check_deliverability: false,
            timeout: std::time::Duration::from_secs(5),
            nameservers: Vec::new(),
        };
        for (k, v) in &self.email_validator_args {
            match (k.as_str(), v) {
                ("check_deliverability", serde_json::Value::Bool(b)) => {
                    args.check_deliverability = *b;
                }
                ("timeout", serde_json::Value::Number(n)) => {
                    let secs = n
                        .as_f64()
                        .filter(|s| *s > 0.0 && *s <= 60.0)
                        .ok_or_else(|| {
                            bad(format!("timeout must be 0 < seconds <= 60, got {n}"))
                        })?;
                    args.timeout = std::time::Duration::from_secs_f64(secs);
                }
                ("nameservers", serde_json::Value::Array(list)) => {
                    for item in list {
                        let addr = item
                            .as_str()
                            .and_then(|t| {
                                t.parse::<std::net::SocketAddr>().ok().or_else(|| {
                                    t.parse::<std::net::IpAddr>()
                                        .ok()
                                        .map(|ip| std::net::SocketAddr::new(ip, 53))
                                })
                            })
                            .ok_or_else(|| {
                                bad(format!(
                                    "nameservers: expected \"ip\" or \"ip:port\", got {item}"
                                ))
                            })?;
                        args.nameservers.push(addr);
                    }
                }
                ("check_deliverability" | "timeout" | "nameservers", other) => {
                    return Err(bad(format!("{k}: unexpected value {other}")));
                }
                _ => {
                    return Err(bad(format!(
                        "unsupported argument {k:?} (check_deliverability, timeout, nameservers)"
                    )));
                }
            }
        }
        Ok(args)
    }

    /// The deliverability check, when `email_validator_args` turns it on.
    pub fn deliverability_check(
        &self,
    ) -> Result<Option<crate::policy::DeliverabilityCheck>, ConfigError> {
        let args = self.email_validator()?;
        if !args.check_deliverability {
            return Ok(None);
        }
        let check = if args.nameservers.is_empty() {
            crate::policy::DeliverabilityCheck::system(args.timeout)
        } else {
            crate::policy::DeliverabilityCheck::with_nameservers(&args.nameservers, args.timeout)
        };
        check.map(Some).map_err(|message| ConfigError::Invalid {
            key: "email_validator_args",
            message,
        })
    }

    /// Brute-force protection rules.
    pub fn throttle_rules(&self) -> crate::policy::ThrottleRules {
        crate::policy::ThrottleRules {
            max_failures: self.lockout_max_failures,
            lock_duration: self.lockout_duration.as_secs(),
            lock_cap: 3600,
            memory: 86_400,
            rate_limit_failures: self.rate_limit_failures,
            rate_limit_window: self.rate_limit_window.as_secs(),
        }
    }

    /// The trusted proxies, parsed (invalid entries are refused by [`Config::validate`]).
    pub fn trusted_proxy_ranges(&self) -> Vec<IpRange> {
        self.trusted_proxies
            .iter()
            .filter_map(|p| IpRange::parse(p).ok())
            .collect()
    }

    /// The configured identity attributes (in lookup order) plus `username` when usernames are
    /// enabled. Names that are not attributes were refused by [`Config::validate`].
    pub fn identity_attributes(&self) -> Vec<IdentityAttribute> {
        let mut attrs: Vec<IdentityAttribute> = self
            .user_identity_attributes
            .iter()
            .filter_map(|a| IdentityAttribute::from_name(a))
            .collect();
        if self.username_enable && !attrs.contains(&IdentityAttribute::Username) {
            attrs.push(IdentityAttribute::Username);
        }
        attrs
    }

    /// Password hasher settings derived from this configuration.
    pub fn password_config(&self) -> Result<crate::crypto::password::PasswordConfig, ConfigError> {
        use crate::crypto::password::{PasswordConfig, Scheme, SingleHash};
        let invalid = |key: &'static str, message: String| ConfigError::Invalid { key, message };
        let mut pc = PasswordConfig {
            scheme: Scheme::from_name(&self.password_hash)
                .ok_or_else(|| invalid("password_hash", "unsupported scheme".into()))?,
            salt: self.password_salt.clone(),
            schemes: self
                .password_schemes
                .iter()
                .filter_map(|s| Scheme::from_name(s))
                .collect(),
            normalize_nfkd: self.password_normalize_form == "NFKD",
            ..PasswordConfig::default()
        };
        pc.single_hash = match &self.password_single_hash {
            serde_json::Value::Null => PasswordConfig::default().single_hash,
            serde_json::Value::Bool(true) => SingleHash::All,
            serde_json::Value::Bool(false) => SingleHash::Schemes(vec!["plaintext".into()]),
            serde_json::Value::Array(items) => SingleHash::Schemes(
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            ),
            _ => {
                return Err(invalid(
                    "password_single_hash",
                    "expected true/false or a list of scheme names".into(),
                ));
            }
        };
        for (k, v) in &self.password_hash_passlib_options {
            let n = v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    invalid(
                        "password_hash_passlib_options",
                        format!("{k} must be a positive integer"),
                    )
                })?;
            match k.as_str() {
                "argon2__rounds" | "argon2__time_cost" => pc.argon2_t_cost = n,
                "argon2__memory_cost" => pc.argon2_m_cost = n,
                "argon2__parallelism" => pc.argon2_p_cost = n,
                "bcrypt__rounds" => pc.bcrypt_cost = n,
                "pbkdf2_sha512__rounds" => pc.pbkdf2_rounds = n,
                "sha512_crypt__rounds" => pc.sha512_crypt_rounds = n,
                other => {
                    return Err(invalid(
                        "password_hash_passlib_options",
                        format!("unknown option {other:?}"),
                    ));
                }
            }
        }
        Ok(pc)
    }
}

#[cfg(test)]
mod secret_tests {
    #![allow(clippy::unwrap_used, clippy::field_reassign_with_default)]

    use super::*;

    /// Printing the configuration (a `{config:?}` in a log line) never shows a secret.
    #[test]
    fn debug_output_hides_secrets() {
        let mut c = Config::default();
        c.secret_key = Some("the-secret-key".into());
        c.password_salt = Some("the-salt".into());
        c.totp_secrets = serde_json::json!({"1": "the-totp-secret"})
            .as_object()
            .cloned()
            .unwrap()
            .into();
        c.sms_service_config = serde_json::json!({"AUTH_TOKEN": "the-auth-token"})
            .as_object()
            .cloned()
            .unwrap()
            .into();
        let shown = format!("{c:?}");
        for secret in [
            "the-secret-key",
            "the-salt",
            "the-totp-secret",
            "the-auth-token",
        ] {
            assert!(!shown.contains(secret), "{secret} leaked");
        }
    }
}

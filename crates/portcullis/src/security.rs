//! [`Security`]: configuration, datastore, hashing pool, signer, clock and event sink, built once
//! and shared by the layer, the extractors and every flow.

use std::sync::Arc;

use axum::Router;
use portcullis_core::clock::{Clock, SystemClock};
use portcullis_core::config::{Config, ConfigError};
use portcullis_core::crypto::password::PasswordHasher;
use portcullis_core::events::{Event, EventSink, TracingSink};
use portcullis_core::store::{
    CachedStore, CounterStore, InvalidationBus, SessionStore, SplitStore, Store,
};
use portcullis_core::tokens::Signer;

use crate::hashing::HashPool;
use crate::layer::AuthLayer;
use crate::mail::{LogMailer, MailError, Mailer, Message, SmtpMailer};
use crate::sms::{LogSms, SmsError, SmsMessage, SmsSender, TwilioSms};
use crate::view::Templates;

/// Errors building [`Security`].
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A configuration problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Templates failed to load.
    #[error("templates: {0}")]
    Templates(String),
}

/// Where the per-address brute-force limit (`SECURITY_RATE_LIMIT_FAILURES`) finds a client's
/// address. There is no silent third way: an application served without connection info
/// either says so ([`ClientAddresses::Untracked`]) or every sign-in attempt fails loudly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAddresses {
    /// The connection's peer (`axum::extract::ConnectInfo<SocketAddr>`: serve the app with
    /// [`crate::serve`] or `into_make_service_with_connect_info::<SocketAddr>()`), or the
    /// `X-Forwarded-For` hop a trusted proxy (`PORTCULLIS_TRUSTED_PROXIES`) reports. A request
    /// that tries a credential without connection info is refused with a 500 and an error
    /// log naming the fix, rather than escaping the limit.
    #[default]
    Connection,
    /// Not known here (the limit is enforced elsewhere, say by the proxy in front): no
    /// per-address limit, stated on purpose. The per-account lockout still applies.
    Untracked,
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) hash_pool: HashPool,
    pub(crate) signer: Signer,
    /// Auth tokens verified by this process (see `VerifiedTokens`).
    pub(crate) verified_tokens: portcullis_core::tokens::VerifiedTokens,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) events: Arc<dyn EventSink>,
    pub(crate) mailer: Arc<dyn Mailer>,
    pub(crate) sms: Arc<dyn SmsSender>,
    pub(crate) templates: Templates,
    pub(crate) trusted_proxies: Vec<portcullis_core::config::IpRange>,
    pub(crate) client_addresses: ClientAddresses,
    pub(crate) password_policy: portcullis_core::policy::PasswordPolicy,
    pub(crate) breach: Option<Box<dyn portcullis_core::policy::breached::BreachChecker>>,
    pub(crate) deliverability: Option<portcullis_core::policy::DeliverabilityCheck>,
    /// Keys of the encrypted TOTP secrets (two-factor on).
    pub(crate) totp: Option<Arc<portcullis_core::totp::TotpSecrets>>,
    /// Work that outlives its request (mail in generic mode): shutdown waits for it.
    pub(crate) background: tokio_util::task::TaskTracker,
    /// Prometheus metrics of this process.
    pub(crate) metrics: Arc<crate::metrics::Metrics>,
    /// The message catalogs of the configured languages.
    pub(crate) catalogs: Arc<crate::i18n::Catalogs>,
}

/// The security layer of an application. Cheap to clone.
#[derive(Clone)]
pub struct Security {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security").finish_non_exhaustive()
    }
}

/// Builds [`Security`]; mailer, SMS sender, clock and event sink are optional.
pub struct SecurityBuilder {
    client_addresses: ClientAddresses,
    sessions: Option<Arc<dyn SessionStore>>,
    counters: Option<Arc<dyn CounterStore>>,
    invalidations: Option<Arc<dyn InvalidationBus>>,
    config: Config,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    events: Arc<dyn EventSink>,
    mailer: Option<Arc<dyn Mailer>>,
    sms: Option<Arc<dyn SmsSender>>,
}

impl std::fmt::Debug for SecurityBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecurityBuilder").finish_non_exhaustive()
    }
}

impl SecurityBuilder {
    /// Use this clock (tests use a fixed one).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Keep sessions here instead of in the datastore (Redis, for several instances).
    pub fn sessions(mut self, sessions: Arc<dyn SessionStore>) -> Self {
        self.sessions = Some(sessions);
        self
    }

    /// Keep the brute-force counters and spent one-time-code steps here instead of in the
    /// datastore (Redis, for several instances).
    pub fn counters(mut self, counters: Arc<dyn CounterStore>) -> Self {
        self.counters = Some(counters);
        self
    }

    /// Tell the other instances sharing the datastore about every write this one makes, and
    /// hear theirs (Redis, for several instances): a logout, `reset-access`, deactivation or
    /// role change made on one instance is then refused by all of them within the bus's
    /// delivery time, not the request cache's time-to-live (`cache_ttl`).
    pub fn invalidations(mut self, bus: Arc<dyn InvalidationBus>) -> Self {
        self.invalidations = Some(bus);
        self
    }

    /// Where the per-address brute-force limit finds each client's address (default:
    /// [`ClientAddresses::Connection`]).
    pub fn client_addresses(mut self, from: ClientAddresses) -> Self {
        self.client_addresses = from;
        self
    }

    /// Deliver events here (default: log them with `tracing`).
    pub fn events(mut self, sink: impl EventSink) -> Self {
        self.events = Arc::new(sink);
        self
    }

    /// Send mail with this mailer. Without one, `smtp_url` decides: an [`SmtpMailer`] when it
    /// is set, else a [`LogMailer`] (mails are logged, not delivered; the library never writes
    /// files an application did not ask for).
    pub fn mailer(self, mailer: impl Mailer + 'static) -> Self {
        self.mailer_arc(Arc::new(mailer))
    }

    /// Like [`SecurityBuilder::mailer`] with a shared mailer.
    pub fn mailer_arc(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// Send text messages with this sender. Without one, `sms_service` decides: a
    /// [`TwilioSms`] for `twilio` (built from `sms_service_config`), else a [`LogSms`] (messages
    /// are logged, not delivered; for `outbox` too, since the library never writes files an
    /// application did not ask for — give it an [`OutboxSms`](crate::sms::OutboxSms) for that).
    pub fn sms_sender(self, sender: impl SmsSender + 'static) -> Self {
        self.sms_sender_arc(Arc::new(sender))
    }

    /// Like [`SecurityBuilder::sms_sender`] with a shared sender.
    pub fn sms_sender_arc(mut self, sender: Arc<dyn SmsSender>) -> Self {
        self.sms = Some(sender);
        self
    }

    /// Validate the configuration and build.
    pub fn build(self) -> Result<Security, BuildError> {
        self.config.validate()?;
        let mailer = match self.mailer {
            Some(m) => m,
            None => default_mailer(&self.config)?,
        };
        let sms = match self.sms {
            Some(s) => s,
            None => default_sms_sender(&self.config)?,
        };
        self.config.check_secrets()?;
        let catalogs = crate::i18n::Catalogs::load(
            &self.config.i18n_languages,
            &self.config.i18n_default_locale,
            self.config
                .i18n_dirname
                .as_deref()
                .map(std::path::Path::new),
        )
        .map_err(|message| ConfigError::Invalid {
            key: "i18n_languages",
            message,
        })?;
        let secret = self
            .config
            .secret_key
            .as_ref()
            .map(|s| s.expose().clone())
            .filter(|s| !s.is_empty())
            .ok_or(ConfigError::Missing("SECRET_KEY"))?;
        let password_config = self.config.password_config()?;
        let hasher = PasswordHasher::new(password_config).map_err(|e| ConfigError::Invalid {
            key: "password_salt",
            message: e.to_string(),
        })?;
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let hash_pool =
            HashPool::new(hasher, self.config.hashing_pool_size).with_metrics(metrics.clone());
        let fallbacks: Vec<String> = self
            .config
            .secret_key_fallbacks
            .iter()
            .map(|s| s.expose().clone())
            .collect();
        let signer = Signer::new(&secret, &fallbacks);
        let templates = Templates::new(
            self.config
                .template_dir
                .as_deref()
                .map(std::path::Path::new),
            &self.config,
        )
        .map_err(BuildError::Templates)?;
        // Users and roles from the datastore; sessions and counters where the builder says.
        let data = match (self.sessions, self.counters) {
            (None, None) => self.store,
            (sessions, counters) => {
                let label = format!("{:?}", self.store);
                let store = Arc::clone(&self.store);
                Arc::new(SplitStore::from_parts(
                    self.store,
                    sessions.unwrap_or_else(|| store.clone()),
                    counters.unwrap_or(store),
                    label,
                ))
            }
        };
        // The lookups every request makes go through a short-lived cache (see CachedStore).
        let ttl = self.config.cache_ttl.as_secs();
        let store: Arc<dyn Store> = if ttl > 0 {
            let cache = Arc::new(CachedStore::new(
                data,
                std::time::Duration::from_secs(ttl.unsigned_abs()),
                100_000,
            ));
            if let Some(bus) = self.invalidations {
                cache.connect_bus(bus);
            }
            cache
        } else {
            data
        };
        let c = &self.config;
        let mails_links = c.confirmable || c.recoverable || c.change_email;
        if mails_links && c.external_url.is_none() {
            tracing::warn!(
                base = %crate::links::base_url(c),
                "PORTCULLIS_EXTERNAL_URL is not set: links in mails use the bind address; set it to the public URL users reach"
            );
        }
        let trusted_proxies = self.config.trusted_proxy_ranges();
        let password_policy = self.config.password_policy();
        let breach = self.config.breach_checker()?;
        let deliverability = self.config.deliverability_check()?;
        let totp = if self.config.totp_secrets.expose().is_empty() {
            None
        } else {
            Some(Arc::new(
                portcullis_core::totp::TotpSecrets::from_config(self.config.totp_secrets.expose())
                    .map_err(|e| ConfigError::Invalid {
                        key: "totp_secrets",
                        message: e.to_string(),
                    })?,
            ))
        };
        Ok(Security {
            inner: Arc::new(Inner {
                trusted_proxies,
                client_addresses: self.client_addresses,
                password_policy,
                breach,
                deliverability,
                totp,
                background: tokio_util::task::TaskTracker::new(),
                metrics,
                catalogs: Arc::new(catalogs),
                config: self.config,
                store,
                hash_pool,
                signer,
                verified_tokens: portcullis_core::tokens::VerifiedTokens::new(10_000),
                clock: self.clock,
                events: self.events,
                mailer,
                sms,
                templates,
            }),
        })
    }
}

/// The mailer when the application sets none: SMTP when `smtp_url` is set, else the log.
fn default_mailer(config: &Config) -> Result<Arc<dyn Mailer>, ConfigError> {
    let Some(url) = &config.smtp_url else {
        return Ok(Arc::new(LogMailer::new()));
    };
    let timeout = std::time::Duration::from_secs(config.mail_timeout.as_secs().unsigned_abs());
    let mailer = SmtpMailer::new(url, &config.mail_from, timeout).map_err(|e| {
        let key = if e.to_string().contains("From address") {
            "mail_from"
        } else {
            "smtp_url"
        };
        ConfigError::Invalid {
            key,
            message: e.to_string(),
        }
    })?;
    Ok(Arc::new(mailer))
}

/// The SMS sender when the application sets none: Twilio for `sms_service = "twilio"`, else the
/// log (`log`, and `outbox`: the library writes no files on its own).
fn default_sms_sender(config: &Config) -> Result<Arc<dyn SmsSender>, ConfigError> {
    if !config.sms_service.eq_ignore_ascii_case("twilio") {
        return Ok(Arc::new(LogSms::new()));
    }
    let sender =
        TwilioSms::new(config.sms_service_config.expose()).map_err(|e| ConfigError::Invalid {
            key: "sms_service_config",
            message: e.to_string(),
        })?;
    Ok(Arc::new(sender))
}

impl Security {
    /// Start building from a configuration and a datastore.
    pub fn builder(config: Config, store: impl Store) -> SecurityBuilder {
        Self::builder_arc(config, Arc::new(store))
    }

    /// Like [`Security::builder`] with a shared store.
    pub fn builder_arc(config: Config, store: Arc<dyn Store>) -> SecurityBuilder {
        SecurityBuilder {
            client_addresses: ClientAddresses::Connection,
            sessions: None,
            counters: None,
            invalidations: None,
            config,
            store,
            clock: Arc::new(SystemClock),
            events: Arc::new(TracingSink),
            mailer: None,
            sms: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The datastore.
    /// Wait (at most `within`) for work that outlives its request, such as mail sent in the
    /// background in generic-response mode. Call it on shutdown, after the server has stopped
    /// taking requests; `false` if some was still running when the time ran out.
    pub async fn drain(&self, within: std::time::Duration) -> bool {
        let tracker = &self.inner.background;
        tracker.close();
        let done = tokio::time::timeout(within, tracker.wait()).await.is_ok();
        tracker.reopen();
        done
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The token signer.
    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// The mailer.
    pub fn mailer(&self) -> &Arc<dyn Mailer> {
        &self.inner.mailer
    }

    /// Send a mail. A failure is logged (recipient, subject and the error; never the bodies,
    /// which carry secret links) and returned: the caller decides what the user sees.
    pub async fn send_mail(&self, message: Message) -> Result<(), MailError> {
        let result = self.inner.mailer.send(&message).await;
        self.inner.metrics.message("mail", result.is_ok());
        if let Err(e) = &result {
            tracing::error!(to = %message.to, subject = %message.subject, error = %e, "mail not sent");
        }
        result
    }

    /// The SMS sender.
    pub fn sms_sender(&self) -> &Arc<dyn SmsSender> {
        &self.inner.sms
    }

    /// Send a text message. A failure is logged (recipient and the error; never the body, which
    /// carries a one-time code) and returned: the caller decides what the user sees.
    pub async fn send_sms(&self, message: SmsMessage) -> Result<(), SmsError> {
        let result = self.inner.sms.send(&message).await;
        self.inner.metrics.message("sms", result.is_ok());
        if let Err(e) = &result {
            tracing::error!(to = %message.to, error = %e, "SMS not sent");
        }
        result
    }

    /// Check a new password against the configured rules (length, not an identity, breached,
    /// complexity); each failed rule gives one message. `identities`: the user's email and
    /// username.
    pub async fn check_password(
        &self,
        password: &str,
        identities: &[&str],
    ) -> Vec<portcullis_core::messages::Message> {
        let normalized = self.inner.hash_pool.hasher().normalize(password);
        self.inner
            .password_policy
            .check(&normalized, identities, self.inner.breach.as_deref())
            .await
    }

    /// When `email_validator_args` turns deliverability on, ask DNS whether the (normalised)
    /// address's domain takes mail; the field error when it does not. A resolver that cannot
    /// answer lets the address through (logged), so a DNS outage never stops sign-ups.
    pub async fn check_email_deliverable(
        &self,
        email: &str,
    ) -> Option<portcullis_core::messages::Message> {
        use portcullis_core::policy::Deliverability;
        let check = self.inner.deliverability.as_ref()?;
        let (_, domain) = email.rsplit_once('@')?;
        match check.check(domain).await {
            Deliverability::Deliverable => None,
            Deliverability::Undeliverable(message) => Some(message),
            Deliverability::Unknown(reason) => {
                tracing::warn!(
                    domain,
                    reason,
                    "email deliverability unknown; address accepted"
                );
                None
            }
        }
    }

    /// The hashing pool.
    pub fn hash_pool(&self) -> &HashPool {
        &self.inner.hash_pool
    }

    /// The language to answer a request with this `Accept-Language` in.
    pub(crate) fn language(&self, accept_language: Option<&str>) -> crate::i18n::Lang {
        crate::i18n::Lang {
            catalogs: self.inner.catalogs.clone(),
            index: self.inner.catalogs.negotiate(accept_language),
        }
    }

    /// The message catalogs of the configured languages.
    pub fn catalogs(&self) -> &crate::i18n::Catalogs {
        &self.inner.catalogs
    }

    pub(crate) fn emit(&self, event: Event) {
        self.inner.metrics.event(&event);
        self.inner.events.emit(&event);
    }

    /// The routes of every enabled flow (`/login`, `/logout`, `/register`, `/change`, `/verify`,
    /// `/auth/check`). Disabled flows are not mounted.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        crate::flows::router(self.clone())
    }

    /// The layer that authenticates every request once (token, session cookie, HTTP Basic).
    pub fn layer(&self) -> AuthLayer {
        AuthLayer::new(self.clone())
    }

    /// Mint an auth token for a user (Flask-Security v5 format).
    pub fn auth_token(&self, user: &portcullis_core::User, fs_paa: f64) -> String {
        portcullis_core::tokens::auth::mint_auth_token(
            &self.inner.signer,
            user.token_uniquifier(),
            fs_paa,
            0,
            self.inner.clock.unix(),
        )
    }
}

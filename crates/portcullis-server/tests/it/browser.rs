//! The pages in a real browser: Debian's Chromium driven over WebDriver (chromedriver) by
//! thirtyfour, against `portcullis serve` on SQLite with mail through an SMTP sink on loopback.
//!
//! Every page visited is screenshotted into `target/screenshots/` and checked with axe-core
//! (`tests/browser/node_modules`, from `npm ci --prefix crates/portcullis-server/tests/browser`):
//! no serious or critical violation, in light and dark mode. When Chromium, chromedriver or
//! axe-core is missing the tests say they are skipped, by name; with
//! `PORTCULLIS_TEST_BROWSER=required` (set by `.ci/run`) a missing piece fails them instead.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use portcullis_core::testing::{ReceivedMail, SmtpSink};
use portcullis_core::totp;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

use crate::common::{Dir, Instance, free_addr, start_on};

const PW: &str = "correct horse 1";
const NEW_PW: &str = "battery staple 22";
const RESET_PW: &str = "paper clip 333";

/// What the browser tests need, or why they are skipped.
struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: String,
}

fn tools(test: &str) -> Option<Tools> {
    let path = |var: &str, default: &str| {
        PathBuf::from(std::env::var(var).unwrap_or_else(|_| default.to_owned()))
    };
    let chromium = path("PORTCULLIS_TEST_CHROMIUM", "/usr/bin/chromium");
    let chromedriver = path("PORTCULLIS_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
    let axe_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    let mut missing = Vec::new();
    if !chromium.is_file() {
        missing.push(format!("{} (Debian package chromium)", chromium.display()));
    }
    if !chromedriver.is_file() {
        missing.push(format!(
            "{} (Debian package chromium-driver)",
            chromedriver.display()
        ));
    }
    let axe = std::fs::read_to_string(&axe_path).ok();
    if axe.is_none() {
        missing.push(format!(
            "{} (npm ci --prefix crates/portcullis-server/tests/browser)",
            axe_path.display()
        ));
    }
    if missing.is_empty() {
        return Some(Tools {
            chromium,
            chromedriver,
            axe: axe.unwrap_or_default(),
        });
    }
    let required = std::env::var("PORTCULLIS_TEST_BROWSER").is_ok_and(|v| v == "required");
    assert!(
        !required,
        "{test}: PORTCULLIS_TEST_BROWSER=required but missing: {missing:?}"
    );
    eprintln!("skipped: browser::{test}: missing {}", missing.join(", "));
    None
}

/// A chromedriver process, killed on drop.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The browser, the server it visits, and the checks run on every page.
struct Browser {
    driver: WebDriver,
    base: String,
    axe: String,
    shots: PathBuf,
    name: &'static str,
    shot: usize,
    /// Pages checked, for the summary.
    checked: Vec<String>,
}

impl Browser {
    async fn start(
        tools: &Tools,
        name: &'static str,
        base: &str,
        language: &str,
    ) -> (Self, Driver) {
        let port = free_addr().rsplit(':').next().unwrap().to_owned();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver_process = Driver(child);
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(&tools.chromium.display().to_string())
            .unwrap();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--window-size=1000,900",
            "--disable-features=Translate,PasswordLeakDetection",
            &format!("--lang={language}"),
        ] {
            caps.add_arg(arg).unwrap();
        }
        caps.add_experimental_option(
            "prefs",
            json!({"intl": {"accept_languages": language}, "credentials_enable_service": false}),
        )
        .unwrap();
        // reqwest (WebDriver's HTTP client) is built without a TLS provider of its own.
        portcullis_core::tls::install_default_provider();
        let mut driver = None;
        for _ in 0..50 {
            match WebDriver::new(&url, caps.clone()).await {
                Ok(d) => {
                    driver = Some(d);
                    break;
                }
                Err(e) => {
                    eprintln!("chromedriver: {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        let driver = driver.expect("a Chromium session");
        let target = std::env::var("CARGO_TARGET_DIR").map_or_else(
            |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
            PathBuf::from,
        );
        let shots = target.join("screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        (
            Self {
                driver,
                base: base.to_owned(),
                axe: tools.axe.clone(),
                shots,
                name,
                shot: 0,
                checked: Vec::new(),
            },
            driver_process,
        )
    }

    async fn open(&mut self, path_or_url: &str, label: &str) {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base)
        };
        self.driver.goto(&url).await.unwrap();
        self.check(label).await;
    }

    /// The page now shown: screenshot, no `None`, a title, and axe-core (light and dark).
    async fn check(&mut self, label: &str) {
        self.shot += 1;
        let file = self
            .shots
            .join(format!("{}-{:02}-{label}.png", self.name, self.shot));
        self.driver.screenshot(&file).await.unwrap();
        let source = self.driver.source().await.unwrap();
        assert!(
            !source.contains(">None<") && !source.contains("\"None\""),
            "{label}: the page shows None: {source}"
        );
        let title = self.driver.title().await.unwrap();
        assert!(
            !title.trim().is_empty(),
            "{label}: the page has a title: {source}"
        );
        for scheme in ["light", "dark"] {
            self.color_scheme(scheme).await;
            let found = self.axe().await;
            assert!(
                found.is_empty(),
                "{label} ({scheme}): axe-core found serious or critical violations:\n{}",
                found.join("\n")
            );
        }
        self.color_scheme("light").await;
        self.checked.push(format!("{label} ({title})"));
    }

    async fn color_scheme(&self, scheme: &str) {
        self.driver
            .cdp()
            .send_raw(
                "Emulation.setEmulatedMedia",
                json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
            )
            .await
            .unwrap();
    }

    /// axe-core's serious and critical violations on the current page.
    async fn axe(&self) -> Vec<String> {
        let script = r#"
            const done = arguments[arguments.length - 1];
            if (!window.axe) { (0, eval)(arguments[0]); }
            window.axe.run(document, {resultTypes: ['violations']}).then(r => done(
                r.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' +
                        v.nodes.map(n => n.target.join(' ') + ' ' + (n.failureSummary || '')).join('; '))
            )).catch(e => done(['axe-core failed: ' + e]));
        "#;
        let ret = self
            .driver
            .execute_async(script, vec![Value::String(self.axe.clone())])
            .await
            .unwrap();
        ret.convert::<Vec<String>>().unwrap()
    }

    async fn field(&self, name: &str, text: &str) {
        let e = self
            .driver
            .find(By::Css(format!("main [name='{name}']:not([type=hidden])")))
            .await
            .unwrap();
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Click a control that does not leave the page (a radio button, a checkbox).
    async fn choose(&self, css: &str) {
        self.driver
            .find(By::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Click, and wait for the page it loads (every click here navigates).
    async fn click(&self, css: &str) {
        let old = self.driver.find(By::Tag("html")).await.unwrap();
        self.driver
            .find(By::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        self.wait_for_new_page(old).await;
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self
            .driver
            .execute("return document.readyState", Vec::new())
            .await
            .map(|r| r.json() != &json!("complete"))
            .unwrap_or(true)
        {
            assert!(Instant::now() < deadline, "the page did not load");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn wait_for_new_page(&self, old: WebElement) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while old.is_present().await.unwrap_or(false) {
            assert!(Instant::now() < deadline, "the page did not change");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        while self
            .driver
            .execute("return document.readyState", Vec::new())
            .await
            .map(|r| r.json() != &json!("complete"))
            .unwrap_or(true)
        {
            assert!(Instant::now() < deadline, "the page did not load");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Submit the page's main form with its (first) submit button.
    async fn submit(&self) {
        self.click("main form button[type=submit]").await;
    }

    async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.driver.find_all(By::Css(css)).await.unwrap() {
            out.push(e.text().await.unwrap());
        }
        out
    }

    /// The flash messages and notices shown.
    async fn flashes(&self) -> Vec<String> {
        self.texts(".pc-flash").await
    }

    async fn path(&self) -> String {
        self.driver.current_url().await.unwrap().path().to_owned()
    }

    async fn sign_out(&self) {
        self.click("nav.pc-nav form button").await;
        let path = self.path().await;
        assert_eq!(
            path,
            "/login",
            "signed out, the visitor is sent to sign in: {}",
            self.driver.source().await.unwrap_or_default()
        );
    }
}

fn assert_flash(flashes: &[String], expected: &str) {
    assert!(
        flashes.iter().any(|f| f.contains(expected)),
        "expected the message {expected:?}, shown: {flashes:?}"
    );
}

fn server(dir: &Dir, addr: &str, smtp: &str, base: &str) -> Command {
    let mut c = crate::common::portcullis(dir.path());
    c.env("SECURITY_REGISTERABLE", "true")
        .env("SECURITY_CONFIRMABLE", "true")
        .env("SECURITY_RECOVERABLE", "true")
        .env("SECURITY_CHANGEABLE", "true")
        .env("SECURITY_TWO_FACTOR", "true")
        .env("SECURITY_TWO_FACTOR_ENABLED_METHODS", "authenticator,email")
        .env("SECURITY_UNIFIED_SIGNIN", "true")
        .env("SECURITY_US_ENABLED_METHODS", "password,email")
        .env("SECURITY_MULTI_FACTOR_RECOVERY_CODES", "true")
        .env("SECURITY_CHANGE_EMAIL", "true")
        .env("SECURITY_USERNAME_ENABLE", "true")
        .env("SECURITY_USERNAME_RECOVERY", "true")
        .env("SECURITY_CHANGE_USERNAME", "true")
        .env("SECURITY_WEBAUTHN", "true")
        .env("PORTCULLIS_APP_NAME", "Example Co")
        .env("PORTCULLIS_SMTP_URL", smtp)
        .env("PORTCULLIS_EXTERNAL_URL", base);
    let _ = addr;
    c
}

/// The first link in `mail`'s text that starts with `base`.
fn link(mail: &ReceivedMail, base: &str) -> String {
    let text = mail.text.clone().unwrap_or_default();
    let start = text
        .find(base)
        .unwrap_or_else(|| panic!("no link in {text}"));
    text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

/// The six-digit code in `mail`'s text.
fn code(mail: &ReceivedMail) -> String {
    let text = mail.text.clone().unwrap_or_default();
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_owned()
}

async fn mail(sink: &SmtpSink, n: usize) -> ReceivedMail {
    let got = sink.wait_for(n, Duration::from_secs(20)).await;
    assert!(got.len() >= n, "expected {n} mails, got {}", got.len());
    got[n - 1].clone()
}

/// A TOTP code that has not been used yet: the current time step, or a later one (the server
/// accepts one step of drift) when the current one was used; waits when even that was.
async fn fresh_totp(key: &[u8], last: &mut i64) -> String {
    loop {
        let now = totp::counter_at(time::OffsetDateTime::now_utc().unix_timestamp());
        let counter = now.max(*last + 1);
        if counter <= now + 1 {
            *last = counter;
            return totp::code_for_counter(key, counter);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

struct Site {
    dir: Dir,
    server: Instance,
    sink: SmtpSink,
    base: String,
}

async fn site() -> Site {
    let sink = SmtpSink::start().await.unwrap();
    let dir = Dir::new();
    let addr = free_addr();
    // The browser addresses the server as localhost (a secure context, as WebAuthn needs).
    let base = format!("http://localhost:{}", addr.rsplit(':').next().unwrap());
    let server = start_on(server(&dir, &addr, &sink.url(), &base), &addr);
    Site {
        dir,
        server,
        sink,
        base,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_through_every_page() {
    let Some(tools) = tools("journey_through_every_page") else {
        return;
    };
    let site = site().await;
    let (mut b, _driver) = Browser::start(&tools, "en", &site.base, "en-US").await;
    let email = "ann@example.com";

    // The checker finds what it should: an input without a label is a critical violation.
    b.open("/login", "login").await;
    b.driver
        .execute(
            "document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=\"x\">')",
            Vec::new(),
        )
        .await
        .unwrap();
    let found = b.axe().await;
    assert!(
        found.iter().any(|v| v.contains(" label: ")),
        "axe-core reports an unlabelled input: {found:?}"
    );

    // Anonymous pages link to each other.
    b.open("/login", "login").await;
    for href in ["/register", "/reset", "/confirm", "/us-signin"] {
        b.driver
            .find(By::Css(format!("a[href='{href}']")))
            .await
            .unwrap_or_else(|_| panic!("the sign-in page links to {href}"));
    }

    b.open("/confirm", "send-confirmation").await;
    b.open("/recover-username", "recover-username").await;

    // Register: told to check the mail.
    b.click("a[href='/register']").await;
    b.check("register").await;
    b.field("email", email).await;
    b.field("password", PW).await;
    if b.driver.find(By::Name("password_confirm")).await.is_ok() {
        b.field("password_confirm", PW).await;
    }
    b.submit().await;
    b.check("registered").await;
    assert_flash(&b.flashes().await, "please click on the link in the email");

    // The mailed link confirms; the next page says so.
    let confirm = mail(&site.sink, 1).await;
    b.open(&link(&confirm, &site.base), "confirmed").await;
    assert_flash(&b.flashes().await, "Your email has been confirmed");

    // Sign in with the keyboard alone: type, tab, type, enter.
    b.open("/login", "login-again").await;
    let active = b.driver.active_element().await.unwrap();
    assert_eq!(active.attr("name").await.unwrap().as_deref(), Some("email"));
    active.send_keys(email).await.unwrap();
    active.send_keys(Key::Tab).await.unwrap();
    let mut active = b.driver.active_element().await.unwrap();
    if active.attr("name").await.unwrap().as_deref() == Some("username") {
        // Usernames are on: the identity is one or the other.
        active.send_keys(Key::Tab).await.unwrap();
        active = b.driver.active_element().await.unwrap();
    }
    assert_eq!(
        active.attr("name").await.unwrap().as_deref(),
        Some("password")
    );
    active.send_keys(PW).await.unwrap();
    let old = b.driver.find(By::Tag("html")).await.unwrap();
    active.send_keys(Key::Enter).await.unwrap();
    b.wait_for_new_page(old).await;
    b.check("account").await;
    assert_eq!(b.path().await, "/account");
    assert!(b.driver.source().await.unwrap().contains(email));

    // Two-factor set-up from the text key (no QR scanning here).
    b.click("main a[href='/tf-setup']").await;
    b.check("tf-setup").await;
    assert!(
        b.driver.find(By::Name("phone")).await.is_err(),
        "no phone field when SMS is not enabled"
    );
    b.choose("input[name=setup][value=authenticator]").await;
    b.submit().await;
    b.check("tf-setup-authenticator").await;
    let shown = b.texts(".pc-key").await.join("");
    let key = totp::b32_decode(&shown.replace(['-', ' '], ""))
        .unwrap_or_else(|| panic!("a text key, got {shown:?}"));
    let uri = b
        .driver
        .find(By::Css("main a[href^='otpauth://']"))
        .await
        .expect("an otpauth link beside the QR code")
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(uri.contains(&totp::b32(&key)), "{uri}");
    let mut last = 0;
    b.field("code", &fresh_totp(&key, &mut last).await).await;
    b.submit().await;
    b.check("tf-set-up").await;
    let shown = b.flashes().await;
    assert!(
        shown
            .iter()
            .any(|f| f.contains("two-factor method") || f.contains("code has been confirmed")),
        "set-up success is said: {shown:?}"
    );

    // Sign out; sign in with the password and an authenticator code.
    b.sign_out().await;
    b.open("/login", "login-2fa").await;
    b.field("email", email).await;
    b.field("password", PW).await;
    b.submit().await;
    b.check("tf-validate").await;
    b.click("main a[href='/tf-rescue']").await;
    b.check("tf-rescue").await;
    b.open("/tf-validate", "tf-validate-again").await;
    b.field("code", &fresh_totp(&key, &mut last).await).await;
    b.submit().await;
    b.check("account-2fa").await;
    assert_eq!(b.path().await, "/account");

    // Recovery codes, and the other settings pages.
    b.click("main a[href='/mf-recovery-codes']").await;
    b.check("recovery-codes").await;
    b.submit().await;
    b.check("recovery-codes-made").await;
    let codes = b.texts(".pc-codes code").await;
    assert!(codes.len() >= 5, "recovery codes shown: {codes:?}");
    for path in ["/change-email", "/change-username", "/verify", "/us-verify"] {
        b.open(path, path.trim_start_matches('/')).await;
    }
    b.open("/account", "account-again").await;

    // Change the password: the next page says so.
    b.click("main a[href='/change']").await;
    b.check("change").await;
    b.field("password", PW).await;
    b.field("new_password", NEW_PW).await;
    b.field("new_password_confirm", NEW_PW).await;
    b.submit().await;
    b.check("changed").await;
    assert_flash(&b.flashes().await, "You successfully changed your password");

    // Set up sign-in with an emailed code: the code mailed to confirm it.
    b.click("main a[href='/us-setup']").await;
    b.check("us-setup").await;
    b.choose("input[name=chosen_method][value=email]").await;
    let before = site.sink.messages().len();
    b.submit().await;
    b.check("us-setup-email").await;
    let sent = mail(&site.sink, before + 1).await;
    b.field("passcode", &code(&sent)).await;
    b.submit().await;
    b.check("us-set-up").await;
    assert_flash(&b.flashes().await, "Unified sign in setup successful");
    b.sign_out().await;

    // Reset the password from the mailed link.
    let before = site.sink.messages().len();
    b.open("/reset", "forgot").await;
    b.field("email", email).await;
    b.submit().await;
    b.check("forgot-sent").await;
    assert_flash(
        &b.flashes().await,
        "Instructions to reset your password have been sent",
    );
    let reset = mail(&site.sink, before + 1).await;
    b.open(&link(&reset, &format!("{}/reset/", site.base)), "reset")
        .await;
    b.field("password", RESET_PW).await;
    if b.driver.find(By::Name("password_confirm")).await.is_ok() {
        b.field("password_confirm", RESET_PW).await;
    }
    b.submit().await;
    b.check("reset-done").await;
    assert_flash(&b.flashes().await, "You successfully reset your password");
    if b.driver
        .find(By::Css("nav.pc-nav form button"))
        .await
        .is_ok()
    {
        b.sign_out().await;
    }

    // Unified sign-in with an emailed code (and the second factor it requires).
    let before = site.sink.messages().len();
    b.open("/us-signin", "us-signin").await;
    b.field("identity", email).await;
    b.click("button[name=chosen_method][value=email]").await;
    b.check("us-signin-code-sent").await;
    let sent = mail(&site.sink, before + 1).await;
    b.field("identity", email).await;
    b.field("passcode", &code(&sent)).await;
    b.submit().await;
    // The second factor, with a recovery code this time.
    assert_eq!(b.path().await, "/tf-validate");
    b.check("us-signin-tf-validate").await;
    b.click("main a[href='/tf-rescue']").await;
    b.choose("input[name=help_setup][value=recovery_code]")
        .await;
    b.submit().await;
    b.check("mf-recovery").await;
    b.field("code", &codes[0]).await;
    b.submit().await;
    b.check("us-signed-in").await;
    assert_eq!(b.path().await, "/account");

    eprintln!(
        "browser journey checked {} pages: {:?}",
        b.checked.len(),
        b.checked
    );
    b.driver.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn german_path_register_confirm_sign_in() {
    let Some(tools) = tools("german_path_register_confirm_sign_in") else {
        return;
    };
    let site = site().await;
    let (mut b, _driver) = Browser::start(&tools, "de", &site.base, "de-DE").await;
    let email = "jana@example.com";
    b.open("/register", "register").await;
    let html = b.driver.source().await.unwrap();
    assert!(html.contains("lang=\"de\""), "the page says it is German");
    b.field("email", email).await;
    b.field("password", PW).await;
    if b.driver.find(By::Name("password_confirm")).await.is_ok() {
        b.field("password_confirm", PW).await;
    }
    b.submit().await;
    b.check("registered").await;
    assert_flash(&b.flashes().await, "klicken Sie bitte auf den Link");
    let confirm = mail(&site.sink, 1).await;
    assert_ne!(
        confirm.subject, "Please confirm your email",
        "the mail is German"
    );
    assert!(
        !confirm
            .text
            .clone()
            .unwrap_or_default()
            .contains("Please confirm"),
        "the mail body is German: {:?}",
        confirm.text
    );
    b.open(&link(&confirm, &site.base), "confirmed").await;
    assert_flash(&b.flashes().await, "Ihre E-Mail-Adresse wurde bestätigt");
    b.field("email", email).await;
    b.field("password", "falsch falsch").await;
    b.submit().await;
    b.check("wrong-password").await;
    let errors = b.texts(".pc-error, .pc-flash.error").await.join(" ");
    assert!(
        !errors.is_empty() && !errors.contains("Invalid"),
        "German error: {errors}"
    );
    let password = b.driver.find(By::Name("password")).await.unwrap();
    assert!(
        password.attr("aria-describedby").await.unwrap().is_some()
            || b.driver
                .find(By::Css(".pc-flash.error[role=alert]"))
                .await
                .is_ok(),
        "the error is announced"
    );
    b.field("password", PW).await;
    b.submit().await;
    b.check("account").await;
    assert_eq!(b.path().await, "/account");
    b.driver.quit().await.unwrap();
}

/// Wait until the browser is on `path` (a ceremony page posts itself away).
async fn arrive(b: &Browser, site: &Site, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    // A ceremony page answers at the path it was posted to: wait until it has posted itself.
    while b.path().await != path || b.driver.find(By::Id("pc-wan-form")).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "expected to arrive at {path}, on {}: {}\nserver log: {:#?}",
            b.path().await,
            b.driver.source().await.unwrap_or_default(),
            site.server.log.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.wait_ready().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkeys_through_the_pages() {
    let Some(tools) = tools("passkeys_through_the_pages") else {
        return;
    };
    let site = site().await;
    let email = "pat@example.com";
    let made = crate::common::portcullis(site.dir.path())
        .args(["users", "create", email, "--password", PW, "--confirmed"])
        .env("SECURITY_WEBAUTHN", "true")
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (mut b, _driver) = Browser::start(&tools, "passkeys", &site.base, "en-US").await;
    // Chromium's virtual authenticator (a platform passkey with user verification).
    b.driver
        .cdp()
        .send_raw("WebAuthn.enable", json!({"enableUI": false}))
        .await
        .unwrap();
    let added = b
        .driver
        .cdp()
        .send_raw(
            "WebAuthn.addVirtualAuthenticator",
            json!({"options": {
                "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
                "hasUserVerification": true, "isUserVerified": true,
                "automaticPresenceSimulation": true
            }}),
        )
        .await
        .unwrap();
    let authenticator = added["authenticatorId"].as_str().unwrap().to_owned();

    b.open("/login", "login").await;
    b.field("email", email).await;
    b.field("password", PW).await;
    b.submit().await;
    b.check("account").await;
    b.click("main a[href='/wan-register']").await;
    b.check("wan-register").await;
    b.field("name", "This laptop").await;
    b.submit().await;
    // The first key: recovery codes are offered at once, in case it is lost.
    arrive(&b, &site, "/mf-recovery-codes").await;
    b.check("recovery-codes-offered").await;
    assert_flash(
        &b.flashes().await,
        "Successfully added the passkey with name: This laptop",
    );
    b.open("/wan-register", "wan-registered").await;
    assert!(
        b.texts(".pc-table td")
            .await
            .iter()
            .any(|t| t.contains("This laptop"))
    );

    // Signed out, the sign-in page offers the passkey in the identity field's autofill
    // (conditional mediation); Chromium's virtual authenticator answers at once, as a user who
    // picks it from the list: signed in without typing anything.
    b.click("nav.pc-nav form button").await;
    arrive(&b, &site, "/account").await;
    b.check("signed-in-by-autofill").await;
    assert!(b.driver.source().await.unwrap().contains(email));
    assert!(
        site.server
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("UserAuthenticated") && l.contains("passkey")),
        "the sign-in was a passkey's"
    );

    // The usernameless button (no identity typed), in a browser that forgot its session.
    b.driver.delete_all_cookies().await.unwrap();
    b.open("/wan-signin", "wan-signin").await;
    let identity = b.driver.find(By::Name("identity")).await.unwrap();
    assert_eq!(
        identity.attr("autocomplete").await.unwrap().as_deref(),
        Some("username webauthn")
    );
    b.submit().await;
    arrive(&b, &site, "/account").await;
    b.check("signed-in-with-passkey").await;

    // Re-authenticate with it.
    b.open("/wan-verify", "wan-verify").await;
    b.submit().await;
    arrive(&b, &site, "/account").await;

    // A security key as the second factor: the passkey deleted here (the password stays, so
    // it is not the last way in) and removed from the device, then a security key added; the
    // password sign-in then asks for the key.
    b.open("/wan-register", "wan-register-again").await;
    b.click("button[aria-label='Delete This laptop']").await;
    b.check("passkey-deleted").await;
    assert_flash(
        &b.flashes().await,
        "Successfully deleted the passkey with name: This laptop",
    );
    b.driver
        .cdp()
        .send_raw(
            "WebAuthn.clearCredentials",
            json!({"authenticatorId": authenticator}),
        )
        .await
        .unwrap();
    b.field("name", "Desk key").await;
    b.choose("input[name=usage][value=secondary]").await;
    b.submit().await;
    // Again the only key, and still no recovery codes: they are offered again.
    arrive(&b, &site, "/mf-recovery-codes").await;
    assert_flash(
        &b.flashes().await,
        "Successfully added the passkey with name: Desk key",
    );
    b.sign_out().await;
    b.field("email", email).await;
    b.field("password", PW).await;
    b.submit().await;
    arrive(&b, &site, "/wan-signin").await;
    b.check("wan-signin-second-factor").await;
    b.submit().await;
    arrive(&b, &site, "/account").await;
    b.check("signed-in-with-security-key").await;
    b.driver.quit().await.unwrap();
}

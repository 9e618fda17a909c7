//! HTML pages and mails (minijinja, embedded; same syntax as Flask-Security's Jinja templates),
//! each replaceable by a file in `template_dir`.

use minijinja::Environment;
use minijinja::value::Kwargs;

macro_rules! titles {
    ($($variant:ident => $key:literal,)*) => {
        /// A page's title: a catalog id, rendered in the request's language.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Title {
            $($variant,)*
        }

        impl Title {
            /// Every title (the catalogs must have them all).
            #[cfg(test)]
            pub(crate) const ALL: &[Title] = &[$(Title::$variant,)*];

            /// The catalog id.
            pub(crate) fn key(self) -> &'static str {
                match self {
                    $(Title::$variant => $key,)*
                }
            }
        }
    };
}

titles! {
    ChangeEmail => "title-change-email", // Change email address
    SignIn => "title-sign-in", // Sign in
    SignInMethods => "title-us-setup", // Sign-in methods
    UsVerify => "title-us-verify", // Confirm it is you
    SignOut => "title-sign-out", // Sign out
    RecoverUsername => "title-recover-username", // Recover your username
    ChangeUsername => "title-change-username", // Change username
    Account => "title-account", // Your account
    Register => "title-register", // Register
    SendConfirmation => "title-send-confirmation", // Resend confirmation instructions
    EmailConfirmation => "title-email-confirmation", // Email confirmation
    TwoFactor => "title-two-factor", // Two-factor authentication
    TwoFactorSetup => "title-two-factor-setup", // Two-factor setup
    TwoFactorSelect => "title-two-factor-select", // Choose a second factor
    TwoFactorRescue => "title-two-factor-rescue", // Trouble signing in?
    RecoveryCodes => "title-recovery-codes", // Recovery codes
    UseRecoveryCode => "title-use-recovery-code", // Use a recovery code
    Verify => "title-verify", // Verify your identity
    ForgotPassword => "title-forgot-password", // Reset your password
    ResetPassword => "title-reset-password", // Choose a new password
    PasswordReset => "title-password-reset", // Password reset
    ChangePassword => "title-change-password", // Change password
    Passkeys => "title-passkeys", // Passkeys and security keys
    PasskeySignIn => "title-passkey-sign-in", // Sign in with a passkey
    PasskeyVerify => "title-passkey-verify", // Confirm it is you with a passkey
}

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("_field.html", include_str!("templates/_field.html")),
    ("_theme.html", include_str!("templates/_theme.html")),
    ("_footer.html", include_str!("templates/_footer.html")),
    ("login.html", include_str!("templates/login.html")),
    ("register.html", include_str!("templates/register.html")),
    ("change.html", include_str!("templates/change.html")),
    ("verify.html", include_str!("templates/verify.html")),
    ("logout.html", include_str!("templates/logout.html")),
    ("account.html", include_str!("templates/account.html")),
    (
        "send_confirmation.html",
        include_str!("templates/send_confirmation.html"),
    ),
    (
        "forgot_password.html",
        include_str!("templates/forgot_password.html"),
    ),
    (
        "reset_password.html",
        include_str!("templates/reset_password.html"),
    ),
    (
        "change_email.html",
        include_str!("templates/change_email.html"),
    ),
    (
        "recover_username.html",
        include_str!("templates/recover_username.html"),
    ),
    (
        "change_username.html",
        include_str!("templates/change_username.html"),
    ),
    ("message.html", include_str!("templates/message.html")),
    (
        "tf_validate.html",
        include_str!("templates/tf_validate.html"),
    ),
    ("tf_setup.html", include_str!("templates/tf_setup.html")),
    ("tf_select.html", include_str!("templates/tf_select.html")),
    ("tf_rescue.html", include_str!("templates/tf_rescue.html")),
    (
        "wan_register.html",
        include_str!("templates/wan_register.html"),
    ),
    ("wan_signin.html", include_str!("templates/wan_signin.html")),
    ("wan_verify.html", include_str!("templates/wan_verify.html")),
    (
        "wan_ceremony.html",
        include_str!("templates/wan_ceremony.html"),
    ),
    (
        "mf_recovery_codes.html",
        include_str!("templates/mf_recovery_codes.html"),
    ),
    (
        "mf_recovery.html",
        include_str!("templates/mf_recovery.html"),
    ),
    (
        "mail/two_factor_instructions.txt",
        include_str!("templates/mail/two_factor_instructions.txt"),
    ),
    (
        "mail/two_factor_instructions.html",
        include_str!("templates/mail/two_factor_instructions.html"),
    ),
    (
        "mail/two_factor_rescue.txt",
        include_str!("templates/mail/two_factor_rescue.txt"),
    ),
    (
        "mail/two_factor_rescue.html",
        include_str!("templates/mail/two_factor_rescue.html"),
    ),
    ("us_signin.html", include_str!("templates/us_signin.html")),
    ("us_setup.html", include_str!("templates/us_setup.html")),
    ("us_verify.html", include_str!("templates/us_verify.html")),
    (
        "mail/us_instructions.txt",
        include_str!("templates/mail/us_instructions.txt"),
    ),
    (
        "mail/us_instructions.html",
        include_str!("templates/mail/us_instructions.html"),
    ),
    (
        "mail/welcome.txt",
        include_str!("templates/mail/welcome.txt"),
    ),
    (
        "mail/welcome.html",
        include_str!("templates/mail/welcome.html"),
    ),
    (
        "mail/welcome_existing.txt",
        include_str!("templates/mail/welcome_existing.txt"),
    ),
    (
        "mail/welcome_existing.html",
        include_str!("templates/mail/welcome_existing.html"),
    ),
    (
        "mail/welcome_existing_username.txt",
        include_str!("templates/mail/welcome_existing_username.txt"),
    ),
    (
        "mail/welcome_existing_username.html",
        include_str!("templates/mail/welcome_existing_username.html"),
    ),
    (
        "mail/confirmation_instructions.txt",
        include_str!("templates/mail/confirmation_instructions.txt"),
    ),
    (
        "mail/confirmation_instructions.html",
        include_str!("templates/mail/confirmation_instructions.html"),
    ),
    (
        "mail/reset_instructions.txt",
        include_str!("templates/mail/reset_instructions.txt"),
    ),
    (
        "mail/reset_instructions.html",
        include_str!("templates/mail/reset_instructions.html"),
    ),
    (
        "mail/reset_notice.txt",
        include_str!("templates/mail/reset_notice.txt"),
    ),
    (
        "mail/reset_notice.html",
        include_str!("templates/mail/reset_notice.html"),
    ),
    (
        "mail/change_notice.txt",
        include_str!("templates/mail/change_notice.txt"),
    ),
    (
        "mail/change_notice.html",
        include_str!("templates/mail/change_notice.html"),
    ),
    (
        "mail/change_email_instructions.txt",
        include_str!("templates/mail/change_email_instructions.txt"),
    ),
    (
        "mail/change_email_instructions.html",
        include_str!("templates/mail/change_email_instructions.html"),
    ),
    (
        "mail/username_recovery.txt",
        include_str!("templates/mail/username_recovery.txt"),
    ),
    (
        "mail/username_recovery.html",
        include_str!("templates/mail/username_recovery.html"),
    ),
    (
        "mail/change_username_notice.txt",
        include_str!("templates/mail/change_username_notice.txt"),
    ),
    (
        "mail/change_username_notice.html",
        include_str!("templates/mail/change_username_notice.html"),
    ),
];

/// The built-in stylesheet (CSS variables an app overrides in `_theme.html`).
pub(crate) const STYLESHEET: &str = include_str!("static/portcullis.css");

/// The pages' WebAuthn script (runs a ceremony and posts its answer).
pub(crate) const WEBAUTHN_SCRIPT: &str = include_str!("static/webauthn.js");

/// `GET <static_folder_url>/webauthn.js`.
pub(crate) async fn webauthn_script() -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        WEBAUTHN_SCRIPT,
    )
        .into_response()
}

/// `GET <static_folder_url>/portcullis.css`.
pub(crate) async fn stylesheet() -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// `t("id", name=value, …)` in a template: the catalog text `id` in the request's language.
fn translate(key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let mut args = Vec::new();
    for name in kwargs.args() {
        let value: minijinja::Value = kwargs.get(name)?;
        args.push((name, value.to_string()));
    }
    let args: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
    Ok(crate::i18n::text_of(key, &args))
}

/// The template set.
pub(crate) struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The built-in templates; a file of the same name (relative path) under `dir` replaces one
    /// (pages `login.html`, …; mails `mail/welcome.txt`, …), so an application can restyle and
    /// reword everything without forking.
    pub(crate) fn new(
        dir: Option<&std::path::Path>,
        config: &portcullis_core::config::Config,
    ) -> Result<Self, String> {
        let mut env = Environment::new();
        env.add_function("t", translate);
        // Configuration, not input: kept as written (no `&#x2f;` for its slashes).
        env.add_global(
            "static_url",
            minijinja::Value::from_safe_string(
                config.static_folder_url.trim_end_matches('/').to_owned(),
            ),
        );
        env.add_global("app_name", config.app_name.clone());
        env.add_global("app_logo_url", config.app_logo_url.clone());
        for (name, source) in TEMPLATES {
            let custom = dir.map(|d| d.join(name)).filter(|p| p.is_file());
            match custom {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                    env.add_template_owned(*name, text)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                }
                None => env.add_template(name, source).map_err(|e| e.to_string())?,
            }
        }
        Ok(Self { env })
    }

    pub(crate) fn render(
        &self,
        name: &str,
        ctx: &serde_json::Value,
    ) -> Result<String, crate::error::Error> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| crate::error::Error::Template(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{SHIPPED, ids_of};
    use std::collections::BTreeSet;

    /// Every `t("id")` of the built-in templates.
    fn template_ids() -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for (_, source) in TEMPLATES {
            let mut rest: &str = source;
            while let Some(at) = rest.find("t(\"") {
                let before = rest[..at].chars().last();
                let after = &rest[at + 3..];
                // `t("id")`, not `default("en")`.
                if !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    && let Some(end) = after.find('"')
                {
                    ids.insert(after[..end].to_owned());
                }
                rest = after;
            }
        }
        ids
    }

    #[test]
    fn every_page_string_and_title_is_in_every_shipped_catalog() {
        let used = template_ids();
        assert!(used.len() > 50, "templates use their catalog: {used:?}");
        let english: BTreeSet<String> = ids_of(SHIPPED[0].1).unwrap().into_iter().collect();
        for (lang, text) in SHIPPED {
            let ids: BTreeSet<String> = ids_of(text).unwrap().into_iter().collect();
            for id in &used {
                assert!(
                    ids.contains(id),
                    "{lang}.ftl lacks {id} (used by a template)"
                );
            }
            for title in Title::ALL {
                assert!(
                    ids.contains(title.key()),
                    "{lang}.ftl lacks {}",
                    title.key()
                );
            }
            assert_eq!(
                english.symmetric_difference(&ids).collect::<Vec<_>>(),
                Vec::<&String>::new(),
                "{lang}.ftl and en.ftl have the same ids"
            );
        }
    }

    #[test]
    fn templates_render_catalog_text_and_never_none() {
        let t = Templates::new(None, &portcullis_core::config::Config::default()).unwrap();
        let ctx = serde_json::json!({"title": "x", "nav": {}, "errors": {}, "form_errors": [],
            "values": {"email": null}, "identity_attributes": ["email"], "action": "/login"});
        let html = t.render("login.html", &ctx).unwrap();
        assert!(!html.contains("None") && !html.contains("none\""), "{html}");
        assert!(html.contains("Remember me"), "{html}");
        assert!(
            !html.contains("login-remember"),
            "ids are replaced by text: {html}"
        );
    }
}

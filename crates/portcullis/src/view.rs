//! HTML pages and mails (minijinja, embedded; same syntax as Flask-Security's Jinja templates),
//! each replaceable by a file in `template_dir`.

use minijinja::Environment;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("_field.html", include_str!("templates/_field.html")),
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

/// The template set.
pub(crate) struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The built-in templates; a file of the same name (relative path) under `dir` replaces one
    /// (pages `login.html`, …; mails `mail/welcome.txt`, …), so an application can restyle and
    /// reword everything without forking.
    pub(crate) fn new(dir: Option<&std::path::Path>) -> Result<Self, String> {
        let mut env = Environment::new();
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

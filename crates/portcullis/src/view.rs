//! HTML pages (minijinja, embedded; same syntax as Flask-Security's Jinja templates).

use minijinja::Environment;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("_field.html", include_str!("templates/_field.html")),
    ("login.html", include_str!("templates/login.html")),
    ("register.html", include_str!("templates/register.html")),
    ("change.html", include_str!("templates/change.html")),
    ("verify.html", include_str!("templates/verify.html")),
    ("logout.html", include_str!("templates/logout.html")),
];

/// The template set.
pub(crate) struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub(crate) fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
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

//! Message catalogs (Fluent): every [`Msg`] in English, German, French and Spanish, chosen per
//! request from `Accept-Language` among SECURITY_I18N_LANGUAGES, with
//! SECURITY_I18N_DEFAULT_LOCALE when nothing matches — as Flask-Security does with Babel. An
//! app adds a language or overrides texts with `<lang>.ftl` files in SECURITY_I18N_DIRNAME
//! (same ids, same `{ $arguments }`); a missing text falls back to English.
//!
//! The locale of a request is set once, by the auth layer (and `http::harden`), for everything
//! rendered while it runs: JSON errors, pages and mails.

use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use portcullis_core::messages::{Message, Msg};
use unic_langid::LanguageIdentifier;

/// The catalogs shipped with portcullis.
pub const SHIPPED: &[(&str, &str)] = &[
    ("en", include_str!("en.ftl")),
    ("de", include_str!("de.ftl")),
    ("fr", include_str!("fr.ftl")),
    ("es", include_str!("es.ftl")),
];

struct Language {
    id: LanguageIdentifier,
    bundle: FluentBundle<FluentResource>,
}

/// The catalogs of the configured languages.
pub struct Catalogs {
    languages: Vec<Language>,
    default: usize,
    english: Option<usize>,
}

impl std::fmt::Debug for Catalogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.languages.iter().map(|l| l.id.to_string()))
            .finish()
    }
}

fn parse(lang: &str, text: String, origin: &str) -> Result<FluentResource, String> {
    FluentResource::try_new(text).map_err(|(_, errors)| {
        format!(
            "{origin}: {} Fluent syntax error(s) in the {lang} catalog, first: {:?}",
            errors.len(),
            errors.first()
        )
    })
}

impl Catalogs {
    /// `languages` (BCP 47 tags; shipped or found in `dir`), `default` among them, and the
    /// `<lang>.ftl` files of `dir`, which override shipped texts and add languages.
    pub fn load(
        languages: &[String],
        default: &str,
        dir: Option<&std::path::Path>,
    ) -> Result<Self, String> {
        let mut out = Vec::new();
        for tag in languages {
            let id: LanguageIdentifier = tag
                .parse()
                .map_err(|e| format!("{tag:?} is not a language tag: {e}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id.clone()]);
            bundle.set_use_isolating(false);
            let shipped = SHIPPED.iter().find(|(l, _)| *l == id.language.as_str());
            if let Some((_, text)) = shipped {
                let resource = parse(tag, (*text).to_owned(), "shipped")?;
                bundle
                    .add_resource(resource)
                    .map_err(|e| format!("shipped {tag} catalog: {e:?}"))?;
            }
            let mut found = false;
            if let Some(dir) = dir {
                for name in [format!("{tag}.ftl"), format!("{}.ftl", id.language)] {
                    let path = dir.join(&name);
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        let resource = parse(tag, text, &path.display().to_string())?;
                        bundle.add_resource_overriding(resource);
                        found = true;
                        break;
                    }
                }
            }
            if shipped.is_none() && !found {
                return Err(format!(
                    "no catalog for {tag:?}: portcullis ships en, de, fr and es; put {tag}.ftl in \
                     SECURITY_I18N_DIRNAME"
                ));
            }
            out.push(Language { id, bundle });
        }
        if out.is_empty() {
            return Err("SECURITY_I18N_LANGUAGES is empty".into());
        }
        let default = out
            .iter()
            .position(|l| l.id.to_string().eq_ignore_ascii_case(default))
            .ok_or_else(|| format!("the default locale {default:?} is not one of the languages"))?;
        let english = out.iter().position(|l| l.id.language.as_str() == "en");
        Ok(Self {
            languages: out,
            default,
            english,
        })
    }

    /// The language to answer a request with `Accept-Language: header` in: the first of the
    /// client's preferences (by quality) that is offered, by full tag and then by language.
    pub fn negotiate(&self, header: Option<&str>) -> usize {
        let Some(header) = header else {
            return self.default;
        };
        let mut wanted: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty() && q > 0.0).then_some((q, tag))
            })
            .collect();
        wanted.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, tag) in wanted {
            if tag == "*" {
                return self.default;
            }
            let Ok(id) = tag.parse::<LanguageIdentifier>() else {
                continue;
            };
            if let Some(i) = self.languages.iter().position(|l| l.id == id) {
                return i;
            }
            if let Some(i) = self
                .languages
                .iter()
                .position(|l| l.id.language == id.language)
            {
                return i;
            }
        }
        self.default
    }

    /// The tag of language `index`.
    pub fn tag(&self, index: usize) -> String {
        self.languages
            .get(index)
            .map_or_else(|| "en".to_owned(), |l| l.id.to_string())
    }

    /// `message` in language `index` (English, then the built-in text, when it has none).
    pub fn text(&self, index: usize, message: &Message) -> String {
        let key = message.id().key();
        for i in [Some(index), self.english].into_iter().flatten() {
            if let Some(text) = self.format(i, key, message) {
                return text;
            }
        }
        message.english()
    }

    fn format(&self, index: usize, key: &str, message: &Message) -> Option<String> {
        let args: Vec<(&str, &str)> = message
            .args()
            .iter()
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        self.format_key(index, key, &args)
    }

    /// The text with id `key` (a page string, a mail's subject or body) in language `index`,
    /// English when that language has none, `None` when no catalog has it.
    pub fn text_of(&self, index: usize, key: &str, args: &[(&str, &str)]) -> Option<String> {
        [Some(index), self.english]
            .into_iter()
            .flatten()
            .find_map(|i| self.format_key(i, key, args))
    }

    fn format_key(&self, index: usize, key: &str, arguments: &[(&str, &str)]) -> Option<String> {
        let bundle = &self.languages.get(index)?.bundle;
        let pattern = bundle.get_message(key)?.value()?;
        let mut args = FluentArgs::new();
        for (name, value) in arguments {
            // A number (for plurals) only when it reads back the same: "007" stays text.
            match value.parse::<i64>() {
                Ok(n) if n.to_string() == *value => args.set(*name, FluentValue::from(n)),
                _ => args.set(*name, FluentValue::from(*value)),
            }
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
        if !errors.is_empty() {
            tracing::warn!(key, language = %self.tag(index), ?errors, "message not fully formatted");
        }
        Some(text.into_owned())
    }

    /// Whether language `index` has a text for every message id (shipped catalogs must).
    pub fn missing(&self, index: usize) -> Vec<&'static str> {
        let Some(lang) = self.languages.get(index) else {
            return Vec::new();
        };
        Msg::ALL
            .iter()
            .map(|m| m.key())
            .filter(|k| lang.bundle.get_message(k).is_none())
            .collect()
    }

    /// How many languages.
    pub fn len(&self) -> usize {
        self.languages.len()
    }

    /// Whether there are none (never, once loaded).
    pub fn is_empty(&self) -> bool {
        self.languages.is_empty()
    }
}

/// The language of the request being answered.
#[derive(Clone)]
pub(crate) struct Lang {
    pub(crate) catalogs: Arc<Catalogs>,
    pub(crate) index: usize,
}

tokio::task_local! {
    static LANG: Lang;
}

/// Run `fut` with `lang` as the language of everything it renders.
pub(crate) async fn scope<F: std::future::Future>(lang: Lang, fut: F) -> F::Output {
    LANG.scope(lang, fut).await
}

/// Whether a language is already set for the code running now.
pub(crate) fn in_scope() -> bool {
    LANG.try_with(|_| ()).is_ok()
}

/// `message` in the language of the current request (English outside one).
pub(crate) fn text(message: &Message) -> String {
    LANG.try_with(|l| l.catalogs.text(l.index, message))
        .unwrap_or_else(|_| message.english())
}

/// The tag of the current request's language (`en` outside one).
pub(crate) fn current_tag() -> String {
    LANG.try_with(|l| l.catalogs.tag(l.index))
        .unwrap_or_else(|_| "en".to_owned())
}

/// The text with id `key` in the current request's language (English outside one); the key
/// itself when no catalog has it, so a missing text shows up instead of vanishing.
pub(crate) fn text_of(key: &str, args: &[(&str, &str)]) -> String {
    LANG.try_with(|l| l.catalogs.text_of(l.index, key, args))
        .ok()
        .flatten()
        .or_else(|| english().text_of(0, key, args))
        .unwrap_or_else(|| key.to_owned())
}

/// The shipped English text of `key` (to tell a configured default from an app's own text).
pub(crate) fn english_text_of(key: &str) -> Option<String> {
    english().text_of(0, key, &[])
}

/// The shipped English catalog alone, for text rendered outside any request (the CLI, tests).
fn english() -> &'static Catalogs {
    static ENGLISH: std::sync::OnceLock<Option<Catalogs>> = std::sync::OnceLock::new();
    static EMPTY: Catalogs = Catalogs {
        languages: Vec::new(),
        default: 0,
        english: None,
    };
    ENGLISH
        .get_or_init(|| Catalogs::load(&["en".to_owned()], "en", None).ok())
        .as_ref()
        .unwrap_or(&EMPTY)
}

/// The message ids of a catalog's text (for the check that every shipped catalog is complete).
pub fn ids_of(ftl: &str) -> Result<Vec<String>, String> {
    let resource = FluentResource::try_new(ftl.to_owned())
        .map_err(|(_, errors)| format!("{} syntax error(s): {:?}", errors.len(), errors.first()))?;
    Ok(resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect())
}

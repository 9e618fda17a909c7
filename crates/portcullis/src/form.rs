//! Validation errors of a submitted form, in Flask-Security's shape (plain data; `respond`
//! renders them). Errors are message ids with arguments; the text is chosen when rendered.

use crate::messages::Message;

/// Field errors in submission order; the key `""` holds form-level errors.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors {
    fields: Vec<(String, Vec<Message>)>,
}

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Add `message` to `field` (`""` for the form).
    pub fn add(&mut self, field: &str, message: impl Into<Message>) {
        let message = message.into();
        if let Some((_, list)) = self.fields.iter_mut().find(|(f, _)| f == field) {
            list.push(message);
        } else {
            self.fields.push((field.to_owned(), vec![message]));
        }
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
    /// Whether `field` has errors.
    pub fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|(f, _)| f == field)
    }
    /// Field names with errors.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(f, _)| f.as_str())
    }
    /// Messages of one field.
    pub fn get(&self, field: &str) -> &[Message] {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, l)| l.as_slice())
            .unwrap_or(&[])
    }
    /// All messages, flat, in field order.
    pub fn all(&self) -> impl Iterator<Item = &Message> {
        self.fields.iter().flat_map(|(_, l)| l.iter())
    }
}

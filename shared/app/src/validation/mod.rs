//! Invalid input as use cases report it: every bad field at once, each with a stable code and
//! its reason in Russian and English, so the UI can show it next to the field and the API can
//! answer 422 `validation_failed` with per-field errors.
//!
//! Domain validators say why in English (`Display`) with a `code()`; [`Explain`] adds the
//! Russian text for each of them in one place ([`messages`]).

mod messages;

pub use messages::Explain;

/// Why one value is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub code: &'static str,
    pub ru: String,
    pub en: String,
}

impl Reason {
    pub fn new(code: &'static str, ru: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            code,
            ru: ru.into(),
            en: en.into(),
        }
    }

    /// The field must be filled in.
    pub fn required() -> Self {
        Self::new("required", "Заполните это поле", "This field is required")
    }

    /// Text longer than allowed.
    pub fn too_long(max: usize) -> Self {
        Self::new(
            "too_long",
            format!("Не длиннее {max} символов"),
            format!("At most {max} characters"),
        )
    }

    /// A whole number was expected.
    pub fn not_a_number() -> Self {
        Self::new(
            "not_a_number",
            "Введите целое число",
            "Enter a whole number",
        )
    }
}

/// One refused field: its path in the request (`bank.bik`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldIssue {
    pub field: String,
    pub reason: Reason,
}

/// Every refused field of one input; empty means valid.
#[derive(Clone, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("invalid input in {} field(s)", .0.len())]
pub struct Invalid(pub Vec<FieldIssue>);

impl Invalid {
    pub fn new() -> Self {
        Self::default()
    }

    /// One refused field.
    pub fn field(field: &str, reason: Reason) -> Self {
        let mut invalid = Self::new();
        invalid.add(field, reason);
        invalid
    }

    /// Adds a reason for `field` unless the field already has one (the first reason is the
    /// one worth fixing first).
    pub fn add(&mut self, field: &str, reason: Reason) {
        if !self.0.iter().any(|issue| issue.field == field) {
            self.0.push(FieldIssue {
                field: field.to_owned(),
                reason,
            });
        }
    }

    /// Adds a domain validator's error for `field`.
    pub fn explain(&mut self, field: &str, error: &impl Explain) {
        self.add(field, error.reason());
    }

    /// The value of a parse, noting its error for `field`.
    pub fn check<T, E: Explain>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.explain(field, &error);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&Reason> {
        self.0
            .iter()
            .find(|issue| issue.field == field)
            .map(|issue| &issue.reason)
    }

    /// `(field, message)` pairs in Russian or English, for forms and problem responses.
    pub fn messages(&self, russian: bool) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|issue| {
                let text = if russian {
                    &issue.reason.ru
                } else {
                    &issue.reason.en
                };
                (issue.field.clone(), text.clone())
            })
            .collect()
    }

    /// `Ok(value)` when nothing was refused.
    pub fn into_result<T>(self, value: T) -> Result<T, Invalid> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::requisites::Inn;

    #[test]
    fn first_reason_per_field_and_domain_errors_explained() {
        let mut invalid = Invalid::new();
        assert_eq!(invalid.check("inn", Inn::parse("7707083894")), None);
        invalid.add("inn", Reason::required());
        invalid.add("name", Reason::required());
        assert_eq!(invalid.0.len(), 2);
        let inn = invalid.get("inn").unwrap();
        assert_eq!(inn.code, "inn_checksum");
        assert!(inn.ru.contains("ИНН"), "{}", inn.ru);
        assert!(invalid.clone().into_result(()).is_err());
        assert!(Invalid::new().into_result(1).is_ok());
    }
}

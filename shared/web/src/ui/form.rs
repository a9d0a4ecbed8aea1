//! Form fields and the error summary.
//!
//! Validation results are a [`FieldErrors`] map, convertible to and from the API's
//! [`FieldError`] lists, so a use case validates once and both the JSON API (problem+json 422)
//! and the form (inline errors) report it. A field shows its error next to it, linked with
//! `aria-describedby` and marked `aria-invalid`; the summary at the top links to each field.

use askama::Template;

use crate::i18n::Texts;
use crate::problem::{FieldError, Problem};

/// Field name -> message, in the order found (which should be the form's order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `message` for `field` unless it already has one (the first error is the one
    /// to fix first).
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        if self.get(&field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(f, m)| (f.as_str(), m.as_str()))
    }

    /// `Ok(())` when there is nothing to report.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// The API's answer for the same errors: 422 `validation_failed`.
    pub fn to_problem(&self) -> Problem {
        Problem::validation(self.clone().into())
    }
}

impl From<Vec<FieldError>> for FieldErrors {
    fn from(errors: Vec<FieldError>) -> Self {
        let mut map = FieldErrors::new();
        for error in errors {
            map.add(error.field, error.message);
        }
        map
    }
}

impl From<FieldErrors> for Vec<FieldError> {
    fn from(errors: FieldErrors) -> Self {
        errors
            .0
            .into_iter()
            .map(|(field, message)| FieldError { field, message })
            .collect()
    }
}

/// The element id of a field: `f-<name>`, the target of the summary's links.
pub fn field_id(name: &str) -> String {
    format!("f-{name}")
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
}

impl SelectOption {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// `<input type=...>`: `text`, `email`, `tel`, `number`, `date`, `password`.
    Input(&'static str),
    TextArea {
        rows: u8,
    },
    Select(Vec<SelectOption>),
    Checkbox {
        checked: bool,
    },
}

/// One labelled form control that keeps the submitted value and shows its error.
#[derive(Template, Clone, Debug)]
#[template(path = "components/field.html")]
pub struct Field {
    pub t: &'static Texts,
    pub name: String,
    pub id: String,
    pub label: String,
    pub kind: FieldKind,
    pub value: String,
    pub required: bool,
    pub hint: Option<String>,
    pub error: Option<String>,
    pub autocomplete: Option<&'static str>,
}

impl Field {
    fn new(t: &'static Texts, name: &str, label: impl Into<String>, kind: FieldKind) -> Self {
        Self {
            t,
            name: name.to_owned(),
            id: field_id(name),
            label: label.into(),
            kind,
            value: String::new(),
            required: false,
            hint: None,
            error: None,
            autocomplete: None,
        }
    }

    pub fn text(t: &'static Texts, name: &str, label: impl Into<String>) -> Self {
        Self::new(t, name, label, FieldKind::Input("text"))
    }

    pub fn email(t: &'static Texts, name: &str, label: impl Into<String>) -> Self {
        Self::new(t, name, label, FieldKind::Input("email")).autocomplete("email")
    }

    /// Any other `<input>` type (`tel`, `number`, `date`, `password`).
    pub fn input(
        t: &'static Texts,
        input_type: &'static str,
        name: &str,
        label: impl Into<String>,
    ) -> Self {
        Self::new(t, name, label, FieldKind::Input(input_type))
    }

    pub fn textarea(t: &'static Texts, name: &str, label: impl Into<String>) -> Self {
        Self::new(t, name, label, FieldKind::TextArea { rows: 3 })
    }

    pub fn select(
        t: &'static Texts,
        name: &str,
        label: impl Into<String>,
        options: Vec<SelectOption>,
    ) -> Self {
        Self::new(t, name, label, FieldKind::Select(options))
    }

    pub fn checkbox(
        t: &'static Texts,
        name: &str,
        label: impl Into<String>,
        checked: bool,
    ) -> Self {
        Self::new(t, name, label, FieldKind::Checkbox { checked })
    }

    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn autocomplete(mut self, token: &'static str) -> Self {
        self.autocomplete = Some(token);
        self
    }

    /// Takes this field's message from `errors`, if it has one.
    pub fn errors(mut self, errors: &FieldErrors) -> Self {
        self.error = errors.get(&self.name).map(str::to_owned);
        self
    }

    pub fn hint_id(&self) -> String {
        format!("{}-hint", self.id)
    }

    pub fn error_id(&self) -> String {
        format!("{}-error", self.id)
    }

    /// The `aria-describedby` value: the error first, then the hint.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.error.is_some() {
            ids.push(self.error_id());
        }
        if self.hint.is_some() {
            ids.push(self.hint_id());
        }
        ids.join(" ")
    }

    pub fn is_selected(&self, option: &SelectOption) -> bool {
        option.value == self.value
    }
}

/// "Please correct the errors": a list of links to the fields, focused when the page loads.
#[derive(Template, Clone, Debug)]
#[template(path = "components/error_summary.html")]
pub struct ErrorSummary {
    pub t: &'static Texts,
    /// (`#f-name`, message)
    pub items: Vec<(String, String)>,
}

impl ErrorSummary {
    pub fn new(t: &'static Texts, errors: &FieldErrors) -> Self {
        Self {
            t,
            items: errors
                .iter()
                .map(|(field, message)| (format!("#{}", field_id(field)), message.to_owned()))
                .collect(),
        }
    }
}

impl askama::filters::HtmlSafe for Field {}
impl askama::filters::HtmlSafe for ErrorSummary {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::EN;
    use crate::i18n::RU;

    #[test]
    fn field_errors_round_trip_with_the_api() {
        let api = vec![
            FieldError {
                field: "name".into(),
                message: "Укажите имя".into(),
            },
            FieldError {
                field: "email".into(),
                message: "Неверный адрес".into(),
            },
            FieldError {
                field: "name".into(),
                message: "second message is dropped".into(),
            },
        ];
        let errors = FieldErrors::from(api);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors.get("name"), Some("Укажите имя"));
        let problem = errors.to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.code, "validation_failed");
        assert_eq!(problem.errors[1].field, "email");
        assert!(FieldErrors::new().into_result().is_ok());
    }

    #[test]
    fn a_field_with_an_error() {
        let mut errors = FieldErrors::new();
        errors.add("email", "Адрес <неверный>");
        let html = Field::email(&RU, "email", "Почта")
            .value("x\"@y")
            .required()
            .hint("Для чеков")
            .errors(&errors)
            .render()
            .unwrap();
        assert!(html.contains(
            r#"<label class="form-label" for="f-email">Почта<span class="required-marker" aria-hidden="true">*</span></label>"#
        ));
        assert!(html.contains(r#"value="x&#34;@y""#), "{html}");
        assert!(html.contains(
            r#"required aria-invalid="true" aria-describedby="f-email-error f-email-hint""#
        ));
        assert!(html.contains(r#"id="f-email-error"><span class="visually-hidden">Ошибка: </span>Адрес &#60;неверный&#62;</div>"#));
        assert!(html.contains("is-invalid"));
    }

    #[test]
    fn a_field_without_an_error_is_quiet() {
        let html = Field::text(&EN, "name", "Name").render().unwrap();
        assert!(!html.contains("aria-invalid") && !html.contains("aria-describedby"));
        assert!(!html.contains("required"));
        assert!(!html.contains("required-marker"));
    }

    #[test]
    fn select_textarea_checkbox_keep_values() {
        let options = vec![SelectOption::new("a", "A"), SelectOption::new("b", "B <b>")];
        let html = Field::select(&RU, "plan", "Тариф", options)
            .value("b")
            .render()
            .unwrap();
        assert!(
            html.contains(r#"<option value="b" selected>B &#60;b&#62;</option>"#),
            "{html}"
        );
        assert!(html.contains(r#"<option value="">— выберите —</option>"#));
        let html = Field::textarea(&RU, "c", "К")
            .value("line\n<two>")
            .render()
            .unwrap();
        assert!(html.contains(">line\n&#60;two&#62;</textarea>"));
        let html = Field::checkbox(&RU, "agree", "Да", true).render().unwrap();
        assert!(
            html.contains(r#"type="checkbox" id="f-agree" name="agree" value="1" checked>"#),
            "{html}"
        );
        assert!(html.contains(r#"<label class="form-check-label" for="f-agree">Да</label>"#));
    }

    #[test]
    fn the_summary_links_to_each_field() {
        let mut errors = FieldErrors::new();
        errors.add("name", "Укажите имя");
        errors.add("email", "Неверный адрес");
        let html = ErrorSummary::new(&RU, &errors).render().unwrap();
        assert!(
            html.contains(
                r#"tabindex="-1" data-error-summary aria-labelledby="error-summary-title""#
            )
        );
        assert!(html.contains("Исправьте ошибки в форме"));
        let name = html.find("#f-name").unwrap();
        let email = html.find("#f-email").unwrap();
        assert!(name < email, "in the form's order");
        assert!(
            ErrorSummary::new(&RU, &FieldErrors::new())
                .render()
                .unwrap()
                .trim()
                .is_empty()
        );
    }
}

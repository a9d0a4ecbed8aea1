//! Submitted section fields as text, whether they came from a form or a JSON object.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::validation::{Invalid, Reason};

/// Field name to text; a missing field reads as empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields(pub BTreeMap<String, String>);

impl Fields {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.0.insert(name.to_owned(), value.into());
        self
    }

    /// From a JSON object: strings as they are, numbers and booleans written out, `null` empty.
    pub fn from_json(object: &serde_json::Map<String, Value>) -> Self {
        Fields(
            object
                .iter()
                .map(|(name, value)| {
                    let text = match value {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (name.clone(), text)
                })
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", |v| v.trim())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A checkbox or JSON boolean: `1`, `on`, `true`, `yes` are true; empty and absent false.
    pub fn flag(&self, name: &str) -> bool {
        matches!(
            self.get(name).to_ascii_lowercase().as_str(),
            "1" | "on" | "true" | "yes"
        )
    }

    /// A whole number, noting a problem for `name` when it is missing or not a number. The
    /// section's own rule then judges its range.
    pub fn number(&self, invalid: &mut Invalid, name: &str) -> Option<i64> {
        let raw = self.get(name);
        if raw.is_empty() {
            invalid.add(name, Reason::required());
            return None;
        }
        match raw.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                invalid.add(name, Reason::not_a_number());
                None
            }
        }
    }
}

/// `n` as a day of the month or a width; anything out of `u8` becomes 0, which every such
/// rule refuses with its own words.
pub fn small(n: i64) -> u8 {
    u8::try_from(n).unwrap_or(0)
}

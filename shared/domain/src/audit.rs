//! The difference between two versions of a record, field by field, for the audit log and the
//! change history ("who, when, which field, old -> new").

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Dotted path of the field (`address.city`); array elements are compared as a whole.
    pub field: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// Fields whose values are never copied into the audit log, only noted as changed.
const SECRET_FIELDS: &[&str] = &["password_hash", "totp_secret", "token_hash", "secret_hash"];
const REDACTED: &str = "***";

/// Changes from `before` to `after` (either may be absent: creation, deletion). Objects are
/// compared field by field, recursively; anything else as a whole. Secret fields appear with
/// their values redacted.
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    walk("", before, after, &mut changes);
    changes
}

/// `Some(Some(map))` for an object, `Some(None)` for absent, `None` for any other value.
fn as_object(value: Option<&Value>) -> Option<Option<&serde_json::Map<String, Value>>> {
    match value {
        Some(Value::Object(map)) => Some(Some(map)),
        None => Some(None),
        Some(_) => None,
    }
}

fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<FieldChange>) {
    // Objects (or an absent side against an object) are compared key by key.
    if let (Some(old), Some(new)) = (as_object(before), as_object(after))
        && (old.is_some() || new.is_some())
    {
        let mut keys: Vec<&String> = old
            .iter()
            .chain(new.iter())
            .flat_map(|m| m.keys())
            .collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            walk(
                &child,
                old.and_then(|m| m.get(key)),
                new.and_then(|m| m.get(key)),
                out,
            );
        }
        return;
    }
    if before != after {
        let secret = SECRET_FIELDS
            .iter()
            .any(|s| path.rsplit('.').next() == Some(*s));
        let shown = |v: Option<&Value>| {
            v.map(|v| {
                if secret {
                    Value::from(REDACTED)
                } else {
                    v.clone()
                }
            })
        };
        out.push(FieldChange {
            field: path.to_owned(),
            old: shown(before),
            new: shown(after),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_fields_and_creation() {
        let before = json!({"name": "ТСЖ Рассвет", "address": {"city": "Москва", "street": "Ленина"}, "tags": ["a"]});
        let after = json!({"name": "ТСЖ «Рассвет»", "address": {"city": "Москва", "street": "Мира"}, "tags": ["a", "b"], "phone": "+79123456789"});
        let fields: Vec<String> = diff(Some(&before), Some(&after))
            .into_iter()
            .map(|c| c.field)
            .collect();
        assert_eq!(fields, ["address.street", "name", "phone", "tags"]);
        let created = diff(None, Some(&json!({"a": 1})));
        assert_eq!(
            created,
            [FieldChange {
                field: "a".into(),
                old: None,
                new: Some(json!(1))
            }]
        );
        let deleted = diff(Some(&json!({"a": 1})), None);
        assert_eq!(
            deleted,
            [FieldChange {
                field: "a".into(),
                old: Some(json!(1)),
                new: None
            }]
        );
    }

    #[test]
    fn secrets_are_redacted_and_equal_values_skipped() {
        let changes = diff(
            Some(&json!({"password_hash": "old", "same": 1})),
            Some(&json!({"password_hash": "new", "same": 1})),
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].old, Some(json!("***")));
        assert_eq!(changes[0].new, Some(json!("***")));
    }
}

//! An audit record as people read it: times in the reader's zone, an actor label that marks
//! staff acting inside a tenant, the action's human name, the changed fields as text. The page,
//! the CSV export and the history component all show records through this.

use chrono_tz::Tz;
use crm_app::audit::{Actor, AuditRecord};
use serde_json::Value;

use super::texts::{AuditTexts, action_label};
use crate::format;
use crate::i18n::Lang;

/// One changed field, values as text (`—` for absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeView {
    pub field: String,
    pub old: String,
    pub new: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordView {
    pub id: String,
    /// `31.01.2026 14:05` in the reader's zone.
    pub time: String,
    /// `31.01.2026 14:05:09`, for exports.
    pub time_seconds: String,
    /// RFC 3339 in UTC, for `<time datetime>` and exports.
    pub time_utc: String,
    pub actor: String,
    pub actor_id: String,
    /// Set when platform staff acted inside a tenant: the reason they gave.
    pub impersonation_reason: Option<String>,
    pub action: String,
    pub action_label: String,
    pub entity_type: String,
    pub entity_id: String,
    pub changes: Vec<ChangeView>,
    pub changes_summary: String,
    pub request_id: String,
    pub client_ip: String,
}

/// A JSON value as a cell shows it: text as is, absent or null as `—`, the rest as JSON.
pub fn value_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

pub fn actor_label(a: &AuditTexts, actor: &Actor) -> String {
    match actor {
        Actor::User { name, .. } => name.clone(),
        Actor::ApiKey { name, .. } => (a.api_key)(name),
        Actor::Staff { email, .. } => email.clone(),
        Actor::Impersonation { staff_email, .. } => format!("{staff_email} ({})", a.impersonation),
        Actor::System { process } => (a.system)(process),
        Actor::Anonymous => a.anonymous.to_owned(),
    }
}

impl RecordView {
    pub fn new(record: &AuditRecord, lang: Lang, a: &AuditTexts, zone: Tz) -> Self {
        let local = record.at.with_timezone(&zone);
        let changes: Vec<ChangeView> = record
            .changes
            .iter()
            .map(|c| ChangeView {
                field: c.field.clone(),
                old: value_text(c.old.as_ref()),
                new: value_text(c.new.as_ref()),
            })
            .collect();
        let changes_summary = if changes.is_empty() {
            a.no_changes.to_owned()
        } else {
            let fields: Vec<&str> = changes.iter().take(3).map(|c| c.field.as_str()).collect();
            let more = if changes.len() > 3 { ", …" } else { "" };
            format!(
                "{}: {}{more}",
                (a.changes)(changes.len()),
                fields.join(", ")
            )
        };
        Self {
            id: record.id.clone(),
            time: format::date_time(record.at, zone),
            time_seconds: local.format("%d.%m.%Y %H:%M:%S").to_string(),
            time_utc: record
                .at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            actor: actor_label(a, &record.actor),
            actor_id: record.actor.id(),
            impersonation_reason: match &record.actor {
                Actor::Impersonation { reason, .. } => Some(reason.clone()),
                _ => None,
            },
            action: record.action.clone(),
            action_label: action_label(lang, &record.action),
            entity_type: record.entity_type.clone(),
            entity_id: record.entity_id.clone(),
            changes,
            changes_summary,
            request_id: record.request_id.clone().unwrap_or_default(),
            client_ip: record.client_ip.clone().unwrap_or_default(),
        }
    }

    /// The changes as one text cell: `field: old → new` per line.
    pub fn changes_text(&self) -> String {
        self.changes
            .iter()
            .map(|c| format!("{}: {} → {}", c.field, c.old, c.new))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use crm_domain::audit::FieldChange;
    use serde_json::json;

    use super::*;
    use crate::audit::texts::RU;

    #[test]
    fn impersonation_is_marked_and_values_are_text() {
        let record = AuditRecord {
            id: "r1".into(),
            at: Utc.with_ymd_and_hms(2026, 1, 31, 21, 5, 9).unwrap(),
            actor: Actor::Impersonation {
                staff_id: "s1".into(),
                staff_email: "help@crm.example.ru".into(),
                reason: "заявка №42".into(),
            },
            action: "settings.update".into(),
            entity_type: "settings".into(),
            entity_id: "branding".into(),
            changes: vec![
                FieldChange {
                    field: "name".into(),
                    old: Some(json!("Старое")),
                    new: Some(json!("Новое")),
                },
                FieldChange {
                    field: "due_day".into(),
                    old: None,
                    new: Some(json!(10)),
                },
            ],
            request_id: Some("req-1".into()),
            client_ip: None,
        };
        let view = RecordView::new(&record, Lang::Ru, &RU, chrono_tz::Europe::Moscow);
        assert_eq!(view.time, "01.02.2026 00:05");
        assert_eq!(view.time_seconds, "01.02.2026 00:05:09");
        assert_eq!(
            view.actor,
            "help@crm.example.ru (вход сотрудника платформы)"
        );
        assert_eq!(view.actor_id, "staff:s1");
        assert_eq!(view.impersonation_reason.as_deref(), Some("заявка №42"));
        assert_eq!(view.action_label, "Изменены настройки");
        assert_eq!(view.changes_summary, "2 изменения: name, due_day");
        assert_eq!(view.changes_text(), "name: Старое → Новое\ndue_day: — → 10");
    }
}

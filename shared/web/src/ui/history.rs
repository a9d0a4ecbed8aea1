//! An entity's change history: who changed it, when, and each field's old → new value, newest
//! first. Built from the entity's audit records (its GSI1 partition), for cards such as a
//! subscriber's or a service's and for the audit log's entity page.
//!
//! ```
//! use crm_web::i18n::Lang;
//! use crm_web::ui::history::History;
//!
//! let history = History::new(Lang::Ru, chrono_tz::Europe::Moscow, &[]);
//! assert!(history.entries.is_empty());
//! ```

use askama::Template;
use chrono_tz::Tz;
use crm_app::audit::AuditRecord;

use crate::audit::texts::{AuditTexts, texts};
use crate::audit::view::{ChangeView, RecordView};
use crate::i18n::Lang;
use crate::ui::EmptyState;

/// One change event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub when: String,
    pub when_utc: String,
    pub who: String,
    /// Staff acting inside the tenant: the reason they gave.
    pub reason: Option<String>,
    pub action_label: String,
    pub changes: Vec<ChangeView>,
}

#[derive(Template, Clone, Debug)]
#[template(path = "components/history.html")]
pub struct History {
    pub a: &'static AuditTexts,
    pub entries: Vec<HistoryEntry>,
    pub empty: EmptyState,
}

impl History {
    /// `records` newest first, as the audit log lists them; times shown in `zone`.
    pub fn new(lang: Lang, zone: Tz, records: &[AuditRecord]) -> Self {
        let a = texts(lang);
        let entries = records
            .iter()
            .map(|record| {
                let view = RecordView::new(record, lang, a, zone);
                HistoryEntry {
                    when: view.time,
                    when_utc: view.time_utc,
                    who: view.actor,
                    reason: view.impersonation_reason,
                    action_label: view.action_label,
                    changes: view.changes,
                }
            })
            .collect();
        Self {
            a,
            entries,
            empty: EmptyState::new(a.entity_empty_title, a.entity_empty_text),
        }
    }

    /// What to show when there are no changes (defaults to a generic text).
    pub fn empty(mut self, empty: EmptyState) -> Self {
        self.empty = empty;
        self
    }
}

impl askama::filters::HtmlSafe for History {}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use crm_app::audit::Actor;
    use crm_domain::audit::FieldChange;
    use serde_json::json;

    use super::*;

    #[test]
    fn renders_who_when_and_each_field() {
        let record = AuditRecord {
            id: "1".into(),
            at: Utc.with_ymd_and_hms(2026, 3, 8, 9, 30, 0).unwrap(),
            actor: Actor::User {
                id: "u1".into(),
                name: "Анна <Петрова>".into(),
            },
            action: "account.update".into(),
            entity_type: "account".into(),
            entity_id: "u2".into(),
            changes: vec![FieldChange {
                field: "role".into(),
                old: Some(json!("viewer")),
                new: Some(json!("manager")),
            }],
            request_id: None,
            client_ip: None,
        };
        let html = History::new(Lang::Ru, chrono_tz::Europe::Moscow, &[record])
            .render()
            .unwrap();
        assert!(html.contains("08.03.2026 12:30"), "{html}");
        assert!(html.contains("Анна &#60;Петрова&#62;"), "escaped");
        assert!(html.contains("Изменён пользователь"));
        assert!(html.contains("<code>role</code>"));
        assert!(html.contains("viewer") && html.contains("manager"));
        let empty = History::new(Lang::En, chrono_tz::UTC, &[])
            .render()
            .unwrap();
        assert!(empty.contains("data-empty-state") && empty.contains("No changes found"));
    }
}

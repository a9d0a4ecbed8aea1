//! The change timeline of a card (who, when, which field, old → new) from audit records. A
//! shared history component is not in `crm_web::ui` yet; this renders a plain table.

use askama::Template;
use crm_app::audit::AuditRecord;
use crm_web::format;
use crm_web::i18n::Lang;
use crm_web::ui::EmptyState;
use serde_json::Value;

use crate::services_texts::{CatalogTexts, texts};

pub struct ChangeText {
    pub field: String,
    pub old: String,
    pub new: String,
}

pub struct HistoryRow {
    pub when: String,
    pub who: String,
    pub what: String,
    pub changes: Vec<ChangeText>,
}

#[derive(Template)]
#[template(path = "services/history.html")]
pub struct HistoryView {
    pub heading: &'static str,
    pub caption: &'static str,
    pub col_when: &'static str,
    pub col_who: &'static str,
    pub col_what: &'static str,
    pub col_change: &'static str,
    pub rows: Vec<HistoryRow>,
    pub empty: EmptyState,
    pub older: Option<String>,
    pub older_label: &'static str,
}

impl askama::filters::HtmlSafe for HistoryView {}

impl HistoryView {
    pub fn new(records: &[AuditRecord], older: Option<String>, lang: Lang) -> Self {
        let c = texts(lang);
        Self {
            heading: c.history_heading,
            caption: c.history_caption,
            col_when: c.col_when,
            col_who: c.col_who,
            col_what: c.col_what,
            col_change: c.col_change,
            rows: records.iter().map(|r| row(r, lang)).collect(),
            empty: EmptyState::new(c.no_history_title, c.no_history_text),
            older,
            older_label: c.older,
        }
    }
}

fn row(record: &AuditRecord, lang: Lang) -> HistoryRow {
    HistoryRow {
        when: format::date_time(record.at, chrono_tz::Europe::Moscow),
        who: record.actor.label(),
        what: action_label(&record.action, lang).to_owned(),
        changes: record
            .changes
            .iter()
            .map(|change| ChangeText {
                field: field_label(&change.field, lang),
                old: value_text(change.old.as_ref()),
                new: value_text(change.new.as_ref()),
            })
            .collect(),
    }
}

fn value_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(text)) if text.is_empty() => "—".to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Bool(true)) => "✓".to_owned(),
        Some(Value::Bool(false)) => "✗".to_owned(),
        Some(other) => other.to_string(),
    }
}

pub fn action_label(action: &str, lang: Lang) -> &str {
    let (ru, en) = match action {
        "service.create" => ("Создание услуги", "Service created"),
        "service.update" => ("Изменение услуги", "Service changed"),
        "service.archive" => ("Перенос в архив", "Archived"),
        "service.restore" => ("Возврат из архива", "Restored"),
        "service.bulk_link" => ("Массовое подключение", "Bulk linking started"),
        "tariff.add" => ("Новая версия тарифа", "Tariff version added"),
        "tariff.update" => ("Изменение версии тарифа", "Tariff version changed"),
        "tariff.delete" => ("Удаление версии тарифа", "Tariff version deleted"),
        "service_link.attach" => ("Подключение услуги", "Service linked"),
        "service_link.update" => ("Изменение подключения", "Link changed"),
        "service_link.detach" => ("Отключение услуги", "Service unlinked"),
        other => return other,
    };
    match lang {
        Lang::Ru => ru,
        Lang::En => en,
    }
}

fn plain_label(field: &str, c: &CatalogTexts) -> Option<&'static str> {
    Some(match field {
        "name" => c.field_name,
        "code" => c.field_code,
        "kind" => c.field_kind,
        "unit" => c.field_unit,
        "tax_category" => c.field_tax,
        "rounding" => c.field_rounding,
        "on_bill" => c.field_on_bill,
        "supplier" | "supplier.name" => c.field_supplier_name,
        "supplier.inn" => c.field_supplier_inn,
        "description" => c.field_description,
        "archived" => c.state_archived,
        "valid_until" => c.col_until,
        "valid_from" => c.col_from,
        "norm" => c.col_norm,
        "individual_rate" => c.field_individual_rate,
        "individual_quantity" => c.field_individual_quantity,
        _ => return None,
    })
}

/// `tariff.2026-07-01.rate` → `Тариф с 01.07.2026: Ставки`; `services.Вода.valid_until` →
/// `Вода: по`; known plain fields by their form label.
pub fn field_label(path: &str, lang: Lang) -> String {
    let c = texts(lang);
    let mut parts = path.splitn(3, '.');
    let (first, second, rest) = (parts.next(), parts.next(), parts.next());
    let tail = |rest: Option<&str>| -> String {
        match rest {
            Some(field) => {
                let leaf = field.split('.').next().unwrap_or(field);
                let label = match leaf {
                    "rate" | "blocks" | "zone_rates" => Some(c.col_rates),
                    other => plain_label(other, c),
                };
                label.map_or_else(|| field.to_owned(), str::to_owned)
            }
            None => String::new(),
        }
    };
    match (first, second) {
        (Some("tariff"), Some(date)) => {
            let from = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map(format::date)
                .unwrap_or_else(|_| date.to_owned());
            let heading = if lang == Lang::Ru {
                format!("{} с {from}", c.tariff_heading)
            } else {
                format!("{} from {from}", c.tariff_heading)
            };
            format!("{heading}: {}", tail(rest))
        }
        (Some("services"), Some(service)) => format!("{service}: {}", tail(rest)),
        (Some("bulk_link"), Some(field)) => format!("{}: {field}", c.job_title),
        _ => plain_label(path, c).map_or_else(|| path.to_owned(), str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(
            field_label("tariff.2026-07-01.rate", Lang::Ru),
            "Тариф с 01.07.2026: Ставки"
        );
        assert_eq!(
            field_label("services.Холодная вода.valid_until", Lang::Ru),
            "Холодная вода: по"
        );
        assert_eq!(field_label("name", Lang::En), "Name");
        assert_eq!(field_label("mystery", Lang::Ru), "mystery");
        assert_eq!(value_text(Some(&Value::from("58.1"))), "58.1");
        assert_eq!(value_text(None), "—");
    }
}

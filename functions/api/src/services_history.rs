//! The change timeline of a card (who, when, which field, old → new) from audit records. A
//! shared history component is not in `crm_web::ui` yet; this renders a plain table.

use askama::Template;
use crm_app::audit::AuditRecord;
use crm_web::format;
use crm_web::i18n::Lang;
use crm_web::ui::EmptyState;
use serde_json::Value;

use crm_domain::billing::service::ServiceKind;
use crm_domain::billing::tax::TaxCategory;

use crate::services_texts::{CatalogTexts, kind_label, tax_label, texts, zone_label};

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
            .map(|change| {
                let (field, shown) = field_label(&change.field, lang);
                ChangeText {
                    field,
                    old: value_text(change.old.as_ref(), shown, lang),
                    new: value_text(change.new.as_ref(), shown, lang),
                }
            })
            .collect(),
    }
}

/// How a field's values read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Plain,
    Money,
    Kind,
    Unit,
    Tax,
}

/// A value as people read it: dates `dd.mm.yyyy`, amounts in roubles, numbers with the
/// language's decimal mark, codes by their names.
fn value_text(value: Option<&Value>, shown: Shown, lang: Lang) -> String {
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(text)) if text.is_empty() => "—".to_owned(),
        Some(Value::String(text)) => {
            let named = match shown {
                Shown::Kind => ServiceKind::from_code(text).map(|k| kind_label(k, lang)),
                Shown::Unit => crm_app::catalog::input::unit(text).ok().map(|u| u.symbol()),
                Shown::Tax => TaxCategory::from_code(text).map(|t| tax_label(t, lang)),
                Shown::Plain | Shown::Money => None,
            };
            if let Some(named) = named {
                named.to_owned()
            } else if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                format::date(day)
            } else if let Ok(number) = text.parse::<rust_decimal::Decimal>() {
                if shown == Shown::Money {
                    format::money(number, lang)
                } else {
                    crate::services_texts::decimal(number, lang)
                }
            } else {
                text.clone()
            }
        }
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
        "archived" => c.field_archived,
        "last_day" => c.col_until,
        "valid_from" => c.col_from,
        "norm" => c.col_norm,
        "individual_rate" => c.field_individual_rate,
        "individual_quantity" => c.field_individual_quantity,
        "link_id" => "id",
        _ => return None,
    })
}

/// The label of a field inside a tariff version or a link, and how its values read.
fn inner_label(rest: &str, lang: Lang) -> (String, Shown) {
    let c = texts(lang);
    let mut parts = rest.split('.');
    match (parts.next(), parts.next()) {
        (Some("rate"), _) => (c.col_rates.to_owned(), Shown::Money),
        (Some("blocks"), _) => (c.col_rates.to_owned(), Shown::Plain),
        (Some("zone_rates"), Some(zone)) => {
            let zone = crm_app::catalog::input::zone(zone)
                .map(|z| zone_label(z, lang))
                .unwrap_or(zone);
            (format!("{} ({zone})", c.col_rates), Shown::Money)
        }
        (Some("individual_rate"), _) => (c.field_individual_rate.to_owned(), Shown::Money),
        (Some(field), _) => (
            plain_label(field, c).map_or_else(|| rest.to_owned(), str::to_owned),
            Shown::Plain,
        ),
        (None, _) => (rest.to_owned(), Shown::Plain),
    }
}

/// `tariff.2026-07-01.rate` → `Тариф с 01.07.2026: Ставки`; `services.Вода.last_day` →
/// `Вода: по`; known plain fields by their form label. Also how the values read.
pub fn field_label(path: &str, lang: Lang) -> (String, Shown) {
    let c = texts(lang);
    let mut parts = path.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("tariff"), Some(date), rest) => {
            let from = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map(format::date)
                .unwrap_or_else(|_| date.to_owned());
            let heading = match lang {
                Lang::Ru => format!("{} с {from}", c.tariff_heading),
                Lang::En => format!("{} from {from}", c.tariff_heading),
            };
            let (label, money) = inner_label(rest.unwrap_or_default(), lang);
            (format!("{heading}: {label}"), money)
        }
        (Some("services"), Some(service), rest) => {
            let (label, money) = inner_label(rest.unwrap_or_default(), lang);
            (format!("{service}: {label}"), money)
        }
        (Some("bulk_link"), Some(field), _) => (format!("{}: {field}", c.job_title), Shown::Plain),
        _ => {
            let shown = match path {
                "kind" => Shown::Kind,
                "unit" => Shown::Unit,
                "tax_category" => Shown::Tax,
                _ => Shown::Plain,
            };
            (
                plain_label(path, c).map_or_else(|| path.to_owned(), str::to_owned),
                shown,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_values() {
        assert_eq!(
            field_label("tariff.2026-07-01.rate", Lang::Ru),
            ("Тариф с 01.07.2026: Ставки".to_owned(), Shown::Money)
        );
        assert_eq!(
            field_label("tariff.2026-07-01.zone_rates.night", Lang::Ru).0,
            "Тариф с 01.07.2026: Ставки (ночь)"
        );
        assert_eq!(
            field_label("services.Холодная вода.last_day", Lang::Ru).0,
            "Холодная вода: по"
        );
        assert_eq!(field_label("name", Lang::En).0, "Name");
        assert_eq!(field_label("mystery", Lang::Ru).0, "mystery");
        assert_eq!(
            value_text(Some(&Value::from("58.1")), Shown::Money, Lang::Ru),
            "58,10\u{a0}₽"
        );
        assert_eq!(
            value_text(Some(&Value::from("2027-06-30")), Shown::Plain, Lang::Ru),
            "30.06.2027"
        );
        assert_eq!(
            value_text(Some(&Value::from("0.016")), Shown::Plain, Lang::Ru),
            "0,016"
        );
        assert_eq!(value_text(None, Shown::Plain, Lang::Ru), "—");
        assert_eq!(
            value_text(Some(&Value::from("two_zone")), Shown::Kind, Lang::Ru),
            "по зонам суток: день/ночь"
        );
    }
}

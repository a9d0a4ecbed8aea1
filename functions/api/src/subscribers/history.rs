//! The change history table of a card: who, when, which field, old -> new, from the audit
//! records. Field paths and coded values are shown in the page's language.

use crm_app::audit::AuditRecord;
use crm_web::i18n::Lang;
use serde_json::Value;

use super::texts::SubscriberTexts;

/// (path, Russian, English) of the fields a history may name.
const FIELDS: &[(&str, &str, &str)] = &[
    ("account_number", "Лицевой счёт", "Account number"),
    ("party.kind", "Тип абонента", "Subscriber type"),
    ("party.surname", "Фамилия", "Surname"),
    ("party.name", "Имя / наименование", "Name"),
    ("party.patronymic", "Отчество", "Patronymic"),
    ("party.inn", "ИНН", "INN"),
    ("party.kpp", "КПП", "KPP"),
    ("phones", "Телефоны", "Phones"),
    ("emails", "Эл. почта", "E-mail"),
    ("address.postcode", "Индекс", "Postcode"),
    ("address.region", "Регион", "Region"),
    ("address.city", "Город", "City"),
    ("address.street", "Улица", "Street"),
    ("address.house", "Дом", "House"),
    ("address.building", "Корпус", "Building"),
    ("address.flat", "Квартира", "Flat"),
    ("area", "Площадь, м²", "Area, m²"),
    ("residents", "Зарегистрировано", "Residents"),
    ("billing_mode", "Режим расчётов", "Billing mode"),
    ("tags", "Метки", "Tags"),
    ("notes", "Примечание", "Notes"),
    ("opened_on", "Дата открытия", "Opened on"),
    ("building_id", "Дом (здание)", "Building"),
    ("status.status", "Статус", "Status"),
    ("status.since", "Статус с", "Status since"),
    ("status.reason", "Причина", "Reason"),
    ("services", "Услуги", "Services"),
    ("name", "Название", "Name"),
];

/// (value, Russian, English) of coded values.
const VALUES: &[(&str, &str, &str)] = &[
    ("active", "Действует", "Active"),
    ("suspended", "Приостановлен", "Suspended"),
    ("closed", "Закрыт", "Closed"),
    ("postpaid", "Постоплата", "Postpaid"),
    ("prepaid", "Предоплата", "Prepaid"),
    ("person", "Физическое лицо", "Person"),
    ("organisation", "Организация", "Organisation"),
];

fn pick(lang: Lang, ru: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ru => ru,
        Lang::En => en,
    }
}

fn field_label(lang: Lang, path: &str) -> String {
    FIELDS.iter().find(|(p, _, _)| *p == path).map_or_else(
        || path.to_owned(),
        |(_, ru, en)| pick(lang, ru, en).to_owned(),
    )
}

fn value_text(lang: Lang, value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) => {
            if let Some((_, ru, en)) = VALUES.iter().find(|(v, _, _)| v == s) {
                return pick(lang, ru, en).to_owned();
            }
            if let Ok(date) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                return crm_web::format::date(date);
            }
            s.clone()
        }
        Some(Value::Array(items)) if items.is_empty() => "—".to_owned(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| value_text(lang, Some(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// The shared history component for a card, with field names and coded values in `lang`.
/// A creation lists no fields: every field is new, and the card shows them.
pub fn history(
    s: &SubscriberTexts,
    lang: Lang,
    records: &[AuditRecord],
) -> crm_web::ui::history::History {
    let mut history = crm_web::ui::history::History::new(lang, chrono_tz::Europe::Moscow, records)
        .empty(crm_web::ui::EmptyState::new(s.history, s.history_empty));
    for (entry, record) in history.entries.iter_mut().zip(records) {
        if record.action.ends_with(".create") {
            entry.changes.clear();
            continue;
        }
        for (change, raw) in entry.changes.iter_mut().zip(&record.changes) {
            change.field = field_label(lang, &raw.field);
            change.old = value_text(lang, raw.old.as_ref());
            change.new = value_text(lang, raw.new.as_ref());
        }
    }
    history
}

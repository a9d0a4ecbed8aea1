//! The change history table of a card: who, when, which field, old -> new, from the audit
//! records. Field paths and coded values are shown in the page's language.

use askama::Template;
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

fn action_label(lang: Lang, action: &str) -> String {
    let label = match action.rsplit('.').next().unwrap_or(action) {
        "create" => pick(lang, "Создание", "Created"),
        "update" => pick(lang, "Изменение", "Changed"),
        "close" => pick(lang, "Закрытие счёта", "Closed"),
        "reopen" => pick(lang, "Возобновление", "Reopened"),
        "suspend" => pick(lang, "Приостановка", "Suspended"),
        _ => return action.to_owned(),
    };
    label.to_owned()
}

pub struct ChangeRow {
    pub field: String,
    pub old: String,
    pub new: String,
}

pub struct EntryRow {
    pub when: String,
    pub who: String,
    pub action: String,
    pub changes: Vec<ChangeRow>,
}

#[derive(Template)]
#[template(path = "subscribers/history.html")]
pub struct HistoryTable {
    pub s: &'static SubscriberTexts,
    pub entries: Vec<EntryRow>,
    pub more_href: Option<String>,
}

impl HistoryTable {
    pub fn new(
        s: &'static SubscriberTexts,
        lang: Lang,
        records: &[AuditRecord],
        more_href: Option<String>,
    ) -> Self {
        let entries = records
            .iter()
            .map(|record| EntryRow {
                when: crm_web::format::date_time(record.at, chrono_tz::Europe::Moscow),
                who: record.actor.label(),
                action: action_label(lang, &record.action),
                // A creation lists nothing: every field is new, the card shows them.
                changes: if record.action.ends_with(".create") {
                    Vec::new()
                } else {
                    record
                        .changes
                        .iter()
                        .filter(|c| c.field != "updated_at")
                        .map(|c| ChangeRow {
                            field: field_label(lang, &c.field),
                            old: value_text(lang, c.old.as_ref()),
                            new: value_text(lang, c.new.as_ref()),
                        })
                        .collect()
                },
            })
            .collect();
        Self {
            s,
            entries,
            more_href,
        }
    }
}

impl askama::filters::HtmlSafe for HistoryTable {}

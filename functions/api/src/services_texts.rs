//! Words of the catalogue pages and of the catalogue's field errors (UI and API), in Russian
//! and English, and how tariffs are written out ("58,10 ₽/м³").

use chrono::NaiveDate;
use crm_app::catalog::Fault;
use crm_domain::billing::service::{NormBasis, ServiceKind, Unit, Zone, ZoneScheme};
use crm_domain::billing::tariff::{Rates, TariffVersion};
use crm_domain::billing::tax::TaxCategory;
use crm_domain::requisites::InnError;
use crm_web::format;
use crm_web::i18n::Lang;

pub struct CatalogTexts {
    pub services_title: &'static str,
    pub services_caption: &'static str,
    pub new_service: &'static str,
    pub search_label: &'static str,
    pub filter_kind: &'static str,
    pub any_kind: &'static str,
    pub filter_state: &'static str,
    pub state_active: &'static str,
    pub state_archived: &'static str,
    pub col_name: &'static str,
    pub col_code: &'static str,
    pub col_kind: &'static str,
    pub col_unit: &'static str,
    pub col_tax: &'static str,
    pub empty_title: &'static str,
    pub empty_text: &'static str,
    pub no_match_title: &'static str,
    pub no_match_text: &'static str,
    pub bad_cursor: &'static str,
    // the service form
    pub field_name: &'static str,
    pub field_code: &'static str,
    pub field_code_hint: &'static str,
    pub field_kind: &'static str,
    pub field_unit: &'static str,
    pub field_tax: &'static str,
    pub field_rounding: &'static str,
    pub field_rounding_hint: &'static str,
    pub field_on_bill: &'static str,
    pub field_supplier_name: &'static str,
    pub field_supplier_inn: &'static str,
    pub field_supplier_hint: &'static str,
    pub field_description: &'static str,
    pub field_archived: &'static str,
    pub create: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub edit_title: fn(&str) -> String,
    pub created: fn(&str) -> String,
    pub saved: &'static str,
    // the card
    pub settings: &'static str,
    pub edit: &'static str,
    pub archive: &'static str,
    pub restore: &'static str,
    pub archived_note: &'static str,
    pub archived_flash: &'static str,
    pub restored_flash: &'static str,
    pub on_bill_yes: &'static str,
    pub on_bill_no: &'static str,
    pub no_supplier: &'static str,
    pub rounding_value: fn(u32) -> String,
    pub tariff_heading: &'static str,
    pub add_version: &'static str,
    pub col_from: &'static str,
    pub col_until: &'static str,
    pub col_rates: &'static str,
    pub col_norm: &'static str,
    pub col_state: &'static str,
    pub version_past: &'static str,
    pub version_current: &'static str,
    pub version_future: &'static str,
    pub open_ended: &'static str,
    pub delete: &'static str,
    pub no_tariff_title: &'static str,
    pub no_tariff_text: &'static str,
    pub no_current_tariff: &'static str,
    pub gap_warning: fn(NaiveDate, NaiveDate) -> String,
    pub upcoming_change: fn(NaiveDate, &str) -> String,
    pub links_heading: &'static str,
    pub links_count: fn(u64) -> String,
    pub col_subscriber: &'static str,
    pub col_period: &'static str,
    pub col_terms: &'static str,
    pub no_links_title: &'static str,
    pub no_links_text: &'static str,
    pub bulk_heading: &'static str,
    pub bulk_ids: &'static str,
    pub bulk_ids_hint: &'static str,
    pub bulk_start: &'static str,
    pub history_heading: &'static str,
    pub history_caption: &'static str,
    pub col_when: &'static str,
    pub col_who: &'static str,
    pub col_what: &'static str,
    pub col_change: &'static str,
    pub no_history_title: &'static str,
    pub no_history_text: &'static str,
    pub older: &'static str,
    // tariff form
    pub new_version_title: fn(&str) -> String,
    pub edit_version_title: fn(&str) -> String,
    pub field_valid_from: &'static str,
    pub field_valid_until: &'static str,
    pub field_valid_until_hint: &'static str,
    pub field_rate: fn(&str) -> String,
    pub field_block_limit: fn(usize) -> String,
    pub field_block_rate: fn(usize) -> String,
    pub blocks_hint: &'static str,
    pub field_zone_rate: fn(&str) -> String,
    pub field_norm: &'static str,
    pub field_norm_hint: &'static str,
    pub version_added: &'static str,
    pub version_saved: &'static str,
    pub version_deleted: &'static str,
    pub with_gaps: &'static str,
    // links
    pub subscriber_services_title: &'static str,
    pub attach_heading: &'static str,
    pub field_service: &'static str,
    pub field_link_from: &'static str,
    pub field_link_until: &'static str,
    pub field_link_until_hint: &'static str,
    pub field_individual_rate: &'static str,
    pub field_individual_rate_hint: &'static str,
    pub field_individual_quantity: &'static str,
    pub attach: &'static str,
    pub attached: &'static str,
    pub detach: &'static str,
    pub detach_on: &'static str,
    pub detached: &'static str,
    pub no_services_title: &'static str,
    pub no_services_text: &'static str,
    pub link_upcoming: &'static str,
    pub link_active: &'static str,
    pub link_ended: &'static str,
    pub link_cancelled: &'static str,
    pub individual_rate: fn(&str) -> String,
    pub individual_quantity: fn(&str) -> String,
    // jobs
    pub job_title: &'static str,
    pub job_queued: &'static str,
    pub job_running: &'static str,
    pub job_done: &'static str,
    pub job_failed: &'static str,
    pub job_progress: fn(u64, u64) -> String,
    pub job_counts: fn(u64, u64, u64) -> String,
    pub job_failures: &'static str,
    pub col_row: &'static str,
    pub col_reason: &'static str,
    pub back_to_service: &'static str,
    pub reason_subscriber_not_found: &'static str,
    pub reason_link_overlap: fn(&str) -> String,
    pub reason_other: &'static str,
}

pub static RU: CatalogTexts = CatalogTexts {
    services_title: "Услуги и тарифы",
    services_caption: "Услуги организации",
    new_service: "Новая услуга",
    search_label: "Название начинается с",
    filter_kind: "Способ расчёта",
    any_kind: "любой",
    filter_state: "Показывать",
    state_active: "действующие",
    state_archived: "архив",
    col_name: "Название",
    col_code: "Код",
    col_kind: "Способ расчёта",
    col_unit: "Ед. изм.",
    col_tax: "НДС",
    empty_title: "Пока нет ни одной услуги",
    empty_text: "Здесь появятся услуги организации — вода, отопление, электроэнергия, содержание жилья — с их тарифами. Начните с первой услуги.",
    no_match_title: "Ничего не нашлось",
    no_match_text: "Услуг с таким началом названия нет. Измените запрос или сбросьте фильтр.",
    bad_cursor: "Ссылка на страницу списка повреждена.",
    field_name: "Название",
    field_code: "Код",
    field_code_hint: "Короткий код для выгрузок и счетов, например ХВС. Буквы, цифры, «-», «_», «.».",
    field_kind: "Способ расчёта",
    field_unit: "Единица измерения",
    field_tax: "НДС",
    field_rounding: "Округление количества, знаков после запятой",
    field_rounding_hint: "От 0 до 6.",
    field_on_bill: "Показывать строкой в квитанции",
    field_supplier_name: "Поставщик (агентская схема): название",
    field_supplier_inn: "ИНН поставщика",
    field_supplier_hint: "Заполните, если услуга начисляется от имени другой организации.",
    field_description: "Описание",
    field_archived: "В архиве",
    create: "Создать услугу",
    save: "Сохранить",
    cancel: "Отмена",
    edit_title: |name| format!("Изменение услуги «{name}»"),
    created: |name| format!("Услуга «{name}» создана"),
    saved: "Изменения сохранены",
    settings: "Настройки",
    edit: "Изменить",
    archive: "В архив",
    restore: "Вернуть из архива",
    archived_note: "Услуга в архиве: новые подключения к ней невозможны, история и тарифы сохранены.",
    archived_flash: "Услуга перенесена в архив",
    restored_flash: "Услуга возвращена из архива",
    on_bill_yes: "показывается в квитанции",
    on_bill_no: "не показывается в квитанции",
    no_supplier: "начисляется от имени организации",
    rounding_value: |n| format!("{n} зн. после запятой"),
    tariff_heading: "Тариф",
    add_version: "Добавить версию тарифа",
    col_from: "Действует с",
    col_until: "по",
    col_rates: "Ставки",
    col_norm: "Норматив",
    col_state: "Статус",
    version_past: "прошлая",
    version_current: "действует",
    version_future: "будущая",
    open_ended: "бессрочно",
    delete: "Удалить",
    no_tariff_title: "Тарифа пока нет",
    no_tariff_text: "Здесь появятся версии тарифа с датами действия. Без тарифа услугу нельзя начислить.",
    no_current_tariff: "Сегодня тариф не действует: начислить услугу за эти дни нельзя.",
    gap_warning: |from, until| {
        format!(
            "Разрыв в тарифе: с {} по {} не действует ни одна версия.",
            format::date(from),
            format::date(until - chrono::Duration::days(1))
        )
    },
    upcoming_change: |from, rates| format!("с {}: {rates}", format::date(from)),
    links_heading: "Подключения",
    links_count: |n| format!("Подключений всего: {n}"),
    col_subscriber: "Абонент",
    col_period: "Период",
    col_terms: "Особые условия",
    no_links_title: "Услуга ещё ни к кому не подключена",
    no_links_text: "Здесь появятся абоненты, которым подключена услуга.",
    bulk_heading: "Подключить многим абонентам",
    bulk_ids: "Идентификаторы абонентов",
    bulk_ids_hint: "По одному в строке или через запятую, до 5000. Подключение идёт в фоне, за ходом можно следить.",
    bulk_start: "Подключить",
    history_heading: "История изменений",
    history_caption: "Изменения услуги и её тарифа",
    col_when: "Когда",
    col_who: "Кто",
    col_what: "Действие",
    col_change: "Поле: было → стало",
    no_history_title: "Изменений пока нет",
    no_history_text: "Здесь появятся все изменения услуги и её тарифа: кто, когда и что поменял.",
    older: "Более ранние изменения",
    new_version_title: |name| format!("Новая версия тарифа: {name}"),
    edit_version_title: |name| format!("Изменение версии тарифа: {name}"),
    field_valid_from: "Действует с",
    field_valid_until: "Действует по (включительно)",
    field_valid_until_hint: "Оставьте пустым, если срок не ограничен: версия закончится, когда начнётся следующая.",
    field_rate: |unit| format!("Ставка, ₽ за {unit}"),
    field_block_limit: |i| format!("Диапазон {i}: до (включительно)"),
    field_block_rate: |i| format!("Диапазон {i}: ставка, ₽"),
    blocks_hint: "Границы по возрастанию; у последнего диапазона граница не указывается.",
    field_zone_rate: |zone| format!("Ставка «{zone}», ₽ за кВт·ч"),
    field_norm: "Норматив потребления в месяц",
    field_norm_hint: "На одного жителя или на м², в единицах услуги.",
    version_added: "Версия тарифа добавлена",
    version_saved: "Версия тарифа изменена",
    version_deleted: "Версия тарифа удалена",
    with_gaps: "Обратите внимание: в тарифе есть разрывы.",
    subscriber_services_title: "Услуги абонента",
    attach_heading: "Подключить услугу",
    field_service: "Услуга",
    field_link_from: "Подключить с",
    field_link_until: "По (включительно)",
    field_link_until_hint: "Оставьте пустым для бессрочного подключения.",
    field_individual_rate: "Индивидуальная ставка, ₽",
    field_individual_rate_hint: "Вместо тарифа услуги; оставьте пустым, чтобы считать по тарифу.",
    field_individual_quantity: "Индивидуальное количество",
    attach: "Подключить",
    attached: "Услуга подключена",
    detach: "Отключить",
    detach_on: "Последний день",
    detached: "Услуга отключена",
    no_services_title: "Услуги не подключены",
    no_services_text: "Здесь появятся подключённые абоненту услуги с периодами и действующими тарифами.",
    link_upcoming: "с будущей даты",
    link_active: "подключена",
    link_ended: "отключена",
    link_cancelled: "отменена",
    individual_rate: |rate| format!("ставка {rate}"),
    individual_quantity: |q| format!("количество {q}"),
    job_title: "Массовое подключение",
    job_queued: "В очереди",
    job_running: "Выполняется",
    job_done: "Готово",
    job_failed: "Не выполнено",
    job_progress: |done, total| format!("Обработано {done} из {total}"),
    job_counts: |ok, skipped, failed| {
        format!("подключено: {ok}, уже было: {skipped}, с ошибками: {failed}")
    },
    job_failures: "Не подключены",
    col_row: "Абонент",
    col_reason: "Причина",
    back_to_service: "К услуге",
    reason_subscriber_not_found: "абонент не найден",
    reason_link_overlap: |from| format!("услуга уже подключена с {from}"),
    reason_other: "ошибка",
};

pub static EN: CatalogTexts = CatalogTexts {
    services_title: "Services and tariffs",
    services_caption: "The organisation's services",
    new_service: "New service",
    search_label: "Name starts with",
    filter_kind: "Charged by",
    any_kind: "any",
    filter_state: "Show",
    state_active: "active",
    state_archived: "archived",
    col_name: "Name",
    col_code: "Code",
    col_kind: "Charged by",
    col_unit: "Unit",
    col_tax: "VAT",
    empty_title: "No services yet",
    empty_text: "The organisation's services — water, heating, electricity, maintenance — will appear here with their tariffs. Start with the first one.",
    no_match_title: "Nothing found",
    no_match_text: "No service name starts like that. Change the query or reset the filter.",
    bad_cursor: "The link to this page of the list is damaged.",
    field_name: "Name",
    field_code: "Code",
    field_code_hint: "A short code for exports and bills, such as CW. Letters, digits, “-”, “_”, “.”.",
    field_kind: "Charged by",
    field_unit: "Unit",
    field_tax: "VAT",
    field_rounding: "Quantity rounding, decimal places",
    field_rounding_hint: "0 to 6.",
    field_on_bill: "Show as a line on the bill",
    field_supplier_name: "Supplier (agency scheme): name",
    field_supplier_inn: "Supplier's INN",
    field_supplier_hint: "Fill in when the service is charged on behalf of another company.",
    field_description: "Description",
    field_archived: "Archived",
    create: "Create service",
    save: "Save",
    cancel: "Cancel",
    edit_title: |name| format!("Edit service “{name}”"),
    created: |name| format!("Service “{name}” created"),
    saved: "Changes saved",
    settings: "Settings",
    edit: "Edit",
    archive: "Archive",
    restore: "Restore",
    archived_note: "The service is archived: it cannot be linked to anyone new; its history and tariffs are kept.",
    archived_flash: "The service was archived",
    restored_flash: "The service was restored",
    on_bill_yes: "shown on the bill",
    on_bill_no: "not shown on the bill",
    no_supplier: "charged on the organisation's own behalf",
    rounding_value: |n| format!("{n} decimal places"),
    tariff_heading: "Tariff",
    add_version: "Add a tariff version",
    col_from: "From",
    col_until: "Through",
    col_rates: "Rates",
    col_norm: "Norm",
    col_state: "Status",
    version_past: "past",
    version_current: "in force",
    version_future: "future",
    open_ended: "open-ended",
    delete: "Delete",
    no_tariff_title: "No tariff yet",
    no_tariff_text: "Tariff versions with their dates will appear here. A service without a tariff cannot be charged.",
    no_current_tariff: "No tariff is in force today: these days cannot be charged.",
    gap_warning: |from, until| {
        format!(
            "Gap in the tariff: no version from {} through {}.",
            format::date(from),
            format::date(until - chrono::Duration::days(1))
        )
    },
    upcoming_change: |from, rates| format!("from {}: {rates}", format::date(from)),
    links_heading: "Links",
    links_count: |n| format!("Links in total: {n}"),
    col_subscriber: "Subscriber",
    col_period: "Period",
    col_terms: "Individual terms",
    no_links_title: "Not linked to anyone yet",
    no_links_text: "Subscribers this service is linked to will appear here.",
    bulk_heading: "Link to many subscribers",
    bulk_ids: "Subscriber ids",
    bulk_ids_hint: "One per line or comma-separated, up to 5000. Linking runs in the background; you can follow it.",
    bulk_start: "Link",
    history_heading: "Change history",
    history_caption: "Changes of the service and its tariff",
    col_when: "When",
    col_who: "Who",
    col_what: "Action",
    col_change: "Field: old → new",
    no_history_title: "No changes yet",
    no_history_text: "Every change of the service and its tariff will appear here: who, when and what.",
    older: "Earlier changes",
    new_version_title: |name| format!("New tariff version: {name}"),
    edit_version_title: |name| format!("Edit tariff version: {name}"),
    field_valid_from: "In force from",
    field_valid_until: "In force through (inclusive)",
    field_valid_until_hint: "Leave empty for no end: the version ends when the next one starts.",
    field_rate: |unit| format!("Rate, ₽ per {unit}"),
    field_block_limit: |i| format!("Block {i}: up to (inclusive)"),
    field_block_rate: |i| format!("Block {i}: rate, ₽"),
    blocks_hint: "Limits in increasing order; the last block has no limit.",
    field_zone_rate: |zone| format!("Rate “{zone}”, ₽ per kWh"),
    field_norm: "Monthly consumption norm",
    field_norm_hint: "Per resident or per m², in the service's unit.",
    version_added: "Tariff version added",
    version_saved: "Tariff version changed",
    version_deleted: "Tariff version deleted",
    with_gaps: "Note: the tariff has gaps.",
    subscriber_services_title: "Subscriber's services",
    attach_heading: "Link a service",
    field_service: "Service",
    field_link_from: "From",
    field_link_until: "Through (inclusive)",
    field_link_until_hint: "Leave empty for an open-ended link.",
    field_individual_rate: "Individual rate, ₽",
    field_individual_rate_hint: "Instead of the service's tariff; leave empty to use the tariff.",
    field_individual_quantity: "Individual quantity",
    attach: "Link",
    attached: "Service linked",
    detach: "Unlink",
    detach_on: "Last day",
    detached: "Service unlinked",
    no_services_title: "No services linked",
    no_services_text: "Services linked to the subscriber will appear here with their periods and tariffs.",
    link_upcoming: "starts later",
    link_active: "linked",
    link_ended: "ended",
    link_cancelled: "cancelled",
    individual_rate: |rate| format!("rate {rate}"),
    individual_quantity: |q| format!("quantity {q}"),
    job_title: "Bulk linking",
    job_queued: "Queued",
    job_running: "Running",
    job_done: "Done",
    job_failed: "Failed",
    job_progress: |done, total| format!("{done} of {total} processed"),
    job_counts: |ok, skipped, failed| {
        format!("linked: {ok}, already there: {skipped}, failed: {failed}")
    },
    job_failures: "Not linked",
    col_row: "Subscriber",
    col_reason: "Reason",
    back_to_service: "Back to the service",
    reason_subscriber_not_found: "no such subscriber",
    reason_link_overlap: |from| format!("already linked from {from}"),
    reason_other: "error",
};

pub fn texts(lang: Lang) -> &'static CatalogTexts {
    lang.pick(&RU, &EN)
}

/// One of a Russian and an English text.
fn pick(lang: Lang, (ru, en): (&'static str, &'static str)) -> &'static str {
    match lang {
        Lang::Ru => ru,
        Lang::En => en,
    }
}

pub fn kind_label(kind: ServiceKind, lang: Lang) -> &'static str {
    pick(
        lang,
        match kind {
            ServiceKind::Fixed => ("фиксированная плата в месяц", "fixed monthly fee"),
            ServiceKind::PerArea => ("по площади", "per area"),
            ServiceKind::PerResident => ("по числу жителей", "per resident"),
            ServiceKind::Metered => ("по счётчику", "metered"),
            ServiceKind::Norm {
                basis: NormBasis::PerResident,
            } => ("по нормативу на жителя", "norm per resident"),
            ServiceKind::Norm {
                basis: NormBasis::PerArea,
            } => ("по нормативу на м²", "norm per m²"),
            ServiceKind::Tiered => ("по счётчику, по диапазонам", "metered, in blocks"),
            ServiceKind::MultiZone {
                zones: ZoneScheme::DayNight,
            } => ("по зонам суток: день/ночь", "two zones: day/night"),
            ServiceKind::MultiZone {
                zones: ZoneScheme::PeakHalfPeakNight,
            } => (
                "по зонам суток: пик/полупик/ночь",
                "three zones: peak/half-peak/night",
            ),
        },
    )
}

pub fn tax_label(category: TaxCategory, lang: Lang) -> &'static str {
    pick(
        lang,
        match category {
            TaxCategory::VatGeneral => (
                "общая ставка (22% с 2026 г.)",
                "general rate (22% from 2026)",
            ),
            TaxCategory::VatReduced => ("10%", "10%"),
            TaxCategory::VatZero => ("0%", "0%"),
            TaxCategory::Exempt => ("без НДС", "exempt"),
        },
    )
}

pub fn zone_label(zone: Zone, lang: Lang) -> &'static str {
    pick(
        lang,
        match zone {
            Zone::Day => ("день", "day"),
            Zone::Night => ("ночь", "night"),
            Zone::Peak => ("пик", "peak"),
            Zone::HalfPeak => ("полупик", "half-peak"),
        },
    )
}

/// Rates as people read them: `58,10 ₽/м³`, `до 150 кВт·ч — 5,00 ₽; свыше — 7,00 ₽`,
/// `день 7,50 ₽ · ночь 3,20 ₽`.
pub fn rates_text(version: &TariffVersion, unit: Unit, lang: Lang) -> String {
    let money = |d| format::money(d, lang);
    let ru = lang == Lang::Ru;
    match &version.rates {
        Rates::Flat { rate } => format!("{}/{}", money(*rate), unit.symbol()),
        Rates::Blocks { blocks } => blocks
            .iter()
            .map(|b| match b.up_to {
                Some(limit) => format!(
                    "{} {} {} — {}",
                    if ru { "до" } else { "up to" },
                    format::number(limit, limit.normalize().scale(), lang),
                    unit.symbol(),
                    money(b.rate)
                ),
                None => format!("{} — {}", if ru { "свыше" } else { "above" }, money(b.rate)),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Rates::Zoned { rates } => rates
            .iter()
            .map(|(zone, rate)| format!("{} {}", zone_label(*zone, lang), money(*rate)))
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

/// A decimal as typed back into forms and shown in cells: `6,935` / `6.935`.
pub fn decimal(value: rust_decimal::Decimal, lang: Lang) -> String {
    let value = value.normalize();
    format::number(value, value.scale(), lang)
}

fn inn_message(error: &InnError, lang: Lang) -> &'static str {
    pick(
        lang,
        match error {
            InnError::NotDigits => ("ИНН состоит только из цифр", "An INN has digits only"),
            InnError::WrongLength { .. } => (
                "ИНН — 10 цифр у организации или 12 у ИП и физического лица",
                "An INN has 10 digits (organisation) or 12 (individual)",
            ),
            InnError::AllZeros => (
                "ИНН из одних нулей недействителен",
                "An INN of zeros is not real",
            ),
            InnError::ChecksumMismatch => (
                "Контрольные цифры ИНН не сходятся — проверьте номер",
                "The INN check digits do not match: check the number",
            ),
        },
    )
}

fn rates_kind(expected: &str, ru: bool) -> &'static str {
    match (expected, ru) {
        ("block", true) => "тариф по диапазонам потребления (blocks)",
        ("block", false) => "a block tariff (blocks)",
        ("zone", true) => "тариф по зонам суток (zone_rates)",
        ("zone", false) => "a tariff per time zone (zone_rates)",
        (_, true) => "единая ставка (rate)",
        (_, false) => "a flat rate (rate)",
    }
}

/// The message of a field fault, in `lang`.
pub fn fault_message(fault: &Fault, lang: Lang) -> String {
    let ru = lang == Lang::Ru;
    let pick = |r: &str, e: &str| if ru { r.to_owned() } else { e.to_owned() };
    match fault {
        Fault::Required => pick("Заполните это поле", "This field is required"),
        Fault::TooLong { max } => {
            if ru {
                format!("Не длиннее {max} символов")
            } else {
                format!("At most {max} characters")
            }
        }
        Fault::UnknownChoice { allowed } => {
            let list = allowed.join(", ");
            if ru {
                format!("Выберите одно из значений: {list}")
            } else {
                format!("Must be one of: {list}")
            }
        }
        Fault::CodeCharacters => pick(
            "Код может содержать только буквы, цифры, «-», «_» и «.»",
            "A code may contain only letters, digits, “-”, “_” and “.”",
        ),
        Fault::CodeTaken => pick(
            "Этот код уже занят другой услугой",
            "Another service has this code",
        ),
        Fault::UnitDoesNotFit => pick(
            "Единица измерения не подходит к способу расчёта",
            "The unit does not fit how the service is charged",
        ),
        Fault::RoundingOutOfRange => {
            pick("От 0 до 6 знаков после запятой", "0 to 6 decimal places")
        }
        Fault::NotInteger => pick("Введите целое число", "Enter a whole number"),
        Fault::Inn(error) => inn_message(error, lang).to_owned(),
        Fault::Date => pick(
            "Введите дату в формате ДД.ММ.ГГГГ",
            "Enter a date as YYYY-MM-DD",
        ),
        Fault::Decimal => pick(
            "Введите число, например 58,10",
            "Enter a number, such as 58.10",
        ),
        Fault::Negative => pick(
            "Значение не может быть отрицательным",
            "The value cannot be negative",
        ),
        Fault::TooPrecise => pick(
            "Не больше 6 знаков после запятой",
            "At most 6 decimal places",
        ),
        Fault::TooLarge => pick("Слишком большое значение", "The value is too large"),
        Fault::WrongRates { expected } => {
            if ru {
                format!("Для этой услуги нужен {}", rates_kind(expected, true))
            } else {
                format!("This service needs {}", rates_kind(expected, false))
            }
        }
        Fault::Zones { expected } => {
            let list = expected.join(", ");
            if ru {
                format!("Укажите ставки ровно для зон: {list}")
            } else {
                format!("Give rates for exactly the zones: {list}")
            }
        }
        Fault::Blocks => pick(
            "Границы диапазонов должны возрастать; без границы может быть только последний",
            "Block limits must increase; only the last block may have no limit",
        ),
        Fault::NormMissing => pick(
            "Для услуги по нормативу укажите норматив больше нуля",
            "A norm service needs a norm above zero",
        ),
        Fault::EmptyVersion => pick(
            "Версия должна заканчиваться позже, чем начинается",
            "The version must end after it starts",
        ),
        Fault::EndsBeforeStart => pick(
            "Дата окончания не может быть раньше даты начала",
            "The end cannot be before the start",
        ),
        Fault::Overlaps { with } => {
            if ru {
                format!(
                    "Пересекается с версией тарифа, действующей с {}",
                    format::date(*with)
                )
            } else {
                format!(
                    "Overlaps the tariff version in force from {}",
                    format::date(*with)
                )
            }
        }
        Fault::AlreadyLinked { with } => {
            if ru {
                format!(
                    "На эти дни услуга уже подключена (подключение с {})",
                    format::date(*with)
                )
            } else {
                format!(
                    "The service is already linked for these days (the link from {})",
                    format::date(*with)
                )
            }
        }
        Fault::Started { valid_from } => {
            if ru {
                format!(
                    "Версия с {} уже действует: менять можно только будущие версии — добавьте новую",
                    format::date(*valid_from)
                )
            } else {
                format!(
                    "The version from {} has started: only future versions change; add a new one",
                    format::date(*valid_from)
                )
            }
        }
        Fault::NotInFuture => pick(
            "Изменённая версия должна начинаться позже сегодняшнего дня",
            "A changed version must start after today",
        ),
        Fault::KindLocked => pick(
            "Версии тарифа этой услуги не подходят к новому способу расчёта",
            "The service's tariff versions do not fit the new way of charging",
        ),
        Fault::NotForZones => pick(
            "У услуги по зонам суток индивидуальная ставка и количество не задаются",
            "A multi-zone service takes no individual rate or quantity",
        ),
        Fault::ServiceArchived => pick(
            "Услуга в архиве, подключать её нельзя",
            "The service is archived and cannot be linked",
        ),
        Fault::NoSuchRecord => pick("Такой записи нет", "No such record"),
        Fault::TooMany { max } => {
            if ru {
                format!("Не больше {max} за раз")
            } else {
                format!("At most {max} at a time")
            }
        }
        Fault::BadId => pick("Некорректный идентификатор", "Not a valid id"),
    }
}

//! Words of the audit log pages, CSV header and messages, in Russian and English, and the
//! human names of actions (the raw action stands in for any not named here).

use crate::i18n::Lang;

#[derive(Debug)]
pub struct AuditTexts {
    pub title: &'static str,
    pub central_title: &'static str,
    pub tenant_title: fn(tenant: &str) -> String,
    pub filters: &'static str,
    pub tenant: &'static str,
    pub tenant_hint: &'static str,
    pub tenant_unknown: &'static str,
    pub tenant_bad: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub actor: &'static str,
    pub actor_hint: &'static str,
    pub action: &'static str,
    pub action_hint: &'static str,
    pub entity_type: &'static str,
    pub entity_id: &'static str,
    pub apply: &'static str,
    pub reset: &'static str,
    pub export: &'static str,
    pub col_time: &'static str,
    pub col_time_utc: &'static str,
    pub col_actor: &'static str,
    pub col_actor_id: &'static str,
    pub col_reason: &'static str,
    pub col_action: &'static str,
    pub col_action_code: &'static str,
    pub col_entity: &'static str,
    pub col_entity_type: &'static str,
    pub col_entity_id: &'static str,
    pub col_changes: &'static str,
    pub col_request: &'static str,
    pub col_ip: &'static str,
    pub field: &'static str,
    pub old_value: &'static str,
    pub new_value: &'static str,
    pub changes: fn(count: usize) -> String,
    pub no_changes: &'static str,
    pub empty_title: &'static str,
    pub empty_text: &'static str,
    pub empty_filtered_text: &'static str,
    pub window_note: fn(since: &str) -> String,
    pub partial_note: fn(until: &str) -> String,
    pub impersonation: &'static str,
    pub reason: &'static str,
    pub api_key: fn(name: &str) -> String,
    pub system: fn(process: &str) -> String,
    pub anonymous: &'static str,
    pub by_actor: &'static str,
    pub history: &'static str,
    pub bad_date: &'static str,
    pub from_after_to: &'static str,
    pub entity_id_without_type: &'static str,
    pub too_long: &'static str,
    pub bad_action: &'static str,
    pub bad_cursor: &'static str,
    pub export_range_too_long: fn(days: u64) -> String,
    pub export_truncated: fn(rows: usize) -> String,
    pub entity_title: fn(entity_type: &str, entity_id: &str) -> String,
    pub entity_empty_title: &'static str,
    pub entity_empty_text: &'static str,
    pub back_to_log: &'static str,
    pub central_log: &'static str,
}

/// "1 изменение", "3 изменения", "5 изменений".
fn ru_changes(count: usize) -> String {
    let word = match (count % 10, count % 100) {
        (1, n) if n != 11 => "изменение",
        (2..=4, n) if !(12..=14).contains(&n) => "изменения",
        _ => "изменений",
    };
    format!("{count} {word}")
}

pub static RU: AuditTexts = AuditTexts {
    title: "Журнал действий",
    central_title: "Журнал действий платформы",
    tenant_title: |tenant| format!("Журнал действий организации «{tenant}»"),
    filters: "Отбор записей",
    tenant: "Организация",
    tenant_hint: "Идентификатор организации, например demo. Пусто — действия сотрудников платформы.",
    tenant_unknown: "Организации с таким идентификатором нет",
    tenant_bad: "Идентификатор — строчные латинские буквы, цифры и дефис",
    from: "С даты",
    to: "По дату",
    actor: "Кто",
    actor_hint: "Идентификатор, например user:… или staff:…; нажмите на имя в таблице, чтобы подставить.",
    action: "Действие",
    action_hint: "Начало кода действия, например account. или account.create",
    entity_type: "Тип объекта",
    entity_id: "Идентификатор объекта",
    apply: "Показать",
    reset: "Сбросить",
    export: "Выгрузить в CSV",
    col_time: "Время",
    col_time_utc: "Время (UTC)",
    col_actor: "Кто",
    col_actor_id: "Идентификатор действующего лица",
    col_reason: "Причина входа",
    col_action: "Действие",
    col_action_code: "Код действия",
    col_entity: "Объект",
    col_entity_type: "Тип объекта",
    col_entity_id: "Идентификатор объекта",
    col_changes: "Изменения",
    col_request: "Запрос",
    col_ip: "IP-адрес",
    field: "Поле",
    old_value: "Было",
    new_value: "Стало",
    changes: ru_changes,
    no_changes: "—",
    empty_title: "Записей пока нет",
    empty_text: "Здесь появятся все изменения: кто, когда и что поменял — пользователи, организации, настройки, ключи API.",
    empty_filtered_text: "Под выбранный отбор записи не попали. Измените даты или условия, или сбросьте отбор.",
    window_note: |since| {
        format!(
            "Показаны записи начиная с {since}. Чтобы увидеть более ранние, укажите дату «С даты»."
        )
    },
    partial_note: |until| {
        format!("Поиск дошёл до {until}: более ранние записи — по ссылке «Далее».")
    },
    impersonation: "вход сотрудника платформы",
    reason: "Причина",
    api_key: |name| format!("API-ключ «{name}»"),
    system: |process| format!("система: {process}"),
    anonymous: "без входа",
    by_actor: "Все действия этого лица",
    history: "История объекта",
    bad_date: "Дата должна быть вида 31.01.2026",
    from_after_to: "Дата «по» раньше даты «с»",
    entity_id_without_type: "Укажите тип объекта вместе с его идентификатором",
    too_long: "Слишком длинное значение (больше 200 символов)",
    bad_action: "Код действия — строчные латинские буквы, цифры, точка и подчёркивание",
    bad_cursor: "Ссылка на страницу журнала повреждена или устарела. Откройте журнал заново.",
    export_range_too_long: |days| {
        format!("Выгрузка охватывает не больше {days} дней. Разбейте период на части.")
    },
    export_truncated: |rows| {
        format!(
            "Выгрузка остановлена на {rows} строках. Сузьте период и выгрузите остальное отдельно."
        )
    },
    entity_title: |entity_type, entity_id| format!("История: {entity_type} {entity_id}"),
    entity_empty_title: "Изменений не найдено",
    entity_empty_text: "Здесь появятся все изменения этого объекта: кто, когда и какие поля поменял.",
    back_to_log: "Весь журнал",
    central_log: "действия платформы",
};

pub static EN: AuditTexts = AuditTexts {
    title: "Audit log",
    central_title: "Platform audit log",
    tenant_title: |tenant| format!("Audit log of “{tenant}”"),
    filters: "Filter records",
    tenant: "Tenant",
    tenant_hint: "The tenant's id, e.g. demo. Empty: actions of platform staff.",
    tenant_unknown: "There is no tenant with this id",
    tenant_bad: "An id has lower-case Latin letters, digits and hyphens",
    from: "From",
    to: "To",
    actor: "Who",
    actor_hint: "An id such as user:… or staff:…; click a name in the table to fill it in.",
    action: "Action",
    action_hint: "The start of an action code, e.g. account. or account.create",
    entity_type: "Entity type",
    entity_id: "Entity id",
    apply: "Show",
    reset: "Reset",
    export: "Export to CSV",
    col_time: "Time",
    col_time_utc: "Time (UTC)",
    col_actor: "Who",
    col_actor_id: "Actor id",
    col_reason: "Reason for access",
    col_action: "Action",
    col_action_code: "Action code",
    col_entity: "Entity",
    col_entity_type: "Entity type",
    col_entity_id: "Entity id",
    col_changes: "Changes",
    col_request: "Request",
    col_ip: "IP address",
    field: "Field",
    old_value: "Before",
    new_value: "After",
    changes: |count| {
        if count == 1 {
            "1 change".to_owned()
        } else {
            format!("{count} changes")
        }
    },
    no_changes: "—",
    empty_title: "No records yet",
    empty_text: "Every change will appear here: who changed what and when — users, tenants, settings, API keys.",
    empty_filtered_text: "No records match this filter. Change the dates or conditions, or reset the filter.",
    window_note: |since| {
        format!("Showing records since {since}. Set a “From” date to see earlier ones.")
    },
    partial_note: |until| format!("The search reached {until}; earlier records are behind “Next”."),
    impersonation: "platform staff acting",
    reason: "Reason",
    api_key: |name| format!("API key “{name}”"),
    system: |process| format!("system: {process}"),
    anonymous: "not signed in",
    by_actor: "Everything this actor did",
    history: "Entity history",
    bad_date: "A date looks like 31.01.2026",
    from_after_to: "“To” is before “From”",
    entity_id_without_type: "Give the entity type with its id",
    too_long: "Too long (over 200 characters)",
    bad_action: "An action code has lower-case Latin letters, digits, dots and underscores",
    bad_cursor: "The link to this page of the log is damaged or stale. Open the log again.",
    export_range_too_long: |days| {
        format!("An export covers at most {days} days. Split the period.")
    },
    export_truncated: |rows| {
        format!(
            "The export stopped at {rows} rows. Narrow the period and export the rest separately."
        )
    },
    entity_title: |entity_type, entity_id| format!("History: {entity_type} {entity_id}"),
    entity_empty_title: "No changes found",
    entity_empty_text: "Every change of this entity will appear here: who changed which fields, and when.",
    back_to_log: "Whole log",
    central_log: "platform actions",
};

pub fn texts(lang: Lang) -> &'static AuditTexts {
    lang.pick(&RU, &EN)
}

/// Known actions: code, Russian, English.
const ACTIONS: &[(&str, &str, &str)] = &[
    ("account.create", "Создан пользователь", "User created"),
    ("account.update", "Изменён пользователь", "User changed"),
    ("account.disable", "Пользователь отключён", "User disabled"),
    ("account.enable", "Пользователь включён", "User enabled"),
    ("account.delete", "Пользователь удалён", "User deleted"),
    (
        "account.role_change",
        "Изменена роль пользователя",
        "User's role changed",
    ),
    ("user.invite", "Отправлено приглашение", "Invitation sent"),
    (
        "user.accept_invitation",
        "Приглашение принято",
        "Invitation accepted",
    ),
    ("session.login", "Вход", "Signed in"),
    ("session.logout", "Выход", "Signed out"),
    ("session.revoke", "Сеанс завершён", "Session revoked"),
    ("login.failed", "Неудачная попытка входа", "Failed sign-in"),
    ("login.locked", "Вход заблокирован", "Sign-in locked"),
    (
        "password.reset_request",
        "Запрошен сброс пароля",
        "Password reset requested",
    ),
    ("password.reset", "Пароль сброшен", "Password reset"),
    ("password.change", "Пароль изменён", "Password changed"),
    (
        "totp.enable",
        "Включена двухфакторная защита",
        "Two-factor enabled",
    ),
    (
        "totp.disable",
        "Отключена двухфакторная защита",
        "Two-factor disabled",
    ),
    ("role.create", "Создана роль", "Role created"),
    ("role.update", "Изменена роль", "Role changed"),
    ("role.delete", "Удалена роль", "Role deleted"),
    ("api_key.create", "Создан ключ API", "API key created"),
    ("api_key.revoke", "Отозван ключ API", "API key revoked"),
    ("tenant.create", "Создана организация", "Tenant created"),
    ("tenant.update", "Изменена организация", "Tenant changed"),
    (
        "tenant.suspend",
        "Организация приостановлена",
        "Tenant suspended",
    ),
    (
        "tenant.reactivate",
        "Организация возобновлена",
        "Tenant reactivated",
    ),
    ("tenant.close", "Организация закрыта", "Tenant closed"),
    (
        "tenant.purge",
        "Данные организации удалены",
        "Tenant data purged",
    ),
    ("domain.add", "Добавлен домен", "Domain added"),
    ("domain.verify", "Домен подтверждён", "Domain verified"),
    ("domain.remove", "Удалён домен", "Domain removed"),
    ("settings.update", "Изменены настройки", "Settings changed"),
    (
        "staff.create",
        "Добавлен сотрудник платформы",
        "Staff member added",
    ),
    (
        "staff.update",
        "Изменён сотрудник платформы",
        "Staff member changed",
    ),
    (
        "impersonation.start",
        "Начат вход от имени организации",
        "Impersonation started",
    ),
    (
        "impersonation.end",
        "Завершён вход от имени организации",
        "Impersonation ended",
    ),
    (
        "audit.export",
        "Выгрузка журнала действий",
        "Audit log exported",
    ),
    ("subscriber.create", "Создан абонент", "Subscriber created"),
    ("subscriber.update", "Изменён абонент", "Subscriber changed"),
    ("subscriber.close", "Закрыт лицевой счёт", "Account closed"),
    (
        "subscriber.reopen",
        "Лицевой счёт возобновлён",
        "Account reopened",
    ),
    (
        "subscriber.suspend",
        "Лицевой счёт приостановлен",
        "Account suspended",
    ),
    (
        "subscribers.export",
        "Выгрузка абонентов",
        "Subscribers exported",
    ),
    (
        "subscribers.generate",
        "Созданы учебные абоненты",
        "Sample subscribers generated",
    ),
    ("building.create", "Добавлен дом", "Building added"),
    ("building.update", "Изменён дом", "Building changed"),
];

/// The human name of `action`, or the action itself when it has none yet.
pub fn action_label(lang: Lang, action: &str) -> String {
    ACTIONS
        .iter()
        .find(|(code, _, _)| *code == action)
        .map_or_else(
            || action.to_owned(),
            |(_, ru, en)| (*lang.pick(ru, en)).to_owned(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_plurals() {
        let cases = [
            (1, "1 изменение"),
            (2, "2 изменения"),
            (5, "5 изменений"),
            (11, "11 изменений"),
            (12, "12 изменений"),
            (21, "21 изменение"),
            (24, "24 изменения"),
            (111, "111 изменений"),
        ];
        for (n, text) in cases {
            assert_eq!((RU.changes)(n), text);
        }
    }

    #[test]
    fn actions_have_names_or_show_their_code() {
        assert_eq!(
            action_label(Lang::Ru, "account.create"),
            "Создан пользователь"
        );
        assert_eq!(action_label(Lang::En, "account.create"), "User created");
        assert_eq!(action_label(Lang::Ru, "meter.replace"), "meter.replace");
        let mut codes: Vec<_> = ACTIONS.iter().map(|(code, _, _)| code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ACTIONS.len(), "no action named twice");
    }
}

//! How roles and permissions are named on pages.

use crm_domain::access::{Action, BuiltinRole, CentralRole, Permission, Resource};

use crate::i18n::Lang;

pub fn resource(resource: Resource, lang: Lang) -> &'static str {
    let (ru, en) = match resource {
        Resource::Settings => ("Настройки", "Settings"),
        Resource::Users => ("Пользователи", "Users"),
        Resource::Roles => ("Роли", "Roles"),
        Resource::ApiKeys => ("API-ключи", "API keys"),
        Resource::Audit => ("Журнал действий", "Audit log"),
        Resource::Subscribers => ("Абоненты", "Subscribers"),
        Resource::Services => ("Услуги и тарифы", "Services and tariffs"),
        Resource::Meters => ("Счётчики", "Meters"),
        Resource::Readings => ("Показания", "Readings"),
        Resource::Invoices => ("Счета", "Invoices"),
        Resource::Payments => ("Платежи", "Payments"),
        Resource::Reports => ("Отчёты", "Reports"),
    };
    pick(lang, ru, en)
}

pub fn action(action: Action, lang: Lang) -> &'static str {
    let (ru, en) = match action {
        Action::Read => ("просмотр", "read"),
        Action::Create => ("создание", "create"),
        Action::Update => ("изменение", "update"),
        Action::Delete => ("удаление", "delete"),
        Action::Export => ("выгрузка", "export"),
    };
    pick(lang, ru, en)
}

/// `Абоненты: просмотр`
pub fn permission(permission: Permission, lang: Lang) -> String {
    format!(
        "{}: {}",
        resource(permission.resource, lang),
        action(permission.action, lang)
    )
}

pub fn builtin_role(role: BuiltinRole, lang: Lang) -> &'static str {
    let (ru, en) = match role {
        BuiltinRole::Administrator => ("Администратор", "Administrator"),
        BuiltinRole::Manager => ("Менеджер", "Manager"),
        BuiltinRole::Operator => ("Оператор", "Operator"),
        BuiltinRole::Accountant => ("Бухгалтер", "Accountant"),
        BuiltinRole::Viewer => ("Наблюдатель", "Viewer"),
    };
    pick(lang, ru, en)
}

pub fn central_role(role: CentralRole, lang: Lang) -> &'static str {
    let (ru, en) = match role {
        CentralRole::Superadmin => ("Суперадминистратор", "Superadmin"),
        CentralRole::Support => ("Поддержка", "Support"),
        CentralRole::ReadOnly => ("Только просмотр", "Read-only"),
    };
    pick(lang, ru, en)
}

/// A role value as people read it: a built-in or central role's name, a custom role's name from
/// `custom` (id, name) pairs, or the raw value when unknown (a deleted custom role).
pub fn role(value: &str, custom: &[(String, String)], lang: Lang) -> String {
    if let Some(role) = BuiltinRole::parse(value) {
        return builtin_role(role, lang).to_owned();
    }
    if let Some(role) = CentralRole::parse(value) {
        return central_role(role, lang).to_owned();
    }
    value
        .strip_prefix(crm_app::identity::roles::CUSTOM_PREFIX)
        .and_then(|id| custom.iter().find(|(i, _)| i == id))
        .map_or_else(|| value.to_owned(), |(_, name)| name.clone())
}

fn pick(lang: Lang, ru: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ru => ru,
        Lang::En => en,
    }
}

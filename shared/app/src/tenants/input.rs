//! A tenant's fields as typed into a form or sent to the API, and their validation: every
//! refused field at once, each under its own name (the form field names, which the API uses
//! too).

use crm_domain::requisites::{
    BankAccount, BankAccountError, Bik, CorrespondentAccount, Inn, Kpp, RegistrationNumber,
    SettlementAccount,
};
use crm_domain::tenant_profile::{CurrencyCode, Locale, TaxRegime, TimeZoneName, check_requisites};
use crm_domain::{Email, PhoneE164};
use serde::Deserialize;

use super::record::{Contacts, Limits, Requisites, TenantRecord};
use crate::validation::{Invalid, Reason};

/// Text as entered; empty means "not given".
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TenantInput {
    pub name: String,
    pub inn: String,
    pub kpp: String,
    pub registration_number: String,
    pub legal_address: String,
    pub bik: String,
    pub correspondent_account: String,
    pub settlement_account: String,
    pub email: String,
    pub phone: String,
    pub time_zone: String,
    pub currency: String,
    pub locale: String,
    pub tax_regime: String,
    pub max_subscribers: String,
    pub max_users: String,
}

/// Everything of a tenant that people edit, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantFields {
    pub name: String,
    pub requisites: Requisites,
    pub contacts: Contacts,
    pub time_zone: TimeZoneName,
    pub currency: CurrencyCode,
    pub locale: Locale,
    pub tax_regime: TaxRegime,
    pub limits: Limits,
}

pub const NAME_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;
/// Limits above this are typing mistakes.
pub const LIMIT_MAX: u32 = 10_000_000;

impl TenantInput {
    /// The record's current values, for a form to edit or a patch to start from.
    pub fn from_record(record: &TenantRecord) -> Self {
        let r = &record.requisites;
        let bank = r.bank.as_ref();
        Self {
            name: record.name.clone(),
            inn: r.inn.to_string(),
            kpp: r.kpp.as_ref().map(ToString::to_string).unwrap_or_default(),
            registration_number: r.registration_number.to_string(),
            legal_address: r.legal_address.clone(),
            bik: bank.map(|b| b.bik().to_string()).unwrap_or_default(),
            correspondent_account: bank
                .map(|b| b.correspondent_account().to_string())
                .unwrap_or_default(),
            settlement_account: bank
                .map(|b| b.settlement_account().to_string())
                .unwrap_or_default(),
            email: record.contacts.email.to_string(),
            phone: record
                .contacts
                .phone
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            time_zone: record.time_zone.to_string(),
            currency: record.currency.to_string(),
            locale: record.locale.as_str().to_owned(),
            tax_regime: record.tax_regime.as_str().to_owned(),
            max_subscribers: record.limits.max_subscribers.to_string(),
            max_users: record.limits.max_users.to_string(),
        }
    }

    pub fn parse(&self) -> Result<TenantFields, Invalid> {
        let mut invalid = Invalid::new();
        let name = text(&mut invalid, "name", &self.name, NAME_MAX);
        let inn = required(&mut invalid, "inn", &self.inn, Inn::parse);
        let kpp = optional(&mut invalid, "kpp", &self.kpp, Kpp::parse);
        let registration = required(
            &mut invalid,
            "registration_number",
            &self.registration_number,
            RegistrationNumber::parse,
        );
        let legal_address = text(
            &mut invalid,
            "legal_address",
            &self.legal_address,
            ADDRESS_MAX,
        );
        if let Some(inn) = &inn {
            let kpp_given = !self.kpp.trim().is_empty();
            for mismatch in check_requisites(inn.kind(), kpp_given, registration.as_ref()) {
                invalid.explain(mismatch.field(), &mismatch);
            }
        }
        let bank = self.bank(&mut invalid);
        let email = required(&mut invalid, "email", &self.email, Email::parse);
        let phone = optional(&mut invalid, "phone", &self.phone, PhoneE164::parse_ru);
        let time_zone = optional(
            &mut invalid,
            "time_zone",
            &self.time_zone,
            TimeZoneName::parse,
        )
        .map(|tz| tz.unwrap_or_else(TimeZoneName::moscow));
        let currency = optional(
            &mut invalid,
            "currency",
            &self.currency,
            CurrencyCode::parse,
        )
        .map(|c| c.unwrap_or_else(CurrencyCode::rub));
        let locale = choice(&mut invalid, "locale", &self.locale, Locale::parse)
            .map(|l| l.unwrap_or_default());
        let tax_regime = match choice(
            &mut invalid,
            "tax_regime",
            &self.tax_regime,
            TaxRegime::parse,
        ) {
            Some(Some(regime)) => Some(regime),
            Some(None) => {
                invalid.add("tax_regime", Reason::required());
                None
            }
            None => None,
        };
        let defaults = Limits::default();
        let max_subscribers = limit(
            &mut invalid,
            "max_subscribers",
            &self.max_subscribers,
            defaults.max_subscribers,
        );
        let max_users = limit(
            &mut invalid,
            "max_users",
            &self.max_users,
            defaults.max_users,
        );

        let (
            Some(name),
            Some(inn),
            Some(registration_number),
            Some(legal_address),
            Some(email),
            Some(time_zone),
            Some(currency),
            Some(locale),
            Some(tax_regime),
            Some(max_subscribers),
            Some(max_users),
            Some(kpp),
            Some(phone),
            Some(bank),
        ) = (
            name,
            inn,
            registration,
            legal_address,
            email,
            time_zone,
            currency,
            locale,
            tax_regime,
            max_subscribers,
            max_users,
            kpp,
            phone,
            bank,
        )
        else {
            return Err(invalid);
        };
        invalid.into_result(TenantFields {
            name,
            requisites: Requisites {
                inn,
                kpp,
                registration_number,
                legal_address,
                bank,
            },
            contacts: Contacts { email, phone },
            time_zone,
            currency,
            locale,
            tax_regime,
            limits: Limits {
                max_subscribers,
                max_users,
            },
        })
    }

    /// The bank details: all three fields or none. `Some(None)` when none were given.
    fn bank(&self, invalid: &mut Invalid) -> Option<Option<BankAccount>> {
        let fields = [
            ("bik", &self.bik),
            ("correspondent_account", &self.correspondent_account),
            ("settlement_account", &self.settlement_account),
        ];
        if fields.iter().all(|(_, value)| value.trim().is_empty()) {
            return Some(None);
        }
        for (field, value) in fields {
            if value.trim().is_empty() {
                invalid.add(
                    field,
                    Reason::new(
                        "bank_incomplete",
                        "Банковские реквизиты указываются полностью: БИК, корреспондентский и расчётный счёт",
                        "Bank details come complete: BIK, correspondent and settlement account",
                    ),
                );
            }
        }
        let bik = invalid.check("bik", Bik::parse(&self.bik));
        let corr = invalid.check(
            "correspondent_account",
            CorrespondentAccount::parse(&self.correspondent_account),
        );
        let settlement = invalid.check(
            "settlement_account",
            SettlementAccount::parse(&self.settlement_account),
        );
        let (bik, corr, settlement) = (bik?, corr?, settlement?);
        match BankAccount::new(bik, corr, settlement) {
            Ok(account) => Some(Some(account)),
            Err(error) => {
                let field = match error {
                    BankAccountError::CorrespondentAccount(_) => "correspondent_account",
                    BankAccountError::SettlementAccount(_) => "settlement_account",
                };
                invalid.explain(field, &error);
                None
            }
        }
    }
}

/// Required free text: trimmed, 1..=`max` characters, no control characters.
fn text(invalid: &mut Invalid, field: &str, raw: &str, max: usize) -> Option<String> {
    let value = raw.trim();
    if value.is_empty() {
        invalid.add(field, Reason::required());
        return None;
    }
    if value.chars().count() > max {
        invalid.add(field, Reason::too_long(max));
        return None;
    }
    if value.chars().any(char::is_control) {
        invalid.add(
            field,
            Reason::new(
                "control_characters",
                "Без переносов строк и управляющих символов",
                "No line breaks or control characters",
            ),
        );
        return None;
    }
    Some(value.to_owned())
}

fn required<T, E: crate::validation::Explain>(
    invalid: &mut Invalid,
    field: &str,
    raw: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Option<T> {
    if raw.trim().is_empty() {
        invalid.add(field, Reason::required());
        return None;
    }
    invalid.check(field, parse(raw))
}

/// `Some(None)` when empty, `None` when refused.
fn optional<T, E: crate::validation::Explain>(
    invalid: &mut Invalid,
    field: &str,
    raw: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Option<Option<T>> {
    if raw.trim().is_empty() {
        return Some(None);
    }
    invalid.check(field, parse(raw)).map(Some)
}

/// One of a fixed set of values; `Some(None)` when empty.
fn choice<T>(
    invalid: &mut Invalid,
    field: &str,
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<Option<T>> {
    if raw.trim().is_empty() {
        return Some(None);
    }
    match parse(raw) {
        Some(value) => Some(Some(value)),
        None => {
            invalid.add(
                field,
                Reason::new(
                    "unknown_choice",
                    "Выберите значение из списка",
                    "Choose one of the listed values",
                ),
            );
            None
        }
    }
}

/// A positive whole number up to [`LIMIT_MAX`]; `default` when empty.
fn limit(invalid: &mut Invalid, field: &str, raw: &str, default: u32) -> Option<u32> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(default);
    }
    match raw.parse::<u32>() {
        Ok(n) if (1..=LIMIT_MAX).contains(&n) => Some(n),
        Ok(_) => {
            invalid.add(
                field,
                Reason::new(
                    "limit_range",
                    format!("Лимит — целое число от 1 до {LIMIT_MAX}"),
                    format!("A limit is a whole number from 1 to {LIMIT_MAX}"),
                ),
            );
            None
        }
        Err(_) => {
            invalid.add(field, Reason::not_a_number());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn valid() -> TenantInput {
        TenantInput {
            name: "ТСЖ «Рассвет»".into(),
            inn: "7707083893".into(),
            kpp: "773601001".into(),
            registration_number: "1027700132195".into(),
            legal_address: "117997, Москва, ул. Вавилова, 19".into(),
            bik: "044525225".into(),
            correspondent_account: "30101810400000000225".into(),
            settlement_account: "40702810938000012345".into(),
            email: "info@rassvet.ru".into(),
            phone: "8 (912) 345-67-89".into(),
            tax_regime: "vat_exempt_utility_reseller".into(),
            ..TenantInput::default()
        }
    }

    #[test]
    fn a_valid_organisation_with_defaults() {
        let fields = valid().parse().unwrap();
        assert_eq!(fields.time_zone.as_str(), "Europe/Moscow");
        assert_eq!(fields.currency.as_str(), "RUB");
        assert_eq!(fields.locale, Locale::Ru);
        assert_eq!(fields.contacts.phone.unwrap().as_str(), "+79123456789");
        assert!(fields.requisites.bank.is_some());
        assert_eq!(fields.limits, Limits::default());
    }

    #[test]
    fn an_entrepreneur_without_kpp_or_bank() {
        let input = TenantInput {
            inn: "500100732259".into(),
            kpp: String::new(),
            registration_number: "304500116000157".into(),
            bik: String::new(),
            correspondent_account: String::new(),
            settlement_account: String::new(),
            ..valid()
        };
        let fields = input.parse().unwrap();
        assert_eq!(fields.requisites.kpp, None);
        assert_eq!(fields.requisites.bank, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = TenantInput {
            name: " ".into(),
            inn: "7707083894".into(),
            kpp: "77360100".into(),
            registration_number: "123".into(),
            bik: "04452522".into(),
            settlement_account: String::new(),
            email: "info@".into(),
            phone: "+8 912 345 67 89".into(),
            time_zone: "Moscow".into(),
            currency: "рубль".into(),
            locale: "de".into(),
            tax_regime: String::new(),
            max_subscribers: "0".into(),
            max_users: "many".into(),
            ..valid()
        };
        let invalid = input.parse().unwrap_err();
        let fields: Vec<&str> = invalid.0.iter().map(|i| i.field.as_str()).collect();
        for field in [
            "name",
            "inn",
            "kpp",
            "registration_number",
            "bik",
            "settlement_account",
            "email",
            "phone",
            "time_zone",
            "currency",
            "locale",
            "tax_regime",
            "max_subscribers",
            "max_users",
        ] {
            assert!(fields.contains(&field), "{field} missing from {fields:?}");
        }
        assert_eq!(invalid.get("inn").unwrap().code, "inn_checksum");
        assert_eq!(
            invalid.get("settlement_account").unwrap().code,
            "bank_incomplete"
        );
    }

    #[test]
    fn requisites_must_fit_the_inn() {
        let input = TenantInput {
            kpp: String::new(),
            registration_number: "304500116000157".into(),
            ..valid()
        };
        let invalid = input.parse().unwrap_err();
        assert_eq!(invalid.get("kpp").unwrap().code, "kpp_required");
        assert_eq!(
            invalid.get("registration_number").unwrap().code,
            "ogrn_expected"
        );
        let input = TenantInput {
            settlement_account: "40702810938000012346".into(),
            ..valid()
        };
        let invalid = input.parse().unwrap_err();
        assert_eq!(
            invalid.get("settlement_account").unwrap().code,
            "account_key_mismatch"
        );
    }
}

//! A tenant's operating profile: tax regime, currency, time zone, interface language and the
//! cross-field rules of its legal requisites.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::newtype::string_newtype;
use crate::requisites::{InnKind, RegistrationNumber};

/// How a tenant is taxed; decides which VAT its invoices carry (DOMAIN.md, Taxes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxRegime {
    /// ОСНО: VAT at the general rate (22% from 2026).
    GeneralVat,
    /// УСН «доходы», 6%, no VAT.
    Simplified6,
    /// УСН «доходы минус расходы», 15%, no VAT.
    Simplified15,
    /// УСН with VAT at the reduced 5% rate (2026 rules).
    SimplifiedVat5,
    /// УСН with VAT at the reduced 7% rate (2026 rules).
    SimplifiedVat7,
    /// УК/ТСЖ/ЖСК reselling utility services: exempt under Tax Code art. 149 p.3 subp. 29-30.
    VatExemptUtilityReseller,
}

impl TaxRegime {
    pub const ALL: [TaxRegime; 6] = [
        TaxRegime::GeneralVat,
        TaxRegime::Simplified6,
        TaxRegime::Simplified15,
        TaxRegime::SimplifiedVat5,
        TaxRegime::SimplifiedVat7,
        TaxRegime::VatExemptUtilityReseller,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaxRegime::GeneralVat => "general_vat",
            TaxRegime::Simplified6 => "simplified6",
            TaxRegime::Simplified15 => "simplified15",
            TaxRegime::SimplifiedVat5 => "simplified_vat5",
            TaxRegime::SimplifiedVat7 => "simplified_vat7",
            TaxRegime::VatExemptUtilityReseller => "vat_exempt_utility_reseller",
        }
    }

    pub fn parse(raw: &str) -> Option<TaxRegime> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw.trim())
    }
}

/// The language a tenant's documents and notifications default to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Ru,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Ru, Locale::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }

    pub fn parse(raw: &str) -> Option<Locale> {
        Self::ALL.into_iter().find(|l| l.as_str() == raw.trim())
    }
}

/// An ISO 4217 currency code: three capital Latin letters (`RUB`). Lower case is accepted and
/// raised; whether the code is in use is not checked here.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CurrencyCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyCodeError {
    #[error("a currency code is three Latin letters (ISO 4217), e.g. RUB")]
    Invalid,
}

impl CurrencyCodeError {
    pub fn code(&self) -> &'static str {
        "currency_invalid"
    }
}

impl CurrencyCode {
    pub fn parse(raw: &str) -> Result<Self, CurrencyCodeError> {
        let code = raw.trim();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(code.to_ascii_uppercase()))
        } else {
            Err(CurrencyCodeError::Invalid)
        }
    }

    pub fn rub() -> Self {
        Self("RUB".to_owned())
    }
}

string_newtype!(CurrencyCode, CurrencyCodeError);

/// An IANA time zone name known to the time zone database (`Europe/Moscow`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZoneName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeZoneError {
    #[error("unknown time zone; use an IANA name such as Europe/Moscow or Asia/Yekaterinburg")]
    Unknown,
}

impl TimeZoneError {
    pub fn code(&self) -> &'static str {
        "time_zone_unknown"
    }
}

impl TimeZoneName {
    pub const DEFAULT: &'static str = "Europe/Moscow";

    pub fn parse(raw: &str) -> Result<Self, TimeZoneError> {
        let tz = chrono_tz::Tz::from_str(raw.trim()).map_err(|_| TimeZoneError::Unknown)?;
        Ok(Self(tz.name().to_owned()))
    }

    pub fn moscow() -> Self {
        Self(Self::DEFAULT.to_owned())
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        chrono_tz::Tz::from_str(&self.0).unwrap_or(chrono_tz::Europe::Moscow)
    }
}

string_newtype!(TimeZoneName, TimeZoneError);

/// Requisites that contradict each other although each is valid alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequisitesMismatch {
    #[error("an organisation (10-digit INN) must give its KPP")]
    KppRequired,
    #[error("an individual entrepreneur (12-digit INN) has no KPP")]
    KppNotForIndividual,
    #[error("an organisation (10-digit INN) has a 13-digit OGRN, not an OGRNIP")]
    OgrnExpected,
    #[error("an individual entrepreneur (12-digit INN) has a 15-digit OGRNIP, not an OGRN")]
    OgrnipExpected,
}

impl RequisitesMismatch {
    pub fn code(&self) -> &'static str {
        match self {
            Self::KppRequired => "kpp_required",
            Self::KppNotForIndividual => "kpp_not_for_individual",
            Self::OgrnExpected => "ogrn_expected",
            Self::OgrnipExpected => "ogrnip_expected",
        }
    }

    /// The requisite the mismatch is reported on.
    pub fn field(&self) -> &'static str {
        match self {
            Self::KppRequired | Self::KppNotForIndividual => "kpp",
            Self::OgrnExpected | Self::OgrnipExpected => "registration_number",
        }
    }
}

/// Whether the КПП and the registration number fit the kind of party the ИНН names: an
/// organisation has a КПП and an ОГРН; an individual entrepreneur neither a КПП nor an ОГРН
/// but an ОГРНИП.
pub fn check_requisites(
    inn_kind: InnKind,
    has_kpp: bool,
    registration: Option<&RegistrationNumber>,
) -> Vec<RequisitesMismatch> {
    let mut problems = Vec::new();
    match (inn_kind, has_kpp) {
        (InnKind::Organisation, false) => problems.push(RequisitesMismatch::KppRequired),
        (InnKind::Individual, true) => problems.push(RequisitesMismatch::KppNotForIndividual),
        _ => {}
    }
    match (inn_kind, registration) {
        (InnKind::Organisation, Some(RegistrationNumber::Entrepreneur(_))) => {
            problems.push(RequisitesMismatch::OgrnExpected)
        }
        (InnKind::Individual, Some(RegistrationNumber::Organisation(_))) => {
            problems.push(RequisitesMismatch::OgrnipExpected)
        }
        _ => {}
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requisites::Inn;

    #[test]
    fn regimes_round_trip() {
        for regime in TaxRegime::ALL {
            assert_eq!(TaxRegime::parse(regime.as_str()), Some(regime));
            let json = serde_json::to_string(&regime).unwrap();
            assert_eq!(json, format!("\"{}\"", regime.as_str()));
        }
        assert_eq!(TaxRegime::parse("vat"), None);
    }

    #[test]
    fn currencies_and_zones() {
        assert_eq!(CurrencyCode::parse(" rub ").unwrap().as_str(), "RUB");
        assert!(CurrencyCode::parse("RU").is_err());
        assert!(CurrencyCode::parse("РУБ").is_err());
        assert_eq!(
            TimeZoneName::parse("Asia/Yekaterinburg").unwrap().as_str(),
            "Asia/Yekaterinburg"
        );
        assert_eq!(
            TimeZoneName::parse("Mars/Olympus"),
            Err(TimeZoneError::Unknown)
        );
        assert_eq!(TimeZoneName::moscow().tz(), chrono_tz::Europe::Moscow);
    }

    #[test]
    fn requisites_fit_the_kind_of_party() {
        let org = Inn::parse("7707083893").unwrap().kind();
        let person = Inn::parse("500100732259").unwrap().kind();
        let ogrn = RegistrationNumber::parse("1027700132195").unwrap();
        let ogrnip = RegistrationNumber::parse("304500116000157").unwrap();
        assert!(check_requisites(org, true, Some(&ogrn)).is_empty());
        assert!(check_requisites(person, false, Some(&ogrnip)).is_empty());
        assert_eq!(
            check_requisites(org, false, Some(&ogrnip)),
            [
                RequisitesMismatch::KppRequired,
                RequisitesMismatch::OgrnExpected
            ]
        );
        assert_eq!(
            check_requisites(person, true, Some(&ogrn)),
            [
                RequisitesMismatch::KppNotForIndividual,
                RequisitesMismatch::OgrnipExpected
            ]
        );
    }
}

//! Who a subscriber is (a person or an organisation) and the premises facts billing reads.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::requisites::{Inn, InnKind, Kpp};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    pub surname: String,
    pub name: String,
    #[serde(default)]
    pub patronymic: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Party {
    Person(PersonName),
    Organisation {
        name: String,
        inn: Inn,
        #[serde(default)]
        kpp: Option<Kpp>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PartyError {
    #[error("the surname is required")]
    SurnameMissing,
    #[error("the first name is required")]
    NameMissing,
    #[error("the organisation's name is required")]
    OrganisationNameMissing,
    #[error("names are at most 100 characters")]
    TooLong,
    #[error("names may not contain digits or symbols other than spaces, '-', ''' and '.'")]
    BadCharacter,
    #[error("an organisation with a 10-digit INN needs a KPP")]
    KppMissing,
    #[error("an individual entrepreneur (12-digit INN) has no KPP")]
    KppNotApplicable,
}

impl PartyError {
    pub fn code(&self) -> &'static str {
        match self {
            PartyError::SurnameMissing => "surname_missing",
            PartyError::NameMissing => "name_missing",
            PartyError::OrganisationNameMissing => "organisation_name_missing",
            PartyError::TooLong => "name_too_long",
            PartyError::BadCharacter => "name_bad_character",
            PartyError::KppMissing => "kpp_missing",
            PartyError::KppNotApplicable => "kpp_not_applicable",
        }
    }

    /// The field the error belongs to, for forms and imports.
    pub fn field(&self) -> &'static str {
        match self {
            PartyError::SurnameMissing => "surname",
            PartyError::NameMissing => "name",
            PartyError::OrganisationNameMissing => "organisation_name",
            PartyError::TooLong | PartyError::BadCharacter => "name",
            PartyError::KppMissing | PartyError::KppNotApplicable => "kpp",
        }
    }
}

fn clean_name_part(raw: &str, missing: PartyError) -> Result<String, PartyError> {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Err(missing);
    }
    if collapsed.chars().count() > 100 {
        return Err(PartyError::TooLong);
    }
    if !collapsed
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'))
    {
        return Err(PartyError::BadCharacter);
    }
    Ok(collapsed)
}

impl PersonName {
    pub fn parse(surname: &str, name: &str, patronymic: Option<&str>) -> Result<Self, PartyError> {
        Ok(Self {
            surname: clean_name_part(surname, PartyError::SurnameMissing)?,
            name: clean_name_part(name, PartyError::NameMissing)?,
            patronymic: match patronymic.map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) => Some(clean_name_part(p, PartyError::NameMissing)?),
                None => None,
            },
        })
    }

    /// Like [`PersonName::parse`], but says which part is wrong: `surname`, `name` or
    /// `patronymic`, with every wrong part reported.
    pub fn parse_each(
        surname: &str,
        name: &str,
        patronymic: Option<&str>,
    ) -> Result<Self, Vec<(&'static str, PartyError)>> {
        let mut errors = Vec::new();
        let mut part = |field, raw: &str, missing| match clean_name_part(raw, missing) {
            Ok(value) => Some(value),
            Err(e) => {
                errors.push((field, e));
                None
            }
        };
        let surname = part("surname", surname, PartyError::SurnameMissing);
        let name = part("name", name, PartyError::NameMissing);
        let patronymic = match patronymic.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => part("patronymic", p, PartyError::NameMissing),
            None => None,
        };
        match (surname, name) {
            (Some(surname), Some(name)) if errors.is_empty() => Ok(Self {
                surname,
                name,
                patronymic,
            }),
            _ => Err(errors),
        }
    }

    /// "Иванов Иван Иванович".
    pub fn full(&self) -> String {
        match &self.patronymic {
            Some(p) => format!("{} {} {}", self.surname, self.name, p),
            None => format!("{} {}", self.surname, self.name),
        }
    }
}

impl Party {
    pub fn organisation(name: &str, inn: Inn, kpp: Option<Kpp>) -> Result<Self, PartyError> {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(PartyError::OrganisationNameMissing);
        }
        if name.chars().count() > 300 {
            return Err(PartyError::TooLong);
        }
        match (inn.kind(), &kpp) {
            (InnKind::Organisation, None) => return Err(PartyError::KppMissing),
            (InnKind::Individual, Some(_)) => return Err(PartyError::KppNotApplicable),
            _ => {}
        }
        Ok(Party::Organisation { name, inn, kpp })
    }

    /// How the subscriber is named in lists and on bills.
    pub fn display_name(&self) -> String {
        match self {
            Party::Person(person) => person.full(),
            Party::Organisation { name, .. } => name.clone(),
        }
    }
}

/// Area of the premises in m²: positive, at most 100,000, two decimal places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Area(Decimal);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AreaError {
    #[error("the area must be a number, such as 54.3")]
    NotANumber,
    #[error("the area must be above 0")]
    NotPositive,
    #[error("the area must be at most 100000 m²")]
    TooLarge,
    #[error("the area has at most two decimal places")]
    TooPrecise,
}

impl AreaError {
    pub fn code(&self) -> &'static str {
        match self {
            AreaError::NotANumber => "area_not_a_number",
            AreaError::NotPositive => "area_not_positive",
            AreaError::TooLarge => "area_too_large",
            AreaError::TooPrecise => "area_too_precise",
        }
    }
}

impl Area {
    pub fn new(value: Decimal) -> Result<Self, AreaError> {
        if value <= Decimal::ZERO {
            return Err(AreaError::NotPositive);
        }
        if value > Decimal::from(100_000) {
            return Err(AreaError::TooLarge);
        }
        if value.normalize().scale() > 2 {
            return Err(AreaError::TooPrecise);
        }
        Ok(Self(value))
    }

    /// Accepts `54,3` as well as `54.3`: Russian spreadsheets use the comma.
    pub fn parse(raw: &str) -> Result<Self, AreaError> {
        let text = raw.trim().replace(',', ".").replace(['\u{a0}', ' '], "");
        let value: Decimal = text.parse().map_err(|_| AreaError::NotANumber)?;
        Self::new(value)
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl TryFrom<Decimal> for Area {
    type Error = AreaError;
    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Area> for Decimal {
    fn from(value: Area) -> Self {
        value.0
    }
}

/// Registered residents: 0..=99.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Residents(u32);

impl Residents {
    pub const MAX: u32 = 99;

    pub fn new(value: u32) -> Result<Self, String> {
        if value > Self::MAX {
            return Err(format!("at most {} residents", Self::MAX));
        }
        Ok(Self(value))
    }

    pub fn value(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Residents {
    type Error = String;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Residents> for u32 {
    fn from(value: Residents) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let person = PersonName::parse("  Иванова ", "Анна-Мария", Some(" ")).unwrap();
        assert_eq!(person.full(), "Иванова Анна-Мария");
        assert_eq!(
            PersonName::parse("", "Анна", None),
            Err(PartyError::SurnameMissing)
        );
        assert_eq!(
            PersonName::parse("Иванов2", "Анна", None),
            Err(PartyError::BadCharacter)
        );
        assert_eq!(
            PersonName::parse("Фёдоров", "Пётр", Some("Ильич"))
                .unwrap()
                .full(),
            "Фёдоров Пётр Ильич"
        );
    }

    #[test]
    fn organisations_need_kpp_by_inn_kind() {
        let org_inn = Inn::parse("7707083893").unwrap();
        assert_eq!(
            Party::organisation("ПАО Сбербанк", org_inn.clone(), None),
            Err(PartyError::KppMissing)
        );
        let kpp = Kpp::parse("773601001").unwrap();
        assert!(Party::organisation("ПАО Сбербанк", org_inn, Some(kpp.clone())).is_ok());
        let ip_inn = Inn::parse("500100732259").unwrap();
        assert_eq!(
            Party::organisation("ИП Петров", ip_inn, Some(kpp)),
            Err(PartyError::KppNotApplicable)
        );
    }

    #[test]
    fn areas() {
        assert_eq!(
            Area::parse("54,3").unwrap().value(),
            "54.3".parse().unwrap()
        );
        assert_eq!(Area::parse("0"), Err(AreaError::NotPositive));
        assert_eq!(Area::parse("12.345"), Err(AreaError::TooPrecise));
        assert_eq!(Area::parse("100000.01"), Err(AreaError::TooLarge));
        assert!(Area::parse("abc").is_err());
        assert!(Residents::new(100).is_err());
    }
}

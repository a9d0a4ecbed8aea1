//! A subscriber as typed (a form, a JSON body, a spreadsheet row) and the rules that turn it
//! into checked facts, reporting every wrong field at once with a stable code.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::tag::{Tag, parse_tags};
use super::{Address, Area, BillingMode, Party, PersonName, Residents};
use crate::contact::{Email, PhoneE164};
use crate::requisites::{Inn, Kpp};

/// Everything about a subscriber that an operator types, as text. Blank means "not given".
/// Field names are the ones errors name (`phones[1]`, `city`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubscriberInput {
    /// `person` (the default) or `organisation`.
    pub kind: String,
    pub surname: String,
    pub name: String,
    pub patronymic: String,
    pub organisation_name: String,
    pub inn: String,
    pub kpp: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub postcode: String,
    pub region: String,
    pub city: String,
    pub street: String,
    pub house: String,
    pub building: String,
    pub flat: String,
    /// m², `54,3` or `54.3`.
    pub area: String,
    pub residents: String,
    /// `postpaid` (the default) or `prepaid`.
    pub billing_mode: String,
    pub tags: Vec<String>,
    pub notes: String,
    /// `2026-03-01` or `01.03.2026`; blank: today.
    pub opened_on: String,
    /// The id of the building the premises are in; blank: none.
    pub building_id: String,
}

/// The checked facts of a subscriber (everything but its number, status and history).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberFacts {
    pub party: Party,
    pub phones: Vec<PhoneE164>,
    pub emails: Vec<Email>,
    pub address: Address,
    pub area: Option<Area>,
    pub residents: Residents,
    pub billing_mode: BillingMode,
    pub tags: Vec<Tag>,
    pub notes: Option<String>,
    pub opened_on: NaiveDate,
    pub building_id: Option<String>,
}

/// One wrong field: its name in [`SubscriberInput`] and a stable code for messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Invalid {
    pub field: String,
    pub code: &'static str,
}

impl Invalid {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        Self {
            field: field.into(),
            code,
        }
    }
}

pub const MAX_PHONES: usize = 5;
pub const MAX_EMAILS: usize = 5;
pub const MAX_NOTES_CHARS: usize = 2000;

/// `2026-03-01` or `01.03.2026`.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%d.%m.%Y"))
        .ok()
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

impl SubscriberInput {
    /// Checks every field; `today` (the tenant's) is the opening date when none is given.
    pub fn validate(&self, today: NaiveDate) -> Result<SubscriberFacts, Vec<Invalid>> {
        let mut errors = Vec::new();
        let party = self.party(&mut errors);
        let phones = self.phones(&mut errors);
        let emails = self.emails(&mut errors);
        let address = match self.address().normalised_each() {
            Ok(address) => Some(address),
            Err(wrong) => {
                errors.extend(wrong.iter().map(|e| Invalid::new(e.field(), e.code())));
                None
            }
        };
        let area = if blank(&self.area) {
            None
        } else {
            Area::parse(&self.area)
                .map_err(|e| errors.push(Invalid::new("area", e.code())))
                .ok()
        };
        let residents = if blank(&self.residents) {
            Residents::new(0).ok()
        } else {
            match self.residents.trim().parse::<u32>() {
                Ok(n) => Residents::new(n)
                    .map_err(|_| errors.push(Invalid::new("residents", "residents_too_many")))
                    .ok(),
                Err(_) => {
                    errors.push(Invalid::new("residents", "residents_not_a_number"));
                    None
                }
            }
        };
        let billing_mode = match self.billing_mode.trim() {
            "" | "postpaid" => Some(BillingMode::Postpaid),
            "prepaid" => Some(BillingMode::Prepaid),
            _ => {
                errors.push(Invalid::new("billing_mode", "billing_mode_invalid"));
                None
            }
        };
        let tags = parse_tags(&self.tags)
            .map_err(|(i, e)| errors.push(Invalid::new(format!("tags[{i}]"), e.code())))
            .ok();
        let notes = self.notes.trim();
        if notes.chars().count() > MAX_NOTES_CHARS {
            errors.push(Invalid::new("notes", "notes_too_long"));
        }
        let opened_on = if blank(&self.opened_on) {
            Some(today)
        } else {
            match parse_date(&self.opened_on) {
                Some(date) if date > today => {
                    errors.push(Invalid::new("opened_on", "date_in_future"));
                    None
                }
                Some(date) => Some(date),
                None => {
                    errors.push(Invalid::new("opened_on", "date_invalid"));
                    None
                }
            }
        };
        let building_id = self.building_id.trim();
        if building_id.len() > 64 || building_id.contains(['#', '/', ' ']) {
            errors.push(Invalid::new("building_id", "building_not_found"));
        }
        match (
            party,
            address,
            residents,
            billing_mode,
            tags,
            opened_on,
            errors.is_empty(),
        ) {
            (
                Some(party),
                Some(address),
                Some(residents),
                Some(billing_mode),
                Some(tags),
                Some(opened_on),
                true,
            ) => Ok(SubscriberFacts {
                party,
                phones,
                emails,
                address,
                area,
                residents,
                billing_mode,
                tags,
                notes: (!notes.is_empty()).then(|| notes.to_owned()),
                opened_on,
                building_id: (!building_id.is_empty()).then(|| building_id.to_owned()),
            }),
            _ => Err(errors),
        }
    }

    fn party(&self, errors: &mut Vec<Invalid>) -> Option<Party> {
        match self.kind.trim() {
            "" | "person" => {
                let patronymic = Some(self.patronymic.as_str());
                match PersonName::parse_each(&self.surname, &self.name, patronymic) {
                    Ok(person) => Some(Party::Person(person)),
                    Err(wrong) => {
                        errors.extend(wrong.iter().map(|(f, e)| Invalid::new(*f, e.code())));
                        None
                    }
                }
            }
            "organisation" => {
                let inn = Inn::parse(&self.inn)
                    .map_err(|e| errors.push(Invalid::new("inn", e.code())))
                    .ok();
                let kpp = if blank(&self.kpp) {
                    Some(None)
                } else {
                    Kpp::parse(&self.kpp)
                        .map(Some)
                        .map_err(|e| errors.push(Invalid::new("kpp", e.code())))
                        .ok()
                };
                if blank(&self.organisation_name) {
                    errors.push(Invalid::new(
                        "organisation_name",
                        "organisation_name_missing",
                    ));
                    return None;
                }
                let (inn, kpp) = (inn?, kpp?);
                Party::organisation(&self.organisation_name, inn, kpp)
                    .map_err(|e| {
                        let field = match e.field() {
                            "name" => "organisation_name",
                            other => other,
                        };
                        errors.push(Invalid::new(field, e.code()));
                    })
                    .ok()
            }
            _ => {
                errors.push(Invalid::new("kind", "kind_invalid"));
                None
            }
        }
    }

    fn phones(&self, errors: &mut Vec<Invalid>) -> Vec<PhoneE164> {
        let mut phones: Vec<PhoneE164> = Vec::new();
        for (i, raw) in self.phones.iter().enumerate().filter(|(_, p)| !blank(p)) {
            match PhoneE164::parse_ru(raw) {
                Ok(phone) if phones.contains(&phone) => {}
                Ok(_) if phones.len() == MAX_PHONES => {
                    errors.push(Invalid::new(format!("phones[{i}]"), "phones_too_many"));
                }
                Ok(phone) => phones.push(phone),
                Err(e) => errors.push(Invalid::new(format!("phones[{i}]"), e.code())),
            }
        }
        phones
    }

    fn emails(&self, errors: &mut Vec<Invalid>) -> Vec<Email> {
        let mut emails: Vec<Email> = Vec::new();
        for (i, raw) in self.emails.iter().enumerate().filter(|(_, e)| !blank(e)) {
            match Email::parse(raw) {
                Ok(email) if emails.contains(&email) => {}
                Ok(_) if emails.len() == MAX_EMAILS => {
                    errors.push(Invalid::new(format!("emails[{i}]"), "emails_too_many"));
                }
                Ok(email) => emails.push(email),
                Err(e) => errors.push(Invalid::new(format!("emails[{i}]"), e.code())),
            }
        }
        emails
    }

    fn address(&self) -> Address {
        let optional = |text: &str| (!blank(text)).then(|| text.to_owned());
        Address {
            postcode: optional(&self.postcode),
            region: optional(&self.region),
            city: self.city.clone(),
            street: self.street.clone(),
            house: self.house.clone(),
            building: optional(&self.building),
            flat: optional(&self.flat),
        }
    }
}

impl SubscriberFacts {
    /// The facts as a form would show them, for editing and for partial updates.
    pub fn to_input(&self) -> SubscriberInput {
        let mut input = SubscriberInput::default();
        match &self.party {
            Party::Person(person) => {
                input.kind = "person".into();
                input.surname.clone_from(&person.surname);
                input.name.clone_from(&person.name);
                input.patronymic = person.patronymic.clone().unwrap_or_default();
            }
            Party::Organisation { name, inn, kpp } => {
                input.kind = "organisation".into();
                input.organisation_name.clone_from(name);
                input.inn = inn.to_string();
                input.kpp = kpp.as_ref().map(ToString::to_string).unwrap_or_default();
            }
        }
        input.phones = self.phones.iter().map(ToString::to_string).collect();
        input.emails = self.emails.iter().map(ToString::to_string).collect();
        let a = &self.address;
        input.postcode = a.postcode.clone().unwrap_or_default();
        input.region = a.region.clone().unwrap_or_default();
        input.city.clone_from(&a.city);
        input.street.clone_from(&a.street);
        input.house.clone_from(&a.house);
        input.building = a.building.clone().unwrap_or_default();
        input.flat = a.flat.clone().unwrap_or_default();
        input.area = self
            .area
            .map(|area| area.value().normalize().to_string())
            .unwrap_or_default();
        input.residents = self.residents.value().to_string();
        input.billing_mode = match self.billing_mode {
            BillingMode::Postpaid => "postpaid".into(),
            BillingMode::Prepaid => "prepaid".into(),
        };
        input.tags = self.tags.iter().map(ToString::to_string).collect();
        input.notes = self.notes.clone().unwrap_or_default();
        input.opened_on = self.opened_on.format("%Y-%m-%d").to_string();
        input.building_id = self.building_id.clone().unwrap_or_default();
        input
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
    }

    fn good() -> SubscriberInput {
        SubscriberInput {
            surname: "Фёдорова".into(),
            name: "Анна".into(),
            phones: vec![
                "8 912 345-67-89".into(),
                "".into(),
                "+7 912 345 67 89".into(),
            ],
            emails: vec!["Anna@Mail.RU".into()],
            city: "Москва".into(),
            street: "ул. Ленина".into(),
            house: "1".into(),
            flat: "42".into(),
            area: "54,3".into(),
            residents: "3".into(),
            tags: vec!["Льготник".into()],
            opened_on: "01.02.2026".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_input_becomes_facts_and_back() {
        let facts = good().validate(today()).unwrap();
        assert_eq!(facts.phones.len(), 1, "the same number twice is kept once");
        assert_eq!(facts.phones[0].as_str(), "+79123456789");
        assert_eq!(facts.emails[0].as_str(), "Anna@mail.ru");
        assert_eq!(facts.billing_mode, BillingMode::Postpaid);
        assert_eq!(
            facts.opened_on,
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()
        );
        assert_eq!(facts.to_input().validate(today()).unwrap(), facts);
        let defaults = SubscriberInput {
            opened_on: String::new(),
            residents: String::new(),
            ..good()
        }
        .validate(today())
        .unwrap();
        assert_eq!(defaults.opened_on, today());
        assert_eq!(defaults.residents.value(), 0);
    }

    #[test]
    fn every_wrong_field_is_reported() {
        let input = SubscriberInput {
            surname: "".into(),
            name: "Анна1".into(),
            phones: vec!["12".into(), "8 912 345-67-89".into()],
            emails: vec!["no-at".into()],
            city: "".into(),
            street: "".into(),
            postcode: "12".into(),
            area: "abc".into(),
            residents: "100".into(),
            billing_mode: "weekly".into(),
            tags: vec!["ok".into(), "=bad".into()],
            notes: "x".repeat(2001),
            opened_on: "31.02.2026".into(),
            ..good()
        };
        let errors = input.validate(today()).unwrap_err();
        let got: Vec<(String, &str)> = errors.into_iter().map(|e| (e.field, e.code)).collect();
        let expected = [
            ("surname", "surname_missing"),
            ("name", "name_bad_character"),
            ("phones[0]", "phone_not_russian_format"),
            ("emails[0]", "email_missing_at"),
            ("postcode", "postcode_invalid"),
            ("city", "address_part_missing"),
            ("street", "address_part_missing"),
            ("area", "area_not_a_number"),
            ("residents", "residents_too_many"),
            ("billing_mode", "billing_mode_invalid"),
            ("tags[1]", "tag_bad_character"),
            ("notes", "notes_too_long"),
            ("opened_on", "date_invalid"),
        ];
        let expected: Vec<(String, &str)> = expected
            .iter()
            .map(|(f, c)| ((*f).to_owned(), *c))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn organisations() {
        let org = |inn: &str, kpp: &str| SubscriberInput {
            kind: "organisation".into(),
            organisation_name: "ООО «Ромашка»".into(),
            inn: inn.into(),
            kpp: kpp.into(),
            ..good()
        };
        let facts = org("7707083893", "773601001").validate(today()).unwrap();
        assert_eq!(facts.party.display_name(), "ООО «Ромашка»");
        let codes = |input: SubscriberInput| -> Vec<(String, &'static str)> {
            input
                .validate(today())
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        assert_eq!(
            codes(org("7707083893", "")),
            [("kpp".to_owned(), "kpp_missing")]
        );
        assert_eq!(
            codes(org("7707083890", "77")),
            [
                ("inn".to_owned(), "inn_checksum"),
                ("kpp".to_owned(), "kpp_length")
            ]
        );
        let mut nameless = org("7707083893", "773601001");
        nameless.organisation_name = " ".into();
        assert_eq!(
            codes(nameless),
            [("organisation_name".to_owned(), "organisation_name_missing")]
        );
        let mut odd = good();
        odd.kind = "robot".into();
        assert_eq!(codes(odd), [("kind".to_owned(), "kind_invalid")]);
    }

    #[test]
    fn future_opening_and_too_many_phones() {
        let mut input = good();
        input.opened_on = "2026-03-16".into();
        input.phones = (0..6).map(|i| format!("8912345670{i}")).collect();
        let errors = input.validate(today()).unwrap_err();
        assert_eq!(errors[0], Invalid::new("phones[5]", "phones_too_many"));
        assert_eq!(errors[1], Invalid::new("opened_on", "date_in_future"));
    }
}

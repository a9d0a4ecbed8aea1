//! The premises address as Russian bills write it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub postcode: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    pub city: String,
    pub street: String,
    pub house: String,
    #[serde(default)]
    pub building: Option<String>,
    #[serde(default)]
    pub flat: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("{0} is required")]
    Missing(&'static str),
    #[error("the postcode must be 6 digits")]
    Postcode,
    #[error("{0} is too long")]
    TooLong(&'static str),
}

impl AddressError {
    pub fn code(&self) -> &'static str {
        match self {
            AddressError::Missing(_) => "address_part_missing",
            AddressError::Postcode => "postcode_invalid",
            AddressError::TooLong(_) => "address_part_too_long",
        }
    }

    pub fn field(&self) -> &'static str {
        match self {
            AddressError::Missing(field) | AddressError::TooLong(field) => field,
            AddressError::Postcode => "postcode",
        }
    }
}

fn clean(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn optional(
    value: Option<&str>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, AddressError> {
    match value.map(clean).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max => Err(AddressError::TooLong(field)),
        other => Ok(other),
    }
}

fn required(value: &str, field: &'static str, max: usize) -> Result<String, AddressError> {
    optional(Some(value), field, max)?.ok_or(AddressError::Missing(field))
}

impl Address {
    /// Checks and tidies an address (spaces collapsed; city, street and house required).
    pub fn normalised(self) -> Result<Self, AddressError> {
        self.normalised_each()
            .map_err(|mut errors| errors.swap_remove(0))
    }

    /// Like [`Address::normalised`], reporting every wrong part, in form order.
    pub fn normalised_each(self) -> Result<Self, Vec<AddressError>> {
        let mut errors = Vec::new();
        let mut keep = |result: Result<Option<String>, AddressError>| match result {
            Ok(value) => value,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let postcode = keep(optional(self.postcode.as_deref(), "postcode", 6).and_then(
            |p| match p {
                Some(p) if p.len() != 6 || !p.chars().all(|c| c.is_ascii_digit()) => {
                    Err(AddressError::Postcode)
                }
                other => Ok(other),
            },
        ));
        let region = keep(optional(self.region.as_deref(), "region", 100));
        let city = keep(required(&self.city, "city", 100).map(Some));
        let street = keep(required(&self.street, "street", 150).map(Some));
        let house = keep(required(&self.house, "house", 20).map(Some));
        let building = keep(optional(self.building.as_deref(), "building", 20));
        let flat = keep(optional(self.flat.as_deref(), "flat", 20));
        match (city, street, house) {
            (Some(city), Some(street), Some(house)) if errors.is_empty() => Ok(Self {
                postcode,
                region,
                city,
                street,
                house,
                building,
                flat,
            }),
            _ => Err(errors),
        }
    }

    /// "г. Москва, ул. Ленина, д. 1, корп. 2, кв. 42" — the parts given, in bill order.
    pub fn line(&self) -> String {
        let mut parts = Vec::new();
        if let Some(postcode) = &self.postcode {
            parts.push(postcode.clone());
        }
        if let Some(region) = &self.region {
            parts.push(region.clone());
        }
        parts.push(self.city.clone());
        parts.push(self.street.clone());
        parts.push(format!("д. {}", self.house));
        if let Some(building) = &self.building {
            parts.push(format!("корп. {building}"));
        }
        if let Some(flat) = &self.flat {
            parts.push(format!("кв. {flat}"));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let address = Address {
            postcode: Some("101000".into()),
            region: None,
            city: " г.  Москва".into(),
            street: "ул. Ленина".into(),
            house: "1".into(),
            building: Some("".into()),
            flat: Some("42".into()),
        }
        .normalised()
        .unwrap();
        assert_eq!(
            address.line(),
            "101000, г. Москва, ул. Ленина, д. 1, кв. 42"
        );
        let missing = Address {
            city: "Москва".into(),
            ..Default::default()
        }
        .normalised();
        assert_eq!(missing, Err(AddressError::Missing("street")));
        let bad = Address {
            postcode: Some("1010".into()),
            city: "a".into(),
            street: "b".into(),
            house: "1".into(),
            ..Default::default()
        };
        assert_eq!(bad.normalised(), Err(AddressError::Postcode));
    }
}

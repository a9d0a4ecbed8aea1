//! Buildings: houses whose premises are subscribers' (a block of flats, an office centre).

use serde::{Deserialize, Serialize};

use super::Address;
use super::input::Invalid;
use super::search::natural_key;

/// A building as typed. Blank means "not given".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BuildingInput {
    /// An optional name ("ЖК «Северный», корпус 2").
    pub name: String,
    pub postcode: String,
    pub region: String,
    pub city: String,
    pub street: String,
    pub house: String,
    pub building: String,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingFacts {
    pub name: Option<String>,
    /// The building's address: no flat.
    pub address: Address,
    pub notes: Option<String>,
}

pub const MAX_BUILDING_NAME_CHARS: usize = 200;
pub const MAX_BUILDING_NOTES_CHARS: usize = 2000;

impl BuildingInput {
    pub fn validate(&self) -> Result<BuildingFacts, Vec<Invalid>> {
        let mut errors = Vec::new();
        let optional = |text: &str| {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            (!text.is_empty()).then_some(text)
        };
        let name = optional(&self.name);
        if name
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_BUILDING_NAME_CHARS)
        {
            errors.push(Invalid::new("name", "building_name_too_long"));
        }
        let notes = self.notes.trim();
        if notes.chars().count() > MAX_BUILDING_NOTES_CHARS {
            errors.push(Invalid::new("notes", "notes_too_long"));
        }
        let address = Address {
            postcode: optional(&self.postcode),
            region: optional(&self.region),
            city: self.city.clone(),
            street: self.street.clone(),
            house: self.house.clone(),
            building: optional(&self.building),
            flat: None,
        }
        .normalised_each()
        .map_err(|wrong| {
            errors.extend(wrong.iter().map(|e| Invalid::new(e.field(), e.code())));
        })
        .ok();
        match address {
            Some(address) if errors.is_empty() => Ok(BuildingFacts {
                name,
                address,
                notes: (!notes.is_empty()).then(|| notes.to_owned()),
            }),
            _ => Err(errors),
        }
    }
}

impl BuildingFacts {
    pub fn to_input(&self) -> BuildingInput {
        let a = &self.address;
        BuildingInput {
            name: self.name.clone().unwrap_or_default(),
            postcode: a.postcode.clone().unwrap_or_default(),
            region: a.region.clone().unwrap_or_default(),
            city: a.city.clone(),
            street: a.street.clone(),
            house: a.house.clone(),
            building: a.building.clone().unwrap_or_default(),
            notes: self.notes.clone().unwrap_or_default(),
        }
    }
}

/// The key that identifies and orders a building by its address: city, street, house and
/// building, normalised, numbers in natural order. Two spellings differing only in case or
/// spacing are the same building.
pub fn building_address_key(address: &Address) -> String {
    natural_key(&format!(
        "{} | {} | {} | {}",
        address.city,
        address.street,
        address.house,
        address.building.as_deref().unwrap_or("")
    ))
}

/// Whether the premises `address` lies in the building at `building`: same city, street,
/// house and building part.
pub fn is_in_building(address: &Address, building: &Address) -> bool {
    building_address_key(address) == building_address_key(building)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buildings_need_an_address_and_compare_by_it() {
        let input = BuildingInput {
            city: "Москва".into(),
            street: "ул.  Ленина".into(),
            house: "10".into(),
            ..Default::default()
        };
        let facts = input.validate().unwrap();
        assert_eq!(facts.address.street, "ул. Ленина");
        assert_eq!(facts.to_input().validate().unwrap(), facts);
        let flat = Address {
            flat: Some("5".into()),
            street: "УЛ. ЛЕНИНА".into(),
            ..facts.address.clone()
        };
        assert!(is_in_building(&flat, &facts.address));
        let errors = BuildingInput::default().validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["city", "street", "house"]);
        assert!(
            building_address_key(&facts.address)
                < building_address_key(&Address {
                    house: "100".into(),
                    ..facts.address.clone()
                })
        );
    }
}

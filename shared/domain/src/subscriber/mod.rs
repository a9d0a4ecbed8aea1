//! A subscriber (personal account, лицевой счёт): its number, who it is, where, and the facts
//! billing reads. Only the values and their rules live here; storage and use cases are in
//! `crm_app`.

mod account_number;
mod address;
mod building;
mod input;
mod party;
pub mod search;
mod status;
mod tag;

pub use account_number::{AccountNumber, AccountNumberError, AccountNumberPattern, PatternError};
pub use address::{Address, AddressError};
pub use building::{
    BuildingFacts, BuildingInput, MAX_BUILDING_NAME_CHARS, building_address_key, is_in_building,
};
pub use input::{
    Invalid, MAX_EMAILS, MAX_NOTES_CHARS, MAX_PHONES, SubscriberFacts, SubscriberInput, parse_date,
};
pub use party::{Area, AreaError, Party, PartyError, PersonName, Residents};
pub use status::{StatusChange, StatusChangeError, StatusState};
pub use tag::{Tag, TagError, parse_tags};

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriberStatus {
    Active,
    /// Services paused (debt, request); still billed for what is fixed by law.
    Suspended,
    Closed,
}

impl SubscriberStatus {
    pub const ALL: [SubscriberStatus; 3] = [
        SubscriberStatus::Active,
        SubscriberStatus::Suspended,
        SubscriberStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberStatus::Active => "active",
            SubscriberStatus::Suspended => "suspended",
            SubscriberStatus::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingMode {
    /// Invoiced monthly after the fact (the utility norm).
    Postpaid,
    /// Pays ahead; charges are written off the balance (ISPs).
    Prepaid,
}

impl BillingMode {
    pub const ALL: [BillingMode; 2] = [BillingMode::Postpaid, BillingMode::Prepaid];

    pub fn as_str(self) -> &'static str {
        match self {
            BillingMode::Postpaid => "postpaid",
            BillingMode::Prepaid => "prepaid",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == raw)
    }
}

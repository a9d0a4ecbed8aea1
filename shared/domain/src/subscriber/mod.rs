//! A subscriber (personal account, лицевой счёт): its number, who it is, where, and the facts
//! billing reads. Only the values and their rules live here; storage and use cases are in
//! `crm_app`.

mod account_number;
mod address;
mod party;
pub mod search;

pub use account_number::{AccountNumber, AccountNumberError, AccountNumberPattern, PatternError};
pub use address::{Address, AddressError};
pub use party::{Area, AreaError, Party, PartyError, PersonName, Residents};

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriberStatus {
    Active,
    /// Services paused (debt, request); still billed for what is fixed by law.
    Suspended,
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingMode {
    /// Invoiced monthly after the fact (the utility norm).
    Postpaid,
    /// Pays ahead; charges are written off the balance (ISPs).
    Prepaid,
}

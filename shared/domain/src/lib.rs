//! Pure domain types and rules of the billing platform.
//!
//! Nothing here performs I/O, awaits, or knows about AWS: every function is a plain
//! computation that tests can call directly.

pub mod access;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod colour;
pub mod contact;
pub mod hostname;
pub mod invoice_number;
pub mod iso_date;
pub mod logo;
pub mod meter;
mod newtype;
pub mod period;
pub mod requisites;
pub mod schedule;
pub mod spreadsheet;
pub mod subscriber;
pub mod tenant;
pub mod tenant_profile;
pub mod tenant_settings;

pub use colour::HexColour;
pub use contact::{Email, PhoneE164};
pub use hostname::Hostname;
pub use tenant::TenantId;

//! Services, their effective-dated tariffs, and how much of a service a subscriber used in a
//! period. Pricing and invoices build on these.

pub mod catalog;
pub mod quantity;
pub mod service;
pub mod subscription;
pub mod tariff;
pub mod tariff_edit;
pub mod tax;

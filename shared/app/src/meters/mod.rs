//! Meters and readings of a tenant's subscribers: the stored records and how to read them.
//! Registering meters, taking readings, importing them and estimating missing ones build on
//! these (see the modules added next to this one).

pub mod consumption;
pub mod demo;
pub mod estimates;
pub mod estimation;
pub mod estimation_job;
pub mod records;

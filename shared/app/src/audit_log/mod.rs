//! Reading the audit log: filters ([`filter`]), pages newest first across day partitions
//! ([`query`]), signed cursors ([`cursor`]), CSV encoding ([`csv`]), the zone times are read in
//! ([`zone`]) and the audit of exports ([`export`]). Writing records is [`crate::audit`].

pub mod csv;
pub mod cursor;
pub mod export;
pub mod filter;
pub mod query;
pub mod zone;

pub use export::record_export;
pub use filter::{AuditFilter, FilterErrors, FilterProblem, RawAuditFilter};
pub use query::{AuditLog, AuditPage, MAX_PAGE};
pub use zone::time_zone;

//! A tenant's settings: one typed, validated item in the tenant's namespace
//! (`keys::settings`), one field per section. Each section is saved on its own, against the
//! version read, with an audit record (`settings.update`, entity = the section) of its
//! field-by-field difference. A section never saved reads as its default.
//!
//! Sections: [`BrandingSection`] (display name, accent colour, logo), invoice numbering
//! ([`crm_domain::invoice_number::InvoiceNumbering`]), [`PaymentsSection`] (due day),
//! [`MeterReadingsSection`] (the reading window), [`MeterValidationSection`] (plausibility
//! thresholds of readings), [`MeterEstimationSection`] (estimating missing readings),
//! [`NotificationsSection`] (sender names).
//!
//! ## Adding a section
//!
//! 1. Write its type in its own file under `settings/sections/`: plain data with serde, a
//!    `Default` (what an unconfigured tenant gets), validation from the submitted
//!    [`Fields`] in `Section::from_fields` (field names = form field names = API JSON keys),
//!    and `Section::to_fields` for the form.
//! 2. Add a [`SectionName`] variant (its `as_str` is the stored field, the API path segment
//!    `/api/v1/settings/{section}` and the audit entity id).
//! 3. Add the field to [`TenantSettings`] and its arm to the `match`es in `sections/mod.rs`
//!    (`TenantSettings::from_body`, `TenantSettings::to_body`, `save_named`); the compiler
//!    points at each.
//! 4. Add its form to the settings page (`functions/api/src/settings_page.rs`).
//!
//! Stored sections that no longer parse (an older shape) read as the default and are logged,
//! so one bad section never hides the others.

mod branding;
mod error;
mod fields;
mod logo;
mod sections;
mod store;

pub use branding::{Branding, LOGO_PATH, branding};
pub use error::SettingsError;
pub use fields::Fields;
pub use logo::{StoredLogo, logo, remove_logo, upload_logo};
pub use sections::{
    AccountNumberingSection, BrandingSection, LogoRef, MeterEstimationSection,
    MeterReadingsSection, MeterValidationSection, NotificationsSection, PaymentsSection, Section,
    SectionName, TenantSettings, cap_field,
};
pub use store::{load, load_scoped, save, save_named};

//! The sections of [`TenantSettings`] and what every section does ([`Section`]).

mod account_numbering;
mod branding;
mod meter_estimation;
mod meter_readings;
mod meter_validation;
mod notifications;
mod numbering;
mod payments;

pub use account_numbering::AccountNumberingSection;
pub use branding::{BrandingSection, LogoRef};
pub use meter_estimation::MeterEstimationSection;
pub use meter_readings::MeterReadingsSection;
pub use meter_validation::{MeterValidationSection, cap_field};
pub use notifications::NotificationsSection;
pub use payments::PaymentsSection;

use crm_domain::invoice_number::InvoiceNumbering;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::fields::Fields;
use crate::store::Body;
use crate::validation::Invalid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SectionName {
    Branding,
    InvoiceNumbering,
    AccountNumbering,
    Payments,
    MeterReadings,
    MeterValidation,
    MeterEstimation,
    Notifications,
}

impl SectionName {
    pub const ALL: [SectionName; 8] = [
        SectionName::Branding,
        SectionName::InvoiceNumbering,
        SectionName::AccountNumbering,
        SectionName::Payments,
        SectionName::MeterReadings,
        SectionName::MeterValidation,
        SectionName::MeterEstimation,
        SectionName::Notifications,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SectionName::Branding => "branding",
            SectionName::InvoiceNumbering => "invoice_numbering",
            SectionName::AccountNumbering => "account_numbering",
            SectionName::Payments => "payments",
            SectionName::MeterReadings => "meter_readings",
            SectionName::MeterValidation => "meter_validation",
            SectionName::MeterEstimation => "meter_estimation",
            SectionName::Notifications => "notifications",
        }
    }

    pub fn parse(raw: &str) -> Option<SectionName> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// One section of the settings.
pub trait Section:
    Serialize + DeserializeOwned + Default + Clone + PartialEq + Send + Sync + 'static
{
    const NAME: SectionName;

    /// The section as submitted, validated. `current` is the saved value, for parts the form
    /// does not carry (the branding's logo).
    fn from_fields(fields: &Fields, current: &Self) -> Result<Self, Invalid>;

    /// The section as a form shows it.
    fn to_fields(&self) -> Fields;

    fn of(settings: &TenantSettings) -> &Self;
    fn set(settings: &mut TenantSettings, value: Self);
}

/// Every section; unset ones hold their defaults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TenantSettings {
    pub branding: BrandingSection,
    pub invoice_numbering: InvoiceNumbering,
    pub account_numbering: AccountNumberingSection,
    pub payments: PaymentsSection,
    pub meter_readings: MeterReadingsSection,
    pub meter_validation: MeterValidationSection,
    pub meter_estimation: MeterEstimationSection,
    pub notifications: NotificationsSection,
}

impl TenantSettings {
    /// The settings in a stored body; a section that does not parse reads as its default.
    pub fn from_body(body: &Body) -> Self {
        let mut settings = TenantSettings::default();
        for name in SectionName::ALL {
            match name {
                SectionName::Branding => read::<BrandingSection>(body, &mut settings),
                SectionName::InvoiceNumbering => read::<InvoiceNumbering>(body, &mut settings),
                SectionName::AccountNumbering => {
                    read::<AccountNumberingSection>(body, &mut settings)
                }
                SectionName::Payments => read::<PaymentsSection>(body, &mut settings),
                SectionName::MeterReadings => read::<MeterReadingsSection>(body, &mut settings),
                SectionName::MeterValidation => read::<MeterValidationSection>(body, &mut settings),
                SectionName::MeterEstimation => read::<MeterEstimationSection>(body, &mut settings),
                SectionName::Notifications => read::<NotificationsSection>(body, &mut settings),
            }
        }
        settings
    }

    pub fn to_body(&self) -> Body {
        let mut body = Body::new();
        for name in SectionName::ALL {
            let value = match name {
                SectionName::Branding => to_value(&self.branding),
                SectionName::InvoiceNumbering => to_value(&self.invoice_numbering),
                SectionName::AccountNumbering => to_value(&self.account_numbering),
                SectionName::Payments => to_value(&self.payments),
                SectionName::MeterReadings => to_value(&self.meter_readings),
                SectionName::MeterValidation => to_value(&self.meter_validation),
                SectionName::MeterEstimation => to_value(&self.meter_estimation),
                SectionName::Notifications => to_value(&self.notifications),
            };
            body.insert(name.as_str().to_owned(), value);
        }
        body
    }

    /// The whole settings as JSON, sections by name.
    pub fn to_json(&self) -> Value {
        Value::Object(self.to_body())
    }
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn read<S: Section>(body: &Body, settings: &mut TenantSettings) {
    let Some(value) = body.get(S::NAME.as_str()) else {
        return;
    };
    match serde_json::from_value::<S>(value.clone()) {
        Ok(section) => S::set(settings, section),
        Err(e) => {
            tracing::warn!(section = S::NAME.as_str(), error = %e, "stored settings section does not parse; using its default");
        }
    }
}

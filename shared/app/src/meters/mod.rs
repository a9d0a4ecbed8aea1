//! Meters and readings of a tenant's subscribers.
//!
//! A meter and its estimates live in the subscriber's partition, its readings in partitions by
//! month with a reading tail per meter for validating the next one (`keys/meters.rs`, `tail`);
//! a locator item finds a meter by id, a sentinel keeps serial numbers unique per tenant, and
//! GSI1/GSI2 list meters by status and by verification date. Every reading, from a form, the
//! API or an import, goes through the domain's `validate`; a correction keeps the earlier
//! version. Every change writes its audit record in the same transaction.

pub mod consumption;
pub mod demo;
pub mod estimates;
pub mod estimation;
pub mod estimation_job;
pub mod import;
pub mod input;
pub mod intake;
pub mod readings;
pub mod reasons;
pub mod records;
pub mod registry;
pub mod replace;
pub mod tail;

use crm_domain::TenantId;
use crm_domain::meter::Rejection;
use crm_domain::tenant_settings::ReadingWindow;

use crate::Services;
use crate::settings::MeterValidationSection;
use crate::store::StoreError;
use crate::validation::Invalid;

pub use input::MeterInput;
pub use records::{MeterRecord, MeterStatus, ReadingRecord};

/// The audit entity type of meters (their readings are audited under the meter).
pub const ENTITY: &str = "meter";

#[derive(Debug, thiserror::Error)]
pub enum MeterError {
    #[error("invalid input")]
    Invalid(Invalid),
    #[error("no such meter")]
    NotFound,
    #[error("the serial number is taken")]
    SerialTaken,
    #[error("the meter was changed by someone else")]
    VersionMismatch,
    #[error("the reading is refused: {0}")]
    Rejected(Rejection),
    #[error("the meter is removed")]
    Removed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Invalid> for MeterError {
    fn from(invalid: Invalid) -> Self {
        MeterError::Invalid(invalid)
    }
}

/// The thresholds readings are checked against: the tenant's window and plausibility settings.
#[derive(Clone, Debug, Default)]
pub struct Thresholds {
    pub window: ReadingWindow,
    pub validation: MeterValidationSection,
}

impl Thresholds {
    pub async fn load(services: &Services, tenant: &TenantId) -> Result<Self, StoreError> {
        let (settings, _) = crate::settings::load(&services.db, tenant).await?;
        Ok(Self {
            window: settings.meter_readings,
            validation: settings.meter_validation,
        })
    }

    pub fn policy(
        &self,
        kind: crm_domain::meter::MeterKind,
    ) -> crm_domain::meter::ValidationPolicy {
        self.validation.policy(kind, self.window)
    }
}

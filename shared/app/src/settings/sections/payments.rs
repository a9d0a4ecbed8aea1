//! Payments: the day of the month payment is due.

use crm_domain::tenant_settings::DueDay;
use serde::{Deserialize, Serialize};

use super::{Section, SectionName, TenantSettings};
use crate::settings::fields::{Fields, small};
use crate::validation::Invalid;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentsSection {
    pub due_day: DueDay,
}

impl Section for PaymentsSection {
    const NAME: SectionName = SectionName::Payments;

    fn from_fields(fields: &Fields, _: &Self) -> Result<Self, Invalid> {
        let mut invalid = Invalid::new();
        let day = fields.number(&mut invalid, "due_day");
        let due_day = day.and_then(|d| invalid.check("due_day", DueDay::new(small(d))));
        match due_day {
            Some(due_day) => invalid.into_result(PaymentsSection { due_day }),
            None => Err(invalid),
        }
    }

    fn to_fields(&self) -> Fields {
        Fields::new().with("due_day", self.due_day.day().to_string())
    }

    fn of(settings: &TenantSettings) -> &Self {
        &settings.payments
    }

    fn set(settings: &mut TenantSettings, value: Self) {
        settings.payments = value;
    }
}

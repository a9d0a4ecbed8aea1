//! Meter readings: the days of the month readings are accepted (`from_day`..=`to_day`).

use crm_domain::tenant_settings::ReadingWindow;

use super::{Section, SectionName, TenantSettings};
use crate::settings::fields::{Fields, small};
use crate::validation::Invalid;

/// The section is the window itself: `{"from_day": 15, "to_day": 25}`.
pub type MeterReadingsSection = ReadingWindow;

impl Section for ReadingWindow {
    const NAME: SectionName = SectionName::MeterReadings;

    fn from_fields(fields: &Fields, _: &Self) -> Result<Self, Invalid> {
        let mut invalid = Invalid::new();
        let from = fields.number(&mut invalid, "from_day");
        let to = fields.number(&mut invalid, "to_day");
        let (Some(from), Some(to)) = (from, to) else {
            return Err(invalid);
        };
        match ReadingWindow::new(small(from), small(to)) {
            Ok(window) => invalid.into_result(window),
            Err(errors) => {
                for error in errors {
                    invalid.explain(error.field(), &error);
                }
                Err(invalid)
            }
        }
    }

    fn to_fields(&self) -> Fields {
        Fields::new()
            .with("from_day", self.from_day().to_string())
            .with("to_day", self.to_day().to_string())
    }

    fn of(settings: &TenantSettings) -> &Self {
        &settings.meter_readings
    }

    fn set(settings: &mut TenantSettings, value: Self) {
        settings.meter_readings = value;
    }
}

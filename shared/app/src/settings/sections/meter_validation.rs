//! Meter validation: when an accepted reading is flagged for review. The reading window is
//! the `meter_readings` section; these are the plausibility thresholds.

use crm_domain::meter::{MeterKind, ValidationPolicy};
use crm_domain::tenant_settings::ReadingWindow;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Section, SectionName, TenantSettings};
use crate::settings::fields::Fields;
use crate::validation::{Invalid, Reason};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterValidationSection {
    /// A monthly consumption above this multiple of the recent average is flagged.
    pub average_factor: Decimal,
    /// Months of history the average is taken over.
    pub average_months: u32,
    /// Monthly caps per meter kind (per zone); a kind left out uses its default cap.
    #[serde(default)]
    pub caps: Vec<(MeterKind, Decimal)>,
}

impl Default for MeterValidationSection {
    fn default() -> Self {
        let policy = ValidationPolicy::default();
        Self {
            average_factor: policy.average_factor,
            average_months: policy.average_months,
            caps: Vec::new(),
        }
    }
}

/// The form field of a kind's cap.
pub fn cap_field(kind: MeterKind) -> String {
    format!("cap_{}", kind.code())
}

impl MeterValidationSection {
    /// The cap in force for `kind`: the tenant's, or the kind's default.
    pub fn cap(&self, kind: MeterKind) -> Decimal {
        self.caps
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or_else(|| kind.monthly_cap(), |(_, cap)| *cap)
    }

    /// The domain's validation policy for a meter of `kind`, with the tenant's window.
    pub fn policy(&self, kind: MeterKind, window: ReadingWindow) -> ValidationPolicy {
        ValidationPolicy {
            average_factor: self.average_factor,
            average_months: self.average_months,
            monthly_cap: Some(self.cap(kind)),
            window: Some((u32::from(window.from_day()), u32::from(window.to_day()))),
        }
    }
}

fn positive(invalid: &mut Invalid, fields: &Fields, name: &str) -> Option<Decimal> {
    let raw = fields.get(name).replace(',', ".");
    if raw.is_empty() {
        invalid.add(name, Reason::required());
        return None;
    }
    match raw.parse::<Decimal>() {
        Ok(value) if value > Decimal::ZERO && value <= Decimal::from(1_000_000) => {
            Some(value.normalize())
        }
        _ => {
            invalid.add(
                name,
                Reason::new(
                    "positive_number",
                    "Введите положительное число не больше 1 000 000",
                    "Enter a positive number up to 1,000,000",
                ),
            );
            None
        }
    }
}

impl Section for MeterValidationSection {
    const NAME: SectionName = SectionName::MeterValidation;

    fn from_fields(fields: &Fields, _: &Self) -> Result<Self, Invalid> {
        let mut invalid = Invalid::new();
        let average_factor = positive(&mut invalid, fields, "average_factor");
        let average_months = fields.number(&mut invalid, "average_months");
        if let Some(months) = average_months
            && !(1..=36).contains(&months)
        {
            invalid.add(
                "average_months",
                Reason::new("months_range", "От 1 до 36 месяцев", "From 1 to 36 months"),
            );
        }
        let mut caps = Vec::new();
        for kind in MeterKind::ALL {
            let name = cap_field(kind);
            if fields.get(&name).is_empty() {
                continue;
            }
            if let Some(cap) = positive(&mut invalid, fields, &name)
                && cap != kind.monthly_cap()
            {
                caps.push((kind, cap));
            }
        }
        match (average_factor, average_months) {
            (Some(average_factor), Some(months)) => invalid.into_result(Self {
                average_factor,
                average_months: u32::try_from(months).unwrap_or(6),
                caps,
            }),
            _ => Err(invalid),
        }
    }

    fn to_fields(&self) -> Fields {
        let mut fields = Fields::new()
            .with(
                "average_factor",
                self.average_factor.normalize().to_string(),
            )
            .with("average_months", self.average_months.to_string());
        for kind in MeterKind::ALL {
            fields = fields.with(&cap_field(kind), self.cap(kind).normalize().to_string());
        }
        fields
    }

    fn of(settings: &TenantSettings) -> &Self {
        &settings.meter_validation
    }

    fn set(settings: &mut TenantSettings, value: Self) {
        settings.meter_validation = value;
    }
}

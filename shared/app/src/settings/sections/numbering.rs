//! Invoice numbering: the pattern of invoice numbers (`crm_domain::invoice_number`).

use crm_domain::invoice_number::InvoiceNumbering;

use super::{Section, SectionName, TenantSettings};
use crate::settings::fields::{Fields, small};
use crate::validation::Invalid;

impl Section for InvoiceNumbering {
    const NAME: SectionName = SectionName::InvoiceNumbering;

    fn from_fields(fields: &Fields, _: &Self) -> Result<Self, Invalid> {
        let mut invalid = Invalid::new();
        let width = fields.number(&mut invalid, "counter_width");
        let start = fields.number(&mut invalid, "start_value");
        let prefix = fields.get("prefix");
        let include_year = fields.flag("include_year");
        let numbering = InvoiceNumbering::new(
            prefix,
            include_year,
            width.map_or(1, small),
            start.map_or(1, |n| u64::try_from(n).unwrap_or(0)),
        );
        match numbering {
            Ok(numbering) => invalid.into_result(numbering),
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
            .with("prefix", self.prefix())
            .with("include_year", if self.include_year() { "1" } else { "" })
            .with("counter_width", self.counter_width().to_string())
            .with("start_value", self.start_value().to_string())
    }

    fn of(settings: &TenantSettings) -> &Self {
        &settings.invoice_numbering
    }

    fn set(settings: &mut TenantSettings, value: Self) {
        settings.invoice_numbering = value;
    }
}

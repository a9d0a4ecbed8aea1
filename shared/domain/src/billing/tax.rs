//! VAT (НДС) categories of services and their effective-dated rates (DOMAIN.md "Taxes").
//!
//! A service names a category; the rate of the category on a day comes from a history, not a
//! constant, so a period that spans a change (20% -> 22% on 2026-01-01, Federal Law 425-ФЗ of
//! 2025-11-28) splits like a tariff change does. Whether a tenant charges VAT at all (its tax
//! regime) is decided at invoicing; the category says what the service is.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::period::DateRange;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxCategory {
    /// The general rate: 20% until 2025-12-31, 22% from 2026-01-01.
    VatGeneral,
    /// The reduced rate for listed goods and services: 10%.
    VatReduced,
    /// 0% (exports and the like).
    VatZero,
    /// Exempt (без НДС), e.g. utilities resold by УК/ТСЖ/ЖСК (Tax Code art. 149 p.3 subp. 29-30).
    Exempt,
}

/// The VAT of a line: a rate in percent, or none at all (exempt differs from 0% on documents).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VatRate {
    Percent { percent: u32 },
    Exempt,
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VatRate::Percent { percent } => write!(f, "{percent}%"),
            VatRate::Exempt => f.write_str("без НДС"),
        }
    }
}

impl VatRate {
    /// The VAT inside a VAT-inclusive amount: `amount x rate / (100 + rate)`, unrounded.
    pub fn included_in(self, amount: Decimal) -> Decimal {
        match self {
            VatRate::Percent { percent } => {
                let rate = Decimal::from(percent);
                amount * rate / (Decimal::ONE_HUNDRED + rate)
            }
            VatRate::Exempt => Decimal::ZERO,
        }
    }
}

const fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => NaiveDate::MIN,
    }
}

/// The general rate's history: (first day, percent), in date order.
const GENERAL_HISTORY: [(NaiveDate, u32); 2] = [(NaiveDate::MIN, 20), (day(2026, 1, 1), 22)];

impl TaxCategory {
    pub const ALL: [TaxCategory; 4] = [
        TaxCategory::VatGeneral,
        TaxCategory::VatReduced,
        TaxCategory::VatZero,
        TaxCategory::Exempt,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TaxCategory::VatGeneral => "vat_general",
            TaxCategory::VatReduced => "vat_reduced",
            TaxCategory::VatZero => "vat_zero",
            TaxCategory::Exempt => "exempt",
        }
    }

    pub fn from_code(code: &str) -> Option<TaxCategory> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Each rate of the category with the day it starts, in date order.
    fn history(self) -> Vec<(NaiveDate, VatRate)> {
        let percent = |percent| VatRate::Percent { percent };
        match self {
            TaxCategory::VatGeneral => GENERAL_HISTORY
                .iter()
                .map(|(from, p)| (*from, percent(*p)))
                .collect(),
            TaxCategory::VatReduced => vec![(NaiveDate::MIN, percent(10))],
            TaxCategory::VatZero => vec![(NaiveDate::MIN, percent(0))],
            TaxCategory::Exempt => vec![(NaiveDate::MIN, VatRate::Exempt)],
        }
    }

    /// The rate in force on `on`.
    pub fn rate_on(self, on: NaiveDate) -> VatRate {
        self.history()
            .into_iter()
            .rev()
            .find(|(from, _)| *from <= on)
            .map_or(VatRate::Exempt, |(_, rate)| rate)
    }

    /// `period` split where the rate changes, every day covered once, in date order.
    pub fn rates_over(self, period: DateRange) -> Vec<(DateRange, VatRate)> {
        let history = self.history();
        let mut pieces = Vec::new();
        for (i, (from, rate)) in history.iter().enumerate() {
            let until = history.get(i + 1).map_or(NaiveDate::MAX, |(next, _)| *next);
            if let Some(piece) = DateRange::new(*from, until)
                .ok()
                .and_then(|r| r.intersection(&period))
            {
                pieces.push((piece, *rate));
            }
        }
        pieces
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn general_rate_rises_to_22_percent_in_2026() {
        let general = TaxCategory::VatGeneral;
        assert_eq!(
            general.rate_on(d("2025-12-31")),
            VatRate::Percent { percent: 20 }
        );
        assert_eq!(
            general.rate_on(d("2026-01-01")),
            VatRate::Percent { percent: 22 }
        );
        assert_eq!(
            TaxCategory::VatReduced.rate_on(d("2026-06-01")),
            VatRate::Percent { percent: 10 }
        );
        assert_eq!(
            TaxCategory::Exempt.rate_on(d("2026-06-01")),
            VatRate::Exempt
        );
        let winter = DateRange::new(d("2025-12-16"), d("2026-01-16")).unwrap();
        let pieces = general.rates_over(winter);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].0.days(), 16);
        assert_eq!(pieces[1].1, VatRate::Percent { percent: 22 });
        assert_eq!(
            VatRate::Percent { percent: 22 }.included_in(Decimal::from(122)),
            Decimal::from(22)
        );
    }

    #[test]
    fn codes_round_trip() {
        for category in TaxCategory::ALL {
            assert_eq!(TaxCategory::from_code(category.code()), Some(category));
        }
        assert_eq!(TaxCategory::from_code("vat"), None);
    }

    proptest! {
        #[test]
        fn rate_pieces_cover_every_day_once(start in 0i64..2000, len in 1i64..800) {
            let first = d("2024-01-01") + chrono::Duration::days(start);
            let period = DateRange::new(first, first + chrono::Duration::days(len)).unwrap();
            for category in TaxCategory::ALL {
                let pieces = category.rates_over(period);
                prop_assert_eq!(pieces.first().map(|p| p.0.start), Some(period.start));
                prop_assert_eq!(pieces.last().map(|p| p.0.end), Some(period.end));
                for pair in pieces.windows(2) {
                    prop_assert_eq!(pair[0].0.end, pair[1].0.start);
                }
                for (range, rate) in &pieces {
                    prop_assert_eq!(category.rate_on(range.start), *rate);
                    prop_assert_eq!(category.rate_on(range.last_day()), *rate);
                }
            }
        }
    }
}

//! Effective-dated tariffs. A service's tariff is a list of versions, each valid from a date
//! until the next change (utilities usually change on 1 July). Versions may not overlap; a gap
//! is allowed but reported, since the days in it cannot be billed. A billing period that spans a
//! change is split by days, and each part is priced by its own version.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::service::{ServiceKind, Zone};
use crate::period::DateRange;

/// One block of a tiered (block) tariff: consumption up to `up_to` (cumulative, per month) is
/// priced at `rate`; the last block has no upper bound.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub up_to: Option<Decimal>,
    pub rate: Decimal,
}

/// Prices of one tariff version, per unit of the service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Rates {
    Flat { rate: Decimal },
    Blocks { blocks: Vec<Block> },
    Zoned { rates: Vec<(Zone, Decimal)> },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TariffVersion {
    pub valid_from: NaiveDate,
    /// Exclusive; `None` until a later version is entered.
    pub valid_until: Option<NaiveDate>,
    pub rates: Rates,
    /// Consumption norm per resident or m² per month: the quantity of norm services, and the
    /// estimate of metered ones once averages may no longer be used.
    #[serde(default)]
    pub norm: Option<Decimal>,
}

impl TariffVersion {
    /// The days it applies to, up to `horizon` when open-ended.
    fn range_until(&self, horizon: NaiveDate) -> Option<DateRange> {
        DateRange::new(self.valid_from, self.valid_until.unwrap_or(horizon)).ok()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TariffError {
    #[error("the version from {valid_from} ends on or before it starts")]
    EmptyVersion { valid_from: NaiveDate },
    #[error("the versions from {first} and from {second} overlap")]
    Overlap { first: NaiveDate, second: NaiveDate },
    #[error("a rate is negative")]
    NegativeRate,
    #[error("this service needs a {expected} tariff")]
    WrongRates { expected: &'static str },
    #[error("zone rates must be given for exactly the zones {expected:?}")]
    ZonesMismatch { expected: Vec<Zone> },
    #[error("blocks must have increasing positive limits and only the last may be open")]
    BadBlocks,
    #[error("a norm service needs a positive norm")]
    NormMissing,
    #[error("the norm must not be negative")]
    NegativeNorm,
}

impl TariffError {
    pub fn code(&self) -> &'static str {
        match self {
            TariffError::EmptyVersion { .. } => "tariff_empty_version",
            TariffError::Overlap { .. } => "tariff_overlap",
            TariffError::NegativeRate => "tariff_negative_rate",
            TariffError::WrongRates { .. } => "tariff_wrong_rates",
            TariffError::ZonesMismatch { .. } => "tariff_zones_mismatch",
            TariffError::BadBlocks => "tariff_bad_blocks",
            TariffError::NormMissing => "tariff_norm_missing",
            TariffError::NegativeNorm => "tariff_negative_norm",
        }
    }
}

/// Something worth showing that does not stop saving.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TariffWarning {
    /// No version covers these days; they cannot be billed until one does.
    Gap { from: NaiveDate, until: NaiveDate },
}

/// Checks one version against the service it prices.
pub fn check_version(kind: ServiceKind, version: &TariffVersion) -> Result<(), TariffError> {
    if version
        .valid_until
        .is_some_and(|until| until <= version.valid_from)
    {
        return Err(TariffError::EmptyVersion {
            valid_from: version.valid_from,
        });
    }
    if version.norm.is_some_and(|n| n.is_sign_negative()) {
        return Err(TariffError::NegativeNorm);
    }
    match (kind, &version.rates) {
        (ServiceKind::Tiered, Rates::Blocks { blocks }) => check_blocks(blocks)?,
        (ServiceKind::Tiered, _) => return Err(TariffError::WrongRates { expected: "block" }),
        (ServiceKind::MultiZone { zones }, Rates::Zoned { rates }) => {
            let mut given: Vec<Zone> = rates.iter().map(|(zone, _)| *zone).collect();
            let mut expected = zones.zones().to_vec();
            given.sort_unstable();
            expected.sort_unstable();
            if given != expected {
                return Err(TariffError::ZonesMismatch {
                    expected: zones.zones().to_vec(),
                });
            }
            if rates.iter().any(|(_, rate)| rate.is_sign_negative()) {
                return Err(TariffError::NegativeRate);
            }
        }
        (ServiceKind::MultiZone { .. }, _) => {
            return Err(TariffError::WrongRates { expected: "zone" });
        }
        (_, Rates::Flat { rate }) => {
            if rate.is_sign_negative() {
                return Err(TariffError::NegativeRate);
            }
        }
        (_, _) => return Err(TariffError::WrongRates { expected: "flat" }),
    }
    if matches!(kind, ServiceKind::Norm { .. }) && version.norm.is_none_or(|n| n <= Decimal::ZERO) {
        return Err(TariffError::NormMissing);
    }
    Ok(())
}

fn check_blocks(blocks: &[Block]) -> Result<(), TariffError> {
    let Some((last, bounded)) = blocks.split_last() else {
        return Err(TariffError::BadBlocks);
    };
    if last.up_to.is_some() {
        return Err(TariffError::BadBlocks);
    }
    let mut previous = Decimal::ZERO;
    for block in bounded {
        match block.up_to {
            Some(limit) if limit > previous => previous = limit,
            _ => return Err(TariffError::BadBlocks),
        }
    }
    if blocks.iter().any(|b| b.rate.is_sign_negative()) {
        return Err(TariffError::NegativeRate);
    }
    Ok(())
}

/// Checks a whole tariff history: each version alone, no overlaps; gaps come back as warnings.
/// Versions may be given in any order.
pub fn check_history(
    kind: ServiceKind,
    versions: &[TariffVersion],
) -> Result<Vec<TariffWarning>, TariffError> {
    for version in versions {
        check_version(kind, version)?;
    }
    let mut sorted: Vec<&TariffVersion> = versions.iter().collect();
    sorted.sort_by_key(|v| v.valid_from);
    let mut warnings = Vec::new();
    for pair in sorted.windows(2) {
        let (earlier, later) = (pair[0], pair[1]);
        match earlier.valid_until {
            None => {
                return Err(TariffError::Overlap {
                    first: earlier.valid_from,
                    second: later.valid_from,
                });
            }
            Some(until) if until > later.valid_from => {
                return Err(TariffError::Overlap {
                    first: earlier.valid_from,
                    second: later.valid_from,
                });
            }
            Some(until) if until < later.valid_from => warnings.push(TariffWarning::Gap {
                from: until,
                until: later.valid_from,
            }),
            Some(_) => {}
        }
    }
    Ok(warnings)
}

/// A part of a period and the version that prices it (`None`: no version covers it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece<'a> {
    pub range: DateRange,
    pub version: Option<&'a TariffVersion>,
}

/// Splits `period` by the versions in force, in date order, covering every day of the period
/// exactly once (days without a version come back with `version: None`).
pub fn split_period<'a>(versions: &'a [TariffVersion], period: DateRange) -> Vec<Piece<'a>> {
    let mut covered: Vec<(DateRange, &TariffVersion)> = versions
        .iter()
        .filter_map(|v| {
            v.range_until(period.end)
                .and_then(|r| r.intersection(&period))
                .map(|r| (r, v))
        })
        .collect();
    covered.sort_by_key(|(range, _)| range.start);
    let mut pieces = Vec::new();
    let mut cursor = period.start;
    for (range, version) in covered {
        if range.start > cursor {
            pieces.push(Piece {
                range: DateRange {
                    start: cursor,
                    end: range.start,
                },
                version: None,
            });
        }
        // Overlapping histories are refused on save; if one slipped through, never count a day twice.
        if let Ok(range) = DateRange::new(range.start.max(cursor), range.end) {
            pieces.push(Piece {
                range,
                version: Some(version),
            });
            cursor = range.end;
        }
    }
    if cursor < period.end {
        pieces.push(Piece {
            range: DateRange {
                start: cursor,
                end: period.end,
            },
            version: None,
        });
    }
    pieces
}

/// The version in force on `day`.
pub fn version_on(versions: &[TariffVersion], day: NaiveDate) -> Option<&TariffVersion> {
    versions
        .iter()
        .find(|v| v.valid_from <= day && v.valid_until.is_none_or(|until| day < until))
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::billing::service::ZoneScheme;
    use crate::period::BillingMonth;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn flat(from: &str, until: Option<&str>, rate: &str) -> TariffVersion {
        TariffVersion {
            valid_from: d(from),
            valid_until: until.map(d),
            rates: Rates::Flat { rate: dec(rate) },
            norm: None,
        }
    }

    #[test]
    fn a_july_change_splits_july_by_days() {
        let history = [
            flat("2026-01-01", Some("2026-07-01"), "52.30"),
            flat("2026-07-01", None, "58.10"),
        ];
        assert_eq!(check_history(ServiceKind::Metered, &history), Ok(vec![]));
        let june_july = DateRange::new(d("2026-06-16"), d("2026-07-16")).unwrap();
        let pieces = split_period(&history, june_july);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].range.days(), 15);
        assert_eq!(pieces[0].version, Some(&history[0]));
        assert_eq!(pieces[1].range.days(), 15);
        assert_eq!(pieces[1].version, Some(&history[1]));
        let july = BillingMonth::parse("2026-07").unwrap().range();
        assert_eq!(
            split_period(&history, july),
            vec![Piece {
                range: july,
                version: Some(&history[1])
            }]
        );
    }

    #[test]
    fn overlaps_are_refused_and_gaps_reported() {
        let open_then_later = [flat("2026-01-01", None, "1"), flat("2026-07-01", None, "2")];
        assert_eq!(
            check_history(ServiceKind::Fixed, &open_then_later),
            Err(TariffError::Overlap {
                first: d("2026-01-01"),
                second: d("2026-07-01")
            })
        );
        let overlapping = [
            flat("2026-01-01", Some("2026-07-02"), "1"),
            flat("2026-07-01", None, "2"),
        ];
        assert!(matches!(
            check_history(ServiceKind::Fixed, &overlapping),
            Err(TariffError::Overlap { .. })
        ));
        let gap = [
            flat("2026-07-05", None, "2"),
            flat("2026-01-01", Some("2026-07-01"), "1"),
        ];
        assert_eq!(
            check_history(ServiceKind::Fixed, &gap),
            Ok(vec![TariffWarning::Gap {
                from: d("2026-07-01"),
                until: d("2026-07-05")
            }])
        );
        let july = BillingMonth::parse("2026-07").unwrap().range();
        let pieces = split_period(&gap, july);
        assert_eq!(
            pieces
                .iter()
                .map(|p| (p.range.days(), p.version.is_some()))
                .collect::<Vec<_>>(),
            [(4, false), (27, true)]
        );
    }

    #[test]
    fn future_changes_are_allowed() {
        let history = [
            flat("2026-01-01", Some("2027-07-01"), "1"),
            flat("2027-07-01", None, "2"),
        ];
        assert!(check_history(ServiceKind::Fixed, &history).is_ok());
        assert_eq!(version_on(&history, d("2026-11-24")), Some(&history[0]));
        assert_eq!(version_on(&history, d("2027-07-01")), Some(&history[1]));
        assert_eq!(version_on(&history, d("2025-12-31")), None);
    }

    #[test]
    fn rates_must_fit_the_service() {
        let mut version = flat("2026-01-01", None, "10");
        assert_eq!(
            check_version(ServiceKind::Tiered, &version),
            Err(TariffError::WrongRates { expected: "block" })
        );
        assert_eq!(
            check_version(
                ServiceKind::Norm {
                    basis: crate::billing::service::NormBasis::PerResident
                },
                &version
            ),
            Err(TariffError::NormMissing)
        );
        version.norm = Some(dec("6.935"));
        assert!(
            check_version(
                ServiceKind::Norm {
                    basis: crate::billing::service::NormBasis::PerResident
                },
                &version
            )
            .is_ok()
        );
        version.rates = Rates::Zoned {
            rates: vec![(Zone::Day, dec("7.5"))],
        };
        let two_zone = ServiceKind::MultiZone {
            zones: ZoneScheme::DayNight,
        };
        assert!(matches!(
            check_version(two_zone, &version),
            Err(TariffError::ZonesMismatch { .. })
        ));
        version.rates = Rates::Zoned {
            rates: vec![(Zone::Night, dec("3.2")), (Zone::Day, dec("7.5"))],
        };
        assert!(check_version(two_zone, &version).is_ok());
        version.rates = Rates::Blocks {
            blocks: vec![
                Block {
                    up_to: Some(dec("150")),
                    rate: dec("5"),
                },
                Block {
                    up_to: Some(dec("100")),
                    rate: dec("6"),
                },
                Block {
                    up_to: None,
                    rate: dec("7"),
                },
            ],
        };
        assert_eq!(
            check_version(ServiceKind::Tiered, &version),
            Err(TariffError::BadBlocks)
        );
        version.rates = Rates::Blocks {
            blocks: vec![
                Block {
                    up_to: Some(dec("150")),
                    rate: dec("5"),
                },
                Block {
                    up_to: None,
                    rate: dec("7"),
                },
            ],
        };
        assert!(check_version(ServiceKind::Tiered, &version).is_ok());
        let negative = flat("2026-01-01", None, "-1");
        assert_eq!(
            check_version(ServiceKind::Fixed, &negative),
            Err(TariffError::NegativeRate)
        );
        let backwards = flat("2026-07-01", Some("2026-07-01"), "1");
        assert!(matches!(
            check_version(ServiceKind::Fixed, &backwards),
            Err(TariffError::EmptyVersion { .. })
        ));
    }
}

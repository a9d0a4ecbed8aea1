//! The service catalogue of a tenant: services, their effective-dated tariffs, and links of
//! services to subscribers (single and in bulk).
//!
//! Use cases take a tenant's store handle, validate raw input into domain values (every field's
//! problem reported at once, as a [`Fault`] the UI and the API word in their language), and
//! write each change with its audit record in one transaction.

pub mod bulk;
pub mod demo;
pub mod history;
pub mod import;
pub mod input;
pub mod links;
pub mod services;
pub mod tariffs;

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::billing::subscription::LinkError;
use crm_domain::billing::tariff_edit::EditError;
use crm_domain::requisites::InnError;

use crate::store::StoreError;

/// What is wrong with one input field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    Required,
    TooLong {
        max: usize,
    },
    /// Not one of the allowed values.
    UnknownChoice {
        allowed: Vec<&'static str>,
    },
    /// Letters, digits, `-`, `_`, `.` only.
    CodeCharacters,
    CodeTaken,
    UnitDoesNotFit,
    RoundingOutOfRange,
    NotInteger,
    Inn(InnError),
    /// Not a date (`YYYY-MM-DD` or `dd.mm.yyyy`).
    Date,
    /// Not a number.
    Decimal,
    Negative,
    /// More than 6 decimal places.
    TooPrecise,
    TooLarge,
    /// Rates of a kind this service does not use (`expected`: flat, block, zone).
    WrongRates {
        expected: &'static str,
    },
    /// Zone rates must be given for exactly these zones.
    Zones {
        expected: Vec<&'static str>,
    },
    /// Block limits must grow; only the last block is open.
    Blocks,
    /// A norm service needs a positive norm.
    NormMissing,
    /// A tariff version ends on or before it starts.
    EmptyVersion,
    /// A link ends before it starts.
    EndsBeforeStart,
    /// Overlaps the tariff version that starts on this day.
    Overlaps {
        with: NaiveDate,
    },
    /// The service is already linked for some of these days, by the link starting on this day.
    AlreadyLinked {
        with: NaiveDate,
    },
    /// The version has started; only future ones change.
    Started {
        valid_from: NaiveDate,
    },
    /// A changed version must start after today.
    NotInFuture,
    /// The service's tariff versions do not fit the new kind.
    KindLocked,
    /// An individual rate or quantity does not fit a multi-zone service.
    NotForZones,
    ServiceArchived,
    /// No record with this id in the tenant.
    NoSuchRecord,
    /// More items than one request may carry.
    TooMany {
        max: usize,
    },
    /// An id that no record of ours can have.
    BadId,
}

impl Fault {
    /// A stable code for programs.
    pub fn code(&self) -> &'static str {
        match self {
            Fault::Required => "required",
            Fault::TooLong { .. } => "too_long",
            Fault::UnknownChoice { .. } => "unknown_value",
            Fault::CodeCharacters => "code_characters",
            Fault::CodeTaken => "code_taken",
            Fault::UnitDoesNotFit => "unit_does_not_fit",
            Fault::RoundingOutOfRange => "rounding_out_of_range",
            Fault::NotInteger => "not_integer",
            Fault::Inn(error) => error.code(),
            Fault::Date => "bad_date",
            Fault::Decimal => "bad_number",
            Fault::Negative => "negative",
            Fault::TooPrecise => "too_precise",
            Fault::TooLarge => "too_large",
            Fault::WrongRates { .. } => "wrong_rates",
            Fault::Zones { .. } => "zones_mismatch",
            Fault::Blocks => "bad_blocks",
            Fault::NormMissing => "norm_missing",
            Fault::EmptyVersion => "empty_version",
            Fault::EndsBeforeStart => "ends_before_start",
            Fault::Overlaps { .. } => "overlap",
            Fault::AlreadyLinked { .. } => "already_linked",
            Fault::Started { .. } => "version_started",
            Fault::NotInFuture => "not_in_future",
            Fault::KindLocked => "kind_locked",
            Fault::NotForZones => "not_for_zones",
            Fault::ServiceArchived => "service_archived",
            Fault::NoSuchRecord => "no_such_record",
            Fault::TooMany { .. } => "too_many",
            Fault::BadId => "bad_id",
        }
    }
}

/// One field and what is wrong with it. `field` is the path in the API's request body, which
/// is also the form field's name (`valid_from`, `blocks[1].rate`, `zone_rates.night`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub field: String,
    pub fault: Fault,
}

impl Issue {
    pub fn new(field: impl Into<String>, fault: Fault) -> Self {
        Self {
            field: field.into(),
            fault,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// No such record in this tenant (or an id of a shape no record has).
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0:?}")]
    Invalid(Vec<Issue>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Vec<Issue>> for CatalogError {
    fn from(issues: Vec<Issue>) -> Self {
        CatalogError::Invalid(issues)
    }
}

impl CatalogError {
    pub fn invalid(field: &str, fault: Fault) -> Self {
        CatalogError::Invalid(vec![Issue::new(field, fault)])
    }
}

/// Tariff-history refusals as field faults.
pub fn tariff_issue(error: &EditError) -> Issue {
    use crm_domain::billing::tariff::TariffError as T;
    let (field, fault) = match error {
        EditError::Overlap { with } => ("valid_from", Fault::Overlaps { with: *with }),
        EditError::Started { valid_from } => (
            "valid_from",
            Fault::Started {
                valid_from: *valid_from,
            },
        ),
        EditError::NotInFuture => ("valid_from", Fault::NotInFuture),
        EditError::Invalid(error) => match error {
            T::EmptyVersion { .. } => ("valid_until", Fault::EmptyVersion),
            T::Overlap { first, .. } => ("valid_from", Fault::Overlaps { with: *first }),
            T::NegativeRate => ("rates", Fault::Negative),
            T::WrongRates { expected } => ("rates", Fault::WrongRates { expected }),
            T::ZonesMismatch { expected } => (
                "zone_rates",
                Fault::Zones {
                    expected: expected.iter().map(|z| input::zone_code(*z)).collect(),
                },
            ),
            T::BadBlocks => ("blocks", Fault::Blocks),
            T::NormMissing => ("norm", Fault::NormMissing),
            T::NegativeNorm => ("norm", Fault::Negative),
        },
    };
    Issue::new(field, fault)
}

/// Link refusals as faults of `field` (the individual terms name their own field).
pub fn link_fault(error: &LinkError) -> Fault {
    match error {
        LinkError::EndsBeforeStart => Fault::EndsBeforeStart,
        LinkError::Overlap { with } => Fault::AlreadyLinked { with: *with },
        LinkError::Negative => Fault::Negative,
        LinkError::TooPrecise => Fault::TooPrecise,
        LinkError::RateNotForZones | LinkError::QuantityNotForZones => Fault::NotForZones,
    }
}

/// The tenant's calendar day at `now`. Tenants' time zone setting is not read yet: every
/// tenant is on Moscow time, the default (ARCHITECTURE.md "Money, time, numbers").
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&chrono_tz::Europe::Moscow).date_naive()
}

/// Whether `id` has the shape of an id we issue (letters, digits, `-`, `_`; at most 64), so a
/// path parameter can never reach into another key.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn checked_id(id: &str) -> Result<&str, CatalogError> {
    if is_valid_id(id) {
        Ok(id)
    } else {
        Err(CatalogError::NotFound)
    }
}

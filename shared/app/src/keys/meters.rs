//! Keys of meters, readings and estimates. A meter and its estimates live in the partition of
//! the subscriber they belong to (`keys::subscriber_partition`); tenant-wide listings go through
//! GSI1 and GSI2. Readings live in a partition per month and subscriber
//! ([`readings_partition`]): a month's readings arrive together (a month's file, a billing
//! period) and are stored together, so storing them writes about as many pages as they fill
//! whatever the meters' history, and a meter's history is read month by month between the
//! dates its reading tail ([`meter_tail`]) names.

use chrono::{Datelike, NaiveDate};

use super::{Namespace, escape, subscriber_partition};
use crate::store::Key;

pub const METER_SORT_PREFIX: &str = "METER#";
pub const READING_SORT_PREFIX: &str = "READING#";
pub const ESTIMATE_SORT_PREFIX: &str = "ESTIMATE#";

/// A meter, in its subscriber's partition.
pub fn meter(namespace: &Namespace, subscriber_id: &str, meter_id: &str) -> Key {
    Key::new(
        subscriber_partition(namespace, subscriber_id),
        format!("{METER_SORT_PREFIX}{meter_id}"),
    )
}

/// Sentinel making a serial number unique within the tenant; its body names the meter and its
/// subscriber (how imports find a meter by serial).
pub fn meter_serial(namespace: &Namespace, serial: &str) -> Key {
    namespace.key(&["METER_SERIAL", &escape(serial)], "SERIAL")
}

/// GSI1 partition: a tenant's meters of one status (`active`, `removed`), by kind, then serial.
pub fn meters_by_status_partition(namespace: &Namespace, status: &str) -> String {
    namespace.pk(&["METERS", status])
}

/// GSI1 sort key of a meter in its status listing: the kind first, so the meters of one kind
/// are one `begins_with` range of the partition and a page filtered by kind is read full.
pub fn meter_status_sort(kind: &str, serial: &str, meter_id: &str) -> String {
    format!("{kind}#{}#{meter_id}", escape(serial))
}

/// GSI1 sort-key prefix of the meters of one kind in a status listing (`kind` is a code such
/// as `cold_water`; the `#` keeps `electricity` apart from `electricity_two_zone`).
pub fn meters_of_kind_prefix(kind: &str) -> String {
    format!("{kind}#")
}

/// GSI2 partition: a tenant's active meters by verification due date (lists of meters whose
/// verification is due within N days, or expired, are one range query).
pub fn meters_by_verification_partition(namespace: &Namespace) -> String {
    namespace.pk(&["METERS_DUE"])
}

/// GSI2 sort key of a meter in the verification listing.
pub fn meter_verification_sort(due: NaiveDate, meter_id: &str) -> String {
    format!("{}#{meter_id}", due.format("%Y-%m-%d"))
}

/// The partition of a subscriber's readings dated in one month (`YYYY-MM` of `date`): the
/// current readings and their earlier versions.
pub fn readings_partition(namespace: &Namespace, subscriber_id: &str, date: NaiveDate) -> String {
    // Written out by hand: `format("%Y-%m")` parses its pattern on every call, and bulk
    // intake builds a key per reading.
    let month = format!("{:04}-{:02}", date.year(), date.month());
    namespace.pk(&["READINGS", &month, subscriber_id])
}

/// The current version of a meter's reading on one date.
pub fn reading(namespace: &Namespace, subscriber_id: &str, meter_id: &str, date: NaiveDate) -> Key {
    Key::new(
        readings_partition(namespace, subscriber_id, date),
        // `NaiveDate`'s `Display` is `yyyy-mm-dd`, written without parsing a pattern.
        format!("{READING_SORT_PREFIX}{meter_id}#{date}"),
    )
}

/// Sort-key prefix of a meter's current readings in its month partitions, in date order.
pub fn readings_prefix(meter_id: &str) -> String {
    format!("{READING_SORT_PREFIX}{meter_id}#")
}

/// A replaced version of a reading (corrections keep every earlier version), next to the
/// reading in its month partition.
pub fn reading_version(
    namespace: &Namespace,
    subscriber_id: &str,
    meter_id: &str,
    date: NaiveDate,
    version: u32,
) -> Key {
    Key::new(
        readings_partition(namespace, subscriber_id, date),
        format!(
            "READING_V#{meter_id}#{}#{version:04}",
            date.format("%Y-%m-%d")
        ),
    )
}

/// A meter's reading tail: the dates of its first and latest readings and its recent readings,
/// what validating the next reading needs (`meters::tail`). Next to the meter's locator, so the
/// tails of meters created together are stored together.
pub fn meter_tail(namespace: &Namespace, meter_id: &str) -> Key {
    namespace.key(&["METER", meter_id], "TAIL")
}

/// The estimate of a meter's consumption for a billing month (`YYYY-MM`).
pub fn estimate(namespace: &Namespace, subscriber_id: &str, meter_id: &str, month: &str) -> Key {
    Key::new(
        subscriber_partition(namespace, subscriber_id),
        format!("{ESTIMATE_SORT_PREFIX}{meter_id}#{month}"),
    )
}

/// Sort-key prefix of all of a meter's estimates, in month order.
pub fn estimates_prefix(meter_id: &str) -> String {
    format!("{ESTIMATE_SORT_PREFIX}{meter_id}#")
}

/// GSI1 key of an estimate in the tenant's listing of one month's estimates, by subscriber and
/// meter. Not sharded: only the estimation job writes it, one subscriber's transaction at a
/// time (far below a partition's 1,000 writes/s).
pub fn estimates_of_month(
    namespace: &Namespace,
    month: &str,
    subscriber_id: &str,
    meter_id: &str,
) -> Key {
    Key::new(
        estimates_of_month_partition(namespace, month),
        format!("{subscriber_id}#{meter_id}"),
    )
}

/// GSI1 partition of one month's estimates.
pub fn estimates_of_month_partition(namespace: &Namespace, month: &str) -> String {
    namespace.pk(&["ESTIMATES", month])
}

/// Where a meter lives: its body names the subscriber, so a meter is found by its id alone
/// (`/meters/{id}`) with one get before the meter itself.
pub fn meter_locator(namespace: &Namespace, meter_id: &str) -> Key {
    namespace.key(&["METER", meter_id], "LOCATOR")
}

/// Sort-key range of a subscriber's partition holding its estimates and meters (and the links
/// and profile between them), for one query per subscriber: `ESTIMATE#` .. `METER#<max>`.
pub fn estimates_and_meters_range() -> (String, String) {
    (
        ESTIMATE_SORT_PREFIX.to_owned(),
        format!("{METER_SORT_PREFIX}\u{10FFFF}"),
    )
}

/// Sort-key prefix of a reading's earlier versions.
pub fn reading_versions_prefix(meter_id: &str, date: NaiveDate) -> String {
    format!("READING_V#{meter_id}#{}#", date.format("%Y-%m-%d"))
}

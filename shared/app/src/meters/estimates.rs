//! Estimates of missing readings and their supersession. (A minimal stand-in: the estimates
//! branch replaces this file; until then a real reading supersedes nothing.)

use chrono::{DateTime, Utc};

use super::records::{MeterRecord, ReadingRecord};
use crate::store::{ScopedDb, StoreError, Write};

/// The writes that mark the estimates `new` covers as superseded, each with the difference
/// between what was really used and what was estimated; the caller adds them to the
/// transaction that stores `new`. `history` is the meter's current readings including `new`.
pub async fn supersession_writes(
    _db: &ScopedDb,
    _meter: &MeterRecord,
    _history: &[ReadingRecord],
    _new: &ReadingRecord,
    _now: DateTime<Utc>,
) -> Result<Vec<Write>, StoreError> {
    Ok(Vec::new())
}

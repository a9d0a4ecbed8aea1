//! Job status records.

//! The import framework: files in, typed rows out, errors reported per row.

mod csv;
pub mod detect;
pub mod errors;
pub mod mapping;
pub mod options;
pub mod report;
pub mod read;
#[cfg(test)]
mod read_tests;
mod text;
pub mod values;
pub mod xlsx;

pub use errors::{FileError, RowError};
pub use mapping::{FieldSpec, MappedRow, Mapping, MappingProblem, SavedMapping, Schema};
pub use options::{Detected, FileFormat, Limits, ReadOptions, SheetChoice, TextEncoding};
pub use read::{RowProblem, RowReader, SourceRow};

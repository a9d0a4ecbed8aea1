//! The top of a file: finding its header row, and the preview the mapping step shows.

use super::errors::FileError;
use super::mapping::{
    HEADER_SEARCH_ROWS, Mapping, MappingProblem, SavedMapping, Schema, find_header, resolve,
};
use super::options::Detected;
use super::read::SourceRow;
use super::stream::{RowStream, Spooled};

/// The header row and the data rows read after it while looking for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub header: SourceRow,
    pub rest: Vec<SourceRow>,
}

/// Reads the header: row `header_row` when the user gave it, else the best of the first
/// [`HEADER_SEARCH_ROWS`] rows (a title or notes may come first). Rows above it are dropped.
pub async fn read_head(
    stream: &mut RowStream,
    schema: &Schema,
    saved: Option<&SavedMapping>,
    header_row: Option<u64>,
) -> Result<Head, FileError> {
    if let Some(wanted) = header_row {
        let mut any = false;
        while let Some(rows) = stream.next_batch().await? {
            any = true;
            if let Some(at) = rows.iter().position(|row| row.number >= wanted) {
                if rows[at].number != wanted {
                    break;
                }
                let mut rows = rows;
                let rest = rows.split_off(at + 1);
                let header = rows.pop().ok_or(FileError::NoHeader { searched: 0 })?;
                return Ok(Head { header, rest });
            }
        }
        return Err(if any {
            FileError::NoHeader { searched: 0 }
        } else {
            FileError::Empty
        });
    }
    let mut head = Vec::new();
    while head.len() < HEADER_SEARCH_ROWS {
        match stream.next_batch().await? {
            Some(rows) => head.extend(rows),
            None => break,
        }
    }
    if head.is_empty() {
        return Err(FileError::Empty);
    }
    let searched = head.len().min(HEADER_SEARCH_ROWS);
    let index = find_header(schema, &head, saved).ok_or(FileError::NoHeader { searched })?;
    let rest = head.split_off(index + 1);
    let header = head.pop().ok_or(FileError::NoHeader { searched })?;
    Ok(Head { header, rest })
}

/// What the mapping step shows: what was detected, the header, the mapping proposed (or why
/// there is none yet), and the first data rows.
#[derive(Clone, Debug)]
pub struct Preview {
    pub detected: Detected,
    pub header: SourceRow,
    pub mapping: Result<(Mapping, Vec<MappingProblem>), Vec<MappingProblem>>,
    pub sample: Vec<SourceRow>,
}

pub async fn preview(
    file: &Spooled,
    schema: Schema,
    saved: Option<&SavedMapping>,
    header_row: Option<u64>,
    sample_rows: usize,
) -> Result<Preview, FileError> {
    let mut stream = file.open(sample_rows.clamp(1, 100)).await?;
    let Head { header, mut rest } = read_head(&mut stream, &schema, saved, header_row).await?;
    while rest.len() < sample_rows {
        match stream.next_batch().await? {
            Some(rows) => rest.extend(rows),
            None => break,
        }
    }
    rest.truncate(sample_rows);
    let mapping = resolve(schema, &header, saved);
    Ok(Preview {
        detected: stream.detected(),
        header,
        mapping,
        sample: rest,
    })
}

//! A streaming XLSX sheet reader: the worksheet's XML is decompressed and parsed one event at a
//! time, so rows come out one by one in flat memory. The shared strings table (text cells'
//! values) must be held in memory, as every XLSX reader does; it is bounded by
//! [`Limits::max_shared_strings_bytes`].
//!
//! The archive's central directory sits at its end, so the file must be seekable: imports spool
//! an upload to a temporary file first.

mod parts;
pub mod values;

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

use quick_xml::Reader;
use quick_xml::events::Event;
use zip::{CompressionMethod, ZipArchive};

use self::parts::{
    attribute, bad, push_reference, read_date_styles, read_relationships, read_shared_strings,
    read_workbook,
};
use self::values::{normalise_number, serial_to_iso};
use super::errors::FileError;
use super::options::{Limits, SheetChoice};
use super::read::{RowProblem, Source, SourceRow};
use super::text::has_control_characters;

/// The most XML one event (a tag or a text node) may take. A cell's text above
/// `max_cell_bytes` refuses its row; above this, the workbook is refused, since the parser
/// would have to hold it.
const MAX_EVENT_BYTES: u64 = 32 * 1024 * 1024;

pub struct XlsxReader {
    xml: Reader<BufReader<Budget<Box<dyn Read + Send>>>>,
    buf: Vec<u8>,
    shared: Vec<String>,
    date_styles: Vec<bool>,
    date1904: bool,
    sheet_name: String,
    sheet_names: Vec<String>,
    limits: Limits,
    last_row: u64,
    done: bool,
}

impl XlsxReader {
    pub fn open(
        source: Box<dyn Source>,
        sheet: &SheetChoice,
        limits: Limits,
    ) -> Result<Self, FileError> {
        let mut zip = ZipArchive::new(source).map_err(bad)?;
        let workbook = read_part(&mut zip, "xl/workbook.xml", MAX_EVENT_BYTES, |r| {
            read_workbook(r)
        })?
        .ok_or_else(|| bad("no xl/workbook.xml"))?;
        let relationships = read_part(
            &mut zip,
            "xl/_rels/workbook.xml.rels",
            MAX_EVENT_BYTES,
            |r| read_relationships(r),
        )?
        .unwrap_or_default();
        let date_styles = read_part(&mut zip, "xl/styles.xml", MAX_EVENT_BYTES, |r| {
            read_date_styles(r)
        })?
        .unwrap_or_default();
        let strings_budget = limits.max_shared_strings_bytes.saturating_mul(2) + MAX_EVENT_BYTES;
        let shared = read_part(&mut zip, "xl/sharedStrings.xml", strings_budget, |input| {
            read_shared_strings(input, limits.max_shared_strings_bytes)
        })?
        .unwrap_or_default();

        let sheet_names: Vec<String> = workbook.sheets.iter().map(|s| s.name.clone()).collect();
        let chosen = match sheet {
            SheetChoice::First => workbook.sheets.first(),
            SheetChoice::Named(name) => {
                let wanted = name.trim().to_lowercase();
                workbook
                    .sheets
                    .iter()
                    .find(|s| s.name.trim().to_lowercase() == wanted)
            }
        };
        let Some(chosen) = chosen else {
            return Err(match sheet {
                SheetChoice::Named(name) => FileError::SheetNotFound {
                    name: name.clone(),
                    available: sheet_names.join(", "),
                },
                SheetChoice::First => bad("the workbook has no sheets"),
            });
        };
        let path = relationships
            .iter()
            .find(|(id, _)| *id == chosen.relationship)
            .map(|(_, path)| path.clone())
            .ok_or_else(|| bad("the sheet's part is not listed"))?;
        let index = zip
            .index_for_name(&path)
            .ok_or_else(|| bad(format!("no part {path}")))?;
        let (start, method, compressed) = {
            let entry = zip.by_index_raw(index).map_err(bad)?;
            if entry.encrypted() {
                return Err(bad("the workbook is encrypted"));
            }
            let start = entry.data_start().ok_or_else(|| bad("no data offset"))?;
            (start, entry.compression(), entry.compressed_size())
        };
        // The entry's bytes are read straight from the file, so the reader owns its input and
        // holds no borrow of the archive.
        let mut input = zip.into_inner();
        input.seek(SeekFrom::Start(start))?;
        let raw = input.take(compressed);
        let decompressed: Box<dyn Read + Send> = match method {
            CompressionMethod::Stored => Box::new(raw),
            CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(raw)),
            other => return Err(bad(format!("unsupported compression {other:?}"))),
        };
        let xml = Reader::from_reader(BufReader::with_capacity(
            64 * 1024,
            Budget::new(decompressed, MAX_EVENT_BYTES),
        ));
        Ok(Self {
            xml,
            buf: Vec::new(),
            shared,
            date_styles,
            date1904: workbook.date1904,
            sheet_name: chosen.name.clone(),
            sheet_names,
            limits,
            last_row: 0,
            done: false,
        })
    }

    pub fn sheet_name(&self) -> &str {
        &self.sheet_name
    }

    pub fn sheet_names(&self) -> &[String] {
        &self.sheet_names
    }

    /// The next `<row>` of the sheet (rows with no cells included, as blank rows).
    pub fn next_row(&mut self) -> Result<Option<SourceRow>, FileError> {
        if self.done {
            return Ok(None);
        }
        let mut row: Option<RowBuild> = None;
        let mut cell: Option<CellBuild> = None;
        let mut capture = false;
        let mut in_inline = false;
        loop {
            self.xml.get_mut().get_mut().reset();
            self.buf.clear();
            let event = self.xml.read_event_into(&mut self.buf).map_err(bad)?;
            match event {
                Event::Start(e) => match e.local_name().as_ref() {
                    "row" => {
                        let number = attribute(&e, "r")
                            .and_then(|r| r.parse().ok())
                            .unwrap_or(self.last_row + 1);
                        row = Some(RowBuild::new(number));
                    }
                    "c" => {
                        let next = row.as_ref().map_or(0, |r| r.next_column);
                        cell = Some(CellBuild::new(
                            attribute(&e, "r")
                                .and_then(|r| column_of(&r))
                                .unwrap_or(next),
                            attribute(&e, "t"),
                            attribute(&e, "s").and_then(|s| s.parse().ok()).unwrap_or(0),
                        ));
                    }
                    "is" => in_inline = true,
                    "v" => capture = cell.is_some(),
                    "t" => capture = cell.is_some() && in_inline,
                    _ => {}
                },
                Event::Empty(e) => match e.local_name().as_ref() {
                    "row" => {
                        self.last_row = attribute(&e, "r")
                            .and_then(|r| r.parse().ok())
                            .unwrap_or(self.last_row + 1);
                    }
                    "c" => {
                        if let Some(row) = row.as_mut() {
                            row.next_column = attribute(&e, "r")
                                .and_then(|r| column_of(&r))
                                .unwrap_or(row.next_column)
                                + 1;
                        }
                    }
                    _ => {}
                },
                Event::Text(text) if capture => {
                    if let Some(cell) = cell.as_mut() {
                        cell.push(&text.xml10_content(), self.limits.max_cell_bytes);
                    }
                }
                Event::CData(text) if capture => {
                    if let Some(cell) = cell.as_mut() {
                        cell.push(&text.into_inner(), self.limits.max_cell_bytes);
                    }
                }
                Event::GeneralRef(reference) if capture => {
                    if let Some(cell) = cell.as_mut() {
                        let mut text = String::new();
                        push_reference(&mut text, &reference);
                        cell.push(&text, self.limits.max_cell_bytes);
                    }
                }
                Event::End(e) => match e.local_name().as_ref() {
                    "v" | "t" => capture = false,
                    "is" => in_inline = false,
                    "c" => {
                        if let (Some(row), Some(done)) = (row.as_mut(), cell.take()) {
                            let style = done.style;
                            let column = done.column;
                            let too_large = done.too_large;
                            let text = done.into_text(
                                &self.shared,
                                self.date_styles.get(style).copied().unwrap_or(false),
                                self.date1904,
                            );
                            row.set(column, text, too_large, &self.limits);
                        }
                    }
                    "row" => {
                        if let Some(row) = row.take() {
                            self.last_row = row.number;
                            if row.number > self.limits.max_rows {
                                return Err(FileError::TooManyRows {
                                    limit: self.limits.max_rows,
                                });
                            }
                            return Ok(Some(row.finish()));
                        }
                    }
                    "sheetData" => {
                        self.done = true;
                        return Ok(None);
                    }
                    _ => {}
                },
                Event::Eof => {
                    self.done = true;
                    return Ok(None);
                }
                _ => {}
            }
        }
    }
}

/// Reads a small part of the archive through `parse`; `None` when the part is absent.
fn read_part<T>(
    zip: &mut ZipArchive<Box<dyn Source>>,
    name: &str,
    budget: u64,
    parse: impl FnOnce(&mut dyn BufRead) -> Result<T, FileError>,
) -> Result<Option<T>, FileError> {
    let entry = match zip.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(bad(e)),
    };
    let mut input = BufReader::new(Budget::new(entry, budget));
    parse(&mut input).map(Some)
}

struct RowBuild {
    number: u64,
    cells: Vec<String>,
    next_column: usize,
    problem: Option<RowProblem>,
}

impl RowBuild {
    fn new(number: u64) -> Self {
        Self {
            number,
            cells: Vec::new(),
            next_column: 0,
            problem: None,
        }
    }

    fn set(&mut self, column: usize, text: String, too_large: bool, limits: &Limits) {
        self.next_column = column + 1;
        if column >= limits.max_columns {
            if !text.is_empty() {
                self.problem.get_or_insert(RowProblem::TooManyColumns {
                    limit: limits.max_columns,
                });
            }
            return;
        }
        let mut text = text;
        let too_large = too_large || text.len() > limits.max_cell_bytes;
        if too_large {
            text = String::new();
            self.problem.get_or_insert(RowProblem::CellTooLarge {
                column,
                limit_bytes: limits.max_cell_bytes,
            });
        } else if has_control_characters(&text) {
            self.problem
                .get_or_insert(RowProblem::ControlCharacters { column });
        }
        if self.cells.len() <= column {
            self.cells.resize(column + 1, String::new());
        }
        self.cells[column] = text;
    }

    fn finish(self) -> SourceRow {
        SourceRow {
            number: self.number,
            cells: self.cells,
            problem: self.problem,
        }
    }
}

struct CellBuild {
    column: usize,
    kind: Option<String>,
    style: usize,
    value: String,
    too_large: bool,
}

impl CellBuild {
    fn new(column: usize, kind: Option<String>, style: usize) -> Self {
        Self {
            column,
            kind,
            style,
            value: String::new(),
            too_large: false,
        }
    }

    fn push(&mut self, text: &str, max_bytes: usize) {
        if self.value.len() + text.len() > max_bytes {
            self.too_large = true;
        } else if !self.too_large {
            self.value.push_str(text);
        }
    }

    fn into_text(self, shared: &[String], date_style: bool, date1904: bool) -> String {
        match self.kind.as_deref() {
            Some("s") => self
                .value
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|i| shared.get(i).cloned())
                .unwrap_or_default(),
            Some("inlineStr" | "str" | "e") => self.value,
            Some("b") => if self.value.trim() == "1" { "1" } else { "0" }.to_owned(),
            // ISO 8601 dates (rare; Strict OOXML): midnight is dropped.
            Some("d") => self
                .value
                .strip_suffix("T00:00:00")
                .unwrap_or(&self.value)
                .to_owned(),
            _ if self.value.is_empty() => self.value,
            _ if date_style => serial_to_iso(&self.value, date1904)
                .unwrap_or_else(|| normalise_number(&self.value)),
            _ => normalise_number(&self.value),
        }
    }
}

/// The 0-based column of a cell reference (`C5` -> 2).
fn column_of(reference: &str) -> Option<usize> {
    let mut column: usize = 0;
    let mut letters = 0;
    for byte in reference.bytes() {
        if byte.is_ascii_alphabetic() {
            column = column
                .checked_mul(26)?
                .checked_add(usize::from(byte.to_ascii_uppercase() - b'A') + 1)?;
            letters += 1;
        } else {
            break;
        }
    }
    (letters > 0).then(|| column - 1)
}

/// A reader that fails once more than `limit` bytes were read since the last [`reset`], so one
/// XML event cannot grow without bound (a zip bomb's endless text node).
///
/// [`reset`]: Budget::reset
struct Budget<R> {
    inner: R,
    limit: u64,
    used: u64,
}

impl<R> Budget<R> {
    fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            limit,
            used: 0,
        }
    }

    fn reset(&mut self) {
        self.used = 0;
    }
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.used >= self.limit {
            return Err(std::io::Error::other(format!(
                "an XML element larger than {} bytes",
                self.limit
            )));
        }
        let n = self.inner.read(out)?;
        self.used += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("c5"), Some(2));
        assert_eq!(column_of("AA10"), Some(26));
        assert_eq!(column_of("XFD1"), Some(16383));
        assert_eq!(column_of("12"), None);
    }

    #[test]
    fn budgets_stop_runaway_reads() {
        let data = [b'x'; 100];
        let mut budget = Budget::new(&data[..], 10);
        let mut out = [0u8; 8];
        assert_eq!(budget.read(&mut out).unwrap(), 8);
        assert_eq!(budget.read(&mut out).unwrap(), 8);
        assert!(budget.read(&mut out).is_err());
        budget.reset();
        assert!(budget.read(&mut out).is_ok());
    }
}

//! Reading a file as rows of text cells, one row at a time, whatever its format.
//!
//! [`RowReader::open`] looks at the first bytes (format, encoding, delimiter; each can be
//! overridden in [`ReadOptions`]) and then yields [`SourceRow`]s. It keeps one row in memory
//! (plus an XLSX workbook's shared strings), so a million-row file reads in flat memory. Rows
//! whose cells are all empty are skipped; the numbers of the others stay those of the file.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

use super::csv::CsvReader;
use super::detect::{SAMPLE_BYTES, detect_delimiter, detect_encoding, sniff_format};
use super::errors::{FileError, RowError, codes};
use super::options::{Detected, FileFormat, ReadOptions};
use super::text::TextDecoder;
use super::xlsx::XlsxReader;

/// One row of the source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRow {
    /// 1-based, as a spreadsheet shows it (a CSV record spanning lines is one row).
    pub number: u64,
    pub cells: Vec<String>,
    /// Set when the row cannot be used as read; its cells may then be cut short.
    pub problem: Option<RowProblem>,
}

impl SourceRow {
    pub fn is_blank(&self) -> bool {
        self.problem.is_none() && self.cells.iter().all(|cell| cell.trim().is_empty())
    }
}

/// Why the reader itself refuses a row (before any mapping or validation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowProblem {
    /// 0-based column.
    CellTooLarge {
        column: usize,
        limit_bytes: usize,
    },
    TooManyColumns {
        limit: usize,
    },
    /// The cell's bytes are not text in the file's encoding.
    InvalidText {
        column: usize,
    },
    /// The cell holds control characters (binary data).
    ControlCharacters {
        column: usize,
    },
    /// A quoted cell runs to the end of the file.
    UnclosedQuote,
}

impl RowProblem {
    /// The row error to report; `header` names the columns when known.
    pub fn to_error(&self, row: u64, header: Option<&[String]>) -> RowError {
        let name = |column: usize| {
            header
                .and_then(|h| h.get(column))
                .filter(|name| !name.trim().is_empty())
                .cloned()
                .unwrap_or_else(|| column_letters(column))
        };
        match *self {
            RowProblem::CellTooLarge {
                column,
                limit_bytes,
            } => RowError::new(
                row,
                codes::CELL_TOO_LARGE,
                format!("Значение длиннее {limit_bytes} байт; строка пропущена"),
                format!("The value is longer than {limit_bytes} bytes; row skipped"),
            )
            .in_column(name(column)),
            RowProblem::TooManyColumns { limit } => RowError::new(
                row,
                codes::TOO_MANY_COLUMNS,
                format!("В строке больше {limit} столбцов; строка пропущена"),
                format!("The row has more than {limit} columns; row skipped"),
            ),
            RowProblem::InvalidText { column } => RowError::new(
                row,
                codes::INVALID_TEXT,
                "Текст не в кодировке файла; сохраните файл в одной кодировке (UTF-8)",
                "The text is not in the file's encoding; save the file in one encoding (UTF-8)",
            )
            .in_column(name(column)),
            RowProblem::ControlCharacters { column } => RowError::new(
                row,
                codes::CONTROL_CHARACTERS,
                "В значении есть служебные (двоичные) символы",
                "The value holds control (binary) characters",
            )
            .in_column(name(column)),
            RowProblem::UnclosedQuote => RowError::new(
                row,
                codes::INVALID_TEXT,
                "Кавычка в начале значения не закрыта до конца файла",
                "A quote opening a value is never closed before the end of the file",
            ),
        }
    }
}

/// Spreadsheet column name of a 0-based index: A, B, ..., Z, AA, ...
pub fn column_letters(mut column: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Something a reader can seek in: a spooled temp file or bytes in memory.
pub trait Source: Read + Seek + Send {}
impl<T: Read + Seek + Send> Source for T {}

/// Rows of a CSV or XLSX file, one at a time.
pub struct RowReader {
    inner: Inner,
    detected: Detected,
}

enum Inner {
    Csv(CsvReader<BufReader<Box<dyn Source>>>),
    Xlsx(Box<XlsxReader>),
}

impl RowReader {
    /// Detects what `source` holds and gets ready to read its rows.
    pub fn open(mut source: Box<dyn Source>, options: &ReadOptions) -> Result<Self, FileError> {
        let limits = options.limits;
        let size = source.seek(SeekFrom::End(0))?;
        source.seek(SeekFrom::Start(0))?;
        if size == 0 {
            return Err(FileError::Empty);
        }
        if size > limits.max_file_bytes {
            return Err(FileError::TooLarge {
                limit_bytes: limits.max_file_bytes,
            });
        }
        let mut sample = Vec::with_capacity(SAMPLE_BYTES.min(size as usize));
        (&mut source)
            .take(SAMPLE_BYTES as u64)
            .read_to_end(&mut sample)?;
        source.seek(SeekFrom::Start(0))?;
        let whole = sample.len() as u64 == size;
        let sniffed = sniff_format(&sample)?;
        match options.format.unwrap_or(sniffed) {
            FileFormat::Xlsx => {
                let reader = XlsxReader::open(source, &options.sheet, limits)?;
                let detected = Detected {
                    format: FileFormat::Xlsx,
                    encoding: None,
                    delimiter: None,
                    sheet: Some(reader.sheet_name().to_owned()),
                    sheets: reader.sheet_names().to_vec(),
                };
                Ok(Self {
                    inner: Inner::Xlsx(Box::new(reader)),
                    detected,
                })
            }
            FileFormat::Csv => {
                let guess = detect_encoding(&sample, whole)?;
                let decoder = match options.encoding {
                    Some(encoding) => TextDecoder::new(encoding, false),
                    None => TextDecoder::new(guess.encoding, guess.tentative),
                };
                let delimiter = options
                    .delimiter
                    .unwrap_or_else(|| detect_delimiter(&sample, whole));
                let mut input = BufReader::with_capacity(64 * 1024, source);
                input.consume_bom(guess.bom_len)?;
                let detected = Detected {
                    format: FileFormat::Csv,
                    encoding: Some(decoder.encoding()),
                    delimiter: Some(delimiter),
                    sheet: None,
                    sheets: Vec::new(),
                };
                Ok(Self {
                    inner: Inner::Csv(CsvReader::new(input, delimiter, decoder, limits)),
                    detected,
                })
            }
        }
    }

    /// Opens a file on disk.
    pub fn open_file(file: File, options: &ReadOptions) -> Result<Self, FileError> {
        Self::open(Box::new(file), options)
    }

    /// Opens bytes in memory (tests, small uploads).
    pub fn open_bytes(bytes: Vec<u8>, options: &ReadOptions) -> Result<Self, FileError> {
        Self::open(Box::new(std::io::Cursor::new(bytes)), options)
    }

    /// What was detected. For a CSV first read as tentative UTF-8, the encoding reflects any
    /// switch to Windows-1251 made so far.
    pub fn detected(&self) -> Detected {
        let mut detected = self.detected.clone();
        if let Inner::Csv(csv) = &self.inner {
            detected.encoding = Some(csv.decoder().encoding());
        }
        detected
    }

    /// The next row that is not blank, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<SourceRow>, FileError> {
        loop {
            let row = match &mut self.inner {
                Inner::Csv(csv) => csv.next_record()?,
                Inner::Xlsx(xlsx) => xlsx.next_row()?,
            };
            match row {
                Some(row) if row.is_blank() => continue,
                other => return Ok(other),
            }
        }
    }

    /// Appends up to `max` rows to `out`; returns how many. Fewer than `max` means the end.
    pub fn next_batch(&mut self, max: usize, out: &mut Vec<SourceRow>) -> Result<usize, FileError> {
        let mut added = 0;
        while added < max {
            match self.next_row()? {
                Some(row) => {
                    out.push(row);
                    added += 1;
                }
                None => break,
            }
        }
        Ok(added)
    }
}

trait ConsumeBom {
    fn consume_bom(&mut self, len: usize) -> std::io::Result<()>;
}

impl<R: Read> ConsumeBom for BufReader<R> {
    fn consume_bom(&mut self, len: usize) -> std::io::Result<()> {
        if len > 0 {
            self.fill_buf()?;
            self.consume(len);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_like_a_spreadsheet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}

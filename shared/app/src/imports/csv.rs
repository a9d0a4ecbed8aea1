//! A streaming CSV reader: one record at a time from any `BufRead`, in bounded memory.
//!
//! RFC 4180 with the usual leniency of spreadsheet exports: `""` is a quote inside a quoted
//! cell, quoted cells may hold delimiters and line breaks, a quote in the middle of an unquoted
//! cell is text, lines end with LF, CRLF or CR. Limits are enforced while reading, so a 10 MB
//! cell costs at most `max_cell_bytes` of memory and refuses only its own row.

use std::io::BufRead;

use super::errors::FileError;
use super::options::Limits;
use super::read::{RowProblem, SourceRow};
use super::text::{TextDecoder, has_control_characters};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted cell: the cell's end, or the first half of `""`.
    QuotedQuote,
}

pub struct CsvReader<R> {
    input: R,
    parser: Parser,
    decoder: TextDecoder,
    done: bool,
}

impl<R: BufRead> CsvReader<R> {
    pub fn new(input: R, delimiter: u8, decoder: TextDecoder, limits: Limits) -> Self {
        Self {
            input,
            parser: Parser::new(delimiter, limits),
            decoder,
            done: false,
        }
    }

    pub fn decoder(&self) -> &TextDecoder {
        &self.decoder
    }

    /// The next record, blank lines included (as a row of one empty cell).
    pub fn next_record(&mut self) -> Result<Option<SourceRow>, FileError> {
        if self.done {
            return Ok(None);
        }
        self.parser.start_record();
        loop {
            let chunk = self.input.fill_buf()?;
            if chunk.is_empty() {
                self.done = true;
                if !self.parser.started {
                    return Ok(None);
                }
                self.parser.end_of_input();
                break;
            }
            let (consumed, ended) = self.parser.scan(chunk);
            self.input.consume(consumed);
            if ended {
                break;
            }
        }
        self.parser.finish(&mut self.decoder).map(Some)
    }
}

/// The state machine and the record being built, apart from the input so a buffered chunk can
/// be scanned while the record grows.
struct Parser {
    delimiter: u8,
    limits: Limits,
    state: State,
    /// Records started so far; the number of the one being read.
    record: u64,
    /// The previous record ended with CR: a LF right after belongs to it.
    skip_lf: bool,
    /// Some byte of this record was seen.
    started: bool,
    /// Cell bytes back to back, and where each kept cell ends.
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// Bytes of the current cell, kept or not.
    cell_len: usize,
    cells: usize,
    problem: Option<RowProblem>,
}

impl Parser {
    fn new(delimiter: u8, limits: Limits) -> Self {
        Self {
            delimiter,
            limits,
            state: State::FieldStart,
            record: 0,
            skip_lf: false,
            started: false,
            bytes: Vec::new(),
            ends: Vec::new(),
            cell_len: 0,
            cells: 0,
            problem: None,
        }
    }

    fn start_record(&mut self) {
        self.record += 1;
        self.state = State::FieldStart;
        self.started = false;
        self.bytes.clear();
        self.ends.clear();
        self.cell_len = 0;
        self.cells = 0;
        self.problem = None;
    }

    /// Runs over `chunk` until the record ends. Returns the bytes used and whether it ended.
    fn scan(&mut self, chunk: &[u8]) -> (usize, bool) {
        let mut i = 0;
        while i < chunk.len() {
            if self.skip_lf {
                self.skip_lf = false;
                if chunk[i] == b'\n' {
                    i += 1;
                    continue;
                }
            }
            self.started = true;
            match self.state {
                State::FieldStart => {
                    let byte = chunk[i];
                    i += 1;
                    if byte == b'"' {
                        self.state = State::Quoted;
                    } else if byte == self.delimiter {
                        self.end_cell();
                    } else if byte == b'\n' || byte == b'\r' {
                        self.end_cell();
                        self.skip_lf = byte == b'\r';
                        return (i, true);
                    } else {
                        self.push(&chunk[i - 1..i]);
                        self.state = State::Unquoted;
                    }
                }
                State::Unquoted => {
                    let rest = &chunk[i..];
                    let Some(at) = memchr::memchr3(self.delimiter, b'\n', b'\r', rest) else {
                        self.push(rest);
                        return (chunk.len(), false);
                    };
                    self.push(&rest[..at]);
                    let byte = rest[at];
                    i += at + 1;
                    self.end_cell();
                    self.state = State::FieldStart;
                    if byte != self.delimiter {
                        self.skip_lf = byte == b'\r';
                        return (i, true);
                    }
                }
                State::Quoted => {
                    let rest = &chunk[i..];
                    let Some(at) = memchr::memchr(b'"', rest) else {
                        self.push(rest);
                        return (chunk.len(), false);
                    };
                    self.push(&rest[..at]);
                    i += at + 1;
                    self.state = State::QuotedQuote;
                }
                State::QuotedQuote => {
                    let byte = chunk[i];
                    i += 1;
                    if byte == b'"' {
                        self.push(b"\"");
                        self.state = State::Quoted;
                    } else if byte == self.delimiter {
                        self.end_cell();
                        self.state = State::FieldStart;
                    } else if byte == b'\n' || byte == b'\r' {
                        self.end_cell();
                        self.state = State::FieldStart;
                        self.skip_lf = byte == b'\r';
                        return (i, true);
                    } else {
                        // `"a"b`: text after the closing quote is kept, as spreadsheets do.
                        self.push(&chunk[i - 1..i]);
                        self.state = State::Unquoted;
                    }
                }
            }
        }
        (i, false)
    }

    /// The input ended inside this record: close its last cell.
    fn end_of_input(&mut self) {
        if self.state == State::Quoted {
            self.set_problem(RowProblem::UnclosedQuote);
        }
        self.end_cell();
        self.state = State::FieldStart;
    }

    fn push(&mut self, bytes: &[u8]) {
        let room = self.limits.max_cell_bytes.saturating_sub(self.cell_len);
        if bytes.len() > room {
            self.bytes.extend_from_slice(&bytes[..room]);
            self.set_problem(RowProblem::CellTooLarge {
                column: self.cells,
                limit_bytes: self.limits.max_cell_bytes,
            });
        } else {
            self.bytes.extend_from_slice(bytes);
        }
        self.cell_len = self.cell_len.saturating_add(bytes.len());
    }

    fn end_cell(&mut self) {
        if self.ends.len() < self.limits.max_columns {
            self.ends.push(self.bytes.len());
        } else {
            let kept = self.ends.last().copied().unwrap_or(0);
            self.bytes.truncate(kept);
            self.set_problem(RowProblem::TooManyColumns {
                limit: self.limits.max_columns,
            });
        }
        self.cells += 1;
        self.cell_len = 0;
    }

    fn set_problem(&mut self, problem: RowProblem) {
        if self.problem.is_none() {
            self.problem = Some(problem);
        }
    }

    fn finish(&mut self, decoder: &mut TextDecoder) -> Result<SourceRow, FileError> {
        if self.record > self.limits.max_rows {
            return Err(FileError::TooManyRows {
                limit: self.limits.max_rows,
            });
        }
        let mut cells = Vec::with_capacity(self.ends.len());
        let mut start = 0;
        for column in 0..self.ends.len() {
            let end = self.ends[column];
            let text = match decoder.decode(&self.bytes[start..end]) {
                Some(text) => text,
                None => {
                    self.set_problem(RowProblem::InvalidText { column });
                    String::new()
                }
            };
            if self.problem.is_none() && has_control_characters(&text) {
                self.problem = Some(RowProblem::ControlCharacters { column });
            }
            cells.push(text);
            start = end;
        }
        Ok(SourceRow {
            number: self.record,
            cells,
            problem: self.problem.take(),
        })
    }
}

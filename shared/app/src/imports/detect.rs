//! Guessing what a file is from its first bytes: the format (XLSX, old XLS, text), the text
//! encoding and the CSV delimiter. Pure functions over a sample; no I/O.

use super::errors::FileError;
use super::options::{FileFormat, TextEncoding};

/// Bytes looked at to guess the encoding and the delimiter.
pub const SAMPLE_BYTES: usize = 64 * 1024;
/// Lines of the sample compared when guessing the delimiter.
const DELIMITER_LINES: usize = 30;
/// Delimiters we try, the preferred first when the evidence ties: `;` is what Russian Excel
/// writes, and `,` is the decimal separator there.
pub const CANDIDATE_DELIMITERS: [u8; 4] = [b';', b'\t', b',', b'|'];

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The format given by the file's magic bytes.
pub fn sniff_format(sample: &[u8]) -> Result<FileFormat, FileError> {
    if sample.is_empty() {
        return Err(FileError::Empty);
    }
    if sample.starts_with(b"PK\x03\x04") {
        return Ok(FileFormat::Xlsx);
    }
    if sample.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Err(FileError::LegacyExcel);
    }
    Ok(FileFormat::Csv)
}

/// The encoding of a text sample, and how sure we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodingGuess {
    pub encoding: TextEncoding,
    /// The sample is pure ASCII: UTF-8 is assumed, and the first cell that is not valid UTF-8
    /// switches the file to Windows-1251 (both agree on ASCII, so nothing read so far changes).
    pub tentative: bool,
    /// Bytes of byte-order mark to skip.
    pub bom_len: usize,
}

/// Guesses the encoding of a text file from its first bytes. Refuses UTF-16 and binary data.
pub fn detect_encoding(sample: &[u8], is_whole_file: bool) -> Result<EncodingGuess, FileError> {
    if sample.starts_with(b"\xFF\xFE") || sample.starts_with(b"\xFE\xFF") {
        return Err(FileError::Utf16);
    }
    if sample.starts_with(UTF8_BOM) {
        check_text(&sample[UTF8_BOM.len()..])?;
        return Ok(EncodingGuess {
            encoding: TextEncoding::Utf8,
            tentative: false,
            bom_len: UTF8_BOM.len(),
        });
    }
    check_text(sample)?;
    let (multibyte, invalid) = utf8_evidence(sample, is_whole_file);
    // Windows-1251 Cyrillic almost never forms valid UTF-8 sequences, so a sample with more
    // valid multi-byte characters than invalid bytes is UTF-8 with a few stray cells (those
    // rows are refused later), and one with mostly invalid bytes is Windows-1251.
    let valid_utf8 = invalid == 0 || multibyte > invalid;
    let guess = |encoding, tentative| EncodingGuess {
        encoding,
        tentative,
        bom_len: 0,
    };
    Ok(if !valid_utf8 {
        guess(TextEncoding::Windows1251, false)
    } else if sample.is_ascii() {
        guess(TextEncoding::Utf8, true)
    } else {
        guess(TextEncoding::Utf8, false)
    })
}

/// Counts valid multi-byte UTF-8 characters and invalid bytes. A character cut at the end of a
/// partial sample is neither.
fn utf8_evidence(sample: &[u8], is_whole_file: bool) -> (usize, usize) {
    let mut multibyte = 0;
    let mut invalid = 0;
    let mut rest = sample;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                multibyte += text.chars().filter(|c| !c.is_ascii()).count();
                return (multibyte, invalid);
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                multibyte += std::str::from_utf8(valid)
                    .map(|text| text.chars().filter(|c| !c.is_ascii()).count())
                    .unwrap_or(0);
                match e.error_len() {
                    Some(len) => {
                        invalid += len;
                        rest = &after[len..];
                    }
                    None => {
                        if is_whole_file {
                            invalid += after.len();
                        }
                        return (multibyte, invalid);
                    }
                }
            }
        }
    }
}

/// Refuses data that no spreadsheet would save as text: NUL bytes, or many control bytes.
fn check_text(sample: &[u8]) -> Result<(), FileError> {
    if sample.is_empty() {
        return Ok(());
    }
    let mut control = 0usize;
    for &byte in sample {
        if byte == 0 {
            return Err(FileError::NotText);
        }
        if byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r' | 0x0C) {
            control += 1;
        }
    }
    // More than 1 in 100 bytes being control characters is not a table someone typed.
    if control * 100 > sample.len() {
        return Err(FileError::NotText);
    }
    Ok(())
}

/// The delimiter that splits the first lines into the same number of cells most consistently,
/// counting only outside quotes. A file with one column gets `;`.
pub fn detect_delimiter(sample: &[u8], is_whole_file: bool) -> u8 {
    let lines = split_lines(sample, is_whole_file);
    let mut best = (0usize, 0usize, CANDIDATE_DELIMITERS[0]);
    for &candidate in &CANDIDATE_DELIMITERS {
        let counts: Vec<usize> = lines
            .iter()
            .map(|line| count_outside_quotes(line, candidate))
            .collect();
        let Some(mode) = mode_of(&counts) else {
            continue;
        };
        if mode == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == mode).count();
        // More consistent lines win; then more columns (a comma inside numbers splits
        // fewer lines the same way).
        if (consistent, mode) > (best.0, best.1) {
            best = (consistent, mode, candidate);
        }
    }
    best.2
}

/// Up to [`DELIMITER_LINES`] non-blank lines, splitting only on newlines outside quotes. A
/// sample cut short loses its last, possibly partial, line.
fn split_lines(sample: &[u8], is_whole_file: bool) -> Vec<&[u8]> {
    let sample = sample.strip_prefix(UTF8_BOM).unwrap_or(sample);
    let mut lines = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (i, &byte) in sample.iter().enumerate() {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => {
                if i > start {
                    lines.push(&sample[start..i]);
                }
                start = i + 1;
                if lines.len() == DELIMITER_LINES {
                    return lines;
                }
            }
            _ => {}
        }
    }
    if is_whole_file && start < sample.len() {
        lines.push(&sample[start..]);
    }
    if lines.is_empty() && start < sample.len() {
        lines.push(&sample[start..]);
    }
    lines
}

fn count_outside_quotes(line: &[u8], delimiter: u8) -> usize {
    let mut in_quotes = false;
    let mut count = 0;
    for &byte in line {
        if byte == b'"' {
            in_quotes = !in_quotes;
        } else if byte == delimiter && !in_quotes {
            count += 1;
        }
    }
    count
}

/// The most frequent value (the larger one on a tie).
fn mode_of(values: &[usize]) -> Option<usize> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mut best: Option<(usize, usize)> = None;
    for run in sorted.chunk_by(|a, b| a == b) {
        let candidate = (run.len(), run[0]);
        if best.is_none_or(|b| candidate >= b) {
            best = Some(candidate);
        }
    }
    best.map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_magic() {
        assert_eq!(sniff_format(b"PK\x03\x04rest"), Ok(FileFormat::Xlsx));
        assert_eq!(sniff_format(b"a;b\n"), Ok(FileFormat::Csv));
        assert_eq!(sniff_format(b""), Err(FileError::Empty));
        assert_eq!(
            sniff_format(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1..."),
            Err(FileError::LegacyExcel)
        );
    }

    #[test]
    fn encodings() {
        let utf8 = "ЛС;Дата\n".as_bytes();
        let bom = [UTF8_BOM, utf8].concat();
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode("ЛС;Дата\n");
        let guess = |bytes: &[u8]| detect_encoding(bytes, true).unwrap();
        assert_eq!(guess(utf8).encoding, TextEncoding::Utf8);
        assert!(!guess(utf8).tentative);
        assert_eq!(guess(&bom).bom_len, 3);
        assert_eq!(guess(&cp1251).encoding, TextEncoding::Windows1251);
        assert!(guess(b"account;date\n").tentative);
        assert_eq!(detect_encoding(b"\xFF\xFEa\0", true), Err(FileError::Utf16));
        assert_eq!(detect_encoding(b"abc\0def", true), Err(FileError::NotText));
        let garbage: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 32) as u8).collect();
        assert_eq!(detect_encoding(&garbage, true), Err(FileError::NotText));
        // A sample cut in the middle of "Я" is still UTF-8 when more follows.
        let cut = &"ЯЯ".as_bytes()[..3];
        assert_eq!(
            detect_encoding(cut, false).unwrap().encoding,
            TextEncoding::Utf8
        );
        assert_eq!(
            detect_encoding(cut, true).unwrap().encoding,
            TextEncoding::Windows1251
        );
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter(b"a;b;c\n1;2,5;3\n4;5;6\n", true), b';');
        assert_eq!(detect_delimiter(b"a,b,c\n1,2,3\n", true), b',');
        assert_eq!(detect_delimiter(b"a\tb\n1\t2\n", true), b'\t');
        // Separators inside quotes do not count, even across a line break.
        assert_eq!(
            detect_delimiter(b"a;b\n\"x,y,z\n,w\";2\n\"q,,\";3\n", true),
            b';'
        );
        // Decimal commas in a semicolon file.
        assert_eq!(
            detect_delimiter(b"ls;value\n1;12,5\n2;3,75\n3;4\n", true),
            b';'
        );
        assert_eq!(detect_delimiter(b"single\ncolumn\n", true), b';');
        // A truncated last line is ignored.
        assert_eq!(detect_delimiter(b"a,b\n1,2\n3,4\n5;6;7;8", false), b',');
    }
}

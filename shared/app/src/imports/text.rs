//! Turning a CSV cell's bytes into text in the file's encoding.
//!
//! The CSV parser splits bytes (every delimiter, quote and line break is ASCII, and both
//! encodings we read agree on ASCII), and each cell is decoded on its own. A file whose first
//! 64 KiB are pure ASCII starts as "UTF-8, tentatively"; the first cell that is not valid UTF-8
//! switches it to Windows-1251 for good. Nothing read before changes meaning, since it was ASCII.

use super::options::TextEncoding;

#[derive(Clone, Debug)]
pub struct TextDecoder {
    encoding: TextEncoding,
    /// Only ASCII seen so far and the encoding was not given: Windows-1251 is still possible.
    tentative: bool,
}

impl TextDecoder {
    pub fn new(encoding: TextEncoding, tentative: bool) -> Self {
        Self {
            encoding,
            tentative,
        }
    }

    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// The cell's text, or `None` when it is not valid in the file's (settled) encoding.
    pub fn decode(&mut self, bytes: &[u8]) -> Option<String> {
        match self.encoding {
            TextEncoding::Windows1251 => Some(windows_1251(bytes)),
            TextEncoding::Utf8 => match std::str::from_utf8(bytes) {
                Ok(text) => {
                    if self.tentative && !text.is_ascii() {
                        self.tentative = false;
                    }
                    Some(text.to_owned())
                }
                Err(_) if self.tentative => {
                    self.encoding = TextEncoding::Windows1251;
                    self.tentative = false;
                    Some(windows_1251(bytes))
                }
                Err(_) => None,
            },
        }
    }
}

fn windows_1251(bytes: &[u8]) -> String {
    encoding_rs::WINDOWS_1251
        .decode_without_bom_handling(bytes)
        .0
        .into_owned()
}

/// Whether text holds control characters no one types into a cell (binary data pasted in).
pub fn has_control_characters(text: &str) -> bool {
    text.bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp1251(text: &str) -> Vec<u8> {
        encoding_rs::WINDOWS_1251.encode(text).0.into_owned()
    }

    #[test]
    fn tentative_utf8_switches_once_on_the_first_non_utf8_cell() {
        let mut decoder = TextDecoder::new(TextEncoding::Utf8, true);
        assert_eq!(decoder.decode(b"abc").as_deref(), Some("abc"));
        assert_eq!(decoder.decode(&cp1251("Ёлка")).as_deref(), Some("Ёлка"));
        assert_eq!(decoder.encoding(), TextEncoding::Windows1251);
        // Once settled on Windows-1251, UTF-8 bytes read as Windows-1251 (mojibake, not a
        // crash): the encoding is per file.
        assert_eq!(decoder.decode("Я".as_bytes()).as_deref(), Some("РЇ"));
    }

    #[test]
    fn confirmed_utf8_refuses_stray_bytes() {
        let mut decoder = TextDecoder::new(TextEncoding::Utf8, true);
        assert_eq!(decoder.decode("Ёлка".as_bytes()).as_deref(), Some("Ёлка"));
        assert_eq!(decoder.decode(&cp1251("Ёлка")), None);
        assert_eq!(decoder.encoding(), TextEncoding::Utf8);
    }

    #[test]
    fn control_characters() {
        assert!(!has_control_characters("a\tb\r\nc"));
        assert!(has_control_characters("a\u{0}b"));
        assert!(has_control_characters("\u{1b}[0m"));
    }
}

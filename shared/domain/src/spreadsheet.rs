//! Writing cells that spreadsheets open safely: text that starts like a formula is neutralised
//! (OWASP "CSV injection"), and CSV is written the way Russian Excel reads it without an import
//! dialog: UTF-8 with a byte-order mark, `;` between fields, CRLF between records.

use std::borrow::Cow;

/// The UTF-8 byte-order mark Excel needs to read a CSV file as UTF-8.
pub const UTF8_BOM: &str = "\u{feff}";
pub const CSV_SEPARATOR: char = ';';

/// Whether a spreadsheet could take `text` for a formula: it starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return.
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// `text` with a leading `'` when it could be taken for a formula, so the spreadsheet shows it
/// as text instead of running it.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if looks_like_formula(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// One CSV field: neutralised, then quoted when it holds the separator, a quote or a line
/// break (quotes doubled).
pub fn csv_field(text: &str) -> String {
    let text = neutralise(text);
    if text.contains([CSV_SEPARATOR, '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.into_owned()
    }
}

/// One CSV record with its CRLF.
pub fn csv_record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(";");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        for bad in ["=1+1", "+7912", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(bad).starts_with('\''), "{bad:?}");
        }
        for good in ["Иванов", "1=1", "", " =x", "'quoted"] {
            assert_eq!(neutralise(good), good);
        }
    }

    #[test]
    fn records_quote_what_needs_quoting() {
        assert_eq!(
            csv_record(&[
                "ЛС-1",
                "Иванов; Пётр",
                "он сказал \"да\"",
                "=HYPERLINK(\"x\")"
            ]),
            "ЛС-1;\"Иванов; Пётр\";\"он сказал \"\"да\"\"\";\"'=HYPERLINK(\"\"x\"\")\"\r\n"
        );
        assert_eq!(csv_record(&["a\nb"]), "\"a\nb\"\r\n");
        assert_eq!(csv_record::<&str>(&[]), "\r\n");
    }
}

//! CSV as Russian Excel opens it: UTF-8 with a byte-order mark, `;` between cells, CRLF line
//! ends, RFC 4180 quoting. Cells that a spreadsheet would run as a formula (starting with `=`,
//! `+`, `-`, `@`, a tab or a carriage return) get a leading `'`, so an exported value can never
//! execute on the reader's machine.

use std::borrow::Cow;

/// Written once, before the first row, so Excel reads the file as UTF-8.
pub const BOM: &str = "\u{feff}";
pub const SEPARATOR: char = ';';
pub const LINE_END: &str = "\r\n";

/// One cell, neutralised and quoted as needed.
pub fn cell(text: &str) -> Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = text.contains([SEPARATOR, '"', '\n', '\r']);
    if !risky && !quoted {
        return Cow::Borrowed(text);
    }
    let text: Cow<'_, str> = if risky {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    };
    if quoted {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        text
    }
}

/// One line: the cells joined by `;`, ending in CRLF.
pub fn row<I, S>(cells: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut line = String::new();
    for (i, text) in cells.into_iter().enumerate() {
        if i > 0 {
            line.push(SEPARATOR);
        }
        line.push_str(&cell(text.as_ref()));
    }
    line.push_str(LINE_END);
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_rfc_4180() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("Кириллица, запятая"), "Кириллица, запятая");
        assert_eq!(row(["a", "b;c", ""]), "a;\"b;c\";\r\n");
    }

    #[test]
    fn formulas_are_neutralised() {
        for risky in ["=1+1", "+7 912", "-5", "@SUM(A1)", "\tx", "\rx"] {
            assert!(
                cell(risky).starts_with('\'') || cell(risky).starts_with("\"'"),
                "{risky}"
            );
        }
        assert_eq!(
            cell("=HYPERLINK(\"x\";\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\";\"\"y\"\")\""
        );
        assert_eq!(cell("a=b"), "a=b");
    }
}

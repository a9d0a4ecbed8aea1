//! The pattern of a tenant's invoice numbers: an optional prefix, an optional year and a
//! zero-padded counter, joined by `-`: `ЖКХ-2026-000123`. Numbering is sequential per tenant
//! without gaps (DOMAIN.md, Invoices); the counter itself lives with the invoices, this is only
//! its written form and where it starts.

use serde::{Deserialize, Serialize};

/// How invoice numbers are written. Build it with [`InvoiceNumbering::new`], which checks
/// every part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "InvoiceNumberingFields")]
pub struct InvoiceNumbering {
    prefix: String,
    include_year: bool,
    counter_width: u8,
    start_value: u64,
}

#[derive(Deserialize)]
struct InvoiceNumberingFields {
    prefix: String,
    include_year: bool,
    counter_width: u8,
    start_value: u64,
}

impl TryFrom<InvoiceNumberingFields> for InvoiceNumbering {
    type Error = InvoiceNumberingError;
    fn try_from(f: InvoiceNumberingFields) -> Result<Self, Self::Error> {
        Self::new(&f.prefix, f.include_year, f.counter_width, f.start_value)
            .map_err(|mut errors| errors.remove(0))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceNumberingError {
    #[error("the prefix has at most {max} characters")]
    PrefixTooLong { max: usize },
    #[error("the prefix may contain only letters, digits, '-' and '/'")]
    PrefixBadCharacter,
    #[error("the counter has {min} to {max} digits")]
    WidthOutOfRange { min: u8, max: u8 },
    #[error("numbering starts at 1 or above")]
    StartBelowOne,
}

impl InvoiceNumberingError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::PrefixTooLong { .. } => "prefix_too_long",
            Self::PrefixBadCharacter => "prefix_bad_character",
            Self::WidthOutOfRange { .. } => "counter_width_range",
            Self::StartBelowOne => "start_value_below_one",
        }
    }

    pub fn field(&self) -> &'static str {
        match self {
            Self::PrefixTooLong { .. } | Self::PrefixBadCharacter => "prefix",
            Self::WidthOutOfRange { .. } => "counter_width",
            Self::StartBelowOne => "start_value",
        }
    }
}

impl Default for InvoiceNumbering {
    /// `2026-000001`: the year and a six-digit counter from 1.
    fn default() -> Self {
        Self {
            prefix: String::new(),
            include_year: true,
            counter_width: 6,
            start_value: 1,
        }
    }
}

impl InvoiceNumbering {
    pub const PREFIX_MAX_CHARS: usize = 10;
    pub const WIDTH_MIN: u8 = 1;
    pub const WIDTH_MAX: u8 = 10;

    /// Every problem at once, so a form can mark each field.
    pub fn new(
        prefix: &str,
        include_year: bool,
        counter_width: u8,
        start_value: u64,
    ) -> Result<Self, Vec<InvoiceNumberingError>> {
        let prefix = prefix.trim();
        let mut errors = Vec::new();
        if prefix.chars().count() > Self::PREFIX_MAX_CHARS {
            errors.push(InvoiceNumberingError::PrefixTooLong {
                max: Self::PREFIX_MAX_CHARS,
            });
        } else if !prefix
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '/')
        {
            errors.push(InvoiceNumberingError::PrefixBadCharacter);
        }
        if !(Self::WIDTH_MIN..=Self::WIDTH_MAX).contains(&counter_width) {
            errors.push(InvoiceNumberingError::WidthOutOfRange {
                min: Self::WIDTH_MIN,
                max: Self::WIDTH_MAX,
            });
        }
        if start_value < 1 {
            errors.push(InvoiceNumberingError::StartBelowOne);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            prefix: prefix.to_owned(),
            include_year,
            counter_width,
            start_value,
        })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn include_year(&self) -> bool {
        self.include_year
    }

    pub fn counter_width(&self) -> u8 {
        self.counter_width
    }

    pub fn start_value(&self) -> u64 {
        self.start_value
    }

    /// The number of invoice `counter` issued in `year`. A counter wider than the width is
    /// written in full, never cut.
    pub fn format(&self, year: i32, counter: u64) -> String {
        let mut number = String::new();
        if !self.prefix.is_empty() {
            number.push_str(&self.prefix);
            // A prefix ending in its own separator (`A/`, `B-`) needs no other.
            if !self.prefix.ends_with(['-', '/']) {
                number.push('-');
            }
        }
        if self.include_year {
            number.push_str(&format!("{year}-"));
        }
        let width = usize::from(self.counter_width);
        number.push_str(&format!("{counter:0width$}"));
        number
    }

    /// The first number of `year`, as the settings page previews it.
    pub fn preview(&self, year: i32) -> String {
        self.format(year, self.start_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_example() {
        let n = InvoiceNumbering::new("ЖКХ", true, 6, 1).unwrap();
        assert_eq!(n.format(2026, 123), "ЖКХ-2026-000123");
        let n = InvoiceNumbering::new("", true, 6, 1).unwrap();
        assert_eq!(n.format(2026, 1), "2026-000001");
        let n = InvoiceNumbering::new("СЧ", false, 4, 1).unwrap();
        assert_eq!(n.format(2026, 7), "СЧ-0007");
        let n = InvoiceNumbering::new("", false, 1, 1).unwrap();
        assert_eq!(n.format(2026, 12345), "12345", "never cut");
        let n = InvoiceNumbering::new("A/", true, 3, 1).unwrap();
        assert_eq!(n.format(2026, 5), "A/2026-005");
        let n = InvoiceNumbering::new("B-", false, 3, 1).unwrap();
        assert_eq!(n.format(2026, 5), "B-005");
        assert_eq!(
            InvoiceNumbering::new("Q", true, 6, 500)
                .unwrap()
                .preview(2027),
            "Q-2027-000500"
        );
    }

    #[test]
    fn every_bad_part_is_reported() {
        assert_eq!(
            InvoiceNumbering::new("ABCDEFGHIJK", true, 0, 0),
            Err(vec![
                InvoiceNumberingError::PrefixTooLong { max: 10 },
                InvoiceNumberingError::WidthOutOfRange { min: 1, max: 10 },
                InvoiceNumberingError::StartBelowOne,
            ])
        );
        assert_eq!(
            InvoiceNumbering::new("A B", true, 11, 1),
            Err(vec![
                InvoiceNumberingError::PrefixBadCharacter,
                InvoiceNumberingError::WidthOutOfRange { min: 1, max: 10 },
            ])
        );
        assert!(InvoiceNumbering::new("A#", true, 6, 1).is_err());
        assert!(InvoiceNumbering::new("ЖКХ-10/", true, 10, 1).is_ok());
    }

    #[test]
    fn deserialising_validates() {
        let ok = r#"{"prefix":"ЖКХ","include_year":true,"counter_width":6,"start_value":1}"#;
        assert!(serde_json::from_str::<InvoiceNumbering>(ok).is_ok());
        let bad = r#"{"prefix":"ЖКХ","include_year":true,"counter_width":60,"start_value":1}"#;
        assert!(serde_json::from_str::<InvoiceNumbering>(bad).is_err());
    }
}

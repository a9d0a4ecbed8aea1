//! Account numbers: typed in, or generated from the tenant's pattern.

use serde::{Deserialize, Serialize};

use crate::newtype::string_newtype;

/// A personal account number, unique within a tenant: 1 to 20 characters of digits, Latin or
/// Cyrillic capital letters, `-` and `/`, starting with a letter or digit. Stored upper-case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountNumber(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountNumberError {
    #[error("the account number is empty")]
    Empty,
    #[error("the account number is longer than 20 characters")]
    TooLong,
    #[error(
        "the account number may contain only digits, letters, '-' and '/', starting with a letter or digit"
    )]
    BadCharacter,
}

impl AccountNumberError {
    pub fn code(&self) -> &'static str {
        match self {
            AccountNumberError::Empty => "account_number_empty",
            AccountNumberError::TooLong => "account_number_too_long",
            AccountNumberError::BadCharacter => "account_number_bad_character",
        }
    }
}

impl AccountNumber {
    pub const MAX_LEN: usize = 20;

    pub fn parse(raw: &str) -> Result<Self, AccountNumberError> {
        let value = raw.trim().to_uppercase();
        if value.is_empty() {
            return Err(AccountNumberError::Empty);
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(AccountNumberError::TooLong);
        }
        let allowed = |c: char| {
            c.is_ascii_alphanumeric()
                || ('А'..='Я').contains(&c)
                || c == 'Ё'
                || c == '-'
                || c == '/'
        };
        let starts_well = value.chars().next().is_some_and(|c| c != '-' && c != '/');
        if !value.chars().all(allowed) || !starts_well {
            return Err(AccountNumberError::BadCharacter);
        }
        Ok(Self(value))
    }
}

string_newtype!(AccountNumber, AccountNumberError);

/// How a tenant numbers new accounts: a prefix and a zero-padded counter (`ЛС-000123`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountNumberPattern {
    pub prefix: String,
    pub width: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("the counter width must be 1..=12")]
    Width,
    #[error("numbers from this pattern would not be valid account numbers: {0}")]
    Invalid(AccountNumberError),
}

impl AccountNumberPattern {
    pub fn new(prefix: &str, width: u32) -> Result<Self, PatternError> {
        if !(1..=12).contains(&width) {
            return Err(PatternError::Width);
        }
        let pattern = Self {
            prefix: prefix.trim().to_uppercase(),
            width,
        };
        // The longest number it can make must still be valid.
        let widest = format!("{}{}", pattern.prefix, "9".repeat(width as usize));
        AccountNumber::parse(&widest).map_err(PatternError::Invalid)?;
        Ok(pattern)
    }

    /// The number for counter value `n`; `None` once `n` no longer fits the width.
    pub fn format(&self, n: u64) -> Option<AccountNumber> {
        let digits = n.to_string();
        if digits.len() > self.width as usize {
            return None;
        }
        AccountNumber::parse(&format!(
            "{}{:0>width$}",
            self.prefix,
            digits,
            width = self.width as usize
        ))
        .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(
            AccountNumber::parse(" 1234-5/a ").unwrap().as_str(),
            "1234-5/A"
        );
        assert_eq!(AccountNumber::parse("лс42").unwrap().as_str(), "ЛС42");
        assert_eq!(AccountNumber::parse(""), Err(AccountNumberError::Empty));
        assert_eq!(
            AccountNumber::parse(&"1".repeat(21)),
            Err(AccountNumberError::TooLong)
        );
        for bad in ["-12", "12 34", "12#3", "=1+1", "12.3"] {
            assert_eq!(
                AccountNumber::parse(bad),
                Err(AccountNumberError::BadCharacter),
                "{bad}"
            );
        }
    }

    #[test]
    fn patterns() {
        let pattern = AccountNumberPattern::new("лс-", 6).unwrap();
        assert_eq!(pattern.format(123).unwrap().as_str(), "ЛС-000123");
        assert_eq!(pattern.format(1_000_000), None);
        assert!(matches!(
            AccountNumberPattern::new("ЛС", 0),
            Err(PatternError::Width)
        ));
        assert!(matches!(
            AccountNumberPattern::new("ОЧЕНЬ-ДЛИННЫЙ-", 10),
            Err(PatternError::Invalid(_))
        ));
    }
}

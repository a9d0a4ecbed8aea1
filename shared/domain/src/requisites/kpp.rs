//! КПП, the tax registration reason code of an organisation.

use serde::{Deserialize, Serialize};

use crate::newtype::string_newtype;

/// КПП: 9 characters `NNNNPPXXX`: `NNNN` the tax office code (digits), `PP` the reason for
/// registration (digits or capital Latin letters A-Z), `XXX` a serial number (digits).
/// It has no check digit.
///
/// Source: FNS order ММВ-7-6/435@ of 2012-06-29, which governs ИНН and КПП; the structure as
/// restated by <https://dzen.ru/a/ZNo2-2GWijJknQGK> and, with letters in `PP`, by
/// rin-nas/postgresql-patterns-library `functions/is/is_kpp.sql`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Kpp(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KppError {
    #[error("a KPP has 9 characters, not {len}")]
    WrongLength { len: usize },
    #[error("the first 4 characters of a KPP (the tax office code) must be digits")]
    BadTaxOfficeCode,
    #[error(
        "characters 5-6 of a KPP (the registration reason) must be digits or capital Latin letters A-Z"
    )]
    BadReasonCode,
    #[error("the last 3 characters of a KPP (the serial number) must be digits")]
    BadSerialNumber,
    #[error("a KPP of all zeros is a placeholder, not a real code")]
    AllZeros,
}

impl KppError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongLength { .. } => "kpp_length",
            Self::BadTaxOfficeCode => "kpp_tax_office",
            Self::BadReasonCode => "kpp_reason",
            Self::BadSerialNumber => "kpp_serial",
            Self::AllZeros => "kpp_all_zeros",
        }
    }
}

impl Kpp {
    pub fn parse(raw: &str) -> Result<Self, KppError> {
        let kpp = raw.trim();
        let chars: Vec<char> = kpp.chars().collect();
        if chars.len() != 9 {
            return Err(KppError::WrongLength { len: chars.len() });
        }
        if !chars[..4].iter().all(char::is_ascii_digit) {
            return Err(KppError::BadTaxOfficeCode);
        }
        let reason_char = |c: &char| c.is_ascii_digit() || c.is_ascii_uppercase();
        if !chars[4..6].iter().all(reason_char) {
            return Err(KppError::BadReasonCode);
        }
        if !chars[6..].iter().all(char::is_ascii_digit) {
            return Err(KppError::BadSerialNumber);
        }
        if kpp.bytes().all(|b| b == b'0') {
            return Err(KppError::AllZeros);
        }
        Ok(Self(kpp.to_owned()))
    }

    /// The tax office (ИФНС) where the organisation is registered on this ground.
    pub fn tax_office_code(&self) -> &str {
        &self.0[..4]
    }

    /// The reason for registration: `01` at the organisation's location, `43` a branch, ...
    pub fn reason_code(&self) -> &str {
        &self.0[4..6]
    }
}

string_newtype!(Kpp, KppError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_and_lettered_codes() {
        // Sberbank's; the others are synthetic (a KPP has no check digit to get wrong).
        for ok in ["773601001", "770401001", "7736AB001", "77360Z001"] {
            assert_eq!(Kpp::parse(ok).unwrap().as_str(), ok);
        }
        let kpp = Kpp::parse("  773601001\t").unwrap();
        assert_eq!(kpp.as_str(), "773601001");
        assert_eq!(kpp.tax_office_code(), "7736");
        assert_eq!(kpp.reason_code(), "01");
    }

    #[test]
    fn refuses_with_a_precise_reason() {
        assert_eq!(Kpp::parse(""), Err(KppError::WrongLength { len: 0 }));
        assert_eq!(
            Kpp::parse("77360100"),
            Err(KppError::WrongLength { len: 8 })
        );
        assert_eq!(
            Kpp::parse("7736 01001"),
            Err(KppError::WrongLength { len: 10 })
        );
        assert_eq!(Kpp::parse("77A601001"), Err(KppError::BadTaxOfficeCode));
        assert_eq!(Kpp::parse("7736ab001"), Err(KppError::BadReasonCode));
        // Cyrillic capital А looks like Latin A but is not allowed.
        assert_eq!(Kpp::parse("7736АБ001"), Err(KppError::BadReasonCode));
        assert_eq!(Kpp::parse("7736-1001"), Err(KppError::BadReasonCode));
        assert_eq!(Kpp::parse("77360100A"), Err(KppError::BadSerialNumber));
        assert_eq!(Kpp::parse("000000000"), Err(KppError::AllZeros));
        assert_eq!(KppError::BadReasonCode.code(), "kpp_reason");
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<Kpp>("\"773601001\"").is_ok());
        assert!(serde_json::from_str::<Kpp>("\"77360100\"").is_err());
    }
}

//! ОГРН and ОГРНИП, the primary state registration numbers of organisations and individual
//! entrepreneurs.
//!
//! Check digit: the number formed by all digits but the last, mod 11 (ОГРН) or mod 13
//! (ОГРНИП), mod 10. The first digit tells the record kind: 1 or 5 for an ОГРН, 3 for an
//! ОГРНИП; 2, 4, 6-9 mark numbers of later register entries (ГРН), easily copied from a register
//! extract by mistake. Both rules as restated at
//! <https://skinfoodrussia.ru/en/cash-transactions/ogrn-rasshifrovka-abbreviatury-nomer-gosudarstvennoi-registracii-chto-takoe.html>
//! and <https://kontragent.info/calcs/ogrn>.
//!
//! What the check catches: a wrong check digit always. A single wrong digit elsewhere changes
//! the number by `δ·10^k`, never a multiple of 11 or 13 (both prime, `0 < |δ| < 10`), so the
//! remainder always changes, but the final `mod 10` hides it when the remainder moves between
//! 0 and 10 (ОГРН) or between r and r + 10 (ОГРНИП: 0/10, 1/11, 2/12).

use serde::{Deserialize, Serialize};

use super::{DigitsShape, as_number, digits};
use crate::newtype::string_newtype;

/// ОГРН: 13 digits, the primary registration number of an organisation in ЕГРЮЛ.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ogrn(String);

/// ОГРНИП: 15 digits, the primary registration number of an individual entrepreneur in ЕГРИП.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ogrnip(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OgrnError {
    #[error("an OGRN may contain only digits")]
    NotDigits,
    #[error("an OGRN has 13 digits, not {len}")]
    WrongLength { len: usize },
    #[error("the OGRN check digit does not match: the number contains a typo")]
    ChecksumMismatch,
    #[error(
        "an OGRN starts with 1 or 5, not {first_digit}; numbers starting with 2 or 6-9 belong to later register entries (GRN)"
    )]
    NotPrimaryNumber { first_digit: u8 },
}

impl OgrnError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDigits => "ogrn_not_digits",
            Self::WrongLength { .. } => "ogrn_length",
            Self::ChecksumMismatch => "ogrn_checksum",
            Self::NotPrimaryNumber { .. } => "ogrn_not_primary",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OgrnipError {
    #[error("an OGRNIP may contain only digits")]
    NotDigits,
    #[error("an OGRNIP has 15 digits, not {len}")]
    WrongLength { len: usize },
    #[error("the OGRNIP check digit does not match: the number contains a typo")]
    ChecksumMismatch,
    #[error(
        "an OGRNIP starts with 3, not {first_digit}; numbers starting with 4 belong to later register entries (GRNIP)"
    )]
    NotPrimaryNumber { first_digit: u8 },
}

impl OgrnipError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDigits => "ogrnip_not_digits",
            Self::WrongLength { .. } => "ogrnip_length",
            Self::ChecksumMismatch => "ogrnip_checksum",
            Self::NotPrimaryNumber { .. } => "ogrnip_not_primary",
        }
    }
}

/// `(number without its last digit) mod modulus mod 10`.
fn check_digit(body: &[u8], modulus: u64) -> u8 {
    (as_number(body) % modulus % 10) as u8
}

impl Ogrn {
    pub fn parse(raw: &str) -> Result<Self, OgrnError> {
        let ogrn = raw.trim();
        let d = digits::<13>(ogrn).map_err(|e| match e {
            DigitsShape::NotDigits => OgrnError::NotDigits,
            DigitsShape::WrongLength { len } => OgrnError::WrongLength { len },
        })?;
        // The checksum first: a typo in the first digit is a typo, not a ГРН.
        if check_digit(&d[..12], 11) != d[12] {
            return Err(OgrnError::ChecksumMismatch);
        }
        if !matches!(d[0], 1 | 5) {
            return Err(OgrnError::NotPrimaryNumber { first_digit: d[0] });
        }
        Ok(Self(ogrn.to_owned()))
    }
}

impl Ogrnip {
    pub fn parse(raw: &str) -> Result<Self, OgrnipError> {
        let ogrnip = raw.trim();
        let d = digits::<15>(ogrnip).map_err(|e| match e {
            DigitsShape::NotDigits => OgrnipError::NotDigits,
            DigitsShape::WrongLength { len } => OgrnipError::WrongLength { len },
        })?;
        if check_digit(&d[..14], 13) != d[14] {
            return Err(OgrnipError::ChecksumMismatch);
        }
        if d[0] != 3 {
            return Err(OgrnipError::NotPrimaryNumber { first_digit: d[0] });
        }
        Ok(Self(ogrnip.to_owned()))
    }
}

string_newtype!(Ogrn, OgrnError);
string_newtype!(Ogrnip, OgrnipError);

/// The registration number a party shows on documents: ОГРН for an organisation, ОГРНИП for
/// an individual entrepreneur, told apart by length.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum RegistrationNumber {
    Organisation(Ogrn),
    Entrepreneur(Ogrnip),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationNumberError {
    #[error("a registration number may contain only digits")]
    NotDigits,
    #[error("a registration number has 13 digits (OGRN) or 15 (OGRNIP), not {len}")]
    WrongLength { len: usize },
    #[error(transparent)]
    Ogrn(OgrnError),
    #[error(transparent)]
    Ogrnip(OgrnipError),
}

impl RegistrationNumberError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDigits => "registration_number_not_digits",
            Self::WrongLength { .. } => "registration_number_length",
            Self::Ogrn(e) => e.code(),
            Self::Ogrnip(e) => e.code(),
        }
    }
}

impl RegistrationNumber {
    pub fn parse(raw: &str) -> Result<Self, RegistrationNumberError> {
        let number = raw.trim();
        if !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegistrationNumberError::NotDigits);
        }
        match number.len() {
            13 => Ogrn::parse(number)
                .map(Self::Organisation)
                .map_err(RegistrationNumberError::Ogrn),
            15 => Ogrnip::parse(number)
                .map(Self::Entrepreneur)
                .map_err(RegistrationNumberError::Ogrnip),
            len => Err(RegistrationNumberError::WrongLength { len }),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Organisation(n) => n.as_str(),
            Self::Entrepreneur(n) => n.as_str(),
        }
    }
}

impl TryFrom<String> for RegistrationNumber {
    type Error = RegistrationNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RegistrationNumber> for String {
    fn from(value: RegistrationNumber) -> Self {
        match value {
            RegistrationNumber::Organisation(n) => n.into(),
            RegistrationNumber::Entrepreneur(n) => n.into(),
        }
    }
}

impl std::fmt::Display for RegistrationNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn text(d: &[u8]) -> String {
        d.iter().map(|x| char::from(b'0' + x)).collect()
    }

    /// `body` completed with its check digit by long division over the decimal digits, a
    /// second implementation that never forms the whole number.
    fn complete(body: &[u8], modulus: u32) -> Vec<u8> {
        let r = body
            .iter()
            .fold(0u32, |r, &d| (r * 10 + u32::from(d)) % modulus);
        let mut d = body.to_vec();
        d.push((r % 10) as u8);
        d
    }

    #[test]
    fn accepts_real_organisations() {
        // Sberbank: 102770013219 = 11·9342728474 + 5, check digit 5.
        assert_eq!(
            complete(&[1, 0, 2, 7, 7, 0, 0, 1, 3, 2, 1, 9], 11).last(),
            Some(&5)
        );
        // Sberbank, Yandex, Pension Fund of Russia (ПФР): public registry data.
        for ok in ["1027700132195", "1027700229193", "1027700220624"] {
            assert_eq!(Ogrn::parse(ok).unwrap().as_str(), ok);
        }
        // Worked examples published by kontragent.info and elmin.ru.
        assert!(Ogrn::parse("1037739010891").is_ok());
        assert!(Ogrn::parse("1117746358608").is_ok());
    }

    #[test]
    fn accepts_the_published_ogrnip_example() {
        // 30450011600015 = 13·2342308584616 + 7, check digit 7.
        assert_eq!(
            Ogrnip::parse("304500116000157").unwrap().as_str(),
            "304500116000157"
        );
        assert_eq!(
            complete(&[3, 0, 4, 5, 0, 0, 1, 1, 6, 0, 0, 0, 1, 5], 13).last(),
            Some(&7)
        );
    }

    #[test]
    fn refuses_with_a_precise_reason() {
        assert_eq!(
            Ogrn::parse("1027700132196"),
            Err(OgrnError::ChecksumMismatch)
        );
        assert_eq!(
            Ogrn::parse("1027700132"),
            Err(OgrnError::WrongLength { len: 10 })
        );
        assert_eq!(Ogrn::parse("102770013219O"), Err(OgrnError::NotDigits));
        assert_eq!(Ogrn::parse(""), Err(OgrnError::WrongLength { len: 0 }));
        // A ГРН of a later entry: valid checksum, wrong first digit. 202770013219 mod 11 = 4.
        assert_eq!(
            Ogrn::parse("2027700132194"),
            Err(OgrnError::NotPrimaryNumber { first_digit: 2 })
        );
        assert_eq!(
            Ogrn::parse("0000000000000").unwrap_err().code(),
            "ogrn_not_primary"
        );
        assert_eq!(
            Ogrnip::parse("304500116000158"),
            Err(OgrnipError::ChecksumMismatch)
        );
        assert_eq!(
            Ogrnip::parse("30450011600015"),
            Err(OgrnipError::WrongLength { len: 14 })
        );
        // 40450011600015 = 13·3111539353847 + 4: a valid ГРНИП, not an ОГРНИП.
        assert_eq!(
            Ogrnip::parse("404500116000154"),
            Err(OgrnipError::NotPrimaryNumber { first_digit: 4 })
        );
    }

    #[test]
    fn registration_number_picks_the_kind_by_length() {
        assert!(matches!(
            RegistrationNumber::parse(" 1027700132195 "),
            Ok(RegistrationNumber::Organisation(_))
        ));
        let ip = RegistrationNumber::parse("304500116000157").unwrap();
        assert!(matches!(ip, RegistrationNumber::Entrepreneur(_)));
        assert_eq!(ip.to_string(), "304500116000157");
        assert_eq!(
            RegistrationNumber::parse(""),
            Err(RegistrationNumberError::WrongLength { len: 0 })
        );
        assert_eq!(
            RegistrationNumber::parse("12345678901234"),
            Err(RegistrationNumberError::WrongLength { len: 14 })
        );
        assert_eq!(
            RegistrationNumber::parse("1027700132196")
                .unwrap_err()
                .code(),
            "ogrn_checksum"
        );
        assert_eq!(
            RegistrationNumber::parse("30450011600015x"),
            Err(RegistrationNumberError::NotDigits)
        );
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<Ogrn>("\"1027700132195\"").is_ok());
        assert!(serde_json::from_str::<Ogrn>("\"1027700132196\"").is_err());
        assert!(serde_json::from_str::<Ogrnip>("\"304500116000157\"").is_ok());
        let n: RegistrationNumber = serde_json::from_str("\"304500116000157\"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"304500116000157\"");
        assert!(serde_json::from_str::<RegistrationNumber>("\"304500116000158\"").is_err());
    }

    fn body(first: &'static [u8], len: usize) -> impl Strategy<Value = Vec<u8>> {
        (
            proptest::sample::select(first),
            proptest::collection::vec(0..=9u8, len - 1),
        )
            .prop_map(|(f, mut rest)| {
                rest.insert(0, f);
                rest
            })
    }

    fn remainder(body: &[u8], modulus: u32) -> u32 {
        body.iter()
            .fold(0u32, |r, &d| (r * 10 + u32::from(d)) % modulus)
    }

    /// Changes one digit of a valid number and returns the changed number and whether the
    /// change is one the check cannot see (the remainder moved by a multiple of 10).
    fn change(valid: &[u8], pos: usize, shift: u8, modulus: u32) -> (Vec<u8>, bool) {
        let pos = pos % valid.len();
        let mut changed = valid.to_vec();
        changed[pos] = (valid[pos] + shift) % 10;
        let last = valid.len() - 1;
        if pos == last {
            return (changed, false);
        }
        let before = remainder(&valid[..last], modulus);
        let after = remainder(&changed[..last], modulus);
        assert_ne!(before, after, "the remainder always sees a single change");
        (changed, before % 10 == after % 10)
    }

    proptest! {
        #[test]
        fn ogrn_single_digit_changes_are_caught_unless_the_remainder_collides(
            b in body(&[1, 5], 12), pos in 0usize..13, shift in 1u8..10,
        ) {
            let valid = complete(&b, 11);
            prop_assert!(Ogrn::parse(&text(&valid)).is_ok());
            let (changed, hidden) = change(&valid, pos, shift, 11);
            let result = Ogrn::parse(&text(&changed));
            if hidden && matches!(changed[0], 1 | 5) {
                prop_assert!(result.is_ok());
            } else {
                prop_assert!(result.is_err());
            }
        }

        #[test]
        fn ogrnip_single_digit_changes_are_caught_unless_the_remainder_collides(
            b in body(&[3], 14), pos in 0usize..15, shift in 1u8..10,
        ) {
            let valid = complete(&b, 13);
            prop_assert!(Ogrnip::parse(&text(&valid)).is_ok());
            let (changed, hidden) = change(&valid, pos, shift, 13);
            let result = Ogrnip::parse(&text(&changed));
            if hidden && changed[0] == 3 {
                prop_assert!(result.is_ok());
            } else {
                prop_assert!(result.is_err());
            }
        }
    }
}

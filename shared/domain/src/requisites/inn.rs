//! ИНН, the taxpayer identification number.

use serde::{Deserialize, Serialize};

use super::{DigitsShape, digits, mod11_check_digit};
use crate::newtype::string_newtype;

/// ИНН: 10 digits for an organisation, 12 for an individual (including an ИП), ending in check
/// digits.
///
/// ИНН are assigned under FNS order ММВ-7-6/435@ of 2012-06-29; the check digit rule is the
/// one published by Russian references and validators alike, e.g.
/// <https://logachev.pro/programmirovanie/proverka-inn-po-kontrolnoy-summe-php-javascript/> and
/// <https://zapolnenie.info/algoritm-proverki-inn/>: `(Σ digit × weight) mod 11 mod 10`, with weights 2,4,10,3,5,9,4,6,8 over the first 9 digits
/// of a 10-digit ИНН; for 12 digits, 7,2,4,10,3,5,9,4,6,8 over the first 10 give the 11th digit
/// and 3,7,2,4,10,3,5,9,4,6,8 over the first 11 give the 12th.
///
/// What the check catches: a wrong check digit always; a single wrong digit elsewhere always
/// changes the sum mod 11 (11 is prime and no weight is a multiple of it), but slips through
/// when that remainder moves between 0 and 10, which both give check digit 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Inn(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InnKind {
    /// 10 digits: a Russian or foreign organisation.
    Organisation,
    /// 12 digits: a person, including an individual entrepreneur (ИП).
    Individual,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InnError {
    #[error("an INN may contain only digits")]
    NotDigits,
    #[error("an INN has 10 digits (organisation) or 12 (individual), not {len}")]
    WrongLength { len: usize },
    #[error("an INN of all zeros is a placeholder, not a real number")]
    AllZeros,
    #[error("the INN check digits do not match: the number contains a typo")]
    ChecksumMismatch,
}

impl InnError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDigits => "inn_not_digits",
            Self::WrongLength { .. } => "inn_length",
            Self::AllZeros => "inn_all_zeros",
            Self::ChecksumMismatch => "inn_checksum",
        }
    }
}

const WEIGHTS_10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const WEIGHTS_12_FIRST: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const WEIGHTS_12_SECOND: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

impl Inn {
    pub fn parse(raw: &str) -> Result<Self, InnError> {
        let inn = raw.trim();
        let shape = |e| match e {
            DigitsShape::NotDigits => InnError::NotDigits,
            DigitsShape::WrongLength { len } => InnError::WrongLength { len },
        };
        // Any length but 12 is measured against 10; the error names both.
        let valid = if inn.len() == 12 {
            is_valid_12(&digits::<12>(inn).map_err(shape)?)
        } else {
            is_valid_10(&digits::<10>(inn).map_err(shape)?)
        };
        if inn.bytes().all(|b| b == b'0') {
            return Err(InnError::AllZeros);
        }
        if !valid {
            return Err(InnError::ChecksumMismatch);
        }
        Ok(Self(inn.to_owned()))
    }

    pub fn kind(&self) -> InnKind {
        if self.0.len() == 10 {
            InnKind::Organisation
        } else {
            InnKind::Individual
        }
    }
}

string_newtype!(Inn, InnError);

fn is_valid_10(d: &[u8; 10]) -> bool {
    mod11_check_digit(&d[..9], &WEIGHTS_10) == d[9]
}

fn is_valid_12(d: &[u8; 12]) -> bool {
    mod11_check_digit(&d[..10], &WEIGHTS_12_FIRST) == d[10]
        && mod11_check_digit(&d[..11], &WEIGHTS_12_SECOND) == d[11]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The number `body` completed with its check digit(s), computed by a second, deliberately
    /// plain implementation so the tests do not only agree with themselves.
    fn complete(body: &[u8]) -> String {
        fn check(d: &[u8], w: &[u32]) -> u8 {
            let mut sum = 0;
            for i in 0..w.len() {
                sum += u32::from(d[i]) * w[i];
            }
            let r = sum % 11;
            if r == 10 { 0 } else { r as u8 }
        }
        let mut d = body.to_vec();
        if body.len() == 9 {
            d.push(check(&d, &WEIGHTS_10));
        } else {
            d.push(check(&d, &WEIGHTS_12_FIRST));
            d.push(check(&d, &WEIGHTS_12_SECOND));
        }
        d.iter().map(|x| char::from(b'0' + x)).collect()
    }

    fn remainder(d: &[u8], w: &[u32]) -> u32 {
        d.iter()
            .zip(w)
            .map(|(&x, &w)| u32::from(x) * w)
            .sum::<u32>()
            % 11
    }

    #[test]
    fn accepts_real_organisations() {
        // Sberbank, Yandex, Pension Fund of Russia (ПФР, now СФР): public registry data.
        for ok in ["7707083893", "7736207543", "7706016118"] {
            let inn = Inn::parse(ok).unwrap();
            assert_eq!(inn.as_str(), ok);
            assert_eq!(inn.kind(), InnKind::Organisation);
        }
    }

    #[test]
    fn accepts_individuals() {
        // 500100732259: the 12-digit example used across Russian validator docs. Checked by
        // hand: 5·7+0·2+0·4+1·10+0·3+0·5+7·9+3·4+2·6+2·8 = 148, 148 mod 11 = 5 (11th digit);
        // 5·3+0·7+0·2+1·4+0·10+0·3+7·5+3·9+2·4+2·6+5·8 = 141, 141 mod 11 = 9 (12th digit).
        let inn = Inn::parse("500100732259").unwrap();
        assert_eq!(inn.kind(), InnKind::Individual);
        assert_eq!(complete(&[5, 0, 0, 1, 0, 0, 7, 3, 2, 2]), "500100732259");
    }

    #[test]
    fn sberbank_checked_by_hand() {
        // 7·2+7·4+0·10+7·3+0·5+8·9+3·4+8·6+9·8 = 267 = 24·11 + 3, so the check digit is 3.
        assert_eq!(complete(&[7, 7, 0, 7, 0, 8, 3, 8, 9]), "7707083893");
    }

    #[test]
    fn trims_surrounding_whitespace_only() {
        assert_eq!(Inn::parse(" 7707083893\n").unwrap().as_str(), "7707083893");
        assert_eq!(Inn::parse("7707 083893"), Err(InnError::NotDigits));
    }

    #[test]
    fn refuses_with_a_precise_reason() {
        assert_eq!(Inn::parse(""), Err(InnError::WrongLength { len: 0 }));
        assert_eq!(
            Inn::parse("770708389"),
            Err(InnError::WrongLength { len: 9 })
        );
        assert_eq!(
            Inn::parse("77070838933"),
            Err(InnError::WrongLength { len: 11 })
        );
        assert_eq!(Inn::parse("77070838ЗЗ"), Err(InnError::NotDigits));
        assert_eq!(Inn::parse("-707083893"), Err(InnError::NotDigits));
        assert_eq!(Inn::parse("7707083894"), Err(InnError::ChecksumMismatch));
        assert_eq!(Inn::parse("7707083839"), Err(InnError::ChecksumMismatch));
        assert_eq!(Inn::parse("500100732258"), Err(InnError::ChecksumMismatch));
        assert_eq!(Inn::parse("500100732249"), Err(InnError::ChecksumMismatch));
        assert_eq!(Inn::parse("0000000000"), Err(InnError::AllZeros));
        assert_eq!(Inn::parse("000000000000"), Err(InnError::AllZeros));
        assert_eq!(InnError::ChecksumMismatch.code(), "inn_checksum");
    }

    #[test]
    fn a_single_changed_digit_can_slip_through() {
        // The limit documented on `Inn`: 770708383 weighs 219 = 19·11 + 10, so its check digit
        // is 0; changing the first 7 to 2 subtracts 5·2 = 10 and leaves remainder 0, check 0.
        assert!(Inn::parse("7707083830").is_ok());
        assert!(Inn::parse("2707083830").is_ok());
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<Inn>("\"7707083893\"").is_ok());
        assert!(serde_json::from_str::<Inn>("\"7707083894\"").is_err());
        assert_eq!(
            serde_json::to_string(&Inn::parse("7707083893").unwrap()).unwrap(),
            "\"7707083893\""
        );
    }

    fn body(len: usize) -> impl Strategy<Value = Vec<u8>> {
        // A leading non-zero digit keeps the all-zeros placeholder out of the generated cases.
        (1..=9u8, proptest::collection::vec(0..=9u8, len - 1)).prop_map(|(first, mut rest)| {
            rest.insert(0, first);
            rest
        })
    }

    proptest! {
        #[test]
        fn generated_numbers_are_accepted(b10 in body(9), b12 in body(10)) {
            prop_assert_eq!(Inn::parse(&complete(&b10)).map(|i| i.kind()), Ok(InnKind::Organisation));
            prop_assert_eq!(Inn::parse(&complete(&b12)).map(|i| i.kind()), Ok(InnKind::Individual));
        }

        /// A single changed digit is refused, except exactly when every check remainder it
        /// touches moves between 0 and 10 (the mod 10 collision); never silently otherwise.
        #[test]
        fn single_digit_changes_are_caught_unless_the_remainder_collides(
            b in prop_oneof![body(9), body(10)],
            pos in 0usize..12,
            shift in 1u8..10,
        ) {
            let inn: Vec<u8> = complete(&b).bytes().map(|x| x - b'0').collect();
            let pos = pos % inn.len();
            let mut changed = inn.clone();
            changed[pos] = (inn[pos] + shift) % 10;
            let text: String = changed.iter().map(|x| char::from(b'0' + x)).collect();

            let checks: &[(usize, &[u32])] = if inn.len() == 10 {
                &[(9, &WEIGHTS_10)]
            } else {
                &[(10, &WEIGHTS_12_FIRST), (11, &WEIGHTS_12_SECOND)]
            };
            let mut hidden = true;
            for &(at, weights) in checks {
                if pos == at {
                    hidden = false; // a check digit itself changed
                } else if pos < at {
                    let before = remainder(&inn[..at], weights);
                    let after = remainder(&changed[..at], weights);
                    prop_assert_ne!(before, after, "mod 11 always sees the change");
                    hidden &= before % 10 == after % 10;
                }
            }
            let result = Inn::parse(&text);
            if hidden && changed.iter().any(|&x| x != 0) {
                prop_assert!(result.is_ok());
            } else {
                prop_assert!(result.is_err(), "{} -> {}", complete(&b), text);
            }
        }
    }
}

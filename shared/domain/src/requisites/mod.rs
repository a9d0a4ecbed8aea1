//! Russian legal and bank requisites of tenants and organisation subscribers: ИНН, КПП, ОГРН,
//! ОГРНИП, БИК, settlement and correspondent accounts.
//!
//! Each is a newtype that can only hold a value that passed its format and check-digit rules;
//! surrounding whitespace is trimmed, anything else that is not part of the number is refused
//! rather than silently repaired. Every error has a stable `code()` for the API and the UI.

mod bank;
mod inn;
mod kpp;
mod ogrn;

pub use bank::{
    AccountKeyError, BankAccount, BankAccountError, Bik, BikError, CorrespondentAccount,
    CorrespondentAccountError, SettlementAccount, SettlementAccountError,
};
pub use inn::{Inn, InnError, InnKind};
pub use kpp::{Kpp, KppError};
pub use ogrn::{Ogrn, OgrnError, Ogrnip, OgrnipError, RegistrationNumber, RegistrationNumberError};

/// Why a string is not a run of exactly `N` ASCII digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DigitsShape {
    NotDigits,
    WrongLength { len: usize },
}

/// The digits of `s` as numbers 0..=9. Characters are checked before the length, so a
/// number typed with a letter is reported as such rather than as the wrong length.
fn digits<const N: usize>(s: &str) -> Result<[u8; N], DigitsShape> {
    if s.is_empty() {
        return Err(DigitsShape::WrongLength { len: 0 });
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DigitsShape::NotDigits);
    }
    let bytes = s.as_bytes();
    if bytes.len() != N {
        return Err(DigitsShape::WrongLength { len: bytes.len() });
    }
    Ok(std::array::from_fn(|i| bytes[i] - b'0'))
}

/// `(Σ digit × weight) mod 11 mod 10`: the check digit rule of the ИНН.
fn mod11_check_digit(digits: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum();
    (sum % 11 % 10) as u8
}

/// The number written by `digits`, most significant first.
fn as_number(digits: &[u8]) -> u64 {
    digits.iter().fold(0, |acc, &d| acc * 10 + u64::from(d))
}

//! БИК and the 20-digit bank account numbers, with the Central Bank's control key.
//!
//! The key (the 9th digit of an account) is checked per "Порядок расчета контрольного ключа в
//! номере лицевого счета" (Bank of Russia, 1997-09-08 N 515), text and worked examples at
//! <https://www.consultant.ru/document/cons_doc_LAW_16053/> and
//! <https://zakonbase.ru/content/part/140335>: write a 3-digit prefix before the 20-digit
//! account, multiply the 23 digits by 7,1,3,7,1,3,...; the account is correct when the sum of
//! the products' last digits (equivalently the sum itself) ends in 0. The prefix is:
//! - for an account at a credit institution: its conditional number, BIK digits 7-9;
//! - for an account at a Bank of Russia division (РКЦ), and for a bank's correspondent
//!   account (which is held at the Bank of Russia): "0" + BIK digits 5-6.
//!
//! Every weight is coprime with 10, so any single wrong digit of an account is always caught.

use serde::{Deserialize, Serialize};

use super::{DigitsShape, digits};
use crate::newtype::string_newtype;

/// БИК, the 9-digit bank identification code: `04` (Russia), 2 digits of the region, 2 of the
/// Bank of Russia division, 3 of the participant (050-999 for credit institutions; 000-002
/// for Bank of Russia divisions themselves).
///
/// Only BIKs starting with `04` are accepted. BIKs of the Federal Treasury's territorial
/// bodies (ТОФК, used since 2021 for treasury accounts of budget-funded bodies) start
/// differently and key their accounts by other rules; our tenants bill through bank accounts,
/// so those are refused with their own reason until a tenant needs them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Bik(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BikError {
    #[error("a BIK may contain only digits")]
    NotDigits,
    #[error("a BIK has 9 digits, not {len}")]
    WrongLength { len: usize },
    #[error(
        "the BIK of a Russian bank starts with 04; treasury (TOFK) and foreign codes are not accepted"
    )]
    NotRussianBank,
}

impl BikError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDigits => "bik_not_digits",
            Self::WrongLength { .. } => "bik_length",
            Self::NotRussianBank => "bik_not_russian_bank",
        }
    }
}

impl Bik {
    pub fn parse(raw: &str) -> Result<Self, BikError> {
        let bik = raw.trim();
        digits::<9>(bik).map_err(|e| match e {
            DigitsShape::NotDigits => BikError::NotDigits,
            DigitsShape::WrongLength { len } => BikError::WrongLength { len },
        })?;
        if !bik.starts_with("04") {
            return Err(BikError::NotRussianBank);
        }
        Ok(Self(bik.to_owned()))
    }

    /// Digits 7-9: the participant's conditional number within its Bank of Russia division;
    /// also the last three digits of the bank's correspondent account.
    pub fn participant_code(&self) -> &str {
        &self.0[6..]
    }

    /// A Bank of Russia division (РКЦ and the like) rather than a credit institution: its
    /// participant code is below 050 (000, 001, 002 in use).
    pub fn is_bank_of_russia_division(&self) -> bool {
        self.participant_code() < "050"
    }

    /// "0" + digits 5-6: the conditional number of the Bank of Russia division.
    fn division_key_prefix(&self) -> [u8; 3] {
        let b = self.0.as_bytes();
        [0, b[4] - b'0', b[5] - b'0']
    }

    fn participant_key_prefix(&self) -> [u8; 3] {
        let b = self.0.as_bytes();
        [b[6] - b'0', b[7] - b'0', b[8] - b'0']
    }
}

string_newtype!(Bik, BikError);

/// Why an account number does not belong with a BIK.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountKeyError {
    #[error(
        "the account number does not match the BIK: either contains a typo or belongs to another bank"
    )]
    KeyMismatch,
    #[error("a bank's correspondent account ends with the last 3 digits of its BIK ({expected})")]
    BankCodeMismatch { expected: String },
}

impl AccountKeyError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::KeyMismatch => "account_key_mismatch",
            Self::BankCodeMismatch { .. } => "corr_account_bik_mismatch",
        }
    }
}

const KEY_WEIGHTS: [u32; 3] = [7, 1, 3];

fn key_is_valid(prefix: [u8; 3], account: &str) -> bool {
    let sum: u32 = prefix
        .into_iter()
        .chain(account.bytes().map(|b| b - b'0'))
        .zip(KEY_WEIGHTS.iter().cycle())
        .map(|(d, &w)| u32::from(d) * w)
        .sum();
    sum.is_multiple_of(10)
}

/// A 20-digit account of a bank's client (расчётный счёт), format only; whether it belongs
/// with a BIK is [`SettlementAccount::check_with_bik`], or [`BankAccount`] for both at once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SettlementAccount(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettlementAccountError {
    #[error("an account number may contain only digits")]
    NotDigits,
    #[error("an account number has 20 digits, not {len}")]
    WrongLength { len: usize },
    #[error(
        "an account starting with 30101 is a bank's correspondent account, not a client's settlement account"
    )]
    IsCorrespondentAccount,
}

impl SettlementAccountError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDigits => "account_not_digits",
            Self::WrongLength { .. } => "account_length",
            Self::IsCorrespondentAccount => "account_is_correspondent",
        }
    }
}

impl SettlementAccount {
    pub fn parse(raw: &str) -> Result<Self, SettlementAccountError> {
        let account = raw.trim();
        digits::<20>(account).map_err(|e| match e {
            DigitsShape::NotDigits => SettlementAccountError::NotDigits,
            DigitsShape::WrongLength { len } => SettlementAccountError::WrongLength { len },
        })?;
        if account.starts_with(CORRESPONDENT_PREFIX) {
            return Err(SettlementAccountError::IsCorrespondentAccount);
        }
        Ok(Self(account.to_owned()))
    }

    /// Checks the control key against the bank's BIK (see the module docs).
    pub fn check_with_bik(&self, bik: &Bik) -> Result<(), AccountKeyError> {
        let prefix = if bik.is_bank_of_russia_division() {
            bik.division_key_prefix()
        } else {
            bik.participant_key_prefix()
        };
        if key_is_valid(prefix, &self.0) {
            Ok(())
        } else {
            Err(AccountKeyError::KeyMismatch)
        }
    }
}

string_newtype!(SettlementAccount, SettlementAccountError);

const CORRESPONDENT_PREFIX: &str = "30101";

/// A bank's correspondent account at the Bank of Russia (корреспондентский счёт): 20 digits
/// starting with 30101.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CorrespondentAccount(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrespondentAccountError {
    #[error("a correspondent account may contain only digits")]
    NotDigits,
    #[error("a correspondent account has 20 digits, not {len}")]
    WrongLength { len: usize },
    #[error("a correspondent account starts with 30101")]
    NotCorrespondentAccount,
}

impl CorrespondentAccountError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDigits => "corr_account_not_digits",
            Self::WrongLength { .. } => "corr_account_length",
            Self::NotCorrespondentAccount => "corr_account_prefix",
        }
    }
}

impl CorrespondentAccount {
    pub fn parse(raw: &str) -> Result<Self, CorrespondentAccountError> {
        let account = raw.trim();
        digits::<20>(account).map_err(|e| match e {
            DigitsShape::NotDigits => CorrespondentAccountError::NotDigits,
            DigitsShape::WrongLength { len } => CorrespondentAccountError::WrongLength { len },
        })?;
        if !account.starts_with(CORRESPONDENT_PREFIX) {
            return Err(CorrespondentAccountError::NotCorrespondentAccount);
        }
        Ok(Self(account.to_owned()))
    }

    /// Checks that this is the correspondent account of the bank with `bik`: its last three
    /// digits are the BIK's participant code (Bank of Russia telegram 86-97 of 1997-10-06) and
    /// its key, computed with "0" + BIK digits 5-6, is right.
    pub fn check_with_bik(&self, bik: &Bik) -> Result<(), AccountKeyError> {
        if !self.0.ends_with(bik.participant_code()) {
            return Err(AccountKeyError::BankCodeMismatch {
                expected: bik.participant_code().to_owned(),
            });
        }
        if key_is_valid(bik.division_key_prefix(), &self.0) {
            Ok(())
        } else {
            Err(AccountKeyError::KeyMismatch)
        }
    }
}

string_newtype!(CorrespondentAccount, CorrespondentAccountError);

/// A payee's bank details as printed on invoices and in the payment QR code: BIK, the bank's
/// correspondent account and the client's settlement account, known to belong together.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "BankAccountFields")]
pub struct BankAccount {
    bik: Bik,
    correspondent_account: CorrespondentAccount,
    settlement_account: SettlementAccount,
}

/// The unchecked shape of [`BankAccount`] for deserialising; each field is already valid on
/// its own.
#[derive(Deserialize)]
struct BankAccountFields {
    bik: Bik,
    correspondent_account: CorrespondentAccount,
    settlement_account: SettlementAccount,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankAccountError {
    #[error("correspondent account: {0}")]
    CorrespondentAccount(AccountKeyError),
    #[error("settlement account: {0}")]
    SettlementAccount(AccountKeyError),
}

impl BankAccountError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::CorrespondentAccount(AccountKeyError::KeyMismatch) => "corr_account_key_mismatch",
            Self::CorrespondentAccount(e) => e.code(),
            Self::SettlementAccount(e) => e.code(),
        }
    }
}

impl BankAccount {
    pub fn new(
        bik: Bik,
        correspondent_account: CorrespondentAccount,
        settlement_account: SettlementAccount,
    ) -> Result<Self, BankAccountError> {
        correspondent_account
            .check_with_bik(&bik)
            .map_err(BankAccountError::CorrespondentAccount)?;
        settlement_account
            .check_with_bik(&bik)
            .map_err(BankAccountError::SettlementAccount)?;
        Ok(Self {
            bik,
            correspondent_account,
            settlement_account,
        })
    }

    pub fn bik(&self) -> &Bik {
        &self.bik
    }

    pub fn correspondent_account(&self) -> &CorrespondentAccount {
        &self.correspondent_account
    }

    pub fn settlement_account(&self) -> &SettlementAccount {
        &self.settlement_account
    }
}

impl TryFrom<BankAccountFields> for BankAccount {
    type Error = BankAccountError;
    fn try_from(f: BankAccountFields) -> Result<Self, Self::Error> {
        Self::new(f.bik, f.correspondent_account, f.settlement_account)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn bik(s: &str) -> Bik {
        Bik::parse(s).unwrap()
    }

    fn settlement(s: &str) -> SettlementAccount {
        SettlementAccount::parse(s).unwrap()
    }

    fn corr(s: &str) -> CorrespondentAccount {
        CorrespondentAccount::parse(s).unwrap()
    }

    #[test]
    fn bik_format() {
        let sber = bik(" 044525225 ");
        assert_eq!(sber.as_str(), "044525225");
        assert_eq!(sber.participant_code(), "225");
        assert!(!sber.is_bank_of_russia_division());
        assert!(bik("040305000").is_bank_of_russia_division());
        assert!(bik("044106001").is_bank_of_russia_division());
        assert_eq!(
            Bik::parse("04452522"),
            Err(BikError::WrongLength { len: 8 })
        );
        assert_eq!(Bik::parse("04452522S"), Err(BikError::NotDigits));
        assert_eq!(Bik::parse("017003983"), Err(BikError::NotRussianBank));
        assert_eq!(Bik::parse("").unwrap_err().code(), "bik_length");
    }

    #[test]
    fn real_correspondent_accounts_match_their_banks() {
        // Sberbank and T-Bank (Tinkoff), from their published requisites.
        corr("30101810400000000225")
            .check_with_bik(&bik("044525225"))
            .unwrap();
        corr("30101810145250000974")
            .check_with_bik(&bik("044525974"))
            .unwrap();
        // Example 1 of the Bank of Russia's N 515: the bank's account at РКЦ 049805000 keyed
        // with "005"; the bank's own BIK then is 049805746.
        corr("30101810800000000746")
            .check_with_bik(&bik("049805746"))
            .unwrap();
    }

    #[test]
    fn correspondent_account_mismatches_are_told_apart() {
        assert_eq!(
            corr("30101810400000000225").check_with_bik(&bik("044525974")),
            Err(AccountKeyError::BankCodeMismatch {
                expected: "974".into()
            })
        );
        // Right ending, wrong key digit.
        assert_eq!(
            corr("30101810500000000225").check_with_bik(&bik("044525225")),
            Err(AccountKeyError::KeyMismatch)
        );
        // Same participant code in another division: the "0" + digits 5-6 prefix differs.
        assert_eq!(
            corr("30101810400000000225").check_with_bik(&bik("044030225")),
            Err(AccountKeyError::KeyMismatch)
        );
    }

    #[test]
    fn settlement_accounts_from_the_regulation_and_third_parties() {
        // N 515 example 3: client of the bank with BIK 049805746, key 7.
        settlement("40602810700000000025")
            .check_with_bik(&bik("049805746"))
            .unwrap();
        // N 515 example 2: an account held at РКЦ 040305000 is keyed with "005"; the sum of
        // the products' last digits with K = 0 is 37, so K = 7·3 mod 10 = 1.
        settlement("40102810100000010001")
            .check_with_bik(&bik("040305000"))
            .unwrap();
        // Test cases of rin-nas/postgresql-patterns-library (is_client_account.sql); the
        // second is at a Bank of Russia division, keyed with "006", not "001".
        settlement("40702810900000002851")
            .check_with_bik(&bik("044030827"))
            .unwrap();
        settlement("40701810000001002118")
            .check_with_bik(&bik("044106001"))
            .unwrap();
    }

    #[test]
    fn a_settlement_account_built_for_sberbank() {
        // The N 515 procedure for "40702810K38000012345" at Sberbank (BIK 044525225):
        // prefix 225, K = 0; products with 7,1,3,...:
        //   14 2 15 | 28 0 21 0 2 24 7 0 0 21 8 0 0 0 0 7 2 9 28 5
        // sum of last digits = 73; K = (3 · 3) mod 10 = 9.
        let account = settlement("40702810938000012345");
        account.check_with_bik(&bik("044525225")).unwrap();
        for wrong_key in 0..9 {
            let text = format!("40702810{wrong_key}38000012345");
            assert_eq!(
                settlement(&text).check_with_bik(&bik("044525225")),
                Err(AccountKeyError::KeyMismatch),
                "{text}"
            );
        }
        // The same number at another bank does not match.
        assert_eq!(
            account.check_with_bik(&bik("044525974")),
            Err(AccountKeyError::KeyMismatch)
        );
    }

    #[test]
    fn account_formats() {
        assert_eq!(
            SettlementAccount::parse("4070281093800001234"),
            Err(SettlementAccountError::WrongLength { len: 19 })
        );
        assert_eq!(
            SettlementAccount::parse("40702 810 9 3800 0012345"),
            Err(SettlementAccountError::NotDigits)
        );
        assert_eq!(
            SettlementAccount::parse("30101810400000000225"),
            Err(SettlementAccountError::IsCorrespondentAccount)
        );
        assert_eq!(
            CorrespondentAccount::parse("40702810938000012345"),
            Err(CorrespondentAccountError::NotCorrespondentAccount)
        );
        assert_eq!(
            CorrespondentAccount::parse("3010181040000000022"),
            Err(CorrespondentAccountError::WrongLength { len: 19 })
        );
    }

    #[test]
    fn bank_account_checks_both_accounts() {
        let ok = BankAccount::new(
            bik("044525225"),
            corr("30101810400000000225"),
            settlement("40702810938000012345"),
        )
        .unwrap();
        assert_eq!(ok.bik().as_str(), "044525225");

        let wrong_corr = BankAccount::new(
            bik("044525225"),
            corr("30101810145250000974"),
            settlement("40702810938000012345"),
        );
        assert_eq!(wrong_corr.unwrap_err().code(), "corr_account_bik_mismatch");
        let wrong_account = BankAccount::new(
            bik("044525225"),
            corr("30101810400000000225"),
            settlement("40702810838000012345"),
        );
        assert_eq!(wrong_account.unwrap_err().code(), "account_key_mismatch");
    }

    #[test]
    fn deserialising_validates() {
        let json = r#"{"bik":"044525225","correspondent_account":"30101810400000000225","settlement_account":"40702810938000012345"}"#;
        let account: BankAccount = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&account).unwrap(), json);
        let bad_key = json.replace("40702810938", "40702810838");
        assert!(serde_json::from_str::<BankAccount>(&bad_key).is_err());
        assert!(serde_json::from_str::<Bik>("\"017003983\"").is_err());
        assert!(serde_json::from_str::<SettlementAccount>("\"4070\"").is_err());
        assert!(serde_json::from_str::<CorrespondentAccount>("\"40702810938000012345\"").is_err());
    }

    /// A valid account for `prefix`: `digits` with the key (9th digit) solved for. The key's
    /// weight is 3 and 3·7 ≡ 1 (mod 10), so K = 7·(10 − rest mod 10) mod 10.
    fn with_key(prefix: [u8; 3], mut digits: [u8; 20]) -> [u8; 20] {
        digits[8] = 0;
        let weights = [7u32, 1, 3];
        let rest: u32 = prefix
            .iter()
            .chain(digits.iter())
            .enumerate()
            .map(|(i, &d)| u32::from(d) * weights[i % 3])
            .sum();
        digits[8] = (7 * (10 - rest % 10) % 10) as u8;
        digits
    }

    fn text(d: &[u8]) -> String {
        d.iter().map(|x| char::from(b'0' + x)).collect()
    }

    proptest! {
        /// Every weight (7, 1, 3) is coprime with 10, so a single changed digit always changes
        /// the sum mod 10: no exceptions, unlike ИНН and ОГРН.
        #[test]
        fn any_single_digit_change_of_a_settlement_account_is_caught(
            participant in 50u16..1000,
            body in proptest::array::uniform20(0..=9u8),
            pos in 0usize..20,
            shift in 1u8..10,
        ) {
            prop_assume!(!text(&body).starts_with(CORRESPONDENT_PREFIX));
            let bik = bik(&format!("044525{participant:03}"));
            let p = participant;
            let valid = with_key([(p / 100) as u8, (p / 10 % 10) as u8, (p % 10) as u8], body);
            prop_assert_eq!(settlement(&text(&valid)).check_with_bik(&bik), Ok(()));

            let mut changed = valid;
            changed[pos] = (valid[pos] + shift) % 10;
            if let Ok(account) = SettlementAccount::parse(&text(&changed)) {
                prop_assert_eq!(account.check_with_bik(&bik), Err(AccountKeyError::KeyMismatch));
            }
        }

        #[test]
        fn any_single_digit_change_of_a_correspondent_account_is_caught(
            division in 0u8..100,
            participant in 50u16..1000,
            middle in proptest::array::uniform12(0..=9u8),
            pos in 0usize..20,
            shift in 1u8..10,
        ) {
            let bik = bik(&format!("0445{division:02}{participant:03}"));
            let mut body = [0u8; 20];
            body[..5].copy_from_slice(&[3, 0, 1, 0, 1]);
            body[5..17].copy_from_slice(&middle);
            let p = participant;
            body[17..].copy_from_slice(&[(p / 100) as u8, (p / 10 % 10) as u8, (p % 10) as u8]);
            let valid = with_key([0, division / 10, division % 10], body);
            prop_assert_eq!(corr(&text(&valid)).check_with_bik(&bik), Ok(()));

            let mut changed = valid;
            changed[pos] = (valid[pos] + shift) % 10;
            if let Ok(account) = CorrespondentAccount::parse(&text(&changed)) {
                prop_assert!(account.check_with_bik(&bik).is_err());
            }
        }
    }
}

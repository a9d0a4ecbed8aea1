//! Contact data of subscribers and tenants: e-mail addresses and phone numbers.

use serde::{Deserialize, Serialize};

use crate::hostname::{Hostname, HostnameError};
use crate::newtype::string_newtype;

/// An e-mail address, checked pragmatically rather than to the letter of RFC 5322: exactly one
/// `@`; a local part of 1-64 characters from the RFC's unquoted set (Latin letters, digits,
/// ``!#$%&'*+-/=?^_`{|}~`` and single inner dots); a domain that is a valid [`Hostname`] with at
/// least one dot, stored in lower case; at most 254 characters in all (RFC 5321 §4.5.3.1 and
/// its erratum 1690). Quoted local parts, IP-literal domains and non-Latin addresses are
/// refused: mail systems our notifications pass through handle them badly.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("the e-mail address is empty")]
    Empty,
    #[error("an e-mail address may not contain spaces")]
    ContainsWhitespace,
    #[error("an e-mail address needs an @ between the name and the domain")]
    MissingAt,
    #[error("an e-mail address contains exactly one @")]
    MultipleAt,
    #[error("an e-mail address has at most {max} characters, this one {len}")]
    TooLong { len: usize, max: usize },
    #[error("the part before the @ is empty")]
    EmptyLocalPart,
    #[error("the part before the @ has at most 64 characters")]
    LocalPartTooLong,
    #[error(
        "the part before the @ may contain only Latin letters, digits and !#$%&'*+-/=?^_`{{|}}~, with dots only between them"
    )]
    BadLocalPart,
    #[error("the domain after the @ needs a dot, e.g. mail.ru")]
    DomainWithoutDot,
    #[error("the domain after the @ is invalid: {0}")]
    InvalidDomain(HostnameError),
}

impl EmailError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "email_empty",
            Self::ContainsWhitespace => "email_whitespace",
            Self::MissingAt => "email_missing_at",
            Self::MultipleAt => "email_multiple_at",
            Self::TooLong { .. } => "email_too_long",
            Self::EmptyLocalPart => "email_local_empty",
            Self::LocalPartTooLong => "email_local_too_long",
            Self::BadLocalPart => "email_local_invalid",
            Self::DomainWithoutDot => "email_domain_without_dot",
            Self::InvalidDomain(_) => "email_domain_invalid",
        }
    }
}

impl Email {
    pub const MAX_LEN: usize = 254;
    pub const MAX_LOCAL_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let email = raw.trim();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        if email.chars().any(char::is_whitespace) {
            return Err(EmailError::ContainsWhitespace);
        }
        let (local, domain) = email.split_once('@').ok_or(EmailError::MissingAt)?;
        if domain.contains('@') {
            return Err(EmailError::MultipleAt);
        }
        let len = email.chars().count();
        if len > Self::MAX_LEN {
            return Err(EmailError::TooLong {
                len,
                max: Self::MAX_LEN,
            });
        }
        if local.is_empty() {
            return Err(EmailError::EmptyLocalPart);
        }
        if local.chars().count() > Self::MAX_LOCAL_LEN {
            return Err(EmailError::LocalPartTooLong);
        }
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
        if !local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atext))
        {
            return Err(EmailError::BadLocalPart);
        }
        if !domain.contains('.') {
            return Err(EmailError::DomainWithoutDot);
        }
        // A trailing dot would be dropped by `Hostname`; in an address it is a typo.
        if domain.ends_with('.') {
            return Err(EmailError::InvalidDomain(HostnameError::EmptyLabel));
        }
        let domain = Hostname::parse(domain).map_err(EmailError::InvalidDomain)?;
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(local, _)| local)
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

string_newtype!(Email, EmailError);

/// A phone number in E.164 form: `+`, the country code and the number, 8-15 digits in all
/// (ITU-T E.164 allows at most 15). [`PhoneE164::parse`] takes international numbers written
/// with `+`; [`PhoneE164::parse_ru`] also understands the ways Russians write their numbers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneE164(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("a phone number may not contain letters; write an extension separately")]
    Letters,
    #[error(
        "a phone number may contain only digits, spaces, '-', '.', brackets and a leading '+', not {ch:?}"
    )]
    BadCharacter { ch: char },
    #[error("'+' may only stand at the start of a phone number")]
    MisplacedPlus,
    #[error("an international phone number starts with + and the country code")]
    MissingCountryCode,
    #[error("country codes never start with 0")]
    CountryCodeZero,
    #[error("a phone number has at least {min} digits with the country code, this one {digits}")]
    TooShort { digits: usize, min: usize },
    #[error("a phone number has at most {max} digits with the country code, this one {digits}")]
    TooLong { digits: usize, max: usize },
    #[error("a number with country code +7 has 10 digits after it, this one {digits}")]
    WrongLengthForRussia { digits: usize },
    #[error("+8 is not a country code: write 8 without the +, or +7")]
    PlusEight,
    #[error(
        "a number without + must be Russian: 10 digits, or 11 starting with 8 or 7; start a foreign number with + and its country code"
    )]
    NotRussianFormat,
}

impl PhoneError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "phone_empty",
            Self::Letters => "phone_letters",
            Self::BadCharacter { .. } => "phone_bad_character",
            Self::MisplacedPlus => "phone_misplaced_plus",
            Self::MissingCountryCode => "phone_missing_country_code",
            Self::CountryCodeZero => "phone_country_code_zero",
            Self::TooShort { .. } => "phone_too_short",
            Self::TooLong { .. } => "phone_too_long",
            Self::WrongLengthForRussia { .. } => "phone_ru_length",
            Self::PlusEight => "phone_plus_eight",
            Self::NotRussianFormat => "phone_not_russian_format",
        }
    }
}

impl PhoneE164 {
    pub const MIN_DIGITS: usize = 8;
    pub const MAX_DIGITS: usize = 15;

    /// An international number: `+` and 8-15 digits, optionally grouped by spaces, `-`, `.`
    /// and brackets: `+44 20 7946 0958`, `+7 (912) 345-67-89`.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let (plus, digits) = split_phone(raw)?;
        if !plus {
            return Err(PhoneError::MissingCountryCode);
        }
        Self::international(&digits)
    }

    /// A number as Russians write it: `8 (912) 345-67-89`, `+7 912 345 67 89`, `79123456789`
    /// and `9123456789` all become `+79123456789`; a foreign number needs its `+`.
    pub fn parse_ru(raw: &str) -> Result<Self, PhoneError> {
        let (plus, digits) = split_phone(raw)?;
        if plus {
            if digits.starts_with('7') && digits.len() != 11 {
                return Err(PhoneError::WrongLengthForRussia {
                    digits: digits.len() - 1,
                });
            }
            // Country code 89 is unassigned, so this is "8 9xx..." with a stray +.
            if digits.starts_with("89") && digits.len() == 11 {
                return Err(PhoneError::PlusEight);
            }
            return Self::international(&digits);
        }
        let national = match digits.len() {
            11 if digits.starts_with(['7', '8']) => &digits[1..],
            10 if !digits.starts_with('0') => &digits[..],
            _ => return Err(PhoneError::NotRussianFormat),
        };
        Ok(Self(format!("+7{national}")))
    }

    fn international(digits: &str) -> Result<Self, PhoneError> {
        if digits.starts_with('0') {
            return Err(PhoneError::CountryCodeZero);
        }
        let count = digits.len();
        if count < Self::MIN_DIGITS {
            return Err(PhoneError::TooShort {
                digits: count,
                min: Self::MIN_DIGITS,
            });
        }
        if count > Self::MAX_DIGITS {
            return Err(PhoneError::TooLong {
                digits: count,
                max: Self::MAX_DIGITS,
            });
        }
        Ok(Self(format!("+{digits}")))
    }

    /// The digits without the `+`, as payment and SMS gateways often want them.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

/// Whether `raw` starts with `+`, and its digits with the grouping characters removed.
fn split_phone(raw: &str) -> Result<(bool, String), PhoneError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(PhoneError::Empty);
    }
    let (plus, rest) = match raw.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let mut digits = String::with_capacity(rest.len());
    for ch in rest.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            ' ' | '\u{a0}' | '-' | '.' | '(' | ')' => {}
            '+' => return Err(PhoneError::MisplacedPlus),
            c if c.is_alphabetic() => return Err(PhoneError::Letters),
            c => return Err(PhoneError::BadCharacter { ch: c }),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    Ok((plus, digits))
}

string_newtype!(PhoneE164, PhoneError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_accepts_common_addresses() {
        for (raw, stored) in [
            ("ivan.petrov@mail.ru", "ivan.petrov@mail.ru"),
            ("  Ivan.Petrov@Yandex.RU ", "Ivan.Petrov@yandex.ru"),
            (
                "billing+tenant-42@vodokanal.example.com",
                "billing+tenant-42@vodokanal.example.com",
            ),
            ("o'brien@example.ie", "o'brien@example.ie"),
            ("x@xn--e1afmkfd.xn--p1ai", "x@xn--e1afmkfd.xn--p1ai"),
        ] {
            let email = Email::parse(raw).unwrap();
            assert_eq!(email.as_str(), stored);
        }
        let email = Email::parse("Ivan@Mail.Ru").unwrap();
        assert_eq!(email.local_part(), "Ivan");
        assert_eq!(email.domain(), "mail.ru");
    }

    #[test]
    fn email_length_limits() {
        let local = "a".repeat(64);
        assert!(Email::parse(&format!("{local}@mail.ru")).is_ok());
        assert_eq!(
            Email::parse(&format!("{local}a@mail.ru")),
            Err(EmailError::LocalPartTooLong)
        );
        // 64 + 1 + 189 = 254 characters: the most allowed.
        let domain = format!(
            "{}.{}.{}.ru",
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(58)
        );
        assert_eq!(domain.len(), 189);
        assert!(Email::parse(&format!("{local}@{domain}")).is_ok());
        assert_eq!(
            Email::parse(&format!("{local}@e{domain}")),
            Err(EmailError::TooLong { len: 255, max: 254 })
        );
    }

    #[test]
    fn email_refuses_with_a_precise_reason() {
        assert_eq!(Email::parse("  "), Err(EmailError::Empty));
        assert_eq!(
            Email::parse("ivan petrov@mail.ru"),
            Err(EmailError::ContainsWhitespace)
        );
        assert_eq!(Email::parse("ivan.mail.ru"), Err(EmailError::MissingAt));
        assert_eq!(Email::parse("ivan@@mail.ru"), Err(EmailError::MultipleAt));
        assert_eq!(Email::parse("a@b@mail.ru"), Err(EmailError::MultipleAt));
        assert_eq!(Email::parse("@mail.ru"), Err(EmailError::EmptyLocalPart));
        assert_eq!(Email::parse(".ivan@mail.ru"), Err(EmailError::BadLocalPart));
        assert_eq!(Email::parse("ivan.@mail.ru"), Err(EmailError::BadLocalPart));
        assert_eq!(
            Email::parse("iv..an@mail.ru"),
            Err(EmailError::BadLocalPart)
        );
        assert_eq!(Email::parse("иван@mail.ru"), Err(EmailError::BadLocalPart));
        assert_eq!(
            Email::parse("\"ivan\"@mail.ru"),
            Err(EmailError::BadLocalPart)
        );
        assert_eq!(
            Email::parse("ivan@localhost"),
            Err(EmailError::DomainWithoutDot)
        );
        assert_eq!(Email::parse("ivan@"), Err(EmailError::DomainWithoutDot));
        assert_eq!(
            Email::parse("ivan@почта.рф"),
            Err(EmailError::InvalidDomain(HostnameError::NotAscii))
        );
        assert_eq!(
            Email::parse("ivan@mail..ru"),
            Err(EmailError::InvalidDomain(HostnameError::EmptyLabel))
        );
        assert_eq!(
            Email::parse("ivan@mail.ru."),
            Err(EmailError::InvalidDomain(HostnameError::EmptyLabel))
        );
        assert_eq!(
            Email::parse("ivan@mail_ru.com"),
            Err(EmailError::InvalidDomain(HostnameError::BadCharacter {
                ch: '_'
            }))
        );
        assert_eq!(
            Email::parse("ivan@[192.168.0.1]").unwrap_err().code(),
            "email_domain_invalid"
        );
        assert_eq!(
            Email::parse("ivan@192.168.0.1").unwrap_err().code(),
            "email_domain_invalid"
        );
    }

    #[test]
    fn phone_parse_ru_normalises_russian_formats() {
        for raw in [
            "8 (912) 345-67-89",
            "+7 912 345 67 89",
            "79123456789",
            "9123456789",
            "+7(912)345-67-89",
            "8-912-345-67-89",
            " 8\u{a0}912\u{a0}345\u{a0}67\u{a0}89 ",
            "7.912.345.67.89",
        ] {
            assert_eq!(
                PhoneE164::parse_ru(raw).map(|p| p.to_string()),
                Ok("+79123456789".to_owned()),
                "{raw}"
            );
        }
        // Landline and toll-free numbers follow the same rules.
        assert_eq!(
            PhoneE164::parse_ru("8 (495) 123-45-67").unwrap().as_str(),
            "+74951234567"
        );
        assert_eq!(
            PhoneE164::parse_ru("8 800 555-35-35").unwrap().as_str(),
            "+78005553535"
        );
        // A foreign number written with its +.
        assert_eq!(
            PhoneE164::parse_ru("+375 29 123-45-67").unwrap().as_str(),
            "+375291234567"
        );
        assert_eq!(
            PhoneE164::parse_ru("+79123456789").unwrap().digits(),
            "79123456789"
        );
    }

    #[test]
    fn phone_parse_ru_refuses_with_a_precise_reason() {
        assert_eq!(PhoneE164::parse_ru(""), Err(PhoneError::Empty));
        assert_eq!(PhoneE164::parse_ru("+"), Err(PhoneError::Empty));
        assert_eq!(
            PhoneE164::parse_ru("8 912 CALL-NOW"),
            Err(PhoneError::Letters)
        );
        assert_eq!(
            PhoneE164::parse_ru("8 912 345-67-89 доб. 12"),
            Err(PhoneError::Letters)
        );
        assert_eq!(
            PhoneE164::parse_ru("8/912/3456789"),
            Err(PhoneError::BadCharacter { ch: '/' })
        );
        assert_eq!(
            PhoneE164::parse_ru("8+9123456789"),
            Err(PhoneError::MisplacedPlus)
        );
        assert_eq!(
            PhoneE164::parse_ru("+8 912 345 67 89"),
            Err(PhoneError::PlusEight)
        );
        assert_eq!(
            PhoneE164::parse_ru("+7 912 345 67 8"),
            Err(PhoneError::WrongLengthForRussia { digits: 9 })
        );
        assert_eq!(
            PhoneE164::parse_ru("+7 912 345 67 890"),
            Err(PhoneError::WrongLengthForRussia { digits: 11 })
        );
        for bad in [
            "912345678",
            "89123456789 0",
            "0123456789",
            "59123456789",
            "345-67-89",
        ] {
            assert_eq!(
                PhoneE164::parse_ru(bad),
                Err(PhoneError::NotRussianFormat),
                "{bad}"
            );
        }
        assert_eq!(
            PhoneE164::parse_ru("+1234567").unwrap_err().code(),
            "phone_too_short"
        );
    }

    #[test]
    fn phone_parse_takes_international_numbers() {
        assert_eq!(
            PhoneE164::parse("+44 20 7946 0958").unwrap().as_str(),
            "+442079460958"
        );
        assert_eq!(
            PhoneE164::parse("+7 (912) 345-67-89").unwrap().as_str(),
            "+79123456789"
        );
        assert_eq!(PhoneE164::parse("+12345678").unwrap().as_str(), "+12345678");
        assert_eq!(
            PhoneE164::parse("+123456789012345").unwrap().as_str(),
            "+123456789012345"
        );
        assert_eq!(
            PhoneE164::parse("89123456789"),
            Err(PhoneError::MissingCountryCode)
        );
        assert_eq!(
            PhoneE164::parse("+1234567"),
            Err(PhoneError::TooShort { digits: 7, min: 8 })
        );
        assert_eq!(
            PhoneE164::parse("+1234567890123456"),
            Err(PhoneError::TooLong {
                digits: 16,
                max: 15
            })
        );
        assert_eq!(
            PhoneE164::parse("+0123456789"),
            Err(PhoneError::CountryCodeZero)
        );
        assert_eq!(PhoneE164::parse("+7 912 ABC"), Err(PhoneError::Letters));
    }

    #[test]
    fn deserialising_validates() {
        let p: PhoneE164 = serde_json::from_str("\"+79123456789\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"+79123456789\"");
        assert!(serde_json::from_str::<PhoneE164>("\"89123456789\"").is_err());
        let e: Email = serde_json::from_str("\"a@B.ru\"").unwrap();
        assert_eq!(e.as_str(), "a@b.ru");
        assert!(serde_json::from_str::<Email>("\"a@b\"").is_err());
    }
}

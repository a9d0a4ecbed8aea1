//! DNS host names, for tenants' own domains and the domain part of e-mail addresses.

use serde::{Deserialize, Serialize};

use crate::newtype::string_newtype;

/// A DNS host name in lower case: dot-separated labels of 1-63 characters `a-z`, `0-9`, `-`,
/// not starting or ending with `-`, at most 253 characters in all (RFC 1035 §2.3.1 with RFC
/// 1123 §2.1's leading digits). One trailing dot (the absolute form) is dropped. The last
/// label may not be all digits, so an IPv4 address is not taken for a name (RFC 3696 §2).
///
/// Internationalised names (`пример.рф`) must be given in their ASCII form (`xn--e1afmkfd.xn--p1ai`);
/// converting them needs the IDNA tables, which this crate does not carry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hostname(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostnameError {
    #[error("the domain name is empty")]
    Empty,
    #[error("a domain name has at most {max} characters, this one {len}")]
    TooLong { len: usize, max: usize },
    #[error("a domain name has no empty parts: no leading, doubled or inner trailing dots")]
    EmptyLabel,
    #[error("each dot-separated part of a domain name has at most 63 characters")]
    LabelTooLong,
    #[error(
        "internationalised (e.g. Cyrillic) domain names must be entered in their xn-- (punycode) form"
    )]
    NotAscii,
    #[error("a domain name may contain only letters a-z, digits, hyphens and dots, not {ch:?}")]
    BadCharacter { ch: char },
    #[error("a part of a domain name may not start or end with a hyphen")]
    HyphenAtEdge,
    #[error("the last part of a domain name may not be all digits")]
    NumericTopLevel,
}

impl HostnameError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "hostname_empty",
            Self::TooLong { .. } => "hostname_too_long",
            Self::EmptyLabel => "hostname_empty_label",
            Self::LabelTooLong => "hostname_label_too_long",
            Self::NotAscii => "hostname_not_ascii",
            Self::BadCharacter { .. } => "hostname_bad_character",
            Self::HyphenAtEdge => "hostname_hyphen_at_edge",
            Self::NumericTopLevel => "hostname_numeric_tld",
        }
    }
}

impl Hostname {
    pub const MAX_LEN: usize = 253;

    pub fn parse(raw: &str) -> Result<Self, HostnameError> {
        let trimmed = raw.trim();
        let name = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if name.is_empty() {
            return Err(HostnameError::Empty);
        }
        if !name.is_ascii() {
            return Err(HostnameError::NotAscii);
        }
        let name = name.to_ascii_lowercase();
        if name.len() > Self::MAX_LEN {
            return Err(HostnameError::TooLong {
                len: name.len(),
                max: Self::MAX_LEN,
            });
        }
        for label in name.split('.') {
            if label.is_empty() {
                return Err(HostnameError::EmptyLabel);
            }
            if label.len() > 63 {
                return Err(HostnameError::LabelTooLong);
            }
            if let Some(ch) = label
                .chars()
                .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            {
                return Err(HostnameError::BadCharacter { ch });
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(HostnameError::HyphenAtEdge);
            }
        }
        let top = name.rsplit('.').next().unwrap_or_default();
        if top.bytes().all(|b| b.is_ascii_digit()) {
            return Err(HostnameError::NumericTopLevel);
        }
        Ok(Self(name))
    }

    /// Whether this name lies strictly below `parent`: `a.b.example.com` is a subdomain of
    /// `example.com`; `example.com` itself and `badexample.com` are not.
    pub fn is_subdomain_of(&self, parent: &Hostname) -> bool {
        self.0
            .strip_suffix(parent.as_str())
            .is_some_and(|head| head.ends_with('.'))
    }

    /// Number of dot-separated labels: 2 for `example.com`.
    pub fn label_count(&self) -> usize {
        self.0.split('.').count()
    }
}

string_newtype!(Hostname, HostnameError);

#[cfg(test)]
mod tests {
    use super::*;

    fn host(s: &str) -> Hostname {
        Hostname::parse(s).unwrap()
    }

    #[test]
    fn accepts_and_lower_cases() {
        assert_eq!(
            host("Billing.Vodokanal-77.RU").as_str(),
            "billing.vodokanal-77.ru"
        );
        assert_eq!(host("example.com.").as_str(), "example.com");
        assert_eq!(host(" localhost ").as_str(), "localhost");
        assert_eq!(host("xn--e1afmkfd.xn--p1ai").label_count(), 2);
        assert_eq!(host("3com.com").as_str(), "3com.com");
        assert!(Hostname::parse(&format!("{}.ru", "a".repeat(63))).is_ok());
        let longest = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61),
        ]
        .join(".");
        assert_eq!(longest.len(), 253);
        assert!(Hostname::parse(&longest).is_ok());
    }

    #[test]
    fn refuses_with_a_precise_reason() {
        assert_eq!(Hostname::parse(""), Err(HostnameError::Empty));
        assert_eq!(Hostname::parse("."), Err(HostnameError::Empty));
        assert_eq!(Hostname::parse("пример.рф"), Err(HostnameError::NotAscii));
        assert_eq!(Hostname::parse("a..b"), Err(HostnameError::EmptyLabel));
        assert_eq!(Hostname::parse(".a.b"), Err(HostnameError::EmptyLabel));
        assert_eq!(Hostname::parse("a.b.."), Err(HostnameError::EmptyLabel));
        assert_eq!(
            Hostname::parse(&format!("{}.ru", "a".repeat(64))),
            Err(HostnameError::LabelTooLong)
        );
        let too_long = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(62),
        ]
        .join(".");
        assert_eq!(
            Hostname::parse(&too_long),
            Err(HostnameError::TooLong { len: 254, max: 253 })
        );
        assert_eq!(
            Hostname::parse("my_host.ru"),
            Err(HostnameError::BadCharacter { ch: '_' })
        );
        assert_eq!(
            Hostname::parse("a b.ru"),
            Err(HostnameError::BadCharacter { ch: ' ' })
        );
        assert_eq!(
            Hostname::parse("https://example.com"),
            Err(HostnameError::BadCharacter { ch: ':' })
        );
        assert_eq!(Hostname::parse("-a.ru"), Err(HostnameError::HyphenAtEdge));
        assert_eq!(Hostname::parse("a-.ru"), Err(HostnameError::HyphenAtEdge));
        assert_eq!(
            Hostname::parse("10.0.0.1"),
            Err(HostnameError::NumericTopLevel)
        );
        assert_eq!(HostnameError::NotAscii.code(), "hostname_not_ascii");
    }

    #[test]
    fn subdomains() {
        let parent = host("example.com");
        assert!(host("billing.example.com").is_subdomain_of(&parent));
        assert!(host("a.b.EXAMPLE.com").is_subdomain_of(&parent));
        assert!(!host("example.com").is_subdomain_of(&parent));
        assert!(!host("badexample.com").is_subdomain_of(&parent));
        assert!(!host("example.com.evil.ru").is_subdomain_of(&parent));
        assert!(!parent.is_subdomain_of(&host("billing.example.com")));
    }

    #[test]
    fn deserialising_validates() {
        let h: Hostname = serde_json::from_str("\"Example.COM\"").unwrap();
        assert_eq!(h.as_str(), "example.com");
        assert!(serde_json::from_str::<Hostname>("\"ex ample.com\"").is_err());
    }
}

//! Tenant identity.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Identifier of a tenant (a provider company). It becomes part of every storage key, so its
/// alphabet is restricted to characters that never clash with key separators.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantIdError {
    #[error("tenant id is empty")]
    Empty,
    #[error("tenant id is longer than {max} characters")]
    TooLong { max: usize },
    #[error("tenant id may contain only a-z, 0-9 and '-', and must start with a letter or digit")]
    BadCharacter,
}

impl TenantId {
    pub const MAX_LEN: usize = 40;

    pub fn parse(raw: &str) -> Result<Self, TenantIdError> {
        if raw.is_empty() {
            return Err(TenantIdError::Empty);
        }
        if raw.len() > Self::MAX_LEN {
            return Err(TenantIdError::TooLong { max: Self::MAX_LEN });
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if !raw.chars().all(allowed) || raw.starts_with('-') {
            return Err(TenantIdError::BadCharacter);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantId {
    type Error = TenantIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TenantId> for String {
    fn from(value: TenantId) -> Self {
        value.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs() {
        for ok in ["demo", "a", "vodokanal-77", "0abc"] {
            assert_eq!(
                TenantId::parse(ok).map(|t| t.to_string()),
                Ok(ok.to_owned())
            );
        }
    }

    #[test]
    fn rejects_what_could_break_keys() {
        assert_eq!(TenantId::parse(""), Err(TenantIdError::Empty));
        for bad in ["T#x", "Demo", "-x", "a b", "ä", "a/b"] {
            assert_eq!(
                TenantId::parse(bad),
                Err(TenantIdError::BadCharacter),
                "{bad}"
            );
        }
        assert!(matches!(
            TenantId::parse(&"a".repeat(41)),
            Err(TenantIdError::TooLong { .. })
        ));
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<TenantId>("\"demo\"").is_ok());
        assert!(serde_json::from_str::<TenantId>("\"T#demo\"").is_err());
    }
}

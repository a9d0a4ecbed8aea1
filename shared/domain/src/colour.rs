//! Colours of a tenant's branding.

use serde::{Deserialize, Serialize};

use crate::newtype::string_newtype;

/// An sRGB colour written `#rrggbb`, kept in lower case so equal colours compare equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HexColour(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexColourError {
    #[error("a colour is written as # followed by 6 hexadecimal digits, e.g. #1a73e8")]
    MissingHash,
    #[error("a colour has 6 hexadecimal digits after #, not {len}")]
    WrongLength { len: usize },
    #[error("a colour may contain only hexadecimal digits 0-9 and a-f after #")]
    NotHex,
}

impl HexColourError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHash => "colour_missing_hash",
            Self::WrongLength { .. } => "colour_length",
            Self::NotHex => "colour_not_hex",
        }
    }
}

impl HexColour {
    pub fn parse(raw: &str) -> Result<Self, HexColourError> {
        let hex = raw
            .trim()
            .strip_prefix('#')
            .ok_or(HexColourError::MissingHash)?;
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(HexColourError::NotHex);
        }
        if hex.len() != 6 {
            return Err(HexColourError::WrongLength { len: hex.len() });
        }
        Ok(Self(format!("#{}", hex.to_ascii_lowercase())))
    }

    /// Red, green and blue components, for renderers that take numbers.
    pub fn rgb(&self) -> (u8, u8, u8) {
        let channel = |at: usize| u8::from_str_radix(&self.0[at..at + 2], 16).unwrap_or_default();
        (channel(1), channel(3), channel(5))
    }
}

string_newtype!(HexColour, HexColourError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_lower_case() {
        let c = HexColour::parse(" #1A73E8 ").unwrap();
        assert_eq!(c.as_str(), "#1a73e8");
        assert_eq!(c.rgb(), (0x1a, 0x73, 0xe8));
        assert_eq!(HexColour::parse("#000000").unwrap().rgb(), (0, 0, 0));
        assert_eq!(HexColour::parse("#FFFFFF").unwrap().rgb(), (255, 255, 255));
    }

    #[test]
    fn refuses_with_a_precise_reason() {
        assert_eq!(HexColour::parse("1a73e8"), Err(HexColourError::MissingHash));
        assert_eq!(HexColour::parse(""), Err(HexColourError::MissingHash));
        assert_eq!(
            HexColour::parse("#fff"),
            Err(HexColourError::WrongLength { len: 3 })
        );
        assert_eq!(
            HexColour::parse("#1a73e8ff"),
            Err(HexColourError::WrongLength { len: 8 })
        );
        assert_eq!(HexColour::parse("#1a73g8"), Err(HexColourError::NotHex));
        assert_eq!(HexColour::parse("#1a 3e8"), Err(HexColourError::NotHex));
        assert_eq!(HexColour::parse("#ффф"), Err(HexColourError::NotHex));
        assert_eq!(HexColourError::NotHex.code(), "colour_not_hex");
    }

    #[test]
    fn deserialising_validates() {
        let c: HexColour = serde_json::from_str("\"#ABCDEF\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"#abcdef\"");
        assert!(serde_json::from_str::<HexColour>("\"red\"").is_err());
    }
}

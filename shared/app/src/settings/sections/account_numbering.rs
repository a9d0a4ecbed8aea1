//! Account numbering: how generated personal-account numbers look (prefix and counter width,
//! `ЛС-000001` by default). Changing it affects numbers generated from then on; numbers already
//! given keep theirs, and the counter goes on from where it is.

use crm_domain::subscriber::{AccountNumberPattern, PatternError};
use serde::{Deserialize, Serialize};

use super::{Section, SectionName, TenantSettings};
use crate::settings::fields::Fields;
use crate::validation::{Invalid, Reason};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountNumberingSection {
    pub prefix: String,
    pub width: u32,
}

impl Default for AccountNumberingSection {
    fn default() -> Self {
        Self {
            prefix: "ЛС-".to_owned(),
            width: 6,
        }
    }
}

impl AccountNumberingSection {
    /// The pattern generated numbers follow; a stored value that no longer validates (it was
    /// checked when saved) falls back to the default.
    pub fn pattern(&self) -> AccountNumberPattern {
        AccountNumberPattern::new(&self.prefix, self.width).unwrap_or_else(|_| {
            let default = Self::default();
            AccountNumberPattern {
                prefix: default.prefix,
                width: default.width,
            }
        })
    }
}

impl Section for AccountNumberingSection {
    const NAME: SectionName = SectionName::AccountNumbering;

    fn from_fields(fields: &Fields, _: &Self) -> Result<Self, Invalid> {
        let mut invalid = Invalid::new();
        let prefix = fields.get("account_prefix").trim().to_owned();
        let width = fields.number(&mut invalid, "account_width");
        let Some(width) = width else {
            return Err(invalid);
        };
        match u32::try_from(width)
            .map_err(|_| PatternError::Width)
            .and_then(|w| AccountNumberPattern::new(&prefix, w))
        {
            Ok(pattern) => invalid.into_result(AccountNumberingSection {
                prefix: pattern.prefix,
                width: pattern.width,
            }),
            Err(PatternError::Width) => {
                invalid.add(
                    "account_width",
                    Reason::new(
                        "out_of_range",
                        "Введите число от 1 до 12",
                        "Enter a number from 1 to 12",
                    ),
                );
                Err(invalid)
            }
            Err(PatternError::Invalid(_)) => {
                invalid.add(
                    "account_prefix",
                    Reason::new(
                        "invalid_prefix",
                        "С таким префиксом номера не получатся: допустимы буквы, цифры, «-» и «/», всего до 20 знаков с номером",
                        "Numbers with this prefix would be invalid: letters, digits, '-' and '/', up to 20 characters with the counter",
                    ),
                );
                Err(invalid)
            }
        }
    }

    fn to_fields(&self) -> Fields {
        Fields::new()
            .with("account_prefix", self.prefix.clone())
            .with("account_width", self.width.to_string())
    }

    fn of(settings: &TenantSettings) -> &Self {
        &settings.account_numbering
    }

    fn set(settings: &mut TenantSettings, value: Self) {
        settings.account_numbering = value;
    }
}

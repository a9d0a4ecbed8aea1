//! Branding: the name shown in the interface, an accent colour and a logo (uploaded apart,
//! see `settings::upload_logo`).

use chrono::{DateTime, Utc};
use crm_domain::HexColour;
use crm_domain::tenant_settings::{DISPLAY_NAME_MAX, display_text};
use serde::{Deserialize, Serialize};

use super::{Section, SectionName, TenantSettings};
use crate::settings::fields::Fields;
use crate::validation::Invalid;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandingSection {
    /// Shown instead of the tenant's registered name; `None` shows the registered name.
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub accent_colour: Option<HexColour>,
    #[serde(default)]
    pub logo: Option<LogoRef>,
}

/// An uploaded logo in the blob store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoRef {
    /// Changes with every upload, so links to the logo can be cached for long.
    pub id: String,
    pub blob_key: String,
    pub content_type: String,
    pub size: u64,
    pub uploaded_at: DateTime<Utc>,
}

impl Section for BrandingSection {
    const NAME: SectionName = SectionName::Branding;

    fn from_fields(fields: &Fields, current: &Self) -> Result<Self, Invalid> {
        let mut invalid = Invalid::new();
        let display_name = match fields.get("display_name") {
            "" => None,
            raw => invalid.check("display_name", display_text(raw, DISPLAY_NAME_MAX)),
        };
        let accent_colour = match fields.get("accent_colour") {
            "" => None,
            raw => invalid.check("accent_colour", HexColour::parse(raw)),
        };
        invalid.into_result(BrandingSection {
            display_name,
            accent_colour,
            logo: current.logo.clone(),
        })
    }

    fn to_fields(&self) -> Fields {
        Fields::new()
            .with(
                "display_name",
                self.display_name.clone().unwrap_or_default(),
            )
            .with(
                "accent_colour",
                self.accent_colour
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            )
    }

    fn of(settings: &TenantSettings) -> &Self {
        &settings.branding
    }

    fn set(settings: &mut TenantSettings, value: Self) {
        settings.branding = value;
    }
}

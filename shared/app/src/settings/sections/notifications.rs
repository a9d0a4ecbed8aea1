//! Notifications: the names e-mail and SMS are sent under.

use crm_domain::tenant_settings::{EMAIL_SENDER_NAME_MAX, SmsSender, display_text};
use serde::{Deserialize, Serialize};

use super::{Section, SectionName, TenantSettings};
use crate::settings::fields::Fields;
use crate::validation::Invalid;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsSection {
    /// The display name of the e-mail `From:`; `None` uses the branding's display name.
    #[serde(default)]
    pub email_from_name: Option<String>,
    /// The alphanumeric SMS sender; `None` uses the gateway's default.
    #[serde(default)]
    pub sms_sender: Option<SmsSender>,
}

impl Section for NotificationsSection {
    const NAME: SectionName = SectionName::Notifications;

    fn from_fields(fields: &Fields, _: &Self) -> Result<Self, Invalid> {
        let mut invalid = Invalid::new();
        let email_from_name = match fields.get("email_from_name") {
            "" => None,
            raw => invalid.check("email_from_name", display_text(raw, EMAIL_SENDER_NAME_MAX)),
        };
        let sms_sender = match fields.get("sms_sender") {
            "" => None,
            raw => invalid.check("sms_sender", SmsSender::parse(raw)),
        };
        invalid.into_result(NotificationsSection {
            email_from_name,
            sms_sender,
        })
    }

    fn to_fields(&self) -> Fields {
        Fields::new()
            .with(
                "email_from_name",
                self.email_from_name.clone().unwrap_or_default(),
            )
            .with(
                "sms_sender",
                self.sms_sender
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            )
    }

    fn of(settings: &TenantSettings) -> &Self {
        &settings.notifications
    }

    fn set(settings: &mut TenantSettings, value: Self) {
        settings.notifications = value;
    }
}

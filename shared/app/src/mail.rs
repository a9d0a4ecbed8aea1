//! The `Mailer` port: email to people (invitations, password resets, notifications). Locally it
//! lands in an outbox folder that a page shows; in AWS it goes through SES.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The sending tenant (its sender name is used); none for platform mail.
    pub tenant_id: Option<TenantId>,
    pub to: String,
    pub subject: String,
    pub text: String,
    #[serde(default)]
    pub html: Option<String>,
    /// What kind of mail this is (`invitation`, `password_reset`), for the outbox and logs.
    pub category: String,
}

/// A sent email as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentEmail {
    pub id: String,
    pub sent_at: DateTime<Utc>,
    pub email: Email,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("the address `{0}` cannot receive mail")]
    BadAddress(String),
    #[error("mail service unavailable: {0}")]
    Unavailable(String),
}

/// Whose mail an outbox reader may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboxScope {
    /// Everything (platform staff).
    All,
    /// Only mail sent for this tenant.
    Tenant(TenantId),
}

impl OutboxScope {
    pub fn includes(&self, email: &Email) -> bool {
        match self {
            OutboxScope::All => true,
            OutboxScope::Tenant(tenant) => email.tenant_id.as_ref() == Some(tenant),
        }
    }
}

/// The longest address accepted (RFC 5321's path limit less the brackets).
pub const MAX_ADDRESS_LEN: usize = 254;

/// Refuses what is not one plain address `local@domain.tld`: no display name, no list, no
/// whitespace or control characters (nothing that could add a header or a recipient). Every
/// adapter checks with this, so they refuse the same addresses.
pub fn check_address(address: &str) -> Result<(), MailError> {
    let bad = || MailError::BadAddress(address.to_owned());
    if address.len() > MAX_ADDRESS_LEN
        || address.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>' | '"')
        })
    {
        return Err(bad());
    }
    let (local, domain) = address.split_once('@').ok_or_else(bad)?;
    let domain_ok = !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty());
    if local.is_empty() || !domain_ok {
        return Err(bad());
    }
    Ok(())
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends the email; returns the message id.
    async fn send(&self, email: &Email) -> Result<String, MailError>;
    /// The most recent mail sent, newest first, where the adapter keeps it (the local outbox);
    /// `None` when it does not (SES).
    async fn outbox(&self, limit: usize) -> Result<Option<Vec<SentEmail>>, MailError>;

    /// The most recent mail in `scope`, newest first; `None` without an outbox.
    async fn outbox_in(
        &self,
        scope: &OutboxScope,
        limit: usize,
    ) -> Result<Option<Vec<SentEmail>>, MailError> {
        Ok(self.outbox(limit).await?.map(|mut sent| {
            sent.retain(|s| scope.includes(&s.email));
            sent
        }))
    }

    /// One kept mail by id, if it is in `scope`; `None` without an outbox or such a mail.
    async fn outbox_message(
        &self,
        scope: &OutboxScope,
        id: &str,
    ) -> Result<Option<SentEmail>, MailError> {
        Ok(self
            .outbox_in(scope, usize::MAX)
            .await?
            .and_then(|sent| sent.into_iter().find(|s| s.id == id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_addresses_only() {
        for ok in ["a@b.ru", "ivan.petrov+crm@почта.рф", "x@sub.example.com"] {
            assert_eq!(check_address(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@b.ru",
            "a@b",
            "a@b..ru",
            "a@@b.ru",
            "a b@c.ru",
            "a@b.ru, c@d.ru",
            "Ivan <a@b.ru>",
            "a@b.ru\r\nBcc: x@y.ru",
        ] {
            assert!(check_address(bad).is_err(), "{bad}");
        }
        assert!(check_address(&format!("{}@b.ru", "a".repeat(260))).is_err());
    }
}

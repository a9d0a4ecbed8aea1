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

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends the email; returns the message id.
    async fn send(&self, email: &Email) -> Result<String, MailError>;
    /// The most recent mail sent, newest first, where the adapter keeps it (the local outbox);
    /// `None` when it does not (SES).
    async fn outbox(&self, limit: usize) -> Result<Option<Vec<SentEmail>>, MailError>;
}

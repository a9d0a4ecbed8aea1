//! What can go wrong with a domain use case.

use crate::dns::DnsError;
use crate::store::StoreError;
use crate::validation::{Invalid, Reason};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerificationFailure {
    /// No `crm-verify=` TXT record at `_crm-verify.<host>`.
    RecordMissing,
    /// A `crm-verify=` record with another token.
    WrongToken,
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("no such tenant")]
    TenantNotFound,
    #[error("the tenant has no such domain")]
    NotFound,
    #[error("the subdomain comes with the tenant and cannot be removed")]
    NotCustom,
    #[error("the tenant cannot change its domains in its current state")]
    TenantInactive,
    #[error("verification failed: {0:?}")]
    NotVerified(VerificationFailure),
    #[error(transparent)]
    Dns(#[from] DnsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError {
    pub fn code(&self) -> Option<&'static str> {
        Some(match self {
            DomainError::Invalid(_) => "validation_failed",
            DomainError::TenantNotFound | DomainError::NotFound => "not_found",
            DomainError::NotCustom => "subdomain_not_removable",
            DomainError::TenantInactive => "wrong_status",
            DomainError::NotVerified(VerificationFailure::RecordMissing) => "txt_record_missing",
            DomainError::NotVerified(VerificationFailure::WrongToken) => "txt_record_mismatch",
            DomainError::Dns(_) => "dns_unavailable",
            DomainError::Store(_) => return None,
        })
    }

    pub fn reason(&self, host: &str) -> Option<Reason> {
        let code = self.code()?;
        let name = super::verification_name(host);
        let (ru, en) = match self {
            DomainError::TenantNotFound => ("Такой организации нет".to_owned(), self.to_string()),
            DomainError::NotFound => (format!("У организации нет домена {host}"), self.to_string()),
            DomainError::NotCustom => (
                "Поддомен платформы выдаётся вместе с организацией, удалить его нельзя".to_owned(),
                self.to_string(),
            ),
            DomainError::TenantInactive => (
                "Домены нельзя менять, пока организация закрывается или закрыта".to_owned(),
                self.to_string(),
            ),
            DomainError::NotVerified(VerificationFailure::RecordMissing) => (
                format!(
                    "TXT-запись {name} не найдена. Добавьте её в DNS и повторите проверку через несколько минут"
                ),
                format!(
                    "No TXT record found at {name}. Publish it and check again in a few minutes"
                ),
            ),
            DomainError::NotVerified(VerificationFailure::WrongToken) => (
                format!(
                    "TXT-запись {name} найдена, но значение не совпадает с кодом подтверждения"
                ),
                format!("The TXT record at {name} does not hold this domain's verification code"),
            ),
            DomainError::Dns(_) => (
                "DNS сейчас не отвечает; повторите проверку позже".to_owned(),
                "DNS is not answering; check again later".to_owned(),
            ),
            DomainError::Invalid(_) => (
                "Исправьте ошибки в полях".to_owned(),
                "Fix the fields marked".to_owned(),
            ),
            DomainError::Store(_) => return None,
        };
        Some(Reason::new(code, ru, en))
    }
}

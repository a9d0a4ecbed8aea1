//! What can go wrong with a tenant use case, each with a stable code and words for people.

use chrono::{DateTime, Utc};

use crate::queue::QueueError;
use crate::store::StoreError;
use crate::tenancy::TenantStatus;
use crate::validation::{Invalid, Reason};

#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("no such tenant")]
    NotFound,
    /// The version the caller read is no longer the current one.
    #[error("the tenant was changed by someone else")]
    Conflict,
    #[error("not allowed while the tenant is {status:?}")]
    WrongStatus { status: TenantStatus },
    #[error("the grace period lasts until {ends_at}")]
    GraceNotOver { ends_at: DateTime<Utc> },
    #[error("the grace period ended at {ended_at}")]
    GraceOver { ended_at: DateTime<Utc> },
    #[error("the export of the tenant's data is not ready")]
    ExportNotReady,
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl From<StoreError> for TenantError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::ConditionFailed { .. } | StoreError::TransactionCancelled { .. } => {
                TenantError::Conflict
            }
            other => TenantError::Store(other),
        }
    }
}

impl TenantError {
    /// The stable code of a business refusal; `None` for failures of the platform itself.
    pub fn code(&self) -> Option<&'static str> {
        Some(match self {
            TenantError::Invalid(_) => "validation_failed",
            TenantError::NotFound => "not_found",
            TenantError::Conflict => "conflict",
            TenantError::WrongStatus { .. } => "wrong_status",
            TenantError::GraceNotOver { .. } => "grace_not_over",
            TenantError::GraceOver { .. } => "grace_over",
            TenantError::ExportNotReady => "export_not_ready",
            TenantError::Store(_) | TenantError::Queue(_) => return None,
        })
    }

    /// Words for a refusal that is not about one field.
    pub fn reason(&self) -> Option<Reason> {
        let code = self.code()?;
        let (ru, en) = match self {
            TenantError::NotFound => ("Такой организации нет".to_owned(), self.to_string()),
            TenantError::Conflict => (
                "Запись изменил кто-то другой; обновите страницу и повторите".to_owned(),
                "The record was changed by someone else; reload and try again".to_owned(),
            ),
            TenantError::WrongStatus { status } => (
                format!(
                    "Это действие недоступно, пока организация {}",
                    status_ru(*status)
                ),
                self.to_string(),
            ),
            TenantError::GraceNotOver { ends_at } => (
                format!(
                    "Данные можно удалить после окончания отсрочки: {} (UTC)",
                    ends_at.format("%d.%m.%Y %H:%M")
                ),
                self.to_string(),
            ),
            TenantError::GraceOver { ended_at } => (
                format!(
                    "Отсрочка закончилась {} (UTC): организацию уже нельзя вернуть",
                    ended_at.format("%d.%m.%Y %H:%M")
                ),
                self.to_string(),
            ),
            TenantError::ExportNotReady => (
                "Сначала должна быть готова выгрузка данных организации".to_owned(),
                self.to_string(),
            ),
            TenantError::Invalid(_) => (
                "Исправьте ошибки в полях".to_owned(),
                "Fix the fields marked".to_owned(),
            ),
            TenantError::Store(_) | TenantError::Queue(_) => return None,
        };
        Some(Reason::new(code, ru, en))
    }
}

/// "…пока организация <status>".
fn status_ru(status: TenantStatus) -> &'static str {
    match status {
        TenantStatus::Active => "работает",
        TenantStatus::Suspended => "приостановлена",
        TenantStatus::Closing => "закрывается",
        TenantStatus::Closed => "закрыта",
    }
}

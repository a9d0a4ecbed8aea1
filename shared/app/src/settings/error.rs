use crate::blobs::BlobError;
use crate::store::StoreError;
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Someone saved the settings since they were read.
    #[error("the settings were changed by someone else")]
    Conflict,
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
}

impl From<StoreError> for SettingsError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::ConditionFailed { .. } | StoreError::TransactionCancelled { .. } => {
                SettingsError::Conflict
            }
            other => SettingsError::Store(other),
        }
    }
}

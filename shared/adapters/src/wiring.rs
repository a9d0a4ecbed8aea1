//! Builds `Services` from `Config`: embedded adapters or AWS ones.
//! (Filled in once the adapters land; until then callers get an error naming what is missing.)

use crm_app::Services;
use crm_app::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error(transparent)]
    Config(#[from] crm_app::config::ConfigErrors),
    #[error("could not set up {what}: {reason}")]
    Setup { what: &'static str, reason: String },
}

/// Reads the environment and connects every port.
pub async fn from_env() -> Result<(Config, Services), WiringError> {
    let config = Config::from_env()?;
    let services = services_from_config(&config).await?;
    Ok((config, services))
}

pub async fn services_from_config(_config: &Config) -> Result<Services, WiringError> {
    Err(WiringError::Setup {
        what: "services",
        reason: "adapters are not wired yet".into(),
    })
}

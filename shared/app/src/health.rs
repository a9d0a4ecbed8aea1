//! Whether the platform can reach what it depends on.

use serde::Serialize;

use crate::Services;
use crate::keys;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Unavailable,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Health {
    pub status: Status,
    pub store: Status,
    pub queue: Status,
}

pub async fn check(services: &Services) -> Health {
    let store = match services.db.store().get(&keys::health_probe()).await {
        Ok(_) => Status::Ok,
        Err(e) => {
            tracing::warn!(error = %e, "health: store unreachable");
            Status::Unavailable
        }
    };
    let queue = match services.queue.ping().await {
        Ok(()) => Status::Ok,
        Err(e) => {
            tracing::warn!(error = %e, "health: queue unreachable");
            Status::Unavailable
        }
    };
    let status = if store == Status::Ok && queue == Status::Ok {
        Status::Ok
    } else {
        Status::Unavailable
    };
    Health {
        status,
        store,
        queue,
    }
}

//! The time zone a namespace's audit log is read in: the tenant's (from its registry record),
//! or the platform's for the central log.

use chrono_tz::Tz;

use crate::keys::{self, Namespace};
use crate::store::{Db, StoreError};

/// Where the platform and a tenant without a setting live.
pub const DEFAULT_ZONE: Tz = chrono_tz::Europe::Moscow;

/// The tenant's `time_zone` (an IANA name in its registry record), else [`DEFAULT_ZONE`].
pub async fn time_zone(db: &Db, namespace: &Namespace) -> Result<Tz, StoreError> {
    let Namespace::Tenant(tenant) = namespace else {
        return Ok(DEFAULT_ZONE);
    };
    let record = db.central().get(&keys::tenant(tenant)).await?;
    Ok(record
        .and_then(|item| {
            item.body
                .get("time_zone")
                .and_then(serde_json::Value::as_str)
                .and_then(|name| name.parse::<Tz>().ok())
        })
        .unwrap_or(DEFAULT_ZONE))
}

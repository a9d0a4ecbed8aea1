//! The audit log's own cursor: where a listing stopped (a day partition and the store's cursor
//! inside it, or the store's cursor in an index), bound to the namespace and the filter it was
//! issued for and signed. The store cursor inside is checked again by the store handle.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AuditFilter;
use crate::keys::Namespace;
use crate::signing::Signer;
use crate::store::{Cursor, StoreError};

/// Where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Position {
    /// Walking day partitions backwards: this day, after `after` (from its newest when `None`).
    Day {
        day: NaiveDate,
        after: Option<Cursor>,
    },
    /// One index partition (an entity's or an actor's records).
    Index { after: Option<Cursor> },
}

#[derive(Serialize, Deserialize)]
struct Payload {
    /// Which listing: a digest of the namespace and the filter.
    l: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    d: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AuditCursors {
    signer: Signer,
}

impl AuditCursors {
    pub fn new(signer: &Signer) -> Self {
        Self {
            signer: signer.for_purpose("audit-cursor"),
        }
    }

    pub fn encode(&self, listing: &Listing, position: &Position) -> Cursor {
        let (d, c) = match position {
            Position::Day { day, after } => (Some(*day), after.as_ref()),
            Position::Index { after } => (None, after.as_ref()),
        };
        let payload = Payload {
            l: listing.0.clone(),
            d,
            c: c.map(|c| c.as_str().to_owned()),
        };
        // Plain strings and a date always serialise.
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let body = URL_SAFE_NO_PAD.encode(json);
        let signature = self.signer.sign(body.as_bytes());
        Cursor::from_client(format!("{body}.{signature}"))
    }

    /// The position `cursor` stands for, if this signer made it for this same listing.
    pub fn decode(&self, listing: &Listing, cursor: &Cursor) -> Result<Position, StoreError> {
        let (body, signature) = cursor
            .as_str()
            .split_once('.')
            .ok_or(StoreError::InvalidCursor("malformed"))?;
        if !self.signer.verify(body.as_bytes(), signature) {
            return Err(StoreError::InvalidCursor("signature does not match"));
        }
        let payload: Payload = URL_SAFE_NO_PAD
            .decode(body)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(StoreError::InvalidCursor("malformed"))?;
        if payload.l != listing.0 {
            return Err(StoreError::InvalidCursor("issued for a different listing"));
        }
        let after = payload.c.map(Cursor::from_client);
        Ok(match payload.d {
            Some(day) => Position::Day { day, after },
            None => Position::Index { after },
        })
    }
}

/// Identifies one listing: the namespace and the filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing(String);

impl Listing {
    pub fn new(namespace: &Namespace, filter: &AuditFilter) -> Self {
        let mut digest = Sha256::new();
        digest.update(namespace.pk(&["AUDIT"]).as_bytes());
        digest.update([0]);
        digest.update(serde_json::to_vec(filter).unwrap_or_default());
        Self(URL_SAFE_NO_PAD.encode(&digest.finalize()[..16]))
    }
}

#[cfg(test)]
mod tests {
    use crm_domain::TenantId;

    use super::*;

    fn listing(tenant: &str, actor: Option<&str>) -> Listing {
        let filter = AuditFilter {
            actor: actor.map(str::to_owned),
            ..AuditFilter::default()
        };
        Listing::new(
            &Namespace::tenant(&TenantId::parse(tenant).unwrap()),
            &filter,
        )
    }

    #[test]
    fn round_trip_and_refusals() {
        let cursors = AuditCursors::new(&Signer::new(&[5; 32]).unwrap());
        let here = listing("a", None);
        let position = Position::Day {
            day: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
            after: Some(Cursor::from_client("inner")),
        };
        let cursor = cursors.encode(&here, &position);
        assert_eq!(cursors.decode(&here, &cursor).unwrap(), position);

        for other in [listing("b", None), listing("a", Some("user:1"))] {
            assert_eq!(
                cursors.decode(&other, &cursor),
                Err(StoreError::InvalidCursor("issued for a different listing"))
            );
        }
        let mut forged = cursor.as_str().to_owned();
        forged.insert(3, 'x');
        assert!(cursors.decode(&here, &Cursor::from_client(forged)).is_err());
        assert!(cursors.decode(&here, &Cursor::from_client("")).is_err());
        let store_signer = AuditCursors::new(&Signer::new(&[6; 32]).unwrap());
        assert!(store_signer.decode(&here, &cursor).is_err());
    }
}

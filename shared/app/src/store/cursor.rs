//! Opaque query cursors: the adapter's `LastKey`, bound to the query it came from and signed.
//!
//! A cursor that was altered, made up, or issued for another partition (another tenant's
//! listing, another index) is refused instead of being used as a starting point.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::{Index, LastKey, Query, StoreError};
use crate::signing::Signer;

/// An opaque, URL-safe position in a query's results.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    pub fn from_client(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    index: Index,
    pk: String,
    last: LastKey,
}

#[derive(Clone, Debug)]
pub struct CursorSigner {
    signer: Signer,
}

impl CursorSigner {
    pub fn new(signer: &Signer) -> Self {
        Self {
            signer: signer.for_purpose("store-cursor"),
        }
    }

    pub fn encode(&self, query: &Query, last: LastKey) -> Cursor {
        let payload = Payload {
            index: query.index,
            pk: query.pk.clone(),
            last,
        };
        // Serialising plain strings and enums cannot fail.
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let body = URL_SAFE_NO_PAD.encode(&json);
        let signature = self.signer.sign(body.as_bytes());
        Cursor(format!("{body}.{signature}"))
    }

    /// The position a cursor stands for, if it was issued for exactly this query's index and
    /// partition, lies within its sort-key condition (a page of one range does not go on in
    /// another: DynamoDB would refuse a start key outside the condition), and has not been
    /// altered.
    pub fn decode(&self, query: &Query, cursor: &Cursor) -> Result<LastKey, StoreError> {
        let (body, signature) = cursor
            .0
            .split_once('.')
            .ok_or(StoreError::InvalidCursor("malformed"))?;
        if !self.signer.verify(body.as_bytes(), signature) {
            return Err(StoreError::InvalidCursor("signature does not match"));
        }
        let json = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| StoreError::InvalidCursor("malformed"))?;
        let payload: Payload =
            serde_json::from_slice(&json).map_err(|_| StoreError::InvalidCursor("malformed"))?;
        if payload.index != query.index
            || payload.pk != query.pk
            || payload.last.index_key.pk != query.pk
        {
            return Err(StoreError::InvalidCursor("issued for a different listing"));
        }
        if !query.sort.matches(&payload.last.index_key.sk) {
            return Err(StoreError::InvalidCursor("issued for a different range"));
        }
        Ok(payload.last)
    }
}

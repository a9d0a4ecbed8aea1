//! The `DnsResolver` port: TXT records, which prove a tenant controls a custom domain.
//!
//! `crm_adapters::dns_udp` asks the system's resolver; [`StaticDns`] is the in-memory test
//! double with records set by the test.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// No answer in time, the resolver refused or failed (SERVFAIL); asking later may work.
    #[error("DNS lookup failed: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait DnsResolver: Send + Sync {
    /// The TXT records of `name`, each as one string (a record's character-strings joined).
    /// A name without TXT records, or that does not exist, gives an empty list.
    async fn txt_records(&self, name: &str) -> Result<Vec<String>, DnsError>;
}

/// A resolver that answers from records a test set. Unknown names have no records.
#[derive(Debug, Default)]
pub struct StaticDns {
    records: Mutex<HashMap<String, Vec<String>>>,
    failing: Mutex<bool>,
}

impl StaticDns {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the TXT records of `name`.
    pub fn set_txt(&self, name: &str, records: &[&str]) {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                name.trim_end_matches('.').to_ascii_lowercase(),
                records.iter().map(|r| (*r).to_owned()).collect(),
            );
    }

    /// Makes every lookup fail (an unreachable resolver).
    pub fn set_failing(&self, failing: bool) {
        *self.failing.lock().unwrap_or_else(|p| p.into_inner()) = failing;
    }
}

#[async_trait]
impl DnsResolver for StaticDns {
    async fn txt_records(&self, name: &str) -> Result<Vec<String>, DnsError> {
        if *self.failing.lock().unwrap_or_else(|p| p.into_inner()) {
            return Err(DnsError::Unavailable("static resolver set to fail".into()));
        }
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        Ok(self
            .records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&name)
            .cloned()
            .unwrap_or_default())
    }
}

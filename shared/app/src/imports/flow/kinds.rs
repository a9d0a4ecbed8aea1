//! The kinds of import. A kind names its schema (the columns it reads), the job-progress kind
//! its jobs are listed under, and builds the row handler that applies it. Adding a kind is a variant here, a schema and a
//! handler beside its use cases.

use serde::{Deserialize, Serialize};

use super::super::Schema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Subscribers created or updated by account number (`crate::subscribers::import`).
    Subscribers,
    /// Services linked to subscribers (`crate::catalog::import`).
    ServiceLinks,
    /// Meter readings, by serial or account number (`crate::meters::import`).
    Readings,
}

impl ImportKind {
    pub const ALL: [ImportKind; 3] = [
        ImportKind::Subscribers,
        ImportKind::ServiceLinks,
        ImportKind::Readings,
    ];

    /// The kind as it appears in URLs and saved mappings (`subscribers`, `service-links`).
    pub fn slug(self) -> &'static str {
        match self {
            ImportKind::Subscribers => "subscribers",
            ImportKind::ServiceLinks => "service-links",
            ImportKind::Readings => "readings",
        }
    }

    pub fn parse(slug: &str) -> Option<ImportKind> {
        Self::ALL.into_iter().find(|kind| kind.slug() == slug)
    }

    pub fn schema(self) -> Schema {
        match self {
            ImportKind::Subscribers => crate::subscribers::import::SCHEMA,
            ImportKind::ServiceLinks => crate::catalog::import::SCHEMA,
            ImportKind::Readings => crate::meters::import::SCHEMA,
        }
    }

    /// Rows handed to the handler at a time. Readings go in large batches: their intake is a
    /// pipeline that writes one slice while it reads and validates the next, and it needs a few
    /// slices per batch to overlap (docs/benchmarks.md). The memory stays flat either way.
    pub fn batch_rows(self) -> usize {
        match self {
            ImportKind::Subscribers | ImportKind::ServiceLinks => {
                crate::imports::stream::DEFAULT_BATCH_ROWS
            }
            ImportKind::Readings => crate::meters::import::BATCH_ROWS,
        }
    }

    /// The kind of the progress records of this import's jobs.
    pub fn job_kind(self) -> &'static str {
        match self {
            ImportKind::Subscribers => "subscribers_import",
            ImportKind::ServiceLinks => "service_links_import",
            ImportKind::Readings => "readings_import",
        }
    }

    pub fn from_job_kind(kind: &str) -> Option<ImportKind> {
        Self::ALL.into_iter().find(|k| k.job_kind() == kind)
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            ImportKind::Subscribers => "Загрузка абонентов",
            ImportKind::ServiceLinks => "Загрузка услуг абонентов",
            ImportKind::Readings => "Загрузка показаний счётчиков",
        }
    }

    pub fn title_en(self) -> &'static str {
        match self {
            ImportKind::Subscribers => "Subscriber import",
            ImportKind::ServiceLinks => "Service link import",
            ImportKind::Readings => "Meter reading import",
        }
    }
}

//! A service's tariff: effective-dated versions in the service's partition, read whole with
//! one query. Adding a version closes the open-ended one before it; versions that have not
//! started may be changed or deleted; the rules are `crm_domain::billing::tariff_edit`.
//!
//! Every change rewrites the service item under a version condition, so two people changing
//! the same history at once cannot both pass the overlap check.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::billing::service::{ServiceKind, Zone};
use crm_domain::billing::tariff::{Block, Rates, TariffVersion, TariffWarning, version_on};
use crm_domain::billing::tariff_edit::{self, Plan, Slot};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::input::{self, Issues};
use super::services::{self, Context, ENTITY, Service};
use super::{CatalogError, Fault, Issue, checked_id, tariff_issue};
use crate::audit::Change;
use crate::keys::{self, Namespace};
use crate::store::{
    Body, Change as StoreChange, Condition, Delete, Item, Put, Query, ScopedDb, SortKey,
    StoreError, Update, Write,
};

/// A stored tariff version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredVersion {
    pub id: String,
    #[serde(flatten)]
    pub version: TariffVersion,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The store's version of the item (not stored in the body).
    #[serde(skip)]
    pub item_version: u64,
}

impl StoredVersion {
    fn to_item(&self, namespace: &Namespace, service_id: &str) -> Item {
        let body: Body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        Item::new(keys::tariff_version(namespace, service_id, &self.id), body)
    }

    fn from_item(item: &Item) -> Result<StoredVersion, StoreError> {
        let mut stored: StoredVersion = item
            .decode()
            .map_err(|e| StoreError::Backend(format!("unreadable tariff {:?}: {e}", item.key)))?;
        stored.item_version = item.version;
        Ok(stored)
    }
}

/// A service with its whole tariff history and its link counter.
#[derive(Clone, Debug)]
pub struct History {
    pub service: Service,
    pub service_version: u64,
    /// In date order.
    pub versions: Vec<StoredVersion>,
    /// Links ever made to the service.
    pub link_count: u64,
}

impl History {
    pub fn tariff(&self) -> Vec<TariffVersion> {
        self.versions.iter().map(|v| v.version.clone()).collect()
    }

    /// Gaps between versions.
    pub fn warnings(&self) -> Vec<TariffWarning> {
        crm_domain::billing::tariff::check_history(self.service.kind, &self.tariff())
            .unwrap_or_default()
    }

    /// The version in force on `day`.
    pub fn current(&self, day: NaiveDate) -> Option<&StoredVersion> {
        let tariff = self.tariff();
        let found = version_on(&tariff, day)?;
        self.versions.iter().find(|v| v.version == *found)
    }

    /// Versions starting after `day`, soonest first.
    pub fn upcoming(&self, day: NaiveDate) -> Vec<&StoredVersion> {
        self.versions
            .iter()
            .filter(|v| tariff_edit::is_future(&v.version, day))
            .collect()
    }

    pub fn find(&self, version_id: &str) -> Option<(usize, &StoredVersion)> {
        self.versions
            .iter()
            .enumerate()
            .find(|(_, v)| v.id == version_id)
    }
}

/// The service, its versions and its counter: one query on the service's partition.
pub async fn history(db: &ScopedDb, service_id: &str) -> Result<History, CatalogError> {
    let id = checked_id(service_id)?;
    let ns = db.namespace();
    let mut service = None;
    let mut versions = Vec::new();
    let mut link_count = 0;
    let mut cursor = None;
    loop {
        let query = Query::new(crate::store::Index::Table, keys::service_partition(ns, id))
            .sort(SortKey::Any)
            .limit(1000);
        let page = db.query(query, cursor.as_ref()).await?;
        for item in &page.items {
            if item.key == keys::service(ns, id) {
                service = Some((Service::from_item(item)?, item.version));
            } else if item.key == keys::service_link_count(ns, id) {
                link_count = item
                    .body
                    .get("count")
                    .and_then(Value::as_u64)
                    .unwrap_or_default();
            } else if item.key.sk.starts_with(keys::TARIFF_SORT_PREFIX) {
                versions.push(StoredVersion::from_item(item)?);
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let (service, service_version) = service.ok_or(CatalogError::NotFound)?;
    versions.sort_by_key(|v| v.version.valid_from);
    Ok(History {
        service,
        service_version,
        versions,
        link_count,
    })
}

/// A tariff version as typed. Which rate fields count depends on the service's kind: `rate`
/// (flat), `blocks` (tiered), `zone_rates` (multi-zone); `norm` for norm services.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TariffDraft {
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub rate: Option<String>,
    pub blocks: Vec<BlockDraft>,
    /// Zone code and rate.
    pub zone_rates: Vec<(String, String)>,
    pub norm: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockDraft {
    /// Empty for the last, open block.
    pub up_to: String,
    pub rate: String,
}

impl TariffDraft {
    /// The draft that reproduces `version` (edit forms start from it).
    pub fn from_version(version: &TariffVersion) -> Self {
        let text = |d: Decimal| d.normalize().to_string();
        let mut draft = TariffDraft {
            valid_from: Some(version.valid_from.to_string()),
            valid_until: version.valid_until.map(|d| d.to_string()),
            norm: version.norm.map(text),
            ..TariffDraft::default()
        };
        match &version.rates {
            Rates::Flat { rate } => draft.rate = Some(text(*rate)),
            Rates::Blocks { blocks } => {
                draft.blocks = blocks
                    .iter()
                    .map(|b| BlockDraft {
                        up_to: b.up_to.map(text).unwrap_or_default(),
                        rate: text(b.rate),
                    })
                    .collect();
            }
            Rates::Zoned { rates } => {
                draft.zone_rates = rates
                    .iter()
                    .map(|(zone, rate)| (input::zone_code(*zone).to_owned(), text(*rate)))
                    .collect();
            }
        }
        draft
    }

    /// The version this draft describes for a service of `kind`, or every field's fault.
    pub fn parse(&self, kind: ServiceKind) -> Result<TariffVersion, Vec<Issue>> {
        let mut issues = Issues::new();
        let valid_from = issues.take(
            "valid_from",
            input::required(self.valid_from.as_deref()).and_then(input::date),
        );
        let valid_until = issues.take(
            "valid_until",
            input::optional_date(self.valid_until.as_deref()),
        );
        let rates = match kind {
            ServiceKind::Tiered => self.blocks(&mut issues),
            ServiceKind::MultiZone { zones } => self.zones(zones.zones(), &mut issues),
            _ => {
                let rate = issues.take(
                    "rate",
                    input::required(self.rate.as_deref()).and_then(input::non_negative),
                );
                rate.map(|rate| Rates::Flat { rate })
            }
        };
        let expected = match kind {
            ServiceKind::Tiered => "block",
            ServiceKind::MultiZone { .. } => "zone",
            _ => "flat",
        };
        let wrong = Fault::WrongRates { expected };
        if expected != "flat" && self.rate.as_deref().is_some_and(|r| !r.trim().is_empty()) {
            issues.add("rate", wrong.clone());
        }
        if expected != "block" && !self.blocks.is_empty() {
            issues.add("blocks", wrong.clone());
        }
        if expected != "zone" && !self.zone_rates.is_empty() {
            issues.add("zone_rates", wrong);
        }
        let norm = match self.norm.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(raw) => issues.take("norm", input::non_negative(raw)).map(Some),
        };
        issues.finish(|| {
            Some(TariffVersion {
                valid_from: valid_from?,
                valid_until: valid_until?,
                rates: rates?,
                norm: norm?,
            })
        })
    }

    fn blocks(&self, issues: &mut Issues) -> Option<Rates> {
        if self.blocks.is_empty() {
            issues.add("blocks", Fault::Required);
            return None;
        }
        let last = self.blocks.len() - 1;
        let mut blocks = Vec::with_capacity(self.blocks.len());
        for (i, block) in self.blocks.iter().enumerate() {
            let up_to = if i == last && block.up_to.trim().is_empty() {
                Some(None)
            } else {
                issues
                    .take(
                        &format!("blocks[{i}].up_to"),
                        input::non_negative(&block.up_to),
                    )
                    .map(Some)
            };
            let rate = issues.take(
                &format!("blocks[{i}].rate"),
                input::non_negative(&block.rate),
            );
            if let (Some(up_to), Some(rate)) = (up_to, rate) {
                blocks.push(Block { up_to, rate });
            }
        }
        (blocks.len() == self.blocks.len()).then_some(Rates::Blocks { blocks })
    }

    fn zones(&self, expected: &[Zone], issues: &mut Issues) -> Option<Rates> {
        let given: BTreeMap<&str, &str> = self
            .zone_rates
            .iter()
            .map(|(zone, rate)| (zone.trim(), rate.as_str()))
            .collect();
        for zone in given.keys() {
            if !expected.iter().any(|z| input::zone_code(*z) == *zone) {
                issues.add(
                    &format!("zone_rates.{zone}"),
                    Fault::Zones {
                        expected: expected.iter().map(|z| input::zone_code(*z)).collect(),
                    },
                );
            }
        }
        let mut rates = Vec::with_capacity(expected.len());
        for zone in expected {
            let code = input::zone_code(*zone);
            let field = format!("zone_rates.{code}");
            let rate = issues.take(
                &field,
                input::required(given.get(code).copied()).and_then(input::non_negative),
            );
            if let Some(rate) = rate {
                rates.push((*zone, rate));
            }
        }
        (rates.len() == expected.len()).then_some(Rates::Zoned { rates })
    }
}

/// A version as the audit log shows it: rates spelled out field by field, the last day
/// inclusive.
fn audit_fields(version: &TariffVersion) -> Value {
    let text = |d: Decimal| Value::from(d.normalize().to_string());
    let mut fields = Map::new();
    // People read the last day (inclusive); an open end is simply absent.
    if let Some(until) = version.valid_until {
        fields.insert(
            "last_day".into(),
            Value::from((until - chrono::Duration::days(1)).to_string()),
        );
    }
    match &version.rates {
        Rates::Flat { rate } => {
            fields.insert("rate".into(), text(*rate));
        }
        Rates::Blocks { blocks } => {
            let blocks: Vec<Value> = blocks
                .iter()
                .map(|b| json!({"up_to": b.up_to.map(|u| u.normalize().to_string()), "rate": b.rate.normalize().to_string()}))
                .collect();
            fields.insert("blocks".into(), Value::from(blocks));
        }
        Rates::Zoned { rates } => {
            let zones: Map<String, Value> = rates
                .iter()
                .map(|(zone, rate)| (input::zone_code(*zone).to_owned(), text(*rate)))
                .collect();
            fields.insert("zone_rates".into(), Value::Object(zones));
        }
    }
    if let Some(norm) = version.norm {
        fields.insert("norm".into(), text(norm));
    }
    Value::Object(fields)
}

/// `{"tariff": {"<valid_from>": {...}}}` over the versions given.
fn audit_view<'a>(versions: impl IntoIterator<Item = &'a TariffVersion>) -> Value {
    let by_start: Map<String, Value> = versions
        .into_iter()
        .map(|v| (v.valid_from.to_string(), audit_fields(v)))
        .collect();
    json!({ "tariff": by_start })
}

/// What a change did: the version entered and the warnings of the resulting history.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub version: Option<StoredVersion>,
    pub warnings: Vec<TariffWarning>,
}

pub async fn add(
    db: &ScopedDb,
    cx: &Context<'_>,
    service_id: &str,
    draft: &TariffDraft,
) -> Result<Outcome, CatalogError> {
    let history = history(db, service_id).await?;
    let new = draft.parse(history.service.kind)?;
    let plan = tariff_edit::add(history.service.kind, &history.tariff(), new)
        .map_err(|e| CatalogError::Invalid(vec![tariff_issue(&e)]))?;
    let stored = plan.added.clone().map(|version| StoredVersion {
        id: cx.ids.new_id(),
        version,
        created_at: cx.now,
        updated_at: cx.now,
        item_version: 0,
    });
    apply(db, cx, &history, &plan, stored.as_ref(), "tariff.add").await?;
    Ok(Outcome {
        version: stored,
        warnings: plan.warnings,
    })
}

/// Replaces a version that has not started yet.
pub async fn replace(
    db: &ScopedDb,
    cx: &Context<'_>,
    service_id: &str,
    version_id: &str,
    draft: &TariffDraft,
) -> Result<Outcome, CatalogError> {
    let history = history(db, service_id).await?;
    let (index, _) = history.find(version_id).ok_or(CatalogError::NotFound)?;
    let new = draft.parse(history.service.kind)?;
    let plan = tariff_edit::replace(
        history.service.kind,
        &history.tariff(),
        index,
        new,
        super::today(cx.now),
    )
    .map_err(|e| CatalogError::Invalid(vec![tariff_issue(&e)]))?;
    apply(db, cx, &history, &plan, None, "tariff.update").await?;
    let changed = match &plan.slots[index] {
        Slot::Changed(version) => Some(StoredVersion {
            version: version.clone(),
            updated_at: cx.now,
            ..history.versions[index].clone()
        }),
        _ => None,
    };
    Ok(Outcome {
        version: changed,
        warnings: plan.warnings,
    })
}

/// Deletes a version that has not started yet; the version before it takes over its days.
pub async fn remove(
    db: &ScopedDb,
    cx: &Context<'_>,
    service_id: &str,
    version_id: &str,
) -> Result<Outcome, CatalogError> {
    let history = history(db, service_id).await?;
    let (index, _) = history.find(version_id).ok_or(CatalogError::NotFound)?;
    let plan = tariff_edit::remove(
        history.service.kind,
        &history.tariff(),
        index,
        super::today(cx.now),
    )
    .map_err(|e| CatalogError::Invalid(vec![tariff_issue(&e)]))?;
    apply(db, cx, &history, &plan, None, "tariff.delete").await?;
    Ok(Outcome {
        version: None,
        warnings: plan.warnings,
    })
}

/// Writes `plan` with the audit record and the service bump, all in one transaction.
async fn apply(
    db: &ScopedDb,
    cx: &Context<'_>,
    history: &History,
    plan: &Plan,
    added: Option<&StoredVersion>,
    action: &str,
) -> Result<(), CatalogError> {
    let ns = db.namespace();
    let service_id = &history.service.id;
    let mut writes = Vec::new();
    let mut before = Vec::new();
    let mut after = Vec::new();
    for (stored, slot) in history.versions.iter().zip(&plan.slots) {
        match slot {
            Slot::Kept => {}
            Slot::Changed(version) => {
                before.push(&stored.version);
                after.push(version);
                let updated = StoredVersion {
                    version: version.clone(),
                    updated_at: cx.now,
                    ..stored.clone()
                };
                writes.push(Write::Put(Put {
                    item: updated.to_item(ns, service_id),
                    condition: Condition::VersionEquals(stored.item_version),
                }));
            }
            Slot::Removed => {
                before.push(&stored.version);
                writes.push(Write::Delete(Delete {
                    key: keys::tariff_version(ns, service_id, &stored.id),
                    condition: Condition::VersionEquals(stored.item_version),
                }));
            }
        }
    }
    if let Some(stored) = added {
        after.push(&stored.version);
        writes.push(Write::Put(Put {
            item: stored.to_item(ns, service_id),
            condition: Condition::MustNotExist,
        }));
    }
    writes.push(Write::Update(Update {
        key: keys::service(ns, service_id),
        condition: Condition::VersionEquals(history.service_version),
        changes: vec![StoreChange::Set(
            "tariff_changed_at".into(),
            Value::from(cx.now.to_rfc3339()),
        )],
    }));
    let (before, after) = (audit_view(before), audit_view(after));
    writes.push(cx.record(
        ns,
        &Change {
            action,
            entity_type: ENTITY,
            entity_id: service_id,
            before: Some(&before),
            after: Some(&after),
        },
    ));
    db.transact(writes).await?;
    Ok(())
}

/// Whether the service exists (for routes that only need that).
pub async fn service_exists(db: &ScopedDb, service_id: &str) -> Result<bool, StoreError> {
    Ok(services::get(db, service_id).await?.is_some())
}

#[cfg(test)]
mod tests {
    use crm_domain::billing::service::{NormBasis, ZoneScheme};

    use super::*;

    fn fields(result: Result<TariffVersion, Vec<Issue>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|i| i.field).collect()
    }

    #[test]
    fn drafts_per_kind() {
        let flat = TariffDraft {
            valid_from: Some("01.07.2026".into()),
            rate: Some("58,10".into()),
            ..TariffDraft::default()
        };
        let version = flat.parse(ServiceKind::Metered).unwrap();
        assert_eq!(
            version.rates,
            Rates::Flat {
                rate: "58.1".parse().unwrap()
            }
        );
        assert_eq!(
            TariffDraft::from_version(&version).parse(ServiceKind::Metered),
            Ok(version)
        );
        assert_eq!(fields(flat.parse(ServiceKind::Tiered)), ["blocks", "rate"]);

        let blocks = TariffDraft {
            valid_from: Some("2026-07-01".into()),
            blocks: vec![
                BlockDraft {
                    up_to: "150".into(),
                    rate: "5".into(),
                },
                BlockDraft {
                    up_to: String::new(),
                    rate: "x".into(),
                },
            ],
            ..TariffDraft::default()
        };
        assert_eq!(
            fields(blocks.parse(ServiceKind::Tiered)),
            ["blocks[1].rate"]
        );

        let zones = TariffDraft {
            valid_from: Some("2026-13-01".into()),
            zone_rates: vec![("day".into(), "7.5".into()), ("peak".into(), "1".into())],
            ..TariffDraft::default()
        };
        let two_zone = ServiceKind::MultiZone {
            zones: ZoneScheme::DayNight,
        };
        assert_eq!(
            fields(zones.parse(two_zone)),
            ["valid_from", "zone_rates.peak", "zone_rates.night"]
        );
        let norm = TariffDraft {
            valid_from: Some("2026-07-01".into()),
            rate: Some("10".into()),
            norm: Some("-1".into()),
            ..TariffDraft::default()
        };
        assert_eq!(
            fields(norm.parse(ServiceKind::Norm {
                basis: NormBasis::PerResident
            })),
            ["norm"]
        );
    }
}

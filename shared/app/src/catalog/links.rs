//! Links of services to subscribers (subscriptions): attach, change, detach, and list them by
//! subscriber or by service. Nothing is ever deleted: detaching sets the end date.
//!
//! A link lives in its subscriber's partition; GSI1 lists a service's links ("who has this
//! service"). Each (subscriber, service) pair has a guard item rewritten under a version
//! condition with every change, so concurrent changes cannot both pass the overlap check; the
//! subscriber's profile must exist when the change commits.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::billing::subscription::{
    LinkError, LinkPeriod, Terms, TermsField, check_terms, find_overlap,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::input::{self, Issues};
use super::services::{self, Context, Service};
use super::{CatalogError, Fault, Issue, checked_id, link_fault};
use crate::audit::Change;
use crate::keys::{self, Namespace};
use crate::store::{
    Body, Change as StoreChange, Condition, Cursor, Index, Item, Put, Query, ScopedDb, SortKey,
    StoreError, Update, Write,
};

/// Links are audited on the subscriber's timeline: attaching a service changes the subscriber.
pub const ENTITY: &str = "subscriber";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub id: String,
    pub subscriber_id: String,
    pub service_id: String,
    #[serde(flatten)]
    pub period: LinkPeriod,
    #[serde(flatten)]
    pub terms: Terms,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The bulk job that made it, if one did.
    #[serde(default)]
    pub bulk_job: Option<String>,
    #[serde(skip)]
    pub item_version: u64,
}

impl Link {
    pub fn to_item(&self, namespace: &Namespace) -> Item {
        let body: Body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        Item::new(
            keys::service_link(namespace, &self.subscriber_id, &self.service_id, &self.id),
            body,
        )
        .with_index(
            Index::Gsi1,
            keys::links_of_service(namespace, &self.service_id, &self.subscriber_id, &self.id),
        )
    }

    pub fn from_item(item: &Item) -> Result<Link, StoreError> {
        let mut link: Link = item
            .decode()
            .map_err(|e| StoreError::Backend(format!("unreadable link {:?}: {e}", item.key)))?;
        link.item_version = item.version;
        Ok(link)
    }

    /// The link as the subscriber's timeline shows it, under the service's name.
    /// The last day is inclusive there (a cancelled link's is the day before it starts); absent
    /// values are left out.
    pub fn audit_view(&self, service: &Service) -> Value {
        let mut fields = serde_json::Map::new();
        fields.insert("link_id".into(), Value::from(self.id.clone()));
        fields.insert(
            "valid_from".into(),
            Value::from(self.period.valid_from.to_string()),
        );
        if let Some(until) = self.period.valid_until {
            let last = until - chrono::Duration::days(1);
            fields.insert("last_day".into(), Value::from(last.to_string()));
        }
        for (name, value) in [
            ("individual_rate", self.terms.individual_rate),
            ("individual_quantity", self.terms.individual_quantity),
        ] {
            if let Some(value) = value {
                fields.insert(name.into(), Value::from(value.normalize().to_string()));
            }
        }
        json!({ "services": { service.name.clone(): fields } })
    }
}

/// A link as typed. For a change, an absent field keeps its value and `Some(None)` (or an
/// empty text) clears an optional one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkDraft {
    pub valid_from: Option<String>,
    pub valid_until: Option<Option<String>>,
    pub individual_rate: Option<Option<String>>,
    pub individual_quantity: Option<Option<String>>,
}

fn optional_decimal(
    issues: &mut Issues,
    field: &str,
    raw: Option<&Option<String>>,
    current: Option<rust_decimal::Decimal>,
) -> Option<Option<rust_decimal::Decimal>> {
    match raw {
        None => Some(current),
        Some(None) => Some(None),
        Some(Some(text)) if text.trim().is_empty() => Some(None),
        Some(Some(text)) => issues.take(field, input::non_negative(text)).map(Some),
    }
}

/// The period and terms `draft` describes, over `base` (a change) or from nothing (a new link).
fn parse(
    draft: &LinkDraft,
    base: Option<&Link>,
    service: &Service,
) -> Result<(LinkPeriod, Terms), Vec<Issue>> {
    let mut issues = Issues::new();
    let valid_from = match (&draft.valid_from, base) {
        (Some(raw), _) => issues.take("valid_from", input::date(raw)),
        (None, Some(base)) => Some(base.period.valid_from),
        (None, None) => issues.take("valid_from", Err(Fault::Required)),
    };
    let valid_until = match (&draft.valid_until, base) {
        (Some(raw), _) => issues.take("valid_until", input::optional_date(raw.as_deref())),
        (None, Some(base)) => Some(base.period.valid_until),
        (None, None) => Some(None),
    };
    let individual_rate = optional_decimal(
        &mut issues,
        "individual_rate",
        draft.individual_rate.as_ref(),
        base.and_then(|b| b.terms.individual_rate),
    );
    let individual_quantity = optional_decimal(
        &mut issues,
        "individual_quantity",
        draft.individual_quantity.as_ref(),
        base.and_then(|b| b.terms.individual_quantity),
    );
    let (Some(valid_from), Some(valid_until), Some(individual_rate), Some(individual_quantity)) = (
        valid_from,
        valid_until,
        individual_rate,
        individual_quantity,
    ) else {
        return Err(issues.into_vec());
    };
    let period = issues.take(
        "valid_until",
        LinkPeriod::new(valid_from, valid_until).map_err(|e| link_fault(&e)),
    );
    let terms = Terms {
        individual_rate,
        individual_quantity,
    };
    if let Err((field, error)) = check_terms(service.kind, &terms) {
        let field = match field {
            TermsField::Rate => "individual_rate",
            TermsField::Quantity => "individual_quantity",
        };
        issues.add(field, link_fault(&error));
    }
    issues.finish(|| Some((period?, terms)))
}

/// The period and terms of a new link of `service`.
pub fn parse_new(draft: &LinkDraft, service: &Service) -> Result<(LinkPeriod, Terms), Vec<Issue>> {
    parse(draft, None, service)
}

/// The links of one (subscriber, service) pair and the version of its guard (0: none yet).
#[derive(Clone, Debug, Default)]
pub struct Pair {
    pub guard_version: u64,
    pub links: Vec<Link>,
}

impl Pair {
    /// The first link other than `except` that shares a day with `period`.
    pub fn overlap(&self, period: &LinkPeriod, except: Option<&str>) -> Option<LinkPeriod> {
        find_overlap(
            self.links
                .iter()
                .filter(|l| Some(l.id.as_str()) != except)
                .map(|l| (&l.id, l.period)),
            period,
        )
        .map(|(_, p)| p)
    }
}

/// One query: the pair's guard and links share a sort key prefix.
pub async fn pair(
    db: &ScopedDb,
    subscriber_id: &str,
    service_id: &str,
) -> Result<Pair, StoreError> {
    let ns = db.namespace();
    let guard = keys::service_link_guard(ns, subscriber_id, service_id);
    let query = Query::new(Index::Table, guard.pk.clone())
        .sort(SortKey::BeginsWith(keys::link_sort_prefix(service_id)))
        .limit(1000);
    let page = db.query(query, None).await?;
    let mut pair = Pair::default();
    let link_prefix = format!("{}#", guard.sk);
    for item in &page.items {
        if item.key.sk == guard.sk {
            pair.guard_version = item.version;
        } else if item.key.sk.starts_with(&link_prefix) {
            pair.links.push(Link::from_item(item)?);
        }
    }
    pair.links.sort_by_key(|l| l.period.valid_from);
    Ok(pair)
}

/// The guard rewrite that serialises changes to a pair.
fn guard_write(
    namespace: &Namespace,
    link: &Link,
    guard_version: u64,
    now: DateTime<Utc>,
) -> Write {
    let mut body = Body::new();
    body.insert("service_id".into(), Value::from(link.service_id.clone()));
    body.insert("changed_at".into(), Value::from(now.to_rfc3339()));
    Write::Put(Put {
        item: Item::new(
            keys::service_link_guard(namespace, &link.subscriber_id, &link.service_id),
            body,
        ),
        condition: if guard_version == 0 {
            Condition::MustNotExist
        } else {
            Condition::VersionEquals(guard_version)
        },
    })
}

/// Everything creating `link` writes except the service's counter: the subscriber check, the
/// link, the guard and the audit record. `subscriber check` comes first.
pub fn attach_writes(
    namespace: &Namespace,
    cx: &Context<'_>,
    service: &Service,
    link: &Link,
    guard_version: u64,
) -> Vec<Write> {
    let after = link.audit_view(service);
    vec![
        Write::Check {
            key: keys::subscriber_profile(namespace, &link.subscriber_id),
            condition: Condition::MustExist,
        },
        Write::Put(Put {
            item: link.to_item(namespace),
            condition: Condition::MustNotExist,
        }),
        guard_write(namespace, link, guard_version, cx.now),
        cx.record(
            namespace,
            &Change {
                action: "service_link.attach",
                entity_type: ENTITY,
                entity_id: &link.subscriber_id,
                before: None,
                after: Some(&after),
            },
        ),
    ]
}

/// Adds `count` to the service's link counter.
pub fn count_write(namespace: &Namespace, service_id: &str, count: i64) -> Write {
    Write::Update(Update {
        key: keys::service_link_count(namespace, service_id),
        condition: Condition::None,
        changes: vec![StoreChange::Increment("count".into(), count)],
    })
}

/// A service that may be linked: it exists and is not archived (a field fault otherwise).
pub async fn linkable_service(db: &ScopedDb, service_id: &str) -> Result<Service, CatalogError> {
    match services::get(db, service_id).await? {
        Some((service, _)) if service.archived => {
            Err(CatalogError::invalid("service_id", Fault::ServiceArchived))
        }
        Some((service, _)) => Ok(service),
        None => Err(CatalogError::invalid("service_id", Fault::NoSuchRecord)),
    }
}

async fn subscriber_exists(db: &ScopedDb, subscriber_id: &str) -> Result<bool, StoreError> {
    Ok(db
        .get(&keys::subscriber_profile(db.namespace(), subscriber_id))
        .await?
        .is_some())
}

pub async fn attach(
    db: &ScopedDb,
    cx: &Context<'_>,
    subscriber_id: &str,
    service_id: &str,
    draft: &LinkDraft,
) -> Result<Link, CatalogError> {
    let subscriber_id = checked_id(subscriber_id)?;
    // Another tenant's (or no) subscriber is not found whatever the body says.
    if !subscriber_exists(db, subscriber_id).await? {
        return Err(CatalogError::NotFound);
    }
    if service_id.trim().is_empty() {
        return Err(CatalogError::invalid("service_id", Fault::Required));
    }
    if !super::is_valid_id(service_id) {
        return Err(CatalogError::invalid("service_id", Fault::NoSuchRecord));
    }
    let service = linkable_service(db, service_id).await?;
    let (period, terms) = parse(draft, None, &service)?;
    let pair = pair(db, subscriber_id, service_id).await?;
    if let Some(other) = pair.overlap(&period, None) {
        return Err(overlap(other));
    }
    let link = Link {
        id: cx.ids.new_id(),
        subscriber_id: subscriber_id.to_owned(),
        service_id: service.id.clone(),
        period,
        terms,
        created_at: cx.now,
        updated_at: cx.now,
        bulk_job: None,
        item_version: 0,
    };
    let ns = db.namespace();
    let mut writes = attach_writes(ns, cx, &service, &link, pair.guard_version);
    writes.push(count_write(ns, &service.id, 1));
    match db.transact(writes).await {
        // The profile went away between the read and the write.
        Err(StoreError::TransactionCancelled { failed }) if failed.contains(&0) => {
            Err(CatalogError::NotFound)
        }
        other => other.map(|()| link).map_err(CatalogError::from),
    }
}

fn overlap(other: LinkPeriod) -> CatalogError {
    CatalogError::invalid(
        "valid_from",
        link_fault(&LinkError::Overlap {
            with: other.valid_from,
        }),
    )
}

/// Every link of a subscriber (all services, all periods), one query.
pub async fn of_subscriber(db: &ScopedDb, subscriber_id: &str) -> Result<Vec<Link>, CatalogError> {
    let subscriber_id = checked_id(subscriber_id)?;
    let query = Query::new(
        Index::Table,
        keys::subscriber_partition(db.namespace(), subscriber_id),
    )
    .sort(SortKey::BeginsWith(keys::LINK_SORT_PREFIX.to_owned()))
    .limit(1000);
    let page = db.query(query, None).await?;
    let mut links = Vec::new();
    for item in &page.items {
        // Guards are `LINK#<service>`, links `LINK#<service>#<link>`.
        if item.key.sk.matches('#').count() == 2 {
            links.push(Link::from_item(item)?);
        }
    }
    links.sort_by(|a, b| {
        (a.service_id.as_str(), a.period.valid_from)
            .cmp(&(b.service_id.as_str(), b.period.valid_from))
    });
    Ok(links)
}

/// A subscriber's links with their services, for cards and the API.
pub async fn of_subscriber_with_services(
    db: &ScopedDb,
    subscriber_id: &str,
) -> Result<Vec<(Link, Option<Service>)>, CatalogError> {
    let subscriber_id = checked_id(subscriber_id)?;
    if !subscriber_exists(db, subscriber_id).await? {
        return Err(CatalogError::NotFound);
    }
    let links = of_subscriber(db, subscriber_id).await?;
    let mut ids: Vec<&str> = links.iter().map(|l| l.service_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut services = Vec::new();
    for chunk in ids.chunks(crate::store::MAX_BATCH_GET) {
        let keys: Vec<_> = chunk
            .iter()
            .map(|id| keys::service(db.namespace(), id))
            .collect();
        for item in db.batch_get(&keys).await? {
            services.push(Service::from_item(&item)?);
        }
    }
    Ok(links
        .into_iter()
        .map(|link| {
            let service = services.iter().find(|s| s.id == link.service_id).cloned();
            (link, service)
        })
        .collect())
}

pub async fn find(db: &ScopedDb, subscriber_id: &str, link_id: &str) -> Result<Link, CatalogError> {
    let link_id = checked_id(link_id)?;
    of_subscriber(db, subscriber_id)
        .await?
        .into_iter()
        .find(|l| l.id == link_id)
        .ok_or(CatalogError::NotFound)
}

/// Changes a link's dates or individual terms.
pub async fn change(
    db: &ScopedDb,
    cx: &Context<'_>,
    subscriber_id: &str,
    link_id: &str,
    draft: &LinkDraft,
) -> Result<Link, CatalogError> {
    let link = find(db, subscriber_id, link_id).await?;
    let (service, _) = services::require(db, &link.service_id).await?;
    let (period, terms) = parse(draft, Some(&link), &service)?;
    save(db, cx, &service, link, period, terms, "service_link.update").await
}

/// Ends a link at `until` (exclusive; default today). A link that has not started by then is
/// cancelled (it ends where it starts); one already ended by then stays as it is.
pub async fn detach(
    db: &ScopedDb,
    cx: &Context<'_>,
    subscriber_id: &str,
    link_id: &str,
    until: Option<NaiveDate>,
) -> Result<Link, CatalogError> {
    let link = find(db, subscriber_id, link_id).await?;
    let until = until
        .unwrap_or_else(|| super::today(cx.now))
        .max(link.period.valid_from);
    if link
        .period
        .valid_until
        .is_some_and(|current| current <= until)
    {
        return Ok(link);
    }
    let (service, _) = services::require(db, &link.service_id).await?;
    let period = link
        .period
        .ended_at(until)
        .map_err(|e| CatalogError::invalid("valid_until", link_fault(&e)))?;
    let terms = link.terms.clone();
    save(db, cx, &service, link, period, terms, "service_link.detach").await
}

async fn save(
    db: &ScopedDb,
    cx: &Context<'_>,
    service: &Service,
    link: Link,
    period: LinkPeriod,
    terms: Terms,
    action: &str,
) -> Result<Link, CatalogError> {
    let pair = pair(db, &link.subscriber_id, &link.service_id).await?;
    if let Some(other) = pair.overlap(&period, Some(&link.id)) {
        return Err(overlap(other));
    }
    let updated = Link {
        period,
        terms,
        updated_at: cx.now,
        ..link.clone()
    };
    let (before, after) = (link.audit_view(service), updated.audit_view(service));
    if before == after {
        return Ok(link);
    }
    let ns = db.namespace();
    let writes = vec![
        Write::Put(Put {
            item: updated.to_item(ns),
            condition: Condition::VersionEquals(link.item_version),
        }),
        guard_write(ns, &updated, pair.guard_version, cx.now),
        cx.record(
            ns,
            &Change {
                action,
                entity_type: ENTITY,
                entity_id: &updated.subscriber_id,
                before: Some(&before),
                after: Some(&after),
            },
        ),
    ];
    db.transact(writes).await?;
    Ok(Link {
        item_version: link.item_version + 1,
        ..updated
    })
}

/// One page of a service's links, ordered by subscriber ("who has this service").
pub async fn of_service(
    db: &ScopedDb,
    service_id: &str,
    limit: u32,
    cursor: Option<&Cursor>,
) -> Result<(Vec<Link>, Option<Cursor>), CatalogError> {
    let service_id = checked_id(service_id)?;
    let query = Query::new(
        Index::Gsi1,
        keys::links_of_service_partition(db.namespace(), service_id),
    )
    .limit(limit.clamp(1, 500));
    let page = db.query(query, cursor).await?;
    let links = page
        .items
        .iter()
        .map(Link::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((links, page.next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_overlap_ignores_the_link_itself() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let link = Link {
            id: "l1".into(),
            subscriber_id: "u".into(),
            service_id: "s".into(),
            period: LinkPeriod::new(day("2026-01-01"), None).unwrap(),
            terms: Terms::default(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            bulk_job: None,
            item_version: 1,
        };
        let pair = Pair {
            guard_version: 1,
            links: vec![link.clone()],
        };
        let later = LinkPeriod::new(day("2026-03-01"), None).unwrap();
        assert_eq!(pair.overlap(&later, None), Some(link.period));
        assert_eq!(pair.overlap(&later, Some("l1")), None);
        let body = link.to_item(&Namespace::Central).body;
        assert_eq!(body["valid_from"], "2026-01-01");
        assert!(body["valid_until"].is_null());
    }
}

//! Services of a tenant's catalogue: create, edit, archive and restore (never deleted: invoices
//! and links refer to them), read, and list by name, code or kind.

use chrono::{DateTime, Utc};
use crm_domain::billing::catalog::{
    DESCRIPTION_MAX_CHARS, NameError, SERVICE_NAME_MAX_CHARS, SUPPLIER_NAME_MAX_CHARS, ServiceCode,
    ServiceCodeError, Supplier, parse_name, unit_fits, usual_unit,
};
use crm_domain::billing::service::{ServiceKind, Unit};
use crm_domain::billing::tariff::check_history;
use crm_domain::billing::tax::TaxCategory;
use crm_domain::requisites::Inn;
use crm_domain::subscriber::search::normalise;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::input::{self, Issues};
use super::{CatalogError, Fault, Issue, checked_id};
use crate::audit::{Audit, Change};
use crate::clock::Ids;
use crate::keys::{self, Namespace};
use crate::store::{
    Body, Condition, Cursor, Delete, Index, Item, Put, Query, ScopedDb, SortKey, StoreError, Write,
};

/// The audit entity of services and their tariff versions (one timeline per service).
pub const ENTITY: &str = "service";
/// Quantity rounding of a new service when none is given: three places, as m³ are billed.
pub const DEFAULT_ROUNDING: u32 = 3;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub code: ServiceCode,
    #[serde(with = "kind_code")]
    pub kind: ServiceKind,
    pub unit: Unit,
    pub tax_category: TaxCategory,
    /// Decimal places its quantities keep, 0..=6.
    pub rounding: u32,
    /// Shown as a line on the bill.
    pub on_bill: bool,
    #[serde(default)]
    pub supplier: Option<Supplier>,
    #[serde(default)]
    pub description: String,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `ServiceKind` stored as its code (`two_zone`), as the API writes it.
mod kind_code {
    use crm_domain::billing::service::ServiceKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kind: &ServiceKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.code())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ServiceKind, D::Error> {
        let code = String::deserialize(d)?;
        ServiceKind::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown service kind `{code}`")))
    }
}

impl Service {
    /// The fields people edit, as the audit log shows them.
    pub fn audit_view(&self) -> Value {
        json!({
            "name": self.name,
            "code": self.code,
            "kind": self.kind.code(),
            "unit": input::unit_code(self.unit),
            "tax_category": self.tax_category.code(),
            "rounding": self.rounding,
            "on_bill": self.on_bill,
            "supplier": self.supplier,
            "description": self.description,
            "archived": self.archived,
        })
    }

    fn to_item(&self, namespace: &Namespace) -> Item {
        let body: Body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        let name = normalise(&self.name);
        let code = self.code.normalised();
        Item::new(keys::service(namespace, &self.id), body)
            .with_index(
                Index::Gsi1,
                keys::services_by_name(namespace, self.archived, &name, &self.id),
            )
            .with_index(
                Index::Gsi2,
                keys::services_by_code(namespace, self.archived, &code),
            )
    }

    /// The copy listed by kind; written with every write of the service, in the same
    /// transaction, so it never disagrees with it.
    fn kind_entry(&self, namespace: &Namespace) -> Write {
        let mut item = self.to_item(namespace);
        item.key = keys::service_kind_entry(namespace, &self.id);
        let name = normalise(&self.name);
        item.index_keys = Default::default();
        item.index_keys.set(
            Index::Gsi1,
            Some(keys::services_of_kind(
                namespace,
                self.archived,
                self.kind.code(),
                &name,
                &self.id,
            )),
        );
        Write::Put(Put {
            item,
            condition: Condition::None,
        })
    }

    pub fn from_item(item: &Item) -> Result<Service, StoreError> {
        item.decode()
            .map_err(|e| StoreError::Backend(format!("unreadable service {:?}: {e}", item.key)))
    }
}

/// A service as typed: every field text, absent when not given (an edit keeps the current
/// value, a creation uses the default or asks for it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceDraft {
    pub name: Option<String>,
    pub code: Option<String>,
    pub kind: Option<String>,
    pub unit: Option<String>,
    pub tax_category: Option<String>,
    pub rounding: Option<String>,
    pub on_bill: Option<bool>,
    /// `Some(None)` removes the supplier.
    pub supplier: Option<Option<SupplierDraft>>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SupplierDraft {
    pub name: String,
    pub inn: String,
}

/// The editable part of a service, validated.
struct Fields {
    name: String,
    code: ServiceCode,
    kind: ServiceKind,
    unit: Unit,
    tax_category: TaxCategory,
    rounding: u32,
    on_bill: bool,
    supplier: Option<Supplier>,
    description: String,
}

fn validate(draft: &ServiceDraft, base: Option<&Service>) -> Result<Fields, Vec<Issue>> {
    let mut issues = Issues::new();
    let name = match (&draft.name, base) {
        (Some(raw), _) => issues.take(
            "name",
            parse_name(raw, SERVICE_NAME_MAX_CHARS).map_err(name_fault),
        ),
        (None, Some(base)) => Some(base.name.clone()),
        (None, None) => issues.take("name", Err(Fault::Required)),
    };
    let code = match (&draft.code, base) {
        (Some(raw), _) => issues.take("code", ServiceCode::parse(raw).map_err(code_fault)),
        (None, Some(base)) => Some(base.code.clone()),
        (None, None) => issues.take("code", Err(Fault::Required)),
    };
    let kind = match (&draft.kind, base) {
        (Some(raw), _) => issues.take("kind", input::required(Some(raw)).and_then(input::kind)),
        (None, Some(base)) => Some(base.kind),
        (None, None) => issues.take("kind", Err(Fault::Required)),
    };
    let unit = match (&draft.unit, base, kind) {
        (Some(raw), _, _) if !raw.trim().is_empty() => issues.take("unit", input::unit(raw)),
        // A new kind without a unit takes the kind's usual one when the old unit does not fit.
        (_, Some(base), Some(kind)) if unit_fits(kind, base.unit) => Some(base.unit),
        (_, _, Some(kind)) => Some(usual_unit(kind)),
        (_, _, None) => None,
    };
    if let (Some(kind), Some(unit)) = (kind, unit)
        && !unit_fits(kind, unit)
    {
        issues.add("unit", Fault::UnitDoesNotFit);
    }
    let tax_category = match (&draft.tax_category, base) {
        (Some(raw), _) => issues.take(
            "tax_category",
            input::required(Some(raw)).and_then(input::tax_category),
        ),
        (None, Some(base)) => Some(base.tax_category),
        (None, None) => issues.take("tax_category", Err(Fault::Required)),
    };
    let rounding = match (&draft.rounding, base) {
        (Some(raw), _) if !raw.trim().is_empty() => issues.take(
            "rounding",
            input::small_integer(raw, crm_domain::billing::catalog::MAX_ROUNDING),
        ),
        (_, Some(base)) => Some(base.rounding),
        (_, None) => Some(DEFAULT_ROUNDING),
    };
    let on_bill = draft.on_bill.or(base.map(|b| b.on_bill)).unwrap_or(true);
    let supplier = match (&draft.supplier, base) {
        (Some(Some(raw)), _) => supplier(raw, &mut issues),
        (Some(None), _) => Some(None),
        (None, Some(base)) => Some(base.supplier.clone()),
        (None, None) => Some(None),
    };
    let description = match (&draft.description, base) {
        (Some(raw), _) => issues.take("description", input::text(raw, DESCRIPTION_MAX_CHARS)),
        (None, Some(base)) => Some(base.description.clone()),
        (None, None) => Some(String::new()),
    };
    issues.finish(|| {
        Some(Fields {
            name: name?,
            code: code?,
            kind: kind?,
            unit: unit?,
            tax_category: tax_category?,
            rounding: rounding?,
            on_bill,
            supplier: supplier?,
            description: description?,
        })
    })
}

fn supplier(raw: &SupplierDraft, issues: &mut Issues) -> Option<Option<Supplier>> {
    if raw.name.trim().is_empty() && raw.inn.trim().is_empty() {
        return Some(None);
    }
    let name = issues.take(
        "supplier.name",
        parse_name(&raw.name, SUPPLIER_NAME_MAX_CHARS).map_err(name_fault),
    );
    let inn = issues.take(
        "supplier.inn",
        input::required(Some(&raw.inn)).and_then(|inn| Inn::parse(inn).map_err(Fault::Inn)),
    );
    Some(Some(Supplier {
        name: name?,
        inn: inn?,
    }))
}

fn name_fault(error: NameError) -> Fault {
    match error {
        NameError::Empty => Fault::Required,
        NameError::TooLong { max } => Fault::TooLong { max },
    }
}

fn code_fault(error: ServiceCodeError) -> Fault {
    match error {
        ServiceCodeError::Empty => Fault::Required,
        ServiceCodeError::TooLong => Fault::TooLong {
            max: crm_domain::billing::catalog::SERVICE_CODE_MAX_CHARS,
        },
        ServiceCodeError::BadCharacter => Fault::CodeCharacters,
    }
}

fn code_sentinel(namespace: &Namespace, code: &ServiceCode, service_id: &str) -> Item {
    let mut body = Body::new();
    body.insert("service_id".into(), Value::from(service_id));
    Item::new(keys::service_code(namespace, &code.normalised()), body)
}

/// The service and its version, if it exists.
pub async fn get(db: &ScopedDb, id: &str) -> Result<Option<(Service, u64)>, StoreError> {
    if !super::is_valid_id(id) {
        return Ok(None);
    }
    match db.get(&keys::service(db.namespace(), id)).await? {
        Some(item) => Ok(Some((Service::from_item(&item)?, item.version))),
        None => Ok(None),
    }
}

/// The service, or `NotFound`.
pub async fn require(db: &ScopedDb, id: &str) -> Result<(Service, u64), CatalogError> {
    get(db, checked_id(id)?)
        .await?
        .ok_or(CatalogError::NotFound)
}

/// Who is doing it and when: what every change needs besides its input.
pub struct Context<'a> {
    pub audit: &'a Audit,
    pub ids: &'a dyn Ids,
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    /// The audit write of `change` on the service's timeline.
    pub fn record(&self, namespace: &Namespace, change: &Change<'_>) -> Write {
        self.audit
            .record(namespace, self.ids.new_id(), self.now, change)
            .1
    }
}

pub async fn create(
    db: &ScopedDb,
    cx: &Context<'_>,
    draft: &ServiceDraft,
) -> Result<Service, CatalogError> {
    let fields = validate(draft, None)?;
    let ns = db.namespace();
    let service = Service {
        id: cx.ids.new_id(),
        name: fields.name,
        code: fields.code,
        kind: fields.kind,
        unit: fields.unit,
        tax_category: fields.tax_category,
        rounding: fields.rounding,
        on_bill: fields.on_bill,
        supplier: fields.supplier,
        description: fields.description,
        archived: false,
        created_at: cx.now,
        updated_at: cx.now,
    };
    let after = service.audit_view();
    let writes = vec![
        Write::Put(Put {
            item: service.to_item(ns),
            condition: Condition::MustNotExist,
        }),
        Write::Put(Put {
            item: code_sentinel(ns, &service.code, &service.id),
            condition: Condition::MustNotExist,
        }),
        cx.record(
            ns,
            &Change {
                action: "service.create",
                entity_type: ENTITY,
                entity_id: &service.id,
                before: None,
                after: Some(&after),
            },
        ),
        service.kind_entry(ns),
    ];
    transact_with_code(db, writes, 1).await?;
    Ok(service)
}

/// Applies `draft` to the service. Changing the kind is refused while the service's tariff
/// versions do not fit the new kind.
pub async fn update(
    db: &ScopedDb,
    cx: &Context<'_>,
    id: &str,
    draft: &ServiceDraft,
) -> Result<Service, CatalogError> {
    let (current, version) = require(db, id).await?;
    let fields = validate(draft, Some(&current))?;
    if fields.kind != current.kind {
        let history = super::tariffs::history(db, id).await?;
        let versions: Vec<_> = history.versions.iter().map(|v| v.version.clone()).collect();
        if check_history(fields.kind, &versions).is_err() {
            return Err(CatalogError::invalid("kind", Fault::KindLocked));
        }
    }
    let updated = Service {
        name: fields.name,
        code: fields.code,
        kind: fields.kind,
        unit: fields.unit,
        tax_category: fields.tax_category,
        rounding: fields.rounding,
        on_bill: fields.on_bill,
        supplier: fields.supplier,
        description: fields.description,
        updated_at: cx.now,
        ..current.clone()
    };
    save(db, cx, &current, version, updated, "service.update").await
}

/// Archives (`true`) or restores a service. An archived service keeps its links and tariffs
/// and its code, but new links to it are refused.
pub async fn set_archived(
    db: &ScopedDb,
    cx: &Context<'_>,
    id: &str,
    archived: bool,
) -> Result<Service, CatalogError> {
    let (current, version) = require(db, id).await?;
    if current.archived == archived {
        return Ok(current);
    }
    let updated = Service {
        archived,
        updated_at: cx.now,
        ..current.clone()
    };
    let action = if archived {
        "service.archive"
    } else {
        "service.restore"
    };
    save(db, cx, &current, version, updated, action).await
}

async fn save(
    db: &ScopedDb,
    cx: &Context<'_>,
    current: &Service,
    version: u64,
    updated: Service,
    action: &str,
) -> Result<Service, CatalogError> {
    let ns = db.namespace();
    let (before, after) = (current.audit_view(), updated.audit_view());
    if before == after {
        return Ok(current.clone());
    }
    let mut writes = vec![Write::Put(Put {
        item: updated.to_item(ns),
        condition: Condition::VersionEquals(version),
    })];
    let code_changed = updated.code.normalised() != current.code.normalised();
    if code_changed {
        writes.push(Write::Put(Put {
            item: code_sentinel(ns, &updated.code, &updated.id),
            condition: Condition::MustNotExist,
        }));
        writes.push(Write::Delete(Delete {
            key: keys::service_code(ns, &current.code.normalised()),
            condition: Condition::None,
        }));
    }
    writes.push(cx.record(
        ns,
        &Change {
            action,
            entity_type: ENTITY,
            entity_id: &updated.id,
            before: Some(&before),
            after: Some(&after),
        },
    ));
    // Last, so the code sentinel keeps its position for the error mapping.
    writes.push(updated.kind_entry(ns));
    transact_with_code(db, writes, if code_changed { 1 } else { usize::MAX }).await?;
    Ok(updated)
}

/// Runs `writes`; a failed condition at `sentinel_at` means the code is taken.
async fn transact_with_code(
    db: &ScopedDb,
    writes: Vec<Write>,
    sentinel_at: usize,
) -> Result<(), CatalogError> {
    match db.transact(writes).await {
        Err(StoreError::TransactionCancelled { failed }) if failed.contains(&sentinel_at) => {
            Err(CatalogError::invalid("code", Fault::CodeTaken))
        }
        other => Ok(other?),
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    Name,
    Code,
}

/// What a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub archived: bool,
    pub kind: Option<ServiceKind>,
    /// The start of the name (any case, ё = е).
    pub name_prefix: Option<String>,
    /// Code order is offered for the whole list only; with a kind or a name prefix the list is
    /// in name order (see [`ListQuery::effective_sort`]).
    pub sort: SortBy,
    pub descending: bool,
    pub limit: u32,
}

impl ListQuery {
    pub fn effective_sort(&self) -> SortBy {
        if self.kind.is_some()
            || self
                .name_prefix
                .as_deref()
                .is_some_and(|p| !p.trim().is_empty())
        {
            SortBy::Name
        } else {
            self.sort
        }
    }
}

pub struct ServicePage {
    pub services: Vec<Service>,
    pub next: Option<Cursor>,
}

/// One page of services: each filter and order has its own index, so this is one query.
pub async fn list(
    db: &ScopedDb,
    query: &ListQuery,
    cursor: Option<&Cursor>,
) -> Result<ServicePage, StoreError> {
    let ns = db.namespace();
    let prefix = query
        .name_prefix
        .as_deref()
        .map(normalise)
        .filter(|p| !p.is_empty())
        .map(|p| keys::escape(&p));
    let (index, pk) = match (query.kind, query.effective_sort()) {
        (Some(kind), _) => (
            Index::Gsi1,
            keys::services_of_kind_partition(ns, query.archived, kind.code()),
        ),
        (None, SortBy::Code) => (Index::Gsi2, keys::services_partition(ns, query.archived)),
        (None, SortBy::Name) => (Index::Gsi1, keys::services_partition(ns, query.archived)),
    };
    let mut store_query = Query::new(index, pk)
        .limit(query.limit.clamp(1, 200))
        .sort(prefix.map_or(SortKey::Any, SortKey::BeginsWith));
    if query.descending {
        store_query = store_query.backward();
    }
    let page = db.query(store_query, cursor).await?;
    let services = page
        .items
        .iter()
        .map(Service::from_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ServicePage {
        services,
        next: page.next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ServiceDraft {
        ServiceDraft {
            name: Some(" Холодная  вода ".into()),
            code: Some("ХВС".into()),
            kind: Some("metered".into()),
            unit: None,
            tax_category: Some("exempt".into()),
            rounding: None,
            on_bill: None,
            supplier: None,
            description: None,
        }
    }

    #[test]
    fn defaults_and_every_fault_at_once() {
        let fields = validate(&draft(), None).unwrap();
        assert_eq!(fields.name, "Холодная вода");
        assert_eq!(fields.unit, Unit::CubicMetre);
        assert_eq!(fields.rounding, DEFAULT_ROUNDING);
        assert!(fields.on_bill);

        let bad = ServiceDraft {
            name: Some(" ".into()),
            code: Some("a b".into()),
            kind: Some("gas".into()),
            unit: Some("litre".into()),
            tax_category: None,
            rounding: Some("9".into()),
            on_bill: None,
            supplier: Some(Some(SupplierDraft {
                name: String::new(),
                inn: "123".into(),
            })),
            description: Some("x".repeat(2001)),
        };
        let Err(issues) = validate(&bad, None) else {
            panic!("accepted")
        };
        let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "code",
                "kind",
                "unit",
                "tax_category",
                "rounding",
                "supplier.name",
                "supplier.inn",
                "description"
            ]
        );

        let mismatched = ServiceDraft {
            kind: Some("per_area".into()),
            unit: Some("cubic_metre".into()),
            ..draft()
        };
        let Err(issues) = validate(&mismatched, None) else {
            panic!("accepted")
        };
        assert_eq!(issues[0].fault, Fault::UnitDoesNotFit);
    }
}

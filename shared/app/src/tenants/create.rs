//! Registering a tenant with its subdomain.

use crm_domain::{Hostname, TenantId};
use serde_json::Value;

use super::input::TenantInput;
use super::record::TenantRecord;
use super::{TenantError, TenantStatus};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::domains;
use crate::keys::Namespace;
use crate::store::{Condition, Put, StoreError, Write};
use crate::tenancy::{DomainKind, DomainRecord};
use crate::validation::{Explain, Invalid, Reason};

/// Ids that would clash with the platform's own hosts (`admin.` is the central part's).
const RESERVED_IDS: [&str; 9] = [
    "admin", "api", "app", "central", "mail", "static", "status", "www", "webhooks",
];

pub fn reserved_id(id: &str) -> bool {
    RESERVED_IDS.contains(&id)
}

/// `<id>.<platform domain>`.
pub fn subdomain_host(id: &TenantId, platform_domain: &str) -> String {
    format!("{id}.{platform_domain}")
}

/// Registers a tenant (status active) and its verified subdomain. A taken id or host is
/// refused as a field error on `id`; nothing is written then.
pub async fn create(
    services: &Services,
    audit: &Audit,
    raw_id: &str,
    input: &TenantInput,
) -> Result<TenantRecord, TenantError> {
    let mut invalid = Invalid::new();
    let id = parse_id(&mut invalid, raw_id, &services.platform_domain);
    let fields = match input.parse() {
        Ok(fields) => Some(fields),
        Err(errors) => {
            invalid.0.extend(errors.0);
            None
        }
    };
    let (Some(id), Some(fields)) = (id, fields) else {
        return Err(TenantError::Invalid(invalid));
    };
    let now = services.clock.now();
    let record = TenantRecord {
        id: id.clone(),
        name: fields.name,
        requisites: fields.requisites,
        contacts: fields.contacts,
        time_zone: fields.time_zone,
        currency: fields.currency,
        locale: fields.locale,
        tax_regime: fields.tax_regime,
        status: TenantStatus::Active,
        status_reason: None,
        closing: None,
        export: None,
        limits: fields.limits,
        created_at: now,
        updated_at: now,
        purged_at: None,
        version: 1,
    };
    let host = subdomain_host(&id, &services.platform_domain);
    let domain = DomainRecord {
        host: host.clone(),
        tenant_id: id.clone(),
        kind: DomainKind::Subdomain,
        verified: true,
        verification_token: None,
        created_at: now,
        verified_at: Some(now),
    };
    let after = record.to_value();
    let (_, tenant_audit) = audit.record(
        &Namespace::Central,
        services.ids.new_id(),
        now,
        &Change {
            action: "tenant.create",
            entity_type: "tenant",
            entity_id: id.as_str(),
            before: None,
            after: Some(&after),
        },
    );
    let domain_after = serde_json::to_value(&domain).unwrap_or(Value::Null);
    let (_, domain_audit) = audit.record(
        &Namespace::Central,
        services.ids.new_id(),
        now,
        &Change {
            action: "domain.add",
            entity_type: "domain",
            entity_id: &host,
            before: None,
            after: Some(&domain_after),
        },
    );
    let writes = vec![
        Write::Put(Put {
            item: record.to_item(),
            condition: Condition::MustNotExist,
        }),
        Write::Put(Put {
            item: record.listing_item(),
            condition: Condition::MustNotExist,
        }),
        Write::Put(Put {
            item: domains::record_item(&domain),
            condition: Condition::MustNotExist,
        }),
        tenant_audit,
        domain_audit,
    ];
    match services.db.central().transact(writes).await {
        Ok(()) => {}
        Err(StoreError::TransactionCancelled { failed }) => {
            let reason = if failed.contains(&2) && !failed.contains(&0) {
                Reason::new(
                    "host_taken",
                    format!("Адрес {host} уже занят другой организацией"),
                    format!("The host {host} already belongs to another tenant"),
                )
            } else {
                Reason::new(
                    "tenant_id_taken",
                    format!("Идентификатор «{id}» уже занят"),
                    format!("The id “{id}” is already taken"),
                )
            };
            return Err(TenantError::Invalid(Invalid::field("id", reason)));
        }
        Err(other) => return Err(other.into()),
    }
    services.hosts.forget(&host);
    Ok(record)
}

fn parse_id(invalid: &mut Invalid, raw: &str, platform_domain: &str) -> Option<TenantId> {
    let raw = raw.trim();
    if raw.is_empty() {
        invalid.add("id", Reason::required());
        return None;
    }
    let id = invalid.check("id", TenantId::parse(raw))?;
    if reserved_id(id.as_str()) {
        invalid.add(
            "id",
            Reason::new(
                "tenant_id_reserved",
                format!("Идентификатор «{id}» зарезервирован платформой"),
                format!("The id “{id}” is reserved by the platform"),
            ),
        );
        return None;
    }
    // The id becomes a DNS label: no hyphen at its end either.
    if let Err(error) = Hostname::parse(&subdomain_host(&id, platform_domain)) {
        let mut reason = error.reason();
        reason.ru = format!(
            "Идентификатор станет адресом {id}.{platform_domain}: {}",
            reason.ru
        );
        invalid.add("id", reason);
        return None;
    }
    Some(id)
}

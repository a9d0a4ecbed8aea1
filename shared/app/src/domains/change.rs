//! Adding, verifying and removing a tenant's custom domains.

use crm_domain::{Hostname, TenantId};
use serde_json::Value;

use super::error::{DomainError, VerificationFailure};
use super::{MAX_CUSTOM_DOMAINS, get, list, record_item, verification_name, verification_value};
use crate::Services;
use crate::audit::{Audit, Change};
use crate::identity::secrets::new_token;
use crate::keys::{self, Namespace};
use crate::store::{Condition, Delete, Put, StoreError, Write};
use crate::tenancy::{DomainKind, DomainRecord, TenantStatus, tenant_status};
use crate::validation::{Explain, Invalid, Reason};

/// Registers `raw_host` for `tenant`, unverified, with a fresh verification token.
pub async fn add_custom(
    services: &Services,
    audit: &Audit,
    tenant: &TenantId,
    raw_host: &str,
) -> Result<DomainRecord, DomainError> {
    let host = parse_host(raw_host, &services.platform_domain)?;
    active_tenant(services, tenant).await?;
    let customs = list(&services.db, tenant)
        .await?
        .into_iter()
        .filter(|d| d.kind == DomainKind::Custom)
        .count();
    if customs >= MAX_CUSTOM_DOMAINS {
        return Err(Invalid::field(
            "host",
            Reason::new(
                "too_many_domains",
                format!("У организации уже {MAX_CUSTOM_DOMAINS} своих доменов — это предел"),
                format!("The tenant already has {MAX_CUSTOM_DOMAINS} custom domains, the limit"),
            ),
        )
        .into());
    }
    let now = services.clock.now();
    let record = DomainRecord {
        host: host.to_string(),
        tenant_id: tenant.clone(),
        kind: DomainKind::Custom,
        verified: false,
        // Shorter than a session token: it is typed into DNS consoles.
        verification_token: Some(new_token()[..32].to_owned()),
        created_at: now,
        verified_at: None,
    };
    let after = serde_json::to_value(&record).unwrap_or(Value::Null);
    let (_, audit_write) = audit.record(
        &Namespace::Central,
        services.ids.new_id(),
        now,
        &Change {
            action: "domain.add",
            entity_type: "domain",
            entity_id: &record.host,
            before: None,
            after: Some(&after),
        },
    );
    let writes = vec![
        Write::Put(Put {
            item: record_item(&record),
            condition: Condition::MustNotExist,
        }),
        audit_write,
    ];
    match services.db.central().transact(writes).await {
        Ok(()) => {}
        Err(StoreError::TransactionCancelled { .. }) => {
            return Err(Invalid::field(
                "host",
                Reason::new(
                    "host_taken",
                    format!("Домен {host} уже зарегистрирован на платформе"),
                    format!("The domain {host} is already registered on the platform"),
                ),
            )
            .into());
        }
        Err(other) => return Err(other.into()),
    }
    services.hosts.forget(&record.host);
    Ok(record)
}

/// Looks up the verification TXT record of `host` and marks the domain verified when it holds
/// the domain's token. Verifying a verified domain changes nothing.
pub async fn verify(
    services: &Services,
    audit: &Audit,
    tenant: &TenantId,
    host: &str,
) -> Result<DomainRecord, DomainError> {
    let (current, version) = get(&services.db, tenant, host)
        .await?
        .ok_or(DomainError::NotFound)?;
    if current.verified {
        return Ok(current);
    }
    let token = current.verification_token.clone().unwrap_or_default();
    let records = services
        .dns
        .txt_records(&verification_name(&current.host))
        .await?;
    let expected = verification_value(&token);
    let values: Vec<&str> = records.iter().map(|r| r.trim().trim_matches('"')).collect();
    if !values.iter().any(|v| !token.is_empty() && *v == expected) {
        let failure = if values.iter().any(|v| v.starts_with("crm-verify=")) {
            VerificationFailure::WrongToken
        } else {
            VerificationFailure::RecordMissing
        };
        return Err(DomainError::NotVerified(failure));
    }
    let now = services.clock.now();
    let record = DomainRecord {
        verified: true,
        verified_at: Some(now),
        ..current.clone()
    };
    let (before, after) = (
        serde_json::to_value(&current).unwrap_or(Value::Null),
        serde_json::to_value(&record).unwrap_or(Value::Null),
    );
    let (_, audit_write) = audit.record(
        &Namespace::Central,
        services.ids.new_id(),
        now,
        &Change {
            action: "domain.verify",
            entity_type: "domain",
            entity_id: &record.host,
            before: Some(&before),
            after: Some(&after),
        },
    );
    services
        .db
        .central()
        .transact(vec![
            Write::Put(Put {
                item: record_item(&record),
                condition: Condition::VersionEquals(version),
            }),
            audit_write,
        ])
        .await?;
    services.hosts.forget(&record.host);
    Ok(record)
}

/// Removes a custom domain of `tenant`; the host stops resolving to it.
pub async fn remove(
    services: &Services,
    audit: &Audit,
    tenant: &TenantId,
    host: &str,
) -> Result<DomainRecord, DomainError> {
    let (current, version) = get(&services.db, tenant, host)
        .await?
        .ok_or(DomainError::NotFound)?;
    if current.kind != DomainKind::Custom {
        return Err(DomainError::NotCustom);
    }
    let now = services.clock.now();
    let before = serde_json::to_value(&current).unwrap_or(Value::Null);
    let (_, audit_write) = audit.record(
        &Namespace::Central,
        services.ids.new_id(),
        now,
        &Change {
            action: "domain.remove",
            entity_type: "domain",
            entity_id: &current.host,
            before: Some(&before),
            after: None,
        },
    );
    services
        .db
        .central()
        .transact(vec![
            Write::Delete(Delete {
                key: keys::domain(&current.host),
                condition: Condition::VersionEquals(version),
            }),
            audit_write,
        ])
        .await?;
    services.hosts.forget(&current.host);
    Ok(current)
}

/// A host a tenant may register: a valid name of at least two labels, not the platform's own
/// domain or a name under it.
fn parse_host(raw: &str, platform_domain: &str) -> Result<Hostname, Invalid> {
    let host = Hostname::parse(raw).map_err(|e| Invalid::field("host", e.reason()))?;
    if host.label_count() < 2 {
        return Err(Invalid::field(
            "host",
            Reason::new(
                "host_not_public",
                "Укажите полное доменное имя, например lk.vodokanal.ru",
                "Give a full domain name, e.g. lk.vodokanal.ru",
            ),
        ));
    }
    let platform = Hostname::parse(platform_domain).ok();
    let under_platform = platform
        .as_ref()
        .is_some_and(|p| host == *p || host.is_subdomain_of(p));
    if under_platform {
        return Err(Invalid::field(
            "host",
            Reason::new(
                "host_under_platform",
                format!(
                    "Адреса в домене {platform_domain} выдаёт платформа; свой домен должен быть вне его"
                ),
                format!(
                    "Names under {platform_domain} belong to the platform; use a domain outside it"
                ),
            ),
        ));
    }
    Ok(host)
}

async fn active_tenant(services: &Services, tenant: &TenantId) -> Result<(), DomainError> {
    match tenant_status(&services.db, tenant).await? {
        None => Err(DomainError::TenantNotFound),
        Some(TenantStatus::Active | TenantStatus::Suspended) => Ok(()),
        Some(_) => Err(DomainError::TenantInactive),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_outside_the_platform_only() {
        assert!(parse_host("lk.vodokanal.ru", "crm.example.com").is_ok());
        for bad in [
            "crm.example.com",
            "demo.crm.example.com",
            "localhost",
            "lk vodokanal.ru",
        ] {
            assert!(parse_host(bad, "crm.example.com").is_err(), "{bad}");
        }
        let e = parse_host("x.demo.localhost", "localhost").unwrap_err();
        assert_eq!(e.get("host").unwrap().code, "host_under_platform");
    }
}

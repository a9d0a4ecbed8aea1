//! Impersonation: platform staff entering a tenant's UI as one of its users, for support. It
//! needs a stated reason, is recorded in the central audit log and the tenant's, and works
//! through a one-time handoff: the central part issues a token valid for a minute, the
//! tenant's host exchanges it for a session marked as an impersonation (shown on every page,
//! an hour at most).

use chrono::{DateTime, Duration, Utc};
use crm_domain::TenantId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::accounts::{self, Account, AccountStatus};
use super::secrets::{constant_time_eq, new_token, token_hash};
use super::sessions::{self, ClientInfo, ImpersonationInfo, Session};
use super::{IdentityError, Invalid, Issue, Realm, Refusal, links};
use crate::Services;
use crate::audit::{Actor, Audit, Change};
use crate::keys::{self, Namespace};
use crate::store::{Body, Condition, Delete, Index, Item, Put, Query, SortKey, StoreError, Write};
use crate::tenancy::{self, TenantStatus};

pub const REASON_MIN_CHARS: usize = 10;
pub const REASON_MAX_CHARS: usize = 500;
pub const HANDOFF_TTL: Duration = Duration::seconds(60);
/// How long an impersonation session lasts at most.
pub const SESSION_LIMIT: Duration = Duration::hours(1);

/// An impersonation as the central part lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Impersonation {
    pub id: String,
    pub tenant_id: TenantId,
    pub account_id: String,
    pub account_name: String,
    pub staff_id: String,
    pub staff_email: String,
    pub reason: String,
    pub started_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Handoff {
    impersonation_id: String,
    token_hash: String,
    account_id: String,
    staff_id: String,
    staff_email: String,
    reason: String,
    expires_at: DateTime<Utc>,
}

fn body_of<T: Serialize>(value: &T) -> Body {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Body::new(),
    }
}

/// The link that completes the handoff on the tenant's host.
pub fn handoff_url(services: &Services, tenant: &TenantId, token: &str) -> String {
    format!(
        "{}/impersonate/{token}",
        links::tenant_base_url(&services.public_url, &services.platform_domain, tenant)
    )
}

/// Starts an impersonation of `account_id` in `tenant` by `staff` and returns it with the
/// handoff token. Both audit logs and the handoff are written in one transaction.
pub async fn start(
    services: &Services,
    staff: &Account,
    tenant: &str,
    account_id: &str,
    reason: &str,
    audit: &Audit,
) -> Result<(Impersonation, String), IdentityError> {
    let mut issues = Vec::new();
    let reason = reason.trim();
    let reason_chars = reason.chars().count();
    if reason_chars < REASON_MIN_CHARS {
        issues.push(Issue {
            field: "reason",
            problem: Invalid::TooShort {
                min: REASON_MIN_CHARS,
            },
        });
    } else if reason_chars > REASON_MAX_CHARS {
        issues.push(Issue {
            field: "reason",
            problem: Invalid::TooLong {
                max: REASON_MAX_CHARS,
            },
        });
    }
    let tenant = match TenantId::parse(tenant.trim()) {
        Ok(id)
            if tenancy::tenant_status(&services.db, &id).await? == Some(TenantStatus::Active) =>
        {
            Some(id)
        }
        _ => {
            issues.push(Issue {
                field: "tenant",
                problem: Invalid::UnknownTenant,
            });
            None
        }
    };
    let target = match &tenant {
        Some(tenant) => accounts::get(&services.db.tenant(tenant), account_id)
            .await?
            .map(|(account, _)| account)
            .filter(|account| account.status == AccountStatus::Active),
        None => None,
    };
    if tenant.is_some() && target.is_none() {
        issues.push(Issue {
            field: "account",
            problem: Invalid::Required,
        });
    }
    let (Some(tenant), Some(target)) = (tenant, target) else {
        return Err(IdentityError::Invalid(issues));
    };
    if !issues.is_empty() {
        return Err(IdentityError::Invalid(issues));
    }

    let now = services.clock.now();
    let record = Impersonation {
        id: services.ids.new_id(),
        tenant_id: tenant.clone(),
        account_id: target.id.clone(),
        account_name: target.name.clone(),
        staff_id: staff.id.clone(),
        staff_email: staff.email.clone(),
        reason: reason.to_owned(),
        started_at: now,
    };
    let secret = new_token();
    let handoff = Handoff {
        impersonation_id: record.id.clone(),
        token_hash: token_hash(&secret),
        account_id: target.id.clone(),
        staff_id: staff.id.clone(),
        staff_email: staff.email.clone(),
        reason: record.reason.clone(),
        expires_at: now + HANDOFF_TTL,
    };
    let tenant_ns = Namespace::tenant(&tenant);
    let summary = json!({
        "tenant_id": tenant, "account_id": target.id, "account_name": target.name,
        "reason": record.reason,
    });
    let central_audit = audit
        .record(
            &Namespace::Central,
            services.ids.new_id(),
            now,
            &Change {
                action: "impersonation.start",
                entity_type: "impersonation",
                entity_id: &record.id,
                before: None,
                after: Some(&summary),
            },
        )
        .1;
    let tenant_audit = Audit {
        actor: impersonator(staff, &record.reason),
        ..audit.clone()
    }
    .record(
        &tenant_ns,
        services.ids.new_id(),
        now,
        &Change {
            action: "impersonation.start",
            entity_type: "account",
            entity_id: &target.id,
            before: None,
            after: Some(&summary),
        },
    )
    .1;
    let writes = vec![
        Write::Put(Put {
            item: Item::new(keys::impersonation(&record.id), body_of(&record))
                .with_index(Index::Gsi1, keys::impersonation_listing(now, &record.id)),
            condition: Condition::MustNotExist,
        }),
        central_audit,
        Write::Put(Put {
            item: Item::new(
                keys::impersonation_handoff(&tenant_ns, &record.id),
                body_of(&handoff),
            )
            .expiring_at(handoff.expires_at.timestamp()),
            condition: Condition::MustNotExist,
        }),
        tenant_audit,
    ];
    // Spans the central namespace and the tenant's: the one use of the unscoped store here.
    services.db.store().transact(writes).await?;
    let token = format!("{}.{secret}", record.id);
    Ok((record, token))
}

fn impersonator(staff: &Account, reason: &str) -> Actor {
    Actor::Impersonation {
        staff_id: staff.id.clone(),
        staff_email: staff.email.clone(),
        reason: reason.to_owned(),
    }
}

/// Exchanges a handoff token on the tenant's host for an impersonation session (and the token
/// for its cookie). A token works once and for a minute.
pub async fn enter(
    realm: &Realm,
    token: &str,
    client: &ClientInfo,
    audit: &Audit,
) -> Result<(Session, String), IdentityError> {
    let invalid = || IdentityError::Refused(Refusal::LinkInvalid);
    let (id, secret) = token.split_once('.').ok_or_else(invalid)?;
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid());
    }
    let key = keys::impersonation_handoff(realm.namespace(), id);
    let item = realm.db.get(&key).await?.ok_or_else(invalid)?;
    let handoff: Handoff = item.decode().map_err(|_| invalid())?;
    let now = realm.now();
    if handoff.expires_at <= now || !constant_time_eq(&handoff.token_hash, &token_hash(secret)) {
        return Err(invalid());
    }
    let (account, _) = accounts::get(&realm.db, &handoff.account_id)
        .await?
        .filter(|(a, _)| a.status == AccountStatus::Active)
        .ok_or_else(invalid)?;
    let info = ImpersonationInfo {
        staff_id: handoff.staff_id.clone(),
        staff_email: handoff.staff_email.clone(),
        reason: handoff.reason.clone(),
    };
    let (mut session, session_token) =
        sessions::prepare(&account.id, client, false, Some(info), now);
    session.ends_at = Some(now + SESSION_LIMIT);
    let audit = Audit {
        actor: Actor::Impersonation {
            staff_id: handoff.staff_id,
            staff_email: handoff.staff_email,
            reason: handoff.reason,
        },
        ..audit.clone()
    };
    let writes = vec![
        Write::Delete(Delete {
            key,
            condition: Condition::VersionEquals(item.version),
        }),
        session.create_write(realm.namespace()),
        realm.audit_write(
            &audit,
            &Change {
                action: "impersonation.enter",
                entity_type: "account",
                entity_id: &account.id,
                before: None,
                after: None,
            },
        ),
    ];
    realm
        .db
        .transact(writes)
        .await
        .map_err(|e| IdentityError::or_refusal(e, Refusal::LinkInvalid))?;
    Ok((session, session_token))
}

/// Ends an impersonation session (the banner's "End"), recorded in both audit logs.
pub async fn end(realm: &Realm, session: &Session, audit: &Audit) -> Result<(), StoreError> {
    let Some(tenant) = &realm.tenant else {
        return Ok(());
    };
    let now = realm.now();
    let services = &realm.services;
    let change = Change {
        action: "impersonation.end",
        entity_type: "account",
        entity_id: &session.account_id,
        before: None,
        after: None,
    };
    let mut writes = vec![
        Write::Delete(Delete {
            key: keys::session(realm.namespace(), &session.id),
            condition: Condition::None,
        }),
        audit
            .record(realm.namespace(), services.ids.new_id(), now, &change)
            .1,
    ];
    if let Some(info) = &session.impersonation {
        let staff = Audit {
            actor: Actor::Staff {
                id: info.staff_id.clone(),
                email: info.staff_email.clone(),
            },
            ..audit.clone()
        };
        let detail = json!({"tenant_id": tenant, "account_id": session.account_id});
        writes.push(
            staff
                .record(
                    &Namespace::Central,
                    services.ids.new_id(),
                    now,
                    &Change {
                        after: Some(&detail),
                        entity_type: "impersonation",
                        ..change
                    },
                )
                .1,
        );
    }
    services.db.store().transact(writes).await
}

/// Recent impersonations, newest first.
pub async fn list(services: &Services, limit: u32) -> Result<Vec<Impersonation>, StoreError> {
    let query = Query::new(Index::Gsi1, keys::impersonations_partition())
        .sort(SortKey::Any)
        .backward()
        .limit(limit.clamp(1, 1000));
    let page = services.db.central().query(query, None).await?;
    Ok(page
        .items
        .into_iter()
        .filter_map(|item| serde_json::from_value(Value::Object(item.body)).ok())
        .collect())
}

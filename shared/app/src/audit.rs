//! Audit records: who did what to which entity, with the field-by-field difference, the request
//! id and the client address. Every mutation writes its record in the same transaction as the
//! change ([`Audit::record`] returns the `Write` to add), so there is never a change without a
//! record or a record without its change.

use chrono::{DateTime, Utc};
use crm_domain::audit::{FieldChange, diff};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::keys::{self, Namespace};
use crate::store::{Body, Condition, Index, Item, Put, Write};

/// Who performed an action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A tenant's user acting for themselves.
    User { id: String, name: String },
    /// A machine using an API key.
    ApiKey { id: String, name: String },
    /// Platform staff in the central part.
    Staff { id: String, email: String },
    /// Platform staff inside a tenant through an impersonation, with the reason they gave.
    Impersonation {
        staff_id: String,
        staff_email: String,
        reason: String,
    },
    /// The platform itself (a scheduled job, a worker).
    System { process: String },
    /// Nobody signed in yet (a login attempt, an accepted invitation).
    Anonymous,
}

impl Actor {
    /// The id filters use ("everything this person did").
    pub fn id(&self) -> String {
        match self {
            Actor::User { id, .. } => format!("user:{id}"),
            Actor::ApiKey { id, .. } => format!("api_key:{id}"),
            Actor::Staff { id, .. } => format!("staff:{id}"),
            Actor::Impersonation { staff_id, .. } => format!("staff:{staff_id}"),
            Actor::System { process } => format!("system:{process}"),
            Actor::Anonymous => "anonymous".to_owned(),
        }
    }

    /// A short label for lists.
    pub fn label(&self) -> String {
        match self {
            Actor::User { name, .. } | Actor::ApiKey { name, .. } => name.clone(),
            Actor::Staff { email, .. } => email.clone(),
            Actor::Impersonation { staff_email, .. } => format!("{staff_email} (impersonation)"),
            Actor::System { process } => format!("system: {process}"),
            Actor::Anonymous => "anonymous".to_owned(),
        }
    }
}

/// The request a mutation came from; use cases take it and put it into their audit records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audit {
    pub actor: Actor,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// `<entity>.<verb>`: `tenant.create`, `user.invite`, `settings.update`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub changes: Vec<FieldChange>,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

/// What changed: the entity before and after, as JSON (absent for creation or deletion).
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

impl Audit {
    pub fn system(process: &str) -> Self {
        Self {
            actor: Actor::System {
                process: process.to_owned(),
            },
            request_id: None,
            client_ip: None,
        }
    }

    /// The record of `change` and the write that stores it in `namespace` (a tenant's, or the
    /// central one for platform actions). Add the write to the transaction making the change.
    pub fn record(
        &self,
        namespace: &Namespace,
        id: String,
        at: DateTime<Utc>,
        change: &Change<'_>,
    ) -> (AuditRecord, Write) {
        let record = AuditRecord {
            id,
            at,
            actor: self.actor.clone(),
            action: change.action.to_owned(),
            entity_type: change.entity_type.to_owned(),
            entity_id: change.entity_id.to_owned(),
            changes: diff(change.before, change.after),
            request_id: self.request_id.clone(),
            client_ip: self.client_ip.clone(),
        };
        let write = Write::Put(Put {
            item: record_item(namespace, &record),
            condition: Condition::MustNotExist,
        });
        (record, write)
    }
}

fn record_item(namespace: &Namespace, record: &AuditRecord) -> Item {
    let body: Body = match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        // A record is plain data and always serialises to an object.
        _ => Body::new(),
    };
    let sort = keys::audit_sort(record.at, &record.id);
    let key = keys::audit_by_day(namespace, record.at, &record.id);
    Item::new(key, body)
        .with_index(
            Index::Gsi1,
            keys::audit_by_entity(namespace, &record.entity_type, &record.entity_id, &sort),
        )
        .with_index(
            Index::Gsi2,
            keys::audit_by_actor(namespace, &record.actor.id(), &sort),
        )
}

/// Reads a stored record back.
pub fn record_from_item(item: &Item) -> Option<AuditRecord> {
    item.decode().ok()
}

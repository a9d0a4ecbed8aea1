//! Server-side sessions. The browser holds a random token in a cookie; the store keeps only its
//! hash, with an absolute lifetime and an idle timeout (the item's TTL is the earlier of the
//! two), so a stolen database cannot be replayed and a forgotten tab does not stay signed in.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::secrets::{new_token, token_hash};
use crate::keys::{self, Namespace};
use crate::store::{
    Body, Condition, Delete, Index, Item, Put, Query, ScopedDb, SortKey, StoreError, Write,
};

/// A session lives at most this long, however active.
pub const ABSOLUTE_LIFETIME: Duration = Duration::days(7);
/// ... and ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::hours(12);
/// Activity is recorded at most this often, so reads do not turn into writes.
const TOUCH_EVERY: Duration = Duration::minutes(5);

/// Platform staff acting inside a tenant; shown in the UI while the session lasts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpersonationInfo {
    pub staff_id: String,
    pub staff_email: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The token's hash; also the id shown in "your sessions" lists.
    pub id: String,
    pub account_id: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub csrf_token: String,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// Signed in with the password, the second factor still to be given.
    #[serde(default)]
    pub second_factor_pending: bool,
    #[serde(default)]
    pub impersonation: Option<ImpersonationInfo>,
    /// An earlier end than the absolute lifetime (impersonations are short).
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
}

impl Session {
    pub fn expires_at(&self) -> DateTime<Utc> {
        let absolute = self.created_at + ABSOLUTE_LIFETIME;
        let absolute = self.ends_at.map_or(absolute, |end| end.min(absolute));
        absolute.min(self.last_seen_at + IDLE_TIMEOUT)
    }

    /// A put creating this session, for a transaction that starts it with other writes.
    pub fn create_write(&self, ns: &Namespace) -> Write {
        Write::Put(Put {
            item: self.to_item(ns),
            condition: Condition::MustNotExist,
        })
    }

    fn to_item(&self, ns: &Namespace) -> Item {
        let body: Body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Body::new(),
        };
        Item::new(keys::session(ns, &self.id), body)
            .with_index(
                Index::Gsi1,
                keys::account_sessions(ns, &self.account_id, self.created_at, &self.id),
            )
            .expiring_at(self.expires_at().timestamp())
    }
}

/// What a new session needs to know about the request.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A new session and the token for the cookie (never stored), not saved yet: save it with
/// [`Session::create_write`] in a transaction, or use [`create`].
pub fn prepare(
    account_id: &str,
    client: &ClientInfo,
    second_factor_pending: bool,
    impersonation: Option<ImpersonationInfo>,
    now: DateTime<Utc>,
) -> (Session, String) {
    let token = new_token();
    let session = Session {
        id: token_hash(&token),
        account_id: account_id.to_owned(),
        created_at: now,
        last_seen_at: now,
        csrf_token: new_token(),
        client_ip: client.ip.clone(),
        user_agent: client
            .user_agent
            .as_ref()
            .map(|ua| ua.chars().take(300).collect()),
        second_factor_pending,
        impersonation,
        ends_at: None,
    };
    (session, token)
}

/// Starts a session; returns it and the token for the cookie (never stored).
pub async fn create(
    db: &ScopedDb,
    account_id: &str,
    client: &ClientInfo,
    second_factor_pending: bool,
    impersonation: Option<ImpersonationInfo>,
    now: DateTime<Utc>,
) -> Result<(Session, String), StoreError> {
    let (session, token) = prepare(
        account_id,
        client,
        second_factor_pending,
        impersonation,
        now,
    );
    db.put(Put {
        item: session.to_item(db.namespace()),
        condition: Condition::MustNotExist,
    })
    .await?;
    Ok((session, token))
}

/// The live session of a cookie token, recording activity now and then.
pub async fn resume(
    db: &ScopedDb,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>, StoreError> {
    let key = keys::session(db.namespace(), &token_hash(token));
    let Some(item) = db.get(&key).await? else {
        return Ok(None);
    };
    let Ok(mut session) = serde_json::from_value::<Session>(Value::Object(item.body)) else {
        return Ok(None);
    };
    if session.expires_at() <= now {
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY {
        session.last_seen_at = now;
        let touch = Put {
            item: session.to_item(db.namespace()),
            condition: Condition::VersionEquals(item.version),
        };
        // A concurrent request may have touched it already; either write is as good.
        let _ = db.put(touch).await;
    }
    Ok(Some(session))
}

/// Replaces a session after sign-in steps (second factor given): a new token, so a token seen
/// before the step is worthless after it.
pub async fn rotate(
    db: &ScopedDb,
    old: &Session,
    now: DateTime<Utc>,
    second_factor_pending: bool,
) -> Result<(Session, String), StoreError> {
    let client = ClientInfo {
        ip: old.client_ip.clone(),
        user_agent: old.user_agent.clone(),
    };
    let created = create(
        db,
        &old.account_id,
        &client,
        second_factor_pending,
        old.impersonation.clone(),
        now,
    )
    .await?;
    revoke(db, &old.id).await?;
    Ok(created)
}

/// Ends a session by its id (the token hash). Ending an ended session succeeds.
pub async fn revoke(db: &ScopedDb, session_id: &str) -> Result<(), StoreError> {
    db.delete(Delete {
        key: keys::session(db.namespace(), session_id),
        condition: Condition::None,
    })
    .await
}

/// An account's live sessions, newest first.
pub async fn list(
    db: &ScopedDb,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Session>, StoreError> {
    let ns = db.namespace();
    let query = Query::new(
        Index::Gsi1,
        keys::account_sessions_partition(ns, account_id),
    )
    .sort(SortKey::Any)
    .backward()
    .limit(100);
    let page = db.query(query, None).await?;
    Ok(page
        .items
        .into_iter()
        .filter_map(|item| serde_json::from_value::<Session>(Value::Object(item.body)).ok())
        .filter(|session| session.expires_at() > now)
        .collect())
}

/// Ends every session of an account (password changed, account disabled), except `keep`.
pub async fn revoke_all(
    db: &ScopedDb,
    account_id: &str,
    keep: Option<&str>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut ended = 0;
    for session in list(db, account_id, now).await? {
        if Some(session.id.as_str()) != keep {
            revoke(db, &session.id).await?;
            ended += 1;
        }
    }
    Ok(ended)
}

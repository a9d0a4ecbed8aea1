//! Finding subscribers: by a prefix of any word of their account number, name, address, phone
//! or e-mail (case-insensitive, `ё` = `е`), narrowed by status, billing mode, building, tag and
//! service, ordered, a page at a time.
//!
//! No scans. A request reads one source in order and checks each candidate against the rest
//! of the request:
//! - with text: the search terms of its longest word (one partition per first character, a
//!   prefix range of sort keys), ordered by the matching word, then account number;
//! - without text but with a building, a tag, a non-active status or prepaid billing: that
//!   value's facet listing, in account or name order;
//! - otherwise every subscriber, by account number (GSI1) or name (GSI2).
//!
//! A page examines at most [`MAX_EXAMINED`] candidates. When that runs out before the page is
//! full, the page comes back short with `partial` set and a cursor to go on from: bounded work
//! per request, every match still reached exactly once by following the cursors.

use std::collections::HashMap;

use crm_domain::TenantId;
use crm_domain::subscriber::search::{
    SearchField, leading_word, matches, normalise, query_words, reported_term, terms, words,
};
use crm_domain::subscriber::{BillingMode, SubscriberStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Subscriber;
use super::index::{FacetValue, facet_ref, term_ref};
use crate::Services;
use crate::keys::{self, FacetOrder, Namespace};
use crate::signing::Signer;
use crate::store::{
    CursorSigner, Index, Item, LastKey, MAX_BATCH_GET, Query, ScopedDb, SortKey, StoreError,
};

/// Candidates one request may examine.
pub const MAX_EXAMINED: usize = 600;
pub const MAX_PAGE_SIZE: u32 = 200;
pub const DEFAULT_PAGE_SIZE: u32 = 25;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Account,
    Name,
}

impl SortOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Account => "account",
            SortOrder::Name => "name",
        }
    }

    pub fn parse(raw: &str) -> Option<SortOrder> {
        match raw {
            "account" => Some(SortOrder::Account),
            "name" => Some(SortOrder::Name),
            _ => None,
        }
    }
}

/// What to look for. Text orders results by the matching word; `order` orders lists without
/// text. `descending` reverses either.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    pub text: String,
    /// Look for the text in this field only.
    pub field: Option<SearchField>,
    pub status: Option<SubscriberStatus>,
    pub billing_mode: Option<BillingMode>,
    pub building_id: Option<String>,
    pub tag: Option<String>,
    pub service_id: Option<String>,
    pub order: SortOrder,
    pub descending: bool,
    pub page_size: u32,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            text: String::new(),
            field: None,
            status: None,
            billing_mode: None,
            building_id: None,
            tag: None,
            service_id: None,
            order: SortOrder::Account,
            descending: false,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SearchPage {
    pub items: Vec<Subscriber>,
    /// The page after this one.
    pub next: Option<String>,
    /// The page before this one (none on the first page).
    pub prev: Option<String>,
    /// The work limit ended this page early: it may be short (even empty) while `next` still
    /// leads to more matches.
    pub partial: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("invalid cursor: {0}")]
    InvalidCursor(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where candidates come from.
#[derive(Clone, Debug)]
enum Source {
    /// Profiles by a GSI: the items are the subscribers.
    Listing { index: Index, pk: String },
    /// Key-only facet entries.
    Facet { pk: String },
    /// Key-only search terms whose word starts with `prefix`.
    Terms { pk: String, prefix: String },
}

/// A request made ready to run.
struct Plan {
    source: Source,
    words: Vec<String>,
    leading: Option<String>,
    field: Option<SearchField>,
    status: Option<SubscriberStatus>,
    billing_mode: Option<BillingMode>,
    building_id: Option<String>,
    tag_key: Option<String>,
    service_id: Option<String>,
    /// Reading order of the source for the first page.
    forward: bool,
    page_size: usize,
    fingerprint: String,
}

impl Plan {
    fn new(namespace: &Namespace, request: &SearchRequest) -> Plan {
        let words = query_words(&request.text);
        let leading = leading_word(&words).map(|i| words[i].clone());
        let tag_key = request
            .tag
            .as_deref()
            .map(normalise)
            .filter(|t| !t.is_empty());
        let building_id = request.building_id.clone().filter(|b| !b.trim().is_empty());
        let order = match request.order {
            SortOrder::Account => FacetOrder::Account,
            SortOrder::Name => FacetOrder::Name,
        };
        let facet = building_id
            .clone()
            .map(FacetValue::Building)
            .or_else(|| tag_key.clone().map(FacetValue::Tag))
            .or_else(|| {
                request
                    .status
                    .filter(|s| *s != SubscriberStatus::Active)
                    .map(|s| FacetValue::Status(s.as_str()))
            })
            .or_else(|| {
                request
                    .billing_mode
                    .filter(|m| *m == BillingMode::Prepaid)
                    .map(|m| FacetValue::BillingMode(m.as_str()))
            });
        let source = match (&leading, facet) {
            (Some(word), _) => Source::Terms {
                pk: keys::search_term_partition(namespace, word.chars().next().unwrap_or(' ')),
                prefix: keys::search_term_prefix(word),
            },
            (None, Some(facet)) => Source::Facet {
                pk: keys::subscriber_facet_partition(namespace, facet.key(), order),
            },
            (None, None) => match request.order {
                SortOrder::Account => Source::Listing {
                    index: Index::Gsi1,
                    pk: keys::subscribers_by_account_partition(namespace),
                },
                SortOrder::Name => Source::Listing {
                    index: Index::Gsi2,
                    pk: keys::subscribers_by_name_partition(namespace),
                },
            },
        };
        let field = request.field.filter(|_| leading.is_some());
        let page_size = request.page_size.clamp(1, MAX_PAGE_SIZE) as usize;
        let fingerprint = fingerprint(&[
            &words.join("\u{1}"),
            field.map_or("", SearchField::as_str),
            request.status.map_or("", SubscriberStatus::as_str),
            request.billing_mode.map_or("", BillingMode::as_str),
            building_id.as_deref().unwrap_or(""),
            tag_key.as_deref().unwrap_or(""),
            request.service_id.as_deref().unwrap_or(""),
            request.order.as_str(),
            if request.descending { "desc" } else { "asc" },
            &page_size.to_string(),
        ]);
        Plan {
            source,
            words,
            leading,
            field,
            status: request.status,
            billing_mode: request.billing_mode,
            building_id,
            tag_key,
            service_id: request.service_id.clone().filter(|s| !s.is_empty()),
            forward: !request.descending,
            page_size,
            fingerprint,
        }
    }

    fn query(&self, forward: bool, limit: u32) -> Query {
        let query = match &self.source {
            Source::Listing { index, pk } => Query::new(*index, pk.clone()),
            Source::Facet { pk } => Query::new(Index::Table, pk.clone()),
            Source::Terms { pk, prefix } => {
                Query::new(Index::Table, pk.clone()).sort(SortKey::BeginsWith(prefix.clone()))
            }
        };
        let query = query.limit(limit);
        if forward { query } else { query.backward() }
    }

    /// What a key-only entry of this plan's source points at.
    fn entry<'i>(&self, item: &'i Item) -> Option<super::index::EntryRef<'i>> {
        match self.source {
            Source::Terms { .. } => term_ref(&item.key.sk),
            Source::Facet { .. } => facet_ref(&item.key.sk),
            Source::Listing { .. } => None,
        }
    }

    /// Necessary conditions read straight from a stored profile body, before the costlier
    /// full reading: the filters, and that every query word starts some word of the
    /// searchable text (a superset of the index's terms). `false` only for non-matches.
    fn may_accept(&self, body: &crate::store::Body) -> bool {
        fn text(value: Option<&Value>) -> &str {
            value.and_then(Value::as_str).unwrap_or("")
        }
        let strings = |value: Option<&Value>| -> Vec<String> {
            value
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        if self
            .status
            .is_some_and(|s| text(body.get("status").and_then(|v| v.get("status"))) != s.as_str())
            || self
                .billing_mode
                .is_some_and(|m| text(body.get("billing_mode")) != m.as_str())
            || self
                .building_id
                .as_deref()
                .is_some_and(|b| text(body.get("building_id")) != b)
            || self.tag_key.as_ref().is_some_and(|key| {
                !strings(body.get("tags"))
                    .iter()
                    .any(|tag| normalise(tag) == *key)
            })
            || self
                .service_id
                .as_ref()
                .is_some_and(|s| !strings(body.get("services")).contains(s))
        {
            return false;
        }
        if self.words.len() < 2 {
            return true;
        }
        let words = raw_words(body);
        self.words
            .iter()
            .all(|w| words.iter().any(|word| word.starts_with(w.as_str())))
    }

    fn index(&self) -> Index {
        match &self.source {
            Source::Listing { index, .. } => *index,
            _ => Index::Table,
        }
    }

    /// Whether `subscriber`, found at a term (`word` escaped as in the key, field `code`) or a
    /// listing entry (`None`), belongs on the page.
    fn accepts(&self, subscriber: &Subscriber, term: Option<(&str, char)>) -> bool {
        if self.status.is_some_and(|s| s != subscriber.status.status)
            || self
                .billing_mode
                .is_some_and(|m| m != subscriber.facts.billing_mode)
            || self
                .building_id
                .as_ref()
                .is_some_and(|b| subscriber.facts.building_id.as_ref() != Some(b))
            || self
                .tag_key
                .as_ref()
                .is_some_and(|t| !subscriber.facts.tags.iter().any(|tag| tag.key() == *t))
            || self
                .service_id
                .as_ref()
                .is_some_and(|s| !subscriber.services.contains(s))
        {
            return false;
        }
        let Some(leading) = &self.leading else {
            return true;
        };
        let terms = terms(&subscriber.searchable());
        if !matches(&terms, &self.words, self.field) {
            return false;
        }
        // Reported once: at its first matching term, whichever way the index is read.
        match (reported_term(&terms, leading, self.field), term) {
            (Some(reported), Some((word, code))) => {
                reported.field.code() == code && keys::search_term_prefix(&reported.word) == word
            }
            _ => false,
        }
    }
}

/// Every word a stored profile's searchable text could be found by, and more: the words of
/// its account number, party, address and e-mails (whole and split, hyphen parts, numbers
/// without leading zeros) and its phones in every typed form.
fn raw_words(body: &crate::store::Body) -> Vec<String> {
    fn leaves<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
        match value {
            Value::String(s) => out.push(s),
            Value::Array(items) => items.iter().for_each(|v| leaves(v, out)),
            Value::Object(map) => map.values().for_each(|v| leaves(v, out)),
            _ => {}
        }
    }
    let mut texts = Vec::new();
    for field in ["account_number", "party", "address", "emails"] {
        if let Some(value) = body.get(field) {
            leaves(value, &mut texts);
        }
    }
    let mut out = Vec::new();
    for text in texts {
        out.push(normalise(text));
        for word in words(text) {
            for part in word.split('-').filter(|p| !p.is_empty()) {
                let significant = part.trim_start_matches('0');
                if !significant.is_empty() && significant != part {
                    out.push(significant.to_owned());
                }
                out.push(part.to_owned());
            }
            out.push(word);
        }
    }
    let mut phones = Vec::new();
    if let Some(value) = body.get("phones") {
        leaves(value, &mut phones);
    }
    for phone in phones {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if let Some(national) = digits.strip_prefix('7') {
            out.push(format!("8{national}"));
            out.push(national.to_owned());
        }
        out.push(digits);
    }
    out
}

fn fingerprint(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    hash.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a cursor holds: the request it belongs to, the direction, and where to go on from.
#[derive(Serialize, Deserialize)]
struct CursorPayload {
    f: String,
    r: bool,
    k: LastKey,
}

struct Cursors {
    signer: Signer,
}

impl Cursors {
    fn new(services: &Services) -> Self {
        Self {
            signer: services.signer.for_purpose("subscriber-search"),
        }
    }

    fn encode(&self, plan: &Plan, reverse: bool, position: &LastKey) -> String {
        use base64::Engine;
        let payload = CursorPayload {
            f: plan.fingerprint.clone(),
            r: reverse,
            k: position.clone(),
        };
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        let signature = self.signer.sign(body.as_bytes());
        format!("{body}.{signature}")
    }

    fn decode(&self, plan: &Plan, cursor: &str) -> Result<(bool, LastKey), SearchError> {
        use base64::Engine;
        let (body, signature) = cursor
            .split_once('.')
            .ok_or(SearchError::InvalidCursor("malformed"))?;
        if !self.signer.verify(body.as_bytes(), signature) {
            return Err(SearchError::InvalidCursor("signature does not match"));
        }
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SearchError::InvalidCursor("malformed"))?;
        let payload: CursorPayload =
            serde_json::from_slice(&json).map_err(|_| SearchError::InvalidCursor("malformed"))?;
        if payload.f != plan.fingerprint {
            return Err(SearchError::InvalidCursor("issued for a different search"));
        }
        Ok((payload.r, payload.k))
    }
}

/// The outcome of reading a source from a position.
struct Scan {
    accepted: Vec<(Subscriber, LastKey)>,
    /// The source has nothing after the last candidate examined.
    exhausted: bool,
    /// The work limit stopped the reading.
    partial: bool,
    last_examined: Option<LastKey>,
}

fn position(item: &Item, index: Index) -> LastKey {
    LastKey {
        index_key: item
            .key_in(index)
            .cloned()
            .unwrap_or_else(|| item.key.clone()),
        table_key: item.key.clone(),
    }
}

/// Reads `plan`'s source from `start` in one direction until `want` subscribers are accepted,
/// the source ends, or [`MAX_EXAMINED`] candidates were examined.
async fn scan(
    db: &ScopedDb,
    store_cursors: &CursorSigner,
    plan: &Plan,
    forward: bool,
    start: Option<LastKey>,
    want: usize,
) -> Result<Scan, StoreError> {
    let mut accepted: Vec<(Subscriber, LastKey)> = Vec::new();
    let mut last = start;
    let mut examined = 0;
    loop {
        let limit = match plan.source {
            Source::Listing { .. } => (want - accepted.len()).clamp(20, 200),
            _ => MAX_BATCH_GET,
        };
        let query = plan.query(forward, limit as u32);
        let cursor = last
            .as_ref()
            .map(|p| store_cursors.encode(&query, p.clone()));
        let page = db.query(query, cursor.as_ref()).await?;
        let profiles = fetch_profiles(db, plan, &page.items).await?;
        for item in &page.items {
            examined += 1;
            let here = position(item, plan.index());
            last = Some(here.clone());
            let (profile, term) = match plan.source {
                Source::Listing { .. } => (Some(item), None),
                _ => match plan.entry(item) {
                    Some(entry) => (profiles.get(entry.id), entry.term),
                    None => (None, None),
                },
            };
            // Cheap checks on the stored body first; only likely matches are read in full.
            let Some(profile) = profile.filter(|p| plan.may_accept(&p.body)) else {
                continue;
            };
            if let Ok(subscriber) = Subscriber::from_item(profile)
                && plan.accepts(&subscriber, term)
            {
                accepted.push((subscriber, here));
                if accepted.len() == want {
                    return Ok(Scan {
                        accepted,
                        exhausted: false,
                        partial: false,
                        last_examined: last,
                    });
                }
            }
        }
        if page.next.is_none() {
            return Ok(Scan {
                accepted,
                exhausted: true,
                partial: false,
                last_examined: last,
            });
        }
        if examined >= MAX_EXAMINED {
            return Ok(Scan {
                accepted,
                exhausted: false,
                partial: true,
                last_examined: last,
            });
        }
    }
}

/// The profiles behind key-only entries, by subscriber id, read in batches.
async fn fetch_profiles(
    db: &ScopedDb,
    plan: &Plan,
    items: &[Item],
) -> Result<HashMap<String, Item>, StoreError> {
    if let Source::Listing { .. } = plan.source {
        return Ok(HashMap::new());
    }
    let mut keys: Vec<_> = items
        .iter()
        .filter_map(|item| plan.entry(item))
        .map(|r| keys::subscriber_profile(db.namespace(), r.id))
        .collect();
    keys.sort();
    keys.dedup();
    let mut profiles = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(MAX_BATCH_GET) {
        for item in db.batch_get(chunk).await? {
            if let Some(id) = item.key.pk.rsplit('#').next() {
                profiles.insert(id.to_owned(), item);
            }
        }
    }
    Ok(profiles)
}

/// One page of the subscribers matching `request`, from `cursor` (a `next` or `prev` of an
/// earlier page of the same request) or from the start.
pub async fn search(
    services: &Services,
    tenant: &TenantId,
    request: &SearchRequest,
    cursor: Option<&str>,
) -> Result<SearchPage, SearchError> {
    let db = services.db.tenant(tenant);
    let plan = Plan::new(db.namespace(), request);
    let cursors = Cursors::new(services);
    let store_cursors = CursorSigner::new(&services.signer);
    let want = plan.page_size + 1;
    let from = match cursor.filter(|c| !c.is_empty()) {
        Some(cursor) => Some(cursors.decode(&plan, cursor)?),
        None => None,
    };

    if let Some((true, position)) = from {
        // Back: read the other way from the first item of the page we came from.
        let scan = scan(
            &db,
            &store_cursors,
            &plan,
            !plan.forward,
            Some(position),
            want,
        )
        .await?;
        if !scan.partial && scan.accepted.len() <= plan.page_size {
            // Reached the beginning: that is the first page.
            return first_page(&db, &store_cursors, &cursors, &plan).await;
        }
        let more_before = scan.accepted.len() > plan.page_size;
        let partial = scan.partial && !more_before;
        let mut shown: Vec<(Subscriber, LastKey)> =
            scan.accepted.into_iter().take(plan.page_size).collect();
        let prev = if more_before {
            shown.last().map(|(_, p)| cursors.encode(&plan, true, p))
        } else {
            scan.last_examined
                .as_ref()
                .map(|p| cursors.encode(&plan, true, p))
        };
        let next = shown
            .first()
            .map(|(_, p)| p)
            .or(scan.last_examined.as_ref())
            .map(|p| cursors.encode(&plan, false, p));
        shown.reverse();
        return Ok(SearchPage {
            items: shown.into_iter().map(|(s, _)| s).collect(),
            next,
            prev,
            partial,
        });
    }

    let Some((_, position)) = from else {
        return first_page(&db, &store_cursors, &cursors, &plan).await;
    };
    forward_page(&db, &store_cursors, &cursors, &plan, Some(position)).await
}

async fn first_page(
    db: &ScopedDb,
    store_cursors: &CursorSigner,
    cursors: &Cursors,
    plan: &Plan,
) -> Result<SearchPage, SearchError> {
    let mut page = forward_page(db, store_cursors, cursors, plan, None).await?;
    page.prev = None;
    Ok(page)
}

async fn forward_page(
    db: &ScopedDb,
    store_cursors: &CursorSigner,
    cursors: &Cursors,
    plan: &Plan,
    start: Option<LastKey>,
) -> Result<SearchPage, SearchError> {
    let came_from_earlier = start.is_some();
    let scan = scan(
        db,
        store_cursors,
        plan,
        plan.forward,
        start,
        plan.page_size + 1,
    )
    .await?;
    let full = scan.accepted.len() > plan.page_size;
    let shown: Vec<(Subscriber, LastKey)> =
        scan.accepted.into_iter().take(plan.page_size).collect();
    let next = if full {
        shown.last().map(|(_, p)| cursors.encode(plan, false, p))
    } else if scan.partial {
        scan.last_examined
            .as_ref()
            .map(|p| cursors.encode(plan, false, p))
    } else {
        None
    };
    let prev = if came_from_earlier {
        shown.first().map(|(_, p)| cursors.encode(plan, true, p))
    } else {
        None
    };
    debug_assert!(!scan.exhausted || !scan.partial);
    Ok(SearchPage {
        items: shown.into_iter().map(|(s, _)| s).collect(),
        next,
        prev,
        partial: scan.partial,
    })
}

//! The index entries of a subscriber and the writes that keep them in step with its profile.
//!
//! Entries are key-only items: search terms (one per word of the account number, name,
//! address, phones and e-mails) and facet listings (one per filter value, in account and in
//! name order). They are derived from the profile alone, so a change writes exactly the
//! difference between the entries of the old and the new profile, in the same transaction.

use std::collections::BTreeSet;

use crm_domain::subscriber::search::terms;

use super::Subscriber;
use crate::keys::{self, FacetOrder, Namespace, SubscriberFacet};
use crate::store::{Body, Condition, Delete, Index, Item, Key, Put, Write};

/// The profile item with its listing keys (GSI1 by account number, GSI2 by name).
pub fn profile_item(namespace: &Namespace, subscriber: &Subscriber) -> Item {
    Item::new(
        keys::subscriber_profile(namespace, &subscriber.id),
        subscriber.body(),
    )
    .with_index(
        Index::Gsi1,
        keys::subscriber_by_account(namespace, &subscriber.account_key(), &subscriber.id),
    )
    .with_index(
        Index::Gsi2,
        keys::subscriber_by_name(namespace, &subscriber.name_key(), &subscriber.id),
    )
}

/// A filter value with its own listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum FacetValue {
    Status(&'static str),
    BillingMode(&'static str),
    Building(String),
    /// A tag's key.
    Tag(String),
}

impl FacetValue {
    pub fn key(&self) -> SubscriberFacet<'_> {
        match self {
            FacetValue::Status(s) => SubscriberFacet::Status(s),
            FacetValue::BillingMode(m) => SubscriberFacet::BillingMode(m),
            FacetValue::Building(b) => SubscriberFacet::Building(b),
            FacetValue::Tag(t) => SubscriberFacet::Tag(t),
        }
    }
}

/// The facet values a subscriber is listed under.
pub(super) fn facets(subscriber: &Subscriber) -> Vec<FacetValue> {
    let mut facets = vec![
        FacetValue::Status(subscriber.status.status.as_str()),
        FacetValue::BillingMode(subscriber.facts.billing_mode.as_str()),
    ];
    if let Some(building) = &subscriber.facts.building_id {
        facets.push(FacetValue::Building(building.clone()));
    }
    facets.extend(
        subscriber
            .facts
            .tags
            .iter()
            .map(|t| FacetValue::Tag(t.key())),
    );
    facets
}

/// Every index entry key of `subscriber`.
pub fn entries(namespace: &Namespace, subscriber: &Subscriber) -> BTreeSet<Key> {
    let account_key = subscriber.account_key();
    let name_key = subscriber.name_key();
    let mut keys = BTreeSet::new();
    for term in terms(&subscriber.searchable()) {
        if let Some(key) = keys::search_term(
            namespace,
            &term.word,
            &account_key,
            &subscriber.id,
            term.field.code(),
        ) {
            keys.insert(key);
        }
    }
    for facet in facets(subscriber) {
        for (order, sort_key) in [
            (FacetOrder::Account, &account_key),
            (FacetOrder::Name, &name_key),
        ] {
            keys.insert(keys::subscriber_facet_entry(
                namespace,
                facet.key(),
                order,
                sort_key,
                &subscriber.id,
            ));
        }
    }
    keys
}

/// The writes that move the index from `before` to `after` (either absent: creation,
/// removal). Entries present in both are left alone.
pub fn index_writes(
    namespace: &Namespace,
    before: Option<&Subscriber>,
    after: Option<&Subscriber>,
) -> Vec<Write> {
    let old = before.map(|s| entries(namespace, s)).unwrap_or_default();
    let new = after.map(|s| entries(namespace, s)).unwrap_or_default();
    let removed = old.difference(&new).map(|key| {
        Write::Delete(Delete {
            key: key.clone(),
            condition: Condition::None,
        })
    });
    let added = new.difference(&old).map(|key| {
        Write::Put(Put {
            item: Item::new(key.clone(), Body::new()),
            condition: Condition::None,
        })
    });
    removed.chain(added).collect()
}

/// The subscriber id at the end of an index entry's sort key, and for search terms the field
/// code and the escaped word.
pub struct EntryRef<'a> {
    pub id: &'a str,
    pub term: Option<(&'a str, char)>,
}

/// Reads a facet entry's sort key: `<sort key>#<id>`.
pub(super) fn facet_ref(sk: &str) -> Option<EntryRef<'_>> {
    let (_, id) = sk.rsplit_once('#')?;
    Some(EntryRef { id, term: None })
}

/// Reads a search term's sort key: `<word>#<account key>#<id>#<field code>`.
pub(super) fn term_ref(sk: &str) -> Option<EntryRef<'_>> {
    let mut parts = sk.rsplitn(3, '#');
    let code = parts.next()?;
    let id = parts.next()?;
    let rest = parts.next()?;
    let (word, _) = rest.rsplit_once('#')?;
    let mut chars = code.chars();
    let (Some(code), None) = (chars.next(), chars.next()) else {
        return None;
    };
    Some(EntryRef {
        id,
        term: Some((word, code)),
    })
}

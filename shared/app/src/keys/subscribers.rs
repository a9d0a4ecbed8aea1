//! Keys of subscribers (personal accounts), their search index, and buildings.
//!
//! Each subscriber has its own partition for its own data (profile, service links, meters,
//! readings, ledger, invoices), so a large tenant never funnels writes into one partition.
//! Tenant-wide listings are index entries: the profile's GSI1 (by account number) and GSI2 (by
//! name); key-only facet entries (a listing per filter value, in both orders); and key-only
//! search terms sharded by the first character of the word. Free text in keys is escaped.

use super::{Namespace, escape};
use crate::store::Key;

/// The partition of one subscriber.
pub fn subscriber_partition(namespace: &Namespace, subscriber_id: &str) -> String {
    namespace.pk(&["SUB", subscriber_id])
}

/// A subscriber's profile.
pub fn subscriber_profile(namespace: &Namespace, subscriber_id: &str) -> Key {
    Key::new(subscriber_partition(namespace, subscriber_id), "PROFILE")
}

/// Sentinel making an account number unique within the tenant; its body names the subscriber.
pub fn account_number(namespace: &Namespace, number: &str) -> Key {
    namespace.key(&["ACCOUNT_NO", &escape(number)], "ACCOUNT_NO")
}

/// The counter behind generated account numbers: the last number issued.
pub fn account_number_counter(namespace: &Namespace) -> Key {
    namespace.key(&["COUNTER", "ACCOUNT_NO"], "COUNTER")
}

/// GSI1 partition of the profiles: every subscriber, by account number.
pub fn subscribers_by_account_partition(namespace: &Namespace) -> String {
    namespace.pk(&["SUBS", "BY_ACCOUNT"])
}

/// A profile's GSI1 key. `account_key` is the natural sort key of its number.
pub fn subscriber_by_account(namespace: &Namespace, account_key: &str, id: &str) -> Key {
    Key::new(
        subscribers_by_account_partition(namespace),
        format!("{}#{id}", escape(account_key)),
    )
}

/// GSI2 partition of the profiles: every subscriber, by name.
pub fn subscribers_by_name_partition(namespace: &Namespace) -> String {
    namespace.pk(&["SUBS", "BY_NAME"])
}

/// A profile's GSI2 key. `name_key` is the normalised name.
pub fn subscriber_by_name(namespace: &Namespace, name_key: &str, id: &str) -> Key {
    Key::new(
        subscribers_by_name_partition(namespace),
        format!("{}#{id}", escape(name_key)),
    )
}

/// A filter value with its own listing of subscribers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriberFacet<'a> {
    Status(&'a str),
    BillingMode(&'a str),
    Building(&'a str),
    /// A tag's key (normalised).
    Tag(&'a str),
}

/// The order of a facet listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FacetOrder {
    Account,
    Name,
}

impl SubscriberFacet<'_> {
    fn part(&self) -> String {
        match self {
            SubscriberFacet::Status(s) => format!("st={}", escape(s)),
            SubscriberFacet::BillingMode(m) => format!("bm={}", escape(m)),
            SubscriberFacet::Building(b) => format!("b={}", escape(b)),
            SubscriberFacet::Tag(t) => format!("tg={}", escape(t)),
        }
    }
}

/// The partition listing the subscribers with one filter value, in one order.
pub fn subscriber_facet_partition(
    namespace: &Namespace,
    facet: SubscriberFacet<'_>,
    order: FacetOrder,
) -> String {
    let order = match order {
        FacetOrder::Account => "A",
        FacetOrder::Name => "N",
    };
    namespace.pk(&["SUBF", &facet.part(), order])
}

/// A subscriber's entry in a facet listing (no body: the subscriber id ends the sort key).
pub fn subscriber_facet_entry(
    namespace: &Namespace,
    facet: SubscriberFacet<'_>,
    order: FacetOrder,
    sort_key: &str,
    id: &str,
) -> Key {
    Key::new(
        subscriber_facet_partition(namespace, facet, order),
        format!("{}#{id}", escape(sort_key)),
    )
}

/// The partition of search terms whose word starts with `first` (one character).
pub fn search_term_partition(namespace: &Namespace, first: char) -> String {
    namespace.pk(&["SRCH", &escape(first.encode_utf8(&mut [0; 4]))])
}

/// A search term entry: `<word>#<account key>#<subscriber id>#<field code>`, so a prefix of
/// the word selects its entries, ordered by word, then account number. No body.
pub fn search_term(
    namespace: &Namespace,
    word: &str,
    account_key: &str,
    id: &str,
    field_code: char,
) -> Option<Key> {
    let first = word.chars().next()?;
    Some(Key::new(
        search_term_partition(namespace, first),
        format!("{}#{}#{id}#{field_code}", escape(word), escape(account_key)),
    ))
}

/// The sort-key prefix selecting the terms whose word starts with `prefix`.
pub fn search_term_prefix(prefix: &str) -> String {
    escape(prefix)
}

/// A building (a house that groups premises).
pub fn building_profile(namespace: &Namespace, building_id: &str) -> Key {
    namespace.key(&["BLD", building_id], "PROFILE")
}

/// A building's counts of subscribers by status, kept apart from the profile so counting
/// never races an edit of the building.
pub fn building_counts(namespace: &Namespace, building_id: &str) -> Key {
    namespace.key(&["BLD", building_id], "COUNTS")
}

/// Sentinel making a building address unique within the tenant; its body names the building.
pub fn building_address(namespace: &Namespace, address_key: &str) -> Key {
    namespace.key(&["BLD_ADDR", &escape(address_key)], "BLD_ADDR")
}

/// GSI1 partition of building profiles: every building, by address.
pub fn buildings_by_address_partition(namespace: &Namespace) -> String {
    namespace.pk(&["BLDS"])
}

/// A building profile's GSI1 key.
pub fn building_by_address(namespace: &Namespace, address_key: &str, id: &str) -> Key {
    Key::new(
        buildings_by_address_partition(namespace),
        format!("{}#{id}", escape(address_key)),
    )
}

/// The status item of an export of a subscriber list.
pub fn subscriber_export(namespace: &Namespace, export_id: &str) -> Key {
    namespace.key(&["EXPORT", export_id], "STATUS")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::TenantId;

    #[test]
    fn terms_are_sharded_by_first_character_and_escaped() {
        let ns = Namespace::tenant(&TenantId::parse("acme").unwrap());
        let key = search_term(&ns, "ив#ан", "лс-1", "s1", 'n').unwrap();
        assert_eq!(key.pk, "T#acme#SRCH#и");
        assert_eq!(key.sk, "ив%23ан#лс-1#s1#n");
        assert!(key.sk.starts_with(&search_term_prefix("ив#")));
        assert_eq!(search_term(&ns, "", "a", "s1", 'n'), None);
        assert_eq!(search_term_partition(&ns, '#'), "T#acme#SRCH#%23");
        let facet = subscriber_facet_entry(
            &ns,
            SubscriberFacet::Tag("vip#1"),
            FacetOrder::Name,
            "иванов",
            "s1",
        );
        assert_eq!(facet.pk, "T#acme#SUBF#tg=vip%231#N");
        assert_eq!(facet.sk, "иванов#s1");
    }
}

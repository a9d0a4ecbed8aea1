//! Keys of subscribers (personal accounts) and what hangs off them. Each subscriber has its own
//! partition for its own data (profile, service links, meters, readings, ledger, invoices), so
//! a large tenant never funnels writes into one partition.

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

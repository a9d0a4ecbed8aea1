//! Keys of import settings: the column mapping a tenant saved for each kind of import.

use super::{Namespace, escape};
use crate::store::Key;

/// The saved column mapping of one import kind (`subscribers`, `readings`).
pub fn import_mapping(namespace: &Namespace, kind: &str) -> Key {
    namespace.key(&["IMPORT_MAPPING", &escape(kind)], "MAPPING")
}

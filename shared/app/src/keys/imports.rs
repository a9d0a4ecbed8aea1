//! Keys of import settings: the column mapping a tenant saved for each kind of import.

use super::{Namespace, escape};
use crate::store::Key;

/// The saved column mapping of one import kind (`subscribers`, `readings`).
pub fn import_mapping(namespace: &Namespace, kind: &str) -> Key {
    namespace.key(&["IMPORT_MAPPING", &escape(kind)], "MAPPING")
}

/// An uploaded import file's record: its kind, name, blob and the user's choices.
pub fn import_upload(namespace: &Namespace, upload_id: &str) -> Key {
    namespace.key(&["IMPORT_UPLOAD", upload_id], "UPLOAD")
}

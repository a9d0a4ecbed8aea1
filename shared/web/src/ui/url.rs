//! Building links that carry query parameters (sorting, filters, cursors), and telling a
//! local path from a link elsewhere.

/// Percent-encodes everything but unreserved characters (RFC 3986), for query values.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A path on this site (`/ui/components?x=1`), not `//host`, `/\host` or `https://host`, so
/// redirecting to it cannot send the user elsewhere.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(char::is_control)
}

/// A path with query parameters in a fixed order; each change gives a new link.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    path: String,
    params: Vec<(String, String)>,
}

impl Link {
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            params: Vec::new(),
        }
    }

    /// Sets `key` (replacing its value) unless `value` is empty, which removes it.
    pub fn with(mut self, key: &str, value: impl AsRef<str>) -> Self {
        let value = value.as_ref();
        match self.params.iter_mut().find(|(k, _)| k == key) {
            Some(pair) if !value.is_empty() => pair.1 = value.to_owned(),
            Some(_) => self.params.retain(|(k, _)| k != key),
            None if !value.is_empty() => self.params.push((key.to_owned(), value.to_owned())),
            None => {}
        }
        self
    }

    pub fn without(mut self, key: &str) -> Self {
        self.params.retain(|(k, _)| k != key);
        self
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The parameters, for hidden fields of a form that must keep them.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn href(&self) -> String {
        let mut href = self.path.clone();
        for (i, (key, value)) in self.params.iter().enumerate() {
            href.push(if i == 0 { '?' } else { '&' });
            href.push_str(&encode(key));
            href.push('=');
            href.push_str(&encode(value));
        }
        href
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_non_ascii() {
        assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(encode("Az09-_.~"), "Az09-_.~");
    }

    #[test]
    fn local_paths_only() {
        assert!(is_local_path("/"));
        assert!(is_local_path("/ui/components?sort=name&dir=desc"));
        assert!(!is_local_path("//evil.example"));
        assert!(!is_local_path("/\\evil.example"));
        assert!(!is_local_path("https://evil.example"));
        assert!(!is_local_path("relative"));
        assert!(!is_local_path("/a\r\nSet-Cookie: x=1"));
    }

    #[test]
    fn links_keep_order_and_drop_empty_values() {
        let link = Link::new("/list")
            .with("q", "Иван")
            .with("sort", "name")
            .with("cursor", "abc");
        assert_eq!(
            link.href(),
            "/list?q=%D0%98%D0%B2%D0%B0%D0%BD&sort=name&cursor=abc"
        );
        let link = link.with("sort", "city").with("q", "").without("cursor");
        assert_eq!(link.href(), "/list?sort=city");
        assert_eq!(link.get("sort"), Some("city"));
        assert_eq!(Link::new("/x").href(), "/x");
    }
}

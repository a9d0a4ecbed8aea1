//! Tags: short labels operators put on subscribers ("льготник", "должник", "VIP") and filter by.

use serde::{Deserialize, Serialize};

use super::search::normalise;
use crate::newtype::string_newtype;

/// A tag as the operator wrote it (spaces collapsed): 1 to 32 letters, digits, spaces, `-` and
/// `_`. Two tags are the same when their [`Tag::key`]s are (case and `ё`/`е` ignored).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("a tag is empty")]
    Empty,
    #[error("a tag has at most 32 characters")]
    TooLong,
    #[error("a tag may contain only letters, digits, spaces, '-' and '_'")]
    BadCharacter,
    #[error("a subscriber has at most 10 tags")]
    TooMany,
}

impl TagError {
    pub fn code(&self) -> &'static str {
        match self {
            TagError::Empty => "tag_empty",
            TagError::TooLong => "tag_too_long",
            TagError::BadCharacter => "tag_bad_character",
            TagError::TooMany => "tags_too_many",
        }
    }
}

impl Tag {
    pub const MAX_LEN: usize = 32;
    pub const MAX_PER_SUBSCRIBER: usize = 10;

    pub fn parse(raw: &str) -> Result<Self, TagError> {
        let tag = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if tag.is_empty() {
            return Err(TagError::Empty);
        }
        if tag.chars().count() > Self::MAX_LEN {
            return Err(TagError::TooLong);
        }
        if !tag
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        {
            return Err(TagError::BadCharacter);
        }
        Ok(Self(tag))
    }

    /// The form tags are compared, indexed and filtered by.
    pub fn key(&self) -> String {
        normalise(&self.0)
    }
}

string_newtype!(Tag, TagError);

/// The tags of one subscriber from what was typed: blanks skipped, repeats (by key) dropped,
/// at most [`Tag::MAX_PER_SUBSCRIBER`]. An error names the position of the bad entry.
pub fn parse_tags<S: AsRef<str>>(raw: &[S]) -> Result<Vec<Tag>, (usize, TagError)> {
    let mut tags: Vec<Tag> = Vec::new();
    for (i, entry) in raw.iter().enumerate() {
        if entry.as_ref().trim().is_empty() {
            continue;
        }
        let tag = Tag::parse(entry.as_ref()).map_err(|e| (i, e))?;
        if tags.iter().any(|t| t.key() == tag.key()) {
            continue;
        }
        if tags.len() == Tag::MAX_PER_SUBSCRIBER {
            return Err((i, TagError::TooMany));
        }
        tags.push(tag);
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_tidied_and_compared_by_key() {
        let tag = Tag::parse("  Льготник   ВОВ ").unwrap();
        assert_eq!(tag.as_str(), "Льготник ВОВ");
        assert_eq!(tag.key(), "льготник вов");
        assert_eq!(Tag::parse("Ёлка").unwrap().key(), "елка");
        assert_eq!(Tag::parse(" "), Err(TagError::Empty));
        assert_eq!(Tag::parse(&"а".repeat(33)), Err(TagError::TooLong));
        assert_eq!(Tag::parse("=cmd|x"), Err(TagError::BadCharacter));
    }

    #[test]
    fn lists_drop_blanks_and_repeats_and_stop_at_ten() {
        let tags = parse_tags(&["VIP", "", "vip", "Должник"]).unwrap();
        assert_eq!(tags.len(), 2);
        let many: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert_eq!(parse_tags(&many), Err((10, TagError::TooMany)));
        assert_eq!(parse_tags(&["ok", "#"]), Err((1, TagError::BadCharacter)));
    }
}

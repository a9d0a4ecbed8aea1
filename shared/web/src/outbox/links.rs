//! Mail text with its web links made clickable. Only `http://` and `https://` addresses become
//! links; everything else stays text (and is escaped by the template like any text).

/// A run of text, or a link whose text is its address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub href: Option<String>,
}

const SCHEMES: [&str; 2] = ["https://", "http://"];
/// Characters that end a link.
fn ends_link(c: char) -> bool {
    c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '«' | '»')
}
/// Trailing characters that belong to the sentence, not the link.
const TRAILING: &[char] = &['.', ',', ';', ':', '!', '?', ')', ']'];

fn next_link_start(text: &str) -> Option<usize> {
    SCHEMES.iter().filter_map(|scheme| text.find(scheme)).min()
}

pub fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = next_link_start(rest) {
        let (before, from_link) = rest.split_at(start);
        let end = from_link.find(ends_link).unwrap_or(from_link.len());
        let link = from_link[..end].trim_end_matches(TRAILING);
        let is_bare_scheme = SCHEMES.contains(&link);
        if !before.is_empty() {
            out.push(Segment {
                text: before.to_owned(),
                href: None,
            });
        }
        if is_bare_scheme {
            out.push(Segment {
                text: link.to_owned(),
                href: None,
            });
        } else {
            out.push(Segment {
                text: link.to_owned(),
                href: Some(link.to_owned()),
            });
        }
        rest = &from_link[link.len()..];
    }
    if !rest.is_empty() {
        out.push(Segment {
            text: rest.to_owned(),
            href: None,
        });
    }
    out
}

/// The first link in `text`.
pub fn first_link(text: &str) -> Option<String> {
    segments(text).into_iter().find_map(|s| s.href)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_and_sentences_kept() {
        let parts = segments(
            "Примите приглашение: http://demo.localhost:3000/invite/abc?x=1&y=2.\nИли https://x.ru (резерв)",
        );
        let links: Vec<_> = parts.iter().filter_map(|s| s.href.as_deref()).collect();
        assert_eq!(
            links,
            [
                "http://demo.localhost:3000/invite/abc?x=1&y=2",
                "https://x.ru"
            ]
        );
        let joined: String = parts.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            joined,
            "Примите приглашение: http://demo.localhost:3000/invite/abc?x=1&y=2.\nИли https://x.ru (резерв)"
        );
    }

    #[test]
    fn only_web_links() {
        assert_eq!(first_link("javascript:alert(1) ftp://x"), None);
        assert_eq!(first_link("just https:// and text"), None);
        assert_eq!(
            first_link("«https://a.ru/x»"),
            Some("https://a.ru/x".to_owned())
        );
    }
}

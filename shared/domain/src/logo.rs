//! Which uploaded files may become a tenant's logo: PNG, JPEG or SVG of at most 512 KiB, the
//! type told by the file's first bytes (never by its name or the browser's claim). An SVG is
//! shown on our own origin, so one that could run code or pull in other content is refused
//! rather than repaired: no scripts, event handlers, `javascript:` links, foreign objects,
//! embedded documents, external references or entity declarations.

/// The largest logo accepted.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogoFormat {
    Png,
    Jpeg,
    Svg,
}

impl LogoFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            LogoFormat::Png => "image/png",
            LogoFormat::Jpeg => "image/jpeg",
            LogoFormat::Svg => "image/svg+xml",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            LogoFormat::Png => "png",
            LogoFormat::Jpeg => "jpg",
            LogoFormat::Svg => "svg",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LogoError {
    #[error("the file is empty")]
    Empty,
    #[error("the logo is larger than {max_kib} KiB")]
    TooLarge { max_kib: usize },
    #[error("the logo must be a PNG, JPEG or SVG image")]
    UnsupportedType,
    #[error(
        "the SVG contains scripts, event handlers or external references, which are not allowed"
    )]
    UnsafeSvg,
}

impl LogoError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "logo_empty",
            Self::TooLarge { .. } => "logo_too_large",
            Self::UnsupportedType => "logo_unsupported_type",
            Self::UnsafeSvg => "logo_unsafe_svg",
        }
    }
}

/// The format of an acceptable logo, or why it is refused.
pub fn check_logo(bytes: &[u8]) -> Result<LogoFormat, LogoError> {
    if bytes.is_empty() {
        return Err(LogoError::Empty);
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(LogoError::TooLarge {
            max_kib: MAX_LOGO_BYTES / 1024,
        });
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(LogoFormat::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(LogoFormat::Jpeg);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| LogoError::UnsupportedType)?;
    // Danger first: a hostile file is reported as such even when its prologue is odd.
    if text.to_lowercase().contains("<svg") && svg_is_unsafe(text) {
        return Err(LogoError::UnsafeSvg);
    }
    if !is_svg(text) {
        return Err(LogoError::UnsupportedType);
    }
    Ok(LogoFormat::Svg)
}

/// Whether the first element of the document is `<svg`, after an optional BOM, XML
/// declaration, comments and doctype.
fn is_svg(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            let Some(end) = after.find("?>") else {
                return false;
            };
            rest = after[end + 2..].trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            let Some(end) = after.find("-->") else {
                return false;
            };
            rest = after[end + 3..].trim_start();
        } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case("<!doctype") {
            let Some(end) = rest.find('>') else {
                return false;
            };
            rest = rest[end + 1..].trim_start();
        } else {
            return rest
                .strip_prefix("<svg")
                .is_some_and(|after| after.starts_with(|c: char| c.is_whitespace() || c == '>'));
        }
    }
}

/// Anything that could run code or reach outside the file. Deliberately broad: a logo has no
/// use for any of it, and a false refusal costs a re-export from the drawing program.
fn svg_is_unsafe(text: &str) -> bool {
    let lower = text.to_lowercase();
    const FORBIDDEN: [&str; 12] = [
        "<script",
        "javascript:",
        "vbscript:",
        "<foreignobject",
        "<iframe",
        "<embed",
        "<object",
        "<!entity",
        "<use",
        "<image",
        "@import",
        "data:text/html",
    ];
    if FORBIDDEN.iter().any(|needle| lower.contains(needle)) {
        return true;
    }
    has_external_link(&lower) || has_event_attribute(&lower)
}

/// An `href` (or `xlink:href`) whose value is not a reference inside the file (`#gradient`).
fn has_external_link(lower: &str) -> bool {
    lower.match_indices("href").any(|(at, _)| {
        let rest = lower[at + 4..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            return false;
        };
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(quote @ ('"' | '\'')) => rest[1..].split(quote).next().unwrap_or(""),
            _ => rest
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or(""),
        };
        !value.trim().starts_with('#')
    })
}

/// An attribute whose name starts with `on` (`onload=`, `onclick =`) anywhere in a tag.
fn has_event_attribute(lower: &str) -> bool {
    let bytes = lower.as_bytes();
    let mut in_tag = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'<' => in_tag = true,
            b'>' => in_tag = false,
            b'o' if in_tag
                && i > 0
                && (bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b'/')
                && bytes.get(i + 1) == Some(&b'n') =>
            {
                let name_end = bytes[i..]
                    .iter()
                    .position(|c| !c.is_ascii_alphanumeric() && *c != b'-' && *c != b'_')
                    .map_or(bytes.len(), |p| i + p);
                let after = lower[name_end..].trim_start();
                if name_end > i + 2 && after.starts_with('=') {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<?xml version="1.0"?>
<!-- drawn by hand -->
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#206bc4"/></svg>"##;

    #[test]
    fn formats_come_from_magic_bytes() {
        assert_eq!(check_logo(b"\x89PNG\r\n\x1a\nrest"), Ok(LogoFormat::Png));
        assert_eq!(
            check_logo(&[0xFF, 0xD8, 0xFF, 0xE0, 0]),
            Ok(LogoFormat::Jpeg)
        );
        assert_eq!(check_logo(SVG.as_bytes()), Ok(LogoFormat::Svg));
        assert_eq!(check_logo(b"GIF89a..."), Err(LogoError::UnsupportedType));
        assert_eq!(
            check_logo(b"<html><svg></svg></html>"),
            Err(LogoError::UnsupportedType)
        );
        assert_eq!(check_logo(b""), Err(LogoError::Empty));
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_LOGO_BYTES + 1, 0);
        assert_eq!(check_logo(&big), Err(LogoError::TooLarge { max_kib: 512 }));
    }

    #[test]
    fn svgs_that_could_run_code_are_refused() {
        for bad in [
            r#"<svg><script>alert(1)</script></svg>"#,
            r#"<svg onload="alert(1)"></svg>"#,
            r#"<svg><rect ONCLICK = "x"/></svg>"#,
            r#"<svg><a href="javascript:alert(1)"><rect/></a></svg>"#,
            r#"<svg><foreignObject><div/></foreignObject></svg>"#,
            r#"<!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>"#,
            r#"<svg><image href="https://evil.example/x.png"/></svg>"#,
            r#"<svg><style>@import url(x.css)</style></svg>"#,
        ] {
            assert_eq!(
                check_logo(bad.as_bytes()),
                Err(LogoError::UnsafeSvg),
                "{bad}"
            );
        }
        // Words that merely contain "on" are fine, and so are links inside the file.
        let ok = r##"<svg font="x" class="icon" xmlns:xlink="http://www.w3.org/1999/xlink"><linearGradient id="g"/><linearGradient xlink:href="#g"/><text>Водоканал on line</text></svg>"##;
        assert_eq!(check_logo(ok.as_bytes()), Ok(LogoFormat::Svg));
        let external = r#"<svg><a xlink:href='//evil.example'><rect/></a></svg>"#;
        assert_eq!(check_logo(external.as_bytes()), Err(LogoError::UnsafeSvg));
    }
}

//! QR codes as inline SVG, for authenticator apps to scan an `otpauth://` URI.

use qrcode::QrCode;
use qrcode::render::svg;

/// An `<svg>` element of `text` as a QR code, labelled for screen readers; empty when the text
/// is too long for a QR code.
pub fn svg(text: &str, label: &str) -> String {
    let Ok(code) = QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let body = image
        .split_once("<svg")
        .map_or(image.as_str(), |(_, rest)| rest);
    let label: String = label
        .chars()
        .filter(|c| !matches!(c, '"' | '<' | '>' | '&'))
        .collect();
    format!(r#"<svg role="img" aria-label="{label}" class="qr-code"{body}"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_without_the_xml_declaration() {
        let svg = svg("otpauth://totp/x:y?secret=ABC", "QR \"code\"");
        assert!(svg.starts_with(r#"<svg role="img" aria-label="QR code" class="qr-code" xmlns="#));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
    }
}

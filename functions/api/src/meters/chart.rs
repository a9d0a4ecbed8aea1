//! A server-rendered SVG bar chart of consumption by month (no script library): one group of
//! bars per month, one bar per zone, the value in each bar's `<title>` for tooltips and
//! screen readers.

use std::fmt::Write as _;

use crm_domain::period::BillingMonth;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

const WIDTH: u32 = 720;
const HEIGHT: u32 = 220;
const LEFT: u32 = 48;
const BOTTOM: u32 = 28;
const TOP: u32 = 12;
const COLOURS: [&str; 3] = ["var(--tblr-primary, #206bc4)", "#4299e1", "#f59f00"];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Pixels of `value` on a scale where `max` is `height` (integers: SVG needs no precision).
fn scaled(value: Decimal, max: Decimal, height: u32) -> u32 {
    if max <= Decimal::ZERO {
        return 0;
    }
    (value * Decimal::from(height) / max)
        .round()
        .to_u32()
        .unwrap_or(0)
        .min(height)
}

/// The chart, or `None` without a single month of data.
pub fn consumption_svg(
    months: &[(BillingMonth, Vec<Decimal>)],
    zone_names: &[&str],
    label: &str,
    decimal_comma: bool,
) -> Option<String> {
    if months.is_empty() {
        return None;
    }
    let max = months
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max()
        .unwrap_or_default();
    let plot_h = HEIGHT - BOTTOM - TOP;
    let plot_w = WIDTH - LEFT - 8;
    let slot = plot_w / u32::try_from(months.len()).unwrap_or(1).max(1);
    let zones = months.first().map_or(1, |(_, v)| v.len().max(1));
    let bar = ((slot.saturating_sub(6)) / u32::try_from(zones).unwrap_or(1)).max(2);
    let number = |v: Decimal| {
        let text = v.round_dp(3).normalize().to_string();
        if decimal_comma {
            text.replace('.', ",")
        } else {
            text
        }
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" class="consumption-chart" data-chart="consumption" style="width:100%;height:auto">"#,
        escape(label)
    );
    let _ = write!(svg, "<title>{}</title>", escape(label));
    let base = TOP + plot_h;
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{base}" x2="{}" y2="{base}" stroke="#adb5bd"/>"##,
        WIDTH - 4
    );
    let _ = write!(
        svg,
        r##"<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#6c757d">{}</text><text x="{}" y="{base}" font-size="11" text-anchor="end" fill="#6c757d">0</text>"##,
        LEFT - 6,
        TOP + 10,
        escape(&number(max)),
        LEFT - 6
    );
    for (i, (month, values)) in months.iter().enumerate() {
        let x0 = LEFT + u32::try_from(i).unwrap_or(0) * slot + 3;
        for (z, value) in values.iter().enumerate() {
            let h = scaled(*value, max, plot_h);
            let x = x0 + u32::try_from(z).unwrap_or(0) * bar;
            let zone = zone_names.get(z).copied().unwrap_or("");
            let _ = write!(
                svg,
                r#"<rect x="{x}" y="{}" width="{}" height="{h}" fill="{}" data-month="{month}" data-zone="{z}"><title>{} {}: {}</title></rect>"#,
                base - h,
                bar.saturating_sub(1).max(1),
                COLOURS[z % COLOURS.len()],
                escape(&month.to_string()),
                escape(zone),
                escape(&number(*value))
            );
        }
        let label = month.to_string();
        let short = label.get(5..).unwrap_or(&label);
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#6c757d">{}</text>"##,
            x0 + slot / 2,
            HEIGHT - 10,
            escape(short)
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_per_month_and_zone_scaled_to_the_largest() {
        let jan = BillingMonth::new(2026, 1).unwrap();
        let months = vec![
            (jan, vec![Decimal::from(10), Decimal::from(5)]),
            (jan.next(), vec![Decimal::from(20), Decimal::ZERO]),
        ];
        let svg = consumption_svg(&months, &["T1", "T2"], "Расход <по месяцам>", true).unwrap();
        assert_eq!(svg.matches("<rect").count(), 4);
        assert!(svg.contains("&lt;по месяцам&gt;"));
        assert!(svg.contains(&format!(r#"height="{}""#, HEIGHT - BOTTOM - TOP)));
        assert!(consumption_svg(&[], &[], "x", true).is_none());
    }
}

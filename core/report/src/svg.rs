//! A small inline-SVG writer for the report: daily bar charts and lifestyle overlay strips.
//! Output is self-contained markup; every label passes through [`escape`].

use std::fmt::Write;

/// Escapes text for HTML/SVG element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// One bar per day.
pub struct BarSeries<'a> {
    pub title: &'a str,
    pub unit: &'a str,
    pub color: &'a str,
    /// (date label, value); `None` = not monitored that day (drawn as a faint tick).
    pub values: &'a [(jiff::civil::Date, Option<f64>)],
}

/// A row of day cells: present / absent / unknown.
pub struct OverlayRow<'a> {
    pub label: &'a str,
    pub color: &'a str,
    pub cells: Vec<Option<bool>>,
}

pub const WIDTH: f64 = 1000.0;
const LEFT: f64 = 190.0;
const RIGHT: f64 = 12.0;

fn nice_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= max {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

fn fmt_value(v: f64) -> String {
    if v >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A daily bar chart with a y-axis, weekly date labels and, under it, lifestyle overlay rows.
pub fn bar_chart(series: &BarSeries<'_>, overlays: &[OverlayRow<'_>]) -> String {
    let n = series.values.len().max(1);
    let plot_h = 150.0;
    let top = 28.0;
    let row_h = 14.0;
    let axis_h = 22.0;
    let height = top + plot_h + axis_h + overlays.len() as f64 * (row_h + 3.0) + 6.0;
    let plot_w = WIDTH - LEFT - RIGHT;
    let slot = plot_w / n as f64;
    let bar_w = (slot * 0.8).max(1.0);
    let max = series
        .values
        .iter()
        .filter_map(|(_, v)| *v)
        .fold(0.0, f64::max);
    let y_max = nice_max(max);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{}">"#,
        escape(series.title)
    );
    let _ = write!(
        s,
        r##"<text x="{LEFT}" y="16" class="ct">{} ({})</text>"##,
        escape(series.title),
        escape(series.unit)
    );
    // Grid: zero, half and top.
    for frac in [0.0, 0.5, 1.0] {
        let y = top + plot_h - frac * plot_h;
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end" class="ax">{}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            fmt_value(frac * y_max)
        );
    }
    for (i, (date, value)) in series.values.iter().enumerate() {
        let x = LEFT + i as f64 * slot + (slot - bar_w) / 2.0;
        match value {
            Some(v) => {
                let h = (v / y_max * plot_h).clamp(0.0, plot_h);
                let _ = write!(
                    s,
                    r#"<rect x="{x:.1}" y="{:.1}" width="{bar_w:.1}" height="{h:.1}" fill="{}"><title>{}: {} {}</title></rect>"#,
                    top + plot_h - h,
                    escape(series.color),
                    date,
                    fmt_value(*v),
                    escape(series.unit)
                );
            }
            None => {
                let _ = write!(
                    s,
                    r##"<rect x="{x:.1}" y="{:.1}" width="{bar_w:.1}" height="2" fill="#ccc"><title>{date}: not monitored</title></rect>"##,
                    top + plot_h - 2.0
                );
            }
        }
        // Weekly labels for short periods, monthly ones for long periods (never both: they collide).
        let label_here = if n <= 120 {
            date.weekday() == jiff::civil::Weekday::Monday && i + 3 < n
        } else {
            date.day() == 1 && i + 10 < n
        };
        if label_here {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" class="ax">{}</text>"#,
                LEFT + i as f64 * slot,
                top + plot_h + 15.0,
                date.strftime("%b %-d")
            );
        }
    }
    let mut y = top + plot_h + axis_h;
    for row in overlays {
        let _ = write!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end" class="ax">{}</text>"#,
            LEFT - 6.0,
            y + row_h - 3.0,
            escape(row.label)
        );
        for (i, cell) in row.cells.iter().enumerate() {
            let x = LEFT + i as f64 * slot;
            let fill = match cell {
                Some(true) => escape(row.color),
                Some(false) => "#f1f1f1".to_string(),
                None => "none".to_string(),
            };
            if fill != "none" {
                let _ = write!(
                    s,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{row_h}" fill="{fill}"/>"#,
                    slot.max(1.0)
                );
            }
        }
        y += row_h + 3.0;
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape(r#"<script>"x"&'y'</script>"#),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn chart_has_one_bar_per_monitored_day_and_scales_to_a_nice_maximum() {
        let d = jiff::civil::date(2026, 1, 1);
        let values = vec![
            (d, Some(3.0)),
            (d.tomorrow().unwrap(), None),
            (d, Some(7.0)),
        ];
        let svg = bar_chart(
            &BarSeries {
                title: "Twitches <per day>",
                unit: "count",
                color: "#c33",
                values: &values,
            },
            &[OverlayRow {
                label: "caffeine",
                color: "#963",
                cells: vec![Some(true), None, Some(false)],
            }],
        );
        assert_eq!(svg.matches("fill=\"#c33\"").count(), 2);
        assert!(svg.contains("not monitored"));
        assert!(svg.contains(">10<"), "y axis tops at a nice 10");
        assert!(svg.contains("Twitches &lt;per day&gt;"));
        assert!(!svg.contains("<per day>"));
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(37.0), 50.0);
    }
}

//! A small inline-SVG writer for the report: daily bar charts and lifestyle overlay strips.
//! Built with maud like the page around it, so every label is escaped; SVG elements are written with
//! an explicit (empty) body because inside HTML an unclosed `<rect>` would swallow what follows.

use maud::{html, Markup};

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
pub fn bar_chart(series: &BarSeries<'_>, overlays: &[OverlayRow<'_>]) -> Markup {
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
    let f1 = |v: f64| format!("{v:.1}");
    // Weekly labels for short periods, monthly ones for long periods (never both: they collide).
    let label_here = |i: usize, date: jiff::civil::Date| {
        if n <= 120 {
            date.weekday() == jiff::civil::Weekday::Monday && i + 3 < n
        } else {
            date.day() == 1 && i + 10 < n
        }
    };
    let overlay_top = |r: usize| top + plot_h + axis_h + r as f64 * (row_h + 3.0);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="chart"
            viewBox={ "0 0 " (WIDTH) " " (height) } width="100%" role="img"
            aria-label=(series.title) {
            text x=(LEFT) y="16" class="ct" { (series.title) " (" (series.unit) ")" }
            // Grid: zero, half and top.
            @for frac in [0.0, 0.5, 1.0] {
                @let y = top + plot_h - frac * plot_h;
                line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(f1(y)) y2=(f1(y)) stroke="#ddd" {}
                text x=(LEFT - 6.0) y=(f1(y + 4.0)) text-anchor="end" class="ax" {
                    (fmt_value(frac * y_max))
                }
            }
            @for (i, (date, value)) in series.values.iter().enumerate() {
                @let x = LEFT + i as f64 * slot + (slot - bar_w) / 2.0;
                @match value {
                    Some(v) => {
                        @let h = (v / y_max * plot_h).clamp(0.0, plot_h);
                        rect x=(f1(x)) y=(f1(top + plot_h - h)) width=(f1(bar_w)) height=(f1(h))
                            fill=(series.color) {
                            title { (date) ": " (fmt_value(*v)) " " (series.unit) }
                        }
                    }
                    None => {
                        rect x=(f1(x)) y=(f1(top + plot_h - 2.0)) width=(f1(bar_w)) height="2"
                            fill="#ccc" {
                            title { (date) ": not monitored" }
                        }
                    }
                }
                @if label_here(i, *date) {
                    text x=(f1(LEFT + i as f64 * slot)) y=(f1(top + plot_h + 15.0)) class="ax" {
                        (date.strftime("%b %-d"))
                    }
                }
            }
            @for (r, row) in overlays.iter().enumerate() {
                @let y = overlay_top(r);
                text x=(LEFT - 6.0) y=(f1(y + row_h - 3.0)) text-anchor="end" class="ax" {
                    (row.label)
                }
                @for (i, cell) in row.cells.iter().enumerate() {
                    @let fill = match cell {
                        Some(true) => Some(row.color),
                        Some(false) => Some("#f1f1f1"),
                        None => None,
                    };
                    @if let Some(fill) = fill {
                        rect x=(f1(LEFT + i as f64 * slot)) y=(f1(y)) width=(f1(slot.max(1.0)))
                            height=(row_h) fill=(fill) {}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_inject_markup() {
        let d = jiff::civil::date(2026, 1, 1);
        let svg = bar_chart(
            &BarSeries {
                title: r#"<script>"x"&'y'</script>"#,
                unit: "count",
                color: "\"><script>",
                values: &[(d, Some(1.0))],
            },
            &[],
        )
        .into_string();
        assert!(svg.contains("&lt;script&gt;&quot;x&quot;&amp;'y'&lt;/script&gt;"));
        assert!(svg.contains(r#"fill="&quot;&gt;&lt;script&gt;""#));
        assert!(!svg.contains("<script"));
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
        )
        .into_string();
        assert_eq!(svg.matches("fill=\"#c33\"").count(), 2);
        assert!(svg.contains("not monitored"));
        assert!(svg.contains(">10<"), "y axis tops at a nice 10");
        assert!(svg.contains("Twitches &lt;per day&gt;"));
        assert!(!svg.contains("<per day>"));
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(37.0), 50.0);
    }
}

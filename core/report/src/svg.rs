//! A small inline-SVG writer for the report: daily bar charts, lifestyle overlay strips, and the
//! active tasks' trend charts with the person's baseline band.
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

/// One session on a trend chart.
pub struct TrendDot {
    pub at_ms: i64,
    pub value: f64,
    /// `baseline`, `within`, `worse` or `better` (its colour and its tooltip).
    pub status: &'static str,
    pub label: String,
}

/// One task, hand and measure over the report's period.
pub struct TrendSeries<'a> {
    pub title: &'a str,
    pub unit: &'a str,
    pub from_ms: i64,
    pub to_ms: i64,
    /// The period's first and last day, as the axis shows them.
    pub from_label: &'a str,
    pub to_label: &'a str,
    pub dots: &'a [TrendDot],
    /// The baseline band (low, median, high), when three sessions exist.
    pub band: Option<(f64, f64, f64)>,
}

fn status_color(status: &str) -> &'static str {
    match status {
        "worse" => "#c0392b",
        "better" => "#1e8449",
        "baseline" => "#555555",
        _ => "#2471a3",
    }
}

/// A small line chart: sessions as dots in time, the baseline band shaded, its median dashed.
pub fn trend_chart(series: &TrendSeries<'_>) -> Markup {
    let (top, plot_h, axis_h) = (28.0, 110.0, 20.0);
    let height = top + plot_h + axis_h;
    let plot_w = WIDTH - LEFT - RIGHT;
    let span = (series.to_ms - series.from_ms).max(1) as f64;
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in series
        .dots
        .iter()
        .map(|d| d.value)
        .chain(series.band.iter().flat_map(|b| [b.0, b.2]))
    {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.05).max(1e-6);
    // A measure that cannot be negative keeps its axis at or above zero.
    let (lo, hi) = (
        if lo >= 0.0 {
            (lo - pad).max(0.0)
        } else {
            lo - pad
        },
        hi + pad,
    );
    let y = |v: f64| top + plot_h - (v - lo) / (hi - lo) * plot_h;
    let x = |ms: i64| LEFT + ((ms - series.from_ms) as f64 / span).clamp(0.0, 1.0) * plot_w;
    let f1 = |v: f64| format!("{v:.1}");
    let line: Vec<String> = series
        .dots
        .iter()
        .map(|d| format!("{:.1},{:.1}", x(d.at_ms), y(d.value)))
        .collect();
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="chart trend"
            viewBox={ "0 0 " (WIDTH) " " (height) } width="100%" role="img"
            aria-label=(series.title) {
            text x=(LEFT) y="16" class="ct" { (series.title) " (" (series.unit) ")" }
            @if let Some((low, median, high)) = series.band {
                @let (yl, yh) = (y(low.max(lo)), y(high.min(hi)));
                rect class="band" x=(LEFT) y=(f1(yh)) width=(f1(plot_w)) height=(f1((yl - yh).max(0.5)))
                    fill="#e3eefa" {
                    title { "Personal baseline: usual range " (fmt_value(low)) "–" (fmt_value(high)) " " (series.unit) }
                }
                line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(f1(y(median))) y2=(f1(y(median)))
                    stroke="#7fa7d4" stroke-dasharray="4 3" {}
            }
            @for v in [lo, hi] {
                text x=(LEFT - 6.0) y=(f1(y(v) + 4.0)) text-anchor="end" class="ax" { (fmt_value(v)) }
            }
            line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(f1(top + plot_h)) y2=(f1(top + plot_h)) stroke="#ddd" {}
            text x=(LEFT) y=(f1(top + plot_h + 15.0)) class="ax" { (series.from_label) }
            text x=(WIDTH - RIGHT) y=(f1(top + plot_h + 15.0)) text-anchor="end" class="ax" { (series.to_label) }
            @if line.len() > 1 {
                polyline points=(line.join(" ")) fill="none" stroke="#9aa" stroke-width="1" {}
            }
            @for d in series.dots {
                circle class={ "dot " (d.status) } cx=(f1(x(d.at_ms))) cy=(f1(y(d.value))) r="3.5"
                    fill=(status_color(d.status)) {
                    title { (d.label) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trend_chart_has_one_dot_per_session_and_the_band_when_there_is_a_baseline() {
        let dots: Vec<TrendDot> = (0..5)
            .map(|i| TrendDot {
                at_ms: i * 86_400_000,
                value: 90.0 + i as f64,
                status: if i < 3 { "baseline" } else { "worse" },
                label: format!("<day {i}>"),
            })
            .collect();
        let with = trend_chart(&TrendSeries {
            title: "Finger tapping <left>",
            unit: "taps",
            from_ms: 0,
            to_ms: 5 * 86_400_000,
            from_label: "Jan 1",
            to_label: "Jan 6",
            dots: &dots,
            band: Some((80.0, 91.0, 102.0)),
        })
        .into_string();
        assert_eq!(with.matches("<circle").count(), 5);
        assert_eq!(with.matches("class=\"dot worse\"").count(), 2);
        assert!(with.contains("class=\"band\""));
        assert!(with.contains("&lt;day 4&gt;") && !with.contains("<day"));
        let without = trend_chart(&TrendSeries {
            band: None,
            dots: &dots[..2],
            title: "x",
            unit: "taps",
            from_ms: 0,
            to_ms: 1,
            from_label: "",
            to_label: "",
        })
        .into_string();
        assert!(!without.contains("class=\"band\""));
    }

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

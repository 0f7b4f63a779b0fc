//! The doctor's report (one self-contained HTML page with inline SVG charts, the active tasks' trends
//! among them) and the CSV/JSON export of events, minutes, day summaries, the journal, check-ins and tasks.

pub mod export;
mod files;
pub mod svg;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
#[cfg(feature = "uniffi")]
use twitchwatch_store::CalendarDay;
#[cfg(feature = "uniffi")]
uniffi::use_remote_type!(twitchwatch_store::CalendarDay);

// A written file's path crosses the FFI as text; the report and export name only paths the shell
// gave, so they are the shell's own (UTF-8) strings.
#[cfg(feature = "uniffi")]
uniffi::custom_type!(PathBuf, String, {
    remote,
    try_lift: |text| Ok(PathBuf::from(text)),
    lower: |path| path.to_string_lossy().into_owned(),
});

use std::path::{Path, PathBuf};
use twitchwatch_journal::JournalStore;

use jiff::civil::Date;
use serde::Serialize;

use maud::{html, Markup, PreEscaped, DOCTYPE};
use twitchwatch_alerts::{Alert, AlertCenter, AlertStatus};
use twitchwatch_journal::{CheckIn, JournalEntry, JournalError};
use twitchwatch_model::{AlertSeverity, TimestampMs};
use twitchwatch_rules::{self as rules, links, Evaluation, Factor, RuleParams, RulesError};
use twitchwatch_store::{local_date, start_of_day_ms, DaySummary, Store, StoreError};
use twitchwatch_tasks::{Hand, Metric, SessionStatus, TaskKind, TaskTrend};

pub use export::{export, ExportFormat, ExportSection, ExportSummary, SectionRows};
pub use files::Overwrite;

pub const DISCLAIMER: &str = "TwitchWatch is informational, not a medical device. It does not diagnose any condition; its measurements and alerts can be wrong. Discuss any concern with a doctor, and seek immediate medical attention for difficulty swallowing or speaking.";

/// Longest period a report or export may cover.
pub const MAX_PERIOD_DAYS: i64 = 3 * 366;
pub const DEFAULT_PERIOD_DAYS: i64 = 90;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error("invalid period: {0}")]
    Period(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write CSV to {path}: {reason}")]
    Csv { path: PathBuf, reason: String },
    #[error(
        "{path} already exists; nothing was written (choose another name, or ask to replace it)"
    )]
    Exists { path: PathBuf },
    #[error("{path} is a symbolic link; nothing was written (reports and exports are never written through a link: name the file itself)")]
    Symlink { path: PathBuf },
    #[error("{path} does not name a file directly in a folder (no '..', not empty); nothing was written")]
    OutsideFolder { path: PathBuf },
}

/// The period of a report or export: `to` defaults to the user's today, `from` to 89 days before.
pub fn resolve_period(
    store: &Store,
    now_ms: TimestampMs,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<(Date, Date), ReportError> {
    let today = local_date(&store.time_zone(), now_ms);
    let to = to.unwrap_or(today);
    if to > today {
        return Err(ReportError::Period(format!(
            "--to {to} is in the future (today is {today})"
        )));
    }
    let from = from.unwrap_or_else(|| rules::days_before(to, DEFAULT_PERIOD_DAYS - 1));
    if from > to {
        return Err(ReportError::Period(format!(
            "--from {from} is after --to {to}"
        )));
    }
    let len = from
        .until(to)
        .map(|s| s.get_days() as i64 + 1)
        .unwrap_or(i64::MAX);
    if len > MAX_PERIOD_DAYS {
        return Err(ReportError::Period(format!(
            "{len} days is longer than the {MAX_PERIOD_DAYS}-day maximum; choose a shorter --from/--to"
        )));
    }
    Ok((from, to))
}

/// Everything the report shows.
#[derive(Debug, Clone, Serialize)]
pub struct ReportData {
    pub from: Date,
    pub to: Date,
    pub generated_at_ms: TimestampMs,
    pub time_zone: String,
    pub days: Vec<DaySummary>,
    pub journal: Vec<JournalEntry>,
    pub checkins: Vec<CheckIn>,
    /// Live alerts, and resolved ones last seen within the period.
    pub alerts: Vec<Alert>,
    pub evaluation: Evaluation,
    pub params: RuleParams,
    /// Active-task sessions completed within the period (their trends are in `evaluation`).
    pub task_results: Vec<twitchwatch_tasks::TaskResult>,
}

/// A written report: where, which days, and its headline sentences.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportSummary {
    pub path: PathBuf,
    pub from: Date,
    pub to: Date,
    /// Days in the period with enough wear to count.
    pub monitored_days: u32,
    /// The report's summary, sentence by sentence.
    pub summary: Vec<String>,
}

impl ReportData {
    /// What a shell shows once the report is written at `path`.
    pub fn summary(&self, path: &Path) -> ReportSummary {
        ReportSummary {
            path: path.to_path_buf(),
            from: self.from,
            to: self.to,
            monitored_days: self.monitored_days().count() as u32,
            summary: summary_sentences(self),
        }
    }

    pub fn monitored_days(&self) -> impl Iterator<Item = &DaySummary> {
        let min = self.params.min_worn_minutes as f32;
        self.days.iter().filter(move |d| d.worn_minutes >= min)
    }
}

/// Gathers the data for a report over `from..=to` (rules are assessed as of `now_ms`).
pub fn build(
    store: &Store,
    now_ms: TimestampMs,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<ReportData, ReportError> {
    let (from, to) = resolve_period(store, now_ms, from, to)?;
    let tz = store.time_zone();
    let center = AlertCenter::new(store.clone());
    let params = center.params(store)?;
    let evaluation = center.assess(store, now_ms)?;
    let days = store.daily_summaries(from, to, &tz)?;
    let journal = store.journal_entries(from, to)?;
    let end_ms = to
        .tomorrow()
        .map(|d| start_of_day_ms(&tz, d))
        .unwrap_or(i64::MAX);
    let checkins = store.checkins_in_range(start_of_day_ms(&tz, from), end_ms)?;
    let from_ms = start_of_day_ms(&tz, from);
    let task_results = twitchwatch_tasks::TaskStore::task_results_in_range(store, from_ms, end_ms)?;
    let alerts = center
        .alerts()?
        .into_iter()
        .filter(|a| a.is_live() || a.last_seen_ms >= from_ms)
        .collect();
    Ok(ReportData {
        from,
        to,
        generated_at_ms: now_ms,
        time_zone: store.time_zone_name(),
        days,
        journal,
        checkins,
        alerts,
        evaluation,
        params,
        task_results,
    })
}

/// Builds and writes the report to `path` (owner-only; see [`Overwrite`] for an existing file;
/// a path with `..` or ending in a symlink is refused).
pub fn write_html(
    store: &Store,
    now_ms: TimestampMs,
    from: Option<Date>,
    to: Option<Date>,
    path: &Path,
    overwrite: Overwrite,
) -> Result<ReportData, ReportError> {
    // Refused before the report is built, so a wrong path costs nothing.
    files::check_target(path, overwrite)?;
    let data = build(store, now_ms, from, to)?;
    let tz = store.time_zone();
    let html = render_html(&data, &tz);
    files::write_file(path, overwrite, |w| {
        std::io::Write::write_all(w, html.as_bytes()).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })
    })?;
    Ok(data)
}

fn fmt_time(tz: &jiff::tz::TimeZone, ms: TimestampMs) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| ms.to_string())
}

/// "Jun 3 – Jun 9, Jun 12" from a sorted list of dates.
pub fn date_ranges(dates: &[Date]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < dates.len() {
        let start = dates[i];
        let mut end = start;
        while i + 1 < dates.len() && end.tomorrow().ok() == Some(dates[i + 1]) {
            i += 1;
            end = dates[i];
        }
        if start == end {
            parts.push(start.to_string());
        } else {
            parts.push(format!("{start} – {end}"));
        }
        i += 1;
    }
    parts.join(", ")
}

fn severity_label(s: AlertSeverity) -> &'static str {
    match s {
        AlertSeverity::Info => "Info",
        AlertSeverity::Advice => "Advice",
        AlertSeverity::SeeADoctor => "See a doctor",
        AlertSeverity::Urgent => "Urgent",
    }
}

/// Plain-language summary sentences.
pub fn summary_sentences(data: &ReportData) -> Vec<String> {
    let p = &data.params;
    let mut out = Vec::new();
    let total_days = data.days.len();
    let monitored: Vec<&DaySummary> = data.monitored_days().collect();
    if monitored.is_empty() {
        out.push(format!(
            "The sensor was not worn long enough on any of the {total_days} days from {} to {} to measure anything.",
            data.from, data.to
        ));
    } else {
        let hours: f64 = monitored.iter().map(|d| d.worn_minutes as f64 / 60.0).sum();
        let twitches: u64 = monitored.iter().map(|d| d.twitch_count as u64).sum();
        let twitch_days = monitored
            .iter()
            .filter(|d| d.twitch_count as f64 >= p.persistence_min_twitches)
            .count();
        out.push(format!(
            "The sensor was worn on {} of {total_days} days ({:.1} hours a day on average).",
            monitored.len(),
            hours / monitored.len() as f64
        ));
        out.push(format!(
            "It counted {twitches} twitches ({:.1} per worn hour); {twitch_days} days had at least {} twitches.",
            twitches as f64 / hours.max(1e-9),
            p.persistence_min_twitches
        ));
        let tremor: f64 = monitored.iter().map(|d| d.tremor_minutes as f64).sum();
        let spasm: f64 = monitored.iter().map(|d| d.spasm_seconds as f64).sum();
        out.push(format!(
            "Tremor (rhythmic shaking) totalled {tremor:.0} minutes; spasms (sustained contractions) {spasm:.0} seconds."
        ));
        let received: u64 = data.days.iter().map(|d| d.samples_received).sum();
        let lost: u64 = data.days.iter().map(|d| d.samples_lost).sum();
        if received + lost > 0 && lost * 100 > received + lost {
            out.push(format!(
                "{:.1}% of sensor samples were lost in transmission, so counts may be slightly low.",
                lost as f64 * 100.0 / (received + lost) as f64
            ));
        }
    }
    let live: Vec<&Alert> = data.alerts.iter().filter(|a| a.is_live()).collect();
    match live.first() {
        None => out.push("No red flags were found.".into()),
        Some(top) => out.push(format!(
            "{} alert(s) are open; the most important is \u{201c}{}\u{201d} ({}).",
            live.len(),
            top.title,
            severity_label(top.severity).to_lowercase()
        )),
    }
    let linked: Vec<String> = data
        .evaluation
        .links
        .iter()
        .filter(|l| l.linked)
        .map(|l| l.sentence(p))
        .collect();
    if linked.is_empty() {
        let tested = data
            .evaluation
            .links
            .iter()
            .filter(|l| l.enough_data)
            .count();
        if tested == 0 {
            out.push(
                "There is not yet enough journal data to link twitching to lifestyle factors."
                    .into(),
            );
        } else {
            out.push(format!(
                "None of the {tested} lifestyle factors with enough data showed a clear link to twitching."
            ));
        }
    } else {
        for s in linked {
            let mut c = s.chars();
            if let Some(first) = c.next() {
                out.push(format!("{}{}.", first.to_uppercase(), c.as_str()));
            }
        }
    }
    out
}

const STYLE: &str = r#"
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;max-width:1040px;margin:24px auto;padding:0 20px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;border-bottom:2px solid #e5e5e5;padding-bottom:4px;margin-top:28px}
.meta{color:#555;margin:0 0 10px}.disclaimer{background:#fff6e0;border:1px solid #f0c36d;padding:8px 12px;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13.5px}th,td{border-bottom:1px solid #eee;padding:5px 6px;text-align:left;vertical-align:top}
th{background:#fafafa}.sev{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.sev.urgent{background:#b00020}.sev.see_a_doctor{background:#d35400}.sev.advice{background:#2471a3}.sev.info{background:#7f8c8d}
.alert{border:1px solid #ddd;border-left:6px solid #999;border-radius:6px;padding:8px 12px;margin:10px 0}
.alert.urgent{border-left-color:#b00020;background:#fff5f5}.alert.see_a_doctor{border-left-color:#d35400}.alert.advice{border-left-color:#2471a3}
.proxy{background:#f4f7fb;border:1px solid #cfdcec;padding:8px 12px;border-radius:6px}
.alert h3{margin:0 0 4px;font-size:16px}.alert ul{margin:4px 0 0 18px;padding:0}.muted{color:#666}
svg.chart{display:block;margin:6px 0 14px}svg .ct{font-size:14px;font-weight:600}svg .ax{font-size:11px;fill:#555}
.legend span{display:inline-block;margin-right:14px;font-size:12.5px}.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px}
@media print{body{margin:0}.alert{break-inside:avoid}svg.chart{break-inside:avoid}}
"#;

struct OverlaySpec {
    factor: Factor,
    label: &'static str,
    color: &'static str,
}

const OVERLAYS: &[OverlaySpec] = &[
    OverlaySpec {
        factor: Factor::HighCaffeine,
        label: "high caffeine",
        color: "#8e5b2f",
    },
    OverlaySpec {
        factor: Factor::ShortSleep,
        label: "short/poor sleep",
        color: "#5b4b8a",
    },
    OverlaySpec {
        factor: Factor::HighStress,
        label: "high stress",
        color: "#c0392b",
    },
    OverlaySpec {
        factor: Factor::Dehydration,
        label: "dehydration",
        color: "#2e86c1",
    },
    OverlaySpec {
        factor: Factor::Strain,
        label: "strain",
        color: "#b7950b",
    },
    OverlaySpec {
        factor: Factor::Nicotine,
        label: "nicotine",
        color: "#566573",
    },
    OverlaySpec {
        factor: Factor::StimulantStarted,
        label: "new stimulant",
        color: "#7d3c98",
    },
    OverlaySpec {
        factor: Factor::AntidepressantStarted,
        label: "new antidepressant",
        color: "#1e8449",
    },
    OverlaySpec {
        factor: Factor::DiureticStarted,
        label: "new diuretic",
        color: "#117a65",
    },
    OverlaySpec {
        factor: Factor::CorticosteroidStarted,
        label: "new corticosteroid",
        color: "#a04000",
    },
];

fn overlay_rows(data: &ReportData) -> Vec<svg::OverlayRow<'static>> {
    let journal: std::collections::BTreeMap<Date, &JournalEntry> =
        data.journal.iter().map(|e| (e.date, e)).collect();
    let starts = links::medication_starts(data.journal.iter());
    OVERLAYS
        .iter()
        .map(|o| svg::OverlayRow {
            label: o.label,
            color: o.color,
            cells: data
                .days
                .iter()
                .map(|d| {
                    links::factor_present(
                        o.factor,
                        journal.get(&d.date).copied(),
                        &data.params,
                        &starts,
                    )
                })
                .collect(),
        })
        // Rows that never apply would only add noise.
        .filter(|r| r.cells.contains(&Some(true)))
        .collect()
}

fn alert_html(a: &Alert, tz: &jiff::tz::TimeZone) -> Markup {
    let sev = a.severity.as_str();
    let mut status = format!(
        "First raised {}; last seen {}",
        fmt_time(tz, a.first_raised_ms),
        fmt_time(tz, a.last_seen_ms)
    );
    let closed = match a.status {
        AlertStatus::Acknowledged => a.acknowledged_ms.map(|t| ("acknowledged", t)),
        AlertStatus::Resolved => a.resolved_ms.map(|t| ("resolved", t)),
        AlertStatus::Active => None,
    };
    if let Some((what, t)) = closed {
        status.push_str(&format!("; {what} {}", fmt_time(tz, t)));
    }
    if let Some(from) = a.escalated_from {
        status.push_str(&format!(
            "; escalated from {}",
            severity_label(from).to_lowercase()
        ));
    }
    let checkins: Vec<String> = a
        .evidence
        .checkins
        .iter()
        .map(|&t| fmt_time(tz, t))
        .collect();
    html! {
        div class={ "alert " (sev) } {
            h3 { span class={ "sev " (sev) } { (severity_label(a.severity)) } " " (a.title) }
            p { (a.message) }
            p.muted { (status) "." }
            ul {
                @for fact in &a.evidence.facts {
                    li { (fact) }
                }
                @if !a.evidence.days.is_empty() {
                    li { "Days: " (date_ranges(&a.evidence.days)) }
                }
                @if !checkins.is_empty() {
                    li { "Check-ins: " (checkins.join(", ")) }
                }
                @for e in &a.evidence.events {
                    li {
                        (e.kind.as_str()) " at " (fmt_time(tz, e.start_ms)) " for "
                        (format!("{:.0}", (e.end_ms - e.start_ms) as f64 / 1000.0)) " s"
                        @if let Some(f) = e.dominant_freq_hz { (format!(", {f:.1} Hz")) }
                    }
                }
            }
        }
    }
}

/// The task measures the report draws, in this order (each per hand that has sessions): the ones
/// the rules read, and one headline measure per tremor task.
const CHARTED: &[(TaskKind, Metric)] = &[
    (TaskKind::Tapping, Metric::TapCount),
    (TaskKind::Tapping, Metric::TapIntervalCv),
    (TaskKind::TremorRest, Metric::TremorPercent),
    (TaskKind::TremorOutstretched, Metric::TremorPercent),
    (TaskKind::TremorFingerToNose, Metric::TremorPercent),
    (TaskKind::Grip, Metric::DynamometerKg),
    (TaskKind::Grip, Metric::HeldPercent),
    (TaskKind::Grip, Metric::HoldSagDeg),
    (TaskKind::Grip, Metric::SelfRatedGrip),
];

fn fmt_number(v: f64) -> String {
    if v.abs() >= 10.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// One trend chart with the sentence under it.
fn task_chart(t: &TaskTrend, data: &ReportData, tz: &jiff::tz::TimeZone) -> Markup {
    let from_ms = start_of_day_ms(tz, data.from);
    let to_ms = data
        .to
        .tomorrow()
        .map(|d| start_of_day_ms(tz, d))
        .unwrap_or(i64::MAX);
    let dots: Vec<svg::TrendDot> = t
        .points
        .iter()
        .filter(|p| p.at_ms >= from_ms && p.at_ms < to_ms)
        .map(|p| svg::TrendDot {
            at_ms: p.at_ms,
            value: p.value,
            status: p.status.as_str(),
            label: format!(
                "{}: {} ({})",
                fmt_time(tz, p.at_ms),
                fmt_number(p.value),
                match p.status {
                    SessionStatus::Baseline => "baseline session",
                    SessionStatus::Within => "within the baseline",
                    SessionStatus::Worse => "worse than the baseline",
                    SessionStatus::Better => "better than the baseline",
                }
            ),
        })
        .collect();
    let title = format!("{} — {} hand", t.kind.label(), t.hand.as_str());
    let from_label = data.from.strftime("%b %-d").to_string();
    let to_label = data.to.strftime("%b %-d").to_string();
    let caption = match (&t.baseline, &t.decline, &t.improvement) {
        (None, _, _) => format!(
            "The baseline forms from the first three sessions ({} so far).",
            t.points.len()
        ),
        (Some(b), Some(d), _) => format!(
            "Sustained {}: {} consecutive sessions on {} days since {}, median {} against the baseline's {} ({:+.0} %; usual range {}–{}).",
            // Worse is fewer taps or less force, but more tremor or a less regular rhythm.
            match t.metric.worse_when() {
                twitchwatch_tasks::WorseWhen::Lower => "decline",
                twitchwatch_tasks::WorseWhen::Higher => "increase (worse)",
            },
            d.sessions,
            d.days,
            local_date(tz, d.first_ms),
            fmt_number(d.median_value),
            fmt_number(b.median),
            d.change_percent,
            fmt_number(b.low),
            fmt_number(b.high)
        ),
        (Some(b), None, Some(i)) => format!(
            "Sustained improvement: {} sessions on {} days, median {} against the baseline's {}.",
            i.sessions,
            i.days,
            fmt_number(i.median_value),
            fmt_number(b.median)
        ),
        (Some(b), None, None) => format!(
            "No sustained change against the baseline (median {}, usual range {}–{}; {} later session(s)).",
            fmt_number(b.median),
            fmt_number(b.low),
            fmt_number(b.high),
            t.followed_sessions()
        ),
    };
    html! {
        div.task-trend {
            (svg::trend_chart(&svg::TrendSeries {
                title: &title,
                unit: t.metric.label(),
                from_ms,
                to_ms,
                from_label: &from_label,
                to_label: &to_label,
                dots: &dots,
                // Every task measure is zero or more: the band is not drawn below zero.
                band: t.baseline.as_ref().map(|b| (b.low.max(0.0), b.median, b.high)),
            }))
            p.muted.caption { (caption) }
        }
    }
}

/// The latest tapping session of each hand compared, when both hands have one.
fn tapping_asymmetry(data: &ReportData) -> Option<String> {
    let latest = |hand: Hand| {
        data.task_results
            .iter()
            .rev()
            .filter(|r| r.hand == hand)
            .find_map(|r| match &r.measures {
                twitchwatch_tasks::TaskMeasures::Tapping { metrics } => Some(metrics),
                _ => None,
            })
    };
    let (l, r) = (latest(Hand::Left)?, latest(Hand::Right)?);
    let a = twitchwatch_tasks::asymmetry(l, r);
    let faster = match a.tap_count_index {
        x if x > 0.0 => "the left hand is faster",
        x if x < 0.0 => "the right hand is faster",
        _ => "both hands equal",
    };
    Some(format!(
        "Latest finger tapping: left {} taps, right {} taps in 20 s; asymmetry index {:+.2} ({faster}).",
        l.tap_count, r.tap_count, a.tap_count_index
    ))
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "–".into())
}

/// One row of the lifestyle-links table.
fn link_row(l: &links::LifestyleLink, p: &RuleParams) -> Markup {
    let finding = if l.linked {
        l.sentence(p)
    } else if l.enough_data {
        "no clear link".into()
    } else {
        format!(
            "not enough data (needs {} days each)",
            RuleParams::days(p.link_min_days)
        )
    };
    let ratio = l
        .rate_ratio
        .filter(|_| l.days_with > 0)
        .map(|r| format!("{r:.1}×"))
        .unwrap_or_else(|| "–".into());
    let p_holm = if l.enough_data {
        format!("{:.3}", l.p_adjusted)
    } else {
        "–".into()
    };
    html! {
        tr {
            td { (l.factor.days_phrase(p)) }
            td { (l.days_with) }
            td { (l.days_without) }
            td { (format!("{:.1}", l.mean_rate_with)) }
            td { (format!("{:.1}", l.mean_rate_without)) }
            td { (ratio) }
            td { (p_holm) }
            td { (finding) }
        }
    }
}

/// One row of the journal table.
fn journal_row(e: &JournalEntry) -> Markup {
    let meds: Vec<String> = e
        .medications
        .iter()
        .map(|m| {
            let since = m.started_on.map(|d| format!(", since {d}"));
            format!(
                "{} ({}{})",
                m.name,
                m.class.as_str(),
                since.unwrap_or_default()
            )
        })
        .collect();
    let sups: Vec<String> = e
        .supplements
        .iter()
        .map(|s| match s.dose_mg {
            Some(mg) => format!("{} {mg} mg", s.kind.as_str()),
            None => s.kind.as_str().to_string(),
        })
        .collect();
    let hydration = match (e.hydration, e.water_ml) {
        (Some(hy), Some(ml)) => format!("{hy:?}, {ml} ml").to_lowercase(),
        (Some(hy), None) => format!("{hy:?}").to_lowercase(),
        (None, Some(ml)) => format!("{ml} ml"),
        (None, None) => "–".into(),
    };
    html! {
        tr {
            td { (e.date) }
            td { (e.caffeine_mg.map(|v| format!("{v:.0}")).unwrap_or_else(|| "–".into())) }
            td {
                (e.sleep_hours.map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into()))
                @if let Some(q) = e.sleep_quality_1_5 { " (" (q) "/5)" }
            }
            td { (opt(e.stress_0_10)) }
            td { (hydration) }
            td { (opt(e.exertion_0_10)) }
            td { (opt(e.nicotine_mg)) }
            td { (meds.join("; ")) }
            td { (sups.join("; ")) }
            td { (e.notes) }
        }
    }
}

/// Renders the whole page. maud escapes every interpolated value, so user text (alert evidence,
/// medication names, notes) can never become markup; only the fixed style sheet is inserted raw.
pub fn render_html(data: &ReportData, tz: &jiff::tz::TimeZone) -> String {
    let p = &data.params;
    let (live, past): (Vec<&Alert>, Vec<&Alert>) = data.alerts.iter().partition(|a| a.is_live());
    let min_worn = p.min_worn_minutes as f32;
    let series = |f: &dyn Fn(&DaySummary) -> f64| -> Vec<(Date, Option<f64>)> {
        data.days
            .iter()
            .map(|d| (d.date, (d.worn_minutes >= min_worn).then(|| f(d))))
            .collect()
    };
    let overlays = overlay_rows(data);
    let twitches = series(&|d| d.twitch_count as f64);
    let tremor = series(&|d| d.tremor_minutes as f64);
    let spasm = series(&|d| d.spasm_seconds as f64);
    let chart = |title, unit, color, values: &[(Date, Option<f64>)], overlays| {
        svg::bar_chart(
            &svg::BarSeries {
                title,
                unit,
                color,
                values,
            },
            overlays,
        )
    };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { "TwitchWatch report " (data.from) " – " (data.to) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { "TwitchWatch report" }
                    p.meta {
                        (data.from) " to " (data.to) " (" (data.days.len()) " days) · time zone "
                        (data.time_zone) " · generated " (fmt_time(tz, data.generated_at_ms))
                    }
                    p.disclaimer #disclaimer {
                        strong { "Informational, not a medical device." } " " (DISCLAIMER)
                    }
                }
                section #summary {
                    h2 { "Summary" }
                    ul { @for s in summary_sentences(data) { li { (s) } } }
                }
                section #alerts {
                    h2 { "Alerts" }
                    @if live.is_empty() { p { "No open alerts." } }
                    @for a in &live { (alert_html(a, tz)) }
                    @if !past.is_empty() {
                        h3 { "Past alerts" }
                        @for a in &past { (alert_html(a, tz)) }
                    }
                }
                section #charts {
                    h2 { "Daily measurements" }
                    (chart("Twitches (fasciculations) per day", "count", "#c0392b", &twitches, &overlays))
                    @if !overlays.is_empty() {
                        p.legend.muted {
                            "Coloured strips under the twitch chart mark days with each lifestyle \
                             factor from the journal (grey: recorded, not present; blank: not recorded)."
                        }
                    }
                    (chart("Tremor per day", "minutes", "#2471a3", &tremor, &[]))
                    (chart("Spasm per day", "seconds", "#7d3c98", &spasm, &[]))
                    p.muted {
                        "Days with less than " (p.min_worn_minutes)
                        " minutes of wear are shown as a grey tick (not monitored)."
                    }
                }
                section #tasks {
                    h2 { "Active tasks" }
                    @let charted: Vec<&TaskTrend> = CHARTED.iter().flat_map(|&(kind, metric)| {
                        data.evaluation.task_trends.iter().filter(move |t| t.kind == kind && t.metric == metric)
                    }).collect();
                    @if charted.is_empty() {
                        p { "No finger tapping, tremor or grip tasks have been done yet." }
                    } @else {
                        p.muted {
                            "Each dot is one session; the shaded band is the person's own baseline (the first three                              sessions, median ± " (p.task_spread_multiplier) " robust spreads). A change counts only when "
                            (p.task_sustained_sessions) " or more consecutive sessions on at least "
                            (p.task_sustained_days) " different days lie beyond the band; one bad day does not. "
                            "Red dots are worse than the baseline, green better."
                        }
                        @if let Some(line) = tapping_asymmetry(data) { p { (line) } }
                        @for t in &charted { (task_chart(t, data, tz)) }
                    }
                    p.proxy #grip-proxy { strong { "What the grip task can and cannot tell. " } (twitchwatch_tasks::grip::PROXY_LIMITS) }
                }
                section #links {
                    h2 { "Lifestyle links" }
                    table {
                        tr {
                            th { "Factor" } th { "Days with" } th { "Days without" }
                            th { "Twitches/worn h with" } th { "without" } th { "Ratio" }
                            th { "p (Holm)" } th { "Finding" }
                        }
                        @for l in &data.evaluation.links { (link_row(l, p)) }
                    }
                    p.muted {
                        "Links compare twitches per worn hour on monitored days with and without each \
                         factor over the last " (p.link_lookback_days) " days (one-sided Mann–Whitney U, \
                         Holm-corrected). A link is claimed only with at least " (p.link_min_days)
                        " days on each side, p below " (p.link_alpha) " and a ratio of at least "
                        (p.link_min_ratio) "."
                    }
                }
                section #checkins {
                    h2 { "Symptom check-ins" }
                    @if data.checkins.is_empty() {
                        p { "No check-ins in this period." }
                    } @else {
                        table {
                            tr { th { "When" } th { "Twitching felt in" } th { "Symptoms" } th { "Note" } }
                            @for c in &data.checkins {
                                @let sites: Vec<&str> = c.twitch_sites.iter().map(|s| s.label()).collect();
                                @let symptoms: Vec<&str> = c.symptoms.iter().map(|s| s.label()).collect();
                                tr {
                                    td { (fmt_time(tz, c.at_ms)) }
                                    td { (sites.join(", ")) }
                                    td { (symptoms.join(", ")) }
                                    td { (c.note) }
                                }
                            }
                        }
                    }
                }
                section #journal {
                    h2 { "Journal" }
                    @if data.journal.is_empty() {
                        p { "No journal entries in this period." }
                    } @else {
                        table {
                            tr {
                                th { "Day" } th { "Caffeine mg" } th { "Sleep h (quality)" }
                                th { "Stress" } th { "Hydration" } th { "Exertion" }
                                th { "Nicotine mg" } th { "Medications" } th { "Supplements" }
                                th { "Notes" }
                            }
                            @for e in &data.journal { (journal_row(e)) }
                        }
                    }
                }
                section #method {
                    h2 { "How to read this" }
                    ul {
                        li {
                            "Twitches (fasciculations) are brief involuntary contractions of one motor \
                             unit; tremor is rhythmic oscillation; spasm is a larger, sustained \
                             contraction. A hand-worn motion sensor detects them while the hand is at rest."
                        }
                        li {
                            "Red-flag rules follow the published guidance the app is built on; each alert \
                             lists the evidence it used. Persistence means twitching (at least "
                            (p.persistence_min_twitches) " a day) on most monitored days over "
                            (p.persistence_window_days) " days, not explained by a linked lifestyle factor."
                        }
                    }
                }
                footer { p.disclaimer { (DISCLAIMER) } }
            }
        }
    };
    page.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_ranges_compress_consecutive_days() {
        let d = |day| jiff::civil::date(2026, 3, day);
        assert_eq!(
            date_ranges(&[d(1), d(2), d(3), d(5), d(7), d(8)]),
            "2026-03-01 – 2026-03-03, 2026-03-05, 2026-03-07 – 2026-03-08"
        );
        assert_eq!(date_ranges(&[]), "");
    }
}

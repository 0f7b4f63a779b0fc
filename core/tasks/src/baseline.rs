//! The person's own baseline and the change criterion (docs/tasks.md "Change criterion"): the first
//! three completed sessions of a task, hand and measure are the baseline; a later session is worse
//! or better when it lies beyond the baseline's own variation, and a change counts only when it is
//! sustained — several consecutive sessions, on several different days — never one bad day.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{median, Hand, Metric, TaskKind, TaskResult, WorseWhen};
use twitchwatch_model::TimestampMs;

/// Sessions that form the baseline.
pub const BASELINE_SESSIONS: usize = 3;
/// Scales a median absolute deviation to a standard deviation's size for normal data.
const MAD_TO_SD: f64 = 1.4826;

/// The thresholds of the criterion. Their defaults and safe bounds live with the other rule
/// thresholds (`twitchwatch_rules::params`, `task_change.*`), which build this.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChangeCriterion {
    /// A session is beyond the baseline when it differs from the baseline median by more than this
    /// many spreads.
    pub spread_multiplier: f64,
    /// The spread is at least this share of the baseline median (and at least the measure's own
    /// `Metric::min_spread`).
    pub min_relative_spread: f64,
    /// Consecutive sessions beyond the baseline, the latest included, that make a sustained change…
    pub sustained_sessions: u32,
    /// …on at least this many different local days.
    pub sustained_days: u32,
}

/// The first three sessions' centre and variation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Baseline {
    pub median: f64,
    /// Robust spread: 1.4826 × the median absolute deviation, floored (see [`ChangeCriterion`]).
    pub spread: f64,
    /// The band within which a session is "as usual": median ± multiplier × spread.
    pub low: f64,
    pub high: f64,
    /// Completion times of the baseline sessions.
    pub sessions_ms: Vec<TimestampMs>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SessionStatus {
    /// One of the sessions that make the baseline.
    Baseline,
    /// Inside the baseline's band.
    Within,
    /// Beyond the band in the worse direction.
    Worse,
    /// Beyond the band in the better direction.
    Better,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TrendPoint {
    pub at_ms: TimestampMs,
    pub value: f64,
    pub status: SessionStatus,
}

/// A run of consecutive sessions beyond the baseline, the latest session included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SustainedChange {
    pub first_ms: TimestampMs,
    pub last_ms: TimestampMs,
    pub sessions: u32,
    pub days: u32,
    /// Median of the run's values, in the measure's unit.
    pub median_value: f64,
    /// The run's median against the baseline median, percent (negative: lower).
    pub change_percent: f64,
}

/// One task, hand and measure over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TaskTrend {
    pub kind: TaskKind,
    pub metric: Metric,
    pub hand: Hand,
    /// `None` until three sessions are completed.
    pub baseline: Option<Baseline>,
    pub points: Vec<TrendPoint>,
    /// A sustained change for the worse that is still going on.
    pub decline: Option<SustainedChange>,
    /// A sustained change for the better that is still going on.
    pub improvement: Option<SustainedChange>,
}

impl TaskTrend {
    /// Sessions after the baseline.
    pub fn followed_sessions(&self) -> usize {
        self.points
            .iter()
            .filter(|p| p.status != SessionStatus::Baseline)
            .count()
    }
}

fn baseline_of(metric: Metric, points: &[(TimestampMs, f64)], c: &ChangeCriterion) -> Baseline {
    let values: Vec<f64> = points.iter().map(|p| p.1).collect();
    let centre = median(&values).unwrap_or(0.0);
    let deviations: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    let mad = median(&deviations).unwrap_or(0.0);
    let spread = (MAD_TO_SD * mad)
        .max(c.min_relative_spread * centre.abs())
        .max(metric.min_spread());
    Baseline {
        median: centre,
        spread,
        low: centre - c.spread_multiplier * spread,
        high: centre + c.spread_multiplier * spread,
        sessions_ms: points.iter().map(|p| p.0).collect(),
    }
}

fn status_of(metric: Metric, b: &Baseline, value: f64) -> SessionStatus {
    let (low, high) = (value < b.low, value > b.high);
    match (metric.worse_when(), low, high) {
        (WorseWhen::Lower, true, _) | (WorseWhen::Higher, _, true) => SessionStatus::Worse,
        (WorseWhen::Lower, _, true) | (WorseWhen::Higher, true, _) => SessionStatus::Better,
        _ => SessionStatus::Within,
    }
}

/// The trailing run of `status` (the latest session included), if it is sustained.
fn sustained(
    points: &[TrendPoint],
    status: SessionStatus,
    baseline: &Baseline,
    c: &ChangeCriterion,
    tz: &jiff::tz::TimeZone,
) -> Option<SustainedChange> {
    let run: Vec<&TrendPoint> = points
        .iter()
        .rev()
        .take_while(|p| p.status == status)
        .collect();
    let days: BTreeSet<jiff::civil::Date> = run
        .iter()
        .map(|p| twitchwatch_store::local_date(tz, p.at_ms))
        .collect();
    if run.len() < c.sustained_sessions as usize || days.len() < c.sustained_days as usize {
        return None;
    }
    let values: Vec<f64> = run.iter().map(|p| p.value).collect();
    let m = median(&values).unwrap_or(0.0);
    Some(SustainedChange {
        first_ms: run.last().map(|p| p.at_ms).unwrap_or(0),
        last_ms: run.first().map(|p| p.at_ms).unwrap_or(0),
        sessions: run.len() as u32,
        days: days.len() as u32,
        median_value: m,
        change_percent: if baseline.median != 0.0 {
            (m - baseline.median) / baseline.median.abs() * 100.0
        } else {
            0.0
        },
    })
}

/// The trend of one task, hand and measure over `results` (any order, any tasks; others are skipped).
pub fn trend(
    results: &[TaskResult],
    kind: TaskKind,
    metric: Metric,
    hand: Hand,
    c: &ChangeCriterion,
    tz: &jiff::tz::TimeZone,
) -> TaskTrend {
    let mut series: Vec<(TimestampMs, f64)> = results
        .iter()
        .filter(|r| r.kind() == kind && r.hand == hand)
        .filter_map(|r| r.value(metric).map(|v| (r.completed_at_ms, v)))
        .collect();
    series.sort_by_key(|p| p.0);
    let mut out = TaskTrend {
        kind,
        metric,
        hand,
        baseline: None,
        points: series
            .iter()
            .take(BASELINE_SESSIONS)
            .map(|&(at_ms, value)| TrendPoint {
                at_ms,
                value,
                status: SessionStatus::Baseline,
            })
            .collect(),
        decline: None,
        improvement: None,
    };
    if series.len() < BASELINE_SESSIONS {
        return out;
    }
    let baseline = baseline_of(metric, &series[..BASELINE_SESSIONS], c);
    out.points.extend(
        series[BASELINE_SESSIONS..]
            .iter()
            .map(|&(at_ms, value)| TrendPoint {
                at_ms,
                value,
                status: status_of(metric, &baseline, value),
            }),
    );
    out.decline = sustained(&out.points, SessionStatus::Worse, &baseline, c, tz);
    out.improvement = sustained(&out.points, SessionStatus::Better, &baseline, c, tz);
    out.baseline = Some(baseline);
    out
}

/// Every task, measure and hand that has at least one session, in task, measure, hand order.
pub fn trends(
    results: &[TaskResult],
    c: &ChangeCriterion,
    tz: &jiff::tz::TimeZone,
) -> Vec<TaskTrend> {
    let keys: BTreeSet<(TaskKind, Metric, Hand)> = results
        .iter()
        .flat_map(|r| {
            r.metric_values()
                .into_iter()
                .map(move |(m, _)| (r.kind(), m, r.hand))
        })
        .collect();
    keys.into_iter()
        .map(|(k, m, h)| trend(results, k, m, h, c, tz))
        .collect()
}

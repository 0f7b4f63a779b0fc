//! Finger tapping (two targets, 20 s per hand, after ResearchKit's two-finger tapping task): the shell
//! records each tap's time and position; this computes rate, rhythm, accuracy, fatigue and asymmetry.

use serde::{Deserialize, Serialize};

use super::{check_finite, check_time, invalid, mean, Hand, TaskError, TaskMeasures, TaskResult};
use twitchwatch_model::TimestampMs;

/// Longest tapping session accepted, ms (the task is 20 s; a shell may let it run a little over).
pub const MAX_DURATION_MS: f64 = 120_000.0;
/// Taps later than the session's end by more than this are refused rather than silently dropped.
const END_SLACK_MS: f64 = 1_000.0;

/// One touch on the screen: time since the task started and position, in the screen's points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Tap {
    pub t_ms: f64,
    pub x_pt: f64,
    pub y_pt: f64,
}

/// Centre of one of the two targets, in the screen's points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TapTarget {
    pub x_pt: f64,
    pub y_pt: f64,
}

/// What the shell recorded for one hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TappingInput {
    pub hand: Hand,
    pub started_at_ms: TimestampMs,
    pub duration_ms: f64,
    /// The two targets; empty when positions were not recorded (an imported file), so no accuracy.
    pub targets: Vec<TapTarget>,
    pub taps: Vec<Tap>,
}

/// The tapping measures of one hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TappingMetrics {
    pub duration_ms: f64,
    pub tap_count: u32,
    /// Taps per second over the session.
    pub taps_per_s: f64,
    /// Mean time between consecutive taps, ms (needs two taps).
    pub interval_mean_ms: Option<f64>,
    /// Sample standard deviation of the intervals over their mean (needs three taps).
    pub interval_cv: Option<f64>,
    /// Mean distance from each tap to the nearer target's centre, points (needs targets).
    pub accuracy_mean_pt: Option<f64>,
    pub taps_first_third: u32,
    pub taps_last_third: u32,
    /// Taps in the last third over taps in the first: 1 keeps the pace, below 1 slows down.
    pub fatigue_ratio: Option<f64>,
}

impl TappingInput {
    pub fn validate(&self, now_ms: TimestampMs) -> Result<(), TaskError> {
        check_time("tapping session", self.started_at_ms, now_ms)?;
        check_finite("duration_ms", [self.duration_ms])?;
        if self.duration_ms <= 0.0 || self.duration_ms > MAX_DURATION_MS {
            return Err(invalid(
                "duration_ms",
                format!(
                    "{} ms is outside 0 < duration ≤ {MAX_DURATION_MS} ms",
                    self.duration_ms
                ),
            ));
        }
        if self.taps.is_empty() {
            return Err(TaskError::EmptySession {
                what: "tapping",
                detail: "no taps were recorded",
            });
        }
        if !self.targets.is_empty() && self.targets.len() != 2 {
            return Err(invalid(
                "targets",
                format!(
                    "{} targets given; the task has two (or none when positions were not recorded)",
                    self.targets.len()
                ),
            ));
        }
        check_finite(
            "targets",
            self.targets.iter().flat_map(|t| [t.x_pt, t.y_pt]),
        )?;
        check_finite("tap times", self.taps.iter().map(|t| t.t_ms))?;
        check_finite(
            "tap positions",
            self.taps.iter().flat_map(|t| [t.x_pt, t.y_pt]),
        )?;
        let mut previous = 0.0;
        for (index, tap) in self.taps.iter().enumerate() {
            if tap.t_ms < 0.0 {
                return Err(invalid(
                    "tap times",
                    format!("tap {index} is at {} ms, before the task started", tap.t_ms),
                ));
            }
            if tap.t_ms > self.duration_ms + END_SLACK_MS {
                return Err(invalid(
                    "tap times",
                    format!(
                        "tap {index} is at {} ms, after the {} ms session ended",
                        tap.t_ms, self.duration_ms
                    ),
                ));
            }
            if index > 0 && tap.t_ms < previous {
                return Err(TaskError::OutOfOrder {
                    index,
                    t_ms: tap.t_ms,
                    previous_ms: previous,
                });
            }
            previous = tap.t_ms;
        }
        Ok(())
    }

    /// Validates and measures. `now_ms` is the shell's clock (no sessions from the future).
    pub fn measure(&self, now_ms: TimestampMs) -> Result<TappingMetrics, TaskError> {
        self.validate(now_ms)?;
        Ok(metrics(self))
    }

    /// The session as a stored result.
    pub fn into_result(self, now_ms: TimestampMs) -> Result<TaskResult, TaskError> {
        let metrics = self.measure(now_ms)?;
        Ok(TaskResult {
            started_at_ms: self.started_at_ms,
            completed_at_ms: self.started_at_ms + self.duration_ms.round() as i64,
            hand: self.hand,
            measures: TaskMeasures::Tapping { metrics },
        })
    }
}

fn metrics(input: &TappingInput) -> TappingMetrics {
    // Taps in the grace period after the end count as part of the session (the finger was already down).
    let taps = &input.taps;
    let times: Vec<f64> = taps.iter().map(|t| t.t_ms).collect();
    let intervals: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let interval_mean_ms = mean(&intervals);
    let interval_cv = match (interval_mean_ms, intervals.len()) {
        (Some(m), n) if n >= 2 && m > 0.0 => {
            let var = intervals.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            Some(var.sqrt() / m)
        }
        _ => None,
    };
    let accuracy_mean_pt = (input.targets.len() == 2).then(|| {
        let d: Vec<f64> = taps
            .iter()
            .map(|t| {
                input
                    .targets
                    .iter()
                    .map(|g| (t.x_pt - g.x_pt).hypot(t.y_pt - g.y_pt))
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        mean(&d).unwrap_or(0.0)
    });
    let third = input.duration_ms / 3.0;
    let first = times.iter().filter(|&&t| t < third).count() as u32;
    let last = times.iter().filter(|&&t| t >= 2.0 * third).count() as u32;
    TappingMetrics {
        duration_ms: input.duration_ms,
        tap_count: taps.len() as u32,
        taps_per_s: taps.len() as f64 / (input.duration_ms / 1000.0),
        interval_mean_ms,
        interval_cv,
        accuracy_mean_pt,
        taps_first_third: first,
        taps_last_third: last,
        fatigue_ratio: (first > 0).then(|| last as f64 / first as f64),
    }
}

/// How the two hands compare.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TappingAsymmetry {
    /// (left − right) / mean of both, of the tap counts: 0 is symmetric; +0.2 means the left hand
    /// made more taps than the right by a fifth of their mean, −0.2 the right hand did.
    pub tap_count_index: f64,
    /// Left CV minus right CV (positive: the left hand's rhythm is less regular).
    pub interval_cv_difference: Option<f64>,
}

pub fn asymmetry(left: &TappingMetrics, right: &TappingMetrics) -> TappingAsymmetry {
    let (l, r) = (left.tap_count as f64, right.tap_count as f64);
    let mid = (l + r) / 2.0;
    TappingAsymmetry {
        tap_count_index: if mid > 0.0 { (l - r) / mid } else { 0.0 },
        interval_cv_difference: left.interval_cv.zip(right.interval_cv).map(|(a, b)| a - b),
    }
}

//! The tremor tasks (hands in the lap 30 s, arms held out 30 s, finger to nose 20 s) with the wearable:
//! the recording goes through the same streaming classifier as monitoring, and its tremor events become
//! the task's dominant frequency, amplitude and share of time, with the sensor's quality beside them.

use serde::{Deserialize, Serialize};

use super::{check_time, invalid, TaskError, TaskKind, TaskMeasures, TaskResult};
use super::{Hand, FUTURE_SLACK_MS};
use twitchwatch_classify::{ClassifierConfig, ClassifierOutput, StreamingClassifier};
use twitchwatch_model::{MotorEventKind, SensorBatch, TimestampMs};

/// A recording shorter than this share of the task's length is refused: the classifier's 4 s windows
/// need most of it to say anything.
const MIN_COVERED: f64 = 0.5;

/// What the wearable recorded during one tremor task.
#[derive(Debug, Clone, PartialEq)]
pub struct TremorInput {
    pub kind: TaskKind,
    pub hand: Hand,
    pub started_at_ms: TimestampMs,
    /// The batches in arrival order, their times on the same clock as `started_at_ms`.
    pub batches: Vec<SensorBatch>,
}

/// How good the recording was; a result from a poor one is shown with it, not hidden.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SensorQuality {
    /// Samples received over the recording's span, Hz.
    pub effective_rate_hz: f64,
    pub nominal_rate_hz: f64,
    pub samples_received: u64,
    /// Samples the link reported lost plus those missing between batches.
    pub samples_lost: u64,
    /// Breaks between batches longer than two sample periods.
    pub gaps: u32,
    pub has_gyro: bool,
}

/// The classifier's tremor features over one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TremorMetrics {
    pub duration_s: f64,
    /// Share of the task covered by tremor events, 0..=1.
    pub tremor_fraction: f64,
    /// Tremor frequency, weighted by each event's duration; `None` without tremor.
    pub dominant_freq_hz: Option<f64>,
    /// Peak dynamic acceleration of the tremor, weighted by duration, g; `None` without tremor.
    pub amplitude_g: Option<f64>,
    pub tremor_events: u32,
    /// Share of the task the classifier judged the arm still enough to look for tremor (it does not
    /// judge tremor during voluntary movement), 0..=1.
    pub judged_fraction: f64,
    pub quality: SensorQuality,
}

impl TremorInput {
    pub fn validate(&self, now_ms: TimestampMs) -> Result<(), TaskError> {
        if !self.kind.is_tremor() {
            return Err(invalid(
                "task",
                format!("{} is not a tremor task", self.kind.as_str()),
            ));
        }
        check_time("tremor task", self.started_at_ms, now_ms)?;
        if self.batches.iter().all(|b| b.is_empty()) {
            return Err(TaskError::EmptySession {
                what: "tremor task",
                detail: "the wearable sent no samples",
            });
        }
        let last_us = self
            .batches
            .iter()
            .filter(|b| !b.is_empty())
            .map(|b| b.sample_time_us(b.len() - 1))
            .max()
            .unwrap_or(0);
        if last_us / 1000 > now_ms.saturating_add(FUTURE_SLACK_MS) {
            return Err(TaskError::FutureDate {
                what: "tremor recording",
                at: super::utc(last_us / 1000),
                now: super::utc(now_ms),
            });
        }
        Ok(())
    }

    /// Validates, classifies and measures.
    pub fn measure(&self, now_ms: TimestampMs) -> Result<TremorMetrics, TaskError> {
        self.validate(now_ms)?;
        let mut classifier = StreamingClassifier::new(ClassifierConfig::default());
        let mut out = ClassifierOutput::new();
        let mut quality = SensorQuality {
            effective_rate_hz: 0.0,
            nominal_rate_hz: 0.0,
            samples_received: 0,
            samples_lost: 0,
            gaps: 0,
            has_gyro: true,
        };
        let mut expected_next_us: Option<i64> = None;
        let (mut first_us, mut end_us) = (i64::MAX, i64::MIN);
        for b in self.batches.iter().filter(|b| !b.is_empty()) {
            classifier.push_batch(b, &mut out)?;
            let period_us = 1e6 / b.sample_rate_hz as f64;
            if let Some(next) = expected_next_us {
                let missing = (b.first_sample_us - next) as f64 / period_us;
                if missing > 1.0 {
                    quality.gaps += 1;
                    quality.samples_lost += missing.round() as u64;
                }
            }
            quality.samples_lost += b.samples_lost_before as u64;
            quality.samples_received += b.len() as u64;
            quality.nominal_rate_hz = b.sample_rate_hz as f64;
            quality.has_gyro &= b.has_gyro();
            first_us = first_us.min(b.first_sample_us);
            let after = b.sample_time_us(b.len());
            end_us = end_us.max(after);
            expected_next_us = Some(after);
        }
        classifier.finish(&mut out);
        let span_us = (end_us - first_us).max(1);
        let duration_s = span_us as f64 / 1e6;
        let planned_s = self.kind.duration_ms() as f64 / 1000.0;
        if duration_s < MIN_COVERED * planned_s {
            return Err(invalid(
                "recording",
                format!(
                    "{duration_s:.1} s of samples for a {planned_s:.0} s task; at least {:.0} s are needed",
                    MIN_COVERED * planned_s
                ),
            ));
        }
        quality.effective_rate_hz = quality.samples_received as f64 / duration_s;
        let (start_ms, end_ms) = (first_us / 1000, end_us / 1000);
        let mut tremor_ms = 0.0;
        let (mut freq_w, mut amp_w, mut freq_ms) = (0.0, 0.0, 0.0);
        let mut events = 0;
        for e in out
            .events
            .iter()
            .filter(|e| e.kind == MotorEventKind::Tremor)
        {
            let ms = (e.end_ms.min(end_ms) - e.start_ms.max(start_ms)).max(0) as f64;
            events += 1;
            tremor_ms += ms;
            amp_w += e.peak_accel_g as f64 * ms;
            if let Some(f) = e.dominant_freq_hz {
                freq_w += f as f64 * ms;
                freq_ms += ms;
            }
        }
        let judged_s: f64 = out
            .minutes
            .iter()
            .map(|m| m.wear.at_rest as f64 * 60.0)
            .sum();
        Ok(TremorMetrics {
            duration_s,
            tremor_fraction: (tremor_ms / 1000.0 / duration_s).clamp(0.0, 1.0),
            dominant_freq_hz: (freq_ms > 0.0).then(|| freq_w / freq_ms),
            amplitude_g: (tremor_ms > 0.0).then(|| amp_w / tremor_ms),
            tremor_events: events,
            judged_fraction: (judged_s / duration_s).clamp(0.0, 1.0),
            quality,
        })
    }

    pub fn into_result(self, now_ms: TimestampMs) -> Result<TaskResult, TaskError> {
        let metrics = self.measure(now_ms)?;
        Ok(TaskResult {
            started_at_ms: self.started_at_ms,
            completed_at_ms: self.started_at_ms + (metrics.duration_s * 1000.0).round() as i64,
            hand: self.hand,
            measures: TaskMeasures::Tremor {
                kind: self.kind,
                metrics,
            },
        })
    }
}

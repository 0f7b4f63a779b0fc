//! The active tasks: finger tapping, the three tremor tasks (run through the classifier), the grip
//! proxy (holding the phone at arm's length, a self-rated grip, a dynamometer when one is paired),
//! the person's own baseline with its change criterion, and their persistence in the store.

pub mod baseline;
pub mod grip;
mod persist;
pub mod tapping;
pub mod tremor;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

use serde::{Deserialize, Serialize};

use twitchwatch_classify::ClassifyError;
use twitchwatch_model::TimestampMs;
use twitchwatch_store::StoreError;

pub use baseline::{
    trend, trends, Baseline, ChangeCriterion, SessionStatus, SustainedChange, TaskTrend, TrendPoint,
};
pub use grip::{GripInput, GripMeasures, PhoneMotionSample, SteadinessMetrics};
pub use persist::TaskStore;
pub use tapping::{asymmetry, Tap, TapTarget, TappingAsymmetry, TappingInput, TappingMetrics};
pub use tremor::{SensorQuality, TremorInput, TremorMetrics};

/// Slack for clocks that disagree between phone, wearable and shell before a time is "in the future".
pub const FUTURE_SLACK_MS: i64 = 60_000;

/// Why a task result was refused. Nothing is stored when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error("{field}: {reason}. Nothing was stored")]
    Invalid { field: &'static str, reason: String },
    #[error("{field}: value {index} is not a finite number (NaN or infinity). Nothing was stored")]
    NotFinite { field: &'static str, index: usize },
    #[error("tap {index} is at {t_ms} ms, before the tap before it ({previous_ms} ms); taps must be in time order. Nothing was stored")]
    OutOfOrder {
        index: usize,
        t_ms: f64,
        previous_ms: f64,
    },
    #[error("the {what} session is empty ({detail}); run the task again. Nothing was stored")]
    EmptySession {
        what: &'static str,
        detail: &'static str,
    },
    #[error("the {what} is dated {at}, which is in the future (now is {now}); check the phone's clock. Nothing was stored")]
    FutureDate {
        what: &'static str,
        at: String,
        now: String,
    },
    #[error("the wearable's samples were refused: {0}. Nothing was stored")]
    Sensor(#[from] ClassifyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> TaskError {
    TaskError::Invalid {
        field,
        reason: reason.into(),
    }
}

pub(crate) fn utc(ms: TimestampMs) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| ms.to_string())
}

/// Refuses a start time after `now_ms` (with [`FUTURE_SLACK_MS`]) or before 2000, when no phone
/// that runs the tasks existed; both are a wrong clock, not a measurement.
pub(crate) fn check_time(
    what: &'static str,
    at_ms: TimestampMs,
    now_ms: TimestampMs,
) -> Result<(), TaskError> {
    if at_ms > now_ms.saturating_add(FUTURE_SLACK_MS) {
        return Err(TaskError::FutureDate {
            what,
            at: utc(at_ms),
            now: utc(now_ms),
        });
    }
    if at_ms < 946_684_800_000 {
        return Err(invalid(what, format!("{} is before 2000", utc(at_ms))));
    }
    Ok(())
}

/// Which hand did the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Hand {
    Left,
    Right,
}

impl Hand {
    pub const ALL: &'static [Hand] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::str::FromStr for Hand {
    type Err = TaskError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "left" | "l" => Ok(Hand::Left),
            "right" | "r" => Ok(Hand::Right),
            other => Err(invalid("hand", format!("'{other}' is not left or right"))),
        }
    }
}

/// The active tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TaskKind {
    /// Two targets on the screen, tapped alternately with one index finger for 20 s.
    Tapping,
    /// Hands resting in the lap, 30 s, wearable on: rest tremor.
    TremorRest,
    /// Arms held straight out in front, 30 s: postural tremor.
    TremorOutstretched,
    /// Finger to nose and back, 20 s: kinetic movement (see `docs/tasks.md` for what the classifier
    /// can judge while the arm moves).
    TremorFingerToNose,
    /// The grip proxy: the phone held at arm's length, a self-rated grip, a dynamometer value when one
    /// is paired.
    Grip,
}

impl TaskKind {
    pub const ALL: &'static [TaskKind] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskKind::Tapping => "Finger tapping",
            TaskKind::TremorRest => "Hands resting in the lap",
            TaskKind::TremorOutstretched => "Arms held out",
            TaskKind::TremorFingerToNose => "Finger to nose",
            TaskKind::Grip => "Grip (phone held at arm's length)",
        }
    }

    /// How long the task runs, ms.
    pub fn duration_ms(self) -> i64 {
        match self {
            TaskKind::Tapping => 20_000,
            TaskKind::TremorRest | TaskKind::TremorOutstretched => 30_000,
            TaskKind::TremorFingerToNose => 20_000,
            TaskKind::Grip => grip::HOLD_DURATION_MS,
        }
    }

    pub fn is_tremor(self) -> bool {
        matches!(
            self,
            TaskKind::TremorRest | TaskKind::TremorOutstretched | TaskKind::TremorFingerToNose
        )
    }
}

/// Which way is worse for a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum WorseWhen {
    Lower,
    Higher,
}

/// One number a task produces, followed over time against the person's baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Metric {
    TapCount,
    TapIntervalCv,
    TapAccuracyPt,
    TremorPercent,
    TremorAmplitudeMg,
    HoldShakeMg,
    HoldSagDeg,
    HeldPercent,
    SelfRatedGrip,
    DynamometerKg,
}

impl Metric {
    pub const ALL: &'static [Metric] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::TapCount => "taps in 20 s",
            Metric::TapIntervalCv => "tap rhythm variability (CV)",
            Metric::TapAccuracyPt => "distance from target (pt)",
            Metric::TremorPercent => "time in tremor (%)",
            Metric::TremorAmplitudeMg => "tremor amplitude (mg)",
            Metric::HoldShakeMg => "shake while holding (mg RMS)",
            Metric::HoldSagDeg => "arm sag while holding (°)",
            Metric::HeldPercent => "hold completed (%)",
            Metric::SelfRatedGrip => "self-rated grip (0–10)",
            Metric::DynamometerKg => "grip force (kg, dynamometer)",
        }
    }

    pub fn worse_when(self) -> WorseWhen {
        match self {
            Metric::TapCount
            | Metric::HeldPercent
            | Metric::SelfRatedGrip
            | Metric::DynamometerKg => WorseWhen::Lower,
            _ => WorseWhen::Higher,
        }
    }

    /// The smallest spread a baseline is given, in the measure's unit: three sessions can agree
    /// by chance more closely than the measure can resolve, and a change smaller than this is
    /// within what one more session would show. Product choices, stated in docs/tasks.md.
    pub fn min_spread(self) -> f64 {
        match self {
            Metric::TapCount => 3.0,
            Metric::TapIntervalCv => 0.03,
            Metric::TapAccuracyPt => 3.0,
            Metric::TremorPercent => 5.0,
            Metric::TremorAmplitudeMg => 2.0,
            Metric::HoldShakeMg => 2.0,
            Metric::HoldSagDeg => 2.0,
            Metric::HeldPercent => 5.0,
            Metric::SelfRatedGrip => 1.0,
            Metric::DynamometerKg => 1.5,
        }
    }
}

/// What one completed task measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "task")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TaskMeasures {
    Tapping {
        metrics: TappingMetrics,
    },
    Tremor {
        kind: TaskKind,
        metrics: TremorMetrics,
    },
    Grip {
        measures: GripMeasures,
    },
}

/// One completed task session, as stored. `completed_at_ms` is also its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TaskResult {
    pub started_at_ms: TimestampMs,
    pub completed_at_ms: TimestampMs,
    pub hand: Hand,
    pub measures: TaskMeasures,
}

impl TaskResult {
    pub fn kind(&self) -> TaskKind {
        match &self.measures {
            TaskMeasures::Tapping { .. } => TaskKind::Tapping,
            TaskMeasures::Tremor { kind, .. } => *kind,
            TaskMeasures::Grip { .. } => TaskKind::Grip,
        }
    }

    /// The measures this session gives for following over time (absent ones are not recorded).
    pub fn metric_values(&self) -> Vec<(Metric, f64)> {
        match &self.measures {
            TaskMeasures::Tapping { metrics: m } => {
                let mut v = vec![(Metric::TapCount, m.tap_count as f64)];
                if let Some(cv) = m.interval_cv {
                    v.push((Metric::TapIntervalCv, cv));
                }
                if let Some(a) = m.accuracy_mean_pt {
                    v.push((Metric::TapAccuracyPt, a));
                }
                v
            }
            TaskMeasures::Tremor { metrics: m, .. } => {
                let mut v = vec![(Metric::TremorPercent, m.tremor_fraction * 100.0)];
                if let Some(a) = m.amplitude_g {
                    v.push((Metric::TremorAmplitudeMg, a * 1000.0));
                }
                v
            }
            TaskMeasures::Grip { measures: g } => {
                let mut v = Vec::new();
                if let Some(s) = &g.steadiness {
                    v.push((Metric::HoldShakeMg, s.shake_rms_mg));
                    v.push((Metric::HoldSagDeg, s.sag_deg));
                    v.push((Metric::HeldPercent, s.held_fraction * 100.0));
                }
                if let Some(r) = g.self_rated_grip_0_10 {
                    v.push((Metric::SelfRatedGrip, r as f64));
                }
                if let Some(kg) = g.dynamometer_kg {
                    v.push((Metric::DynamometerKg, kg));
                }
                v
            }
        }
    }

    pub fn value(&self, metric: Metric) -> Option<f64> {
        self.metric_values()
            .into_iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, v)| v)
    }
}

/// Checks that every value is finite; `field` names the input in the error.
pub(crate) fn check_finite(
    field: &'static str,
    values: impl IntoIterator<Item = f64>,
) -> Result<(), TaskError> {
    match values.into_iter().position(|v| !v.is_finite()) {
        Some(index) => Err(TaskError::NotFinite { field, index }),
        None => Ok(()),
    }
}

pub(crate) fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

pub(crate) fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

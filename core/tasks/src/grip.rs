//! The grip proxy where no dynamometer exists: the phone held at arm's length (its accelerometer
//! measures shake and how far the arm sags), a self-rated grip, and a dynamometer's force when a BLE
//! hand dynamometer is paired later; one record holds whichever of the three a session has.

use serde::{Deserialize, Serialize};

use super::{check_finite, check_time, invalid, Hand, TaskError, TaskMeasures, TaskResult};
use twitchwatch_model::TimestampMs;

/// How long the phone is held, ms.
pub const HOLD_DURATION_MS: i64 = 20_000;
/// Highest force a hand dynamometer reports (Jamar-type devices read to 90 kg; this leaves room).
pub const DYNAMOMETER_KG_MAX: f64 = 150.0;
/// The top of the grip self-rating scale (0 = cannot grip, this = as strong as ever).
pub const SELF_RATED_GRIP_MAX: u8 = 10;
/// Shake is the movement left after the slow posture is removed: a centred mean over this long.
const POSTURE_WINDOW_MS: f64 = 1_000.0;
/// Posture at the start and at the end is averaged over this long.
const POSTURE_EDGE_MS: f64 = 2_000.0;
/// A phone's accelerometer gives at least this many samples per second in every mode a shell uses.
const MIN_RATE_HZ: f64 = 10.0;

/// One accelerometer reading of the phone, gravity included, g; `t_ms` since the hold started.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PhoneMotionSample {
    pub t_ms: f64,
    pub x_g: f64,
    pub y_g: f64,
    pub z_g: f64,
}

/// What the shell recorded in one grip session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GripInput {
    pub hand: Hand,
    pub started_at_ms: TimestampMs,
    /// How long the person held the phone before lowering it (at most the task's length), ms; empty
    /// samples mean the hold was skipped.
    pub held_ms: f64,
    pub samples: Vec<PhoneMotionSample>,
    /// "How strong is your grip in this hand today?" 0 (cannot grip) to 10 (as strong as ever).
    pub self_rated_grip_0_10: Option<u8>,
    /// Peak force from a paired hand dynamometer, kg.
    pub dynamometer_kg: Option<f64>,
}

/// The hold measured by the phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SteadinessMetrics {
    pub held_ms: f64,
    /// Share of the task's length the phone was held, 0..=1.
    pub held_fraction: f64,
    /// RMS of the acceleration left after the posture is removed, mg.
    pub shake_rms_mg: f64,
    /// Angle between the phone's posture in the first and the last two seconds, degrees.
    pub sag_deg: f64,
    pub rate_hz: f64,
}

/// One grip session's measures; at least one is present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GripMeasures {
    pub steadiness: Option<SteadinessMetrics>,
    pub self_rated_grip_0_10: Option<u8>,
    pub dynamometer_kg: Option<f64>,
}

impl GripInput {
    pub fn validate(&self, now_ms: TimestampMs) -> Result<(), TaskError> {
        check_time("grip session", self.started_at_ms, now_ms)?;
        if self.samples.is_empty()
            && self.self_rated_grip_0_10.is_none()
            && self.dynamometer_kg.is_none()
        {
            return Err(TaskError::EmptySession {
                what: "grip",
                detail: "no hold, no self-rating and no dynamometer value",
            });
        }
        if let Some(r) = self.self_rated_grip_0_10 {
            if r > SELF_RATED_GRIP_MAX {
                return Err(invalid(
                    "self_rated_grip_0_10",
                    format!("{r} is above {SELF_RATED_GRIP_MAX}"),
                ));
            }
        }
        if let Some(kg) = self.dynamometer_kg {
            check_finite("dynamometer_kg", [kg])?;
            if !(0.0..=DYNAMOMETER_KG_MAX).contains(&kg) {
                return Err(invalid(
                    "dynamometer_kg",
                    format!("{kg} kg is outside 0..={DYNAMOMETER_KG_MAX} kg"),
                ));
            }
        }
        if self.samples.is_empty() {
            return Ok(());
        }
        check_finite("held_ms", [self.held_ms])?;
        if self.held_ms <= 0.0 || self.held_ms > HOLD_DURATION_MS as f64 + 1_000.0 {
            return Err(invalid(
                "held_ms",
                format!(
                    "{} ms is outside 0 < held ≤ {HOLD_DURATION_MS} ms",
                    self.held_ms
                ),
            ));
        }
        check_finite("phone motion times", self.samples.iter().map(|s| s.t_ms))?;
        check_finite(
            "phone motion",
            self.samples.iter().flat_map(|s| [s.x_g, s.y_g, s.z_g]),
        )?;
        let mut previous = f64::NEG_INFINITY;
        for (index, s) in self.samples.iter().enumerate() {
            if s.t_ms < 0.0 || s.t_ms < previous {
                return Err(invalid(
                    "phone motion times",
                    format!("sample {index} at {} ms is negative or before the one before it; samples must be in time order from the start of the hold", s.t_ms),
                ));
            }
            previous = s.t_ms;
        }
        let span = previous - self.samples[0].t_ms;
        if self.samples.len() < 2 || (self.samples.len() - 1) as f64 / (span / 1000.0) < MIN_RATE_HZ
        {
            return Err(invalid(
                "phone motion",
                format!(
                    "{} samples over {span:.0} ms is below {MIN_RATE_HZ} per second",
                    self.samples.len()
                ),
            ));
        }
        Ok(())
    }

    pub fn measure(&self, now_ms: TimestampMs) -> Result<GripMeasures, TaskError> {
        self.validate(now_ms)?;
        Ok(GripMeasures {
            steadiness: (!self.samples.is_empty()).then(|| steadiness(&self.samples, self.held_ms)),
            self_rated_grip_0_10: self.self_rated_grip_0_10,
            dynamometer_kg: self.dynamometer_kg,
        })
    }

    pub fn into_result(self, now_ms: TimestampMs) -> Result<TaskResult, TaskError> {
        let measures = self.measure(now_ms)?;
        Ok(TaskResult {
            started_at_ms: self.started_at_ms,
            completed_at_ms: self.started_at_ms + self.held_ms.max(0.0).round() as i64,
            hand: self.hand,
            measures: TaskMeasures::Grip { measures },
        })
    }
}

fn mean_vector(samples: &[PhoneMotionSample]) -> [f64; 3] {
    let n = samples.len().max(1) as f64;
    let sum = samples
        .iter()
        .fold([0.0; 3], |a, s| [a[0] + s.x_g, a[1] + s.y_g, a[2] + s.z_g]);
    [sum[0] / n, sum[1] / n, sum[2] / n]
}

fn steadiness(samples: &[PhoneMotionSample], held_ms: f64) -> SteadinessMetrics {
    let t0 = samples[0].t_ms;
    let t1 = samples[samples.len() - 1].t_ms;
    let span_s = ((t1 - t0) / 1000.0).max(1e-3);
    // Centred running mean by two pointers: O(n) for any rate.
    let half = POSTURE_WINDOW_MS / 2.0;
    let (mut lo, mut hi) = (0usize, 0usize);
    let mut sum = [0.0f64; 3];
    let mut sq = 0.0;
    for s in samples {
        while hi < samples.len() && samples[hi].t_ms <= s.t_ms + half {
            let h = &samples[hi];
            sum = [sum[0] + h.x_g, sum[1] + h.y_g, sum[2] + h.z_g];
            hi += 1;
        }
        while samples[lo].t_ms < s.t_ms - half {
            let l = &samples[lo];
            sum = [sum[0] - l.x_g, sum[1] - l.y_g, sum[2] - l.z_g];
            lo += 1;
        }
        let n = (hi - lo) as f64;
        let d = [s.x_g - sum[0] / n, s.y_g - sum[1] / n, s.z_g - sum[2] / n];
        sq += d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    }
    let shake_rms_mg = (sq / samples.len() as f64).sqrt() * 1000.0;
    let start: Vec<PhoneMotionSample> = samples
        .iter()
        .copied()
        .filter(|s| s.t_ms <= t0 + POSTURE_EDGE_MS)
        .collect();
    let end: Vec<PhoneMotionSample> = samples
        .iter()
        .copied()
        .filter(|s| s.t_ms >= t1 - POSTURE_EDGE_MS)
        .collect();
    let (a, b) = (mean_vector(&start), mean_vector(&end));
    let dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let norm = (a[0].hypot(a[1]).hypot(a[2])) * (b[0].hypot(b[1]).hypot(b[2]));
    let sag_deg = if norm > 0.0 {
        (dot / norm).clamp(-1.0, 1.0).acos().to_degrees()
    } else {
        0.0
    };
    SteadinessMetrics {
        held_ms,
        held_fraction: (held_ms / HOLD_DURATION_MS as f64).clamp(0.0, 1.0),
        shake_rms_mg,
        sag_deg,
        rate_hz: (samples.len() - 1) as f64 / span_s,
    }
}

/// What the grip proxy can and cannot tell, shown beside its results (screens and report).
pub const PROXY_LIMITS: &str = "Holding the phone at arm's length measures how steadily and how long the arm holds a light weight, \
and the self-rating is your own impression. Neither measures grip force: shoulder fatigue, posture and how the phone is held \
change the numbers, and a steady hold does not rule out weakness. A change against your own baseline is a reason to mention it \
to a doctor, not a diagnosis. A hand dynamometer, when one is paired, measures grip force itself.";

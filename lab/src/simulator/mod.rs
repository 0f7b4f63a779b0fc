//! The simulated wearable: scenarios of voluntary activity with injected twitches, tremor and spasms,
//! turned into 16-bit IMU samples deterministically from a seed, with ground-truth labels up front.
//!
//! Physics follow `shared/notes/signals.md`. The hand is a rigid body: a posture per activity, slow
//! orientation drift, voluntary movements (smooth pulses, arm-swing pendulum) and involuntary ones on
//! top. The accelerometer reads specific force (gravity included) in the sensor frame, the gyroscope the
//! body angular velocity; then offsets, white + 1/f noise, 16-bit quantisation and clipping.
//! Samples are generated on demand (streaming); only the involuntary events are planned ahead.

mod floor;
mod frames;
mod involuntary;
mod live;
mod motion;
mod scenario;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use twitchwatch_model::{Activity, LabelledEvent, MotorEventKind, SensorBatch, TimestampMs};

pub use floor::FloorLevels;
use floor::LivingFloor;
pub use frames::{FrameFaultCounts, FrameFaults, FrameSimulator, SimFrame};
pub use involuntary::SpasmKind;
pub use involuntary::TwitchShape;
use involuntary::{Cursor, Spasm, TremorBout, Twitch};
pub use live::{SimulatedSession, SimulatedWearable};
use motion::{
    gauss, log_uniform, mat_t_mul, normalize, posture_for, posture_for_task, scale, there_and_back,
    trains_for, trains_for_task, uniform, Drift, Gauss, MotionSum, Pulse, Quat, Train, Walk,
};
pub use scenario::{
    builtin_scenario, builtin_scenarios, EverydayTask, Involuntary, Scenario, Segment,
    BUILTIN_SCENARIO_NAMES,
};

/// Standard gravity: 1 g in m/s².
pub const GRAVITY_M_S2: f64 = 9.80665;

/// Lowest and highest sample rate the wearable protocol allows.
pub const MIN_SAMPLE_RATE_HZ: f32 = 50.0;
pub const MAX_SAMPLE_RATE_HZ: f32 = 1000.0;

/// Where the sensor sits. signals.md: fasciculations are small; on the wrist they are attenuated by the
/// tissue between the hand muscles and the sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    BackOfHand,
    Wrist,
}

/// How the simulated sensor behaves. Every field is checked by [`Simulator::new`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SimConfig {
    pub seed: u64,
    /// 50..=1000 Hz.
    pub sample_rate_hz: f32,
    pub with_gyro: bool,
    pub placement: Placement,
    /// White accelerometer noise per axis at the output, g RMS (consumer MEMS at 100–400 Hz: 0.5–1 mg).
    pub accel_noise_g_rms: f32,
    /// Full scale ±range; readings beyond it clip. 1..=64 g (the protocol's limits).
    pub accel_range_g: f32,
    /// White gyroscope noise per axis, deg/s RMS.
    pub gyro_noise_dps_rms: f32,
    /// Gyroscope full scale ±range, 125..=4000 dps.
    pub gyro_range_dps: f32,
    /// Wall-clock time of the first sample; labels and timestamps are offset by it.
    pub start_ms: TimestampMs,
    /// Sensor strapped on upside down (rotated 180° about its x axis): y and z flip sign.
    pub upside_down: bool,
    /// Constant accelerometer offset (zero-g bias), g per axis.
    pub accel_offset_g: [f32; 3],
    /// Constant gyroscope offset (zero-rate bias), dps per axis.
    pub gyro_offset_dps: [f32; 3],
    /// Sample-clock imperfection, 0..=0.1: the true sample rate wanders by up to this fraction around
    /// nominal (the timestamps still claim nominal) and each sample instant jitters by this fraction of
    /// a period (RMS). 0 = a perfect clock.
    pub rate_jitter: f32,
    /// Slow wandering of the hand's orientation, degrees (roughly the peak excursion). 0..=45.
    pub orientation_drift_deg: f32,
    /// 1/f (flicker) noise added to white noise, as a fraction of the white RMS. 0..=2.
    pub flicker_noise_fraction: f32,
    /// Small voluntary shifts of a resting hand (0.5–3 cm, 1–6°, under a second each), per minute of
    /// rest. 0..=30; 0 = a perfectly still resting hand (the default, as in the built-in scenarios).
    #[serde(default)]
    pub rest_fidgets_per_min: f32,
    /// The wearer's own resting floor (physiological tremor, pulse, breathing, sway), present
    /// whenever the sensor is worn. `FloorLevels::none()` by default: a perfectly still hand.
    #[serde(default = "FloorLevels::none")]
    pub floor: FloorLevels,
    /// Every twitch in this shape; `None` draws each twitch's shape at random.
    #[serde(default)]
    pub twitch_shape: Option<TwitchShape>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            sample_rate_hz: 200.0,
            with_gyro: true,
            placement: Placement::BackOfHand,
            accel_noise_g_rms: 0.0007,
            accel_range_g: 8.0,
            gyro_noise_dps_rms: 0.07,
            gyro_range_dps: 2000.0,
            start_ms: 0,
            upside_down: false,
            accel_offset_g: [0.0; 3],
            gyro_offset_dps: [0.0; 3],
            rate_jitter: 0.0,
            orientation_drift_deg: 4.0,
            flicker_noise_fraction: 0.3,
            rest_fidgets_per_min: 0.0,
            floor: FloorLevels::none(),
            twitch_shape: None,
        }
    }
}

/// Why a simulator could not be built.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SimError {
    #[error("unknown scenario '{name}': choose one of {valid}")]
    UnknownScenario { name: String, valid: String },
    #[error("simulator setting {field} = {value} is not usable: {reason}")]
    InvalidConfig {
        field: &'static str,
        value: String,
        reason: String,
    },
    #[error("scenario '{scenario}', segment {segment}: {reason}")]
    InvalidScenario {
        scenario: String,
        segment: usize,
        reason: String,
    },
    #[error("frame simulator: {0}")]
    InvalidFrames(String),
    #[error("duration must be a finite number of seconds > 0, got {0}")]
    InvalidDuration(f32),
}

/// A run of samples as the sensor would send them: raw 16-bit counts and the scale factors.
#[derive(Debug, Clone, PartialEq)]
pub struct RawChunk {
    /// Device time of the first sample, µs (`start_ms`·1000 plus nominal sample spacing).
    pub first_sample_us: i64,
    pub sample_rate_hz: f32,
    pub accel_raw: Vec<[i16; 3]>,
    /// Empty when the simulator has no gyroscope.
    pub gyro_raw: Vec<[i16; 3]>,
    pub accel_g_per_lsb: f32,
    pub gyro_dps_per_lsb: f32,
}

impl RawChunk {
    pub fn len(&self) -> usize {
        self.accel_raw.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accel_raw.is_empty()
    }

    /// The same samples scaled to g and deg/s.
    pub fn to_batch(&self) -> SensorBatch {
        let a = self.accel_g_per_lsb;
        let g = self.gyro_dps_per_lsb;
        SensorBatch {
            first_sample_us: self.first_sample_us,
            sample_rate_hz: self.sample_rate_hz,
            accel_g: self
                .accel_raw
                .iter()
                .map(|r| [r[0] as f32 * a, r[1] as f32 * a, r[2] as f32 * a])
                .collect(),
            gyro_dps: self
                .gyro_raw
                .iter()
                .map(|r| [r[0] as f32 * g, r[1] as f32 * g, r[2] as f32 * g])
                .collect(),
            samples_lost_before: 0,
        }
    }
}

/// A ChaCha stream dedicated to one purpose, so that (for example) adding a twitch does not change the
/// noise, and chunk sizes never change the samples.
pub(crate) fn stream_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

const STREAM_WORLD: u64 = 1;
const STREAM_NOISE: u64 = 2;
const STREAM_TIMING: u64 = 3;
const STREAM_FLOOR: u64 = 4;
const STREAM_PLAN_BASE: u64 = 1_000;
const STREAM_TRAIN_BASE: u64 = 1_000_000;

/// Everything fixed about one segment, worked out at construction.
#[derive(Debug, Clone)]
struct SegmentPlan {
    start_s: f64,
    end_s: f64,
    activity: Activity,
    task: Option<EverydayTask>,
    from_q: Quat,
    to_q: Quat,
    /// Rotation from the previous posture to this one (body frame of the previous posture).
    trans_rotvec: [f64; 3],
    trans_s: f64,
    trans_pulse: Option<Pulse>,
    drift_from: f64,
    drift_to: f64,
    walk: Option<Walk>,
}

/// The simulated hand and everything on it, evaluated at arbitrary (increasing) times.
#[derive(Debug, Clone)]
struct World {
    seed: u64,
    segments: Vec<SegmentPlan>,
    seg_idx: usize,
    trains: Vec<Train>,
    fine_gain: f64,
    fidgets_per_min: f64,
    drift: Drift,
    floor: LivingFloor,
    twitches: Vec<Twitch>,
    bouts: Vec<TremorBout>,
    spasms: Vec<Spasm>,
    twitch_cursor: Cursor,
    bout_cursor: Cursor,
    spasm_cursor: Cursor,
}

impl World {
    fn enter_segment(&mut self, idx: usize) {
        self.seg_idx = idx;
        self.trains = match self.segments.get(idx) {
            Some(seg) if seg.task.is_some() => trains_for_task(
                seg.task.unwrap_or(EverydayTask::Reading),
                self.seed,
                STREAM_TRAIN_BASE + 16 * idx as u64,
                seg.start_s,
                seg.end_s,
                self.fine_gain,
            ),
            Some(seg) => trains_for(
                seg.activity,
                self.seed,
                STREAM_TRAIN_BASE + 16 * idx as u64,
                seg.start_s,
                seg.end_s,
                self.fine_gain,
                self.fidgets_per_min,
            ),
            None => Vec::new(),
        };
    }

    /// True specific force (g, body frame) and angular velocity (rad/s, body frame) at time `t` s.
    fn sample(&mut self, t: f64) -> ([f64; 3], [f64; 3]) {
        while self
            .segments
            .get(self.seg_idx + 1)
            .is_some_and(|next| t >= next.start_s)
        {
            self.enter_segment(self.seg_idx + 1);
        }
        let mut sum = MotionSum::default();
        let Some(seg) = self.segments.get(self.seg_idx) else {
            return ([0.0, 0.0, 1.0], [0.0; 3]);
        };
        let tau = t - seg.start_s;
        let (q_base, base_rate, drift_gain) = if tau < seg.trans_s {
            let (s, sd, _) = there_and_back(tau.max(0.0), seg.trans_s, f64::INFINITY, 1.0);
            let q = seg
                .from_q
                .mul(Quat::from_rotvec(scale(seg.trans_rotvec, s)));
            (
                q,
                scale(seg.trans_rotvec, sd),
                seg.drift_from + (seg.drift_to - seg.drift_from) * s,
            )
        } else {
            (seg.to_q, [0.0; 3], seg.drift_to)
        };
        if let Some(p) = &seg.trans_pulse {
            p.eval(t, 1.0, &mut sum);
        }
        self.drift.eval(t, drift_gain, &mut sum);
        if seg.activity != Activity::NotWorn {
            self.floor.eval(t, &mut sum);
        }
        if let Some(w) = &seg.walk {
            w.eval(t, &mut sum);
        }
        for train in &mut self.trains {
            train.advance(t);
            train.eval(t, &mut sum);
        }
        self.twitch_cursor.eval(
            &self.twitches,
            t,
            |e| e.t0,
            |e| e.end_eval(),
            |e| e.eval(t, &mut sum),
        );
        self.bout_cursor
            .eval(&self.bouts, t, |e| e.t0, |e| e.t1, |e| e.eval(t, &mut sum));
        self.spasm_cursor
            .eval(&self.spasms, t, |e| e.t0, |e| e.t1, |e| e.eval(t, &mut sum));

        let q_small = Quat::from_rotvec(sum.rot_rad);
        let m_small = q_small.matrix();
        let m = q_base.mul(q_small).matrix();
        // An accelerometer at rest reads +1 g pointing up (specific force), plus what the hand does.
        let g_body = mat_t_mul(&m, [0.0, 0.0, 1.0]);
        let lin_body = mat_t_mul(&m_small, sum.lin_m_s2);
        let world_body = mat_t_mul(&m, sum.world_m_s2);
        let mut accel_g = [0.0; 3];
        for i in 0..3 {
            accel_g[i] = g_body[i] + (lin_body[i] + world_body[i]) / GRAVITY_M_S2;
        }
        let base_rate_body = mat_t_mul(&m_small, base_rate);
        let mut gyro = [0.0; 3];
        for i in 0..3 {
            gyro[i] = base_rate_body[i] + sum.rate_rad_s[i];
        }
        (accel_g, gyro)
    }
}

/// Sensor noise: white plus a little 1/f (three Ornstein–Uhlenbeck processes a decade apart), per axis.
#[derive(Debug, Clone)]
struct SensorNoise {
    rng: ChaCha8Rng,
    gauss: Gauss,
    accel_white: f64,
    gyro_white: f64,
    /// [axis 0..6][process]: accel x y z, gyro x y z.
    flicker: [[f64; 3]; 6],
    flicker_sigma: [f64; 6],
    flicker_decay: [f64; 3],
    stride: u64,
}

/// Correlation times of the flicker processes, s.
const FLICKER_TAU_S: [f64; 3] = [0.5, 5.0, 50.0];

impl SensorNoise {
    fn new(config: &SimConfig, fs: f64) -> SensorNoise {
        let mut rng = stream_rng(config.seed, STREAM_NOISE);
        let accel_white = f64::from(config.accel_noise_g_rms);
        let gyro_white = f64::from(config.gyro_noise_dps_rms);
        let frac = f64::from(config.flicker_noise_fraction) / 3f64.sqrt();
        let mut flicker_sigma = [0.0; 6];
        for (i, s) in flicker_sigma.iter_mut().enumerate() {
            *s = frac * if i < 3 { accel_white } else { gyro_white };
        }
        // The slow processes need no per-sample update: 25 Hz is plenty for a 0.5 s correlation time.
        let stride = (fs / 25.0).floor().max(1.0) as u64;
        let dt = stride as f64 / fs;
        let mut flicker_decay = [0.0; 3];
        for (d, tau) in flicker_decay.iter_mut().zip(FLICKER_TAU_S) {
            *d = (-dt / tau).exp();
        }
        let mut flicker = [[0.0; 3]; 6];
        for (axis, procs) in flicker.iter_mut().enumerate() {
            for p in procs.iter_mut() {
                *p = flicker_sigma[axis] * gauss(&mut rng);
            }
        }
        SensorNoise {
            rng,
            gauss: Gauss::default(),
            accel_white,
            gyro_white,
            flicker,
            flicker_sigma,
            flicker_decay,
            stride,
        }
    }

    /// Adds noise to one sample (index `k`), in place.
    fn apply(&mut self, k: u64, accel_g: &mut [f64; 3], gyro_dps: &mut [f64; 3], with_gyro: bool) {
        if k % self.stride == 0 && k > 0 {
            for axis in 0..if with_gyro { 6 } else { 3 } {
                for p in 0..3 {
                    let d = self.flicker_decay[p];
                    let x = &mut self.flicker[axis][p];
                    *x = *x * d
                        + self.flicker_sigma[axis]
                            * (1.0 - d * d).sqrt()
                            * self.gauss.next(&mut self.rng);
                }
            }
        }
        for (i, a) in accel_g.iter_mut().enumerate() {
            let f: f64 = self.flicker[i].iter().sum();
            *a += self.accel_white * self.gauss.next(&mut self.rng) + f;
        }
        if with_gyro {
            for (i, g) in gyro_dps.iter_mut().enumerate() {
                let f: f64 = self.flicker[3 + i].iter().sum();
                *g += self.gyro_white * self.gauss.next(&mut self.rng) + f;
            }
        }
    }
}

/// When each sample was really taken, given an imperfect sample clock.
#[derive(Debug, Clone)]
struct SampleClock {
    fs: f64,
    rng: ChaCha8Rng,
    gauss: Gauss,
    /// Time-offset terms from the wandering rate: (amplitude s, rad/s, phase).
    wander: [(f64, f64, f64); 2],
    jitter_s: f64,
}

impl SampleClock {
    fn new(config: &SimConfig, fs: f64) -> SampleClock {
        let mut rng = stream_rng(config.seed, STREAM_TIMING);
        let j = f64::from(config.rate_jitter);
        let mut wander = [(0.0, 1.0, 0.0); 2];
        for (k, (share, lo, hi)) in [(0.7, 0.03, 0.08), (0.3, 0.2, 0.5)].into_iter().enumerate() {
            let w = motion::TAU * uniform(&mut rng, lo, hi);
            // Rate factor j·share·sin(wt+p) integrates to a bounded time offset.
            wander[k] = (j * share / w, w, uniform(&mut rng, 0.0, motion::TAU));
        }
        SampleClock {
            fs,
            rng,
            gauss: Gauss::default(),
            wander,
            jitter_s: j / fs,
        }
    }

    fn time_of(&mut self, k: u64) -> f64 {
        let t = k as f64 / self.fs;
        if self.jitter_s == 0.0 {
            return t;
        }
        let mut off = 0.0;
        for &(a, w, p) in &self.wander {
            off -= a * ((w * t + p).cos() - p.cos());
        }
        // Clamped so that samples stay in order.
        let jitter =
            (self.jitter_s * self.gauss.next(&mut self.rng)).clamp(-0.4 / self.fs, 0.4 / self.fs);
        (t + off + jitter).max(0.0)
    }
}

/// A deterministic simulated wearable. Build it with [`Simulator::new`], then pull samples with
/// [`Simulator::next_raw`] or [`Simulator::next_batch`] until they return `None`.
#[derive(Debug, Clone)]
pub struct Simulator {
    config: SimConfig,
    fs: f64,
    total_samples: u64,
    next_index: u64,
    labels: Vec<LabelledEvent>,
    timeline: Vec<(TimestampMs, TimestampMs, Activity)>,
    world: World,
    noise: SensorNoise,
    clock: SampleClock,
    accel_g_per_lsb: f32,
    gyro_dps_per_lsb: f32,
}

fn bad(field: &'static str, value: impl std::fmt::Debug, reason: &str) -> SimError {
    SimError::InvalidConfig {
        field,
        value: format!("{value:?}"),
        reason: reason.to_string(),
    }
}

fn check_range(field: &'static str, v: f32, lo: f32, hi: f32) -> Result<(), SimError> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err(bad(
            field,
            v,
            &format!("must be a number from {lo} to {hi}"),
        ))
    }
}

fn validate_config(c: &SimConfig) -> Result<(), SimError> {
    check_range(
        "sample_rate_hz",
        c.sample_rate_hz,
        MIN_SAMPLE_RATE_HZ,
        MAX_SAMPLE_RATE_HZ,
    )?;
    check_range("accel_noise_g_rms", c.accel_noise_g_rms, 0.0, 0.5)?;
    check_range("accel_range_g", c.accel_range_g, 1.0, 64.0)?;
    check_range("gyro_noise_dps_rms", c.gyro_noise_dps_rms, 0.0, 50.0)?;
    check_range("gyro_range_dps", c.gyro_range_dps, 125.0, 4000.0)?;
    for v in c.accel_offset_g {
        check_range("accel_offset_g", v, -c.accel_range_g, c.accel_range_g)?;
    }
    for v in c.gyro_offset_dps {
        check_range("gyro_offset_dps", v, -c.gyro_range_dps, c.gyro_range_dps)?;
    }
    check_range("rate_jitter", c.rate_jitter, 0.0, 0.1)?;
    check_range("orientation_drift_deg", c.orientation_drift_deg, 0.0, 45.0)?;
    check_range("flicker_noise_fraction", c.flicker_noise_fraction, 0.0, 2.0)?;
    check_range("rest_fidgets_per_min", c.rest_fidgets_per_min, 0.0, 30.0)?;
    let f = &c.floor;
    check_range(
        "floor.physiological_tremor_g",
        f.physiological_tremor_g,
        0.0,
        0.05,
    )?;
    check_range(
        "floor.physiological_tremor_hz",
        f.physiological_tremor_hz,
        6.0,
        14.0,
    )?;
    check_range("floor.pulse_g", f.pulse_g, 0.0, 0.02)?;
    check_range("floor.heart_rate_bpm", f.heart_rate_bpm, 30.0, 200.0)?;
    check_range("floor.breathing_tilt_deg", f.breathing_tilt_deg, 0.0, 5.0)?;
    check_range("floor.sway_dps", f.sway_dps, 0.0, 30.0)?;
    check_range("floor.micro_movement_g", f.micro_movement_g, 0.0, 0.05)?;
    check_range("floor.micro_movement_hz", f.micro_movement_hz, 1.0, 200.0)?;
    // Keep timestamps (µs, i64) far from overflow.
    const MAX_START_MS: i64 = 1 << 52;
    if c.start_ms.abs() > MAX_START_MS {
        return Err(bad("start_ms", c.start_ms, "is too far from 1970"));
    }
    Ok(())
}

/// Most twitches one simulator plans (≈100 bytes each).
const MAX_PLANNED_TWITCHES: f64 = 2_000_000.0;

/// Longest scenario accepted: 31 days.
pub(crate) const MAX_SCENARIO_S: f64 = 31.0 * 86_400.0;

fn validate_scenario(s: &Scenario, fs: f32) -> Result<(), SimError> {
    let err = |segment: usize, reason: String| SimError::InvalidScenario {
        scenario: s.name.clone(),
        segment,
        reason,
    };
    if s.segments.is_empty() {
        return Err(err(0, "has no segments".into()));
    }
    let total = s.duration_s();
    if total.is_nan() || total > MAX_SCENARIO_S {
        return Err(err(
            0,
            format!("lasts {total} s in all; the longest allowed is 31 days"),
        ));
    }
    let fine = |v: f32, lo: f32, hi: f32| v.is_finite() && v >= lo && v <= hi;
    // Labels are planned up front; keep them to a few hundred MB at most.
    let mut expected_twitches = 0.0f64;
    for (i, seg) in s.segments.iter().enumerate() {
        let d = seg.duration_s;
        if !(d.is_finite() && d >= 1.0) {
            return Err(err(
                i,
                format!("duration {d} s: a segment must last at least 1 s"),
            ));
        }
        if seg.activity == Activity::NotWorn && !seg.involuntary.is_empty() {
            return Err(err(
                i,
                "a sensor that is not worn cannot record involuntary movement".into(),
            ));
        }
        for inv in &seg.involuntary {
            match *inv {
                Involuntary::Twitches {
                    rate_per_min,
                    amplitude_mg: (lo, hi),
                } => {
                    if !fine(rate_per_min, 0.0, 120.0) {
                        return Err(err(
                            i,
                            format!("twitch rate {rate_per_min}/min: use 0 to 120 per minute"),
                        ));
                    }
                    expected_twitches += f64::from(rate_per_min) * f64::from(d) / 60.0;
                    if expected_twitches > MAX_PLANNED_TWITCHES {
                        return Err(err(
                            i,
                            format!(
                                "about {expected_twitches:.0} twitches so far: more than \
                                 {MAX_PLANNED_TWITCHES} cannot be planned ahead; lower the rate or \
                                 split the scenario"
                            ),
                        ));
                    }
                    if !(fine(lo, 0.1, 1000.0) && fine(hi, lo, 1000.0)) {
                        return Err(err(i, format!("twitch amplitude range ({lo}, {hi}) mg: use 0.1 ≤ low ≤ high ≤ 1000")));
                    }
                }
                Involuntary::Tremor {
                    freq_hz,
                    amplitude_mg,
                    bout_s: (blo, bhi),
                    gap_s: (glo, ghi),
                } => {
                    check_tremor(freq_hz, amplitude_mg, fs).map_err(|r| err(i, r))?;
                    if !(fine(blo, 1.0, 86_400.0) && fine(bhi, blo, 86_400.0)) {
                        return Err(err(
                            i,
                            format!("tremor bout range ({blo}, {bhi}) s: use 1 ≤ low ≤ high"),
                        ));
                    }
                    if !(fine(glo, 0.0, 86_400.0) && fine(ghi, glo, 86_400.0)) {
                        return Err(err(
                            i,
                            format!("tremor gap range ({glo}, {ghi}) s: use 0 ≤ low ≤ high"),
                        ));
                    }
                }
                Involuntary::TremorContinuous {
                    freq_hz,
                    amplitude_mg,
                } => check_tremor(freq_hz, amplitude_mg, fs).map_err(|r| err(i, r))?,
                Involuntary::Spasm {
                    duration_s,
                    amplitude_g,
                } => check_spasm(0.0, duration_s, amplitude_g, d).map_err(|r| err(i, r))?,
                Involuntary::SpasmAt {
                    start_s,
                    duration_s,
                    amplitude_g,
                } => check_spasm(start_s, duration_s, amplitude_g, d).map_err(|r| err(i, r))?,
            }
        }
    }
    Ok(())
}

fn check_tremor(freq_hz: f32, amplitude_mg: f32, fs: f32) -> Result<(), String> {
    if !(freq_hz.is_finite() && (1.0..=20.0).contains(&freq_hz)) {
        return Err(format!("tremor frequency {freq_hz} Hz: use 1 to 20 Hz"));
    }
    if freq_hz + 0.2 > 0.4 * fs {
        return Err(format!(
            "tremor frequency {freq_hz} Hz cannot be carried at {fs} Hz sampling (keep it below 0.4 × rate)"
        ));
    }
    if !(amplitude_mg.is_finite() && amplitude_mg > 0.0 && amplitude_mg <= 2000.0) {
        return Err(format!(
            "tremor amplitude {amplitude_mg} mg: use more than 0 and at most 2000 mg"
        ));
    }
    Ok(())
}

fn check_spasm(start_s: f32, duration_s: f32, amplitude_g: f32, seg_s: f32) -> Result<(), String> {
    if !(duration_s.is_finite() && duration_s >= 0.5) {
        return Err(format!(
            "spasm duration {duration_s} s: a spasm lasts at least 0.5 s"
        ));
    }
    if !(start_s.is_finite() && start_s >= 0.0 && start_s + duration_s <= seg_s) {
        return Err(format!(
            "spasm from {start_s} s lasting {duration_s} s does not fit in a {seg_s} s segment"
        ));
    }
    if !(amplitude_g.is_finite() && amplitude_g > 0.0 && amplitude_g <= 4.0) {
        return Err(format!(
            "spasm amplitude {amplitude_g} g: use more than 0 and at most 4 g"
        ));
    }
    Ok(())
}

/// Twitches this close together would be one event to any detector; the later one is dropped.
const MIN_TWITCH_GAP_S: f64 = 0.5;

impl Simulator {
    /// Checks the scenario and config, plans every involuntary event (the labels) and gets ready to
    /// stream samples. Nothing is generated until asked for.
    pub fn new(scenario: &Scenario, config: SimConfig) -> Result<Self, SimError> {
        validate_config(&config)?;
        validate_scenario(scenario, config.sample_rate_hz)?;
        let fs = f64::from(config.sample_rate_hz);
        let mut world_rng = stream_rng(config.seed, STREAM_WORLD);
        let wrist = config.placement == Placement::Wrist;

        // Segments: postures and the movements between them.
        let mut segments: Vec<SegmentPlan> = Vec::with_capacity(scenario.segments.len());
        let mut t = 0.0f64;
        for seg in &scenario.segments {
            let start_s = t;
            let end_s = t + f64::from(seg.duration_s);
            t = end_s;
            let prev = segments.last();
            let to_q = match (prev, seg.task) {
                (Some(p), _) if p.activity == seg.activity && p.task == seg.task => p.to_q,
                (_, Some(task)) => posture_for_task(task, &mut world_rng),
                _ => posture_for(seg.activity, &mut world_rng),
            };
            let from_q = prev.map_or(to_q, |p| p.to_q);
            let trans_rotvec = from_q.conj().mul(to_q).to_rotvec();
            let angle_deg = motion::norm(trans_rotvec).to_degrees();
            let moved = angle_deg > 0.5;
            let trans_s = if moved {
                // Bigger posture changes take longer; always within the segment.
                (0.6 + angle_deg / 90.0).min(0.4 * f64::from(seg.duration_s))
            } else {
                0.0
            };
            let lift_m = match (prev.map(|p| p.activity), seg.activity) {
                (Some(Activity::NotWorn), _) | (Some(_), Activity::NotWorn) => 0.25,
                _ => 0.08,
            };
            let trans_pulse = (moved && trans_s > 0.0).then(|| {
                let dir = normalize([
                    0.5 * gauss(&mut world_rng),
                    0.5 * gauss(&mut world_rng),
                    1.0,
                ]);
                Pulse::new(
                    start_s,
                    trans_s / 2.0,
                    0.0,
                    trans_s / 2.0,
                    scale(dir, lift_m * uniform(&mut world_rng, 0.6, 1.0)),
                    [0.0; 3],
                )
            });
            let drift_to = if seg.activity == Activity::NotWorn {
                0.0
            } else {
                1.0
            };
            let drift_from = prev.map_or(drift_to, |p| p.drift_to);
            let walk = (seg.activity == Activity::Walking).then(|| {
                let arm_m = if wrist { 0.55 } else { 0.62 };
                Walk::new(&mut world_rng, start_s, end_s, arm_m, fs)
            });
            segments.push(SegmentPlan {
                start_s,
                end_s,
                activity: seg.activity,
                task: seg.task,
                from_q,
                to_q,
                trans_rotvec,
                trans_s,
                trans_pulse,
                drift_from,
                drift_to,
                walk,
            });
        }
        let drift = Drift::new(&mut world_rng, f64::from(config.orientation_drift_deg));
        let floor = LivingFloor::new(
            &mut stream_rng(config.seed, STREAM_FLOOR),
            config.floor,
            f64::from(config.sample_rate_hz),
        );

        let (twitches, bouts, spasms) = plan_involuntary(scenario, &segments, &config, fs)?;
        let start_ms = config.start_ms;
        let to_ms = |t: f64| start_ms + (t * 1000.0).round() as i64;
        let mut labels: Vec<LabelledEvent> = Vec::new();
        labels.extend(twitches.iter().map(|e| LabelledEvent {
            kind: MotorEventKind::Fasciculation,
            start_ms: to_ms(e.t0),
            end_ms: to_ms(e.t0 + e.duration_s),
            amplitude_g: (e.peak_m_s2 / GRAVITY_M_S2) as f32,
            freq_hz: None,
        }));
        labels.extend(bouts.iter().map(|e| LabelledEvent {
            kind: MotorEventKind::Tremor,
            start_ms: to_ms(e.t0),
            end_ms: to_ms(e.t1),
            amplitude_g: (e.peak_m_s2 / GRAVITY_M_S2) as f32,
            freq_hz: Some(e.freq_hz as f32),
        }));
        labels.extend(spasms.iter().map(|e| LabelledEvent {
            kind: MotorEventKind::Spasm,
            start_ms: to_ms(e.t0),
            end_ms: to_ms(e.t1),
            amplitude_g: (e.peak_m_s2 / GRAVITY_M_S2) as f32,
            freq_hz: None,
        }));
        labels.sort_by_key(|l| (l.start_ms, l.end_ms));
        let timeline = segments
            .iter()
            .map(|s| (to_ms(s.start_s), to_ms(s.end_s), s.activity))
            .collect();

        let total_samples = (scenario.duration_s() * fs).round() as u64;
        let mut world = World {
            seed: config.seed,
            segments,
            seg_idx: 0,
            trains: Vec::new(),
            // Finger-scale movements reach a wrist sensor only partly.
            fine_gain: if wrist { 0.5 } else { 1.0 },
            fidgets_per_min: f64::from(config.rest_fidgets_per_min),
            drift,
            floor,
            twitches,
            bouts,
            spasms,
            twitch_cursor: Cursor::default(),
            bout_cursor: Cursor::default(),
            spasm_cursor: Cursor::default(),
        };
        world.enter_segment(0);
        Ok(Simulator {
            noise: SensorNoise::new(&config, fs),
            clock: SampleClock::new(&config, fs),
            accel_g_per_lsb: config.accel_range_g / 32768.0,
            gyro_dps_per_lsb: config.gyro_range_dps / 32768.0,
            config,
            fs,
            total_samples,
            next_index: 0,
            labels,
            timeline,
            world,
        })
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Ground truth: one entry per twitch, tremor bout and spasm, sorted by start; times are
    /// `config.start_ms` plus the offset into the scenario. All known before the first sample.
    pub fn labels(&self) -> &[LabelledEvent] {
        &self.labels
    }

    /// Each spasm's kind and whether it changes the hand's posture, in start order (the order of the
    /// spasm labels): what a recall figure is broken down by when it is diagnosed.
    pub fn spasm_plans(&self) -> Vec<(SpasmKind, bool)> {
        self.world
            .spasms
            .iter()
            .map(|s| (s.kind, s.posture_change))
            .collect()
    }

    /// (start, end, activity) per segment, in the same time base as the labels.
    pub fn activity_timeline(&self) -> &[(TimestampMs, TimestampMs, Activity)] {
        &self.timeline
    }

    pub fn total_samples(&self) -> u64 {
        self.total_samples
    }

    /// Samples handed out so far.
    pub fn samples_generated(&self) -> u64 {
        self.next_index
    }

    pub fn accel_g_per_lsb(&self) -> f32 {
        self.accel_g_per_lsb
    }

    pub fn gyro_dps_per_lsb(&self) -> f32 {
        self.gyro_dps_per_lsb
    }

    /// Nominal device time of sample `k`, µs.
    fn sample_time_us(&self, k: u64) -> i64 {
        self.config.start_ms * 1000 + (k as f64 * 1e6 / self.fs).round() as i64
    }

    /// The next (up to) `max_samples` samples as raw sensor counts; `None` once the scenario is over.
    /// The samples do not depend on how the recording is cut into chunks.
    pub fn next_raw(&mut self, max_samples: usize) -> Option<RawChunk> {
        let remaining = self.total_samples.saturating_sub(self.next_index);
        if remaining == 0 {
            return None;
        }
        let n = (max_samples as u64).min(remaining) as usize;
        let with_gyro = self.config.with_gyro;
        let mut chunk = RawChunk {
            first_sample_us: self.sample_time_us(self.next_index),
            sample_rate_hz: self.config.sample_rate_hz,
            accel_raw: Vec::with_capacity(n),
            gyro_raw: Vec::with_capacity(if with_gyro { n } else { 0 }),
            accel_g_per_lsb: self.accel_g_per_lsb,
            gyro_dps_per_lsb: self.gyro_dps_per_lsb,
        };
        let accel_lsb = f64::from(self.accel_g_per_lsb);
        let gyro_lsb = f64::from(self.gyro_dps_per_lsb);
        let flip = if self.config.upside_down { -1.0 } else { 1.0 };
        let offset_a = self.config.accel_offset_g.map(f64::from);
        let offset_g = self.config.gyro_offset_dps.map(f64::from);
        for _ in 0..n {
            let k = self.next_index;
            self.next_index += 1;
            let t = self.clock.time_of(k);
            let (mut accel_g, rate_rad_s) = self.world.sample(t);
            let mut gyro_dps = rate_rad_s.map(f64::to_degrees);
            // Upside down = turned 180° about the sensor's x axis.
            for v in [&mut accel_g, &mut gyro_dps] {
                v[1] *= flip;
                v[2] *= flip;
            }
            for i in 0..3 {
                accel_g[i] += offset_a[i];
                gyro_dps[i] += offset_g[i];
            }
            self.noise.apply(k, &mut accel_g, &mut gyro_dps, with_gyro);
            chunk
                .accel_raw
                .push(accel_g.map(|v| quantise(v, accel_lsb)));
            if with_gyro {
                chunk.gyro_raw.push(gyro_dps.map(|v| quantise(v, gyro_lsb)));
            }
        }
        Some(chunk)
    }

    /// Like [`Simulator::next_raw`], scaled to g and deg/s.
    pub fn next_batch(&mut self, max_samples: usize) -> Option<SensorBatch> {
        self.next_raw(max_samples).map(|c| c.to_batch())
    }
}

/// 16-bit ADC: round to the nearest count, clip at full scale.
fn quantise(value: f64, lsb: f64) -> i16 {
    let counts = (value / lsb).round();
    if counts.is_nan() {
        0
    } else {
        counts.clamp(i16::MIN as f64, i16::MAX as f64) as i16
    }
}

type Plans = (Vec<Twitch>, Vec<TremorBout>, Vec<Spasm>);

/// A random kind of spasm, with a posture change seven times in ten.
fn spasm_variety(rng: &mut ChaCha8Rng) -> (SpasmKind, bool) {
    let kind = SpasmKind::ALL[rand::Rng::gen_range(rng, 0..SpasmKind::ALL.len())];
    (kind, rand::Rng::gen_bool(rng, 0.7))
}

fn plan_involuntary(
    scenario: &Scenario,
    segments: &[SegmentPlan],
    config: &SimConfig,
    fs: f64,
) -> Result<Plans, SimError> {
    let wrist = config.placement == Placement::Wrist;
    // signals.md: the sensor belongs on the hand; a wrist sensor sees twitches 3–5× smaller.
    // Tremor (a rotation about the wrist) is seen at a shorter lever from the forearm.
    let tremor_gain = if wrist { 0.6 } else { 1.0 };
    let mut twitches: Vec<Twitch> = Vec::new();
    let mut bouts: Vec<TremorBout> = Vec::new();
    let mut spasms: Vec<Spasm> = Vec::new();
    // An open continuous tremor: (start, freq, amplitude, rng stream of its first segment).
    let mut open: Option<(f64, f32, f32, u64)> = None;

    for (i, (seg, plan)) in scenario.segments.iter().zip(segments).enumerate() {
        let stream = STREAM_PLAN_BASE + i as u64;
        let mut rng = stream_rng(config.seed, stream);
        // Let the hand settle after a posture change before anything is injected.
        let settle = (plan.trans_s + 0.3).min(0.25 * (plan.end_s - plan.start_s));
        let from = plan.start_s + settle;

        let continuing = seg.involuntary.iter().find_map(|inv| match *inv {
            Involuntary::TremorContinuous {
                freq_hz,
                amplitude_mg,
            } => Some((freq_hz, amplitude_mg)),
            _ => None,
        });
        match (open, continuing) {
            (Some((_, f, a, _)), Some((f2, a2))) if f == f2 && a == a2 => {}
            (o, c) => {
                if let Some((t0, f, a, st)) = o {
                    let mut r = stream_rng(config.seed, st + 500_000);
                    bouts.push(TremorBout::plan(
                        &mut r,
                        t0,
                        plan.start_s,
                        f64::from(f),
                        f64::from(a) / 1000.0 * tremor_gain,
                        fs,
                    ));
                }
                open = c.map(|(f, a)| (from, f, a, stream));
            }
        }

        for inv in &seg.involuntary {
            match *inv {
                Involuntary::Twitches {
                    rate_per_min,
                    amplitude_mg: (lo, hi),
                } => {
                    if rate_per_min <= 0.0 {
                        continue;
                    }
                    let mean_gap = 60.0 / f64::from(rate_per_min);
                    let mut t = from;
                    loop {
                        t += -mean_gap * (1.0 - rand::Rng::gen::<f64>(&mut rng)).ln();
                        if t + 0.2 > plan.end_s {
                            break;
                        }
                        let mut amp_g =
                            log_uniform(&mut rng, f64::from(lo), f64::from(hi)) / 1000.0;
                        if wrist {
                            amp_g /= uniform(&mut rng, 3.0, 5.0);
                        }
                        let shape = config.twitch_shape.unwrap_or_else(|| {
                            TwitchShape::ALL
                                [rand::Rng::gen_range(&mut rng, 0..TwitchShape::ALL.len())]
                        });
                        twitches.push(Twitch::plan(&mut rng, t, amp_g, fs, shape));
                    }
                }
                Involuntary::Tremor {
                    freq_hz,
                    amplitude_mg,
                    bout_s,
                    gap_s,
                } => {
                    let mut t = from;
                    loop {
                        t += uniform(&mut rng, f64::from(gap_s.0), f64::from(gap_s.1)).max(0.5);
                        let want = uniform(&mut rng, f64::from(bout_s.0), f64::from(bout_s.1));
                        let dur = want.min(plan.end_s - 0.2 - t);
                        if dur < f64::from(bout_s.0).min(want) * 0.5 || dur < 1.0 {
                            break;
                        }
                        bouts.push(TremorBout::plan(
                            &mut rng,
                            t,
                            t + dur,
                            f64::from(freq_hz),
                            f64::from(amplitude_mg) / 1000.0 * tremor_gain,
                            fs,
                        ));
                        t += dur;
                    }
                }
                Involuntary::TremorContinuous { .. } => {}
                Involuntary::Spasm {
                    duration_s,
                    amplitude_g,
                } => {
                    let d = f64::from(duration_s);
                    let latest = (plan.end_s - d - 0.2).max(plan.start_s);
                    let t0 = uniform(&mut rng, from.min(latest), latest);
                    let (kind, posture) = spasm_variety(&mut rng);
                    spasms.push(Spasm::plan(
                        &mut rng,
                        t0,
                        d,
                        f64::from(amplitude_g),
                        kind,
                        posture,
                    ));
                }
                Involuntary::SpasmAt {
                    start_s,
                    duration_s,
                    amplitude_g,
                } => {
                    let t0 = plan.start_s + f64::from(start_s);
                    let (kind, posture) = spasm_variety(&mut rng);
                    spasms.push(Spasm::plan(
                        &mut rng,
                        t0,
                        f64::from(duration_s),
                        f64::from(amplitude_g),
                        kind,
                        posture,
                    ));
                }
            }
        }
    }
    if let (Some((t0, f, a, st)), Some(last)) = (open, segments.last()) {
        let mut r = stream_rng(config.seed, st + 500_000);
        bouts.push(TremorBout::plan(
            &mut r,
            t0,
            last.end_s - 0.2,
            f64::from(f),
            f64::from(a) / 1000.0 * tremor_gain,
            fs,
        ));
    }

    twitches.sort_by(|a, b| a.t0.total_cmp(&b.t0));
    let mut kept: Vec<Twitch> = Vec::with_capacity(twitches.len());
    for tw in twitches {
        if kept
            .last()
            .is_none_or(|p: &Twitch| tw.t0 - p.t0 >= MIN_TWITCH_GAP_S)
        {
            kept.push(tw);
        }
    }
    bouts.sort_by(|a, b| a.t0.total_cmp(&b.t0));
    spasms.sort_by(|a, b| a.t0.total_cmp(&b.t0));
    Ok((kept, bouts, spasms))
}

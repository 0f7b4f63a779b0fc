//! The streaming classifier: turns `SensorBatch`es into fasciculation, tremor and spasm
//! `MotorEvent`s and per-minute `MinuteSummary`s, in bounded memory (design: docs/classifier.md).

mod engine;
mod filters;
mod minute;
mod spectral;
mod twitch;
mod twitch_model;
mod whiten;

use twitchwatch_model::{MinuteSummary, MotorEvent, SensorBatch};

pub use minute::MINUTE_MS;
pub use twitch_model::{
    TwitchFeatures, TwitchModel, TWITCH_ACCEPTANCE, TWITCH_FEATURE_COUNT, TWITCH_FEATURE_NAMES,
    TWITCH_MIN_PROBABILITY,
};

/// Lowest and highest sample rate the classifier accepts.
pub const MIN_RATE_HZ: f32 = 25.0;
pub const MAX_RATE_HZ: f32 = 1000.0;

/// Every tunable of the classifier. `Default` holds the values tuned on the TUNING split of
/// `classify::eval` (see docs/classifier.md for why each one is where it is).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierConfig {
    /// Spectral window length (tremor, voluntary-movement context), seconds.
    pub window_s: f32,
    /// Hop between windows = resolution of the activity timeline, seconds.
    pub hop_s: f32,

    /// Twitch band, Hz; the upper edge is clipped to 0.45 × the sample rate.
    pub twitch_band_hz: (f32, f32),
    /// Smoothing of the twitch-band energy, ms: about one lobe of a twitch's acceleration.
    pub twitch_smooth_ms: f32,
    /// Detection threshold in robust standard deviations (1.4826 × MAD) above the median energy.
    pub twitch_threshold_mads: f32,
    /// A twitch must reach at least this band-passed amplitude, g.
    pub twitch_min_peak_g: f32,
    pub twitch_max_duration_ms: f32,
    /// Crossings closer than this are one twitch.
    pub twitch_refractory_ms: f32,
    /// More candidates than this within ±1 s is a burst of activity (typing, tapping), not twitches.
    pub twitch_burst_limit: u32,
    /// A hop near a twitch whose mean twitch-band energy exceeds this multiple of the wearer's
    /// floor median is busy (one of `TwitchFeatures`).
    pub twitch_max_activity_ratio: f32,
    /// A candidate that passed the hard gates is a twitch when `TWITCH_ACCEPTANCE` gives it at
    /// least this probability (chosen on the TUNING split by the trainer).
    pub twitch_min_probability: f32,
    /// Keep every twitch candidate with its features in `ClassifierOutput::twitch_candidates`
    /// (the lab's trainer reads them); off in the product, where nothing is recorded.
    pub record_twitch_candidates: bool,

    /// Tremor search band, Hz.
    pub tremor_band_hz: (f32, f32),
    /// Minimum tremor amplitude (vector, peak) when only an accelerometer sees it, g.
    pub tremor_min_amplitude_g: f32,
    /// Minimum tremor amplitude of the angular rate (vector, peak) when a gyroscope sees it, deg/s.
    pub tremor_min_gyro_dps: f32,
    /// At and above this frequency a rhythm may be the physiological tremor every hand has
    /// (signals.md: 8–12 Hz), so it must be larger than that to count…
    pub tremor_physiological_hz: f32,
    /// …at least this much acceleration (vector, peak), g…
    pub tremor_physiological_min_g: f32,
    /// …and, with a gyroscope, this much angular rate, deg/s.
    pub tremor_physiological_min_dps: f32,
    /// Minimum fraction of 2–20 Hz power inside the peak band.
    pub tremor_min_concentration: f32,
    /// Minimum prominence of the peak over its neighbourhood (power per Hz, see
    /// `WindowFeatures::prominence`).
    pub tremor_min_prominence: f32,
    /// Minimum window periodicity (autocorrelation, the second opinion on a spectral peak).
    pub tremor_min_periodicity: f32,
    /// Consecutive tremor hops needed for an event…
    pub tremor_min_hops: u32,
    /// …or this many when the tremor reaches `tremor_large_g` (vector peak, g): a large rhythm
    /// may be a voluntary one (scratching, drumming) and must outlast it.
    pub tremor_large_g: f32,
    pub tremor_large_min_hops: u32,
    /// Non-tremor hops tolerated inside one tremor event.
    pub tremor_max_gap_hops: u32,
    /// A tremor bout that resumes within this long after the last one ended, at about the same
    /// frequency, is the same bout, s. Parkinsonian tremor is often intermittent, waxing and waning
    /// within seconds, and a new posture suppresses it for a latency of 9 ± 11 s before it
    /// re-emerges at the rest tremor's frequency (Jankovic et al. 1999); reporting each piece as a
    /// bout of its own would multiply one tremor into several.
    pub tremor_merge_gap_s: f32,
    /// …"about the same frequency": bouts further apart than this are different tremors, Hz.
    pub tremor_merge_max_freq_diff_hz: f32,
    /// Upper edges of slight, mild and moderate tremor (peak vector amplitude), g; above is strong.
    pub tremor_severity_edges_g: [f32; 3],

    /// RMS acceleration in 0.3–2.2 Hz above which the arm is moving voluntarily, g.
    pub voluntary_accel_rms_g: f32,
    /// RMS of low-passed (<1.5 Hz) angular rate above which the arm is moving voluntarily, deg/s.
    pub voluntary_gyro_rms_dps: f32,

    /// High-pass corner of the spasm envelope, Hz.
    pub spasm_band_low_hz: f32,
    /// Length of one envelope block, ms.
    pub spasm_block_ms: f32,
    /// Envelope RMS that makes a block "active", g.
    pub spasm_min_rms_g: f32,
    /// Minimum duration of a spasm found by its envelope, ms. A voluntary reach, hold and return
    /// (a fork to the mouth, a cup, a page) lasts a few seconds from a still hand and, by its
    /// envelope, looks like a short spasm; only a contraction that outlasts it counts.
    pub spasm_min_duration_ms: f32,
    /// Minimum share of a spasm run's blocks that are hot (a contraction is sustained; typing
    /// and tapping are hot only at each impact).
    pub spasm_min_duty: f32,
    /// Change of posture (mean acceleration of a hop against the hop before the spasm) that counts
    /// as held away, g. 0.1 g is about 6° of tilt.
    pub spasm_posture_shift_g: f32,
    /// Share of a run's hops held away from the posture before the spasm that makes it sustained
    /// even when its envelope is hot less than `spasm_min_duty` of the time.
    pub spasm_posture_share: f32,
    /// A spasm run whose windows put at least this share of their 0.5–12 Hz power above 3 Hz…
    pub spasm_max_high_fraction: f32,
    /// …must move the hand at least this much (slow, voluntary-band RMS, g), or it is not a spasm.
    pub spasm_min_slow_rms_g: f32,
    /// Cold blocks tolerated inside one spasm, ms.
    pub spasm_max_gap_ms: f32,
    /// Windows more periodic than this (normalised autocorrelation) are rhythmic movement
    /// (walking, tapping, tremor), not spasm.
    pub spasm_max_periodicity: f32,
    /// Minimum share of 0.5–12 Hz power above 3 Hz: excludes smooth voluntary reaches.
    pub spasm_min_high_fraction: f32,

    /// The tremble of a contraction, seen by the gyroscope (needs one; see docs/classifier.md).
    /// A lobe of the low-passed (< 1.5 Hz) angular rate on one axis is a stretch beyond this, deg/s.
    pub spasm_tremble_lobe_dps: f32,
    /// A lobe that begins within this long after a lobe of the other sign ended is a reversal, ms.
    /// (A voluntary reach turns one way, holds, and turns back: its reversal waits for the hold.)
    pub spasm_tremble_reversal_ms: f32,
    /// The two lobes of a reversal must be of comparable size: the smaller at least this share of
    /// the larger (the low-pass filter's ring after a fast turn is ~10 %).
    pub spasm_tremble_lobe_ratio: f32,
    /// A hop whose angular rate RMS (< 1.5 Hz) reaches this is active, deg/s; a hop below
    /// `spasm_tremble_lobe_dps` is still. A tremble run begins at an active hop after a still one.
    pub spasm_tremble_active_dps: f32,
    /// A tremble run is a spasm when it reverses at least this often (summed over axes), per s…
    pub spasm_tremble_reversals_per_s: f32,
    /// …and at least this share of its hops reverse at all (sustained, not one burst).
    pub spasm_tremble_reversing_share: f32,
    /// Minimum duration of a spasm found by its tremble alone, ms.
    pub spasm_tremble_min_duration_ms: f32,

    /// Window broadband RMS below which (with no rotation) the sensor is taken off the body, g.
    pub not_worn_rms_g: f32,
    /// A time jump larger than this restarts the filters (events are closed at the gap), ms.
    pub max_gap_ms: f32,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        Self {
            window_s: 4.0,
            hop_s: 0.5,
            twitch_band_hz: (3.0, 30.0),
            twitch_smooth_ms: 30.0,
            twitch_threshold_mads: 12.0,
            twitch_min_peak_g: 0.0015,
            twitch_max_duration_ms: 400.0,
            twitch_refractory_ms: 150.0,
            twitch_burst_limit: 3,
            twitch_max_activity_ratio: 2.0,
            twitch_min_probability: TWITCH_MIN_PROBABILITY,
            record_twitch_candidates: false,
            tremor_band_hz: (3.0, 12.0),
            tremor_min_amplitude_g: 0.003,
            tremor_min_gyro_dps: 0.5,
            tremor_physiological_hz: 7.5,
            tremor_physiological_min_g: 0.02,
            tremor_physiological_min_dps: 0.0,
            tremor_min_concentration: 0.4,
            tremor_min_periodicity: 0.3,
            tremor_min_prominence: 2.0,
            tremor_min_hops: 6,
            tremor_large_g: 0.03,
            tremor_large_min_hops: 12,
            tremor_max_gap_hops: 4,
            tremor_merge_gap_s: 10.0,
            tremor_merge_max_freq_diff_hz: 1.5,
            tremor_severity_edges_g: [0.03, 0.1, 0.3],
            voluntary_accel_rms_g: 0.015,
            voluntary_gyro_rms_dps: 8.0,
            spasm_band_low_hz: 3.0,
            spasm_block_ms: 25.0,
            spasm_min_rms_g: 0.05,
            spasm_min_duration_ms: 4500.0,
            spasm_max_gap_ms: 600.0,
            spasm_max_high_fraction: 0.2,
            spasm_min_slow_rms_g: 0.14,
            spasm_min_duty: 0.45,
            spasm_posture_shift_g: 0.15,
            spasm_posture_share: 0.6,
            spasm_max_periodicity: 0.8,
            spasm_min_high_fraction: 0.0,
            spasm_tremble_lobe_dps: 3.0,
            spasm_tremble_reversal_ms: 200.0,
            spasm_tremble_lobe_ratio: 0.3,
            spasm_tremble_active_dps: 5.0,
            spasm_tremble_reversals_per_s: 2.0,
            spasm_tremble_reversing_share: 0.5,
            spasm_tremble_min_duration_ms: 2000.0,
            not_worn_rms_g: 0.0,
            max_gap_ms: 1000.0,
        }
    }
}

/// What a `push_batch` / `finish` call produced. Callers drain (or `clear`) it between calls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassifierOutput {
    pub events: Vec<MotorEvent>,
    pub minutes: Vec<MinuteSummary>,
    /// Only with `ClassifierConfig::record_twitch_candidates`: every twitch candidate judged.
    pub twitch_candidates: Vec<TwitchCandidateRecord>,
}

/// One twitch candidate as it was judged (for training and diagnosis in the lab).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwitchCandidateRecord {
    pub start_ms: i64,
    pub end_ms: i64,
    pub peak_g: f32,
    /// It passed the hard gates (hop at rest, hand still before, no spasm near, no burst); only
    /// then is the model asked.
    pub gated: bool,
    /// The first hard gate it failed, if any.
    pub refused_by: Option<TwitchGate>,
    pub features: TwitchFeatures,
    pub probability: f32,
    pub accepted: bool,
}

/// The hard gates a twitch candidate must pass before the acceptance model weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwitchGate {
    /// Its hop was not at rest (moving, tremor, spasm or not worn).
    HopNotAtRest,
    /// A spasm run is under or near it.
    SpasmNear,
    /// More candidates than `twitch_burst_limit` within ±1 s.
    Burst,
    /// A hop in the 3 s before it was not at rest.
    MovedBefore,
}

impl ClassifierOutput {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn clear(&mut self) {
        self.events.clear();
        self.minutes.clear();
        self.twitch_candidates.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.minutes.is_empty() && self.twitch_candidates.is_empty()
    }
}

/// A batch the classifier refused. The batch is skipped whole (its samples count as lost) and the
/// classifier stays ready for the next one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClassifyError {
    #[error("sample rate {rate_hz} Hz is outside the supported {MIN_RATE_HZ}–{MAX_RATE_HZ} Hz; configure the sensor within that range")]
    UnsupportedRate { rate_hz: f32 },
    #[error("batch has {accel} accelerometer samples but {gyro} gyroscope samples; gyroscope must be empty or match")]
    GyroLengthMismatch { accel: usize, gyro: usize },
    #[error("sample {index} of the batch starting at {first_sample_us} µs is not a finite number (NaN or infinity); the batch was skipped")]
    NonFiniteSample { index: usize, first_sample_us: i64 },
}

pub use engine::StreamingClassifier;

/// Validate a batch without touching any state.
fn validate(batch: &SensorBatch) -> Result<(), ClassifyError> {
    let rate = batch.sample_rate_hz;
    if !rate.is_finite() || !(MIN_RATE_HZ..=MAX_RATE_HZ).contains(&rate) {
        return Err(ClassifyError::UnsupportedRate { rate_hz: rate });
    }
    if !batch.gyro_dps.is_empty() && batch.gyro_dps.len() != batch.accel_g.len() {
        return Err(ClassifyError::GyroLengthMismatch {
            accel: batch.accel_g.len(),
            gyro: batch.gyro_dps.len(),
        });
    }
    let bad = batch
        .accel_g
        .iter()
        .chain(batch.gyro_dps.iter())
        .position(|v| !v.iter().all(|x| x.is_finite()));
    if let Some(pos) = bad {
        return Err(ClassifyError::NonFiniteSample {
            index: pos % batch.accel_g.len().max(1),
            first_sample_us: batch.first_sample_us,
        });
    }
    Ok(())
}

/// Classify a whole in-memory recording (convenience for the CLI and tests).
pub fn classify_all<'a>(
    config: ClassifierConfig,
    batches: impl IntoIterator<Item = &'a SensorBatch>,
) -> Result<ClassifierOutput, ClassifyError> {
    let mut c = StreamingClassifier::new(config);
    let mut out = ClassifierOutput::new();
    for b in batches {
        c.push_batch(b, &mut out)?;
    }
    c.finish(&mut out);
    Ok(out)
}

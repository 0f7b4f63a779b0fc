//! The per-sample state machine behind `StreamingClassifier`: filters, the hop/window timeline,
//! and the assembly of twitch, tremor and spasm events. All buffers are sized at (re)start.

use std::collections::VecDeque;

use biquad::Type;

use super::filters::{Cascade, Cascade3};
use super::minute::{MinuteBook, TickClass};
use super::spectral::{
    Ring, SpectralAnalyzer, WindowFeatures, VOLUNTARY_HIGH_HZ, VOLUNTARY_LOW_HZ,
};
use super::twitch::{TwitchCandidate, TwitchDetector, TwitchParams};
use super::{
    validate, ClassifierConfig, ClassifierOutput, ClassifyError, TwitchCandidateRecord,
    TwitchFeatures, TwitchGate, TWITCH_ACCEPTANCE,
};
use twitchwatch_model::{MotorEvent, MotorEventKind, SensorBatch, TimestampMs};

/// Hops per spectral window.
const TICKS_PER_WINDOW: usize = 8;
/// Ticks kept after being decided (for the twitch burst check looking back).
const TICK_HISTORY: usize = 6;
const PENDING_TWITCH_CAP: usize = 256;
const SPASM_CAND_CAP: usize = 32;
const PENDING_SPASM_CAP: usize = 8;
/// Spasm runs this close together are one spasm (the continuation window of `from_still`).
const SPASM_MERGE_MS: i64 = 3_000;
/// A candidate twitch within this long after a data gap is a splice artefact.
const GAP_GUARD_S: f32 = 0.08;
/// Time constant of the leak on the integrated turning, s: longer than the slow band's periods.
const TILT_LEAK_S: f32 = 5.0;

/// What a finished hop of samples accumulated.
#[derive(Debug, Clone, Copy, Default)]
struct Tick {
    index: u64,
    start_us: i64,
    end_us: i64,
    samples: u32,
    gyro_ss: f32,
    gyro_n: u32,
    /// Quick reversals of the angular rate (summed over axes) that ended in this hop.
    gyro_reversals: u32,
    /// Energy in the tremor band (decimated path), to place tremor edges within a window.
    tremor_ss: f32,
    tremor_n: u32,
    /// The same for the angular rate (deg/s), when the hop had a gyroscope.
    gyro_tremor_ss: f32,
    gyro_tremor_n: u32,
    /// Sum of the decimated acceleration (`tremor_n` samples): the hop's mean is its posture.
    accel_sum: [f32; 3],
    twitch_cands: u32,
    /// Sum of the twitch-band energy over the hop's samples, and the floor median at its end.
    twitch_energy_sum: f32,
    twitch_floor: f32,
    /// Energy bumps of twitch size or a little smaller that began in this hop.
    twitch_bumps: u32,
    class: Option<TickClass>,
    rhythmic: bool,
    /// Slow-band (0.3–2.2 Hz) energy of the acceleration and of the gravity change that the
    /// gyroscope's turning explains (g², summed over axes), over `tilt_n` decimated samples that
    /// had a gyroscope.
    slow_accel_ss: f32,
    tilt_ss: f32,
    tilt_n: u32,
    /// `slow_still` of the window that decided this hop.
    slow_still: bool,
}

/// One axis of the reversal counter: the current lobe of the angular rate beyond the lobe
/// threshold, and the lobe before it.
#[derive(Debug, Clone, Copy, Default)]
struct Lobe {
    sign: i8,
    peak: f32,
    start_k: u64,
    prev_sign: i8,
    prev_peak: f32,
    prev_end_k: u64,
}

/// Counts over the hops of a tremble run.
#[derive(Debug, Clone, Copy, Default)]
struct TrembleCounts {
    hops: u32,
    reversals: u32,
    reversing_hops: u32,
    shifted_hops: u32,
    periodic_hops: u32,
}

/// A stretch of rotation that began from a still hand: a spasm if it keeps reversing direction
/// while the hand is held away from where it was (a contraction's tremble), not if it turns
/// smoothly one way and back (a reach).
#[derive(Debug, Clone, Copy)]
struct TrembleRun {
    start_ms: TimestampMs,
    /// End of the last hop that reversed: the run ends there.
    end_ms: TimestampMs,
    ref_posture_g: Option<[f32; 3]>,
    all: TrembleCounts,
    /// `all` as it stood after the last hop that reversed.
    through_last_reversal: TrembleCounts,
    quiet_hops: u32,
    peak_rms_g: f32,
}

#[derive(Debug, Clone, Copy)]
struct SpasmRun {
    start_n: u64,
    last_hot_n: u64,
    peak_rms_g: f32,
    /// Filled in as the ticks it covers are decided.
    ticks_total: u32,
    ticks_rhythmic: u32,
    closed: bool,
    /// Hot blocks in the run: a contraction is hot nearly throughout, typing only at each key.
    hot_blocks: u32,
    /// The posture the hand held just before the spasm began (the last hop before a run that began
    /// still; a continuation inherits it from the spasm it continues).
    ref_posture_g: Option<[f32; 3]>,
    /// Decided hops of the run whose posture differs from `ref_posture_g` by the posture shift.
    ticks_shifted: u32,
    /// The hand was still (or already in a spasm) when the run began. Large broadband activity that
    /// grows out of voluntary movement is that movement, as with twitches (docs/classifier.md).
    from_still: bool,
    /// The hand itself was still when the run began (not merely a continuation of a spasm).
    began_still: bool,
    /// Sums over the decided hops of the run: the window's slow (voluntary-band) RMS and the share
    /// of its 0.5–12 Hz power above 3 Hz.
    slow_rms_sum: f32,
    high_fraction_sum: f32,
    /// The part of the run decided before it was known to be long enough has been added to the
    /// minutes' spasm time.
    backfilled: bool,
}

#[derive(Debug, Clone, Copy)]
struct TremorRun {
    start_ms: TimestampMs,
    end_ms: TimestampMs,
    hops: u32,
    gap: u32,
    weighted_freq: f64,
    weight: f64,
    peak_g: f32,
    confidence_sum: f32,
    counted: bool,
    /// The run resumes `held_tremor`: it is merged into it, not reported by itself.
    continues_held: bool,
}

impl TremorRun {
    fn freq_hz(&self) -> f32 {
        (self.weighted_freq / self.weight.max(1e-12)) as f32
    }

    /// Append a later run of the same bout (the gap between them is not counted as tremor hops).
    fn extend(&mut self, later: &TremorRun) {
        self.end_ms = later.end_ms;
        self.hops += later.hops;
        self.weighted_freq += later.weighted_freq;
        self.weight += later.weight;
        self.peak_g = self.peak_g.max(later.peak_g);
        self.confidence_sum += later.confidence_sum;
    }
}

/// The hop holds the hand at least the posture shift away from `reference` (false when either
/// posture is unknown).
fn held_away(cfg: &ClassifierConfig, reference: Option<[f32; 3]>, t: &Tick) -> bool {
    let (Some(a), Some(b)) = (reference, tick_posture(t)) else {
        return false;
    };
    let d2: f32 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
    d2.sqrt() >= cfg.spasm_posture_shift_g
}

/// Mean acceleration over a hop (its posture: mostly gravity), if it has decimated samples.
fn tick_posture(t: &Tick) -> Option<[f32; 3]> {
    (t.tremor_n > 0).then(|| t.accel_sum.map(|v| v / t.tremor_n as f32))
}

/// Every spectral condition for a tremor window except the autocorrelation second opinion. With a
/// gyroscope throughout the window its spectrum decides (signals.md: open pipelines detect rest
/// tremor on the gyroscope, where a small real tremor still shows a clear peak); otherwise the
/// accelerometer's. Physiological tremor (8–12 Hz) is in every hand, so at and above
/// `tremor_physiological_hz` only an oscillation larger than a healthy hand's counts.
fn tremor_candidate(
    cfg: &ClassifierConfig,
    f: &WindowFeatures,
    gyro: Option<&WindowFeatures>,
) -> bool {
    let in_band = |hz: f32| (cfg.tremor_band_hz.0 - 0.2..=cfg.tremor_band_hz.1 + 0.5).contains(&hz);
    match gyro {
        Some(g) => {
            let physiological = g.peak_freq_hz >= cfg.tremor_physiological_hz;
            let (min_dps, min_g) = if physiological {
                (
                    cfg.tremor_physiological_min_dps,
                    cfg.tremor_physiological_min_g,
                )
            } else {
                (cfg.tremor_min_gyro_dps, 0.0)
            };
            in_band(g.peak_freq_hz)
                && !g.harmonic_of_voluntary
                && g.concentration >= cfg.tremor_min_concentration
                && g.prominence >= cfg.tremor_min_prominence
                && g.peak_amplitude_g >= min_dps
                && f.peak_amplitude_g >= min_g
        }
        None => {
            let min_g = if f.peak_freq_hz >= cfg.tremor_physiological_hz {
                cfg.tremor_physiological_min_g
            } else {
                cfg.tremor_min_amplitude_g
            };
            in_band(f.peak_freq_hz)
                && !f.harmonic_of_voluntary
                && f.concentration >= cfg.tremor_min_concentration
                && f.prominence >= cfg.tremor_min_prominence
                && f.peak_amplitude_g >= min_g
        }
    }
}

/// The window's slow acceleration, before any of it is put down to turning, is within the
/// voluntary limit: the stillness a twitch is judged in.
fn slow_still(cfg: &ClassifierConfig, f: &WindowFeatures) -> bool {
    f.voluntary_rms_g <= cfg.voluntary_accel_rms_g
}

/// Hops a tremor run needs before it is an event. A small rhythm at rest is no voluntary act, so
/// a few hops do; scratching, drumming the fingers or cutting food are rhythms of tens of mg or
/// more that last seconds, so a rhythm that large must outlast such bursts.
fn required_tremor_hops(cfg: &ClassifierConfig, peak_g: f32) -> u32 {
    if peak_g >= cfg.tremor_large_g {
        cfg.tremor_large_min_hops.max(cfg.tremor_min_hops)
    } else {
        cfg.tremor_min_hops
    }
}

/// Rate-dependent state. Rebuilt when the rate changes or after a long gap.
struct Engine {
    fs: f32,
    decim: usize,
    hop_n: u64,
    n: u64,
    anchor_n: u64,
    anchor_us: i64,
    last_gap_n: Option<u64>,

    twitch: TwitchDetector,
    spasm_band: Cascade3,
    antialias: Cascade3,
    tremor_band: Cascade3,
    /// Gyro context runs at the decimated rate on block means: it only needs < 1.5 Hz.
    gyro_hp: Cascade3,
    gyro_lp: Cascade3,
    /// The turning about horizontal axes, integrated to an angle (rad, leaky so that what is left
    /// of a bias cannot build up), and the slow band of it and of the acceleration.
    tilt_angle: [f32; 3],
    tilt_leak: f32,
    tilt_dt_s: f32,
    tilt_band: Cascade3,
    slow_accel_band: Cascade3,
    gyro_primed: bool,
    gyro_sum: [f32; 3],
    gyro_count: u32,
    /// Reversal counter: per axis lobes, decimated gyro sample index, and the reversal window in
    /// decimated samples.
    gyro_lobes: [Lobe; 3],
    gyro_k: u64,
    reversal_k: u64,
    tremble: Option<TrembleRun>,
    /// Decimated angular rate (block means, deg/s) for the tremor spectrum: a ring like
    /// `dec_ring`, its running per-axis sum, and how many decimated samples in a row had one.
    gyro_ring: Vec<[f32; 3]>,
    gyro_ring_pos: usize,
    gyro_ring_sum: [f64; 3],
    gyro_run: usize,
    gyro_spectral: SpectralAnalyzer,
    gyro_tremor_band: Cascade3,
    gyro_band_primed: bool,
    /// The gyroscope's view of the latest window, when the whole window had one.
    gyro_features: Option<WindowFeatures>,
    /// The last decided hop rotated less than the lobe threshold.
    prev_hop_still: bool,
    primed: bool,

    decim_phase: usize,
    dec_ring: Vec<[f32; 3]>,
    dec_pos: usize,
    /// Running per-axis sum of `dec_ring` (the window mean without a pass over it).
    dec_sum: [f64; 3],
    dec_filled: usize,
    spectral: SpectralAnalyzer,

    sub_len: u32,
    sub_n: u32,
    sub_ss: f32,
    spasm_thresh_ss: f32,
    /// Reference posture of the latest spasm that began still, for runs that continue it.
    spasm_ref_g: Option<[f32; 3]>,
    /// Spasms held back until no continuation or tremble run can extend them. (A few: the envelope
    /// can report part of a spasm before the tremble run covering all of it ends. Capacity
    /// `PENDING_SPASM_CAP`, never grown.)
    pending_spasms: Vec<MotorEvent>,
    spasm_gap_n: u64,
    spasm_min_n: u64,
    spasm_runs: VecDeque<SpasmRun>,

    cur: Tick,
    ticks: VecDeque<Tick>,
    next_to_decide: u64,
    last_features: Option<WindowFeatures>,
    /// Class of the most recently decided tick.
    last_class: Option<TickClass>,
    /// A spasm that began with the hand still continues until this sample (3 s after its last activity).
    still_spasm_until_n: Option<u64>,
    /// `SPASM_MERGE_MS` in samples.
    spasm_continue_n: u64,
    pending_twitches: VecDeque<TwitchCandidate>,
    /// The tremor run in progress.
    tremor: Option<TremorRun>,
    /// The last finished tremor bout, not yet reported: a run that resumes it soon, at its
    /// frequency, extends it (`tremor_merge_gap_s`).
    held_tremor: Option<TremorRun>,
}

impl Engine {
    fn new(cfg: &ClassifierConfig, fs: f32, start_us: i64) -> Self {
        // Decimate the tremor/context path to 50–100 Hz: tremor needs < 25 Hz, and a 4 s FFT at
        // 1 kHz would cost 20× more for nothing.
        let decim = ((fs / 50.0).floor() as usize).max(1);
        let fs_t = fs / decim as f32;
        let hop_t = ((fs_t * cfg.hop_s).round() as usize).max(2);
        let win_t = hop_t * TICKS_PER_WINDOW;
        let hop_n = (hop_t * decim) as u64;
        let ms = |v: f32| ((v / 1000.0 * fs).round() as u64).max(1);
        let sub_len = ((cfg.spasm_block_ms / 1000.0 * fs).round() as u32).max(2);
        let params = TwitchParams {
            threshold_mads: cfg.twitch_threshold_mads,
            smooth_ms: cfg.twitch_smooth_ms,
            min_peak_g: cfg.twitch_min_peak_g,
            max_duration_samples: ms(cfg.twitch_max_duration_ms),
            refractory_samples: ms(cfg.twitch_refractory_ms),
        };
        let antialias = if decim > 1 {
            Cascade::butterworth4(Type::LowPass, fs, 0.4 * fs_t)
        } else {
            Cascade::identity()
        };
        Self {
            fs,
            decim,
            hop_n,
            n: 0,
            anchor_n: 0,
            anchor_us: start_us,
            last_gap_n: None,
            twitch: TwitchDetector::new(fs, cfg.twitch_band_hz, params),
            spasm_band: Cascade3::new(Cascade::butterworth2(
                Type::HighPass,
                fs,
                cfg.spasm_band_low_hz,
            )),
            antialias: Cascade3::new(antialias),
            tremor_band: Cascade3::new(Cascade::band(fs_t, 2.5, 13.0)),
            gyro_hp: Cascade3::new(Cascade::butterworth2(Type::HighPass, fs_t, 0.05)),
            gyro_lp: Cascade3::new(Cascade::butterworth4(Type::LowPass, fs_t, 1.5)),
            tilt_angle: [0.0; 3],
            tilt_leak: 1.0 - 1.0 / (TILT_LEAK_S * fs_t),
            tilt_dt_s: 1.0 / fs_t,
            tilt_band: Cascade3::new(Cascade::band(fs_t, VOLUNTARY_LOW_HZ, VOLUNTARY_HIGH_HZ)),
            slow_accel_band: Cascade3::new(Cascade::band(
                fs_t,
                VOLUNTARY_LOW_HZ,
                VOLUNTARY_HIGH_HZ,
            )),
            gyro_primed: false,
            gyro_sum: [0.0; 3],
            gyro_count: 0,
            gyro_lobes: [Lobe::default(); 3],
            gyro_k: 0,
            reversal_k: (cfg.spasm_tremble_reversal_ms / 1000.0 * fs_t).round() as u64,
            tremble: None,
            gyro_ring: vec![[0.0; 3]; win_t],
            gyro_ring_pos: 0,
            gyro_ring_sum: [0.0; 3],
            gyro_run: 0,
            gyro_spectral: SpectralAnalyzer::new(fs_t, win_t, cfg.tremor_band_hz),
            gyro_tremor_band: Cascade3::new(Cascade::band(fs_t, 2.5, 13.0)),
            gyro_band_primed: false,
            gyro_features: None,
            prev_hop_still: false,
            primed: false,
            decim_phase: 0,
            dec_ring: vec![[0.0; 3]; win_t],
            dec_pos: 0,
            dec_sum: [0.0; 3],
            dec_filled: 0,
            spectral: SpectralAnalyzer::new(fs_t, win_t, cfg.tremor_band_hz),
            sub_len,
            sub_n: 0,
            sub_ss: 0.0,
            spasm_thresh_ss: cfg.spasm_min_rms_g * cfg.spasm_min_rms_g * sub_len as f32,
            spasm_ref_g: None,
            pending_spasms: Vec::with_capacity(PENDING_SPASM_CAP),
            spasm_gap_n: ms(cfg.spasm_max_gap_ms),
            spasm_min_n: ms(cfg.spasm_min_duration_ms),
            spasm_runs: VecDeque::with_capacity(SPASM_CAND_CAP),
            cur: Tick {
                start_us,
                ..Tick::default()
            },
            ticks: VecDeque::with_capacity(TICKS_PER_WINDOW + TICK_HISTORY + 4),
            next_to_decide: 0,
            last_features: None,
            last_class: None,
            still_spasm_until_n: None,
            spasm_continue_n: ms(SPASM_MERGE_MS as f32),
            pending_twitches: VecDeque::with_capacity(PENDING_TWITCH_CAP),
            tremor: None,
            held_tremor: None,
        }
    }

    fn time_us(&self, n: u64) -> i64 {
        let dn = n as f64 - self.anchor_n as f64;
        self.anchor_us + (dn * 1e6 / self.fs as f64).round() as i64
    }

    fn time_ms(&self, n: u64) -> TimestampMs {
        self.time_us(n).div_euclid(1000)
    }

    #[inline]
    fn push_sample(
        &mut self,
        cfg: &ClassifierConfig,
        accel: [f32; 3],
        gyro: Option<[f32; 3]>,
        out: &mut Sink,
    ) {
        if !self.primed {
            self.primed = true;
            self.twitch.band_mut().prime(accel);
            self.spasm_band.prime(accel);
            self.antialias.prime(accel);
            self.tremor_band.prime(accel);
        }
        let n = self.n;
        if self.cur.samples == 0 {
            self.cur.index = n / self.hop_n;
            self.cur.start_us = self.time_us(n);
        }

        let (_, cand) = self.twitch.push(n, accel);
        self.cur.twitch_energy_sum += self.twitch.energy();
        if let Some(c) = cand {
            self.accept_candidate(c);
        }

        let s = self.spasm_band.run(accel);
        self.sub_ss += s[0] * s[0] + s[1] * s[1] + s[2] * s[2];
        self.sub_n += 1;
        if self.sub_n == self.sub_len {
            self.finish_sub_block(cfg, n);
        }

        if let Some(g) = gyro {
            for (sum, v) in self.gyro_sum.iter_mut().zip(g) {
                *sum += v;
            }
            self.gyro_count += 1;
        }

        let d = self.antialias.run(accel);
        self.decim_phase += 1;
        if self.decim_phase == self.decim {
            self.decim_phase = 0;
            if self.gyro_count > 0 {
                self.push_gyro_mean(cfg, d);
            } else {
                self.gyro_run = 0;
            }
            let b = self.tremor_band.run(d);
            self.cur.tremor_ss += b[0] * b[0] + b[1] * b[1] + b[2] * b[2];
            self.cur.tremor_n += 1;
            for (sum, v) in self.cur.accel_sum.iter_mut().zip(d) {
                *sum += v;
            }
            let old = std::mem::replace(&mut self.dec_ring[self.dec_pos], d);
            for ((sum, new), old) in self.dec_sum.iter_mut().zip(d).zip(old) {
                *sum += f64::from(new) - f64::from(old);
            }
            self.dec_pos += 1;
            if self.dec_pos == self.dec_ring.len() {
                self.dec_pos = 0;
                // Re-sum once per lap so rounding cannot drift over a day.
                self.dec_sum = [0.0; 3];
                for v in &self.dec_ring {
                    for (sum, x) in self.dec_sum.iter_mut().zip(v) {
                        *sum += f64::from(*x);
                    }
                }
            }
            self.dec_filled = (self.dec_filled + 1).min(self.dec_ring.len());
        }

        self.n += 1;
        self.cur.samples += 1;
        if u64::from(self.cur.samples) == self.hop_n {
            self.close_tick(cfg, out);
        }
    }

    /// One decimated gyro sample: the mean of the block (a boxcar anti-alias, ample for < 1.5 Hz).
    fn push_gyro_mean(&mut self, cfg: &ClassifierConfig, accel: [f32; 3]) {
        let k = 1.0 / self.gyro_count as f32;
        let g = self.gyro_sum.map(|v| v * k);
        self.gyro_sum = [0.0; 3];
        self.gyro_count = 0;
        self.push_gyro_tremor(g);
        if !self.gyro_primed {
            // Start the bias high-pass in its steady state, as the accelerometer paths do.
            self.gyro_primed = true;
            self.gyro_hp.prime(g);
            self.slow_accel_band.prime(accel);
        }
        let unbiased = self.gyro_hp.run(g);
        self.push_tilt(unbiased, accel);
        let g = self.gyro_lp.run(unbiased);
        self.cur.gyro_ss += g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
        self.cur.gyro_n += 1;
        self.count_reversals(cfg, g);
    }

    /// How much of the slow acceleration the turning explains. Turning about a horizontal axis by
    /// θ moves gravity by about θ g (θ in radians); turning about the vertical moves it not at all.
    /// The angle about horizontal axes is the integral of the angular rate less its part along
    /// gravity (the window's mean acceleration; the gyroscope's axes are the accelerometer's, as
    /// on every IMU). Energies, not signals, are compared, so neither its sign convention nor a
    /// mirrored mounting matters (docs/imu-motion-facts.md).
    /// (Assumes turning and translation are uncorrelated; a translation that goes with a turn is
    /// partly excused.)
    fn push_tilt(&mut self, rate_dps: [f32; 3], accel: [f32; 3]) {
        let filled = self.dec_filled.max(1) as f64;
        let mean = self.dec_sum.map(|v| (v / filled) as f32);
        let norm = (mean[0] * mean[0] + mean[1] * mean[1] + mean[2] * mean[2]).sqrt();
        let down = if norm > 0.1 {
            mean.map(|v| v / norm)
        } else {
            [0.0; 3]
        };
        let along = rate_dps[0] * down[0] + rate_dps[1] * down[1] + rate_dps[2] * down[2];
        for (i, angle) in self.tilt_angle.iter_mut().enumerate() {
            let horizontal = (rate_dps[i] - along * down[i]).to_radians();
            *angle = *angle * self.tilt_leak + horizontal * self.tilt_dt_s;
        }
        let t = self.tilt_band.run(self.tilt_angle);
        let a = self.slow_accel_band.run(accel);
        self.cur.tilt_ss += t[0] * t[0] + t[1] * t[1] + t[2] * t[2];
        self.cur.slow_accel_ss += a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
        self.cur.tilt_n += 1;
    }

    /// The tremor path of the angular rate: the window ring and the hop's tremor-band energy.
    fn push_gyro_tremor(&mut self, g: [f32; 3]) {
        if !self.gyro_band_primed {
            self.gyro_band_primed = true;
            self.gyro_tremor_band.prime(g);
        }
        let b = self.gyro_tremor_band.run(g);
        self.cur.gyro_tremor_ss += b[0] * b[0] + b[1] * b[1] + b[2] * b[2];
        self.cur.gyro_tremor_n += 1;
        let old = std::mem::replace(&mut self.gyro_ring[self.gyro_ring_pos], g);
        for ((sum, new), old) in self.gyro_ring_sum.iter_mut().zip(g).zip(old) {
            *sum += f64::from(new) - f64::from(old);
        }
        self.gyro_ring_pos += 1;
        if self.gyro_ring_pos == self.gyro_ring.len() {
            self.gyro_ring_pos = 0;
            self.gyro_ring_sum = [0.0; 3];
            for v in &self.gyro_ring {
                for (sum, x) in self.gyro_ring_sum.iter_mut().zip(v) {
                    *sum += f64::from(*x);
                }
            }
        }
        self.gyro_run = self.gyro_run.saturating_add(1);
    }

    /// Counts quick reversals of the (band-limited) angular rate, per axis: a lobe beyond the lobe
    /// threshold that begins soon after a lobe of the other sign ended, the two of comparable size.
    /// A contraction's tremble reverses again and again; a reach turns, holds, and turns back once;
    /// a fast turn's filter ring is a small lobe and does not count.
    fn count_reversals(&mut self, cfg: &ClassifierConfig, g: [f32; 3]) {
        self.gyro_k += 1;
        let k = self.gyro_k;
        for (lobe, v) in self.gyro_lobes.iter_mut().zip(g) {
            let now: i8 = if v > cfg.spasm_tremble_lobe_dps {
                1
            } else if v < -cfg.spasm_tremble_lobe_dps {
                -1
            } else {
                0
            };
            if lobe.sign != 0 && now == lobe.sign {
                lobe.peak = lobe.peak.max(v.abs());
                continue;
            }
            if lobe.sign != 0 {
                // The lobe is over: judge it against the one before.
                if lobe.prev_sign == -lobe.sign
                    && lobe.start_k.saturating_sub(lobe.prev_end_k) <= self.reversal_k
                    && lobe.peak.min(lobe.prev_peak)
                        >= cfg.spasm_tremble_lobe_ratio * lobe.peak.max(lobe.prev_peak)
                {
                    self.cur.gyro_reversals += 1;
                }
                lobe.prev_sign = lobe.sign;
                lobe.prev_peak = lobe.peak;
                lobe.prev_end_k = k;
                lobe.sign = 0;
            }
            if now != 0 {
                lobe.sign = now;
                lobe.peak = v.abs();
                lobe.start_k = k;
            }
        }
    }

    fn accept_candidate(&mut self, c: TwitchCandidate) {
        let guard = (GAP_GUARD_S * self.fs) as u64;
        if self
            .last_gap_n
            .is_some_and(|g| c.start_n <= g + guard && c.end_n + guard >= g)
        {
            return;
        }
        let tick = c.start_n / self.hop_n;
        if let Some(t) = self.ticks.iter_mut().rev().find(|t| t.index == tick) {
            t.twitch_cands += 1;
        } else if self.cur.index == tick {
            self.cur.twitch_cands += 1;
        }
        if self.pending_twitches.len() < PENDING_TWITCH_CAP {
            self.pending_twitches.push_back(c);
        }
    }

    fn finish_sub_block(&mut self, cfg: &ClassifierConfig, n: u64) {
        let hot = self.sub_ss > self.spasm_thresh_ss;
        let (sub_ss, sub_len) = (self.sub_ss, self.sub_len as f32);
        let rms = || (sub_ss / sub_len).sqrt();
        self.sub_ss = 0.0;
        self.sub_n = 0;
        if !hot && self.spasm_runs.back().is_none_or(|r| r.closed) {
            return; // the common case: quiet, and no run to extend or close
        }
        let sub_start = n + 1 - u64::from(self.sub_len);
        let open = self.spasm_runs.back_mut().filter(|r| !r.closed);
        match (open, hot) {
            (Some(run), true) => {
                run.last_hot_n = n;
                run.hot_blocks += 1;
                run.peak_rms_g = run.peak_rms_g.max(rms());
                // Only a spasm continues itself: a run that began still, long and sustained
                // enough to be one. (Any short burst from still used to qualify, so the first
                // keystrokes of typing made all the typing after them "from still", burst by burst.)
                let r = *run;
                if r.began_still
                    || r.from_still
                        && r.last_hot_n.saturating_sub(r.start_n) >= self.spasm_min_n
                        && self.sustained(cfg, &r)
                {
                    self.still_spasm_until_n = Some(n + self.spasm_continue_n);
                }
            }
            (Some(run), false) => {
                if n.saturating_sub(run.last_hot_n) > self.spasm_gap_n {
                    run.closed = true;
                    if run.last_hot_n.saturating_sub(run.start_n) < self.spasm_min_n {
                        self.spasm_runs.pop_back();
                    }
                }
            }
            (None, true) => {
                if self.spasm_runs.len() >= SPASM_CAND_CAP {
                    // Only reachable when candidates outpace decisions; drop the oldest unfinished.
                    self.spasm_runs.pop_front();
                }
                let began_still = self.last_class.is_some_and(|c| c != TickClass::Moving);
                let continues = self
                    .still_spasm_until_n
                    .is_some_and(|until| sub_start <= until);
                // A run that continues a spasm keeps the posture from before that spasm (the hop
                // just before it is the spasm itself, and `last_class` may be Spasm).
                let ref_posture_g = if continues {
                    self.spasm_ref_g
                } else if began_still {
                    // `began_still` means hops have been decided, so the last finished one exists.
                    self.spasm_ref_g = self.ticks.back().and_then(tick_posture);
                    self.spasm_ref_g
                } else {
                    None
                };
                self.spasm_runs.push_back(SpasmRun {
                    start_n: sub_start,
                    last_hot_n: n,
                    peak_rms_g: rms(),
                    hot_blocks: 1,
                    ref_posture_g,
                    ticks_shifted: 0,
                    ticks_total: 0,
                    ticks_rhythmic: 0,
                    closed: false,
                    // A spasm's own slow turning reads as movement; a run soon after a spasm
                    // that began still is the same spasm continuing.
                    began_still,
                    slow_rms_sum: 0.0,
                    high_fraction_sum: 0.0,
                    backfilled: false,
                    from_still: began_still || continues,
                });
            }
            (None, false) => {}
        }
    }

    fn close_tick(&mut self, cfg: &ClassifierConfig, out: &mut Sink) {
        let mut tick = self.cur;
        tick.end_us = self.time_us(self.n);
        tick.twitch_floor = self.twitch.floor_median();
        tick.twitch_bumps = self.twitch.take_bumps();
        self.ticks.push_back(tick);
        self.cur = Tick::default();
        if self.dec_filled == self.dec_ring.len() {
            let features = self.analyse_window(cfg);
            let last = tick.index;
            let decide_through = last.saturating_sub(TICKS_PER_WINDOW as u64 / 2 - 1);
            self.decide_until(cfg, decide_through, &features, out);
            self.last_features = Some(features);
        }
    }

    fn analyse_window(&mut self, cfg: &ClassifierConfig) -> WindowFeatures {
        let len = self.dec_ring.len().max(1) as f64;
        let mean = self.dec_sum.map(|s| (s / len) as f32);
        let accel = Ring {
            samples: &self.dec_ring,
            oldest: self.dec_pos,
            mean,
        };
        let mut f;
        if self.gyro_run >= self.gyro_ring.len() {
            let gyro = Ring {
                samples: &self.gyro_ring,
                oldest: self.gyro_ring_pos,
                mean: self.gyro_ring_sum.map(|s| (s / len) as f32),
            };
            let (a, g) = self
                .spectral
                .analyse_ring_pair(accel, &mut self.gyro_spectral, gyro);
            f = a;
            self.gyro_features = Some(g);
        } else {
            f = self
                .spectral
                .analyse_ring(accel.samples, accel.oldest, accel.mean);
            self.gyro_features = None;
        }
        // The autocorrelation is an inverse FFT; only two decisions read it: whether a tremor
        // candidate is periodic, and whether an open spasm run is rhythmic. Neither applies at
        // rest or in plain movement, which is most of a day.
        let candidate = tremor_candidate(cfg, &f, self.gyro_features.as_ref());
        if !self.spasm_runs.is_empty() || candidate {
            (f.periodicity, f.periodicity_short) = self.spectral.periodicity();
        }
        if candidate {
            if let Some(g) = self.gyro_features.as_mut() {
                (g.periodicity, g.periodicity_short) = self.gyro_spectral.periodicity();
            }
        }
        f
    }

    /// The window's slow acceleration (RMS, g) less the part its turning explains, when a
    /// gyroscope covered every hop of it.
    fn window_translation_rms(&self) -> Option<f32> {
        let (a, t, n, hops) = self.ticks.iter().rev().take(TICKS_PER_WINDOW).fold(
            (0.0f32, 0.0f32, 0u32, 0usize),
            |(a, t, n, h), k| {
                (
                    a + k.slow_accel_ss,
                    t + k.tilt_ss,
                    n + k.tilt_n,
                    h + usize::from(k.tilt_n > 0),
                )
            },
        );
        (hops == TICKS_PER_WINDOW && n > 0).then(|| ((a - t).max(0.0) / n as f32).sqrt())
    }

    fn window_gyro_rms(&self) -> Option<f32> {
        let (ss, n) = self
            .ticks
            .iter()
            .rev()
            .take(TICKS_PER_WINDOW)
            .fold((0.0f32, 0u32), |(s, n), t| (s + t.gyro_ss, n + t.gyro_n));
        (n > 0).then(|| (ss / n as f32).sqrt())
    }

    /// Decide ticks up to and including `through` with the window `f`.
    fn decide_until(
        &mut self,
        cfg: &ClassifierConfig,
        through: u64,
        f: &WindowFeatures,
        out: &mut Sink,
    ) {
        let gyro_rms = self.window_gyro_rms();
        let translation_rms = self.window_translation_rms();
        while self.next_to_decide <= through {
            let m = self.next_to_decide;
            self.next_to_decide += 1;
            let Some(pos) = self.ticks.iter().position(|t| t.index == m) else {
                continue;
            };
            self.decide_tick(cfg, pos, f, gyro_rms, translation_rms, out);
        }
        // Forget ticks no longer needed by the burst check.
        while self
            .ticks
            .front()
            .is_some_and(|t| t.index + (TICK_HISTORY as u64) < self.next_to_decide)
        {
            self.ticks.pop_front();
        }
    }

    fn spasm_cover(&self, cfg: &ClassifierConfig, tick_index: u64) -> (f32, bool) {
        let (a, b) = (tick_index * self.hop_n, (tick_index + 1) * self.hop_n);
        let mut cover = 0u64;
        for r in &self.spasm_runs {
            if !self.is_spasm(cfg, r) {
                continue;
            }
            let (s, e) = (r.start_n.max(a), (r.last_hot_n + 1).min(b));
            if e > s {
                cover += e - s;
            }
        }
        let near = self.spasm_runs.iter().any(|r| {
            r.start_n < b + self.hop_n && r.last_hot_n + self.hop_n > a && r.last_hot_n > r.start_n
        });
        (cover as f32 / self.hop_n as f32, near)
    }

    fn decide_tick(
        &mut self,
        cfg: &ClassifierConfig,
        pos: usize,
        f: &WindowFeatures,
        gyro_rms: Option<f32>,
        translation_rms: Option<f32>,
        out: &mut Sink,
    ) {
        let Some(tick) = self.ticks.get(pos).copied() else {
            return;
        };
        let gyro = self.gyro_features;
        // The spectrum that decides tremor: the gyroscope's when it covered the window.
        let tf = gyro.as_ref().unwrap_or(f);
        let rhythmic_window =
            tremor_candidate(cfg, f, gyro.as_ref()) && tf.periodicity >= cfg.tremor_min_periodicity;
        // The window sees 4 s; this hop must itself carry the rhythm, or the event edges would
        // spread by up to 2 s either side.
        let tick_amp = match gyro {
            Some(_) => (2.0 * tick.gyro_tremor_ss / tick.gyro_tremor_n.max(1) as f32).sqrt(),
            None => (2.0 * tick.tremor_ss / tick.tremor_n.max(1) as f32).sqrt(),
        };
        let rhythmic = rhythmic_window && tick_amp >= 0.5 * tf.peak_amplitude_g;
        // A strong tremor leaks a little below 2.2 Hz; only call it movement when the slow part
        // is large next to the rhythm.
        let vol_limit = if rhythmic_window {
            cfg.voluntary_accel_rms_g.max(0.1 * f.peak_amplitude_g)
        } else {
            cfg.voluntary_accel_rms_g
        };
        // A resting hand turns by a few degrees a second (signals.md: idle hands 0.5–10 °/s, which
        // the gyroscope's own limit bounds), and a degree or two of slow turning tilts gravity by
        // 17–35 mg. With a gyroscope, what that turning explains is not counted as the arm moving.
        let slow_rms = translation_rms.map_or(f.voluntary_rms_g, |t| t.min(f.voluntary_rms_g));
        let moving = slow_rms > vol_limit
            || f.harmonic_of_voluntary && slow_rms > 0.5 * cfg.voluntary_accel_rms_g
            || gyro_rms.is_some_and(|g| g > cfg.voluntary_gyro_rms_dps);
        let not_worn = f.broadband_rms_g < cfg.not_worn_rms_g && gyro_rms.is_none_or(|g| g < 0.5);
        let (spasm_cover, spasm_near) = self.spasm_cover(cfg, tick.index);

        // Periodic or smooth movement is voluntary (walking, reaching), whatever its size.
        let periodic = f.periodicity_short > cfg.spasm_max_periodicity
            || f.high_fraction < cfg.spasm_min_high_fraction;
        let class = if spasm_cover >= 0.5 && !rhythmic_window && !periodic {
            TickClass::Spasm
        } else if rhythmic && !moving {
            let edges = cfg.tremor_severity_edges_g;
            let sev = edges.iter().filter(|&&e| f.peak_amplitude_g >= e).count() as u8;
            TickClass::Tremor(sev)
        } else if moving {
            TickClass::Moving
        } else if not_worn {
            TickClass::NotWorn
        } else {
            TickClass::Rest
        };
        self.last_class = Some(class);
        if let Some(t) = self.ticks.get_mut(pos) {
            t.class = Some(class);
            t.rhythmic = rhythmic;
            t.slow_still = slow_still(cfg, f);
        }
        let (start_ms, end_ms) = (tick.start_us.div_euclid(1000), tick.end_us.div_euclid(1000));
        out.minutes.add_tick(start_ms, end_ms, class);
        if class == TickClass::Spasm {
            let covered_ms = ((end_ms - start_ms) as f32 * spasm_cover.min(1.0)) as i64;
            out.minutes.add_spasm_time(start_ms, start_ms + covered_ms);
        }
        self.backfill_spasm_time(cfg, start_ms, class == TickClass::Spasm, out);

        self.judge_twitches(cfg, tick, class, spasm_near, f, out);
        self.step_tremor(cfg, tick, class, f, tf.peak_freq_hz, out);
        let prev_posture = pos
            .checked_sub(1)
            .and_then(|p| self.ticks.get(p))
            .filter(|t| t.index + 1 == tick.index)
            .and_then(tick_posture);
        self.step_tremble(cfg, tick, prev_posture, rhythmic_window || periodic, f, out);
        self.step_spasms(cfg, tick, rhythmic_window || periodic, f, out);
        out.minutes.close_through(end_ms - 2_000, out.minute_out);
    }

    /// A run is known to be long enough only `spasm_min_duration_ms` after it began, later than
    /// the hops at its start are decided. At the first hop decided once it qualifies as a spasm,
    /// if that hop is called Spasm, the time from the run's start up to it joins the minutes'
    /// spasm time (minutes already emitted keep what they had). A run that qualifies at a hop
    /// called something else (periodic, rhythmic) gets nothing back: those hops were judged with
    /// the run in view.
    fn backfill_spasm_time(
        &mut self,
        cfg: &ClassifierConfig,
        decided_from_ms: TimestampMs,
        hop_is_spasm: bool,
        out: &mut Sink,
    ) {
        for i in 0..self.spasm_runs.len() {
            let r = self.spasm_runs[i];
            if r.backfilled || !self.is_spasm(cfg, &r) {
                continue;
            }
            self.spasm_runs[i].backfilled = true;
            let start_ms = self.time_ms(r.start_n);
            if hop_is_spasm && start_ms < decided_from_ms {
                out.minutes.add_spasm_time(start_ms, decided_from_ms);
            }
        }
    }

    fn judge_twitches(
        &mut self,
        cfg: &ClassifierConfig,
        tick: Tick,
        class: TickClass,
        spasm_near: bool,
        f: &WindowFeatures,
        out: &mut Sink,
    ) {
        let burst: u32 = self
            .ticks
            .iter()
            .filter(|t| t.index + 2 >= tick.index && t.index <= tick.index + 2)
            .map(|t| t.twitch_cands)
            .sum();
        // The hand must also have been still for the hops just before (taps and clicks come in the
        // middle of activity, fasciculations at rest).
        // Twitches are judged in the slow band before any of it is put down to turning: a lone
        // tap or scroll on a hand that sways a little looks like a twitch, where a tremor shows
        // its own persistent rhythm.
        let still = |t: &Tick| {
            t.class.is_none()
                || t.slow_still
                    && matches!(t.class, Some(TickClass::Rest) | Some(TickClass::NotWorn))
        };
        let still_before = self
            .ticks
            .iter()
            .filter(|t| t.index < tick.index && t.index + TICK_HISTORY as u64 >= tick.index)
            .all(still);
        let hop_still = class == TickClass::Rest && slow_still(cfg, f);
        // The hand must be otherwise still around the twitch: the hops around it (not its own hop
        // or the next, which the twitch itself fills) stay near the wearer's floor in the twitch
        // band. Typing, tapping and scrolling keep them raised between the impacts that cross the
        // threshold.
        let floor = tick.twitch_floor;
        let active_hops_around = self
            .ticks
            .iter()
            .filter(|t| {
                t.index + 4 >= tick.index
                    && t.index <= tick.index + 3
                    && !(tick.index..=tick.index + 1).contains(&t.index)
                    && t.samples > 0
            })
            .filter(|t| {
                floor.is_finite()
                    && t.twitch_energy_sum / t.samples as f32
                        > cfg.twitch_max_activity_ratio * floor
            })
            .count() as u32;
        let bumps_in = |from_before: u64, to_after: u64, skip_own: bool| -> u32 {
            self.ticks
                .iter()
                .filter(|t| {
                    t.index + from_before >= tick.index
                        && t.index <= tick.index + to_after
                        && !(skip_own && (tick.index..=tick.index + 1).contains(&t.index))
                })
                .map(|t| t.twitch_bumps)
                .sum()
        };
        let bumps_around = bumps_in(6, 3, true);
        let bumps_wide = bumps_in(6, 3, false);
        let bumps_near = bumps_in(2, 2, false);
        let end_n = (tick.index + 1) * self.hop_n;
        while self
            .pending_twitches
            .front()
            .is_some_and(|c| c.start_n < end_n)
        {
            let Some(c) = self.pending_twitches.pop_front() else {
                break;
            };
            let refused_by = if !hop_still {
                Some(TwitchGate::HopNotAtRest)
            } else if spasm_near {
                Some(TwitchGate::SpasmNear)
            } else if burst > cfg.twitch_burst_limit {
                Some(TwitchGate::Burst)
            } else if !still_before {
                Some(TwitchGate::MovedBefore)
            } else {
                None
            };
            let gated = refused_by.is_none();
            let start_ms = self.time_ms(c.start_n);
            let end_ms = self.time_ms(c.end_n).max(start_ms + 1);
            let features = TwitchFeatures {
                log10_margin: c.margin.max(1.0).log10(),
                // The candidate's own later lobes are not activity around it.
                bumps_wide: bumps_wide.saturating_sub(c.own_bumps - 1) as f32,
                bumps_near: bumps_near.saturating_sub(c.own_bumps - 1) as f32,
                busy_hops: active_hops_around as f32,
                duration_100ms: (self.time_ms(c.core_end_n).max(start_ms + 1) - start_ms) as f32
                    / 100.0,
                bumps_around: bumps_around as f32,
            };
            let probability = if gated {
                TWITCH_ACCEPTANCE.probability(&features)
            } else {
                0.0
            };
            let accepted = gated && probability >= cfg.twitch_min_probability;
            if cfg.record_twitch_candidates {
                out.twitch_candidates.push(TwitchCandidateRecord {
                    start_ms,
                    end_ms,
                    peak_g: c.peak_g,
                    gated,
                    refused_by,
                    features,
                    probability,
                    accepted,
                });
            }
            if !accepted {
                continue;
            }
            // The model's certainty and distance from the voluntary limit both raise confidence.
            let stillness =
                (1.0 - f.voluntary_rms_g / cfg.voluntary_accel_rms_g.max(1e-6)).clamp(0.0, 1.0);
            let confidence = (0.5 + 0.3 * probability + 0.2 * stillness).clamp(0.0, 1.0);
            out.minutes.add_twitch(start_ms);
            out.events.push(MotorEvent {
                kind: MotorEventKind::Fasciculation,
                start_ms,
                end_ms,
                peak_accel_g: c.peak_g,
                dominant_freq_hz: None,
                confidence,
            });
        }
    }

    fn step_tremor(
        &mut self,
        cfg: &ClassifierConfig,
        tick: Tick,
        class: TickClass,
        f: &WindowFeatures,
        freq_hz: f32,
        out: &mut Sink,
    ) {
        let (start_ms, end_ms) = (tick.start_us.div_euclid(1000), tick.end_us.div_euclid(1000));
        if let TickClass::Tremor(_) = class {
            let conc_margin = ((f.concentration - cfg.tremor_min_concentration)
                / (1.0 - cfg.tremor_min_concentration).max(1e-3))
            .clamp(0.0, 1.0);
            let amp_margin = (f.peak_amplitude_g / cfg.tremor_min_amplitude_g.max(1e-6))
                .max(1.0)
                .log10()
                .min(1.0);
            let conf = 0.5 + 0.25 * conc_margin + 0.25 * amp_margin;
            let w = f64::from(f.peak_amplitude_g);
            let starts = self.tremor.is_none();
            let continues_held = starts
                && self.held_tremor.is_some_and(|held| {
                    start_ms.saturating_sub(held.end_ms) as f32 <= 1000.0 * cfg.tremor_merge_gap_s
                        && (held.freq_hz() - freq_hz).abs() <= cfg.tremor_merge_max_freq_diff_hz
                });
            if starts && !continues_held {
                // Another tremor, or not soon: the held bout is complete.
                self.report_held_tremor(cfg, out);
            }
            let run = self.tremor.get_or_insert(TremorRun {
                start_ms,
                end_ms,
                hops: 0,
                gap: 0,
                weighted_freq: 0.0,
                weight: 0.0,
                peak_g: 0.0,
                confidence_sum: 0.0,
                // A continuation is part of a bout already counted in its minute.
                counted: continues_held,
                continues_held,
            });
            run.end_ms = end_ms;
            run.hops += 1;
            run.gap = 0;
            run.weighted_freq += w * f64::from(freq_hz);
            run.weight += w;
            run.peak_g = run.peak_g.max(f.peak_amplitude_g);
            run.confidence_sum += conf;
            if !run.counted && run.hops >= required_tremor_hops(cfg, run.peak_g) {
                run.counted = true;
                out.minutes.add_tremor_event(run.start_ms);
            }
        } else if let Some(run) = self.tremor.as_mut() {
            // A rhythm that fades for a moment (up to `tremor_max_gap_hops`) is the same bout; a
            // voluntary movement ends it. Rest tremor is a rhythm of the arm at rest, and a rhythm
            // resumed between movements that recur every few seconds is a task's (handwriting's
            // strokes between its line shifts), so such a bout must reach its length by itself.
            run.gap += 1;
            if run.gap > cfg.tremor_max_gap_hops || class == TickClass::Moving {
                self.close_tremor(cfg);
            }
        }
        if self.tremor.is_none() {
            let waited_long_enough = self.held_tremor.is_some_and(|held| {
                end_ms.saturating_sub(held.end_ms) as f32 > 1000.0 * cfg.tremor_merge_gap_s
            });
            if waited_long_enough {
                self.report_held_tremor(cfg, out);
            }
        }
    }

    /// End the run in progress: it extends the held bout it resumes, becomes the held bout if it
    /// is long enough to be one by itself, or is forgotten. The caller reports the held bout once
    /// nothing can extend it any more.
    fn close_tremor(&mut self, cfg: &ClassifierConfig) {
        let Some(run) = self.tremor.take() else {
            return;
        };
        if run.continues_held {
            if let Some(held) = self.held_tremor.as_mut() {
                held.extend(&run);
                return;
            }
        }
        if run.hops >= required_tremor_hops(cfg, run.peak_g) {
            self.held_tremor = Some(run);
        }
    }

    fn report_held_tremor(&mut self, cfg: &ClassifierConfig, out: &mut Sink) {
        let Some(run) = self.held_tremor.take() else {
            return;
        };
        let persistence = (run.hops as f32 / (2 * cfg.tremor_min_hops) as f32).min(1.0);
        out.events.push(MotorEvent {
            kind: MotorEventKind::Tremor,
            start_ms: run.start_ms,
            end_ms: run.end_ms,
            peak_accel_g: run.peak_g,
            dominant_freq_hz: Some(run.freq_hz()),
            confidence: (run.confidence_sum / run.hops as f32) * (0.8 + 0.2 * persistence),
        });
    }

    fn step_spasms(
        &mut self,
        cfg: &ClassifierConfig,
        tick: Tick,
        rhythmic: bool,
        f: &WindowFeatures,
        out: &mut Sink,
    ) {
        let (a, b) = (tick.index * self.hop_n, (tick.index + 1) * self.hop_n);
        for r in self.spasm_runs.iter_mut() {
            if r.start_n < b && r.last_hot_n >= a {
                r.ticks_total += 1;
                r.ticks_rhythmic += u32::from(rhythmic);
                r.slow_rms_sum += f.voluntary_rms_g;
                r.high_fraction_sum += f.high_fraction;
                r.ticks_shifted += u32::from(held_away(cfg, r.ref_posture_g, &tick));
            }
        }
        while let Some(r) = self.spasm_runs.front().copied() {
            if !(r.closed && r.last_hot_n < b) {
                break;
            }
            self.spasm_runs.pop_front();
            self.emit_spasm(cfg, r, out);
        }
        self.release_spasm(Some(tick.end_us.div_euclid(1000)), out);
    }

    /// A contraction is sustained: its envelope is hot most of the time, or (a smaller one) it
    /// holds the hand away from its posture before the spasm for most of the run.
    fn sustained(&self, cfg: &ClassifierConfig, r: &SpasmRun) -> bool {
        let held = r.ticks_total > 0
            && r.ticks_shifted as f32 >= cfg.spasm_posture_share * r.ticks_total as f32;
        self.duty(r) >= cfg.spasm_min_duty || held
    }

    /// Share of the run's 25 ms blocks that were hot.
    fn duty(&self, r: &SpasmRun) -> f32 {
        let blocks = (r.last_hot_n + 1).saturating_sub(r.start_n) / u64::from(self.sub_len);
        r.hot_blocks as f32 / blocks.max(1) as f32
    }

    /// Everything that makes a run a spasm event, on the hops decided so far: long enough, from a
    /// still hand, sustained, mostly not rhythmic, and moving the hand. The minutes' spasm time
    /// follows the same test, so that it counts only what is (or will be) reported as spasm.
    fn is_spasm(&self, cfg: &ClassifierConfig, r: &SpasmRun) -> bool {
        if r.last_hot_n.saturating_sub(r.start_n) < self.spasm_min_n
            || !r.from_still
            || !self.sustained(cfg, r)
        {
            return false;
        }
        let hops = r.ticks_total.max(1) as f32;
        // A spasm moves the hand (signals.md: "large low-frequency displacement"): its slow part is
        // large, or it dominates. Keystrokes right after the hand was put on the keyboard are mostly
        // above 3 Hz on a small slow movement.
        let keystrokes = r.high_fraction_sum / hops >= cfg.spasm_max_high_fraction
            && r.slow_rms_sum / hops < cfg.spasm_min_slow_rms_g;
        (r.ticks_rhythmic as f32) < 0.5 * hops && !keystrokes
    }

    fn emit_spasm(&mut self, cfg: &ClassifierConfig, r: SpasmRun, out: &mut Sink) {
        if !self.is_spasm(cfg, &r) {
            return;
        }
        let rhythmic_frac = r.ticks_rhythmic as f32 / r.ticks_total.max(1) as f32;
        let strength = (r.peak_rms_g / cfg.spasm_min_rms_g.max(1e-6))
            .max(1.0)
            .log10()
            .min(1.0);
        let event = MotorEvent {
            kind: MotorEventKind::Spasm,
            start_ms: self.time_ms(r.start_n),
            end_ms: self.time_ms(r.last_hot_n + 1),
            peak_accel_g: r.peak_rms_g * std::f32::consts::SQRT_2,
            dominant_freq_hz: None,
            confidence: (0.5 + 0.3 * strength + 0.2 * (1.0 - 2.0 * rhythmic_frac)).clamp(0.0, 1.0),
        };
        self.offer_spasm(event, out);
    }

    /// A long contraction's envelope can go quiet for more than a run's gap, and the tremble path
    /// can find the same spasm as the envelope: spasms that overlap or follow within the
    /// continuation window are one, reported once.
    fn offer_spasm(&mut self, event: MotorEvent, out: &mut Sink) {
        let mut e = event;
        let joins = |p: &MotorEvent, e: &MotorEvent| {
            e.start_ms - p.end_ms <= SPASM_MERGE_MS && p.start_ms - e.end_ms <= SPASM_MERGE_MS
        };
        while let Some(i) = self.pending_spasms.iter().position(|p| joins(p, &e)) {
            let p = self.pending_spasms.swap_remove(i);
            e.start_ms = e.start_ms.min(p.start_ms);
            e.end_ms = e.end_ms.max(p.end_ms);
            e.peak_accel_g = e.peak_accel_g.max(p.peak_accel_g);
            e.confidence = e.confidence.max(p.confidence);
        }
        if self.pending_spasms.len() >= PENDING_SPASM_CAP {
            // Only reachable with spasms every few seconds for minutes: report the oldest now.
            if let Some(i) =
                (0..self.pending_spasms.len()).min_by_key(|&i| self.pending_spasms[i].start_ms)
            {
                out.events.push(self.pending_spasms.swap_remove(i));
            }
        }
        self.pending_spasms.push(e);
    }

    /// The gyroscope's view of a spasm (see `TrembleRun`). Without a gyroscope it does nothing.
    fn step_tremble(
        &mut self,
        cfg: &ClassifierConfig,
        tick: Tick,
        prev_posture: Option<[f32; 3]>,
        periodic: bool,
        f: &WindowFeatures,
        out: &mut Sink,
    ) {
        if tick.gyro_n == 0 {
            self.close_tremble(cfg, out);
            self.prev_hop_still = false;
            return;
        }
        let rate = (tick.gyro_ss / tick.gyro_n as f32).sqrt();
        let active = rate >= cfg.spasm_tremble_active_dps;
        let (start_ms, end_ms) = (tick.start_us.div_euclid(1000), tick.end_us.div_euclid(1000));
        if self.tremble.is_none() && active && self.prev_hop_still {
            self.tremble = Some(TrembleRun {
                start_ms,
                end_ms,
                ref_posture_g: prev_posture,
                all: TrembleCounts::default(),
                through_last_reversal: TrembleCounts::default(),
                quiet_hops: 0,
                peak_rms_g: 0.0,
            });
        }
        self.prev_hop_still = rate < cfg.spasm_tremble_lobe_dps;
        let Some(run) = self.tremble.as_mut() else {
            return;
        };
        run.quiet_hops = if active { 0 } else { run.quiet_hops + 1 };
        if run.quiet_hops > 1 {
            self.close_tremble(cfg, out);
            return;
        }
        let shifted = held_away(cfg, run.ref_posture_g, &tick);
        let c = &mut run.all;
        c.hops += 1;
        c.reversals += tick.gyro_reversals;
        c.reversing_hops += u32::from(tick.gyro_reversals > 0);
        c.shifted_hops += u32::from(shifted);
        c.periodic_hops += u32::from(periodic);
        run.peak_rms_g = run.peak_rms_g.max(f.broadband_rms_g);
        if tick.gyro_reversals > 0 {
            run.through_last_reversal = run.all;
            run.end_ms = end_ms;
        }
    }

    fn close_tremble(&mut self, cfg: &ClassifierConfig, out: &mut Sink) {
        let Some(run) = self.tremble.take() else {
            return;
        };
        let c = run.through_last_reversal;
        let n = c.hops as f32;
        let dur_s = n * cfg.hop_s;
        let spasm = c.hops > 0
            && dur_s * 1000.0 >= cfg.spasm_tremble_min_duration_ms
            && c.reversals as f32 >= cfg.spasm_tremble_reversals_per_s * dur_s
            && c.reversing_hops as f32 >= cfg.spasm_tremble_reversing_share * n
            && c.shifted_hops as f32 >= cfg.spasm_posture_share * n
            && (c.periodic_hops as f32) < 0.5 * n;
        if !spasm {
            return;
        }
        // Its hops were decided before the run was known to be a spasm; the minutes still open
        // (all but those over two seconds before the latest decision) get its time now. Time the
        // envelope already called spasm is not counted twice.
        out.minutes.add_spasm_time(run.start_ms, run.end_ms);
        let rate_margin =
            (c.reversals as f32 / dur_s / (2.0 * cfg.spasm_tremble_reversals_per_s)).min(1.0);
        let held = c.shifted_hops as f32 / n;
        self.offer_spasm(
            MotorEvent {
                kind: MotorEventKind::Spasm,
                start_ms: run.start_ms,
                end_ms: run.end_ms,
                peak_accel_g: run.peak_rms_g * std::f32::consts::SQRT_2,
                dominant_freq_hz: None,
                confidence: (0.5 + 0.25 * rate_margin + 0.25 * held).clamp(0.0, 1.0),
            },
            out,
        );
    }

    /// Report the held spasm once nothing can extend it any more: decisions have passed its end by
    /// the merge window and no run is open (`None` = end of stream).
    fn release_spasm(&mut self, decided_through_ms: Option<TimestampMs>, out: &mut Sink) {
        while let Some(i) = (0..self.pending_spasms.len())
            .filter(|&i| {
                let end_ms = self.pending_spasms[i].end_ms;
                // An open tremble run that began by then may still extend this spasm.
                let tremble_may_merge = self
                    .tremble
                    .is_some_and(|t| t.start_ms <= end_ms + SPASM_MERGE_MS);
                decided_through_ms.is_none_or(|t| {
                    t > end_ms + SPASM_MERGE_MS && self.spasm_runs.is_empty() && !tremble_may_merge
                })
            })
            .min_by_key(|&i| self.pending_spasms[i].start_ms)
        {
            out.events.push(self.pending_spasms.swap_remove(i));
        }
    }

    /// Decide everything still open (end of stream or a long gap).
    fn flush(&mut self, cfg: &ClassifierConfig, out: &mut Sink) {
        if self.cur.samples > 0 {
            let mut tick = self.cur;
            tick.end_us = self.time_us(self.n);
            self.ticks.push_back(tick);
            self.cur = Tick::default();
        }
        // Close the open spasm run at the last sample.
        if let Some(r) = self.spasm_runs.back_mut() {
            if !r.closed {
                r.closed = true;
            }
        }
        let last = self.ticks.back().map(|t| t.index);
        let features = if self.dec_filled == self.dec_ring.len() {
            Some(self.analyse_window(cfg))
        } else {
            self.last_features
        };
        if let (Some(last), Some(f)) = (last, features) {
            self.decide_until(cfg, last, &f, out);
        }
        self.close_tremor(cfg);
        self.report_held_tremor(cfg, out);
        while let Some(r) = self.spasm_runs.pop_front() {
            if features.is_some() {
                self.emit_spasm(cfg, r, out);
            }
        }
        self.close_tremble(cfg, out);
        self.release_spasm(None, out);
        self.pending_twitches.clear();
    }
}

/// Where decisions go: the caller's output plus the minute book.
struct Sink<'a> {
    events: &'a mut Vec<MotorEvent>,
    minutes: &'a mut MinuteBook,
    minute_out: &'a mut Vec<twitchwatch_model::MinuteSummary>,
    twitch_candidates: &'a mut Vec<TwitchCandidateRecord>,
}

/// Incremental classifier. Feed batches in time order; see docs/classifier.md.
pub struct StreamingClassifier {
    config: ClassifierConfig,
    engine: Option<Engine>,
    minutes: MinuteBook,
    expected_next_us: Option<i64>,
}

impl StreamingClassifier {
    pub fn new(config: ClassifierConfig) -> Self {
        Self {
            config,
            engine: None,
            minutes: MinuteBook::new(),
            expected_next_us: None,
        }
    }

    pub fn config(&self) -> &ClassifierConfig {
        &self.config
    }

    pub fn push_batch(
        &mut self,
        batch: &SensorBatch,
        out: &mut ClassifierOutput,
    ) -> Result<(), ClassifyError> {
        if let Err(e) = validate(batch) {
            // The samples are gone as far as the summary is concerned; say so.
            let lost = u32::try_from(batch.len()).unwrap_or(u32::MAX);
            self.minutes.add_samples(
                batch.first_sample_us.div_euclid(1000),
                0,
                lost.saturating_add(batch.samples_lost_before),
            );
            return Err(e);
        }
        let fs = batch.sample_rate_hz;
        let dt_us = 1e6 / f64::from(fs);
        let max_gap_us = f64::from(self.config.max_gap_ms) * 1000.0;
        let mut skip = 0usize;
        let restart = match (&self.engine, self.expected_next_us) {
            (Some(engine), Some(expected)) if engine.fs == fs => {
                let delta = (batch.first_sample_us - expected) as f64;
                if delta.abs() > max_gap_us {
                    true
                } else {
                    if delta < -0.5 * dt_us {
                        // Overlap: a duplicated or re-sent batch. Keep only what is new.
                        skip = ((-delta / dt_us).round() as usize).min(batch.len());
                    }
                    false
                }
            }
            (None, _) => true,
            _ => true,
        };
        let cfg = self.config.clone();
        if restart {
            if let Some(mut old) = self.engine.take() {
                let mut sink = Sink {
                    events: &mut out.events,
                    minutes: &mut self.minutes,
                    minute_out: &mut out.minutes,
                    twitch_candidates: &mut out.twitch_candidates,
                };
                old.flush(&cfg, &mut sink);
            }
            self.engine = Some(Engine::new(&cfg, fs, batch.first_sample_us));
        }
        let Some(engine) = self.engine.as_mut() else {
            return Ok(());
        };
        let new_samples = batch.len() - skip;
        if skip > 0 && new_samples == 0 {
            return Ok(()); // a pure duplicate: already counted, already classified
        }
        // A re-sent batch's loss report was already counted with its first copy.
        let lost_before = if skip > 0 {
            0
        } else {
            batch.samples_lost_before
        };
        let batch_start_us = batch.first_sample_us + (skip as f64 * dt_us).round() as i64;
        if let Some(expected) = self.expected_next_us {
            if !restart && (batch_start_us - expected) as f64 > 1.5 * dt_us {
                engine.last_gap_n = Some(engine.n);
            }
        }
        if lost_before > 0 && !restart {
            engine.last_gap_n = Some(engine.n);
        }
        engine.anchor_n = engine.n;
        engine.anchor_us = batch_start_us;
        self.minutes.add_samples(
            batch_start_us.div_euclid(1000),
            u32::try_from(new_samples).unwrap_or(u32::MAX),
            lost_before,
        );
        if new_samples > 0 {
            self.expected_next_us =
                Some(batch_start_us + (new_samples as f64 * dt_us).round() as i64);
        } else if self.expected_next_us.is_none() {
            self.expected_next_us = Some(batch_start_us);
        }
        let mut sink = Sink {
            events: &mut out.events,
            minutes: &mut self.minutes,
            minute_out: &mut out.minutes,
            twitch_candidates: &mut out.twitch_candidates,
        };
        let has_gyro = batch.has_gyro();
        for i in skip..batch.len() {
            let (Some(&a), g) = (batch.accel_g.get(i), batch.gyro_dps.get(i).copied()) else {
                break;
            };
            engine.push_sample(&cfg, a, if has_gyro { g } else { None }, &mut sink);
        }
        Ok(())
    }

    pub fn finish(&mut self, out: &mut ClassifierOutput) {
        let cfg = self.config.clone();
        if let Some(mut engine) = self.engine.take() {
            let mut sink = Sink {
                events: &mut out.events,
                minutes: &mut self.minutes,
                minute_out: &mut out.minutes,
                twitch_candidates: &mut out.twitch_candidates,
            };
            engine.flush(&cfg, &mut sink);
        }
        self.minutes.close_all(&mut out.minutes);
        self.expected_next_us = None;
        out.events.sort_by_key(|e| e.start_ms);
    }
}

//! Transient (fasciculation) candidates: the twitch band (3–30 Hz: a motor-unit twitch contracts
//! for 35–100 ms and relaxes for 25–110 ms, signals.md), its smoothed energy against a rolling
//! median/MAD floor of the wearer's own micro-movement, with hysteresis, a refractory period and a
//! maximum duration. Before its energy is measured, the band's predictable part (the wearer's own
//! physiological tremor) is taken out by a whitening filter fitted to the floor (`whiten.rs`).
//!
//! Energy is the squared band-passed amplitude, not the Teager–Kaiser operator: TKEO weighs each
//! component by its frequency squared, which favours the sensor's white noise over a twitch whose
//! energy sits at 3–15 Hz.

use super::filters::{Cascade, Cascade3};
use super::whiten::Whitener;

/// How many smoothed-energy values the noise floor remembers (one every two smoothing lengths:
/// 6 s at 1 kHz, 15 s at 100 Hz).
const FLOOR_LEN: usize = 256;
/// Smoothing lengths per remembered value: 256 values estimate a median and MAD well enough,
/// and each selection costs half of what 512 did.
const FLOOR_STRIDE: usize = 2;
/// Recompute the median/MAD after this many new values (0.8 s at 1 kHz, 1.9 s at 100 Hz, of a
/// 6–15 s memory): the two selections are the detector's largest cost, and the floor moves slowly.
/// (A sorted view updated per value, with the MAD walked out from the median, measured slower:
/// two memmoves and unpredictable branches per value.)
const FLOOR_EVERY: usize = 32;
/// A bump of energy above this share of the detection threshold counts as a movement nearby.
const MINOR_FRACTION: f32 = 0.5;
/// Values needed before the floor is trusted.
const FLOOR_WARMUP: usize = 64;

/// The bits of a non-negative energy, with -0, NaN and anything negative as +0, so that integer
/// order is numeric order.
#[inline]
fn order_bits(e: f32) -> u32 {
    if e > 0.0 {
        e.to_bits()
    } else {
        0
    }
}

/// Median (element n/2) and median absolute deviation (element n/2 of |x − median|) of
/// `order_bits` values, by two integer selections; `s` is reordered and overwritten.
fn median_and_mad(s: &mut [u32]) -> (f32, f32) {
    let mid = s.len() / 2;
    if mid >= s.len() {
        return (0.0, 0.0);
    }
    let med = f32::from_bits(*s.select_nth_unstable(mid).1);
    for v in s.iter_mut() {
        *v = order_bits((f32::from_bits(*v) - med).abs());
    }
    let mad = f32::from_bits(*s.select_nth_unstable(mid).1);
    (med, mad)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwitchCandidate {
    pub start_n: u64,
    pub end_n: u64,
    /// Peak |band-passed acceleration| during the candidate, g.
    pub peak_g: f32,
    /// Peak smoothed energy over the detection threshold (≥ 1).
    pub margin: f32,
    /// Where its energy last stood above a tenth of its own peak: its length measured against
    /// itself, so that a large twitch's band-pass tail does not make it look long.
    pub core_end_n: u64,
    /// Energy bumps (see `TwitchDetector::take_bumps`) that belong to the candidate itself: the
    /// one it began with and any that began while it lasted (a large twitch's later lobes).
    pub own_bumps: u32,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Idle,
    Active {
        start_n: u64,
        last_above_n: u64,
        core_end_n: u64,
        own_bumps: u32,
        peak_g: f32,
        peak_e: f32,
    },
    /// Lasted longer than a twitch can: wait for quiet, emit nothing.
    TooLong {
        last_above_n: u64,
    },
}

pub struct TwitchParams {
    pub threshold_mads: f32,
    pub smooth_ms: f32,
    pub min_peak_g: f32,
    pub max_duration_samples: u64,
    pub refractory_samples: u64,
}

pub struct TwitchDetector {
    band: Cascade3,
    /// Takes the predictable part of the wearer's floor (physiological tremor) out of the band
    /// before its energy is measured.
    whitener: Whitener,
    smooth: Vec<f32>,
    smooth_pos: usize,
    smooth_sum: f32,
    inv_smooth_len: f32,
    since_floor_push: usize,
    /// Bit patterns of non-negative f32 energies: they order like the numbers, and integer
    /// selection is about twice as fast as `total_cmp`.
    floor_ring: Vec<u32>,
    scratch: Vec<u32>,
    floor_pos: usize,
    floor_filled: usize,
    since_floor_update: usize,
    threshold: f32,
    /// The last `recent.len()` smoothed energies (a ring at `recent_pos`): on a crossing, the
    /// onset is found by walking back to where the energy left the floor, since a twitch's
    /// energy peaks well after it starts (its contraction takes 35–100 ms).
    recent: Vec<f32>,
    recent_pos: usize,
    /// The floor's median energy (the wearer's own micro-movement in the twitch band).
    floor_median: f32,
    /// The latest smoothed energy.
    last_energy: f32,
    /// Bumps of energy above `MINOR_FRACTION` of the threshold (twitch-sized or a little
    /// smaller), counted once each: a resting hand has few, typing and tapping many.
    minor_up: bool,
    minor_count: u32,
    /// Where the last counted bump began: the lobes of one twitch or tap are one bump.
    minor_last_n: u64,
    /// A bump was counted at the latest sample.
    bump_began: bool,
    params: TwitchParams,
    state: State,
    /// Group delay of the energy path in samples (half the smoother).
    delay: u64,
}

impl TwitchDetector {
    pub fn new(fs_hz: f32, band_hz: (f32, f32), params: TwitchParams) -> Self {
        // At least 3 samples of smoothing, so single-sample noise does not trigger.
        let smooth_len = ((params.smooth_ms / 1000.0 * fs_hz).round() as usize).max(3);
        let band = Cascade::band(fs_hz, band_hz.0, band_hz.1);
        Self {
            band: Cascade3::new(band),
            whitener: Whitener::new(fs_hz, band),
            smooth: vec![0.0; smooth_len],
            smooth_pos: 0,
            smooth_sum: 0.0,
            inv_smooth_len: 1.0 / smooth_len as f32,
            since_floor_push: 0,
            floor_ring: vec![0; FLOOR_LEN],
            floor_pos: 0,
            floor_filled: 0,
            since_floor_update: 0,
            scratch: vec![0; FLOOR_LEN],
            threshold: f32::INFINITY,
            // 200 ms of look-back.
            recent: vec![0.0; ((0.2 * fs_hz) as usize).max(4)],
            recent_pos: 0,
            floor_median: f32::INFINITY,
            last_energy: 0.0,
            minor_up: false,
            minor_count: 0,
            minor_last_n: 0,
            bump_began: false,
            params,
            state: State::Idle,
            delay: smooth_len as u64 / 2,
        }
    }

    /// Energy bumps (see `minor_count`) since the last call.
    pub fn take_bumps(&mut self) -> u32 {
        std::mem::take(&mut self.minor_count)
    }

    /// The smoothed twitch-band energy of the latest sample, g².
    pub fn energy(&self) -> f32 {
        self.last_energy
    }

    /// Median twitch-band energy of the wearer's recent floor, g² (infinite until warmed up).
    pub fn floor_median(&self) -> f32 {
        self.floor_median
    }

    pub fn band_mut(&mut self) -> &mut Cascade3 {
        &mut self.band
    }

    /// Feed one sample (index `n`); returns the band-passed vector (reused by the spasm path) and
    /// a finished candidate, if one just closed.
    #[inline]
    pub fn push(&mut self, n: u64, accel_g: [f32; 3]) -> ([f32; 3], Option<TwitchCandidate>) {
        let x = self.band.run(accel_g);
        let w = self
            .whitener
            .run(x, !matches!(self.state, State::Active { .. }));
        let tk = w[0] * w[0] + w[1] * w[1] + w[2] * w[2];
        self.smooth_sum += tk - self.smooth[self.smooth_pos];
        self.smooth[self.smooth_pos] = tk;
        self.smooth_pos += 1;
        if self.smooth_pos == self.smooth.len() {
            self.smooth_pos = 0;
            // Re-sum once per lap so float drift cannot accumulate over a day.
            self.smooth_sum = self.smooth.iter().sum();
        }
        let e = (self.smooth_sum * self.inv_smooth_len).max(0.0);
        self.last_energy = e;
        self.bump_began = false;
        if !self.minor_up && e > MINOR_FRACTION * self.threshold {
            self.minor_up = true;
            if self.minor_count == 0 && self.minor_last_n == 0
                || n.saturating_sub(self.minor_last_n) > self.params.refractory_samples
            {
                self.minor_count += 1;
                self.bump_began = true;
            }
            self.minor_last_n = n;
        } else if self.minor_up && e < 0.5 * MINOR_FRACTION * self.threshold {
            self.minor_up = false;
        }
        self.recent[self.recent_pos] = e;
        self.recent_pos = (self.recent_pos + 1) % self.recent.len();

        self.since_floor_push += 1;
        if self.since_floor_push >= FLOOR_STRIDE * self.smooth.len() {
            self.since_floor_push = 0;
            self.push_floor(e);
        }
        (x, self.step(n, e, x))
    }

    fn push_floor(&mut self, e: f32) {
        self.floor_ring[self.floor_pos] = order_bits(e);
        self.floor_pos = (self.floor_pos + 1) % FLOOR_LEN;
        self.floor_filled = (self.floor_filled + 1).min(FLOOR_LEN);
        self.since_floor_update += 1;
        if self.floor_filled >= FLOOR_WARMUP && self.since_floor_update >= FLOOR_EVERY {
            self.since_floor_update = 0;
            let n = self.floor_filled;
            let s = &mut self.scratch[..n];
            s.copy_from_slice(&self.floor_ring[..n]);
            let (med, mad) = median_and_mad(s);
            self.floor_median = med.max(1e-14);
            let mad = (mad * 1.4826).max(med * 0.05).max(1e-14);
            self.threshold = med + self.params.threshold_mads * mad;
        }
    }

    /// The sample where the energy that just crossed `hi` (at `n`) rose out of the floor: the
    /// latest of the last 200 ms at which it was below twice the floor median (or a tenth of the
    /// threshold, whichever is higher).
    fn walk_back_onset(&self, n: u64, hi: f32) -> u64 {
        let base = (2.0 * self.floor_median).max(0.1 * hi);
        let len = self.recent.len();
        // `recent_pos - 1` holds sample n; walk to older samples.
        for back in 1..len {
            let i = (self.recent_pos + len - 1 - back) % len;
            if self.recent[i] <= base {
                return n.saturating_sub(back as u64);
            }
        }
        n.saturating_sub(len as u64 - 1)
    }

    fn step(&mut self, n: u64, e: f32, x: [f32; 3]) -> Option<TwitchCandidate> {
        // |x| is only needed inside a candidate; most samples are quiet.
        let amp = || (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt();
        let hi = self.threshold;
        let lo = 0.5 * hi;
        let onset = |n: u64, d: u64| n.saturating_sub(d);
        match self.state {
            State::Idle => {
                let start_n = if e > hi {
                    self.walk_back_onset(n, hi)
                } else {
                    n
                };
                if e > hi {
                    self.state = State::Active {
                        start_n: onset(start_n, self.delay),
                        last_above_n: n,
                        core_end_n: n,
                        own_bumps: 1,
                        peak_g: amp(),
                        peak_e: e,
                    };
                }
                None
            }
            State::Active {
                start_n,
                last_above_n,
                core_end_n,
                own_bumps,
                peak_g,
                peak_e,
            } => {
                // A twitch ends when its energy has fallen to a fiftieth of its own peak (or
                // below the floor's hysteresis): over a very quiet floor, the band-pass tail of a
                // large twitch would otherwise stay "above" for longer than any twitch lasts.
                let lo = lo.max(0.02 * peak_e.max(e));
                let last_above_n = if e > lo { n } else { last_above_n };
                if last_above_n.saturating_sub(start_n) > self.params.max_duration_samples {
                    self.state = State::TooLong { last_above_n };
                    return None;
                }
                if n.saturating_sub(last_above_n) > self.params.refractory_samples {
                    self.state = State::Idle;
                    let end_n = onset(last_above_n, self.delay).max(start_n + 1);
                    if peak_g >= self.params.min_peak_g {
                        return Some(TwitchCandidate {
                            start_n,
                            end_n,
                            peak_g,
                            margin: peak_e / hi.max(1e-20),
                            core_end_n: onset(core_end_n, self.delay).clamp(start_n + 1, end_n),
                            own_bumps,
                        });
                    }
                    return None;
                }
                let peak_e = peak_e.max(e);
                self.state = State::Active {
                    start_n,
                    last_above_n,
                    // Compared with the running peak: before the peak every sample counts anyway.
                    core_end_n: if e > 0.1 * peak_e { n } else { core_end_n },
                    own_bumps: own_bumps + u32::from(self.bump_began),
                    peak_g: peak_g.max(amp()),
                    peak_e,
                };
                None
            }
            State::TooLong { last_above_n } => {
                let last_above_n = if e > lo { n } else { last_above_n };
                self.state = if n.saturating_sub(last_above_n) > self.params.refractory_samples {
                    State::Idle
                } else {
                    State::TooLong { last_above_n }
                };
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{median_and_mad, order_bits};

    /// The reference: two selections, as the textbook definition reads.
    fn by_selection(values: &[f32]) -> (f32, f32) {
        let mut s = values.to_vec();
        let mid = s.len() / 2;
        let med = *s.select_nth_unstable_by(mid, f32::total_cmp).1;
        let mut dev: Vec<f32> = s.iter().map(|v| (v - med).abs()).collect();
        (med, *dev.select_nth_unstable_by(mid, f32::total_cmp).1)
    }

    #[test]
    fn median_and_mad_on_bits_match_float_selection() {
        let mut state = 12345u64;
        for n in [1usize, 2, 3, 128, 129, 511, 512] {
            for _ in 0..20 {
                let values: Vec<f32> = (0..n)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        let u = (state >> 40) as f32 / (1u64 << 24) as f32;
                        // Heavy-tailed, with ties: like smoothed TKEO energies.
                        (u * 8.0).exp().floor() * 1e-9
                    })
                    .collect();
                let mut bits: Vec<u32> = values.iter().map(|v| order_bits(*v)).collect();
                assert_eq!(median_and_mad(&mut bits), by_selection(&values), "n = {n}");
            }
        }
    }

    #[test]
    fn order_bits_sorts_like_the_numbers() {
        let mut values: Vec<f32> = (0..2000)
            .map(|i| ((i * 7919) % 2000) as f32 * 1e-7 * (1.0 + (i % 13) as f32))
            .chain([0.0, -0.0, 1e-30, f32::MIN_POSITIVE, 3.5, 1e10])
            .collect();
        let mut by_bits = values.clone();
        by_bits.sort_by_key(|v| order_bits(*v));
        values.sort_by(f32::total_cmp);
        // -0 and +0 are equal numbers; compare numerically.
        assert!(values.iter().zip(&by_bits).all(|(a, b)| a == b));
        assert_eq!(order_bits(-1.0), 0);
        assert_eq!(order_bits(f32::NAN), 0);
    }
}

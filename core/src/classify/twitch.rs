//! Transient (fasciculation) candidates: 5–100 Hz band, Teager–Kaiser energy against a rolling
//! median/MAD noise floor, with hysteresis, a refractory period and a maximum duration.

use super::filters::{Cascade, Cascade3};

/// How many smoothed-energy values the noise floor remembers (one every smoothing length).
const FLOOR_LEN: usize = 512;
/// Recompute the median/MAD after this many new values.
const FLOOR_EVERY: usize = 32;
/// Values needed before the floor is trusted.
const FLOOR_WARMUP: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwitchCandidate {
    pub start_n: u64,
    pub end_n: u64,
    /// Peak |band-passed acceleration| during the candidate, g.
    pub peak_g: f32,
    /// Peak smoothed energy over the detection threshold (≥ 1).
    pub margin: f32,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Idle,
    Active {
        start_n: u64,
        last_above_n: u64,
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
    pub min_peak_g: f32,
    pub max_duration_samples: u64,
    pub refractory_samples: u64,
}

pub struct TwitchDetector {
    band: Cascade3,
    prev1: [f32; 3],
    prev2: [f32; 3],
    smooth: Vec<f32>,
    smooth_pos: usize,
    smooth_sum: f32,
    since_floor_push: usize,
    floor_ring: Vec<f32>,
    floor_pos: usize,
    floor_filled: usize,
    since_floor_update: usize,
    scratch: Vec<f32>,
    threshold: f32,
    params: TwitchParams,
    state: State,
    /// Group delay of the energy path in samples (TKEO lag + half the smoother).
    delay: u64,
}

impl TwitchDetector {
    pub fn new(fs_hz: f32, band_hz: (f32, f32), params: TwitchParams) -> Self {
        // ~12 ms smoothing: about a twitch's main lobe; at least 3 samples so TKEO noise is tamed.
        let smooth_len = ((0.012 * fs_hz).round() as usize).max(3);
        Self {
            band: Cascade3::new(Cascade::band(fs_hz, band_hz.0, band_hz.1)),
            prev1: [0.0; 3],
            prev2: [0.0; 3],
            smooth: vec![0.0; smooth_len],
            smooth_pos: 0,
            smooth_sum: 0.0,
            since_floor_push: 0,
            floor_ring: vec![0.0; FLOOR_LEN],
            floor_pos: 0,
            floor_filled: 0,
            since_floor_update: 0,
            scratch: vec![0.0; FLOOR_LEN],
            threshold: f32::INFINITY,
            params,
            state: State::Idle,
            delay: 1 + smooth_len as u64 / 2,
        }
    }

    pub fn band_mut(&mut self) -> &mut Cascade3 {
        &mut self.band
    }

    /// Feed one sample (index `n`); returns the band-passed vector (reused by the spasm path) and
    /// a finished candidate, if one just closed.
    #[inline]
    pub fn push(&mut self, n: u64, accel_g: [f32; 3]) -> ([f32; 3], Option<TwitchCandidate>) {
        let x = self.band.run(accel_g);
        // Teager–Kaiser at n-1, summed over axes: x[n-1]² − x[n-2]·x[n].
        let (p1, p2) = (self.prev1, self.prev2);
        let tk = p1[0] * p1[0] - p2[0] * x[0] + p1[1] * p1[1] - p2[1] * x[1] + p1[2] * p1[2]
            - p2[2] * x[2];
        self.prev2 = self.prev1;
        self.prev1 = x;
        let tk = tk.max(0.0);
        self.smooth_sum += tk - self.smooth[self.smooth_pos];
        self.smooth[self.smooth_pos] = tk;
        self.smooth_pos += 1;
        if self.smooth_pos == self.smooth.len() {
            self.smooth_pos = 0;
            // Re-sum once per lap so float drift cannot accumulate over a day.
            self.smooth_sum = self.smooth.iter().sum();
        }
        let e = (self.smooth_sum / self.smooth.len() as f32).max(0.0);

        self.since_floor_push += 1;
        if self.since_floor_push >= self.smooth.len() {
            self.since_floor_push = 0;
            self.push_floor(e);
        }
        let amp = (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt();
        (x, self.step(n, e, amp))
    }

    fn push_floor(&mut self, e: f32) {
        self.floor_ring[self.floor_pos] = e;
        self.floor_pos = (self.floor_pos + 1) % FLOOR_LEN;
        self.floor_filled = (self.floor_filled + 1).min(FLOOR_LEN);
        self.since_floor_update += 1;
        if self.floor_filled >= FLOOR_WARMUP && self.since_floor_update >= FLOOR_EVERY {
            self.since_floor_update = 0;
            let n = self.floor_filled;
            let s = &mut self.scratch[..n];
            s.copy_from_slice(&self.floor_ring[..n]);
            let mid = n / 2;
            let (_, med, _) = s.select_nth_unstable_by(mid, f32::total_cmp);
            let med = *med;
            for v in s.iter_mut() {
                *v = (*v - med).abs();
            }
            let (_, mad, _) = s.select_nth_unstable_by(mid, f32::total_cmp);
            let mad = (*mad * 1.4826).max(med * 0.05).max(1e-14);
            self.threshold = med + self.params.threshold_mads * mad;
        }
    }

    fn step(&mut self, n: u64, e: f32, amp: f32) -> Option<TwitchCandidate> {
        let hi = self.threshold;
        let lo = 0.5 * hi;
        let onset = |n: u64, d: u64| n.saturating_sub(d);
        match self.state {
            State::Idle => {
                if e > hi {
                    self.state = State::Active {
                        start_n: onset(n, self.delay),
                        last_above_n: n,
                        peak_g: amp,
                        peak_e: e,
                    };
                }
                None
            }
            State::Active {
                start_n,
                last_above_n,
                peak_g,
                peak_e,
            } => {
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
                        });
                    }
                    return None;
                }
                self.state = State::Active {
                    start_n,
                    last_above_n,
                    peak_g: peak_g.max(amp),
                    peak_e: peak_e.max(e),
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

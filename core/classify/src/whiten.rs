//! A prediction-error (whitening) filter for the twitch band, fitted to the wearer's own floor.
//!
//! A resting hand's twitch-band floor is not white: physiological tremor (8–12 Hz, up to tens of
//! mg peak, signals.md) is a narrow, predictable oscillation, often larger than a small twitch.
//! An energy detector on that band then needs a twitch several times the tremor's size, since the
//! tremor's energy swings from zero to its peak twice a cycle and widens the floor's MAD. A linear
//! predictor fitted to the recent floor predicts the tremor from the samples just before and
//! leaves it out of its error; a twitch is a new event, not predictable from the floor, and stays.
//! Where the floor is only band-passed sensor noise the filter passes the band unchanged (below).
//!
//! "White" here means "shaped like the band-passed sensor noise", not flat: a predictor fitted to
//! the band-passed floor also learns the band's own shape, and removing that would restore the
//! slow part of every twitch that the band's 3 Hz edge took away, doubling how long a twitch on a
//! still hand looks. So the band's own predictor (fitted once, to the band-pass filter's impulse
//! response) is put back: the filter is A_floor(z) / A_band(z), which is exactly 1 when the floor
//! is band-passed white noise.
//!
//! The predictor works on a 100 Hz grid at every rate (lags of `round(fs/100)` samples): the band
//! ends at 30 Hz, and at 1 kHz a predictor over adjacent samples would learn only how smooth the
//! band-passed signal is and cancel a smooth twitch along with the tremor.

use super::filters::{Cascade, Cascade3};

/// Predictor order: enough for one narrow peak with its harmonic or two peaks (tremor and the
/// band's own shape).
const WHITEN_ORDER: usize = 4;
/// Grid on which the predictor's lags are spaced.
const GRID_HZ: f32 = 100.0;
/// Memory of the floor's autocorrelation: a few seconds, like the detector's own floor, so a
/// tremor that starts is learned within seconds and a single twitch barely moves it.
const MEMORY_S: f32 = 4.0;
/// Refit every this long.
const REFIT_S: f32 = 0.25;
/// Share of white noise added to the zero-lag autocorrelation before solving: keeps the predictor
/// from amplifying where the band-passed floor has almost no power (outside the band).
const LOADING: f32 = 0.01;

pub struct Whitener {
    /// Lag spacing in samples.
    lag: usize,
    /// The last `ORDER·lag` band-passed samples, newest at `pos - 1`.
    history: Vec<[f32; 3]>,
    /// The last `ORDER·lag` outputs, at the same positions.
    out_history: Vec<[f32; 3]>,
    /// The band-pass filter's own predictor (the poles that put its shape back).
    band_coeffs: [f32; WHITEN_ORDER],
    pos: usize,
    /// Exponentially weighted autocorrelation at lags 0, lag, …, ORDER·lag (summed over axes).
    acc: [f32; WHITEN_ORDER + 1],
    decay: f32,
    /// Samples seen since the last autocorrelation update and since the last refit.
    since_update: usize,
    since_refit: usize,
    refit_every: usize,
    /// Weight of the samples accumulated so far (1 − decayᵏ): the fit waits for a full memory.
    weight: f32,
    coeffs: [f32; WHITEN_ORDER],
}

impl Whitener {
    /// `band` is the design of the band-pass filter whose output this whitener sees.
    pub fn new(fs_hz: f32, band: Cascade) -> Self {
        let lag = ((fs_hz / GRID_HZ).round() as usize).max(1);
        let updates_per_s = fs_hz / lag as f32;
        let band_coeffs = band_predictor(fs_hz, lag, band);
        Self {
            lag,
            history: vec![[0.0; 3]; WHITEN_ORDER * lag],
            out_history: vec![[0.0; 3]; WHITEN_ORDER * lag],
            band_coeffs,
            pos: 0,
            acc: [0.0; WHITEN_ORDER + 1],
            decay: 1.0 - 1.0 / (MEMORY_S * updates_per_s).max(1.0),
            since_update: 0,
            since_refit: 0,
            refit_every: ((REFIT_S * fs_hz) as usize).max(1),
            weight: 0.0,
            // Until the floor is learned the filter is the identity: floor predictor = band's.
            coeffs: band_coeffs,
        }
    }

    /// Ring positions of the samples 1‥ORDER lags back (no division: this runs per sample).
    #[inline]
    fn lag_positions(&self) -> [usize; WHITEN_ORDER] {
        let len = self.history.len();
        let mut at = [0; WHITEN_ORDER];
        for (k, p) in at.iter_mut().enumerate() {
            let back = (k + 1) * self.lag;
            *p = if self.pos >= back {
                self.pos - back
            } else {
                self.pos + len - back
            };
        }
        at
    }

    /// Whiten one band-passed sample. `learn` says whether it belongs to the floor (the
    /// detector is not inside a candidate): a twitch must not teach the predictor itself.
    #[inline]
    pub fn run(&mut self, x: [f32; 3], learn: bool) -> [f32; 3] {
        let at = self.lag_positions();
        let mut y = x;
        for (k, &p) in at.iter().enumerate() {
            let (a, b) = (self.coeffs[k], self.band_coeffs[k]);
            let (past, past_out) = (self.history[p], self.out_history[p]);
            for i in 0..3 {
                y[i] += b * past_out[i] - a * past[i];
            }
        }
        if !y.iter().all(|v| v.is_finite()) {
            // Never let one bad sample circulate through the poles.
            y = x;
        }
        self.since_update += 1;
        if learn && self.since_update >= self.lag {
            self.since_update = 0;
            let d = self.decay;
            self.acc[0] = d * self.acc[0] + (1.0 - d) * dot(x, x);
            for (k, &p) in at.iter().enumerate() {
                self.acc[k + 1] = d * self.acc[k + 1] + (1.0 - d) * dot(x, self.history[p]);
            }
            self.weight = d * self.weight + (1.0 - d);
        }
        self.since_refit += 1;
        if self.since_refit >= self.refit_every {
            self.since_refit = 0;
            self.refit();
        }
        self.history[self.pos] = x;
        self.out_history[self.pos] = y;
        self.pos += 1;
        if self.pos == self.history.len() {
            self.pos = 0;
        }
        y
    }

    /// The predictor's coefficients (for lags 1‥ORDER on the grid).
    #[cfg(test)]
    fn coeffs(&self) -> [f32; WHITEN_ORDER] {
        self.coeffs
    }

    /// Refit the floor's predictor. Until a full memory of floor has been seen, or if the fit is
    /// not a stable predictor (it cannot be, with loading, but a corrupt accumulator must not make
    /// the detector blind), the filter passes the band unchanged.
    fn refit(&mut self) {
        if self.weight < 0.63 {
            self.coeffs = self.band_coeffs;
            return;
        }
        if !self.acc.iter().all(|v| v.is_finite()) {
            // Start learning again rather than stay blind for good.
            self.acc = [0.0; WHITEN_ORDER + 1];
            self.weight = 0.0;
            self.coeffs = self.band_coeffs;
            return;
        }
        self.coeffs = predictor(&self.acc).unwrap_or(self.band_coeffs);
    }
}

/// The predictor of the band-pass filter's own output for white input: fitted to its impulse
/// response's autocorrelation on the same grid and with the same loading as the floor's.
fn band_predictor(fs_hz: f32, lag: usize, band: Cascade) -> [f32; WHITEN_ORDER] {
    let mut filter = Cascade3::new(band);
    // Two seconds hold the response of a 3 Hz edge many times over.
    let len = ((2.0 * fs_hz) as usize).max(WHITEN_ORDER * lag + 1);
    let mut h = Vec::with_capacity(len);
    for i in 0..len {
        h.push(filter.run([if i == 0 { 1.0 } else { 0.0 }, 0.0, 0.0])[0]);
    }
    let mut r = [0.0f32; WHITEN_ORDER + 1];
    for (k, rk) in r.iter_mut().enumerate() {
        *rk = h.iter().zip(&h[k * lag..]).map(|(a, b)| a * b).sum();
    }
    predictor(&r).unwrap_or([0.0; WHITEN_ORDER])
}

/// Levinson–Durbin on an autocorrelation with `LOADING` white noise added: the coefficients of
/// the best linear predictor, or `None` if there is nothing to fit or the fit is not stable.
fn predictor(r: &[f32; WHITEN_ORDER + 1]) -> Option<[f32; WHITEN_ORDER]> {
    let r0 = r[0] * (1.0 + LOADING);
    if r0.is_nan() || r0 <= 1e-20 {
        return None;
    }
    let mut a = [0.0f32; WHITEN_ORDER];
    let mut err = r0;
    for m in 0..WHITEN_ORDER {
        let mut num = r[m + 1];
        for j in 0..m {
            num -= a[j] * r[m - j];
        }
        let k = num / err;
        if !k.is_finite() || k.abs() >= 1.0 {
            return None;
        }
        let prev = a;
        a[m] = k;
        for j in 0..m {
            a[j] = prev[j] - k * prev[m - 1 - j];
        }
        err *= 1.0 - k * k;
    }
    Some(a)
}

#[inline]
fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[cfg(test)]
mod tests {
    use super::super::filters::{Cascade, Cascade3};
    use super::Whitener;

    /// The twitch band and its whitener, as the detector chains them.
    struct Chain {
        band: Cascade3,
        whitener: Whitener,
    }

    impl Chain {
        fn new(fs: f32) -> Self {
            let band = Cascade::band(fs, 3.0, 30.0);
            Self {
                band: Cascade3::new(band),
                whitener: Whitener::new(fs, band),
            }
        }
        fn run(&mut self, v: [f32; 3], learn: bool) -> ([f32; 3], [f32; 3]) {
            let x = self.band.run(v);
            (x, self.whitener.run(x, learn))
        }
    }

    fn rms(v: &[[f32; 3]]) -> f32 {
        (v.iter()
            .map(|s| s[0] * s[0] + s[1] * s[1] + s[2] * s[2])
            .sum::<f32>()
            / v.len() as f32)
            .sqrt()
    }

    struct Lcg(u32);
    impl Lcg {
        fn next(&mut self) -> f32 {
            self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (self.0 >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        }
    }

    /// A steady 9.5 Hz oscillation over sensor noise is learned and removed; a 150 ms pulse that
    /// follows it keeps most of its size.
    #[test]
    fn removes_a_steady_tremor_and_keeps_a_pulse() {
        for fs in [50.0f32, 100.0, 400.0, 1000.0] {
            let mut chain = Chain::new(fs);
            let mut noise = Lcg(7);
            let tremor = |i: usize| {
                let t = i as f32 / fs;
                0.01 * (std::f32::consts::TAU * 9.5 * t).sin()
            };
            let n = (12.0 * fs) as usize;
            let mut band = Vec::with_capacity(n);
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (x, y) = chain.run([tremor(i) + 0.001 * noise.next(), 0.0, 0.0], true);
                band.push(x);
                out.push(y);
            }
            let tail = (2.0 * fs) as usize;
            let (before, after) = (rms(&band[n - tail..]), rms(&out[n - tail..]));
            assert!(
                after < 0.2 * before,
                "{fs} Hz: tremor {before:.5} → {after:.5} g rms"
            );
            // A 150 ms half-sine pulse of 10 mg on another axis, not learned from.
            let len = (0.15 * fs) as usize;
            let (mut peak_band, mut peak_out) = (0.0f32, 0.0f32);
            for j in 0..(0.6 * fs) as usize {
                let p = if j < len {
                    0.01 * (std::f32::consts::PI * j as f32 / len as f32).sin()
                } else {
                    0.0
                };
                let (x, y) = chain.run([tremor(n + j), p, 0.0], false);
                peak_band = peak_band.max(x[1].abs());
                peak_out = peak_out.max(y[1].abs());
            }
            assert!(
                peak_out > 0.5 * peak_band,
                "{fs} Hz: pulse {peak_band:.5} → {peak_out:.5} g"
            );
        }
    }

    /// Band-passed white noise (a still hand on a good sensor) passes through unchanged: the
    /// floor's predictor is the band's own.
    #[test]
    fn passes_band_passed_white_noise_unchanged() {
        for fs in [50.0f32, 100.0, 200.0, 1000.0] {
            let mut chain = Chain::new(fs);
            let mut noise = Lcg(12345);
            let n = (20.0 * fs) as usize;
            let (mut diff, mut total) = (0.0f32, 0.0f32);
            for i in 0..n {
                let (x, y) = chain.run([noise.next(), noise.next(), noise.next()], true);
                if i > n / 2 {
                    diff += (0..3).map(|k| (y[k] - x[k]).powi(2)).sum::<f32>();
                    total += (0..3).map(|k| x[k] * x[k]).sum::<f32>();
                }
            }
            assert!(
                diff < 0.05 * total,
                "{fs} Hz: white floor changed by {:.3} of its power",
                diff / total
            );
        }
    }

    /// NaN in the band (a corrupt sample upstream) cannot leave the predictor broken for good.
    #[test]
    fn recovers_from_a_non_finite_sample() {
        let mut w = Whitener::new(100.0, Cascade::band(100.0, 3.0, 30.0));
        let y = w.run([f32::NAN, 0.0, 0.0], true);
        assert!(y[1].is_finite() && y[2].is_finite());
        let mut last = [0.0; 3];
        for i in 0..3000 {
            let t = i as f32 / 100.0;
            last = w.run([(std::f32::consts::TAU * 10.0 * t).sin(), 0.0, 0.0], true);
        }
        assert!(w.coeffs().iter().all(|a| a.is_finite()));
        assert!(last.iter().all(|v| v.is_finite()));
        assert!(
            last[0].abs() < 0.2,
            "never learned again: {:?}, output {last:?}",
            w.coeffs()
        );
    }
}

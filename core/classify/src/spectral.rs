//! Windowed spectra of the decimated, three-axis acceleration: tremor peak, its prominence and
//! harmonics, and the <2 Hz power that says the arm is moving voluntarily.

use std::sync::Arc;

use rustfft::algorithm::butterflies::{Butterfly16, Butterfly8};
use rustfft::algorithm::Radix4;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftDirection};

/// Lower edge of the voluntary-movement band; below it is gravity and orientation drift.
pub(crate) const VOLUNTARY_LOW_HZ: f32 = 0.3;
/// Upper edge of the voluntary band. Kept below the 3 Hz tremor floor by one Hann main lobe (0.5 Hz at 4 s).
pub(crate) const VOLUNTARY_HIGH_HZ: f32 = 2.2;
/// Half-width of the band around a spectral peak that counts as "the peak" (Hann main lobe + drift).
const PEAK_HALF_WIDTH_HZ: f32 = 0.6;

/// What one 4 s window says.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WindowFeatures {
    /// RMS of acceleration in 0.3–2.2 Hz (voluntary movement, orientation change), g.
    pub voluntary_rms_g: f32,
    /// RMS in 0.3 Hz .. min(25 Hz, Nyquist): everything dynamic, g.
    pub broadband_rms_g: f32,
    /// Dominant frequency in the tremor band after the harmonic check, Hz.
    pub peak_freq_hz: f32,
    /// Amplitude (peak, vector) of the oscillation in the peak band, g.
    pub peak_amplitude_g: f32,
    /// Peak-band power over power in 2 Hz .. min(20 Hz, Nyquist): 1 = a pure rhythm.
    pub concentration: f32,
    /// The peak is a harmonic of a slower (voluntary, < 3 Hz) rhythm.
    pub harmonic_of_voluntary: bool,
    /// Highest normalised autocorrelation of the 0.5–12 Hz signal at lags 0.25–1.65 s (where the
    /// window's own autocorrelation is ≥ 0.3): near 1 for walking, tremor and other periodic
    /// movement, low for a spasm's irregular contraction. The tremor second opinion.
    pub periodicity: f32,
    /// The same over lags 0.25–1.25 s (window autocorrelation ≥ 0.5). Further out, dividing by the
    /// window's small autocorrelation turns one pair of similar transients (a short spasm's
    /// contraction and release) into "1.0"; the spasm veto reads this one.
    pub periodicity_short: f32,
    /// Share of 0.5–12 Hz power above 3 Hz: a spasm's contraction trembles, a reach is smooth.
    pub high_fraction: f32,
    /// Power per Hz in the peak band over the mean power per Hz 1–2 Hz either side of it: a
    /// tremor is a narrow peak standing out of its neighbourhood. The strongest bin of a
    /// spectrum that merely falls with frequency (slow movement) sits at the band's lower edge
    /// and has a prominence near or below 1.
    pub prominence: f32,
}

/// A ring buffer of one analyser's window: its samples, where the oldest is, and the per-axis mean.
#[derive(Clone, Copy)]
pub struct Ring<'a> {
    pub samples: &'a [[f32; 3]],
    pub oldest: usize,
    pub mean: [f32; 3],
}

/// One axis of a window's two segments (oldest first), with the window's per-axis mean.
type Axis<'a> = ([&'a [[f32; 3]]; 2], [f32; 3], usize);

/// Write one axis of a window, its mean removed and Hann-weighted, oldest first, into `buf` with
/// `put`. Segment by segment over plain slices (a flattened iterator does not vectorise).
fn write_windowed(
    buf: &mut [Complex<f32>],
    hann: &[f32],
    (parts, mean, axis): Axis<'_>,
    put: impl Fn(&mut Complex<f32>, f32),
) {
    let mut at = 0;
    for part in parts {
        let end = (at + part.len()).min(buf.len()).min(hann.len());
        let (slots, weights) = (&mut buf[at..end], &hann[at..end]);
        for ((slot, s), w) in slots.iter_mut().zip(part).zip(weights) {
            put(slot, (s[axis] - mean[axis]) * w);
        }
        at = end;
    }
}

pub struct SpectralAnalyzer {
    fs_hz: f32,
    /// nfft / fs: `bin` runs a few dozen times per window.
    bins_per_hz: f32,
    win_len: usize,
    nfft: usize,
    hann: Vec<f32>,
    /// 2 / (nfft · Σw²): turns a one-sided |X|² sum into mean square.
    power_to_ms: f32,
    fft: Arc<dyn Fft<f32>>,
    ifft: Arc<dyn Fft<f32>>,
    /// In-place FFT buffer (nfft) and the planners' scratch.
    buf: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// |X|² summed over the three axes, one-sided (nfft/2 + 1 bins).
    power: Vec<f32>,
    /// `cum[k]` = Σ power[..k] in f64, so every band sum is one subtraction.
    cum: Vec<f64>,
    /// Autocorrelation of the Hann window itself, normalised: undoes the window's taper at each lag.
    window_acf: Vec<f32>,
    tremor_band_hz: (f32, f32),
}

/// With SIMD kernels (the desktop build), the planner picks the fastest FFT for the machine.
#[cfg(feature = "fft-simd")]
fn plan_fft(len: usize, direction: FftDirection) -> Arc<dyn Fft<f32>> {
    rustfft::FftPlanner::new().plan_fft(len, direction)
}

/// Without them (the phone library), the scalar FFT is built directly; see [`scalar_power_of_two_fft`].
#[cfg(not(feature = "fft-simd"))]
fn plan_fft(len: usize, direction: FftDirection) -> Arc<dyn Fft<f32>> {
    scalar_power_of_two_fft(len, direction)
}

/// The FFT `rustfft::FftPlannerScalar` chooses for a power of two above 32 (radix 4 over a base of 8
/// or 16 points), built directly: the planner would link every other algorithm it can choose
/// (Bluestein, Rader, mixed radix, dozens of butterflies) into the phone library, about 0.3 MB that the
/// classifier's power-of-two windows never use. Same algorithm, same base, so the same numbers.
#[cfg_attr(feature = "fft-simd", allow(dead_code))]
fn scalar_power_of_two_fft(len: usize, direction: FftDirection) -> Arc<dyn Fft<f32>> {
    let bits = len.trailing_zeros();
    debug_assert!(len.is_power_of_two());
    if bits <= 5 {
        // Windows this short (< 64 samples) are not used by any configuration; still correct.
        return Arc::new(Radix4::new(len, direction));
    }
    let (base, base_bits): (Arc<dyn Fft<f32>>, u32) = if bits % 2 == 1 {
        (Arc::new(Butterfly8::new(direction)), 3)
    } else {
        (Arc::new(Butterfly16::new(direction)), 4)
    };
    Arc::new(Radix4::new_with_base((bits - base_bits) / 2, base))
}

impl SpectralAnalyzer {
    pub fn new(fs_hz: f32, win_len: usize, tremor_band_hz: (f32, f32)) -> Self {
        // The next power of two: parabolic interpolation on log power of a Hann peak is already
        // within ~0.02 bin (0.005 Hz at 50 Hz / 256), and the FFTs dominate the cost at 50–100 Hz.
        let nfft = win_len.next_power_of_two();
        let fft = plan_fft(nfft, FftDirection::Forward);
        let ifft = plan_fft(nfft, FftDirection::Inverse);
        let scratch_len = fft
            .get_inplace_scratch_len()
            .max(ifft.get_inplace_scratch_len());
        let hann: Vec<f32> = (0..win_len)
            .map(|i| {
                let x = std::f32::consts::PI * 2.0 * i as f32 / win_len as f32;
                0.5 - 0.5 * x.cos()
            })
            .collect();
        let sum_w2: f32 = hann.iter().map(|w| w * w).sum();
        let max_lag = ((2.0 * fs_hz) as usize).min(win_len.saturating_sub(1));
        let window_acf: Vec<f32> = (0..=max_lag)
            .map(|lag| {
                let s: f32 = (0..win_len - lag).map(|i| hann[i] * hann[i + lag]).sum();
                s / sum_w2.max(1e-9)
            })
            .collect();
        Self {
            fs_hz,
            bins_per_hz: nfft as f32 / fs_hz,
            win_len,
            nfft,
            power_to_ms: 2.0 / (nfft as f32 * sum_w2.max(1e-9)),
            fft,
            ifft,
            buf: vec![Complex::default(); nfft],
            scratch: vec![Complex::default(); scratch_len],
            power: vec![0.0; nfft / 2 + 1],
            cum: vec![0.0; nfft / 2 + 2],
            window_acf,
            hann,
            tremor_band_hz,
        }
    }

    fn bin_hz(&self) -> f32 {
        self.fs_hz / self.nfft as f32
    }

    fn bin(&self, hz: f32) -> usize {
        // Round half up by hand: `f32::round` is a libm call without SSE4.1, and this runs a few
        // dozen times per window.
        (((hz * self.bins_per_hz).max(0.0) + 0.5) as usize).min(self.power.len() - 1)
    }

    fn band_ms(&self, lo_hz: f32, hi_hz: f32) -> f32 {
        let (a, b) = (self.bin(lo_hz), self.bin(hi_hz));
        if b < a {
            return 0.0;
        }
        ((self.cum[b + 1] - self.cum[a]).max(0.0) as f32) * self.power_to_ms
    }

    /// Analyse a ring buffer of `win_len` samples whose oldest sample is at `oldest`, given the
    /// per-axis mean of the ring (the caller keeps it as a running sum: one pass fewer per window).
    /// The autocorrelation (`periodicity`) is left at 0: call [`Self::periodicity`] when it matters.
    pub fn analyse_ring(
        &mut self,
        ring: &[[f32; 3]],
        oldest: usize,
        mean: [f32; 3],
    ) -> WindowFeatures {
        let Some(parts) = self.split(Ring {
            samples: ring,
            oldest,
            mean,
        }) else {
            return WindowFeatures::default();
        };
        self.transform(parts, mean);
        self.features()
    }

    /// [`Self::analyse_ring`] for two rings at once, the accelerometer's (`self`) and the
    /// gyroscope's (`other`), of analysers built alike: their z axes share one complex FFT (three
    /// transforms instead of four; the same power spectra to float rounding). Analysers or rings
    /// of another size are analysed one at a time.
    pub fn analyse_ring_pair(
        &mut self,
        ring: Ring<'_>,
        other: &mut SpectralAnalyzer,
        other_ring: Ring<'_>,
    ) -> (WindowFeatures, WindowFeatures) {
        let alike = self.nfft == other.nfft && self.win_len == other.win_len;
        let (Some(parts), Some(other_parts)) = (self.split(ring), other.split(other_ring)) else {
            return (
                self.analyse_ring(ring.samples, ring.oldest, ring.mean),
                other.analyse_ring(other_ring.samples, other_ring.oldest, other_ring.mean),
            );
        };
        if !alike {
            self.transform(parts, ring.mean);
            other.transform(other_parts, other_ring.mean);
            return (self.features(), other.features());
        }
        self.xy_power(parts, ring.mean);
        other.xy_power(other_parts, other_ring.mean);
        // z of each into one transform, z_self + i·z_other. For two real signals packed so,
        // X[k] = (Z[k] + conj Z[n−k]) / 2 and Y[k] = (Z[k] − conj Z[n−k]) / 2i.
        self.fill_axes(
            (parts, ring.mean, 2),
            Some((other_parts, other_ring.mean, 2)),
        );
        self.fft
            .process_with_scratch(&mut self.buf, &mut self.scratch);
        let n = self.nfft;
        for k in 0..self.power.len() {
            let (zk, zc) = (self.buf[k], self.buf[(n - k) % n].conj());
            self.power[k] += 0.25 * (zk + zc).norm_sqr();
            other.power[k] += 0.25 * (zk - zc).norm_sqr();
        }
        self.accumulate();
        other.accumulate();
        (self.features(), other.features())
    }

    /// The ring as its two segments, oldest first, if it has this analyser's window length.
    fn split<'r>(&self, ring: Ring<'r>) -> Option<[&'r [[f32; 3]]; 2]> {
        if ring.samples.len() != self.win_len || ring.oldest >= ring.samples.len() {
            return None;
        }
        let (newer, older) = ring.samples.split_at(ring.oldest);
        Some([older, newer])
    }

    /// Analyse `win_len` samples (oldest first); a window of another length gives default features.
    /// The autocorrelation (`periodicity`) is left at 0: call [`Self::periodicity`] when it matters.
    #[cfg(test)]
    pub fn analyse(&mut self, window: &[[f32; 3]]) -> WindowFeatures {
        if window.len() != self.win_len {
            return WindowFeatures::default();
        }
        let mut sums = [0.0f64; 3];
        for s in window {
            for (sum, v) in sums.iter_mut().zip(s) {
                *sum += f64::from(*v);
            }
        }
        let mean = sums.map(|v| (v / self.win_len as f64) as f32);
        self.transform([window, &[]], mean);
        self.features()
    }

    /// Hann-window one axis of two segments (oldest first) into the FFT buffer's real part, and
    /// optionally one axis of two other segments into its imaginary part; the rest is zero.
    fn fill_axes(&mut self, re: Axis<'_>, im: Option<Axis<'_>>) {
        let win = self.win_len.min(self.buf.len());
        let (buf, hann) = (&mut self.buf[..win], &self.hann[..]);
        write_windowed(buf, hann, re, |slot, v| *slot = Complex::new(v, 0.0));
        if let Some(im) = im {
            write_windowed(buf, hann, im, |slot, v| slot.im = v);
        }
        if let Some(tail) = self.buf.get_mut(win..) {
            tail.fill(Complex::default());
        }
    }

    /// Power of x and y, which share one complex FFT (x + iy): for two real signals the power
    /// sum is |X|² + |Y|² = (|Z[k]|² + |Z[n−k]|²) / 2, no unpacking needed. Replaces `power`.
    fn xy_power(&mut self, parts: [&[[f32; 3]]; 2], mean: [f32; 3]) {
        let n = self.nfft;
        self.fill_axes((parts, mean, 0), Some((parts, mean, 1)));
        self.fft
            .process_with_scratch(&mut self.buf, &mut self.scratch);
        let half = n / 2;
        if let (Some(p0), Some(z0)) = (self.power.first_mut(), self.buf.first()) {
            *p0 = z0.norm_sqr();
        }
        // Bin k pairs with bin n − k: k = 1..=n/2 against n−1 down to n/2.
        let pairs = self.buf[1..=half].iter().zip(self.buf[half..].iter().rev());
        for (p, (a, b)) in self.power[1..].iter_mut().zip(pairs) {
            *p = 0.5 * (a.norm_sqr() + b.norm_sqr());
        }
    }

    /// Power spectrum summed over the axes, and its prefix sums.
    fn transform(&mut self, parts: [&[[f32; 3]]; 2], mean: [f32; 3]) {
        self.xy_power(parts, mean);
        self.fill_axes((parts, mean, 2), None);
        self.fft
            .process_with_scratch(&mut self.buf, &mut self.scratch);
        for (p, c) in self.power.iter_mut().zip(&self.buf) {
            *p += c.norm_sqr();
        }
        self.accumulate();
    }

    /// Prefix sums of `power`, so that every band sum is one subtraction.
    fn accumulate(&mut self) {
        let mut acc = 0.0f64;
        for (c, p) in self
            .cum
            .iter_mut()
            .zip(std::iter::once(&0.0).chain(&self.power))
        {
            acc += f64::from(*p);
            *c = acc;
        }
    }

    /// Highest normalised autocorrelation of the last analysed window (see `WindowFeatures`).
    /// An inverse FFT, so the engine asks for it only when a decision depends on it.
    /// Returns (`periodicity`, `periodicity_short`).
    pub fn periodicity(&mut self) -> (f32, f32) {
        let (a, b) = (self.bin(0.5), self.bin(12f32.min(0.45 * self.fs_hz)));
        // The autocorrelation is the inverse transform of the power spectrum, restricted to
        // 0.5–12 Hz; mirror it so the transform of the full (Hermitian) spectrum is real.
        let n = self.nfft;
        self.buf.fill(Complex::default());
        for k in a.max(1)..=b.min(n / 2) {
            let p = Complex::new(self.power[k], 0.0);
            self.buf[k] = p;
            self.buf[n - k] = p;
        }
        self.ifft
            .process_with_scratch(&mut self.buf, &mut self.scratch);
        let acf = &self.buf;
        let r0 = acf[0].re;
        if r0 <= 0.0 {
            return (0.0, 0.0);
        }
        let min_lag = (0.25 * self.fs_hz) as usize;
        let (mut best, mut best_short) = (0.0f32, 0.0f32);
        for (lag, &w) in self.window_acf.iter().enumerate().skip(min_lag) {
            if w < 0.3 {
                break;
            }
            let Some(r) = acf.get(lag) else { break };
            let v = r.re / (r0 * w);
            best = best.max(v);
            if w >= 0.5 {
                best_short = best_short.max(v);
            }
        }
        (best.min(1.0), best_short.min(1.0))
    }

    fn features(&self) -> WindowFeatures {
        let nyq = 0.5 * self.fs_hz;
        let voluntary_rms_g = self.band_ms(VOLUNTARY_LOW_HZ, VOLUNTARY_HIGH_HZ).sqrt();
        let broadband_rms_g = self.band_ms(VOLUNTARY_LOW_HZ, 25f32.min(0.95 * nyq)).sqrt();

        let (lo, hi) = (
            self.tremor_band_hz.0 - 0.2,
            (self.tremor_band_hz.1 + 0.5).min(0.9 * nyq),
        );
        let (a, b) = (self.bin(lo).max(1), self.bin(hi));
        let mut k = a;
        for i in a..=b {
            if self.power[i] > self.power[k] {
                k = i;
            }
        }
        let mut f_peak = self.interpolated_peak_hz(k);
        let mut peak_ms = self.band_ms(f_peak - PEAK_HALF_WIDTH_HZ, f_peak + PEAK_HALF_WIDTH_HZ);

        // Harmonic check 1: a strong component at half the frequency, itself in the tremor band,
        // is the fundamental (tremor often carries a 2nd harmonic as strong as the first).
        let half = 0.5 * f_peak;
        if half >= self.tremor_band_hz.0 - 0.2 {
            let k_half = self.local_max_near(half, 0.4);
            let f_half = self.interpolated_peak_hz(k_half);
            let half_ms = self.band_ms(f_half - PEAK_HALF_WIDTH_HZ, f_half + PEAK_HALF_WIDTH_HZ);
            if half_ms >= 0.35 * peak_ms {
                f_peak = f_half;
                peak_ms = half_ms;
            }
        }
        // Harmonic check 2: a peak that is the 2nd or 3rd harmonic of a slow voluntary rhythm
        // (pronation-supination, arm swing) is that rhythm, not tremor.
        let mut harmonic_of_voluntary = false;
        for div in [2.0f32, 3.0] {
            let sub = f_peak / div;
            if (0.6..self.tremor_band_hz.0 - 0.2).contains(&sub) {
                let k_sub = self.local_max_near(sub, 0.3);
                let f_sub = self.interpolated_peak_hz(k_sub);
                let sub_ms = self.band_ms(f_sub - 0.3, f_sub + 0.3);
                // The slow rhythm must be a rhythm: a peak standing above its neighbourhood,
                // not the broad slow sway of a resting hand (which fills 0.5–2 Hz evenly).
                let flanks_ms =
                    self.band_ms(f_sub - 0.9, f_sub - 0.5) + self.band_ms(f_sub + 0.5, f_sub + 0.9);
                let prominent = sub_ms >= 2.0 * flanks_ms;
                if sub_ms >= 0.7 * peak_ms && prominent {
                    harmonic_of_voluntary = true;
                }
            }
        }

        let ref_ms = self.band_ms(2.0, 20f32.min(0.95 * nyq)).max(1e-12);
        let flank_hz = |lo: f32, hi: f32| {
            let (lo, hi) = (lo.max(0.2), hi.min(0.95 * nyq));
            (hi > lo).then(|| (self.band_ms(lo, hi), hi - lo))
        };
        let flanks = [
            flank_hz(f_peak - 2.0, f_peak - 1.0),
            flank_hz(f_peak + 1.0, f_peak + 2.0),
        ];
        let (flank_ms, flank_width) = flanks
            .iter()
            .flatten()
            .fold((0.0f32, 0.0f32), |(p, w), (pp, ww)| (p + pp, w + ww));
        let prominence = if flank_width > 0.0 {
            (peak_ms / (2.0 * PEAK_HALF_WIDTH_HZ)) / (flank_ms / flank_width).max(1e-15)
        } else {
            0.0
        };
        let top = 12f32.min(0.45 * self.fs_hz);
        let high_fraction = self.band_ms(3.0, top) / self.band_ms(0.5, top).max(1e-12);
        WindowFeatures {
            voluntary_rms_g,
            broadband_rms_g,
            peak_freq_hz: f_peak,
            // Vector amplitude of a sinusoid is √2 × RMS.
            peak_amplitude_g: (2.0 * peak_ms).sqrt(),
            concentration: (peak_ms / ref_ms).min(1.0),
            harmonic_of_voluntary,
            periodicity: 0.0,
            periodicity_short: 0.0,
            high_fraction,
            prominence,
        }
    }

    fn local_max_near(&self, hz: f32, half_width_hz: f32) -> usize {
        let (a, b) = (
            self.bin(hz - half_width_hz).max(1),
            self.bin(hz + half_width_hz),
        );
        let mut k = a;
        for i in a..=b.max(a) {
            if self.power[i] > self.power[k] {
                k = i;
            }
        }
        k
    }

    /// Parabolic interpolation on log power: exact for a Gaussian-shaped peak, within a few
    /// hundredths of a bin for Hann.
    fn interpolated_peak_hz(&self, k: usize) -> f32 {
        if k == 0 || k + 1 >= self.power.len() {
            return k as f32 * self.bin_hz();
        }
        let l = |p: f32| p.max(1e-30).ln();
        let (y0, y1, y2) = (l(self.power[k - 1]), l(self.power[k]), l(self.power[k + 1]));
        let denom = y0 - 2.0 * y1 + y2;
        let delta = if denom.abs() > 1e-12 {
            (0.5 * (y0 - y2) / denom).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        (k as f32 + delta) * self.bin_hz()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_direct_fft_gives_the_scalar_planners_numbers_bit_for_bit() {
        let mut planner = rustfft::FftPlannerScalar::<f32>::new();
        for bits in 6..=13 {
            let len = 1usize << bits;
            for direction in [FftDirection::Forward, FftDirection::Inverse] {
                let input: Vec<Complex<f32>> = (0..len)
                    .map(|i| Complex::new((i as f32 * 0.37).sin(), (i as f32 * 0.11).cos()))
                    .collect();
                let (mut ours, mut theirs) = (input.clone(), input);
                scalar_power_of_two_fft(len, direction).process(&mut ours);
                planner.plan_fft(len, direction).process(&mut theirs);
                assert!(
                    ours.iter()
                        .zip(&theirs)
                        .all(|(a, b)| a.re.to_bits() == b.re.to_bits()
                            && a.im.to_bits() == b.im.to_bits()),
                    "{len} {direction:?}"
                );
            }
        }
    }

    use super::*;
    use std::f32::consts::TAU;

    fn window(fs: f32, n: usize, f: impl Fn(f32) -> [f32; 3]) -> Vec<[f32; 3]> {
        (0..n).map(|i| f(i as f32 / fs)).collect()
    }

    #[test]
    fn finds_tremor_frequency_and_amplitude() {
        let fs = 50.0;
        let mut an = SpectralAnalyzer::new(fs, 200, (3.0, 12.0));
        for f0 in [3.2f32, 4.9, 7.3, 11.8] {
            let w = window(fs, 200, |t| {
                let s = 0.05 * (2.0 * std::f32::consts::PI * f0 * t).sin();
                [s, 0.5 * s, 1.0]
            });
            let feat = an.analyse(&w);
            assert!(
                (feat.peak_freq_hz - f0).abs() < 0.1,
                "{f0} -> {}",
                feat.peak_freq_hz
            );
            let expected = 0.05 * (1.25f32).sqrt();
            assert!(
                (feat.peak_amplitude_g - expected).abs() < 0.15 * expected,
                "{feat:?}"
            );
            assert!(feat.concentration > 0.9);
            assert!(feat.voluntary_rms_g < 0.003);
        }
    }

    #[test]
    fn two_rings_in_one_transform_give_each_ring_its_own_spectrum() {
        let fs = 50.0;
        // Different content on every axis of both, so a mix-up between the packed z axes shows.
        let accel = window(fs, 200, |t| {
            let s = 0.02 * (TAU * 6.1 * t).sin() + 0.01 * (TAU * 0.7 * t).cos();
            [
                s,
                0.3 + 0.5 * s,
                0.9 - 0.2 * s + 0.015 * (TAU * 1.3 * t).sin(),
            ]
        });
        let gyro = window(fs, 200, |t| {
            let s = 3.0 * (TAU * 4.4 * t).sin();
            [
                0.5 * s,
                1.0 + s,
                2.0 * (TAU * 9.7 * t).sin() + 0.8 * (TAU * 0.9 * t).cos(),
            ]
        });
        let mean = |w: &[[f32; 3]]| [0, 1, 2].map(|k| w.iter().map(|v| v[k]).sum::<f32>() / 200.0);
        let ring = |w: &[[f32; 3]], oldest: usize| {
            let mut r = vec![[0.0f32; 3]; 200];
            for (i, v) in w.iter().enumerate() {
                r[(oldest + i) % 200] = *v;
            }
            r
        };
        let (ra, rg) = (ring(&accel, 37), ring(&gyro, 150));
        let mut a = SpectralAnalyzer::new(fs, 200, (3.0, 12.0));
        let mut g = SpectralAnalyzer::new(fs, 200, (3.0, 12.0));
        let alone = (
            a.analyse_ring(&ra, 37, mean(&accel)),
            g.analyse_ring(&rg, 150, mean(&gyro)),
        );
        let alone_power = (a.power.clone(), g.power.clone());
        let paired = a.analyse_ring_pair(
            Ring {
                samples: &ra,
                oldest: 37,
                mean: mean(&accel),
            },
            &mut g,
            Ring {
                samples: &rg,
                oldest: 150,
                mean: mean(&gyro),
            },
        );
        for (alone, paired) in [(&alone_power.0, &a.power), (&alone_power.1, &g.power)] {
            let scale = alone.iter().cloned().fold(0.0f32, f32::max);
            for (k, (x, y)) in alone.iter().zip(paired).enumerate() {
                assert!((x - y).abs() <= 1e-4 * scale, "bin {k}: {x} vs {y}");
            }
        }
        for (x, y) in [(alone.0, paired.0), (alone.1, paired.1)] {
            assert!(
                (x.peak_freq_hz - y.peak_freq_hz).abs() < 1e-3,
                "{x:?} {y:?}"
            );
            assert!((x.peak_amplitude_g / y.peak_amplitude_g - 1.0).abs() < 1e-3);
            assert!((x.voluntary_rms_g / y.voluntary_rms_g - 1.0).abs() < 1e-3);
            assert!((x.concentration - y.concentration).abs() < 1e-3);
        }
        assert!(
            (alone.0.peak_freq_hz - 6.1).abs() < 0.2 && (alone.1.peak_freq_hz - 4.4).abs() < 0.2
        );
    }

    #[test]
    fn ring_and_linear_windows_agree() {
        let fs = 50.0;
        let w = window(fs, 200, |t| {
            let s = 0.02 * (TAU * 6.1 * t).sin() + 0.01 * (TAU * 0.7 * t).cos();
            [s, 0.3 + 0.5 * s, 0.9 - s]
        });
        let mut an = SpectralAnalyzer::new(fs, 200, (3.0, 12.0));
        let linear = an.analyse(&w);
        for oldest in [0usize, 1, 73, 199] {
            // The ring holds the same samples, rotated so that the oldest sits at `oldest`.
            let mut ring = vec![[0.0f32; 3]; 200];
            for (i, v) in w.iter().enumerate() {
                ring[(oldest + i) % 200] = *v;
            }
            let mean = [0, 1, 2].map(|k| w.iter().map(|v| v[k]).sum::<f32>() / 200.0);
            let f = an.analyse_ring(&ring, oldest, mean);
            assert!(
                (f.peak_freq_hz - linear.peak_freq_hz).abs() < 1e-4,
                "{oldest}"
            );
            assert!((f.peak_amplitude_g / linear.peak_amplitude_g - 1.0).abs() < 1e-4);
            assert!((f.voluntary_rms_g / linear.voluntary_rms_g - 1.0).abs() < 1e-3);
        }
        assert_eq!(
            an.analyse_ring(&w[..199], 0, [0.0; 3]),
            WindowFeatures::default(),
            "a ring of the wrong length is refused"
        );
    }

    #[test]
    fn slow_rhythm_with_harmonics_is_voluntary() {
        let fs = 100.0;
        let mut an = SpectralAnalyzer::new(fs, 400, (3.0, 12.0));
        let w = window(fs, 400, |t| {
            let p = 2.0 * std::f32::consts::PI * 1.5 * t;
            let s = 0.3 * p.sin() + 0.2 * (2.0 * p).sin() + 0.25 * (3.0 * p).sin();
            [s, 0.0, 1.0]
        });
        let mut feat = an.analyse(&w);
        feat.periodicity = an.periodicity().0;
        assert!(feat.voluntary_rms_g > 0.1);
        assert!(feat.harmonic_of_voluntary, "{feat:?}");
        assert!(feat.periodicity > 0.8, "{feat:?}");
    }

    #[test]
    fn irregular_movement_is_not_periodic() {
        let fs = 50.0;
        let mut an = SpectralAnalyzer::new(fs, 200, (3.0, 12.0));
        // Fourteen incommensurate components, like a spasm's contraction.
        let freqs = [
            0.61f32, 0.93, 1.37, 1.71, 2.23, 2.67, 3.11, 3.83, 4.47, 5.09, 5.93, 6.71, 7.37, 7.97,
        ];
        let w = window(fs, 200, |t| {
            let s: f32 = freqs
                .iter()
                .enumerate()
                .map(|(i, f)| 0.05 * (TAU * f * t + i as f32).sin())
                .sum();
            [s, 0.3 * s, 1.0]
        });
        let feat = an.analyse(&w);
        assert_eq!(feat.periodicity, 0.0, "computed only on request");
        let periodicity = an.periodicity().0;
        assert!(periodicity < 0.6, "{periodicity}");
    }

    /// A short spasm is two transients (contraction, release) that can look alike; 1.5 s apart they
    /// are not a rhythm. Dividing by the window's own autocorrelation at long lags, where it is
    /// small, blows that single pair up to a "periodicity" of 1.0; the short-lag one the spasm
    /// veto reads stays under the bar.
    #[test]
    fn one_pair_of_similar_transients_is_not_a_rhythm() {
        let fs = 50.0;
        let mut an = SpectralAnalyzer::new(fs, 200, (3.0, 12.0));
        let jerk = |t: f32, t0: f32| {
            let u = t - t0;
            if (0.0..0.3).contains(&u) {
                0.3 * (TAU * u / 0.3).sin() * (TAU * 5.0 * u).cos()
            } else {
                0.0
            }
        };
        let w = window(fs, 200, |t| {
            let s = jerk(t, 1.2) + jerk(t, 2.7);
            [s, 0.5 * s, 1.0]
        });
        an.analyse(&w);
        let (_, periodicity) = an.periodicity();
        assert!(periodicity < 0.9, "{periodicity}");
    }
}

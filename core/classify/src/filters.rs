//! Butterworth filter sections (on the `biquad` crate) shaped for the classifier's three-axis paths.
//! Cut-offs are clamped below Nyquist so every supported rate (25–1000 Hz) gets a stable filter.

use biquad::{Coefficients, Type};

/// Q values of the two sections of a 4th-order Butterworth (poles at 22.5° and 67.5°).
const BUTTERWORTH4_Q: [f32; 2] = [0.541_196_1, 1.306_563];
const BUTTERWORTH2_Q: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// A pass-through section, used when a cut-off would be meaningless at this rate.
fn identity() -> Coefficients<f32> {
    Coefficients {
        a1: 0.0,
        a2: 0.0,
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
    }
}

fn section(kind: Type<f32>, fs_hz: f32, f0_hz: f32, q: f32) -> Coefficients<f32> {
    // Keep the corner inside (0, 0.45·fs): the bilinear transform warps badly near Nyquist.
    let f0 = f0_hz.clamp(1e-3, 0.45 * fs_hz);
    Coefficients::<f32>::from_normalized_params(kind, 2.0 * f0 / fs_hz, q)
        .unwrap_or_else(|_| identity())
}

/// The design of a cascade of up to two biquad sections (coefficients from the `biquad` crate);
/// [`Cascade3`] runs it.
#[derive(Clone, Copy, Debug)]
pub struct Cascade {
    coeffs: [Coefficients<f32>; 2],
    used: usize,
}

impl Cascade {
    fn from_sections(coeffs: [Coefficients<f32>; 2], used: usize) -> Self {
        Self { coeffs, used }
    }

    pub fn identity() -> Self {
        Self::from_sections([identity(), identity()], 0)
    }

    pub fn butterworth2(kind: Type<f32>, fs_hz: f32, f0_hz: f32) -> Self {
        Self::from_sections([section(kind, fs_hz, f0_hz, BUTTERWORTH2_Q), identity()], 1)
    }

    pub fn butterworth4(kind: Type<f32>, fs_hz: f32, f0_hz: f32) -> Self {
        Self::from_sections(
            [
                section(kind, fs_hz, f0_hz, BUTTERWORTH4_Q[0]),
                section(kind, fs_hz, f0_hz, BUTTERWORTH4_Q[1]),
            ],
            2,
        )
    }

    /// 2nd-order high-pass followed by 2nd-order low-pass: the twitch band.
    pub fn band(fs_hz: f32, low_hz: f32, high_hz: f32) -> Self {
        let hp = section(Type::HighPass, fs_hz, low_hz, BUTTERWORTH2_Q);
        if high_hz >= 0.45 * fs_hz {
            // No room for a low-pass below Nyquist: the high-pass alone.
            return Self::from_sections([hp, identity()], 1);
        }
        let lp = section(Type::LowPass, fs_hz, high_hz, BUTTERWORTH2_Q);
        Self::from_sections([hp, lp], 2)
    }
}

/// The same cascade on x, y and z, run as four lanes (the fourth is padding) so the compiler
/// can keep the three axes in one SIMD register: these sections are most of the per-sample cost.
/// Direct form II transposed, as `biquad::DirectForm2Transposed`, whose coefficients it takes.
#[derive(Clone, Copy, Debug)]
pub struct Cascade3 {
    /// Per section: b0, b1, b2, a1, a2.
    coeffs: [[f32; 5]; 2],
    s1: [[f32; 4]; 2],
    s2: [[f32; 4]; 2],
    used: usize,
}

impl Cascade3 {
    pub fn new(c: Cascade) -> Self {
        Self {
            coeffs: c.coeffs.map(|k| [k.b0, k.b1, k.b2, k.a1, k.a2]),
            s1: [[0.0; 4]; 2],
            s2: [[0.0; 4]; 2],
            used: c.used,
        }
    }

    #[inline(always)]
    fn section(k: &[f32; 5], s1: &mut [f32; 4], s2: &mut [f32; 4], x: [f32; 4]) -> [f32; 4] {
        let [b0, b1, b2, a1, a2] = *k;
        let mut y = [0.0f32; 4];
        for i in 0..4 {
            y[i] = b0 * x[i] + s1[i];
            s1[i] = b1 * x[i] - a1 * y[i] + s2[i];
            s2[i] = b2 * x[i] - a2 * y[i];
        }
        y
    }

    #[inline]
    pub fn run(&mut self, v: [f32; 3]) -> [f32; 3] {
        let mut x = [v[0], v[1], v[2], 0.0];
        for j in 0..self.used.min(2) {
            x = Self::section(&self.coeffs[j], &mut self.s1[j], &mut self.s2[j], x);
        }
        [x[0], x[1], x[2]]
    }

    /// Put every section in the steady state for a constant input `v`, so the 1 g gravity step
    /// at switch-on does not ring through a slow filter for seconds.
    pub fn prime(&mut self, v: [f32; 3]) {
        let mut input = [v[0], v[1], v[2], 0.0];
        for j in 0..self.used.min(2) {
            let [b0, b1, b2, a1, a2] = self.coeffs[j];
            let dc_gain = (b0 + b1 + b2) / (1.0 + a1 + a2);
            for (i, x) in input.iter_mut().enumerate() {
                let y = dc_gain * *x;
                self.s1[j][i] = y - b0 * *x;
                self.s2[j][i] = b2 * *x - a2 * y;
                *x = y;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use biquad::{Biquad, DirectForm2Transposed};

    /// The reference: the `biquad` crate's own sections, one axis.
    struct Scalar(Vec<DirectForm2Transposed<f32>>);

    impl Scalar {
        fn new(c: &Cascade) -> Self {
            Self(
                c.coeffs[..c.used]
                    .iter()
                    .map(|k| DirectForm2Transposed::new(*k))
                    .collect(),
            )
        }

        fn prime(&mut self, x: f32, c: &Cascade) {
            let mut input = x;
            for (s, k) in self.0.iter_mut().zip(&c.coeffs) {
                let y = (k.b0 + k.b1 + k.b2) / (1.0 + k.a1 + k.a2) * input;
                s.s1 = y - k.b0 * input;
                s.s2 = k.b2 * input - k.a2 * y;
                input = y;
            }
        }

        fn run(&mut self, x: f32) -> f32 {
            self.0.iter_mut().fold(x, |x, s| s.run(x))
        }
    }

    fn gain_at(c: Cascade, fs: f32, f: f32) -> f32 {
        let mut c = Cascade3::new(c);
        let n = (fs * 4.0) as usize;
        let mut peak = 0.0f32;
        for i in 0..n {
            let x = (2.0 * std::f32::consts::PI * f * i as f32 / fs).sin();
            let y = c.run([x, 0.0, 0.0])[0];
            if i > n / 2 {
                peak = peak.max(y.abs());
            }
        }
        peak
    }

    #[test]
    fn twitch_band_passes_band_and_rejects_gravity_and_sway() {
        for fs in [50.0, 100.0, 400.0, 1000.0] {
            let band = Cascade::band(fs, 5.0, 100.0);
            assert!(gain_at(band, fs, 15.0) > 0.8, "15 Hz at {fs}");
            assert!(gain_at(band, fs, 0.5) < 0.02, "0.5 Hz at {fs}");
        }
    }

    #[test]
    fn primed_filter_starts_in_steady_state() {
        let mut hp = Cascade3::new(Cascade::band(100.0, 5.0, 40.0));
        hp.prime([1.0, -0.3, 0.2]);
        assert!(hp.run([1.0, -0.3, 0.2]).iter().all(|y| y.abs() < 1e-5));
        let mut lp = Cascade3::new(Cascade::butterworth4(Type::LowPass, 1000.0, 20.0));
        lp.prime([-0.7, 0.0, 1.0]);
        let y = lp.run([-0.7, 0.0, 1.0]);
        assert!((y[0] + 0.7).abs() < 1e-4 && y[1].abs() < 1e-6 && (y[2] - 1.0).abs() < 1e-4);
    }

    #[test]
    fn three_axis_cascade_matches_the_biquad_crate() {
        for c in [
            Cascade::band(400.0, 5.0, 100.0),
            Cascade::band(100.0, 5.0, 100.0),
            Cascade::butterworth4(Type::LowPass, 100.0, 1.5),
            Cascade::butterworth2(Type::HighPass, 50.0, 3.0),
            Cascade::identity(),
        ] {
            let mut three = Cascade3::new(c);
            let mut scalar: Vec<Scalar> = (0..3).map(|_| Scalar::new(&c)).collect();
            three.prime([0.1, -0.2, 1.0]);
            for (axis, x) in scalar.iter_mut().zip([0.1, -0.2, 1.0]) {
                axis.prime(x, &c);
            }
            for i in 0..500 {
                let t = i as f32 / 100.0;
                let v = [(7.0 * t).sin(), 0.3 * (23.0 * t).cos(), 1.0 + 0.01 * t];
                let y = three.run(v);
                for (axis, s) in scalar.iter_mut().enumerate() {
                    let want = s.run(v[axis]);
                    assert!((y[axis] - want).abs() <= 1e-5 * want.abs().max(1.0), "{i}");
                }
            }
        }
    }

    #[test]
    fn fourth_order_low_pass_is_steep() {
        let lp = Cascade::butterworth4(Type::LowPass, 100.0, 1.5);
        assert!(gain_at(lp, 100.0, 0.5) > 0.95);
        assert!(gain_at(lp, 100.0, 4.0) < 0.03);
    }
}

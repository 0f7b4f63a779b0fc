//! Butterworth filter sections (on the `biquad` crate) shaped for the classifier's three-axis paths.
//! Cut-offs are clamped below Nyquist so every supported rate (25–1000 Hz) gets a stable filter.

use biquad::{Biquad, Coefficients, DirectForm2Transposed, Type};

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

/// A cascade of up to two biquad sections applied to one channel.
#[derive(Clone, Copy, Debug)]
pub struct Cascade {
    sections: [DirectForm2Transposed<f32>; 2],
    /// Kept beside the sections (whose copies are private) to compute a steady state.
    coeffs: [Coefficients<f32>; 2],
    used: usize,
}

impl Cascade {
    fn from_sections(coeffs: [Coefficients<f32>; 2], used: usize) -> Self {
        Self {
            sections: coeffs.map(DirectForm2Transposed::<f32>::new),
            coeffs,
            used,
        }
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
        let lp = if high_hz >= 0.45 * fs_hz {
            identity()
        } else {
            section(Type::LowPass, fs_hz, high_hz, BUTTERWORTH2_Q)
        };
        Self::from_sections([hp, lp], 2)
    }

    #[inline]
    pub fn run(&mut self, x: f32) -> f32 {
        match self.used {
            0 => x,
            1 => self.sections[0].run(x),
            _ => {
                let y = self.sections[0].run(x);
                self.sections[1].run(y)
            }
        }
    }

    /// Put every section in the steady state for a constant input `x`, so the 1 g gravity step
    /// at switch-on does not ring through a slow filter for seconds.
    pub fn prime(&mut self, x: f32) {
        let mut input = x;
        for (s, c) in self.sections.iter_mut().zip(&self.coeffs).take(self.used) {
            let dc_gain = (c.b0 + c.b1 + c.b2) / (1.0 + c.a1 + c.a2);
            let y = dc_gain * input;
            s.s1 = y - c.b0 * input;
            s.s2 = c.b2 * input - c.a2 * y;
            input = y;
        }
    }
}

/// The same cascade on x, y and z.
#[derive(Clone, Copy, Debug)]
pub struct Cascade3 {
    axes: [Cascade; 3],
}

impl Cascade3 {
    pub fn new(c: Cascade) -> Self {
        Self { axes: [c; 3] }
    }

    #[inline]
    pub fn run(&mut self, v: [f32; 3]) -> [f32; 3] {
        [
            self.axes[0].run(v[0]),
            self.axes[1].run(v[1]),
            self.axes[2].run(v[2]),
        ]
    }

    pub fn prime(&mut self, v: [f32; 3]) {
        for (axis, x) in self.axes.iter_mut().zip(v) {
            axis.prime(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gain_at(mut c: Cascade, fs: f32, f: f32) -> f32 {
        let n = (fs * 4.0) as usize;
        let mut peak = 0.0f32;
        for i in 0..n {
            let y = c.run((2.0 * std::f32::consts::PI * f * i as f32 / fs).sin());
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
        let mut hp = Cascade::band(100.0, 5.0, 40.0);
        hp.prime(1.0);
        assert!(hp.run(1.0).abs() < 1e-5);
        let mut lp = Cascade::butterworth4(Type::LowPass, 1000.0, 20.0);
        lp.prime(-0.7);
        assert!((lp.run(-0.7) + 0.7).abs() < 1e-4);
    }

    #[test]
    fn fourth_order_low_pass_is_steep() {
        let lp = Cascade::butterworth4(Type::LowPass, 100.0, 1.5);
        assert!(gain_at(lp, 100.0, 0.5) > 0.95);
        assert!(gain_at(lp, 100.0, 4.0) < 0.03);
    }
}

//! The involuntary movements the product must find: twitches, tremor bouts and spasms. They are all
//! planned up front (so the ground-truth labels exist before the first sample) and evaluated on demand.

use rand_chacha::ChaCha8Rng;

use super::motion::{
    cross, gauss, log_uniform, normalize, random_sign, scale, smooth_step, there_and_back, uniform,
    MotionSum, TAU,
};
use super::GRAVITY_M_S2 as G;

/// Distance from the wrist joint to a sensor on the back of the hand, body frame (x toward the fingers,
/// z out of the back of the hand). Hand tremor is mostly rotation about the wrist, so the sensor sees it
/// as tangential acceleration at this lever.
const HAND_LEVER_M: [f64; 3] = [0.07, 0.0, 0.03];
/// Lever for the tiny rotation a twitching muscle gives the skin under the sensor.
const TWITCH_LEVER_M: f64 = 0.05;

/// The sensor's own anti-aliasing filter (a real IMU low-passes near ODR/2.5): content the sampled
/// signal cannot carry is attenuated rather than aliased. Gain of a 4th-order Butterworth at 0.4·fs.
pub(super) fn sensor_gain(freq_hz: f64, sample_rate_hz: f64) -> f64 {
    let r = freq_hz / (0.4 * sample_rate_hz);
    1.0 / (1.0 + r.powi(8)).sqrt()
}

/// One twitch: a 5–6 ms rise then a damped oscillation (signals.md: single motor-unit twitch, onset
/// ≈5–6 ms, mechanomyography band 5–100 Hz).
#[derive(Debug, Clone)]
pub(super) struct Twitch {
    pub t0: f64,
    /// Label duration: the envelope has decayed to 5 % by then.
    pub duration_s: f64,
    /// Peak acceleration at the sensor, m/s² (after placement attenuation, before the sensor filter).
    pub peak_m_s2: f64,
    freq_hz: f64,
    rise_s: f64,
    decay_s: f64,
    /// Scale so that the waveform's peak equals `peak_m_s2`.
    k: f64,
    dir: [f64; 3],
    rot_axis: [f64; 3],
    filter_gain: f64,
}

impl Twitch {
    pub(super) fn plan(rng: &mut ChaCha8Rng, t0: f64, amp_g: f64, sample_rate_hz: f64) -> Twitch {
        let duration_s = uniform(rng, 0.02, 0.08);
        let freq_hz = log_uniform(rng, 8.0, 40.0);
        let onset_s = uniform(rng, 0.005, 0.006);
        let mut tw = Twitch {
            t0,
            duration_s,
            peak_m_s2: amp_g * G,
            freq_hz,
            rise_s: onset_s / 3.0,
            decay_s: duration_s / 3.0,
            k: 1.0,
            // Mostly perpendicular to the skin (the muscle belly bulges), some in plane.
            dir: normalize([0.35 * gauss(rng), 0.35 * gauss(rng), random_sign(rng)]),
            rot_axis: normalize([gauss(rng), gauss(rng), 0.3 * gauss(rng)]),
            filter_gain: sensor_gain(freq_hz, sample_rate_hz),
        };
        let mut peak: f64 = 0.0;
        let steps = (duration_s / 0.0002) as usize;
        for i in 0..=steps {
            peak = peak.max(tw.shape(i as f64 * 0.0002).0.abs());
        }
        tw.k = if peak > 0.0 { tw.peak_m_s2 / peak } else { 0.0 };
        tw
    }

    /// Unscaled (acceleration, angular rate factor) at `tau` after onset.
    fn shape(&self, tau: f64) -> (f64, f64) {
        let env = (1.0 - (-tau / self.rise_s).exp()) * (-tau / self.decay_s).exp();
        let (s, c) = (TAU * self.freq_hz * tau).sin_cos();
        (env * c, env * s)
    }

    /// Time after which the twitch is below 0.25 % of its peak and is no longer evaluated.
    pub(super) fn end_eval(&self) -> f64 {
        self.t0 + 2.0 * self.duration_s
    }

    pub(super) fn eval(&self, t: f64, sum: &mut MotionSum) {
        let tau = t - self.t0;
        if tau <= 0.0 || t >= self.end_eval() {
            return;
        }
        let (a, r) = self.shape(tau);
        let a = a * self.k * self.filter_gain;
        sum.add_lin(self.dir, a);
        // The rotation whose angular acceleration at the lever gives `a`.
        let w = TAU * self.freq_hz;
        let rate = r * self.k * self.filter_gain / (TWITCH_LEVER_M * w);
        let angle = -(a / (TWITCH_LEVER_M * w * w));
        sum.add_rot(self.rot_axis, angle, rate);
    }
}

/// One bout of tremor: an oscillating rotation of the hand about the wrist, with slow wander of
/// amplitude and frequency (±0.2 Hz) and smooth onset/offset.
#[derive(Debug, Clone)]
pub(super) struct TremorBout {
    pub t0: f64,
    pub t1: f64,
    pub freq_hz: f64,
    /// Largest tangential acceleration at the sensor over the bout, m/s² (the label).
    pub peak_m_s2: f64,
    amp_m_s2: f64,
    ramp_s: f64,
    /// Frequency wander: (Hz, rad/s, phase) pairs.
    freq_wander: [(f64, f64, f64); 2],
    /// Relative amplitude wander: (fraction, rad/s, phase) pairs.
    amp_wander: [(f64, f64, f64); 2],
    phase0: f64,
    axis: [f64; 3],
    /// |axis × lever|: converts angular to linear acceleration.
    lever_m: f64,
    lin_dir: [f64; 3],
    filter_gain: f64,
}

impl TremorBout {
    pub(super) fn plan(
        rng: &mut ChaCha8Rng,
        t0: f64,
        t1: f64,
        freq_hz: f64,
        amp_g: f64,
        sample_rate_hz: f64,
    ) -> TremorBout {
        let dur = t1 - t0;
        let wander_hz = 0.2;
        let f1 = uniform(rng, 0.5, 0.8);
        let freq_wander = [
            (
                wander_hz * f1,
                TAU * uniform(rng, 0.03, 0.1),
                uniform(rng, 0.0, TAU),
            ),
            (
                wander_hz * (1.0 - f1),
                TAU * uniform(rng, 0.1, 0.3),
                uniform(rng, 0.0, TAU),
            ),
        ];
        let amp_wander = [
            (0.15, TAU * uniform(rng, 0.02, 0.08), uniform(rng, 0.0, TAU)),
            (0.08, TAU * uniform(rng, 0.1, 0.3), uniform(rng, 0.0, TAU)),
        ];
        // Mostly flexion/extension at the wrist (body y), some pronation/supination and deviation.
        let axis = normalize([0.35 * gauss(rng), random_sign(rng), 0.25 * gauss(rng)]);
        let lin = cross(axis, HAND_LEVER_M);
        let lever_m = super::motion::norm(lin);
        let mut bout = TremorBout {
            t0,
            t1,
            freq_hz,
            peak_m_s2: 0.0,
            amp_m_s2: amp_g * G,
            ramp_s: (dur / 4.0).min(1.0),
            freq_wander,
            amp_wander,
            phase0: uniform(rng, 0.0, TAU),
            axis,
            lever_m,
            lin_dir: normalize(lin),
            filter_gain: sensor_gain(freq_hz + wander_hz, sample_rate_hz),
        };
        let mut peak: f64 = 0.0;
        let mut t = t0;
        while t <= t1 {
            let (amp, f) = bout.amp_freq(t);
            peak = peak.max(amp * (f / freq_hz).powi(2));
            t += 0.05;
        }
        bout.peak_m_s2 = peak;
        bout
    }

    /// Linear amplitude (m/s², before the frequency² factor) and instantaneous frequency at `t`.
    fn amp_freq(&self, t: f64) -> (f64, f64) {
        let tau = t - self.t0;
        let env = smooth_step(tau / self.ramp_s) * smooth_step((self.t1 - t) / self.ramp_s);
        let mut a = 1.0;
        for &(k, w, p) in &self.amp_wander {
            a += k * (w * tau + p).sin();
        }
        let mut f = self.freq_hz;
        for &(k, w, p) in &self.freq_wander {
            f += k * (w * tau + p).sin();
        }
        (self.amp_m_s2 * env * a, f)
    }

    pub(super) fn eval(&self, t: f64, sum: &mut MotionSum) {
        if t <= self.t0 || t >= self.t1 {
            return;
        }
        let tau = t - self.t0;
        let (amp, f) = self.amp_freq(t);
        // Phase is the integral of the wandering frequency, in closed form (no state: any t works).
        let mut phase = TAU * self.freq_hz * tau + self.phase0;
        for &(k, w, p) in &self.freq_wander {
            phase -= TAU * k / w * ((w * tau + p).cos() - p.cos());
        }
        let w0 = TAU * self.freq_hz;
        let w = TAU * f;
        let theta_amp = amp / (w0 * w0 * self.lever_m) * self.filter_gain;
        let (s, c) = phase.sin_cos();
        sum.add_rot(self.axis, theta_amp * s, theta_amp * w * c);
        sum.add_lin(self.lin_dir, -theta_amp * w * w * s * self.lever_m);
    }
}

/// One spasm: a fast contraction (the hand jerks and turns), a plateau with broadband low-frequency
/// content (no rhythm), and a release. signals.md: large, sustained, non-rhythmic.
#[derive(Debug, Clone)]
pub(super) struct Spasm {
    pub t0: f64,
    pub t1: f64,
    /// Largest linear acceleration injected, m/s² (the label).
    pub peak_m_s2: f64,
    ramp_s: f64,
    release_s: f64,
    disp_m: [f64; 3],
    rot_rad: [f64; 3],
    /// Broadband components: (rad/s, phase, linear m/s² per axis, rotation rad per axis).
    broadband: Vec<(f64, f64, [f64; 3], [f64; 3])>,
    lin_scale: f64,
}

impl Spasm {
    pub(super) fn plan(rng: &mut ChaCha8Rng, t0: f64, duration_s: f64, amp_g: f64) -> Spasm {
        let ramp_s = (0.1 * duration_s).clamp(0.15, 0.6);
        let release_s = (0.15 * duration_s).clamp(0.2, 1.0);
        let amp = amp_g * G;
        let dir = normalize([0.5 * gauss(rng), 0.5 * gauss(rng), random_sign(rng)]);
        // Cycloid peak acceleration is 2π·d/T²: size the jerk to ~80 % of the requested peak.
        let disp_m = scale(dir, 0.8 * amp * ramp_s * ramp_s / TAU);
        let angle = (15.0 + 25.0 * (amp_g.min(1.5) / 1.5)).to_radians();
        let rot_rad = scale(
            normalize([0.4 * gauss(rng), random_sign(rng), 0.3 * gauss(rng)]),
            angle,
        );
        let n = 14;
        let mut broadband = Vec::with_capacity(n);
        for _ in 0..n {
            let f = log_uniform(rng, 0.5, 8.0);
            let w = TAU * f;
            // Falling with frequency like most body movement; rotation so that the gyro sees it too.
            let lin = scale(
                [gauss(rng), gauss(rng), 1.5 * gauss(rng)],
                0.3 * amp / (n as f64).sqrt(),
            );
            let rot = scale(
                [0.5 * gauss(rng), gauss(rng), 0.5 * gauss(rng)],
                (2.0f64).to_radians() / f.sqrt(),
            );
            broadband.push((w, uniform(rng, 0.0, TAU), lin, rot));
        }
        let mut sp = Spasm {
            t0,
            t1: t0 + duration_s,
            peak_m_s2: 0.0,
            ramp_s,
            release_s,
            disp_m,
            rot_rad,
            broadband,
            lin_scale: 1.0,
        };
        // Rescale so that the injected peak is exactly the requested amplitude.
        let mut peak: f64 = 0.0;
        let mut t = t0;
        let step = 0.005;
        while t < sp.t1 {
            let mut m = MotionSum::default();
            sp.eval(t, &mut m);
            peak = peak.max(super::motion::norm(m.lin_m_s2));
            t += step;
        }
        if peak > 0.0 {
            sp.lin_scale = amp / peak;
        }
        sp.peak_m_s2 = amp;
        sp
    }

    pub(super) fn eval(&self, t: f64, sum: &mut MotionSum) {
        if t <= self.t0 || t >= self.t1 {
            return;
        }
        let tau = t - self.t0;
        let hold = (self.t1 - self.t0 - self.ramp_s - self.release_s).max(0.0);
        let (s, sd, sdd) = there_and_back(tau, self.ramp_s, hold, self.release_s);
        sum.add_lin(self.disp_m, sdd * self.lin_scale);
        sum.add_rot(self.rot_rad, s, sd);
        for &(w, p, lin, rot) in &self.broadband {
            let (sn, cs) = (w * tau + p).sin_cos();
            sum.add_lin(lin, s * sn * self.lin_scale);
            sum.add_rot(rot, s * sn, s * w * cs + sd * sn);
        }
    }
}

/// Evaluates a time-sorted list of events, skipping those that are over.
#[derive(Debug, Clone, Default)]
pub(super) struct Cursor {
    first_live: usize,
}

impl Cursor {
    pub(super) fn eval<T>(
        &mut self,
        events: &[T],
        t: f64,
        start: impl Fn(&T) -> f64,
        end: impl Fn(&T) -> f64,
        mut each: impl FnMut(&T),
    ) {
        while let Some(e) = events.get(self.first_live) {
            // Margin: jittered sample times can step back slightly.
            if end(e) + 0.05 < t {
                self.first_live += 1;
            } else {
                break;
            }
        }
        for e in events.get(self.first_live..).unwrap_or(&[]) {
            if start(e) > t {
                break;
            }
            if end(e) >= t {
                each(e);
            }
        }
    }
}

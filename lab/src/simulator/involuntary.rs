//! The involuntary movements the product must find: twitches, tremor bouts and spasms. They are all
//! planned up front (so the ground-truth labels exist before the first sample) and evaluated on demand.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::motion::{
    cross, gauss, normalize, random_sign, scale, smooth_step, there_and_back, uniform, MotionSum,
    TAU,
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

/// Time step of a twitch's tabulated waveform, s (fine enough for a 1 kHz sensor).
const TWITCH_TABLE_DT_S: f64 = 0.000_25;

/// How one twitch moves the skin under the sensor. signals.md: shapes vary (one push,
/// push-and-recoil, doublets), and a mechanical ring-down of skin and sensor can add higher
/// frequencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwitchShape {
    /// The skin bulges once and settles back.
    SinglePush,
    /// The bulge, then a smaller opposite swing as the tissue recoils.
    PushRecoil,
    /// Two discharges of the unit 10–40 ms apart: the second twitch rides on the first.
    Doublet,
    /// A single push whose sudden onset sets skin and sensor ringing at 15–40 Hz.
    RingDown,
}

impl TwitchShape {
    pub const ALL: [TwitchShape; 4] = [
        TwitchShape::SinglePush,
        TwitchShape::PushRecoil,
        TwitchShape::Doublet,
        TwitchShape::RingDown,
    ];
}

/// Skin displacement of one motor-unit twitch, peak 1 at the contraction time `tc`; it relaxes to
/// half at `tc + thr` (signals.md: contraction time 35–100 ms, half-relaxation 25–110 ms). Both
/// halves are smooth bells, so velocity is zero at the peak and the acceleration stays finite.
fn twitch_displacement(tau: f64, tc: f64, thr: f64) -> f64 {
    if tau <= 0.0 {
        0.0
    } else if tau <= tc {
        // A gamma-like rise: (t/tc)^3 e^{3(1 - t/tc)} peaks at 1 when t = tc.
        let u = tau / tc;
        (u * u * u * (3.0 * (1.0 - u)).exp()).min(1.0)
    } else {
        let u = (tau - tc) / thr;
        (-std::f64::consts::LN_2 * u * u).exp()
    }
}

/// One fasciculation as the sensor feels it: the acceleration of the skin's displacement (its
/// second derivative, tabulated once), in a random direction, with the small rotation the bulge
/// gives the sensor.
#[derive(Debug, Clone)]
pub(super) struct Twitch {
    pub t0: f64,
    /// Label duration: contraction plus twice the half-relaxation (the skin is back by then).
    pub duration_s: f64,
    /// Peak acceleration at the sensor, m/s² (after placement attenuation, before the sensor filter).
    pub peak_m_s2: f64,
    /// Acceleration (m/s², already scaled to `peak_m_s2` and through the sensor's filter) and
    /// skin velocity (m/s) every `TWITCH_TABLE_DT_S`.
    accel: Vec<f32>,
    velocity: Vec<f32>,
    displacement_m: Vec<f32>,
    dir: [f64; 3],
    rot_axis: [f64; 3],
}

impl Twitch {
    pub(super) fn plan(
        rng: &mut ChaCha8Rng,
        t0: f64,
        amp_g: f64,
        sample_rate_hz: f64,
        shape: TwitchShape,
    ) -> Twitch {
        let tc = uniform(rng, 0.035, 0.100);
        let thr = uniform(rng, 0.025, 0.110);
        let single = |tau: f64| twitch_displacement(tau, tc, thr);
        let (recoil_k, recoil_at, second_k, second_at) = match shape {
            TwitchShape::PushRecoil => (uniform(rng, 0.3, 0.7), tc + thr, 0.0, 0.0),
            TwitchShape::Doublet => (0.0, 0.0, uniform(rng, 0.6, 1.0), uniform(rng, 0.010, 0.040)),
            TwitchShape::SinglePush | TwitchShape::RingDown => (0.0, 0.0, 0.0, 0.0),
        };
        let recoil_thr = thr * uniform(rng, 0.8, 1.5);
        let displacement = |tau: f64| {
            single(tau) + second_k * single(tau - second_at)
                - recoil_k * twitch_displacement(tau - recoil_at, tc, recoil_thr)
        };
        let tail = if recoil_k > 0.0 {
            recoil_at + 2.5 * recoil_thr
        } else {
            0.0
        };
        let span_s = (tc + 3.0 * thr + second_at).max(tail) + 0.02;
        let dt = TWITCH_TABLE_DT_S;
        let n = (span_s / dt).ceil() as usize + 2;
        let disp: Vec<f64> = (0..n).map(|i| displacement(i as f64 * dt)).collect();
        let mut velocity: Vec<f64> = vec![0.0; n];
        let mut accel: Vec<f64> = vec![0.0; n];
        for i in 1..n - 1 {
            velocity[i] = (disp[i + 1] - disp[i - 1]) / (2.0 * dt);
            accel[i] = (disp[i + 1] - 2.0 * disp[i] + disp[i - 1]) / (dt * dt);
        }
        if shape == TwitchShape::RingDown {
            // The ring's strength is set against the push's own peak acceleration.
            let push_peak = accel.iter().fold(0.0f64, |m, a| m.max(a.abs()));
            let f = uniform(rng, 15.0, 40.0);
            let decay = uniform(rng, 0.015, 0.045);
            let k = push_peak * uniform(rng, 0.4, 1.0);
            for (i, a) in accel.iter_mut().enumerate() {
                let tau = i as f64 * dt;
                let onset = 1.0 - (-tau / 0.004).exp();
                *a += k * onset * (-tau / decay).exp() * (TAU * f * tau).sin();
            }
        }
        // The sensor's anti-alias filter: a twitch's content sits mostly in 3–30 Hz; model it as
        // one-pole smoothing at 0.4·fs so that fast ring-downs are softened at low rates.
        let fc = 0.4 * sample_rate_hz;
        let alpha = 1.0 - (-TAU * fc * dt).exp();
        let mut y = 0.0;
        for a in accel.iter_mut() {
            y += alpha * (*a - y);
            *a = y;
        }
        let peak = accel.iter().fold(0.0f64, |m, a| m.max(a.abs()));
        let peak_m_s2 = amp_g * G;
        let k = if peak > 0.0 { peak_m_s2 / peak } else { 0.0 };
        Twitch {
            t0,
            duration_s: tc + 2.0 * thr + second_at,
            peak_m_s2,
            accel: accel.iter().map(|a| (a * k) as f32).collect(),
            velocity: velocity.iter().map(|v| (v * k) as f32).collect(),
            displacement_m: disp.iter().map(|d| (d * k) as f32).collect(),
            // Any direction: the muscle bulges under the sensor at whatever angle it lies.
            dir: normalize([gauss(rng), gauss(rng), gauss(rng)]),
            rot_axis: normalize([gauss(rng), gauss(rng), 0.3 * gauss(rng)]),
        }
    }

    /// Time after which the twitch no longer moves the sensor.
    pub(super) fn end_eval(&self) -> f64 {
        self.t0 + self.accel.len() as f64 * TWITCH_TABLE_DT_S
    }

    pub(super) fn eval(&self, t: f64, sum: &mut MotionSum) {
        let tau = t - self.t0;
        if tau <= 0.0 || t >= self.end_eval() {
            return;
        }
        let x = tau / TWITCH_TABLE_DT_S;
        let i = x as usize;
        let frac = (x - i as f64) as f32;
        let at = |v: &[f32]| {
            let a = v.get(i).copied().unwrap_or(0.0);
            let b = v.get(i + 1).copied().unwrap_or(0.0);
            f64::from(a + (b - a) * frac)
        };
        sum.add_lin(self.dir, at(&self.accel));
        // The bulge tilts the sensor a little: skin velocity over the lever is the angular rate.
        let rate = at(&self.velocity) / TWITCH_LEVER_M;
        let angle = at(&self.displacement_m) / TWITCH_LEVER_M;
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
        // Frequency drifts by 0.05–0.5 Hz and amplitude by 10–45 %, differently for every bout.
        let wander_hz = uniform(rng, 0.05, 0.5);
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
        let amp_depth = uniform(rng, 0.1, 0.45);
        let amp_wander = [
            (
                0.65 * amp_depth,
                TAU * uniform(rng, 0.02, 0.08),
                uniform(rng, 0.0, TAU),
            ),
            (
                0.35 * amp_depth,
                TAU * uniform(rng, 0.1, 0.5),
                uniform(rng, 0.0, TAU),
            ),
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

/// Smooth random signal with random access: Gaussian values at knots `rate_hz` apart (from a hash of
/// the knot index, so no state and any time can be asked for), joined by Catmull–Rom splines. Its
/// spectrum is continuous (no lines) and falls off above about `rate_hz`/2. Returns (value, d/dt).
pub(super) fn smooth_noise(seed: u64, channel: u64, rate_hz: f64, t: f64) -> (f64, f64) {
    let u = t * rate_hz;
    let i = u.floor();
    let f = u - i;
    let i = i as i64;
    let p = [-1i64, 0, 1, 2].map(|k| knot(seed, channel, i + k));
    let a = 2.0 * p[1];
    let b = p[2] - p[0];
    let c = 2.0 * p[0] - 5.0 * p[1] + 4.0 * p[2] - p[3];
    let d = -p[0] + 3.0 * p[1] - 3.0 * p[2] + p[3];
    let value = 0.5 * (a + f * (b + f * (c + f * d)));
    let slope = 0.5 * (b + f * (2.0 * c + f * 3.0 * d)) * rate_hz;
    (value, slope)
}

/// A standard normal value determined by (seed, channel, index) alone.
fn knot(seed: u64, channel: u64, index: i64) -> f64 {
    let mut x = seed
        ^ channel.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (index as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut next = || {
        // splitmix64
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let u1 = ((next() >> 11) as f64 + 1.0) / (1u64 << 53) as f64; // (0, 1]
    let u2 = (next() >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

/// Knot rates of the spasm's two random components: a slow heave (content below ~1.5 Hz) and faster
/// jerks (below ~6 Hz). Most of the energy is slow, none of it periodic.
const SPASM_SLOW_HZ: f64 = 3.0;
const SPASM_FAST_HZ: f64 = 12.0;

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
    noise_seed: u64,
    /// Per axis: m/s² of the slow and the fast random component, and rad of random rotation.
    slow_m_s2: [f64; 3],
    fast_m_s2: [f64; 3],
    wobble_rad: [f64; 3],
    lin_scale: f64,
    /// What was planned, for diagnosis (`Simulator::spasm_plans`).
    pub kind: SpasmKind,
    pub posture_change: bool,
}

/// The kinds of sustained contraction the simulator makes (signals.md: seconds up to about
/// 15 minutes; large, non-rhythmic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpasmKind {
    /// A slow tonic contraction: long ramp, steady hold, little vibration.
    Tonic,
    /// A cramp: the contraction trembles irregularly while it holds.
    Cramp,
    /// A brief strong jerk into the contraction: fast ramp, strong vibration at onset.
    Jerk,
}

impl SpasmKind {
    pub(super) const ALL: [SpasmKind; 3] = [SpasmKind::Tonic, SpasmKind::Cramp, SpasmKind::Jerk];
}

impl Spasm {
    /// `posture_change`: whether the contraction moves the hand to a new angle (a cramp that
    /// curls the fingers) or holds it where it was (co-contraction of opposing muscles).
    pub(super) fn plan(
        rng: &mut ChaCha8Rng,
        t0: f64,
        duration_s: f64,
        amp_g: f64,
        kind: SpasmKind,
        posture_change: bool,
    ) -> Spasm {
        let (ramp_k, slow_k, fast_k) = match kind {
            SpasmKind::Tonic => (uniform(rng, 0.15, 0.3), 0.3, uniform(rng, 0.05, 0.12)),
            SpasmKind::Cramp => (uniform(rng, 0.08, 0.15), 0.3, uniform(rng, 0.2, 0.4)),
            SpasmKind::Jerk => (uniform(rng, 0.03, 0.08), 0.35, uniform(rng, 0.12, 0.3)),
        };
        let ramp_s = (ramp_k * duration_s).clamp(0.1, 2.0);
        let release_s = (0.15 * duration_s).clamp(0.2, 1.0);
        let amp = amp_g * G;
        let dir = normalize([0.5 * gauss(rng), 0.5 * gauss(rng), random_sign(rng)]);
        // Cycloid peak acceleration is 2π·d/T²: size the jerk to ~80 % of the requested peak.
        let disp_m = scale(dir, 0.8 * amp * ramp_s * ramp_s / TAU);
        let posture_k = if posture_change {
            1.0
        } else {
            uniform(rng, 0.0, 0.15)
        };
        let angle = posture_k * (15.0 + 25.0 * (amp_g.min(1.5) / 1.5)).to_radians();
        let rot_rad = scale(
            normalize([0.4 * gauss(rng), random_sign(rng), 0.3 * gauss(rng)]),
            angle,
        );
        let mix = |rng: &mut ChaCha8Rng, k: f64| {
            scale(
                [
                    0.6 + 0.4 * rng.gen::<f64>(),
                    0.6 + 0.4 * rng.gen::<f64>(),
                    1.0 + 0.5 * rng.gen::<f64>(),
                ],
                k,
            )
        };
        let mut sp = Spasm {
            t0,
            t1: t0 + duration_s,
            peak_m_s2: 0.0,
            ramp_s,
            release_s,
            disp_m,
            rot_rad,
            noise_seed: rng.gen::<u64>(),
            slow_m_s2: mix(rng, slow_k * amp),
            fast_m_s2: mix(rng, fast_k * amp),
            wobble_rad: mix(rng, 3f64.to_radians()),
            lin_scale: 1.0,
            kind,
            posture_change,
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
        let mut lin = [0.0; 3];
        for (k, v) in lin.iter_mut().enumerate() {
            let ch = k as u64;
            let (slow, _) = smooth_noise(self.noise_seed, ch, SPASM_SLOW_HZ, tau);
            let (fast, _) = smooth_noise(self.noise_seed, 3 + ch, SPASM_FAST_HZ, tau);
            *v = s * (slow * self.slow_m_s2[k] + fast * self.fast_m_s2[k]);
            let (w, w_rate) = smooth_noise(self.noise_seed, 6 + ch, SPASM_SLOW_HZ, tau);
            sum.rot_rad[k] += s * w * self.wobble_rad[k];
            sum.rate_rad_s[k] += (s * w_rate + sd * w) * self.wobble_rad[k];
        }
        sum.add_lin(lin, self.lin_scale);
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

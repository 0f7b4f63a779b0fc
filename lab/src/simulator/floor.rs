//! The living floor: what a resting hand does when nothing happens. signals.md: real idle hands
//! vary by 2–7 mg sample to sample at the wrist, with 0.5–10 °/s of rotation, from physiological
//! tremor, pulse, breathing and small adjustments — several times a bare sensor's 0.5–1 mg.
//! Every source here is per person (drawn once from the seed) and present in every activity.

use rand_chacha::ChaCha8Rng;

use super::motion::{gauss, normalize, uniform, MotionSum, TAU};
use super::GRAVITY_M_S2 as G;

/// RMS of `smooth_noise`'s value: Catmull–Rom weights through unit Gaussian knots, averaged over a knot interval.
const MICRO_NOISE_RMS: f64 = 0.90;

/// Lever from the wrist to the sensor for the floor's small rotations, m.
const FLOOR_LEVER_M: f64 = 0.06;

/// How strong each source of a person's resting floor is. `LivingFloor::none()` is a hand carved
/// in stone (the simulator's old behaviour, kept for unit tests that need a silent floor).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FloorLevels {
    /// Physiological tremor: peak tangential acceleration at the sensor, g (0 = none).
    pub physiological_tremor_g: f32,
    /// Its centre frequency, Hz (signals.md: 8–12 Hz).
    pub physiological_tremor_hz: f32,
    /// Ballistocardiographic kick of each heartbeat at the sensor, g peak.
    pub pulse_g: f32,
    /// Heart rate, beats per minute.
    pub heart_rate_bpm: f32,
    /// Breathing: peak tilt of the resting hand, degrees.
    pub breathing_tilt_deg: f32,
    /// Postural sway: RMS angular rate (all axes together) of slow random rotation, deg/s.
    pub sway_dps: f32,
    /// Irregular micro-movement of the resting hand (small muscle and tendon activity, not a
    /// rhythm): RMS linear acceleration per axis at the sensor, g. It is what makes a real idle
    /// hand differ by several mg from one sample to the next, where a bare sensor differs by
    /// about 1 mg.
    #[serde(default)]
    pub micro_movement_g: f32,
    /// Where the micro-movement's spectrum falls off, Hz (muscle vibration spans 5–100 Hz,
    /// signals.md); the sensor's anti-alias filter caps it at 0.4 × the sample rate.
    #[serde(default = "default_micro_movement_hz")]
    pub micro_movement_hz: f32,
}

fn default_micro_movement_hz() -> f32 {
    20.0
}

impl FloorLevels {
    pub fn none() -> FloorLevels {
        FloorLevels {
            physiological_tremor_g: 0.0,
            physiological_tremor_hz: 10.0,
            pulse_g: 0.0,
            heart_rate_bpm: 70.0,
            breathing_tilt_deg: 0.0,
            sway_dps: 0.0,
            micro_movement_g: 0.0,
            micro_movement_hz: default_micro_movement_hz(),
        }
    }

    /// A random person: every level log-spread so that, at a 104 Hz wrist sensor, both readings of
    /// the notes' "2–7 mg sample to sample" are covered — the spread per axis spans about
    /// 1.2–9 mg and the RMS difference of consecutive samples 1.1–6 mg — and the gyroscope's RMS
    /// 0.5–6.5 °/s (`lab/tests/resting_floor.rs` measures it). The notes' idle hands reach
    /// 10 °/s; slow rotation that large tilts a resting hand by degrees, which reads as movement
    /// here as it would on a real hand. Physiological tremor: normal postural hand tremor is
    /// published at 1.5–35 mg peak, typically about 10 mg (docs/spasm-facts.md, S40).
    pub fn random(rng: &mut ChaCha8Rng) -> FloorLevels {
        let log_uniform =
            |rng: &mut ChaCha8Rng, lo: f64, hi: f64| (uniform(rng, lo.ln(), hi.ln())).exp() as f32;
        FloorLevels {
            physiological_tremor_g: log_uniform(rng, 0.001, 0.012),
            physiological_tremor_hz: uniform(rng, 8.0, 12.0) as f32,
            pulse_g: log_uniform(rng, 0.0004, 0.002),
            heart_rate_bpm: uniform(rng, 52.0, 100.0) as f32,
            breathing_tilt_deg: log_uniform(rng, 0.05, 0.6),
            sway_dps: log_uniform(rng, 0.4, 8.0),
            micro_movement_g: log_uniform(rng, 0.0003, 0.007),
            micro_movement_hz: log_uniform(rng, 12.0, 50.0),
        }
    }

    /// The same person made more (or less) restless: every level of movement times `k`; the
    /// frequencies and the heart rate stay.
    pub fn scaled(self, k: f32) -> FloorLevels {
        FloorLevels {
            physiological_tremor_g: self.physiological_tremor_g * k,
            pulse_g: self.pulse_g * k,
            breathing_tilt_deg: self.breathing_tilt_deg * k,
            sway_dps: self.sway_dps * k,
            micro_movement_g: self.micro_movement_g * k,
            ..self
        }
    }
}

/// One person's floor, evaluated at any time (no state: the random parts are hashed from the time).
#[derive(Debug, Clone)]
pub(super) struct LivingFloor {
    levels: FloorLevels,
    seed: u64,
    tremor_axis: [f64; 3],
    pulse_dir: [f64; 3],
    breath_axis: [f64; 3],
    breath_hz: f64,
    breath_phase: f64,
    beat_s: f64,
    beat_phase_s: f64,
    /// The pulse kick's ring frequency and decay.
    pulse_hz: f64,
    pulse_decay_s: f64,
    micro_knots_hz: f64,
}

impl LivingFloor {
    pub(super) fn new(
        rng: &mut ChaCha8Rng,
        levels: FloorLevels,
        sample_rate_hz: f64,
    ) -> LivingFloor {
        let beat_s = 60.0 / f64::from(levels.heart_rate_bpm).clamp(30.0, 200.0);
        LivingFloor {
            levels,
            seed: rand::Rng::gen(rng),
            tremor_axis: normalize([0.4 * gauss(rng), 1.0, 0.3 * gauss(rng)]),
            pulse_dir: normalize([gauss(rng), gauss(rng), gauss(rng)]),
            breath_axis: normalize([1.0, 0.5 * gauss(rng), 0.3 * gauss(rng)]),
            breath_hz: uniform(rng, 0.2, 0.33),
            breath_phase: uniform(rng, 0.0, TAU),
            beat_s,
            beat_phase_s: uniform(rng, 0.0, beat_s),
            pulse_hz: uniform(rng, 4.0, 9.0),
            pulse_decay_s: uniform(rng, 0.04, 0.1),
            // Catmull–Rom knots twice the fall-off frequency apart.
            micro_knots_hz: 2.0 * f64::from(levels.micro_movement_hz).min(0.4 * sample_rate_hz),
        }
    }

    pub(super) fn eval(&self, t: f64, sum: &mut MotionSum) {
        let lv = &self.levels;
        if lv.physiological_tremor_g > 0.0 {
            // Narrow-band: a carrier whose amplitude (50–150 %) and frequency (±0.7 Hz) wander
            // with smooth noise, as physiological tremor does.
            let (am, _) = super::involuntary::smooth_noise(self.seed, 1, 0.7, t);
            let (fm_phase, _) = super::involuntary::smooth_noise(self.seed, 2, 0.5, t);
            let f = f64::from(lv.physiological_tremor_hz);
            let w = TAU * f;
            // A slowly wandering phase: about ±0.2 Hz of frequency wander.
            let phase = w * t + 1.5 * fm_phase;
            let amp = f64::from(lv.physiological_tremor_g) * G * (1.0 + 0.5 * am.clamp(-1.0, 1.0));
            let theta = amp / (w * w * FLOOR_LEVER_M);
            let (s, c) = phase.sin_cos();
            sum.add_rot(self.tremor_axis, theta * s, theta * w * c);
            sum.add_lin(self.tremor_axis_tangent(), -amp * s);
        }
        if lv.pulse_g > 0.0 {
            let since_beat = (t + self.beat_phase_s).rem_euclid(self.beat_s);
            let env = (-since_beat / self.pulse_decay_s).exp() * (1.0 - (-since_beat / 0.01).exp());
            let a = f64::from(lv.pulse_g) * G * env * (TAU * self.pulse_hz * since_beat).sin();
            sum.add_lin(self.pulse_dir, a);
        }
        if lv.breathing_tilt_deg > 0.0 {
            let w = TAU * self.breath_hz;
            let amp = f64::from(lv.breathing_tilt_deg).to_radians();
            let (s, c) = (w * t + self.breath_phase).sin_cos();
            sum.add_rot(self.breath_axis, amp * s, amp * w * c);
        }
        if lv.sway_dps > 0.0 {
            // Slow random rotation, smooth noise at 1–2 Hz knots on each axis.
            for (axis, ch) in [
                ([1.0, 0.0, 0.0], 3u64),
                ([0.0, 1.0, 0.0], 4),
                ([0.0, 0.0, 1.0], 5),
            ] {
                let (v, dv) = super::involuntary::smooth_noise(self.seed, ch, 1.5, t);
                // The spline's slope has an RMS of 1.53·rate_hz per unit value; each of the three
                // axes carries a third of the power.
                let k = f64::from(lv.sway_dps).to_radians() / (1.53 * 1.5 * 3f64.sqrt());
                sum.add_rot(axis, k * v, k * dv);
            }
        }
        if lv.micro_movement_g > 0.0 {
            self.micro_movement(t, sum);
        }
    }

    fn micro_movement(&self, t: f64, sum: &mut MotionSum) {
        let lv = &self.levels;
        let k = f64::from(lv.micro_movement_g) * G / MICRO_NOISE_RMS;
        let mut lin = [0.0; 3];
        for (ch, v) in lin.iter_mut().enumerate() {
            let (value, _) =
                super::involuntary::smooth_noise(self.seed, 6 + ch as u64, self.micro_knots_hz, t);
            *v = k * value;
        }
        sum.add_lin(lin, 1.0);
    }

    /// The linear direction of the physiological tremor at the lever (perpendicular to its axis).
    fn tremor_axis_tangent(&self) -> [f64; 3] {
        normalize(super::motion::cross(
            self.tremor_axis,
            [FLOOR_LEVER_M, 0.0, 0.02],
        ))
    }
}

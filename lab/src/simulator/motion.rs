//! Kinematics of the simulated hand: orientation (quaternions), smooth movement primitives and the
//! voluntary activities (typing, writing, walking, reaching) built from them, generated lazily.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::scenario::EverydayTask;

use twitchwatch_model::Activity;

pub(super) const TAU: f64 = std::f64::consts::TAU;

/// A unit quaternion; rotates body-frame vectors into the world frame (z up).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Quat {
    w: f64,
    x: f64,
    y: f64,
    z: f64,
}

impl Quat {
    pub(super) fn from_rotvec(v: [f64; 3]) -> Quat {
        let angle = norm(v);
        if angle < 1e-12 {
            return Quat {
                w: 1.0,
                x: 0.5 * v[0],
                y: 0.5 * v[1],
                z: 0.5 * v[2],
            };
        }
        let h = 0.5 * angle;
        let (s, c) = if h < 0.1 {
            // Most per-sample rotations are small: a short series is exact to ~1e-13 and much cheaper.
            let h2 = h * h;
            (
                h * (1.0 - h2 / 6.0 * (1.0 - h2 / 20.0 * (1.0 - h2 / 42.0))),
                1.0 - h2 / 2.0 * (1.0 - h2 / 12.0 * (1.0 - h2 / 30.0 * (1.0 - h2 / 56.0))),
            )
        } else {
            h.sin_cos()
        };
        let k = s / angle;
        Quat {
            w: c,
            x: k * v[0],
            y: k * v[1],
            z: k * v[2],
        }
    }

    /// Shortest rotation vector with the same effect.
    pub(super) fn to_rotvec(self) -> [f64; 3] {
        let q = if self.w < 0.0 { self.neg() } else { self };
        let s = (q.x * q.x + q.y * q.y + q.z * q.z).sqrt();
        if s < 1e-12 {
            return [2.0 * q.x, 2.0 * q.y, 2.0 * q.z];
        }
        let angle = 2.0 * s.atan2(q.w);
        let k = angle / s;
        [k * q.x, k * q.y, k * q.z]
    }

    fn neg(self) -> Quat {
        Quat {
            w: -self.w,
            x: -self.x,
            y: -self.y,
            z: -self.z,
        }
    }

    pub(super) fn conj(self) -> Quat {
        Quat {
            w: self.w,
            x: -self.x,
            y: -self.y,
            z: -self.z,
        }
    }

    pub(super) fn mul(self, o: Quat) -> Quat {
        Quat {
            w: self.w * o.w - self.x * o.x - self.y * o.y - self.z * o.z,
            x: self.w * o.x + self.x * o.w + self.y * o.z - self.z * o.y,
            y: self.w * o.y - self.x * o.z + self.y * o.w + self.z * o.x,
            z: self.w * o.z + self.x * o.y - self.y * o.x + self.z * o.w,
        }
    }

    /// Rotation matrix, row-major: world = M · body.
    pub(super) fn matrix(self) -> [[f64; 3]; 3] {
        let Quat { w, x, y, z } = self;
        [
            [
                1.0 - 2.0 * (y * y + z * z),
                2.0 * (x * y - w * z),
                2.0 * (x * z + w * y),
            ],
            [
                2.0 * (x * y + w * z),
                1.0 - 2.0 * (x * x + z * z),
                2.0 * (y * z - w * x),
            ],
            [
                2.0 * (x * z - w * y),
                2.0 * (y * z + w * x),
                1.0 - 2.0 * (x * x + y * y),
            ],
        ]
    }

    /// Orientation from roll (about x), pitch (about y), yaw (about z), applied yaw · pitch · roll.
    pub(super) fn from_euler_deg(roll: f64, pitch: f64, yaw: f64) -> Quat {
        let rz = Quat::from_rotvec([0.0, 0.0, yaw.to_radians()]);
        let ry = Quat::from_rotvec([0.0, pitch.to_radians(), 0.0]);
        let rx = Quat::from_rotvec([roll.to_radians(), 0.0, 0.0]);
        rz.mul(ry).mul(rx)
    }
}

pub(super) fn norm(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

pub(super) fn normalize(v: [f64; 3]) -> [f64; 3] {
    let n = norm(v);
    if n < 1e-12 {
        [0.0, 0.0, 1.0]
    } else {
        [v[0] / n, v[1] / n, v[2] / n]
    }
}

pub(super) fn scale(v: [f64; 3], k: f64) -> [f64; 3] {
    [v[0] * k, v[1] * k, v[2] * k]
}

pub(super) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Mᵀ · u: a world vector seen in the body frame.
pub(super) fn mat_t_mul(m: &[[f64; 3]; 3], u: [f64; 3]) -> [f64; 3] {
    [
        m[0][0] * u[0] + m[1][0] * u[1] + m[2][0] * u[2],
        m[0][1] * u[0] + m[1][1] * u[1] + m[2][1] * u[2],
        m[0][2] * u[0] + m[1][2] * u[1] + m[2][2] * u[2],
    ]
}

/// A standard normal draw (Box–Muller; one of the pair is thrown away to keep the code stateless).
pub(super) fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>(); // (0, 1]
    let u2: f64 = rng.gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

pub(super) fn uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        lo
    } else {
        rng.gen_range(lo..hi)
    }
}

/// Log-uniform: small values as common per octave as large ones.
pub(super) fn log_uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    if hi <= lo || lo <= 0.0 {
        lo
    } else {
        (uniform(rng, lo.ln(), hi.ln())).exp()
    }
}

pub(super) fn random_sign(rng: &mut ChaCha8Rng) -> f64 {
    if rng.gen::<bool>() {
        1.0
    } else {
        -1.0
    }
}

/// Position along a there-and-back movement: out (0→1), hold, back (1→0), each leg a cycloid so that
/// velocity and acceleration are zero at both ends (smooth, like a minimum-jerk reach).
/// Returns (position, velocity /s, acceleration /s²).
pub(super) fn there_and_back(tau: f64, out_s: f64, hold_s: f64, back_s: f64) -> (f64, f64, f64) {
    if tau <= 0.0 || tau >= out_s + hold_s + back_s {
        return (0.0, 0.0, 0.0);
    }
    if tau < out_s {
        let u = tau / out_s;
        let (s, c) = (TAU * u).sin_cos();
        (u - s / TAU, (1.0 - c) / out_s, TAU * s / (out_s * out_s))
    } else if tau < out_s + hold_s {
        (1.0, 0.0, 0.0)
    } else {
        let u = (tau - out_s - hold_s) / back_s;
        let (s, c) = (TAU * u).sin_cos();
        (
            1.0 - (u - s / TAU),
            -(1.0 - c) / back_s,
            -TAU * s / (back_s * back_s),
        )
    }
}

/// Everything the hand does at one instant, summed over all sources.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct MotionSum {
    /// Linear acceleration in the (slowly moving) posture frame, m/s².
    pub lin_m_s2: [f64; 3],
    /// Linear acceleration in the world frame (z up), m/s².
    pub world_m_s2: [f64; 3],
    /// Small rotation on top of the posture, as a rotation vector in the body frame, rad.
    pub rot_rad: [f64; 3],
    /// Rate of `rot_rad`, rad/s (the body angular velocity it causes).
    pub rate_rad_s: [f64; 3],
}

impl MotionSum {
    pub(super) fn add_lin(&mut self, a: [f64; 3], k: f64) {
        for (d, s) in self.lin_m_s2.iter_mut().zip(a) {
            *d += k * s;
        }
    }

    pub(super) fn add_rot(&mut self, axis: [f64; 3], angle: f64, rate: f64) {
        for ((r, d), a) in self.rot_rad.iter_mut().zip(&mut self.rate_rad_s).zip(axis) {
            *r += a * angle;
            *d += a * rate;
        }
    }
}

/// A brief impact (a key bottoming out): a damped oscillation, like a small twitch but caused by the user.
#[derive(Debug, Clone, Copy)]
struct Click {
    at_s: f64,
    amp_m_s2: f64,
    freq_hz: f64,
}

/// One smooth voluntary movement: the hand moves by `disp_m` and turns by `rot_rad`, then comes back.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pulse {
    pub t0: f64,
    pub out_s: f64,
    pub hold_s: f64,
    pub back_s: f64,
    pub disp_m: [f64; 3],
    pub rot_rad: [f64; 3],
    click: Option<Click>,
}

impl Pulse {
    pub(super) fn new(
        t0: f64,
        out_s: f64,
        hold_s: f64,
        back_s: f64,
        disp_m: [f64; 3],
        rot_rad: [f64; 3],
    ) -> Pulse {
        Pulse {
            t0,
            out_s,
            hold_s,
            back_s,
            disp_m,
            rot_rad,
            click: None,
        }
    }

    pub(super) fn end(&self) -> f64 {
        self.t0
            + self.out_s
            + self.hold_s
            + self.back_s
            + if self.click.is_some() { 0.1 } else { 0.0 }
    }

    pub(super) fn eval(&self, t: f64, gain: f64, sum: &mut MotionSum) {
        let tau = t - self.t0;
        let (s, sd, sdd) = there_and_back(tau, self.out_s, self.hold_s, self.back_s);
        if s != 0.0 || sd != 0.0 || sdd != 0.0 {
            sum.add_lin(self.disp_m, sdd * gain);
            for i in 0..3 {
                sum.rot_rad[i] += self.rot_rad[i] * s * gain;
                sum.rate_rad_s[i] += self.rot_rad[i] * sd * gain;
            }
        }
        if let Some(c) = self.click {
            let tc = t - c.at_s;
            if (0.0..0.06).contains(&tc) {
                // 6 ms decay: a key stop is stiff, so the ring-down is short.
                let a = c.amp_m_s2 * gain * (TAU * c.freq_hz * tc).sin() * (-tc / 0.006).exp();
                sum.lin_m_s2[2] += a;
            }
        }
    }
}

/// The kinds of voluntary movement trains an activity is built from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TrainKind {
    /// Finger taps: irregular, 2–8 Hz content, tens of mg on the back of the hand.
    Keystrokes,
    /// The typing hand moving to other keys now and then.
    HandShifts,
    /// Pen strokes: 1–5 Hz, small.
    PenStrokes,
    /// Moving the writing hand along the line.
    LineShifts,
    /// Large smooth reaches of 0.5–2 s per leg.
    Reaches,
    /// Small shifts of a resting hand (scratching, adjusting), at the given mean rate per second.
    Fidgets(f64),
    /// Smooth there-and-back movements of an everyday task (a mouse glide, a swipe, a page turn).
    Glides(&'static GlideSpec),
    /// Brief finger impacts that reach the sensor (a click, a tap on glass).
    Taps(&'static TapSpec),
    /// Bursts of voluntary rhythm (scratching, drumming the fingers, cutting food).
    Rhythm(&'static RhythmSpec),
}

/// One kind of smooth voluntary movement, as ranges drawn per movement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct GlideSpec {
    /// Mean movements per second (Poisson gaps after each ends).
    pub per_s: f64,
    pub leg_s: (f64, f64),
    pub hold_s: (f64, f64),
    pub disp_m: (f64, f64),
    pub rot_deg: (f64, f64),
}

/// Finger impacts: a damped ring at the sensor plus the small press that made it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct TapSpec {
    pub per_s: f64,
    /// Peak of the impact's ring at the back of the hand, g.
    pub ring_g: (f64, f64),
    pub ring_hz: (f64, f64),
    /// Peak of the press itself (a smooth push of 50–150 ms legs), g.
    pub press_g: (f64, f64),
}

/// Bursts of rhythmic voluntary movement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RhythmSpec {
    pub freq_hz: (f64, f64),
    pub burst_s: (f64, f64),
    pub gap_s: (f64, f64),
    /// Peak rotation per cycle, degrees.
    pub rot_deg: (f64, f64),
    /// Linear displacement per cycle, m.
    pub disp_m: (f64, f64),
}

/// A lazily generated sequence of pulses: only the pulses that can still affect the signal are kept,
/// so memory does not grow with recording length.
#[derive(Debug, Clone)]
pub(super) struct Train {
    kind: TrainKind,
    rng: ChaCha8Rng,
    next_t: f64,
    end_t: f64,
    active: Vec<Pulse>,
    strokes_left_in_word: u32,
    /// Handwriting: the current word's stroke direction and stroke duration.
    word_slant_rad: f64,
    word_leg_s: f64,
    /// Rhythm bursts: cycles left in the current burst, its cycle period and its movement.
    rhythm_left: u32,
    rhythm_period_s: f64,
    rhythm_move: ([f64; 3], [f64; 3]),
    gain: f64,
}

const G: f64 = super::GRAVITY_M_S2;

impl Train {
    fn new(kind: TrainKind, mut rng: ChaCha8Rng, start_t: f64, end_t: f64, gain: f64) -> Train {
        let first = match kind {
            TrainKind::Keystrokes | TrainKind::PenStrokes => uniform(&mut rng, 0.1, 0.5),
            TrainKind::HandShifts | TrainKind::LineShifts => uniform(&mut rng, 1.0, 4.0),
            TrainKind::Reaches => uniform(&mut rng, 0.5, 2.5),
            TrainKind::Fidgets(rate) => -(1.0 - rng.gen::<f64>()).ln() / rate.max(1e-9),
            TrainKind::Glides(g) => -(1.0 - rng.gen::<f64>()).ln() / g.per_s.max(1e-9),
            TrainKind::Taps(tp) => -(1.0 - rng.gen::<f64>()).ln() / tp.per_s.max(1e-9),
            TrainKind::Rhythm(r) => uniform(&mut rng, 0.0, r.gap_s.1),
        };
        Train {
            kind,
            rng,
            next_t: start_t + first,
            end_t,
            active: Vec::with_capacity(8),
            strokes_left_in_word: 0,
            word_slant_rad: 0.0,
            word_leg_s: 0.1,
            rhythm_left: 0,
            rhythm_period_s: 0.0,
            rhythm_move: ([0.0; 3], [0.0; 3]),
            gain,
        }
    }

    /// Spawns pulses that start by `t` and drops finished ones.
    pub(super) fn advance(&mut self, t: f64) {
        // Keep finished pulses a little longer: jittered sample times can step back slightly.
        self.active.retain(|p| p.end() + 0.05 > t);
        while self.next_t <= t && self.next_t < self.end_t {
            let t0 = self.next_t;
            let (pulse, next) = self.spawn(t0);
            self.next_t = next;
            if let Some(mut p) = pulse {
                let room = self.end_t - 0.05 - p.t0;
                let needed = p.end() - p.t0;
                if needed > room && room >= 0.5 * needed && room > 0.0 {
                    // Near the end of a segment a movement is done faster rather than left out; the
                    // displacement shrinks with time² so peak acceleration stays the same.
                    let k = room / needed;
                    p.out_s *= k;
                    p.hold_s *= k;
                    p.back_s *= k;
                    p.disp_m = scale(p.disp_m, k * k);
                }
                if p.end() <= self.end_t {
                    self.active.push(p);
                }
            }
        }
    }

    pub(super) fn eval(&self, t: f64, sum: &mut MotionSum) {
        for p in &self.active {
            p.eval(t, self.gain, sum);
        }
    }

    fn spawn(&mut self, t0: f64) -> (Option<Pulse>, f64) {
        let rng = &mut self.rng;
        match self.kind {
            TrainKind::Keystrokes => {
                // Each leg is one full acceleration cycle, so 1/leg is the band: 0.125–0.45 s → 2–8 Hz.
                let leg = uniform(rng, 0.125, 0.45);
                let peak_g = uniform(rng, 0.012, 0.06);
                let dir = normalize([0.35 * gauss(rng), 0.35 * gauss(rng), -1.0]);
                let disp = scale(dir, peak_g * G * leg * leg / TAU);
                let rot = [
                    0.0,
                    random_sign(rng) * uniform(rng, 0.2, 0.8).to_radians(),
                    0.0,
                ];
                let mut p = Pulse::new(t0, leg, uniform(rng, 0.0, 0.05), leg, disp, rot);
                p.click = Some(Click {
                    at_s: t0 + leg,
                    amp_m_s2: uniform(rng, 0.001, 0.004) * G,
                    freq_hz: uniform(rng, 25.0, 45.0),
                });
                // Typing speed ≈ 3–5 keys/s, irregular.
                let gap = 0.08 - 0.25 * (1.0 - rng.gen::<f64>()).ln();
                (Some(p), t0 + gap)
            }
            TrainKind::HandShifts => {
                // Peak 2π·d/T²: 0.05–0.35 g.
                let out = uniform(rng, 0.3, 0.6);
                let back = uniform(rng, 0.3, 0.6);
                let hold = uniform(rng, 0.5, 3.0);
                let ang = uniform(rng, 0.0, TAU);
                let disp = scale(
                    [ang.cos(), ang.sin(), 0.1 * gauss(rng)],
                    uniform(rng, 0.015, 0.05),
                );
                let rot = scale(
                    normalize([0.2 * gauss(rng), 0.4 * gauss(rng), 1.0]),
                    random_sign(rng) * uniform(rng, 2.0, 8.0).to_radians(),
                );
                let p = Pulse::new(t0, out, hold, back, disp, rot);
                let next = p.end() + uniform(rng, 1.0, 6.0);
                (Some(p), next)
            }
            TrainKind::PenStrokes => {
                if self.strokes_left_in_word == 0 {
                    self.strokes_left_in_word = rng.gen_range(4..12);
                    // Each word is written at its own slant and pace.
                    self.word_slant_rad = uniform(rng, 0.0, TAU);
                    self.word_leg_s = uniform(rng, 0.08, 0.14);
                    // Pause between words.
                    return (None, t0 + uniform(rng, 0.15, 0.7));
                }
                self.strokes_left_in_word -= 1;
                // Handwriting is an oscillation: strokes of about 100 ms (modal), kept at a
                // preferred rhythm of about 10 strokes a second, so each up-and-down pair is a
                // 3–6 Hz cycle along the word's slant. The fingers move the pen; the hand follows
                // by a millimetre or so.
                let leg = self.word_leg_s * uniform(rng, 0.85, 1.15);
                let ang = self.word_slant_rad + uniform(rng, -0.4, 0.4);
                let disp = scale([ang.cos(), ang.sin(), 0.0], uniform(rng, 0.0005, 0.003));
                let rot = scale(
                    normalize([gauss(rng), gauss(rng), gauss(rng)]),
                    uniform(rng, 0.2, 1.0).to_radians(),
                );
                let back = leg * uniform(rng, 0.8, 1.25);
                let p = Pulse::new(t0, leg, 0.0, back, disp, rot);
                // One cycle runs into the next: handwriting is continuous.
                let next = t0 + (leg + back) * uniform(rng, 0.95, 1.05);
                (Some(p), next)
            }
            TrainKind::LineShifts => {
                let out = uniform(rng, 0.4, 0.7);
                let hold = uniform(rng, 1.0, 4.0);
                let disp = [uniform(rng, 0.02, 0.04), 0.01 * gauss(rng), 0.0];
                let rot = [0.0, 0.0, uniform(rng, 1.0, 3.0).to_radians()];
                let p = Pulse::new(t0, out, hold, out, disp, rot);
                let next = p.end() + uniform(rng, 2.0, 6.0);
                (Some(p), next)
            }
            TrainKind::Reaches => {
                let out = uniform(rng, 0.5, 2.0);
                let hold = uniform(rng, 0.3, 2.0);
                let back = uniform(rng, 0.5, 2.0);
                let dir = normalize([1.0, 0.5 * gauss(rng), uniform(rng, 0.0, 0.8)]);
                let disp = scale(dir, uniform(rng, 0.15, 0.45));
                let rot = scale(
                    normalize([0.5 * gauss(rng), -1.0, 0.5 * gauss(rng)]),
                    uniform(rng, 15.0, 45.0).to_radians(),
                );
                let p = Pulse::new(t0, out, hold, back, disp, rot);
                let next = p.end() + uniform(rng, 1.0, 5.0);
                (Some(p), next)
            }
            TrainKind::Fidgets(rate) => {
                let out = uniform(rng, 0.2, 0.5);
                let hold = uniform(rng, 0.2, 2.0);
                let back = uniform(rng, 0.2, 0.5);
                let disp = scale(
                    normalize([gauss(rng), gauss(rng), gauss(rng)]),
                    uniform(rng, 0.005, 0.03),
                );
                let rot = scale(
                    normalize([gauss(rng), gauss(rng), gauss(rng)]),
                    uniform(rng, 1.0, 6.0).to_radians(),
                );
                let p = Pulse::new(t0, out, hold, back, disp, rot);
                let next = p.end() - (1.0 - rng.gen::<f64>()).ln() / rate.max(1e-9);
                (Some(p), next)
            }
            TrainKind::Glides(g) => {
                let out = uniform(rng, g.leg_s.0, g.leg_s.1);
                let back = out * uniform(rng, 0.7, 1.4);
                let hold = uniform(rng, g.hold_s.0, g.hold_s.1);
                let disp = scale(
                    normalize([gauss(rng), gauss(rng), 0.3 * gauss(rng)]),
                    uniform(rng, g.disp_m.0, g.disp_m.1),
                );
                let rot = scale(
                    normalize([gauss(rng), gauss(rng), gauss(rng)]),
                    uniform(rng, g.rot_deg.0, g.rot_deg.1).to_radians(),
                );
                let p = Pulse::new(t0, out, hold, back, disp, rot);
                let next = p.end() - (1.0 - rng.gen::<f64>()).ln() / g.per_s.max(1e-9);
                (Some(p), next)
            }
            TrainKind::Taps(tp) => {
                let leg = uniform(rng, 0.05, 0.15);
                let press_g = uniform(rng, tp.press_g.0, tp.press_g.1);
                let dir = normalize([0.4 * gauss(rng), 0.4 * gauss(rng), -1.0]);
                let disp = scale(dir, press_g * G * leg * leg / TAU);
                let mut p = Pulse::new(t0, leg, uniform(rng, 0.0, 0.08), leg, disp, [0.0; 3]);
                p.click = Some(Click {
                    at_s: t0 + leg,
                    amp_m_s2: uniform(rng, tp.ring_g.0, tp.ring_g.1) * G,
                    freq_hz: uniform(rng, tp.ring_hz.0, tp.ring_hz.1),
                });
                let next = t0 + 0.1 - (1.0 - rng.gen::<f64>()).ln() / tp.per_s.max(1e-9);
                (Some(p), next)
            }
            TrainKind::Rhythm(r) => {
                if self.rhythm_left == 0 {
                    let f = uniform(rng, r.freq_hz.0, r.freq_hz.1);
                    let burst = uniform(rng, r.burst_s.0, r.burst_s.1);
                    self.rhythm_left = ((burst * f).round() as u32).max(2);
                    self.rhythm_period_s = 1.0 / f;
                    let rot = scale(
                        normalize([gauss(rng), gauss(rng), gauss(rng)]),
                        uniform(rng, r.rot_deg.0, r.rot_deg.1).to_radians(),
                    );
                    let disp = scale(
                        normalize([gauss(rng), gauss(rng), gauss(rng)]),
                        uniform(rng, r.disp_m.0, r.disp_m.1),
                    );
                    self.rhythm_move = (disp, rot);
                    return (None, t0 + uniform(rng, r.gap_s.0, r.gap_s.1));
                }
                self.rhythm_left -= 1;
                // One cycle: out and back, each leg half a period, a little irregular (voluntary).
                let period = self.rhythm_period_s * uniform(rng, 0.9, 1.1);
                let size = uniform(rng, 0.7, 1.3);
                let (disp, rot) = self.rhythm_move;
                let p = Pulse::new(
                    t0,
                    period / 2.0,
                    0.0,
                    period / 2.0,
                    scale(disp, size),
                    scale(rot, size),
                );
                (Some(p), t0 + period)
            }
        }
    }
}

/// Walking arm swing: the arm hangs and swings as a pendulum about the shoulder (~1 Hz) while each step
/// (twice per swing) bounces the body vertically.
#[derive(Debug, Clone, Copy)]
pub(super) struct Walk {
    start_t: f64,
    end_t: f64,
    swing_hz: f64,
    swing_rad: f64,
    phase: f64,
    bounce_m_s2: f64,
    /// Heel-strike shock reaching the hand: amplitude, ring frequency, and the sensor filter's gain.
    impact_m_s2: f64,
    impact_hz: f64,
    /// Shoulder to sensor, in the body frame (fingers point down along +x when the arm hangs).
    lever_m: [f64; 3],
}

impl Walk {
    pub(super) fn new(
        rng: &mut ChaCha8Rng,
        start_t: f64,
        end_t: f64,
        arm_m: f64,
        sample_rate_hz: f64,
    ) -> Walk {
        let impact_hz = uniform(rng, 15.0, 25.0);
        Walk {
            start_t,
            end_t,
            swing_hz: uniform(rng, 0.85, 1.05),
            swing_rad: uniform(rng, 0.15, 0.3),
            phase: uniform(rng, 0.0, TAU),
            bounce_m_s2: uniform(rng, 0.08, 0.2) * G,
            impact_m_s2: uniform(rng, 0.05, 0.15)
                * G
                * super::involuntary::sensor_gain(impact_hz, sample_rate_hz),
            impact_hz,
            lever_m: [arm_m, 0.0, 0.0],
        }
    }

    pub(super) fn eval(&self, t: f64, sum: &mut MotionSum) {
        if t <= self.start_t || t >= self.end_t {
            return;
        }
        // Start and stop walking over 1.5 s.
        let ramp = 1.5;
        let e = smooth_step(((t - self.start_t) / ramp).min((self.end_t - t) / ramp));
        let w = TAU * self.swing_hz;
        let (s, c) = (w * (t - self.start_t) + self.phase).sin_cos();
        let theta = e * self.swing_rad * s;
        let theta_d = e * self.swing_rad * w * c;
        let theta_dd = -e * self.swing_rad * w * w * s;
        // Swing is a rotation about the body z axis (the back of the hand faces sideways).
        let axis = [0.0, 0.0, 1.0];
        sum.add_rot(axis, theta, theta_d);
        let tangential = cross(scale(axis, theta_dd), self.lever_m);
        let centripetal = scale(self.lever_m, -theta_d * theta_d);
        sum.add_lin(tangential, 1.0);
        sum.add_lin(centripetal, 1.0);
        let step = 2.0 * w * (t - self.start_t);
        sum.world_m_s2[2] += e * self.bounce_m_s2 * (step.sin() + 0.3 * (2.0 * step + 0.7).sin());
        // Each heel strike sends a short shock up the arm: a brief ring like a twitch, but large and
        // locked to the steps — why twitch detection must be gated while walking.
        let since_strike = step.rem_euclid(TAU) / (2.0 * w);
        if since_strike < 0.1 {
            sum.world_m_s2[2] += e
                * self.impact_m_s2
                * (-since_strike / 0.015).exp()
                * (TAU * self.impact_hz * since_strike).sin();
        }
    }
}

/// 0 → 1 with zero slope at both ends; clamps outside [0, 1].
pub(super) fn smooth_step(u: f64) -> f64 {
    if u <= 0.0 {
        0.0
    } else if u >= 1.0 {
        1.0
    } else {
        0.5 - 0.5 * (std::f64::consts::PI * u).cos()
    }
}

/// Slow wandering of the hand's orientation (a few degrees over minutes). The slowest period is about a
/// minute, so it is evaluated at most every 40 ms and extrapolated linearly in between (error < 1e-6 rad).
#[derive(Debug, Clone)]
pub(super) struct Drift {
    /// Per axis: (amplitude rad, angular frequency rad/s, phase).
    terms: [[(f64, f64, f64); 3]; 3],
    cache_t: f64,
    cache_rot: [f64; 3],
    cache_rate: [f64; 3],
}

const DRIFT_REFRESH_S: f64 = 0.04;

impl Drift {
    pub(super) fn new(rng: &mut ChaCha8Rng, amplitude_deg: f64) -> Drift {
        let mut terms = [[(0.0, 0.0, 0.0); 3]; 3];
        for axis in terms.iter_mut() {
            for (k, term) in axis.iter_mut().enumerate() {
                // Periods of roughly 10 min, 3 min and 1 min.
                let period = [600.0, 180.0, 60.0][k] * uniform(rng, 0.7, 1.4);
                let amp = amplitude_deg.to_radians() * [0.6, 0.3, 0.1][k] * uniform(rng, 0.5, 1.0);
                *term = (amp, TAU / period, uniform(rng, 0.0, TAU));
            }
        }
        Drift {
            terms,
            cache_t: f64::NEG_INFINITY,
            cache_rot: [0.0; 3],
            cache_rate: [0.0; 3],
        }
    }

    pub(super) fn eval(&mut self, t: f64, gain: f64, sum: &mut MotionSum) {
        if gain == 0.0 {
            return;
        }
        if (t - self.cache_t).abs() > DRIFT_REFRESH_S {
            self.cache_t = t;
            for (i, axis) in self.terms.iter().enumerate() {
                let (mut rot, mut rate) = (0.0, 0.0);
                for &(amp, w, p) in axis {
                    let (s, c) = (w * t + p).sin_cos();
                    rot += amp * s;
                    rate += amp * w * c;
                }
                self.cache_rot[i] = rot;
                self.cache_rate[i] = rate;
            }
        }
        let dt = t - self.cache_t;
        for i in 0..3 {
            sum.rot_rad[i] += gain * (self.cache_rot[i] + self.cache_rate[i] * dt);
            sum.rate_rad_s[i] += gain * self.cache_rate[i];
        }
    }
}

/// Standard normal draws for per-sample noise (Marsaglia's polar method, both values of each pair
/// used): exact Gaussian tails matter, since detectors threshold at several sigma.
#[derive(Debug, Clone, Default)]
pub(super) struct Gauss {
    spare: Option<f64>,
}

impl Gauss {
    pub(super) fn next(&mut self, rng: &mut ChaCha8Rng) -> f64 {
        if let Some(s) = self.spare.take() {
            return s;
        }
        loop {
            let u = 2.0 * rng.gen::<f64>() - 1.0;
            let v = 2.0 * rng.gen::<f64>() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let m = (-2.0 * s.ln() / s).sqrt();
                self.spare = Some(v * m);
                return u * m;
            }
        }
    }
}

/// A typical posture (orientation of the back of the hand) for an activity.
pub(super) fn posture_for(activity: Activity, rng: &mut ChaCha8Rng) -> Quat {
    match activity {
        // Palm down on a lap, armrest or table.
        Activity::Rest | Activity::Reaching => Quat::from_euler_deg(
            uniform(rng, -12.0, 12.0),
            uniform(rng, -12.0, 12.0),
            uniform(rng, 0.0, 360.0),
        ),
        Activity::Typing => Quat::from_euler_deg(
            uniform(rng, -10.0, 10.0),
            uniform(rng, -15.0, 5.0),
            uniform(rng, -20.0, 20.0),
        ),
        // Hand rolled onto its little-finger side.
        Activity::Writing => Quat::from_euler_deg(
            uniform(rng, 35.0, 65.0),
            uniform(rng, -10.0, 10.0),
            uniform(rng, -30.0, 30.0),
        ),
        // Arm hanging: fingers (+x) point down, the back of the hand (+z) faces sideways.
        Activity::Walking => Quat::from_euler_deg(
            uniform(rng, -10.0, 10.0),
            90.0 + uniform(rng, -12.0, 12.0),
            uniform(rng, 0.0, 360.0),
        ),
        // Lying flat on a table.
        Activity::NotWorn => Quat::from_euler_deg(
            uniform(rng, -1.0, 1.0),
            uniform(rng, -1.0, 1.0),
            uniform(rng, 0.0, 360.0),
        ),
    }
}

const MOUSE_GLIDES: GlideSpec = GlideSpec {
    per_s: 0.8,
    leg_s: (0.15, 0.5),
    hold_s: (0.1, 1.5),
    disp_m: (0.01, 0.06),
    rot_deg: (1.0, 8.0),
};
const CLICKS: TapSpec = TapSpec {
    per_s: 0.4,
    ring_g: (0.003, 0.02),
    ring_hz: (20.0, 60.0),
    press_g: (0.003, 0.015),
};
const TOUCHPAD_GLIDES: GlideSpec = GlideSpec {
    per_s: 0.5,
    leg_s: (0.2, 0.6),
    hold_s: (0.0, 0.8),
    disp_m: (0.002, 0.01),
    rot_deg: (0.5, 3.0),
};
const TOUCHPAD_TAPS: TapSpec = TapSpec {
    per_s: 0.3,
    ring_g: (0.002, 0.012),
    ring_hz: (20.0, 60.0),
    press_g: (0.002, 0.01),
};
const SWIPES: GlideSpec = GlideSpec {
    per_s: 0.7,
    leg_s: (0.1, 0.3),
    hold_s: (0.0, 0.3),
    disp_m: (0.003, 0.015),
    rot_deg: (1.0, 5.0),
};
const GLASS_TAPS: TapSpec = TapSpec {
    per_s: 3.0,
    ring_g: (0.003, 0.02),
    ring_hz: (25.0, 70.0),
    press_g: (0.005, 0.03),
};
const THUMB_SHIFTS: GlideSpec = GlideSpec {
    per_s: 0.1,
    leg_s: (0.2, 0.5),
    hold_s: (0.2, 2.0),
    disp_m: (0.002, 0.01),
    rot_deg: (1.0, 4.0),
};
const PAGE_TURNS: GlideSpec = GlideSpec {
    per_s: 1.0 / 40.0,
    leg_s: (0.4, 1.0),
    hold_s: (0.1, 0.6),
    disp_m: (0.05, 0.15),
    rot_deg: (20.0, 60.0),
};
const TO_MOUTH: GlideSpec = GlideSpec {
    per_s: 1.0 / 8.0,
    leg_s: (0.6, 1.2),
    hold_s: (0.5, 2.0),
    disp_m: (0.2, 0.35),
    rot_deg: (30.0, 70.0),
};
const CUTTING: RhythmSpec = RhythmSpec {
    freq_hz: (1.5, 3.0),
    burst_s: (2.0, 5.0),
    gap_s: (6.0, 20.0),
    rot_deg: (3.0, 10.0),
    disp_m: (0.01, 0.04),
};
const SIPS: GlideSpec = GlideSpec {
    per_s: 1.0 / 20.0,
    leg_s: (0.7, 1.3),
    hold_s: (2.0, 4.0),
    disp_m: (0.2, 0.35),
    rot_deg: (40.0, 80.0),
};
const SCRATCH: RhythmSpec = RhythmSpec {
    freq_hz: (3.0, 7.0),
    burst_s: (1.0, 5.0),
    gap_s: (5.0, 30.0),
    rot_deg: (2.0, 8.0),
    disp_m: (0.003, 0.015),
};
const DRUMMING: RhythmSpec = RhythmSpec {
    freq_hz: (4.0, 8.0),
    burst_s: (1.0, 3.0),
    gap_s: (5.0, 25.0),
    rot_deg: (0.5, 2.0),
    disp_m: (0.001, 0.004),
};
const FIDGET_TAPS: TapSpec = TapSpec {
    per_s: 0.2,
    ring_g: (0.003, 0.03),
    ring_hz: (15.0, 50.0),
    press_g: (0.003, 0.02),
};

/// The voluntary movement trains that make up an everyday task.
fn task_trains(task: EverydayTask) -> &'static [(TrainKind, bool)] {
    // (train, finger-scale: attenuated at the wrist)
    match task {
        EverydayTask::Mouse => &[
            (TrainKind::Glides(&MOUSE_GLIDES), false),
            (TrainKind::Taps(&CLICKS), true),
        ],
        EverydayTask::Touchpad => &[
            (TrainKind::Glides(&TOUCHPAD_GLIDES), true),
            (TrainKind::Taps(&TOUCHPAD_TAPS), true),
        ],
        EverydayTask::PhoneScrolling => &[(TrainKind::Glides(&SWIPES), true)],
        EverydayTask::PhoneTyping => &[
            (TrainKind::Taps(&GLASS_TAPS), true),
            (TrainKind::Glides(&THUMB_SHIFTS), false),
        ],
        EverydayTask::KeyboardTyping => &[
            (TrainKind::Keystrokes, true),
            (TrainKind::HandShifts, false),
        ],
        EverydayTask::Writing => &[
            (TrainKind::PenStrokes, true),
            (TrainKind::LineShifts, false),
        ],
        EverydayTask::Reading => &[
            (TrainKind::Glides(&PAGE_TURNS), false),
            (TrainKind::Fidgets(2.0 / 60.0), false),
        ],
        EverydayTask::Eating => &[
            (TrainKind::Glides(&TO_MOUTH), false),
            (TrainKind::Rhythm(&CUTTING), false),
        ],
        EverydayTask::Drinking => &[
            (TrainKind::Glides(&SIPS), false),
            (TrainKind::Fidgets(3.0 / 60.0), false),
        ],
        EverydayTask::Scratching => &[
            (TrainKind::Rhythm(&SCRATCH), false),
            (TrainKind::Fidgets(4.0 / 60.0), false),
        ],
        EverydayTask::Fidgeting => &[
            (TrainKind::Fidgets(10.0 / 60.0), false),
            (TrainKind::Rhythm(&DRUMMING), true),
            (TrainKind::Taps(&FIDGET_TAPS), true),
        ],
        EverydayTask::PhoneCall => &[(TrainKind::Fidgets(3.0 / 60.0), false)],
    }
}

/// A typical posture for an everyday task.
pub(super) fn posture_for_task(task: EverydayTask, rng: &mut ChaCha8Rng) -> Quat {
    match task {
        // Phone held up in front: the hand tilted up 30–60°.
        EverydayTask::PhoneScrolling | EverydayTask::PhoneTyping | EverydayTask::Reading => {
            Quat::from_euler_deg(
                uniform(rng, -20.0, 20.0),
                uniform(rng, -60.0, -25.0),
                uniform(rng, 0.0, 360.0),
            )
        }
        // Hand at the ear: forearm up, the back of the hand facing out.
        EverydayTask::PhoneCall => Quat::from_euler_deg(
            uniform(rng, 60.0, 100.0),
            uniform(rng, -80.0, -50.0),
            uniform(rng, 0.0, 360.0),
        ),
        other => posture_for(other.activity(), rng),
    }
}

/// The voluntary movement trains of an everyday task.
pub(super) fn trains_for_task(
    task: EverydayTask,
    seed: u64,
    stream: u64,
    start_t: f64,
    end_t: f64,
    fine_gain: f64,
) -> Vec<Train> {
    task_trains(task)
        .iter()
        .enumerate()
        .map(|(k, &(kind, fine))| {
            let rng = super::stream_rng(seed, stream + k as u64);
            Train::new(
                kind,
                rng,
                start_t,
                end_t,
                if fine { fine_gain } else { 1.0 },
            )
        })
        .collect()
}

/// The voluntary movement trains that make up an activity.
pub(super) fn trains_for(
    activity: Activity,
    seed: u64,
    stream: u64,
    start_t: f64,
    end_t: f64,
    fine_gain: f64,
    fidgets_per_min: f64,
) -> Vec<Train> {
    let fidgets = [(TrainKind::Fidgets(fidgets_per_min / 60.0), 1.0)];
    let kinds: &[(TrainKind, f64)] = match activity {
        Activity::Typing => &[
            (TrainKind::Keystrokes, fine_gain),
            (TrainKind::HandShifts, 1.0),
        ],
        Activity::Writing => &[
            (TrainKind::PenStrokes, fine_gain),
            (TrainKind::LineShifts, 1.0),
        ],
        Activity::Reaching => &[(TrainKind::Reaches, 1.0)],
        Activity::Rest if fidgets_per_min > 0.0 => &fidgets,
        Activity::Rest | Activity::Walking | Activity::NotWorn => &[],
    };
    kinds
        .iter()
        .enumerate()
        .map(|(k, &(kind, gain))| {
            let rng = super::stream_rng(seed, stream + k as u64);
            Train::new(kind, rng, start_t, end_t, gain)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_rotation_series_matches_trig() {
        for angle in [1e-6, 0.01, 0.1, 0.19, 0.21, 1.0] {
            let q = Quat::from_rotvec([angle, 0.0, 0.0]);
            assert!((q.w - (0.5 * angle).cos()).abs() < 1e-12, "{angle}");
            assert!((q.x - (0.5 * angle).sin()).abs() < 1e-12, "{angle}");
        }
    }

    #[test]
    fn rotvec_round_trip() {
        let v = [0.3, -0.2, 1.1];
        let back = Quat::from_rotvec(v).to_rotvec();
        for i in 0..3 {
            assert!((v[i] - back[i]).abs() < 1e-12);
        }
    }

    #[test]
    fn walking_posture_points_fingers_down() {
        let q = Quat::from_euler_deg(0.0, 90.0, 0.0);
        let g_body = mat_t_mul(&q.matrix(), [0.0, 0.0, 1.0]);
        assert!((g_body[0] + 1.0).abs() < 1e-9, "{g_body:?}");
    }

    #[test]
    fn there_and_back_is_smooth_and_returns() {
        let (out, hold, back) = (0.3, 0.2, 0.4);
        let mut v = 0.0;
        let mut x = 0.0;
        let dt = 1e-5;
        let mut t = 0.0;
        while t < out + hold + back {
            let (_, _, a) = there_and_back(t, out, hold, back);
            v += a * dt;
            x += v * dt;
            t += dt;
        }
        assert!(v.abs() < 1e-3 && x.abs() < 1e-3, "v {v} x {x}");
    }
}

//! A simulated finger tapper for the two-target tapping task: taps alternate between the targets at a
//! chosen pace with a chosen rhythm variability, slow down over the session by a chosen share (fatigue),
//! and land around each target with a chosen scatter. Seeded, so a run can be repeated.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use twitchwatch_model::TimestampMs;
use twitchwatch_tasks::{Hand, Tap, TapTarget, TappingInput};

/// How the simulated person taps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tapper {
    /// Taps per second at the start.
    pub rate_hz: f64,
    /// Standard deviation of an interval over its mean (0 is a metronome).
    pub interval_cv: f64,
    /// Share of the pace lost by the end of the session, 0..1 (0.3: the last taps come 30 % slower).
    pub slowdown: f64,
    /// Scatter of each tap around its target's centre, points (standard deviation per axis).
    pub scatter_pt: f64,
}

impl Default for Tapper {
    /// A healthy adult's pace on a phone screen: about five taps a second, a fairly regular rhythm.
    fn default() -> Self {
        Tapper {
            rate_hz: 5.0,
            interval_cv: 0.12,
            slowdown: 0.05,
            scatter_pt: 8.0,
        }
    }
}

/// Where the two targets are, on a 390 × 844 pt phone screen.
pub const TARGETS: [TapTarget; 2] = [
    TapTarget {
        x_pt: 110.0,
        y_pt: 600.0,
    },
    TapTarget {
        x_pt: 280.0,
        y_pt: 600.0,
    },
];

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller: two uniforms give one standard normal.
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// One 20 s session of `hand` started at `started_at_ms`.
pub fn simulate(
    tapper: &Tapper,
    hand: Hand,
    started_at_ms: TimestampMs,
    seed: u64,
) -> TappingInput {
    let duration_ms = 20_000.0;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut taps = Vec::new();
    let mut t = 150.0;
    let mut target = 0;
    while t < duration_ms {
        let g = TARGETS[target];
        taps.push(Tap {
            t_ms: t,
            x_pt: g.x_pt + tapper.scatter_pt * normal(&mut rng),
            y_pt: g.y_pt + tapper.scatter_pt * normal(&mut rng),
        });
        target = 1 - target;
        let pace =
            tapper.rate_hz.max(0.1) * (1.0 - tapper.slowdown.clamp(0.0, 0.95) * t / duration_ms);
        let mean_ms = 1000.0 / pace;
        // A finger cannot tap again within 40 ms; the interval's spread is clipped there.
        t += (mean_ms * (1.0 + tapper.interval_cv * normal(&mut rng))).max(40.0);
    }
    TappingInput {
        hand,
        started_at_ms,
        duration_ms,
        targets: TARGETS.to_vec(),
        taps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulated_tapper_taps_at_its_pace_with_its_variability_and_fatigue() {
        let now = 1_782_820_800_000;
        let steady = Tapper {
            rate_hz: 5.0,
            interval_cv: 0.0,
            slowdown: 0.0,
            scatter_pt: 0.0,
        };
        let m = simulate(&steady, Hand::Left, now - 60_000, 1)
            .measure(now)
            .unwrap();
        assert_eq!(m.tap_count, 100);
        assert!(m.interval_cv.unwrap() < 1e-9);
        assert!(m.accuracy_mean_pt.unwrap() < 1e-9);
        let tired = Tapper {
            slowdown: 0.5,
            interval_cv: 0.15,
            ..steady
        };
        let m = simulate(&tired, Hand::Left, now - 60_000, 2)
            .measure(now)
            .unwrap();
        assert!(m.fatigue_ratio.unwrap() < 0.8, "{m:?}");
        assert!((0.08..0.25).contains(&m.interval_cv.unwrap()), "{m:?}");
        assert_eq!(
            simulate(&tired, Hand::Left, 0, 2),
            simulate(&tired, Hand::Left, 0, 2)
        );
    }
}

//! Whether a twitch candidate that passed the hard gates (its hop at rest, the hand still before
//! it, no spasm near, no burst) is a fasciculation: a logistic model over features that are
//! relative to the wearer's own floor or counts of nearby activity, so that they mean the same on
//! every sensor, rate and placement.
//!
//! Why learned: the hand-set rule it replaces ("at most one busy hop and one bump around") threw
//! away a twitch whenever another came within a few seconds, and still let many taps through.
//! Weighing the same evidence together kept recall and cut false twitches on the held-out split
//! (docs/accuracy.md). The weights are data written by `lab/train/train_twitch_model.py` from the
//! TUNING split only; a test checks this evaluation against the trainer's own probabilities.
//!
//! The absolute size of a candidate is deliberately not a feature: it says more about the sensor
//! and placement than about the movement, and a model that learned it would learn the simulator.

/// The evidence about one candidate, in the order of `TwitchModel::weights`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TwitchFeatures {
    /// log10 of the candidate's peak energy over the detection threshold (≥ 0).
    pub log10_margin: f32,
    /// Energy bumps of near-twitch size from 3 s before to 2 s after it, its own included.
    pub bumps_wide: f32,
    /// The same within about ±1 s.
    pub bumps_near: f32,
    /// Hops from 2 s before to 1.5 s after it (its own hop and the next excluded) whose mean
    /// twitch-band energy is over twice the floor median.
    pub busy_hops: f32,
    /// Candidate length, in units of 100 ms (a twitch lasts ~100–300 ms, signals.md).
    pub duration_100ms: f32,
    /// Bumps from 3 s before to 2 s after it, its own hop and the next excluded.
    pub bumps_around: f32,
}

pub const TWITCH_FEATURE_COUNT: usize = 6;

/// Feature names in order, as the trainer's CSV and weights file spell them.
pub const TWITCH_FEATURE_NAMES: [&str; TWITCH_FEATURE_COUNT] = [
    "log10_margin",
    "bumps_wide",
    "bumps_near",
    "busy_hops",
    "duration_100ms",
    "bumps_around",
];

impl TwitchFeatures {
    pub fn to_array(&self) -> [f32; TWITCH_FEATURE_COUNT] {
        [
            self.log10_margin,
            self.bumps_wide,
            self.bumps_near,
            self.busy_hops,
            self.duration_100ms,
            self.bumps_around,
        ]
    }

    pub fn from_array(v: [f32; TWITCH_FEATURE_COUNT]) -> Self {
        Self {
            log10_margin: v[0],
            bumps_wide: v[1],
            bumps_near: v[2],
            busy_hops: v[3],
            duration_100ms: v[4],
            bumps_around: v[5],
        }
    }
}

/// Logistic regression: p = 1 / (1 + e^−(bias + Σ wᵢ·xᵢ)). No allocation, a handful of flops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwitchModel {
    pub weights: [f32; TWITCH_FEATURE_COUNT],
    pub bias: f32,
}

impl TwitchModel {
    pub fn probability(&self, features: &TwitchFeatures) -> f32 {
        let z = self
            .weights
            .iter()
            .zip(features.to_array())
            .fold(self.bias, |acc, (w, x)| acc + w * x);
        1.0 / (1.0 + (-z).exp())
    }
}

include!("twitch_model_weights.rs");

#[cfg(test)]
mod tests {
    use super::*;

    /// The trainer writes, beside the weights, feature rows and the probability it computed for
    /// each: this evaluation must agree, or the weights were pasted into the wrong order.
    #[test]
    fn probabilities_match_the_trainers_own() {
        let text = include_str!("../tests/fixtures/twitch_model_check.csv");
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().expect("header").split(',').collect();
        assert_eq!(header[..TWITCH_FEATURE_COUNT], TWITCH_FEATURE_NAMES);
        assert_eq!(header[TWITCH_FEATURE_COUNT], "probability");
        let mut rows = 0;
        for line in lines.filter(|l| !l.is_empty()) {
            let v: Vec<f32> = line
                .split(',')
                .map(|x| x.parse().expect("number"))
                .collect();
            let mut f = [0.0; TWITCH_FEATURE_COUNT];
            f.copy_from_slice(&v[..TWITCH_FEATURE_COUNT]);
            let p = TWITCH_ACCEPTANCE.probability(&TwitchFeatures::from_array(f));
            assert!(
                (p - v[TWITCH_FEATURE_COUNT]).abs() < 1e-4,
                "{line}: Rust {p} vs trainer {}",
                v[TWITCH_FEATURE_COUNT]
            );
            rows += 1;
        }
        assert!(rows >= 20, "the check file holds {rows} rows");
    }

    #[test]
    fn more_activity_around_never_raises_the_probability() {
        let base = TwitchFeatures {
            log10_margin: 0.5,
            bumps_wide: 1.0,
            bumps_near: 1.0,
            busy_hops: 0.0,
            duration_100ms: 2.0,
            bumps_around: 0.0,
        };
        let busier = TwitchFeatures {
            bumps_wide: 6.0,
            bumps_near: 4.0,
            busy_hops: 3.0,
            bumps_around: 5.0,
            ..base
        };
        assert!(TWITCH_ACCEPTANCE.probability(&busier) < TWITCH_ACCEPTANCE.probability(&base));
    }
}

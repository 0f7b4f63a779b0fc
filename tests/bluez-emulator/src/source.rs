//! Samples for the emulated peripherals: the core's simulator, looping its scenario with a new seed,
//! or plain gravity when the simulator refuses the rate (Polar SDK mode allows 26 Hz, below its range).

use twitchwatch_lab::simulator::Segment;
use twitchwatch_lab::simulator::{builtin_scenario, Involuntary, Scenario, SimConfig, Simulator};
use twitchwatch_model::Activity;

/// The emulator's default: a hand at rest with frequent, clear twitches, so a short streaming test
/// sees events.
pub const BLE_TEST_SCENARIO: &str = "ble-test";

fn scenario(name: &str) -> Option<Scenario> {
    if name == BLE_TEST_SCENARIO {
        return Some(Scenario {
            name: name.into(),
            description: "Rest with a twitch every ~1.5 s (20-60 mg).".into(),
            segments: vec![
                Segment::new(120.0, Activity::Rest).with(Involuntary::Twitches {
                    rate_per_min: 40.0,
                    amplitude_mg: (20.0, 60.0),
                }),
            ],
        });
    }
    builtin_scenario(name).ok()
}

pub struct SampleSource {
    scenario: String,
    rate_hz: u16,
    gyro: bool,
    seed: u64,
    sim: Option<Simulator>,
}

impl SampleSource {
    pub fn new(scenario: &str, rate_hz: u16, gyro: bool) -> Self {
        let mut s = Self {
            scenario: scenario.to_string(),
            rate_hz,
            gyro,
            seed: 1,
            sim: None,
        };
        s.sim = s.build();
        s
    }

    fn build(&self) -> Option<Simulator> {
        let scenario = scenario(&self.scenario)?;
        let config = SimConfig {
            seed: self.seed,
            sample_rate_hz: f32::from(self.rate_hz),
            with_gyro: self.gyro,
            ..SimConfig::default()
        };
        Simulator::new(&scenario, config).ok()
    }

    /// The next `n` samples in g and dps (gyro empty when off).
    pub fn next(&mut self, n: usize) -> (Vec<[f32; 3]>, Vec<[f32; 3]>) {
        let mut accel = Vec::with_capacity(n);
        let mut gyro = Vec::with_capacity(if self.gyro { n } else { 0 });
        let mut rounds = 0;
        while accel.len() < n && rounds < 4 {
            rounds += 1;
            let Some(sim) = self.sim.as_mut() else {
                break;
            };
            match sim.next_batch(n - accel.len()) {
                Some(b) => {
                    accel.extend_from_slice(&b.accel_g);
                    gyro.extend_from_slice(&b.gyro_dps);
                }
                None => {
                    self.seed += 1;
                    self.sim = self.build();
                }
            }
        }
        while accel.len() < n {
            accel.push([0.0, 0.0, 1.0]);
            if self.gyro {
                gyro.push([0.0; 3]);
            }
        }
        gyro.truncate(if self.gyro { n } else { 0 });
        while self.gyro && gyro.len() < n {
            gyro.push([0.0; 3]);
        }
        (accel, gyro)
    }
}

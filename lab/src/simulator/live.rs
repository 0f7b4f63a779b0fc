//! The simulated wearable as a live source for the `Monitor` (demo mode, `monitor --simulate`): a built-in
//! scenario whose clock is placed so that it reaches "now" exactly when the session ends.

use twitchwatch_device::replay::{ArrivedFrame, FrameSource};
use twitchwatch_model::TimestampMs;

use super::{builtin_scenario, FrameSimulator, SimConfig, SimError};

/// Options for a simulated session.
#[derive(Debug, Clone)]
pub struct SimulatedSession {
    pub scenario: String,
    /// Cut the scenario (or repeat it) to this many seconds; `None` = the scenario's own length.
    pub duration_s: Option<f32>,
    /// Simulated seconds per wall-clock second; 0 = as fast as possible.
    pub speed: f32,
    pub config: SimConfig,
}

impl Default for SimulatedSession {
    fn default() -> Self {
        SimulatedSession {
            scenario: "mixed".into(),
            duration_s: None,
            speed: 1.0,
            config: SimConfig::default(),
        }
    }
}

/// A built-in scenario's frames, ready for `Monitor::start_replay`.
pub struct SimulatedWearable {
    frames: FrameSimulator,
    duration_ms: i64,
}

impl SimulatedWearable {
    /// The session's scenario on a clock that ends at `now_ms` when played at `options.speed`: the data
    /// is never in the future, and at speed 1 it is live.
    pub fn live(options: &SimulatedSession, now_ms: TimestampMs) -> Result<Self, SimError> {
        if let Some(d) = options.duration_s {
            if !(d.is_finite() && d > 0.0) {
                return Err(SimError::InvalidDuration(d));
            }
        }
        let mut scenario = builtin_scenario(&options.scenario)?;
        if let Some(d) = options.duration_s {
            scenario = scenario.with_duration(d);
        }
        let duration_ms = (scenario.duration_s() * 1000.0) as i64;
        // A speed the monitor will refuse still gets a usable clock here; the monitor says what is wrong.
        let start_ms = if options.speed.is_finite() && options.speed > 0.0 {
            now_ms + (duration_ms as f64 / options.speed as f64) as i64 - duration_ms
        } else {
            now_ms - duration_ms
        };
        let config = SimConfig {
            start_ms,
            ..options.config.clone()
        };
        Ok(SimulatedWearable {
            frames: FrameSimulator::new(&scenario, config)?,
            duration_ms,
        })
    }
}

impl FrameSource for SimulatedWearable {
    fn start_ms(&self) -> TimestampMs {
        self.frames.start_ms()
    }

    fn duration_ms(&self) -> i64 {
        self.duration_ms
    }

    fn next_frame(&mut self) -> Option<ArrivedFrame> {
        // Arrival time = end of the frame's last sample on the simulated clock.
        self.frames.next_frame().map(|f| ArrivedFrame {
            bytes: f.bytes,
            arrival_us: f.arrival_us,
        })
    }
}

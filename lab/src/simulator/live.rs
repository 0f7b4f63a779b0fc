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

/// The wall-clock times a simulated session may be placed at: 1970 up to the end of 9999. Frame times
/// are kept in µs, so a clock far outside this range would overflow them.
const WALL_CLOCK_MS: std::ops::RangeInclusive<TimestampMs> = 0..=253_402_300_799_999;

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
        if !WALL_CLOCK_MS.contains(&now_ms) {
            return Err(SimError::InvalidConfig {
                field: "now_ms",
                value: now_ms.to_string(),
                reason: "the wall clock must lie between 1970 and the end of 9999 (ms since the Unix epoch)".into(),
            });
        }
        let duration_ms = (scenario.duration_s() * 1000.0) as i64;
        // A speed the monitor will refuse still gets a usable clock here; the monitor says what is wrong.
        // In f64, so a tiny speed or a huge duration cannot overflow; a start the clock cannot hold is refused.
        let start_ms = if options.speed.is_finite() && options.speed > 0.0 {
            now_ms as f64 + duration_ms as f64 / options.speed as f64 - duration_ms as f64
        } else {
            now_ms as f64 - duration_ms as f64
        };
        if !(start_ms.is_finite() && start_ms.abs() <= *WALL_CLOCK_MS.end() as f64) {
            return Err(SimError::InvalidConfig {
                field: "speed",
                value: options.speed.to_string(),
                reason: format!(
                    "{} s of scenario at this speed would not end before the year 9999",
                    scenario.duration_s()
                ),
            });
        }
        let start_ms = start_ms as i64;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn session(speed: f32, duration_s: Option<f32>) -> SimulatedSession {
        SimulatedSession {
            scenario: "rest".into(),
            duration_s,
            speed,
            ..SimulatedSession::default()
        }
    }

    #[test]
    fn a_clock_outside_the_calendar_is_a_typed_error_not_an_overflow() {
        for now_ms in [i64::MIN, -1, 253_402_300_800_000, i64::MAX] {
            let err = SimulatedWearable::live(&session(0.0, None), now_ms).err();
            assert!(
                matches!(
                    err,
                    Some(SimError::InvalidConfig {
                        field: "now_ms",
                        ..
                    })
                ),
                "{now_ms}: {err:?}"
            );
        }
        let now = 1_796_000_000_000;
        for (speed, duration_s) in [(1e-30, None), (f32::MIN_POSITIVE, Some(60.0))] {
            let err = SimulatedWearable::live(&session(speed, duration_s), now).err();
            assert!(
                matches!(err, Some(SimError::InvalidConfig { field: "speed", .. })),
                "{speed}: {err:?}"
            );
        }
        let wearable = SimulatedWearable::live(&session(1.0, Some(60.0)), now).unwrap();
        assert_eq!(wearable.start_ms(), now);
    }
}

//! Demo mode: the lab's simulated wearable, compiled in only with the `demo` feature (the binding tests and
//! demo builds of the apps). The shipped phone library has no lab code; there the same exports exist and
//! answer that this build has no demo mode, so the apps compile against one API either way.

use twitchwatch_device::replay::FrameSource;

use crate::error::{FfiResult, TwitchWatchError};
use twitchwatch_model::ScenarioInfo;

/// A built-in scenario as a live source whose clock ends at `now_ms` when played at `speed`.
#[cfg(feature = "demo")]
pub(crate) fn simulated_wearable(
    scenario: String,
    duration_s: Option<f32>,
    speed: f32,
    now_ms: i64,
) -> FfiResult<Box<dyn FrameSource>> {
    use twitchwatch_lab::simulator::{SimulatedSession, SimulatedWearable};
    let options = SimulatedSession {
        scenario,
        duration_s,
        speed,
        ..SimulatedSession::default()
    };
    Ok(Box::new(SimulatedWearable::live(&options, now_ms)?))
}

#[cfg(not(feature = "demo"))]
pub(crate) fn simulated_wearable(
    _scenario: String,
    _duration_s: Option<f32>,
    _speed: f32,
    _now_ms: i64,
) -> FfiResult<Box<dyn FrameSource>> {
    Err(TwitchWatchError::state(
        "this build has no demo mode: it was built without the simulated wearable",
    ))
}

/// The scenarios the demo mode can play (none in a build without it).
pub(crate) fn scenarios() -> Vec<ScenarioInfo> {
    #[cfg(feature = "demo")]
    return twitchwatch_lab::simulator::builtin_scenarios()
        .iter()
        .map(|s| s.info())
        .collect();
    #[cfg(not(feature = "demo"))]
    Vec::new()
}

#[cfg(feature = "demo")]
impl From<twitchwatch_lab::simulator::SimError> for TwitchWatchError {
    fn from(e: twitchwatch_lab::simulator::SimError) -> Self {
        use twitchwatch_lab::simulator::SimError;
        match e {
            SimError::UnknownScenario { .. } => TwitchWatchError::not_found(e.to_string()),
            SimError::InvalidConfig { .. }
            | SimError::InvalidScenario { .. }
            | SimError::InvalidFrames(_)
            | SimError::InvalidDuration(_) => TwitchWatchError::invalid(e.to_string()),
        }
    }
}

#[cfg(all(test, not(feature = "demo")))]
mod tests {
    use super::*;

    #[test]
    fn a_build_without_demo_mode_says_so_and_lists_no_scenarios() {
        let err = simulated_wearable("mixed".into(), None, 1.0, 0)
            .err()
            .unwrap();
        assert!(
            matches!(&err, TwitchWatchError::InvalidState { reason } if reason.contains("no demo mode")),
            "{err:?}"
        );
        assert!(scenarios().is_empty());
    }
}

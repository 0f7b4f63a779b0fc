//! TwitchWatch for Kotlin, Swift and Python: a thin UniFFI facade over the core crates. The records
//! and enums are the core's own (they derive UniFFI in place, behind each crate's `uniffi` feature);
//! this crate adds the objects a shell holds — `TwitchWatch` and its areas — and the one public error.

uniffi::setup_scaffolding!();

// The core's custom types, borrowed from the crates that register them.
use twitchwatch_store::CalendarDay;
uniffi::use_remote_type!(twitchwatch_store::CalendarDay);

pub mod alerts;
pub mod delivery;
mod demo;
pub mod devices;
pub mod error;
pub mod gatt_session;
pub mod history;
pub mod journal;
pub mod listeners;
pub mod logging;
pub mod monitoring;
pub mod report;
mod runtime;
pub mod screens;
pub mod tasks;
pub mod twitchwatch;

pub use alerts::Alerts;
pub use devices::Devices;
pub use error::{FfiResult, TwitchWatchError};
pub use gatt_session::PhoneGattSession;
pub use history::History;
pub use journal::Journal;
pub use listeners::{AlertListener, ListenerHandle, MonitorListener};
pub use logging::{LogLevel, LogSink};
pub use monitoring::Monitoring;
pub use report::Report;
pub use screens::Screens;
pub use tasks::Tasks;
pub use twitchwatch::TwitchWatch;

use twitchwatch_model::{MotorEventKind, ScenarioInfo};

/// Version of the TwitchWatch library the app is running (the crate version).
#[uniffi::export]
pub fn twitchwatch_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Parses a movement kind the way the CLI and reports spell it (`fasciculation`/`twitch`, `tremor`, `spasm`).
#[uniffi::export]
pub fn parse_motor_event_kind(name: String) -> FfiResult<MotorEventKind> {
    name.trim()
        .to_ascii_lowercase()
        .parse::<MotorEventKind>()
        .map_err(TwitchWatchError::invalid)
}

/// The movement kinds, in the order reports list them.
#[uniffi::export]
pub fn motor_event_kinds() -> Vec<MotorEventKind> {
    MotorEventKind::ALL.to_vec()
}

/// The simulator's built-in scenarios, for the demo mode's picker (empty in a build without demo mode).
#[uniffi::export]
pub fn simulator_scenarios() -> Vec<ScenarioInfo> {
    demo::scenarios()
}

//! TwitchWatch for Kotlin, Swift and Python: thin UniFFI wrappers over `twitchwatch-core`.
//! Newtypes around core objects and mirror records only; every behaviour lives in the core.

uniffi::setup_scaffolding!();

mod macros;

pub mod alerts;
mod dates;
mod demo;
pub mod error;
pub mod journal;
pub mod listeners;
pub mod logging;
pub mod report;
mod runtime;
pub mod screens;
pub mod twitchwatch;
pub mod types;

pub use alerts::*;
pub use error::{FfiResult, TwitchWatchError};
pub use journal::*;
pub use listeners::{AlertListener, ListenerHandle, MonitorListener};
pub use logging::{LogLevel, LogSink};
pub use report::*;
pub use screens::*;
pub use twitchwatch::TwitchWatch;
pub use twitchwatch_model::{
    AlertSeverity, ConnectionState, DeviceProtocol, MinuteSummary, MotorEvent, MotorEventKind,
    PairedDevice, StreamStats, TremorFractions, WearFractions,
};
pub use types::*;

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

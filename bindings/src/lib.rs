//! TwitchWatch for Kotlin, Swift and Python: thin UniFFI wrappers over `twitchwatch-core`.
//! Newtypes around core objects and mirror records only; every behaviour lives in the core.

uniffi::setup_scaffolding!();

pub mod alerts;
mod dates;
mod demo;
pub mod error;
pub mod gatt_session;
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
pub use gatt_session::PhoneGattSession;
pub use journal::*;
pub use listeners::{AlertListener, ListenerHandle, MonitorListener};
pub use logging::{LogLevel, LogSink};
pub use report::*;
pub use screens::*;
pub use twitchwatch::TwitchWatch;
pub use twitchwatch_alerts::AlertStatus;
pub use twitchwatch_app::monitor::SessionSummary;
pub use twitchwatch_app::screens::{
    Advertisement, AlertRow, AlertsState, AndroidImportance, ChartMetric, ChartPoint, ChartSeries,
    CheckInOutcome as CheckInScreenOutcome, CheckInRow, ChoiceOption, ConnectionView,
    DayDetailState, Destination, DeviceCandidate, Disclaimer, DrinkChip, EventRow, EvidenceKind,
    EvidenceLine, ExportFormat as ScreenExportFormat, ExportFormatOption, ExportOutcome,
    HistoryDayRow, HistoryRange, HistoryState, HourBucket, InterruptionLevel, JournalField,
    JournalFieldKind, JournalState, MedicationRow, NotificationChannelSpec, NotificationContent,
    OnboardingState, OnboardingStep, OngoingNotification, PairedDeviceView, PairingPhase,
    PairingState, PlatformPermissions, ReportState, SignalStrength, SymptomOption, TodayCounts,
    TodayState,
};
pub use twitchwatch_device::session::{GattAction, GattEvent, ReconnectPolicy, SessionConfig};
pub use twitchwatch_journal::{
    BodySite, CheckIn, Drink, DrinkServing, Hydration, JournalEntry, Medication, MedicationClass,
    Supplement, SupplementKind, Symptom,
};
pub use twitchwatch_model::{
    AlertSeverity, ConnectionState, DeviceProtocol, MinuteSummary, MotorEvent, MotorEventKind,
    PairedDevice, StreamStats, TremorFractions, WearFractions,
};
pub use twitchwatch_report::{ExportFormat, ExportSection};
pub use twitchwatch_rules::RuleId;
pub use twitchwatch_store::DaySummary;
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

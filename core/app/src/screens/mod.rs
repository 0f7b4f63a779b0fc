//! What every phone screen shows, and what its buttons do, computed from the store, the monitor and the
//! alerts so the Android and iOS shells only render records, ask for permissions and post notifications.
//!
//! One [`ScreenModel`] per open monitor. Each screen has a plain view-state record (`*State`) and the
//! actions on it return the new state, so a shell never decides anything itself: not a label, not an
//! ordering, not which notification channel an alert goes to. All text is English for now; the records
//! carry enums next to every label so a shell could localise later without new logic.

mod alerts;
mod data_folder;
mod format;
mod history;
mod journal;
mod notifications;
mod onboarding;
mod pairing;
mod report;
mod tasks;
mod today;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
pub(crate) use twitchwatch_store::sync::lock;

pub use alerts::{AlertFacts, AlertRow, AlertsState, EvidenceKind, EvidenceLine};
pub use data_folder::{
    data_problem, start_screen, DataProblem, DataProblemState, FirstScreen, StartScreen,
};
pub use history::{
    ChartMetric, ChartPoint, ChartSeries, DayDetailState, HistoryDayRow, HistoryRange,
    HistoryState, HourBucket,
};
pub use journal::{
    BodySiteOption, CheckInRow, ChoiceOption, DrinkChip, JournalField, JournalFieldKind,
    JournalState, MedicationRow, SymptomOption,
};
pub use notifications::{
    notification_channels, notification_for_alert, AndroidImportance, InterruptionLevel,
    NotificationChannelSpec, NotificationContent, OngoingNotification, MONITORING_CHANNEL_ID,
};
pub use onboarding::{
    Disclaimer, OnboardingState, OnboardingStep, PlatformPermissions, DISCLAIMER_VERSION,
};
pub use pairing::{
    Advertisement, DeviceCandidate, PairedDeviceView, PairingPhase, PairingState, SignalStrength,
    IOS_RESTORE_IDENTIFIER, POLAR_SAMPLE_RATE_HZ, V1_SAMPLE_RATE_HZ,
};
pub use report::{ExportFormat, ExportFormatOption, ExportOutcome, ReportState, YourDataTexts};
pub use tasks::{
    hold_progress_label, seconds_left_label, tapping_progress_label, GripQuestion, HandOption,
    HandTaskView, TaskCard, TaskOutcome, TaskRunTexts, TasksState,
};
pub use today::{
    ConnectionView, EventRow, LiveStatus, TodayAction, TodayCounts, TodayState, TodayTile,
};

use crate::monitor::{Monitor, MonitorError};
use twitchwatch_alerts::AlertListener;
use twitchwatch_model::TimestampMs;
use twitchwatch_store::{Store, StoreError};

/// Why a screen could not be built or an action failed. Every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ScreenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Monitor(#[from] MonitorError),
    #[error(transparent)]
    Rules(#[from] twitchwatch_rules::RulesError),
    #[error(transparent)]
    Journal(#[from] twitchwatch_journal::JournalError),
    #[error(transparent)]
    Report(#[from] twitchwatch_report::ReportError),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    NotFound(String),
    #[error("cannot {action} at {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where a shell navigates; also what tapping a notification opens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Destination {
    Onboarding,
    Pairing,
    Today,
    Journal,
    History,
    Alerts,
    /// One alert with its evidence.
    Alert {
        alert_id: String,
    },
    /// The active tasks (tapping, tremor, grip): a reminder to do this week's sessions opens it.
    Tasks,
    Report,
}

impl Destination {
    /// The deep link a notification carries (`twitchwatch://alerts/<id>`); both shells register the scheme.
    pub fn deep_link(&self) -> String {
        match self {
            Destination::Onboarding => "twitchwatch://onboarding".into(),
            Destination::Pairing => "twitchwatch://pairing".into(),
            Destination::Today => "twitchwatch://today".into(),
            Destination::Journal => "twitchwatch://journal".into(),
            Destination::History => "twitchwatch://history".into(),
            Destination::Alerts => "twitchwatch://alerts".into(),
            Destination::Alert { alert_id } => format!("twitchwatch://alerts/{alert_id}"),
            Destination::Tasks => "twitchwatch://tasks".into(),
            Destination::Report => "twitchwatch://report".into(),
        }
    }

    /// Parses a deep link back; unknown links open Today rather than failing, since they come from
    /// notifications of older app versions.
    pub fn from_deep_link(link: &str) -> Destination {
        let path = link.trim().strip_prefix("twitchwatch://").unwrap_or("");
        let mut parts = path.splitn(2, '/');
        match (parts.next().unwrap_or(""), parts.next()) {
            ("alerts", Some(id)) if !id.trim().is_empty() => Destination::Alert {
                alert_id: id.trim().to_string(),
            },
            ("alerts", _) => Destination::Alerts,
            ("onboarding", _) => Destination::Onboarding,
            ("pairing", _) => Destination::Pairing,
            ("journal", _) => Destination::Journal,
            ("history", _) => Destination::History,
            ("tasks", _) => Destination::Tasks,
            ("report", _) => Destination::Report,
            _ => Destination::Today,
        }
    }
}

/// One tab of the app's bottom bar.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NavigationTab {
    pub destination: Destination,
    /// The tab's label, also its screen's title.
    pub title: String,
}

/// The tabs both shells show, in order. Icons stay the shells' own (each platform has its set).
pub fn navigation_tabs() -> Vec<NavigationTab> {
    [
        (Destination::Today, "Today"),
        (Destination::Journal, "Journal"),
        (Destination::History, "History"),
        (Destination::Tasks, "Tasks"),
        (Destination::Alerts, "Alerts"),
        (Destination::Report, "Report"),
    ]
    .into_iter()
    .map(|(destination, title)| NavigationTab {
        destination,
        title: title.into(),
    })
    .collect()
}

/// The object a shell (through the bindings) asks for screen states. Cheap to share across threads.
pub struct ScreenModel {
    monitor: Monitor,
    live: Arc<today::LiveTracker>,
    scan: Mutex<pairing::ScanBook>,
    export: Mutex<Option<ExportOutcome>>,
}

impl ScreenModel {
    /// Wraps a monitor and starts following its sessions (connection, battery, live events).
    pub fn new(monitor: Monitor) -> ScreenModel {
        let live = Arc::new(today::LiveTracker::default());
        monitor.add_listener(live.clone());
        ScreenModel {
            monitor,
            live,
            scan: Mutex::new(pairing::ScanBook::default()),
            export: Mutex::new(None),
        }
    }

    pub fn monitor(&self) -> &Monitor {
        &self.monitor
    }

    fn store(&self) -> &Store {
        self.monitor.store()
    }

    /// Where the app opens: onboarding until it is complete, then Today.
    pub fn start_destination(
        &self,
        permissions: &PlatformPermissions,
    ) -> Result<Destination, ScreenError> {
        Ok(if self.onboarding(permissions)?.complete {
            Destination::Today
        } else {
            Destination::Onboarding
        })
    }

    /// Registers a listener for alerts (the shells' notification posters).
    pub fn add_alert_listener(&self, listener: Arc<dyn AlertListener>) {
        self.monitor.add_alert_listener(listener);
    }

    pub(crate) fn live_status(&self) -> LiveStatus {
        self.live.snapshot(self.monitor.is_running())
    }

    /// The time a shell should treat as "now" when it has no better clock (tests pass their own).
    pub fn now_ms() -> TimestampMs {
        crate::monitor::now_ms()
    }
}

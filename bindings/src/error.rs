//! The one public error type of the bindings, and the only place core errors are mapped to it.
//! Kotlin sees it as `TwitchWatchException`, Swift as `TwitchWatchError`, Python as `TwitchWatchError`.

/// Everything that can go wrong in a call into TwitchWatch. Each variant carries a sentence a person
/// can act on (`reason`), suitable to show in the UI as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TwitchWatchError {
    /// A value passed in was out of range or malformed (NaN, negative caffeine, a future date…).
    #[error("{reason}")]
    InvalidInput { reason: String },
    /// The thing asked for does not exist (unknown device, alert, rule or scenario).
    #[error("{reason}")]
    NotFound { reason: String },
    /// The call does not fit the current state (e.g. monitoring already running, nothing paired).
    #[error("{reason}")]
    InvalidState { reason: String },
    /// The on-disk store could not be opened, read or written; nothing stored was changed.
    #[error("{reason}")]
    Storage { reason: String },
    /// A file outside the store (export target, data directory) could not be used.
    #[error("{reason}")]
    Io { reason: String },
    /// The wearable or the Bluetooth stack failed.
    #[error("{reason}")]
    Device { reason: String },
    /// A listener implemented in Kotlin/Swift/Python threw; returned to Rust, never re-raised.
    #[error("{reason}")]
    Callback { reason: String },
    /// A bug in TwitchWatch; please report it with the message.
    #[error("{reason}")]
    Internal { reason: String },
}

pub type FfiResult<T> = Result<T, TwitchWatchError>;

impl TwitchWatchError {
    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            reason: reason.into(),
        }
    }

    pub(crate) fn not_found(reason: impl Into<String>) -> Self {
        Self::NotFound {
            reason: reason.into(),
        }
    }

    pub(crate) fn state(reason: impl Into<String>) -> Self {
        Self::InvalidState {
            reason: reason.into(),
        }
    }

    pub(crate) fn internal(reason: impl Into<String>) -> Self {
        Self::Internal {
            reason: reason.into(),
        }
    }
}

// Without this, an exception thrown by a foreign listener would panic inside Rust.
impl From<uniffi::UnexpectedUniFFICallbackError> for TwitchWatchError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Callback {
            reason: format!("a listener implemented in the app threw: {}", e.reason),
        }
    }
}

impl From<std::io::Error> for TwitchWatchError {
    fn from(e: std::io::Error) -> Self {
        Self::Io {
            reason: e.to_string(),
        }
    }
}

// ---- The one place core errors become public ones. Messages are the core's own sentences. ----

use twitchwatch_app::monitor::MonitorError;
use twitchwatch_classify::ClassifyError;
#[cfg(target_os = "linux")]
use twitchwatch_device::link::LinkError;
use twitchwatch_device::protocol::FrameError;
use twitchwatch_device::shell::ShellError;
use twitchwatch_journal::JournalError;
use twitchwatch_report::ReportError;
use twitchwatch_rules::RulesError;
use twitchwatch_store::StoreError;

fn with(make: fn(String) -> TwitchWatchError, e: &dyn std::fmt::Display) -> TwitchWatchError {
    make(e.to_string())
}

fn io(reason: String) -> TwitchWatchError {
    TwitchWatchError::Io { reason }
}
fn storage(reason: String) -> TwitchWatchError {
    TwitchWatchError::Storage { reason }
}
fn invalid(reason: String) -> TwitchWatchError {
    TwitchWatchError::InvalidInput { reason }
}
fn not_found(reason: String) -> TwitchWatchError {
    TwitchWatchError::NotFound { reason }
}
fn state(reason: String) -> TwitchWatchError {
    TwitchWatchError::InvalidState { reason }
}
fn device(reason: String) -> TwitchWatchError {
    TwitchWatchError::Device { reason }
}
fn internal(reason: String) -> TwitchWatchError {
    TwitchWatchError::Internal { reason }
}

impl From<StoreError> for TwitchWatchError {
    fn from(e: StoreError) -> Self {
        let make = match &e {
            StoreError::Io { .. } => io,
            StoreError::InUse { .. } => state,
            StoreError::InvalidInput { .. } | StoreError::InvalidSetting { .. } => invalid,
            _ => storage,
        };
        with(make, &e)
    }
}

impl From<JournalError> for TwitchWatchError {
    fn from(e: JournalError) -> Self {
        match e {
            JournalError::Store(e) => e.into(),
            JournalError::NoEntry(_) | JournalError::NoCheckIn(_) => with(not_found, &e),
            _ => with(invalid, &e),
        }
    }
}

impl From<RulesError> for TwitchWatchError {
    fn from(e: RulesError) -> Self {
        match e {
            RulesError::Store(e) => e.into(),
            RulesError::Journal(e) => e.into(),
            RulesError::UnknownParameter { .. } | RulesError::UnknownAlert(_) => {
                with(not_found, &e)
            }
            _ => with(invalid, &e),
        }
    }
}

impl From<FrameError> for TwitchWatchError {
    fn from(e: FrameError) -> Self {
        with(invalid, &e)
    }
}

impl From<ShellError> for TwitchWatchError {
    fn from(e: ShellError) -> Self {
        match e {
            ShellError::NotPairedDevice { .. } => with(not_found, &e),
            _ => with(invalid, &e),
        }
    }
}

impl From<ReportError> for TwitchWatchError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Store(e) => e.into(),
            ReportError::Journal(e) => e.into(),
            ReportError::Rules(e) => e.into(),
            ReportError::Period(_) => with(invalid, &e),
            ReportError::Io { .. }
            | ReportError::Csv { .. }
            | ReportError::Exists { .. }
            | ReportError::Symlink { .. }
            | ReportError::OutsideFolder { .. } => with(io, &e),
        }
    }
}

impl From<ClassifyError> for TwitchWatchError {
    fn from(e: ClassifyError) -> Self {
        with(invalid, &e)
    }
}

impl From<MonitorError> for TwitchWatchError {
    fn from(e: MonitorError) -> Self {
        match e {
            MonitorError::Store(e) => e.into(),
            MonitorError::Classify(e) => e.into(),
            MonitorError::Frame(e) => e.into(),
            MonitorError::Notification(e) => e.into(),
            MonitorError::Rules(e) => e.into(),
            // Only desktop Linux links btleplug; phones push bytes and have no link of ours.
            #[cfg(target_os = "linux")]
            MonitorError::Device(e) => e.into(),
            MonitorError::AlreadyRunning | MonitorError::NoPairedDevice => with(state, &e),
            MonitorError::InvalidSpeed(_) => with(invalid, &e),
            // The OS refused a thread or runtime: nothing the caller passed is wrong.
            MonitorError::Spawn { .. } => with(internal, &e),
        }
    }
}

#[cfg(target_os = "linux")]
impl From<LinkError> for TwitchWatchError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::NoAdapter
            | LinkError::AdapterNotFound { .. }
            | LinkError::Bluetooth(_)
            | LinkError::DeviceNotFound { .. }
            | LinkError::MissingGatt { .. }
            | LinkError::Timeout { .. }
            | LinkError::Refused(_)
            | LinkError::Polar(_)
            | LinkError::LinkLost
            | LinkError::GaveUp { .. } => with(device, &e),
        }
    }
}

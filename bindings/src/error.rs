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

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
    /// The store is encrypted under another data key (or needs one and none was given); nothing was
    /// changed. The shell's keystore lost or replaced the key: the history cannot be read without it.
    #[error("{reason}")]
    WrongKey { reason: String },
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

/// The longest `reason` a public error carries, in characters. The core's sentences quote what the
/// caller passed (an id, a path, a day); a shell that passed a megabyte must not get it back as the
/// sentence it shows the user.
pub const REASON_CHARS_MAX: usize = 600;

/// `reason`, cut in the middle when it is longer than `REASON_CHARS_MAX`: the start says what was
/// wrong and the end often why (an OS error), so both stay.
fn bounded(reason: String) -> String {
    const HEAD: usize = 400;
    const TAIL: usize = 150;
    let chars = reason.chars().count();
    if chars <= REASON_CHARS_MAX {
        return reason;
    }
    let head: String = reason.chars().take(HEAD).collect();
    let tail: String = reason.chars().skip(chars - TAIL).collect();
    format!(
        "{head} … ({} characters left out) … {tail}",
        chars - HEAD - TAIL
    )
}

impl TwitchWatchError {
    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            reason: bounded(reason.into()),
        }
    }

    pub(crate) fn not_found(reason: impl Into<String>) -> Self {
        Self::NotFound {
            reason: bounded(reason.into()),
        }
    }

    pub(crate) fn state(reason: impl Into<String>) -> Self {
        Self::InvalidState {
            reason: bounded(reason.into()),
        }
    }

    pub(crate) fn internal(reason: impl Into<String>) -> Self {
        Self::Internal {
            reason: bounded(reason.into()),
        }
    }
}

/// A malformed calendar day in a call's arguments becomes that call's `InvalidInput`, not UniFFI's
/// internal error (see `twitchwatch_store::set_invalid_day_error` for why it is registered).
pub(crate) fn register_argument_errors() {
    twitchwatch_store::set_invalid_day_error(|reason| {
        TwitchWatchError::InvalidInput {
            reason: bounded(reason),
        }
        .into()
    });
}

// Without this, an exception thrown by a foreign listener would panic inside Rust.
impl From<uniffi::UnexpectedUniFFICallbackError> for TwitchWatchError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Callback {
            reason: bounded(format!(
                "a listener implemented in the app threw: {}",
                e.reason
            )),
        }
    }
}

impl From<std::io::Error> for TwitchWatchError {
    fn from(e: std::io::Error) -> Self {
        Self::Io {
            reason: bounded(e.to_string()),
        }
    }
}

// ---- The one place core errors become public ones. Messages are the core's own sentences. ----
//
// Every match below names each variant: a new core error does not compile until someone decides which
// public error it is. The mappings read a borrowed error, so a listener that is lent one (a session's
// end) maps it the same way as a call that returns one.

use twitchwatch_app::monitor::MonitorError;
use twitchwatch_app::screens::ScreenError;
use twitchwatch_classify::ClassifyError;
#[cfg(target_os = "linux")]
use twitchwatch_device::link::LinkError;
use twitchwatch_device::protocol::FrameError;
use twitchwatch_device::shell::ShellError;
use twitchwatch_journal::JournalError;
use twitchwatch_report::ReportError;
use twitchwatch_rules::RulesError;
use twitchwatch_store::StoreError;

type Make = fn(String) -> TwitchWatchError;

fn io(reason: String) -> TwitchWatchError {
    logged(TwitchWatchError::Io {
        reason: bounded(reason),
    })
}
fn storage(reason: String) -> TwitchWatchError {
    logged(TwitchWatchError::Storage {
        reason: bounded(reason),
    })
}
fn wrong_key(reason: String) -> TwitchWatchError {
    logged(TwitchWatchError::WrongKey {
        reason: bounded(reason),
    })
}
fn invalid(reason: String) -> TwitchWatchError {
    logged(TwitchWatchError::InvalidInput {
        reason: bounded(reason),
    })
}
fn not_found(reason: String) -> TwitchWatchError {
    logged(TwitchWatchError::NotFound {
        reason: bounded(reason),
    })
}
fn state(reason: String) -> TwitchWatchError {
    logged(TwitchWatchError::InvalidState {
        reason: bounded(reason),
    })
}
fn device(reason: String) -> TwitchWatchError {
    logged(TwitchWatchError::Device {
        reason: bounded(reason),
    })
}
fn internal(reason: String) -> TwitchWatchError {
    logged(TwitchWatchError::Internal {
        reason: bounded(reason),
    })
}

/// Every core error that reaches a shell is logged here, once, at a level set by its public kind. A
/// failure of the store, a file, the wearable or our own code is a warning someone supporting the app
/// needs. A refused input, a missing record, a call at the wrong time or a wrong key is the app's own
/// business and its sentence may quote what the user entered (a dose, a note), so it stays at debug,
/// where health data may go.
fn logged(error: TwitchWatchError) -> TwitchWatchError {
    use TwitchWatchError as E;
    match &error {
        E::Storage { .. } | E::Io { .. } | E::Device { .. } | E::Internal { .. } => {
            tracing::warn!(target: "twitchwatch_ffi::errors", "{error}")
        }
        E::InvalidInput { .. }
        | E::NotFound { .. }
        | E::InvalidState { .. }
        | E::WrongKey { .. }
        | E::Callback { .. } => tracing::debug!(target: "twitchwatch_ffi::errors", "{error}"),
    }
    error
}

/// `From<E>` for an owned core error, through the borrowed mapping.
macro_rules! by_value {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for TwitchWatchError {
            fn from(e: $t) -> Self {
                Self::from(&e)
            }
        }
    )*};
}

by_value!(
    StoreError,
    JournalError,
    RulesError,
    FrameError,
    ShellError,
    ReportError,
    ClassifyError,
    MonitorError,
    ScreenError,
);
#[cfg(target_os = "linux")]
by_value!(LinkError);

impl From<&StoreError> for TwitchWatchError {
    fn from(e: &StoreError) -> Self {
        let make: Make = match e {
            // The data folder is a path the app chose: a file there is a file problem, not the store's.
            StoreError::Io { .. } | StoreError::NotADirectory { .. } => io,
            StoreError::NotFound { .. } => not_found,
            StoreError::InUse { .. } => state,
            StoreError::InvalidInput { .. }
            | StoreError::InvalidSetting { .. }
            | StoreError::RangeTooLong { .. }
            | StoreError::InvalidKey { .. } => invalid,
            StoreError::WrongKey { .. } | StoreError::KeyRequired { .. } => wrong_key,
            StoreError::Corrupt { .. }
            | StoreError::NewerSchema { .. }
            | StoreError::CorruptRecord { .. }
            | StoreError::NewerRecord { .. }
            | StoreError::Backend(_) => storage,
            // Our own types failed to serialise: nothing the app passed or the disk holds is at fault.
            StoreError::Encode { .. } => internal,
        };
        make(e.to_string())
    }
}

impl From<&JournalError> for TwitchWatchError {
    fn from(e: &JournalError) -> Self {
        let make: Make = match e {
            JournalError::Store(e) => return e.into(),
            JournalError::NoEntry(_) | JournalError::NoCheckIn(_) => not_found,
            JournalError::Invalid { .. }
            | JournalError::FutureDate { .. }
            | JournalError::Unknown { .. }
            | JournalError::ControlCharacter { .. }
            | JournalError::EmptyCheckIn => invalid,
        };
        make(e.to_string())
    }
}

impl From<&RulesError> for TwitchWatchError {
    fn from(e: &RulesError) -> Self {
        let make: Make = match e {
            RulesError::Store(e) => return e.into(),
            RulesError::Journal(e) => return e.into(),
            RulesError::UnknownParameter { .. } | RulesError::UnknownAlert(_) => not_found,
            RulesError::OutOfBounds { .. } | RulesError::NotWhole { .. } => invalid,
        };
        make(e.to_string())
    }
}

impl From<&FrameError> for TwitchWatchError {
    fn from(e: &FrameError) -> Self {
        // Bytes the shell pushed that are not a valid frame.
        let make: Make = match e {
            FrameError::TooShort { .. }
            | FrameError::TooLong { .. }
            | FrameError::UnsupportedVersion { .. }
            | FrameError::InvalidChannels { .. }
            | FrameError::InvalidRate { .. }
            | FrameError::InvalidScale { .. }
            | FrameError::NoSamples
            | FrameError::LengthMismatch { .. }
            | FrameError::ChecksumMismatch { .. }
            | FrameError::ChannelLengthMismatch { .. } => invalid,
        };
        make(e.to_string())
    }
}

impl From<&ShellError> for TwitchWatchError {
    fn from(e: &ShellError) -> Self {
        let make: Make = match e {
            ShellError::NotPairedDevice { .. } => not_found,
            // Not transparent: the reason keeps "rejected frame: …", so it maps here, not through FrameError.
            ShellError::Frame(_)
            | ShellError::BadUuid(_)
            | ShellError::UnknownCharacteristic { .. }
            | ShellError::BadBattery(_)
            | ShellError::Polar(_) => invalid,
        };
        make(e.to_string())
    }
}

impl From<&ReportError> for TwitchWatchError {
    fn from(e: &ReportError) -> Self {
        let make: Make = match e {
            ReportError::Store(e) => return e.into(),
            ReportError::Journal(e) => return e.into(),
            ReportError::Rules(e) => return e.into(),
            ReportError::Period(_) => invalid,
            ReportError::Io { .. }
            | ReportError::Csv { .. }
            | ReportError::Exists { .. }
            | ReportError::Symlink { .. }
            | ReportError::OutsideFolder { .. } => io,
        };
        make(e.to_string())
    }
}

impl From<&ClassifyError> for TwitchWatchError {
    fn from(e: &ClassifyError) -> Self {
        let make: Make = match e {
            ClassifyError::UnsupportedRate { .. }
            | ClassifyError::GyroLengthMismatch { .. }
            | ClassifyError::NonFiniteSample { .. } => invalid,
        };
        make(e.to_string())
    }
}

impl From<&MonitorError> for TwitchWatchError {
    fn from(e: &MonitorError) -> Self {
        let make: Make = match e {
            MonitorError::Store(e) => return e.into(),
            MonitorError::Classify(e) => return e.into(),
            MonitorError::Frame(e) => return e.into(),
            MonitorError::Notification(e) => return e.into(),
            MonitorError::Rules(e) => return e.into(),
            // Only desktop Linux links btleplug; phones push bytes and have no link of ours.
            #[cfg(target_os = "linux")]
            MonitorError::Device(e) => return e.into(),
            MonitorError::AlreadyRunning | MonitorError::NoPairedDevice => state,
            MonitorError::Session(_) => device,
            MonitorError::InvalidSpeed(_) => invalid,
            // The OS refused a thread or runtime: nothing the caller passed is wrong.
            MonitorError::Spawn { .. } => internal,
        };
        make(e.to_string())
    }
}

impl From<&ScreenError> for TwitchWatchError {
    fn from(e: &ScreenError) -> Self {
        let make: Make = match e {
            ScreenError::Store(e) => return e.into(),
            ScreenError::Monitor(e) => return e.into(),
            ScreenError::Rules(e) => return e.into(),
            ScreenError::Journal(e) => return e.into(),
            ScreenError::Report(e) => return e.into(),
            ScreenError::InvalidInput(_) => invalid,
            ScreenError::NotFound(_) => not_found,
            ScreenError::Io { .. } => io,
        };
        make(e.to_string())
    }
}

#[cfg(target_os = "linux")]
impl From<&LinkError> for TwitchWatchError {
    fn from(e: &LinkError) -> Self {
        let make: Make = match e {
            LinkError::NoAdapter
            | LinkError::AdapterNotFound { .. }
            | LinkError::Bluetooth(_)
            | LinkError::DeviceNotFound { .. }
            | LinkError::MissingGatt { .. }
            | LinkError::Timeout { .. }
            | LinkError::Refused(_)
            | LinkError::Polar(_)
            | LinkError::LinkLost
            | LinkError::GaveUp { .. } => device,
        };
        make(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use TwitchWatchError as E;

    fn path() -> PathBuf {
        PathBuf::from("/data/twitchwatch")
    }

    #[test]
    fn failures_are_logged_as_warnings_and_the_users_input_only_at_debug() {
        use std::sync::{Arc, Mutex};
        use tracing_subscriber::layer::SubscriberExt;

        #[derive(Clone, Default)]
        struct Levels(Arc<Mutex<Vec<tracing::Level>>>);
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Levels {
            fn on_event(
                &self,
                event: &tracing::Event<'_>,
                _: tracing_subscriber::layer::Context<'_, S>,
            ) {
                if event.metadata().target() == "twitchwatch_ffi::errors" {
                    self.0.lock().unwrap().push(*event.metadata().level());
                }
            }
        }
        let levels = Levels::default();
        let subscriber = tracing_subscriber::registry().with(levels.clone());
        tracing::subscriber::with_default(subscriber, || {
            let _ = E::from(StoreError::Corrupt {
                path: path(),
                detail: "a broken page".into(),
            });
            let _ = E::from(JournalError::Invalid {
                field: "caffeine_mg",
                reason: "-5 is below 0".into(),
            });
        });
        assert_eq!(
            *levels.0.lock().unwrap(),
            [tracing::Level::WARN, tracing::Level::DEBUG]
        );
    }

    #[test]
    fn a_malformed_day_inside_a_record_is_the_calls_invalid_input() {
        use uniffi::{Lift, Lower};
        register_argument_errors();
        let mut entry = twitchwatch_journal::JournalEntry::new(jiff::civil::date(2026, 11, 25));
        entry.notes = "fine".into();
        let mut buf = <twitchwatch_journal::JournalEntry as Lower<crate::UniFfiTag>>::lower(entry)
            .destroy_into_vec();
        // The date travels first, as a length-prefixed string: make it "2026-13-25".
        let at = buf.windows(10).position(|w| w == b"2026-11-25").unwrap();
        buf[at + 5..at + 7].copy_from_slice(b"13");
        let lifted = <twitchwatch_journal::JournalEntry as Lift<crate::UniFfiTag>>::try_lift(
            uniffi::RustBuffer::from_vec(buf),
        );
        // UniFFI gives a failed argument to the call as its error only when it downcasts to it.
        let error = lifted.unwrap_err().downcast::<TwitchWatchError>().unwrap();
        assert!(
            matches!(&error, E::InvalidInput { reason } if reason.contains("2026-13-25")),
            "{error:?}"
        );
    }

    /// The public error `e` becomes, checked borrowed and owned, with the core's sentence as its reason.
    fn mapped<T>(e: T) -> TwitchWatchError
    where
        T: std::fmt::Display,
        for<'a> TwitchWatchError: From<&'a T> + From<T>,
    {
        let text = e.to_string();
        let borrowed = TwitchWatchError::from(&e);
        let owned = TwitchWatchError::from(e);
        assert_eq!(borrowed, owned);
        assert_eq!(owned.to_string(), text);
        owned
    }

    fn range_too_long() -> StoreError {
        StoreError::RangeTooLong {
            from: jiff::civil::date(2000, 1, 1),
            to: jiff::civil::date(2020, 1, 1),
            days: 7305,
            max: twitchwatch_store::DAILY_SUMMARY_DAYS_MAX,
        }
    }

    #[test]
    fn a_megabyte_the_caller_passed_is_not_echoed_back_in_the_reason() {
        let id = "x".repeat(1 << 20);
        let e = TwitchWatchError::from(RulesError::UnknownAlert(id.clone()));
        let reason = e.to_string();
        assert!(
            reason.chars().count() <= REASON_CHARS_MAX,
            "{}",
            reason.len()
        );
        assert!(reason.contains("characters left out"), "{reason}");
        let e = TwitchWatchError::from(std::io::Error::other(format!("{id}: File name too long")));
        assert!(e.to_string().ends_with("File name too long"), "{e}");
        assert!(e.to_string().chars().count() <= REASON_CHARS_MAX);
        // Short sentences pass untouched, multi-byte characters are never split.
        assert_eq!(TwitchWatchError::invalid("é漢🙂").to_string(), "é漢🙂");
        let wide = TwitchWatchError::invalid("漢".repeat(5000)).to_string();
        assert!(wide.chars().count() <= REASON_CHARS_MAX);
    }

    #[test]
    fn a_missing_history_is_not_found() {
        let e = mapped(StoreError::NotFound { path: path() });
        assert!(matches!(e, E::NotFound { .. }), "{e:?}");
    }

    #[test]
    fn a_data_folder_that_is_a_file_is_an_io_error() {
        let e = mapped(StoreError::NotADirectory { path: path() });
        assert!(matches!(e, E::Io { .. }), "{e:?}");
    }

    #[test]
    fn a_range_too_long_is_invalid_input() {
        let e = mapped(range_too_long());
        assert!(matches!(e, E::InvalidInput { .. }), "{e:?}");
    }

    #[test]
    fn store_failures_stay_storage_and_a_store_in_use_is_a_state() {
        let corrupt = StoreError::Corrupt {
            path: path(),
            detail: "bad page".into(),
        };
        assert!(matches!(mapped(corrupt), E::Storage { .. }));
        let record = StoreError::CorruptRecord {
            tree: "events",
            key: "00".into(),
            reason: "truncated".into(),
        };
        assert!(matches!(mapped(record), E::Storage { .. }));
        let newer = StoreError::NewerSchema {
            path: path(),
            found: 9,
            supported: 1,
        };
        assert!(matches!(mapped(newer), E::Storage { .. }));
        assert!(matches!(
            mapped(StoreError::InUse { path: path() }),
            E::InvalidState { .. }
        ));
        let encode = StoreError::Encode {
            tree: "settings",
            reason: "x".into(),
        };
        assert!(matches!(mapped(encode), E::Internal { .. }));
    }

    #[test]
    fn a_store_under_another_key_is_its_own_error() {
        let wrong = StoreError::WrongKey { path: path() };
        assert!(matches!(mapped(wrong), E::WrongKey { .. }));
        let missing = StoreError::KeyRequired { path: path() };
        assert!(matches!(mapped(missing), E::WrongKey { .. }));
        let bad = StoreError::InvalidKey {
            reason: "31 bytes".into(),
        };
        assert!(matches!(mapped(bad), E::InvalidInput { .. }));
    }

    #[test]
    fn store_errors_keep_their_variant_inside_journal_rules_report_and_monitor() {
        let e = mapped(JournalError::Store(StoreError::NotFound { path: path() }));
        assert!(matches!(e, E::NotFound { .. }), "{e:?}");
        let e = mapped(RulesError::Store(range_too_long()));
        assert!(matches!(e, E::InvalidInput { .. }), "{e:?}");
        let e = mapped(ReportError::Journal(JournalError::Store(
            StoreError::NotADirectory { path: path() },
        )));
        assert!(matches!(e, E::Io { .. }), "{e:?}");
        let e = mapped(MonitorError::Store(StoreError::NotFound { path: path() }));
        assert!(matches!(e, E::NotFound { .. }), "{e:?}");
    }

    #[test]
    fn rules_errors_reach_the_ffi_through_the_monitor_with_their_variant() {
        let e = mapped(MonitorError::Rules(RulesError::UnknownAlert("x".into())));
        assert!(matches!(e, E::NotFound { .. }), "{e:?}");
        let e = mapped(MonitorError::Rules(RulesError::NotWhole {
            key: "persistence.window_days",
            value: 1.5,
        }));
        assert!(matches!(e, E::InvalidInput { .. }), "{e:?}");
        let e = mapped(MonitorError::Rules(RulesError::Store(range_too_long())));
        assert!(matches!(e, E::InvalidInput { .. }), "{e:?}");
    }

    #[test]
    fn a_thread_that_cannot_start_is_internal_not_a_device_failure() {
        let e = mapped(MonitorError::Spawn {
            what: "session thread",
            source: std::io::Error::other("no threads left"),
        });
        assert_eq!(
            e,
            E::Internal {
                reason: "cannot start the session thread: no threads left".into()
            }
        );
    }

    #[test]
    fn monitor_states_and_bad_input() {
        assert!(matches!(
            mapped(MonitorError::NoPairedDevice),
            E::InvalidState { .. }
        ));
        assert!(matches!(
            mapped(MonitorError::AlreadyRunning),
            E::InvalidState { .. }
        ));
        assert!(matches!(
            mapped(MonitorError::InvalidSpeed(-1.0)),
            E::InvalidInput { .. }
        ));
        let frame = FrameError::InvalidRate { rate_hz: 1 };
        assert!(matches!(
            mapped(MonitorError::Notification(ShellError::Frame(frame))),
            E::InvalidInput { .. }
        ));
        let not_paired = ShellError::NotPairedDevice {
            got: "a".into(),
            paired: "b".into(),
        };
        assert!(matches!(mapped(not_paired), E::NotFound { .. }));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_link_reaches_the_ffi_as_a_device_error() {
        let e = mapped(MonitorError::Device(LinkError::LinkLost));
        assert_eq!(
            e,
            E::Device {
                reason: "the link was lost".into()
            }
        );
        let e = mapped(LinkError::Timeout {
            what: "the control point",
            after_ms: 5000,
        });
        assert!(matches!(e, E::Device { .. }), "{e:?}");
    }

    #[test]
    fn journal_and_report_errors() {
        assert!(matches!(
            mapped(JournalError::NoEntry(jiff::civil::date(2020, 1, 1))),
            E::NotFound { .. }
        ));
        assert!(matches!(
            mapped(JournalError::EmptyCheckIn),
            E::InvalidInput { .. }
        ));
        assert!(matches!(
            mapped(ReportError::Symlink { path: path() }),
            E::Io { .. }
        ));
        assert!(matches!(
            mapped(ReportError::Period("x".into())),
            E::InvalidInput { .. }
        ));
    }
}

//! The user's data as a whole, for the shells: the data key a store is opened with, moving to a new
//! key, and deleting everything. What the FFI calls for these; the store does the work.
//!
//! The key is the shell's to keep (Android: wrapped by an Android Keystore key; iOS: the Keychain,
//! this device only, after first unlock; desktop: the CLI's 0600 key file). The core never stores it.

use std::path::Path;

pub use twitchwatch_store::{DataFolderState, DataKey, DeletionReport};
use twitchwatch_store::{Store, StoreError, StoreOptions};

use crate::inbox;
use crate::monitor::{Monitor, MonitorError, MonitorSettings};

/// How a shell opens the user's data; every field has a sensible default.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OpenOptions {
    /// Keep raw sensor samples (large: ~2 MB per hour at 100 Hz).
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub keep_raw_samples: bool,
    /// Default retention when the user has not chosen one.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub retention_days: Option<u32>,
    /// The 32-byte data key the store is encrypted under, from the shell's keystore (Android:
    /// wrapped by an Android Keystore key; iOS: the Keychain, this device only, after first unlock).
    /// Made by [`generate_data_key`] on first start. `None` opens an unencrypted store: tests and
    /// demo builds only, never a shipped app. A plaintext store opened with a key is encrypted once.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub data_key: Option<Vec<u8>>,
}

impl OpenOptions {
    /// The monitor settings these options ask for, without the data key (open and rotation each
    /// apply theirs).
    pub fn monitor_settings(&self) -> MonitorSettings {
        MonitorSettings {
            store: StoreOptions {
                keep_raw_samples: self.keep_raw_samples,
                retention_days: self.retention_days,
                ..StoreOptions::default()
            },
            ..MonitorSettings::default()
        }
    }
}

/// Opens (or creates) the user's data at `data_dir` as `options` say, encrypted when they carry a key.
pub fn open(data_dir: &Path, options: &OpenOptions) -> Result<Monitor, MonitorError> {
    let settings = options.monitor_settings();
    match options.data_key.as_deref() {
        Some(key) => {
            Monitor::open_encrypted(data_dir, *DataKey::from_slice(key)?.as_bytes(), settings)
        }
        None => Monitor::open(data_dir, settings),
    }
}

impl MonitorSettings {
    /// These settings with the store opened under `key` (32 bytes from the shell's keystore). A
    /// store written without encryption is encrypted on this open, once.
    pub fn with_data_key(mut self, key: [u8; 32]) -> MonitorSettings {
        self.store.data_key = Some(DataKey::from_bytes(key));
        self
    }
}

impl Monitor {
    /// Opens the store at `data_dir` encrypted under `key`: [`StoreError::WrongKey`] (inside
    /// [`MonitorError::Store`]) when the key is not the store's, with nothing changed.
    pub fn open_encrypted(
        data_dir: &Path,
        key: [u8; 32],
        settings: MonitorSettings,
    ) -> Result<Monitor, MonitorError> {
        Monitor::open(data_dir, settings.with_data_key(key))
    }
}

/// What `data_dir` holds, found without writing anything there: nothing yet, a store of this version,
/// one an earlier version wrote (the next open brings it up to date), one from a newer version, not a
/// store, damaged, in use, unreadable. A shell picks its first screen by it
/// ([`crate::screens::start_screen`]) before an open could change a file.
pub fn data_folder_state(data_dir: &Path) -> DataFolderState {
    DataFolderState::inspect(data_dir)
}

/// A new random 32-byte data key, for a shell's first start (it then keeps it in its keystore).
pub fn generate_data_key() -> [u8; 32] {
    *DataKey::generate().as_bytes()
}

/// Moves the closed store at `data_dir` from `old` to `new` and returns it open under `new`. The
/// shell stores `new` beside `old` first and drops `old` once this returns: after a kill part way,
/// opening with either key finishes the move to that key, and nothing is lost.
pub fn rotate_data_key(
    data_dir: &Path,
    old: [u8; 32],
    new: [u8; 32],
    settings: MonitorSettings,
) -> Result<Monitor, MonitorError> {
    let (old, new_key) = (DataKey::from_bytes(old), DataKey::from_bytes(new));
    drop(Store::rotate_key(
        data_dir,
        &old,
        &new_key,
        settings.store.clone(),
    )?);
    Monitor::open_encrypted(data_dir, new, settings)
}

/// [`rotate_data_key`] with the keys as a shell hands them over (each must be 32 bytes) and the
/// store opened as `options` say.
pub fn rotate_data_key_from_slices(
    data_dir: &Path,
    old: &[u8],
    new: &[u8],
    options: &OpenOptions,
) -> Result<Monitor, MonitorError> {
    let old = *DataKey::from_slice(old)?.as_bytes();
    let new = *DataKey::from_slice(new)?.as_bytes();
    rotate_data_key(data_dir, old, new, options.monitor_settings())
}

/// "Delete my data": removes every record and every file of the store at `data_dir` (and the
/// folder, when nothing else is in it), then proves it by opening it again and finding nothing
/// there. The store must be closed first: every `Monitor` on it dropped or closed by the shell
/// ([`StoreError::InUse`] otherwise, and nothing is deleted). The shell then deletes its key, which
/// makes any copy of the files made before (a backup) unreadable too.
pub fn delete_all_data(data_dir: &Path) -> Result<DeletionReport, StoreError> {
    let mut report = Store::delete_all(data_dir)?;
    let io = |source| StoreError::Io {
        path: data_dir.to_path_buf(),
        source,
    };
    if inbox::remove_inbox(data_dir).map_err(io)? {
        let empty = std::fs::read_dir(data_dir).map_err(io)?.next().is_none();
        if empty {
            std::fs::remove_dir(data_dir).map_err(io)?;
            report.folder_removed = true;
        }
    }
    let reopen = StoreOptions {
        create_if_missing: false,
        ..StoreOptions::default()
    };
    match Store::open(data_dir, reopen) {
        Err(StoreError::NotFound { .. }) => Ok(report),
        Ok(_) => Err(StoreError::Corrupt {
            path: data_dir.to_path_buf(),
            detail: "a store was still found after deleting it".into(),
        }),
        Err(e) => Err(e),
    }
}

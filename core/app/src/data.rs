//! The user's data as a whole, for the shells: the data key a store is opened with, moving to a new
//! key, and deleting everything. What the FFI calls for these; the store does the work.
//!
//! The key is the shell's to keep (Android: wrapped by an Android Keystore key; iOS: the Keychain,
//! this device only, after first unlock; desktop: the CLI's 0600 key file). The core never stores it.

use std::path::Path;

pub use twitchwatch_store::{DataKey, DeletionReport};
use twitchwatch_store::{Store, StoreError, StoreOptions};

use crate::inbox;
use crate::monitor::{Monitor, MonitorError, MonitorSettings};

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

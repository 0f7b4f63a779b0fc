//! What a data folder holds, found without writing anything: so a shell can choose its first screen
//! (onboarding, unlocking its store, or a "data problem" screen) before any open could change a file.
//!
//! Only metadata and the store's own small files are read (the folder listing, the sidecar, the
//! keyring); sled is never opened, since its open repairs files (see `files`). The lock test takes
//! and releases the advisory lock sled takes (on a read-only handle), which changes no byte on disk.

use std::path::Path;

use serde::Serialize;

use super::crypt::KeyringFile;
use super::{files, read_sidecar, StoreError, PLAINTEXT_SCHEMA_VERSION, STORE_SCHEMA_VERSION};

/// The state of a data folder before it is opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DataFolderState {
    /// Nothing there yet: no folder, or a folder without any store file. Opening creates a new store.
    Empty { folder_exists: bool },
    /// A store this build writes (encrypted, the current schema): opening it with its key just opens it.
    Current,
    /// A store an earlier build wrote (unencrypted, or an older schema, or one that predates the
    /// version file): opening it with a data key brings it up to date once, keeping every record.
    NeedsMigration { found_schema: Option<u32> },
    /// Written by a newer TwitchWatch: this build refuses to open it and changes nothing.
    FromTheFuture {
        found_schema: u32,
        supported_schema: u32,
    },
    /// The path is not a TwitchWatch data folder (a file, for instance).
    NotAStore { detail: String },
    /// A store whose own files are damaged (its keyring): opening it would be refused.
    Damaged { detail: String },
    /// Another process (or another handle in this one) has the store open.
    Locked,
    /// The folder could not be read (permissions, an I/O error).
    Unreadable { detail: String },
}

impl DataFolderState {
    /// Inspects `path` and changes nothing there.
    pub fn inspect(path: &Path) -> DataFolderState {
        let found = match files::inspect(path) {
            Ok(found) => found,
            Err(StoreError::NotADirectory { .. }) => {
                return DataFolderState::NotAStore {
                    detail: format!("{} is a file, not a folder", path.display()),
                }
            }
            Err(e) => {
                return DataFolderState::Unreadable {
                    detail: e.to_string(),
                }
            }
        };
        // An interrupted rewrite has moved sled's files aside; the store is still there.
        if found == files::Found::Nothing && !files::rewrite_pending(path) {
            return DataFolderState::Empty {
                folder_exists: path.is_dir(),
            };
        }
        let sidecar = read_sidecar(path);
        if let Some(sc) = sidecar.filter(|sc| sc.schema_version > STORE_SCHEMA_VERSION) {
            return DataFolderState::FromTheFuture {
                found_schema: sc.schema_version,
                supported_schema: STORE_SCHEMA_VERSION,
            };
        }
        let keyring = match KeyringFile::read(path) {
            Ok(ring) => ring,
            Err(e) => {
                return DataFolderState::Damaged {
                    detail: e.to_string(),
                }
            }
        };
        // Waits for a handle that is still closing as an open would, so "locked" means an open now
        // would be refused as in use too. Held only for this check.
        match files::lock_engine_file(path) {
            Ok(_held) => {}
            Err(StoreError::InUse { .. }) => return DataFolderState::Locked,
            Err(e) => {
                return DataFolderState::Unreadable {
                    detail: e.to_string(),
                }
            }
        }
        match (keyring, sidecar) {
            // A missing sidecar beside a keyring is a torn write of the sidecar; the open rewrites it.
            (Some(_), None) => DataFolderState::Current,
            (Some(_), Some(sc)) if sc.schema_version == STORE_SCHEMA_VERSION => {
                DataFolderState::Current
            }
            (None, Some(sc)) if sc.schema_version >= STORE_SCHEMA_VERSION => {
                DataFolderState::Damaged {
                    detail: "the store is encrypted but its keyring file is missing".into(),
                }
            }
            (_, sc) => DataFolderState::NeedsMigration {
                found_schema: sc.map(|sc| sc.schema_version),
            },
        }
    }

    /// A store is there that this build can open (with its key).
    pub fn can_open(&self) -> bool {
        matches!(
            self,
            DataFolderState::Current | DataFolderState::NeedsMigration { .. }
        )
    }
}

// The plaintext schema is what an unencrypted store of this build is marked: opened by a shell with a
// key, it is migrated like any older one. Stated here so the match above stays honest if it changes.
const _: () = assert!(PLAINTEXT_SCHEMA_VERSION < STORE_SCHEMA_VERSION);

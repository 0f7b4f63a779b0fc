//! The history folder as the commands open it: a command that records something creates the store,
//! one that only reads (lists, exports, the report) never does, so a mistyped `--data-dir` is an
//! error instead of a new empty store.

use std::path::Path;

use anyhow::Context;
use twitchwatch_store::{Store, StoreError, StoreOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Creates the store (folder owner-only) when there is none yet.
    Record,
    /// Fails with "no TwitchWatch history" when there is none, creating nothing.
    ReadOnly,
}

pub fn open(data_dir: &Path, access: Access) -> anyhow::Result<Store> {
    let options = StoreOptions {
        create_if_missing: access == Access::Record,
        ..StoreOptions::default()
    };
    match Store::open(data_dir, options) {
        Ok(store) => Ok(store),
        Err(e @ StoreError::NotFound { .. }) => Err(anyhow::anyhow!(
            "{e}; record something first (`twitchwatch monitor --simulate`, `journal add`, \
             `checkin`), or check --data-dir"
        )),
        Err(e @ StoreError::NotADirectory { .. }) => Err(e.into()),
        Err(e) => Err(e).with_context(|| format!("opening the history at {}", data_dir.display())),
    }
}

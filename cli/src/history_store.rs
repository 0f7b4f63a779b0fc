//! The history folder as the commands open it: a command that records something creates the store,
//! one that only reads (lists, exports, the report) never does, so a mistyped `--data-dir` is an
//! error instead of a new empty store. Every store is opened with the data key from the key file.
//!
//! The key file: `<data-dir>.key` beside the data folder (`TWITCHWATCH_KEY_FILE` names another), 64
//! hex digits, owner-only (0600), made on first use. Beside the folder rather than in it, so a copy of
//! the data folder (a backup, a sync, a folder attached to a bug report) does not carry the key that
//! opens it; beside it rather than under the config folder, so each `--data-dir` has its own key and
//! `delete-all-data` finds and removes the one that belongs to it. During `rotate-key` the new key
//! waits in `<data-dir>.key.next` until the store is moved to it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use twitchwatch_store::{DataKey, Store, StoreError, StoreOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Creates the store (folder owner-only) when there is none yet.
    Record,
    /// Fails with "no TwitchWatch history" when there is none, creating nothing.
    ReadOnly,
}

pub fn key_file(data_dir: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os("TWITCHWATCH_KEY_FILE") {
        return PathBuf::from(p);
    }
    let mut name = data_dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "twitchwatch".into());
    name.push(".key");
    data_dir.with_file_name(name)
}

pub fn next_key_file(data_dir: &Path) -> PathBuf {
    let mut p = key_file(data_dir).into_os_string();
    p.push(".next");
    PathBuf::from(p)
}

fn read_key(path: &Path) -> anyhow::Result<Option<DataKey>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(e).with_context(|| format!("reading the key file {}", path.display()))
        }
    };
    let hex = text.trim();
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect();
    match bytes.filter(|b| b.len() == 32) {
        Some(b) => Ok(Some(DataKey::from_slice(&b)?)),
        None => anyhow::bail!(
            "the key file {} is damaged (it must hold 64 hex digits); without its key the history cannot be read",
            path.display()
        ),
    }
}

/// Writes a new key file (0600); fails rather than replace one that exists.
pub fn write_key(path: &Path, key: &DataKey) -> anyhow::Result<()> {
    use std::io::Write;
    let hex: String = key.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating the folder of the key file {}", path.display()))?;
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating the key file {}", path.display()))?;
    file.write_all(format!("{hex}\n").as_bytes())?;
    file.sync_all()?;
    Ok(())
}

fn store_exists(data_dir: &Path) -> bool {
    ["db", "twitchwatch-store.json", "twitchwatch-keyring"]
        .iter()
        .any(|f| data_dir.join(f).exists())
}

/// The store's data key: the key file's, or a new one (written first) for a store being made, or
/// for one written before encryption (which the open then encrypts). `None`: nothing to open.
pub fn data_key(data_dir: &Path, access: Access) -> anyhow::Result<Option<DataKey>> {
    if data_dir.exists() && !data_dir.is_dir() {
        // The open names the file in the way; no key is made for it.
        return Ok(None);
    }
    let path = key_file(data_dir);
    if let Some(key) = read_key(&path)? {
        return Ok(Some(key));
    }
    if data_dir.join("twitchwatch-keyring").exists() {
        anyhow::bail!(
            "the history at {} is encrypted, but its key file {} is missing; restore it (or set TWITCHWATCH_KEY_FILE)",
            data_dir.display(),
            path.display()
        );
    }
    if access == Access::ReadOnly && !store_exists(data_dir) {
        return Ok(None);
    }
    let key = DataKey::generate();
    write_key(&path, &key)?;
    Ok(Some(key))
}

pub fn options(key: Option<DataKey>, access: Access) -> StoreOptions {
    StoreOptions {
        create_if_missing: access == Access::Record,
        data_key: key,
        ..StoreOptions::default()
    }
}

/// Finishes a `rotate-key` that was stopped: a store that opens with the waiting new key is moved to
/// it (the open does that) and the new key becomes the key file; otherwise the new key is dropped.
pub fn finish_rotation(data_dir: &Path) -> anyhow::Result<()> {
    let next = next_key_file(data_dir);
    let Some(new) = read_key(&next)? else {
        return Ok(());
    };
    match Store::open(data_dir, options(Some(new), Access::ReadOnly)) {
        Ok(store) => {
            drop(store);
            std::fs::rename(&next, key_file(data_dir))
                .with_context(|| format!("replacing the key file with {}", next.display()))?;
        }
        Err(StoreError::WrongKey { .. }) => {
            std::fs::remove_file(&next)?;
        }
        Err(e) => return Err(e).context("finishing the key rotation that was stopped"),
    }
    Ok(())
}

pub fn open(data_dir: &Path, access: Access) -> anyhow::Result<Store> {
    finish_rotation(data_dir)?;
    let key = data_key(data_dir, access)?;
    open_with(data_dir, access, key)
}

pub fn open_with(data_dir: &Path, access: Access, key: Option<DataKey>) -> anyhow::Result<Store> {
    match Store::open(data_dir, options(key, access)) {
        Ok(store) => Ok(store),
        Err(e) => Err(describe(data_dir, e)),
    }
}

pub fn describe(data_dir: &Path, e: StoreError) -> anyhow::Error {
    match e {
        e @ StoreError::NotFound { .. } => anyhow::anyhow!(
            "{e}; record something first (`twitchwatch monitor --simulate`, `journal add`, \
             `checkin`), or check --data-dir"
        ),
        e @ StoreError::NotADirectory { .. } => e.into(),
        e @ StoreError::WrongKey { .. } => {
            anyhow::anyhow!("{e} (the key file is {})", key_file(data_dir).display())
        }
        e => {
            anyhow::Error::from(e).context(format!("opening the history at {}", data_dir.display()))
        }
    }
}

/// Rewrites the closed store's files after a deletion, so the deleted record's old bytes are gone.
pub fn compact(data_dir: &Path) -> anyhow::Result<()> {
    let key = data_key(data_dir, Access::ReadOnly)?;
    Store::compact(data_dir, options(key, Access::ReadOnly)).map_err(|e| describe(data_dir, e))
}

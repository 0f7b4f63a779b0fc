//! `twitchwatch delete-all-data`, `rotate-key` and `data-status`: the history as a whole. The work is
//! the core's (`twitchwatch_app::data`); this file handles the key file and prints.

use std::path::Path;

use anyhow::Context;
use twitchwatch_app::data::DataFolderState;
use twitchwatch_store::{DataKey, Store, StoreError};

use crate::history_store::{self, Access};

#[derive(clap::Args)]
pub struct DeleteArgs {
    /// Confirms the deletion: every record, the store's files, the folder and its key file.
    #[arg(long)]
    yes: bool,
}

fn remove_if_there(path: &Path) -> anyhow::Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

pub fn run_delete(data_dir: &Path, args: DeleteArgs) -> anyhow::Result<()> {
    if !args.yes {
        anyhow::bail!(
            "this deletes every event, minute, journal entry, check-in, alert, setting and paired \
             device in {} and its key file, and cannot be undone; run `twitchwatch delete-all-data --yes`",
            data_dir.display()
        );
    }
    let report = match twitchwatch_app::data::delete_all_data(data_dir) {
        Ok(report) => report,
        Err(e @ StoreError::InUse { .. }) => {
            return Err(anyhow::anyhow!("{e}; nothing was deleted"))
        }
        Err(e) => return Err(e).context("deleting the history"),
    };
    let key_removed = remove_if_there(&history_store::key_file(data_dir))?;
    remove_if_there(&history_store::next_key_file(data_dir))?;
    // The proof: nothing of the store is left, and opening it finds no history.
    let left = std::fs::read_dir(data_dir).map(|d| d.count()).unwrap_or(0);
    match Store::open(data_dir, history_store::options(None, Access::ReadOnly)) {
        Err(StoreError::NotFound { .. }) => {}
        Ok(_) => anyhow::bail!("a store is still there after deleting it"),
        Err(e) => return Err(e).context("checking that the history is gone"),
    }
    println!(
        "deleted {} files ({} bytes){}",
        report.files_removed,
        report.bytes_removed,
        if key_removed { " and the key file" } else { "" }
    );
    if data_dir.exists() {
        println!(
            "{} is empty of TwitchWatch data ({left} other entries kept); a reopened history is empty",
            data_dir.display()
        );
    } else {
        println!(
            "{} is gone; a reopened history is empty",
            data_dir.display()
        );
    }
    Ok(())
}

pub fn run_rotate(data_dir: &Path) -> anyhow::Result<()> {
    history_store::finish_rotation(data_dir)?;
    let Some(old) = history_store::data_key(data_dir, Access::ReadOnly)? else {
        anyhow::bail!(
            "there is no TwitchWatch history at {} yet",
            data_dir.display()
        );
    };
    // Opens (and encrypts, when it was written before encryption) with the current key first, so
    // the key file is known to be the store's before a new one is made.
    drop(history_store::open_with(
        data_dir,
        Access::ReadOnly,
        Some(old.clone()),
    )?);
    let new = DataKey::generate();
    let next = history_store::next_key_file(data_dir);
    history_store::write_key(&next, &new)?;
    let store = Store::rotate_key(
        data_dir,
        &old,
        &new,
        history_store::options(Some(new.clone()), Access::ReadOnly),
    )
    .map_err(|e| history_store::describe(data_dir, e))?;
    let counts = store.counts();
    drop(store);
    std::fs::rename(&next, history_store::key_file(data_dir)).context("replacing the key file")?;
    println!(
        "the history at {} is sealed under a new key ({} events, {} minutes, {} journal days, {} check-ins); the key file {} holds it",
        data_dir.display(),
        counts.events,
        counts.minutes,
        counts.journal_days,
        counts.checkins,
        history_store::key_file(data_dir).display()
    );
    Ok(())
}

#[derive(clap::Args)]
pub struct StatusArgs {
    /// One JSON object (`{"state": "current", ...}`) instead of a sentence.
    #[arg(long)]
    json: bool,
}

/// Prints what the folder holds; writes nothing (not even the key file a first open would make).
pub fn run_status(data_dir: &Path, args: StatusArgs) -> anyhow::Result<()> {
    let state = twitchwatch_app::data::data_folder_state(data_dir);
    if args.json {
        println!("{}", serde_json::to_string(&state)?);
        return Ok(());
    }
    let shown = data_dir.display();
    let sentence = match &state {
        DataFolderState::Empty {
            folder_exists: false,
        } => format!("{shown}: nothing there yet; the first command creates a new history"),
        DataFolderState::Empty {
            folder_exists: true,
        } => format!(
            "{shown}: a folder without a history; the first command creates one in it"
        ),
        DataFolderState::Current => format!("{shown}: a history of this version"),
        DataFolderState::NeedsMigration { found_schema } => format!(
            "{shown}: a history an earlier version wrote (store schema {}); the next command brings it up to date and encrypts it, keeping everything",
            found_schema.map_or("unknown".to_string(), |v| v.to_string())
        ),
        DataFolderState::FromTheFuture {
            found_schema,
            supported_schema,
        } => format!(
            "{shown}: a history a newer version wrote (store schema {found_schema}, this build supports up to {supported_schema}); update TwitchWatch"
        ),
        DataFolderState::NotAStore { detail } => {
            format!("{shown}: not a TwitchWatch history ({detail})")
        }
        DataFolderState::Damaged { detail } => format!(
            "{shown}: a damaged history ({detail}); do not delete it: move the folder aside for recovery"
        ),
        DataFolderState::Locked => format!(
            "{shown}: a history in use by another process (a running monitor?)"
        ),
        DataFolderState::Unreadable { detail } => {
            format!("{shown}: cannot be read ({detail})")
        }
    };
    println!("{sentence}");
    Ok(())
}

//! `TwitchWatch`: the one object an app opens, and the areas it hands out. Every area is a thin view
//! of the same open data folder; every method is one call into the core.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use twitchwatch_app::data::{self, DataFolderState, OpenOptions};
use twitchwatch_app::monitor::Monitor;
use twitchwatch_app::screens::{self, DataProblem, DataProblemState, ScreenModel, StartScreen};
use twitchwatch_store::{Settings, StoreCounts};

use crate::alerts::Alerts;
use crate::delivery::current_delivery;
use crate::devices::Devices;
use crate::error::{FfiResult, TwitchWatchError};
use crate::history::History;
use crate::journal::Journal;
use crate::listeners::Registrations;
use crate::monitoring::Monitoring;
use crate::report::Report;
use crate::screens::Screens;
use crate::tasks::Tasks;

/// What the areas of one `TwitchWatch` share: the open monitor and its screen model, until
/// `closeStore()` (a call after that is `InvalidState`, never a crash), and the app's listeners.
pub(crate) struct Shared {
    open: RwLock<Option<Open>>,
    registrations: Arc<Registrations>,
}

#[derive(Clone)]
pub(crate) struct Open {
    pub monitor: Monitor,
    pub screens: Arc<ScreenModel>,
}

impl Shared {
    /// The open monitor, for one call.
    pub(crate) fn monitor(&self) -> FfiResult<Monitor> {
        Ok(self.open()?.monitor)
    }

    /// The open screen model, for one call.
    pub(crate) fn screens(&self) -> FfiResult<Arc<ScreenModel>> {
        Ok(self.open()?.screens)
    }

    /// The listeners registered on this `TwitchWatch`.
    pub(crate) fn registrations(&self) -> Arc<Registrations> {
        self.registrations.clone()
    }

    fn open(&self) -> FfiResult<Open> {
        self.open
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .ok_or_else(|| {
                TwitchWatchError::state(
                    "this TwitchWatch was closed; open the data folder again to use it",
                )
            })
    }

    /// Ends the session (everything stored first), gives the listeners up to `DRAIN_WAIT` to hear the
    /// rest of it, then closes them and lets go of the store. Returns whether it was open.
    fn close(&self) -> bool {
        let open = self
            .open
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        match open {
            Some(open) => {
                open.monitor.stop();
                self.registrations.wait_until_delivered(current_delivery());
                // A listener still stuck in a call is left to return on its own thread; it is called
                // nothing more, and its thread holds nothing of the store.
                self.registrations.close_all();
                true
            }
            None => false,
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The app let go of the object and all its areas (Kotlin `close()`, Swift deinit, GC): end the
        // session here, so the store is released and no listener is called after this returns (but
        // one stuck in a call for longer than `DRAIN_WAIT`, which finishes that call). When a listener
        // drops the last reference, this runs on its delivery thread, which is not waited for.
        self.close();
    }
}

/// TwitchWatch: the user's data folder, opened. Its areas — `devices()`, `monitoring()`, `history()`,
/// `journal()`, `alerts()`, `report()`, `tasks()` and the phone `screens()` — all work on it. Open one per
/// folder and keep it for the app's lifetime; it and its areas are safe to use from any thread.
#[derive(uniffi::Object)]
pub struct TwitchWatch {
    shared: Arc<Shared>,
    devices: Arc<Devices>,
    monitoring: Arc<Monitoring>,
    history: Arc<History>,
    journal: Arc<Journal>,
    alerts: Arc<Alerts>,
    report: Arc<Report>,
    tasks: Arc<Tasks>,
    screens: Arc<Screens>,
}

impl TwitchWatch {
    /// The open data, for an object made from this one (a phone's GATT session).
    pub(crate) fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    fn wrap(monitor: Monitor) -> Arc<Self> {
        crate::error::register_argument_errors();
        let screens = Arc::new(ScreenModel::new(monitor.clone()));
        let shared = Arc::new(Shared {
            open: RwLock::new(Some(Open { monitor, screens })),
            registrations: Arc::default(),
        });
        Arc::new(Self {
            devices: Devices::new(shared.clone()),
            monitoring: Monitoring::new(shared.clone()),
            history: History::new(shared.clone()),
            journal: Journal::new(shared.clone()),
            alerts: Alerts::new(shared.clone()),
            report: Report::new(shared.clone()),
            tasks: Tasks::new(shared.clone()),
            screens: Screens::new(shared.clone()),
            shared,
        })
    }
}

#[uniffi::export]
impl TwitchWatch {
    /// Opens (or creates) the store in `data_dir`. Fails with `Io` for an unusable path, `InvalidState`
    /// when another process has it open, `WrongKey` for another key, `Storage` when it is corrupt or
    /// from a newer version.
    #[uniffi::constructor]
    pub fn open(data_dir: String, options: OpenOptions) -> FfiResult<Arc<Self>> {
        Ok(Self::wrap(data::open(&folder(&data_dir)?, &options)?))
    }

    pub fn devices(&self) -> Arc<Devices> {
        self.devices.clone()
    }
    pub fn monitoring(&self) -> Arc<Monitoring> {
        self.monitoring.clone()
    }
    pub fn history(&self) -> Arc<History> {
        self.history.clone()
    }
    pub fn journal(&self) -> Arc<Journal> {
        self.journal.clone()
    }
    pub fn alerts(&self) -> Arc<Alerts> {
        self.alerts.clone()
    }
    pub fn report(&self) -> Arc<Report> {
        self.report.clone()
    }
    pub fn tasks(&self) -> Arc<Tasks> {
        self.tasks.clone()
    }
    pub fn screens(&self) -> Arc<Screens> {
        self.screens.clone()
    }

    /// The folder the store lives in.
    pub fn data_dir(&self) -> FfiResult<String> {
        Ok(self.shared.monitor()?.store().path().display().to_string())
    }

    /// How many records the store holds.
    pub fn counts(&self) -> FfiResult<StoreCounts> {
        Ok(self.shared.monitor()?.store().counts())
    }

    pub fn settings(&self) -> FfiResult<Settings> {
        Ok(self.shared.monitor()?.store().settings()?)
    }

    /// Saves every setting (retention, time zone, rule thresholds). A bad value is `InvalidInput`,
    /// and nothing is changed.
    pub fn set_settings(&self, settings: Settings) -> FfiResult<()> {
        Ok(self.shared.monitor()?.alerts().set_settings(&settings)?)
    }

    /// Ends any session (everything is stored first), waits up to 2 s for the listeners to hear the
    /// rest of it, and releases the data folder, so it can be deleted or re-keyed. No listener is
    /// called after this returns, but one stuck in a call for longer finishes that call. Every later
    /// call on this object or its areas is `InvalidState`; calling it again does nothing.
    pub fn close_store(&self) {
        self.shared.close();
    }

    pub fn is_closed(&self) -> bool {
        self.shared.monitor().is_err()
    }
}

fn folder(data_dir: &str) -> FfiResult<PathBuf> {
    if data_dir.trim().is_empty() {
        return Err(TwitchWatchError::invalid(
            "data_dir is empty; pass the app's private files folder (Context.filesDir / Application Support)",
        ));
    }
    Ok(PathBuf::from(data_dir))
}

/// A new random 32-byte data key for a first start; the shell keeps it in its keystore and passes
/// it in `OpenOptions.dataKey` from then on. The core never stores it.
#[uniffi::export]
pub fn generate_data_key() -> Vec<u8> {
    data::generate_data_key().to_vec()
}

/// Moves the closed store at `data_dir` from `old_key` to `new_key` and returns it open. Save
/// `new_key` beside `old_key` first and forget `old_key` once this returns: after a kill part way,
/// opening with either key finishes the move, and nothing is lost. Every `TwitchWatch` on this folder
/// must be closed first.
#[uniffi::export]
pub fn rotate_data_key(
    data_dir: String,
    old_key: Vec<u8>,
    new_key: Vec<u8>,
    options: OpenOptions,
) -> FfiResult<Arc<TwitchWatch>> {
    let monitor =
        data::rotate_data_key_from_slices(&folder(&data_dir)?, &old_key, &new_key, &options)?;
    Ok(TwitchWatch::wrap(monitor))
}

/// "Delete my data": removes every record and every file of the store at `data_dir`, then checks
/// that a reopened store there is empty. Every `TwitchWatch` on this folder must be closed first
/// (`closeStore()`); an open one is `InvalidState`. Delete the data key from the keystore afterwards.
#[uniffi::export]
pub fn delete_all_data(data_dir: String) -> FfiResult<()> {
    data::delete_all_data(&folder(&data_dir)?)?;
    Ok(())
}

/// What `data_dir` holds, found without writing anything there (not even creating the folder):
/// nothing yet, a store of this version, one an earlier version wrote (the next `open` migrates it),
/// one from a newer version, not a store, damaged, in use, unreadable. Ask before `open` and pass the
/// answer to `startScreen` to choose the first screen. An empty path is `Empty` like a missing folder.
#[uniffi::export]
pub fn data_folder_state(data_dir: String) -> DataFolderState {
    match folder(&data_dir) {
        Ok(dir) => data::data_folder_state(&dir),
        Err(_) => DataFolderState::Empty {
            folder_exists: false,
        },
    }
}

/// The first screen for a data folder in `state` (onboarding, open the store, or the data-problem
/// screen with its texts).
#[uniffi::export]
pub fn start_screen(state: DataFolderState) -> StartScreen {
    screens::start_screen(&state)
}

/// The data-problem screen after an open failed (`KeyLost` after `WrongKey` or a lost keystore key,
/// `OpenFailed` otherwise); `detail` is the error's own message.
#[uniffi::export]
pub fn data_problem_screen(problem: DataProblem, detail: Option<String>) -> DataProblemState {
    screens::data_problem(problem, detail)
}

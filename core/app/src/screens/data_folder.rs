//! Before any store is open: which screen a shell starts on, from what its data folder holds
//! ([`crate::data::data_folder_state`]), and the "data problem" screen's texts when the data cannot be
//! opened (here, or after an open failed). Free functions: there is no [`super::ScreenModel`] yet.

use twitchwatch_store::DataFolderState;

/// The first screen a shell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FirstScreen {
    /// Nothing stored yet: make a data key, open (create) the store, and begin onboarding.
    Onboarding,
    /// A store is there: open it with the key the shell kept, then go where
    /// `Screens.startDestination` says (an earlier version's store is brought up to date on this open).
    OpenStore,
    /// The data cannot be opened as it is: show [`DataProblemState`].
    DataProblem,
}

/// Why the user's data cannot be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DataProblem {
    /// The store exists but the key that opens it is gone (a restored or reset phone).
    KeyLost,
    /// A newer version of TwitchWatch wrote it.
    FromTheFuture,
    /// What is at the data folder's path is not TwitchWatch's data.
    NotAStore,
    /// The store's own files are damaged.
    Damaged,
    /// Another TwitchWatch has it open.
    Locked,
    /// The folder cannot be read.
    Unreadable,
    /// The phone has not been unlocked since it started, so its keystore does not hand out the key yet.
    DeviceLocked,
    /// Opening failed for another reason; the detail says which.
    OpenFailed,
}

/// The "data problem" screen.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DataProblemState {
    pub problem: DataProblem,
    pub title: String,
    pub body: String,
    /// The core's own sentence about the failure, shown under the body; `None` when the body says it all.
    pub detail: Option<String>,
    /// The button that deletes the unreadable data and begins again with an empty history; only
    /// where that is the way out (a lost key). Elsewhere the data is kept for an update or recovery.
    pub start_over_label: Option<String>,
}

/// The first screen and, for [`FirstScreen::DataProblem`], what it says.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StartScreen {
    pub first_screen: FirstScreen,
    pub problem: Option<DataProblemState>,
}

/// The first screen for a data folder in `state`.
pub fn start_screen(state: &DataFolderState) -> StartScreen {
    let problem = |problem, detail: Option<&str>| StartScreen {
        first_screen: FirstScreen::DataProblem,
        problem: Some(data_problem(problem, detail.map(str::to_string))),
    };
    match state {
        DataFolderState::Empty { .. } => StartScreen {
            first_screen: FirstScreen::Onboarding,
            problem: None,
        },
        DataFolderState::Current | DataFolderState::NeedsMigration { .. } => StartScreen {
            first_screen: FirstScreen::OpenStore,
            problem: None,
        },
        DataFolderState::FromTheFuture { .. } => problem(DataProblem::FromTheFuture, None),
        DataFolderState::NotAStore { detail } => problem(DataProblem::NotAStore, Some(detail)),
        DataFolderState::Damaged { detail } => problem(DataProblem::Damaged, Some(detail)),
        DataFolderState::Locked => problem(DataProblem::Locked, None),
        DataFolderState::Unreadable { detail } => problem(DataProblem::Unreadable, Some(detail)),
    }
}

/// The "data problem" screen for `problem`; `detail` is the failure's own sentence, if any.
pub fn data_problem(problem: DataProblem, detail: Option<String>) -> DataProblemState {
    let (title, body) = match problem {
        DataProblem::KeyLost => (
            "Your data cannot be unlocked",
            "TwitchWatch's data on this phone is locked with a key that is no longer available (this happens after the phone is restored from a backup, set up again, or its screen lock is reset). The data cannot be read again. Start over to delete it and begin with an empty history.",
        ),
        DataProblem::FromTheFuture => (
            "Update TwitchWatch",
            "Your data was saved by a newer version of TwitchWatch than this one. Update the app to open it; nothing was changed.",
        ),
        DataProblem::NotAStore => (
            "TwitchWatch cannot use its data folder",
            "Something that is not TwitchWatch's data is where its data belongs. Nothing was changed.",
        ),
        DataProblem::Damaged => (
            "Your data is damaged",
            "Some of TwitchWatch's files on this phone are damaged, so it does not open them. Nothing was changed; keep the data for recovery and contact support.",
        ),
        DataProblem::Locked => (
            "TwitchWatch is busy",
            "Another part of TwitchWatch has your data open. Close it, or wait a moment, and try again.",
        ),
        DataProblem::Unreadable => (
            "TwitchWatch cannot read its data",
            "The phone does not let TwitchWatch read its data folder. Nothing was changed.",
        ),
        DataProblem::DeviceLocked => (
            "Unlock your phone",
            "TwitchWatch's data is protected until the phone is unlocked for the first time after it starts. Unlock it and open TwitchWatch again.",
        ),
        DataProblem::OpenFailed => (
            "TwitchWatch cannot open its data",
            "Opening your data failed. Nothing was deleted.",
        ),
    };
    DataProblemState {
        problem,
        title: title.into(),
        body: body.into(),
        detail: detail.filter(|d| !d.trim().is_empty()),
        start_over_label: (problem == DataProblem::KeyLost).then(|| "Start over".into()),
    }
}

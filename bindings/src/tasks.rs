//! `Tasks`: the short active tasks — finger tapping on the phone's screen, tremor tasks with the
//! wearable, the grip proxy — recorded, measured and compared with the person's own baseline in the
//! core (`twitchwatch-tasks`); a sustained decline is evidence for the coordination and weakness rules.

use std::sync::Arc;

use twitchwatch_app::screens::{ScreenModel, TaskOutcome};
use twitchwatch_tasks::{
    GripInput, Hand, TappingInput, TaskKind, TaskResult, TaskStore, TremorInput,
};

use crate::error::{FfiResult, TwitchWatchError};
use crate::history::check_range;
use crate::twitchwatch::Shared;

/// Active tasks. From `TwitchWatch.tasks()`; their screen is `screens().tasks()`.
#[derive(uniffi::Object)]
pub struct Tasks {
    shared: Arc<Shared>,
}

impl Tasks {
    pub(crate) fn new(shared: Arc<Shared>) -> Arc<Self> {
        Arc::new(Self { shared })
    }
}

/// `now_ms` as the app passed it, or the device clock.
fn at(now_ms: Option<i64>) -> i64 {
    now_ms.unwrap_or_else(ScreenModel::now_ms)
}

#[uniffi::export]
impl Tasks {
    /// Records one hand's tapping session (tap times and positions as the screen saw them) and runs
    /// the rules; malformed taps (NaN, out of order, none at all) are `InvalidInput`, nothing stored.
    #[uniffi::method(default(now_ms = None))]
    pub fn record_tapping(
        &self,
        input: TappingInput,
        now_ms: Option<i64>,
    ) -> FfiResult<TaskOutcome> {
        Ok(self.shared.screens()?.record_tapping(input, at(now_ms))?)
    }

    /// Records a grip session: the timed hold (phone motion), the self-rating, a dynamometer's value.
    #[uniffi::method(default(now_ms = None))]
    pub fn record_grip(&self, input: GripInput, now_ms: Option<i64>) -> FfiResult<TaskOutcome> {
        Ok(self.shared.screens()?.record_grip(input, at(now_ms))?)
    }

    /// A tremor task begins: from now on the wearable's batches (from any session: the phone's GATT
    /// session, the desktop link, the demo mode) are kept for it, at most 90 s of them. An earlier
    /// unfinished task is dropped.
    pub fn begin_tremor_task(&self) -> FfiResult<()> {
        self.shared.monitor()?.begin_task_capture();
        Ok(())
    }

    /// The tremor task that began at `started_at_ms` ends: its batches are measured through the
    /// classifier and stored. `InvalidState` when none began; a recording with no samples is
    /// `InvalidInput` (is the wearable connected?).
    #[uniffi::method(default(now_ms = None))]
    pub fn finish_tremor_task(
        &self,
        kind: TaskKind,
        hand: Hand,
        started_at_ms: i64,
        now_ms: Option<i64>,
    ) -> FfiResult<TaskOutcome> {
        let batches = self.shared.monitor()?.take_task_capture().ok_or_else(|| {
            TwitchWatchError::state(
                "no tremor task was begun; call beginTremorTask() when it starts",
            )
        })?;
        let input = TremorInput {
            kind,
            hand,
            started_at_ms,
            batches,
        };
        Ok(self
            .shared
            .screens()?
            .record_tremor_task(input, at(now_ms))?)
    }

    /// Drops a begun tremor task's recording without storing anything.
    pub fn cancel_tremor_task(&self) -> FfiResult<()> {
        self.shared.monitor()?.take_task_capture();
        Ok(())
    }

    /// Results completed in `[from_ms, to_ms)`, oldest first.
    pub fn results(&self, from_ms: i64, to_ms: i64) -> FfiResult<Vec<TaskResult>> {
        check_range(from_ms, to_ms)?;
        Ok(self
            .shared
            .monitor()?
            .store()
            .task_results_in_range(from_ms, to_ms)?)
    }

    /// Deletes a result by its id (`completedAtMs`); `NotFound` when there is none.
    pub fn delete_result(&self, completed_at_ms: i64) -> FfiResult<()> {
        match self
            .shared
            .monitor()?
            .store()
            .delete_task_result(completed_at_ms)?
        {
            true => Ok(()),
            false => Err(TwitchWatchError::not_found(format!(
                "no task result with id {completed_at_ms}"
            ))),
        }
    }
}

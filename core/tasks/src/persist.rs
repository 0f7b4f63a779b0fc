//! Task results in the store's `TaskResults` collection, keyed by completion time, sealed like
//! every other record. Health values are never logged above debug.

use super::{TaskError, TaskResult};
use twitchwatch_model::TimestampMs;
use twitchwatch_store::{time_key, Collection, Store, StoreError};

pub trait TaskStore {
    /// Stores a result that a task's `into_result` produced (validated there). Two results that
    /// complete in the same millisecond get distinct ids: the later moves on by a millisecond.
    fn put_task_result(&self, result: &TaskResult) -> Result<TaskResult, TaskError>;

    /// Results completed in `[from_ms, to_ms)`, oldest first.
    fn task_results_in_range(
        &self,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<TaskResult>, StoreError>;

    /// Every result, oldest first (baselines are the first sessions ever, so they read all).
    fn all_task_results(&self) -> Result<Vec<TaskResult>, StoreError>;

    fn delete_task_result(&self, completed_at_ms: TimestampMs) -> Result<bool, StoreError>;
}

impl TaskStore for Store {
    fn put_task_result(&self, result: &TaskResult) -> Result<TaskResult, TaskError> {
        let mut stored = result.clone();
        while self
            .get_json::<serde_json::Value>(
                Collection::TaskResults,
                &time_key(stored.completed_at_ms),
            )?
            .is_some()
        {
            stored.completed_at_ms += 1;
        }
        self.put_json(
            Collection::TaskResults,
            &time_key(stored.completed_at_ms),
            &stored,
        )?;
        self.flush()?;
        tracing::debug!(
            id = stored.completed_at_ms,
            task = stored.kind().as_str(),
            "task result stored"
        );
        Ok(stored)
    }

    fn task_results_in_range(
        &self,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<TaskResult>, StoreError> {
        let rows = self.scan_json::<TaskResult>(
            Collection::TaskResults,
            Some(&time_key(from_ms)),
            Some(&time_key(to_ms)),
        )?;
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    fn all_task_results(&self) -> Result<Vec<TaskResult>, StoreError> {
        let rows = self.scan_json::<TaskResult>(Collection::TaskResults, None, None)?;
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    fn delete_task_result(&self, completed_at_ms: TimestampMs) -> Result<bool, StoreError> {
        let removed = self.remove_key(Collection::TaskResults, &time_key(completed_at_ms))?;
        self.flush()?;
        Ok(removed)
    }
}

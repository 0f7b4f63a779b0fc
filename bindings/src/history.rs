//! `History`: what the store holds — movements, minutes, days.

use std::sync::Arc;

use twitchwatch_model::{MinuteSummary, MotorEvent};
use twitchwatch_store::{CalendarDay, DateSpan, DaySummary};

use crate::error::{FfiResult, TwitchWatchError};
use crate::twitchwatch::Shared;

/// The recorded history. Times are ms since the Unix epoch; days are the user's calendar days
/// (ISO-8601 text, `2026-11-25`). From `TwitchWatch.history()`.
#[derive(uniffi::Object)]
pub struct History {
    shared: Arc<Shared>,
}

impl History {
    pub(crate) fn new(shared: Arc<Shared>) -> Arc<Self> {
        Arc::new(Self { shared })
    }
}

pub(crate) fn check_range(from_ms: i64, to_ms: i64) -> FfiResult<()> {
    if from_ms > to_ms {
        return Err(TwitchWatchError::invalid(format!(
            "the range starts ({from_ms} ms) after it ends ({to_ms} ms); pass from ≤ to"
        )));
    }
    Ok(())
}

#[uniffi::export]
impl History {
    /// Movements that start in `[from_ms, to_ms)`, oldest first.
    pub fn events(&self, from_ms: i64, to_ms: i64) -> FfiResult<Vec<MotorEvent>> {
        check_range(from_ms, to_ms)?;
        Ok(self
            .shared
            .monitor()?
            .store()
            .events_in_range(from_ms, to_ms)?)
    }

    /// Minute summaries whose minute starts in `[from_ms, to_ms)`, oldest first.
    pub fn minutes(&self, from_ms: i64, to_ms: i64) -> FfiResult<Vec<MinuteSummary>> {
        check_range(from_ms, to_ms)?;
        Ok(self
            .shared
            .monitor()?
            .store()
            .minutes_in_range(from_ms, to_ms)?)
    }

    /// One summary per local day in `from..=to`, days without data as zeros (at most ten years).
    pub fn daily_summaries(
        &self,
        from: CalendarDay,
        to: CalendarDay,
    ) -> FfiResult<Vec<DaySummary>> {
        if from > to {
            return Err(TwitchWatchError::invalid(format!(
                "the range starts ({from}) after it ends ({to}); pass from ≤ to"
            )));
        }
        let monitor = self.shared.monitor()?;
        let store = monitor.store();
        Ok(store.daily_summaries(from, to, &store.time_zone())?)
    }

    /// First and last local day with data, or `null` for an empty store.
    pub fn data_span(&self) -> FfiResult<Option<DateSpan>> {
        Ok(self.shared.monitor()?.store().data_span()?)
    }

    /// Today in the store's time zone: the day journal entries default to.
    pub fn today(&self) -> FfiResult<CalendarDay> {
        let tz = self.shared.monitor()?.store().time_zone();
        Ok(jiff::Timestamp::now().to_zoned(tz).date())
    }
}

//! `Journal`: the lifestyle journal and symptom check-ins, and the labels the shells show for them.
//! The records and enums derive UniFFI in `twitchwatch-journal` itself.

use std::sync::Arc;

use twitchwatch_alerts::CheckInOutcome;
use twitchwatch_app::monitor::now_ms;
use twitchwatch_journal::{BodySite, CheckIn, Drink, JournalEntry, JournalStore, Symptom};
use twitchwatch_store::CalendarDay;

use crate::error::{FfiResult, TwitchWatchError};
use crate::history::check_range;
use crate::twitchwatch::Shared;

/// Lifestyle entries by day and symptom check-ins. From `TwitchWatch.journal()`.
#[derive(uniffi::Object)]
pub struct Journal {
    shared: Arc<Shared>,
}

impl Journal {
    pub(crate) fn new(shared: Arc<Shared>) -> Arc<Self> {
        Arc::new(Self { shared })
    }
}

#[uniffi::export]
impl Journal {
    /// Stores (replaces) the entry of `entry.date`. Out-of-range values (NaN, negative caffeine,
    /// stress above 10, a future day…) are `InvalidInput`, and nothing is stored.
    pub fn put(&self, entry: JournalEntry) -> FfiResult<()> {
        Ok(self
            .shared
            .monitor()?
            .store()
            .put_journal_entry(&entry, now_ms())?)
    }

    /// Adds `servings` of a drink to the day's entry (created if missing) and returns the entry.
    pub fn add_drink(
        &self,
        date: CalendarDay,
        drink: Drink,
        servings: u8,
    ) -> FfiResult<JournalEntry> {
        Ok(self
            .shared
            .monitor()?
            .store()
            .add_drink(date, drink, servings, now_ms())?)
    }

    pub fn entry(&self, date: CalendarDay) -> FfiResult<Option<JournalEntry>> {
        Ok(self.shared.monitor()?.store().journal_entry(date)?)
    }

    /// Entries for the days `from..=to`, oldest first.
    pub fn entries(&self, from: CalendarDay, to: CalendarDay) -> FfiResult<Vec<JournalEntry>> {
        Ok(self.shared.monitor()?.store().journal_entries(from, to)?)
    }

    /// Deletes a day's entry; `NotFound` when there was none.
    pub fn delete(&self, date: CalendarDay) -> FfiResult<()> {
        match self.shared.monitor()?.store().delete_journal_entry(date)? {
            true => Ok(()),
            false => Err(TwitchWatchError::not_found(format!(
                "no journal entry for {date}"
            ))),
        }
    }

    /// Records a symptom check-in and evaluates the rules at once: an urgent symptom (difficulty
    /// swallowing or speaking) comes back in `alerts` and is delivered to the `AlertListener`s.
    pub fn record_checkin(&self, checkin: CheckIn) -> FfiResult<CheckInOutcome> {
        Ok(self
            .shared
            .monitor()?
            .alerts()
            .record_checkin(&checkin, now_ms())?)
    }

    /// Check-ins in `[from_ms, to_ms)`, oldest first.
    pub fn checkins(&self, from_ms: i64, to_ms: i64) -> FfiResult<Vec<CheckIn>> {
        check_range(from_ms, to_ms)?;
        Ok(self
            .shared
            .monitor()?
            .store()
            .checkins_in_range(from_ms, to_ms)?)
    }

    /// Deletes a check-in by id (`at_ms`); `NotFound` when there is none.
    pub fn delete_checkin(&self, id: i64) -> FfiResult<()> {
        match self.shared.monitor()?.store().delete_checkin(id)? {
            true => Ok(()),
            false => Err(TwitchWatchError::not_found(format!(
                "no check-in with id {id}"
            ))),
        }
    }
}

/// Typical caffeine of one serving of `drink`, in mg.
#[uniffi::export]
pub fn drink_caffeine_mg(drink: Drink) -> f32 {
    drink.caffeine_mg()
}

/// A person-readable label of a symptom ("difficulty swallowing").
#[uniffi::export]
pub fn symptom_label(symptom: Symptom) -> String {
    symptom.label().to_owned()
}

/// A person-readable label of a body site ("left forearm").
#[uniffi::export]
pub fn body_site_label(site: BodySite) -> String {
    site.label().to_owned()
}

//! `TwitchWatch`: the one object an app holds — a newtype around `core::monitor::Monitor`.
//! Every method is a thin call into the core; calls that can take long are `async` or return at once.

use std::path::PathBuf;
use std::sync::Arc;
use twitchwatch_journal::JournalStore;

use twitchwatch_app::data;
use twitchwatch_app::monitor::{self as core_monitor, Monitor, MonitorSettings};
use twitchwatch_store::StoreOptions;

use crate::alerts::{Alert, CheckInOutcome, RuleInfo, RuleThreshold};
use crate::dates::{format_date, parse_date};
use crate::error::{FfiResult, TwitchWatchError};
use crate::listeners::{
    AlertListener, AlertListenerAdapter, ListenerHandle, MonitorListener, MonitorListenerAdapter,
};
use crate::report::{ExportResult, ReportSummary};
use crate::runtime::blocking;
use crate::types::{DateSpan, DiscoveredDevice, OpenOptions, ScenarioInfo, Settings, StoreCounts};
use twitchwatch_journal::{CheckIn, Drink, JournalEntry};
use twitchwatch_model::{MinuteSummary, MotorEvent, PairedDevice, StreamStats};
use twitchwatch_report::{ExportFormat, ExportSection};
use twitchwatch_store::DaySummary;

/// TwitchWatch: the history store, the monitoring session, journal, alerts and rules.
/// Open one per data folder and keep it for the app's lifetime; it is safe to use from any thread.
#[derive(uniffi::Object)]
pub struct TwitchWatch(Monitor);

type Period = (Option<jiff::civil::Date>, Option<jiff::civil::Date>);

fn parse_period(from_date: Option<String>, to_date: Option<String>) -> FfiResult<Period> {
    Ok((
        from_date.map(|d| parse_date("from_date", &d)).transpose()?,
        to_date.map(|d| parse_date("to_date", &d)).transpose()?,
    ))
}

#[cfg(not(target_os = "linux"))]
fn no_builtin_ble() -> TwitchWatchError {
    TwitchWatchError::state(
        "this build has no built-in Bluetooth: scan and connect with the platform's Bluetooth and hand \
         each notification to pushNotification (see gattProfile)",
    )
}

fn check_range(from_ms: i64, to_ms: i64) -> FfiResult<()> {
    if from_ms > to_ms {
        return Err(TwitchWatchError::invalid(format!(
            "the range starts ({from_ms} ms) after it ends ({to_ms} ms); pass from ≤ to"
        )));
    }
    Ok(())
}

#[uniffi::export(async_runtime = "tokio")]
impl TwitchWatch {
    /// Opens (or creates) the store in `data_dir`. Fails with `Io` for an unusable path, `InvalidState`
    /// when another process has it open, `Storage` when it is corrupt or from a newer version.
    #[uniffi::constructor]
    pub fn open(data_dir: String, options: OpenOptions) -> FfiResult<Arc<Self>> {
        let dir = non_empty_dir(&data_dir)?;
        let mut settings = monitor_settings(&options);
        if let Some(key) = options.data_key.as_deref() {
            settings = settings.with_data_key(data_key(key)?);
        }
        let monitor = Monitor::open(&dir, settings)?;
        Ok(Arc::new(Self(monitor)))
    }

    /// The folder the store lives in.
    pub fn data_dir(&self) -> String {
        self.0.store().path().display().to_string()
    }

    // ---- devices ----

    /// Pairs `device` (found by the app's own BLE scan); only its data is accepted from then on.
    pub fn pair_device(&self, device: PairedDevice) -> FfiResult<()> {
        Ok(self.0.store().pair_device(&device)?)
    }

    pub fn paired_device(&self) -> FfiResult<Option<PairedDevice>> {
        Ok(self.0.store().paired_device()?)
    }

    /// Forgets the paired device and returns it (`null` when none was paired).
    pub fn forget_device(&self) -> FfiResult<Option<PairedDevice>> {
        Ok(self.0.store().forget_device()?)
    }

    /// Devices paired at some point (most recent first as the core keeps them).
    pub fn known_devices(&self) -> FfiResult<Vec<PairedDevice>> {
        Ok(self.0.store().known_devices()?)
    }

    /// Removes a device from the known list. `NotFound` when there is no such device.
    pub fn remove_known_device(&self, device_id: String) -> FfiResult<()> {
        if self.0.store().remove_known_device(&device_id)? {
            Ok(())
        } else {
            Err(TwitchWatchError::not_found(format!(
                "no known device with id '{device_id}'; knownDevices() lists them"
            )))
        }
    }

    /// Desktop Linux only (BlueZ): scans for TwitchWatch and Polar wearables for `timeout_ms`,
    /// strongest first. On phones the app scans with its own Bluetooth stack (`InvalidState` here).
    pub async fn scan_devices(&self, timeout_ms: u32) -> FfiResult<Vec<DiscoveredDevice>> {
        #[cfg(target_os = "linux")]
        {
            let duration = std::time::Duration::from_millis(u64::from(timeout_ms));
            let config = twitchwatch_device::link::LinkConfig::default();
            let found = twitchwatch_device::link::scan(&config, duration).await?;
            Ok(found.into_iter().map(Into::into).collect())
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = timeout_ms;
            Err(no_builtin_ble())
        }
    }

    // ---- monitoring ----

    /// Desktop Linux only: streams from the paired wearable over BlueZ in the background, reconnecting
    /// as needed; data arrives through `MonitorListener`. On phones use `pushNotification`.
    pub fn start_paired(&self) -> FfiResult<()> {
        #[cfg(target_os = "linux")]
        {
            Ok(self.0.start_paired_on(
                twitchwatch_device::link::LinkConfig::default(),
                crate::runtime::shared(),
            )?)
        }
        #[cfg(not(target_os = "linux"))]
        {
            Err(no_builtin_ble())
        }
    }

    /// Registers a listener for live data until the returned handle is cancelled or let go.
    /// Do not capture this `TwitchWatch` strongly in the listener (that would be a reference cycle).
    pub fn add_monitor_listener(
        self: Arc<Self>,
        listener: Arc<dyn MonitorListener>,
    ) -> Arc<ListenerHandle> {
        let adapter: Arc<dyn core_monitor::MonitorListener> =
            Arc::new(MonitorListenerAdapter(listener));
        self.0.add_listener(adapter.clone());
        // Weak both: a handle the app keeps must not keep the store open after the app let it go.
        let (owner, adapter) = (Arc::downgrade(&self), Arc::downgrade(&adapter));
        ListenerHandle::new(move || {
            if let (Some(owner), Some(adapter)) = (owner.upgrade(), adapter.upgrade()) {
                owner.0.remove_listener(&adapter);
            }
        })
    }

    /// Registers a listener for new and escalated alerts (post a notification from it) until the
    /// returned handle is cancelled or let go.
    pub fn add_alert_listener(
        self: Arc<Self>,
        listener: Arc<dyn AlertListener>,
    ) -> Arc<ListenerHandle> {
        let adapter: Arc<dyn twitchwatch_alerts::AlertListener> = Arc::new(AlertListenerAdapter {
            listener,
            store: self.0.store().clone(),
        });
        self.0.add_alert_listener(adapter.clone());
        let (owner, adapter) = (Arc::downgrade(&self), Arc::downgrade(&adapter));
        ListenerHandle::new(move || {
            if let (Some(owner), Some(adapter)) = (owner.upgrade(), adapter.upgrade()) {
                owner.0.remove_alert_listener(&adapter);
            }
        })
    }

    /// Starts the demo mode: a simulated wearable running `scenario` (see `simulatorScenarios()`).
    /// `speed` = simulated seconds per real second (0 = as fast as possible); `duration_s` cuts or
    /// repeats the scenario. Returns at once; data arrives through `MonitorListener`.
    pub fn start_simulated(
        &self,
        scenario: String,
        duration_s: Option<f32>,
        speed: f32,
    ) -> FfiResult<()> {
        let wearable =
            crate::demo::simulated_wearable(scenario, duration_s, speed, core_monitor::now_ms())?;
        Ok(self.0.start_replay(wearable, speed)?)
    }

    /// Stops the running session (if any) once everything is stored; `onSessionEnd` is called first.
    pub async fn stop(&self) -> FfiResult<()> {
        let monitor = self.0.clone();
        blocking(move || monitor.stop()).await
    }

    /// Waits until the running session ends by itself (e.g. a simulated scenario finished).
    pub async fn wait_until_stopped(&self) -> FfiResult<()> {
        let monitor = self.0.clone();
        blocking(move || monitor.wait()).await
    }

    pub fn is_running(&self) -> bool {
        self.0.is_running()
    }

    /// Shell-managed BLE: hands over one notification the app's own Bluetooth stack received from the
    /// paired wearable (`characteristic_uuid`: 128-bit hyphenated or 16-bit hex, as the platform gives
    /// it; data, battery level or control point). `receive_time_us`: wall clock, µs since the Unix epoch.
    /// A malformed frame is `InvalidInput` (counted; the stream goes on); another device's data is
    /// `NotFound`; nothing paired is `InvalidState`. Results go to the listeners.
    pub fn push_notification(
        &self,
        device_id: String,
        characteristic_uuid: String,
        bytes: Vec<u8>,
        receive_time_us: i64,
    ) -> FfiResult<()> {
        self.0
            .push_notification(&device_id, &characteristic_uuid, &bytes, receive_time_us)?;
        Ok(())
    }

    /// Frame and sample counters of the current stream.
    pub fn stream_stats(&self) -> StreamStats {
        self.0.stream_stats()
    }

    // ---- history ----

    /// Movements that start in `[from_ms, to_ms)`, oldest first.
    pub fn events_in_range(&self, from_ms: i64, to_ms: i64) -> FfiResult<Vec<MotorEvent>> {
        check_range(from_ms, to_ms)?;
        Ok(self.0.store().events_in_range(from_ms, to_ms)?)
    }

    /// Minute summaries whose minute starts in `[from_ms, to_ms)`, oldest first.
    pub fn minutes_in_range(&self, from_ms: i64, to_ms: i64) -> FfiResult<Vec<MinuteSummary>> {
        check_range(from_ms, to_ms)?;
        Ok(self.0.store().minutes_in_range(from_ms, to_ms)?)
    }

    /// One summary per local day in `from_date..=to_date` (YYYY-MM-DD), days without data as zeros.
    pub fn daily_summaries(
        &self,
        from_date: String,
        to_date: String,
    ) -> FfiResult<Vec<DaySummary>> {
        let from = parse_date("from_date", &from_date)?;
        let to = parse_date("to_date", &to_date)?;
        if from > to {
            return Err(TwitchWatchError::invalid(format!(
                "from_date {from} is after to_date {to}"
            )));
        }
        let store = self.0.store();
        Ok(store.daily_summaries(from, to, &store.time_zone())?)
    }

    /// First and last local day with data, or `null` for an empty store.
    pub fn data_span(&self) -> FfiResult<Option<DateSpan>> {
        Ok(self.0.store().data_span()?.map(|(first, last)| DateSpan {
            first: format_date(first),
            last: format_date(last),
        }))
    }

    /// Today's date in the store's time zone (YYYY-MM-DD): the day journal entries default to.
    pub fn today(&self) -> String {
        let tz = self.0.store().time_zone();
        format_date(jiff::Timestamp::now().to_zoned(tz).date())
    }

    pub fn counts(&self) -> StoreCounts {
        self.0.store().counts().into()
    }

    // ---- journal and check-ins ----

    /// Stores (replaces) the journal entry of `entry.date`. Out-of-range values (NaN, negative
    /// caffeine, stress above 10, a future day…) are `InvalidInput`, and nothing is stored.
    pub fn put_journal_entry(&self, entry: JournalEntry) -> FfiResult<()> {
        Ok(self
            .0
            .store()
            .put_journal_entry(&entry, core_monitor::now_ms())?)
    }

    /// Adds `servings` of a drink to the day's entry (created if missing) and returns the entry.
    pub fn add_drink(&self, date: String, drink: Drink, servings: u8) -> FfiResult<JournalEntry> {
        let day = parse_date("date", &date)?;
        let store = self.0.store();
        let now = core_monitor::now_ms();
        let mut entry = store
            .journal_entry(day)?
            .unwrap_or_else(|| JournalEntry::new(day));
        entry.add_drink(drink, servings);
        store.put_journal_entry(&entry, now)?;
        Ok(entry)
    }

    pub fn journal_entry(&self, date: String) -> FfiResult<Option<JournalEntry>> {
        let day = parse_date("date", &date)?;
        Ok(self.0.store().journal_entry(day)?)
    }

    /// Entries for the days `from_date..=to_date`, oldest first.
    pub fn journal_entries(
        &self,
        from_date: String,
        to_date: String,
    ) -> FfiResult<Vec<JournalEntry>> {
        let from = parse_date("from_date", &from_date)?;
        let to = parse_date("to_date", &to_date)?;
        Ok(self.0.store().journal_entries(from, to)?)
    }

    /// Deletes a day's entry; `NotFound` when there was none.
    pub fn delete_journal_entry(&self, date: String) -> FfiResult<()> {
        let day = parse_date("date", &date)?;
        if self.0.store().delete_journal_entry(day)? {
            Ok(())
        } else {
            Err(TwitchWatchError::not_found(format!(
                "no journal entry for {day}"
            )))
        }
    }

    /// Records a symptom check-in and evaluates the rules at once: an urgent symptom (difficulty
    /// swallowing or speaking) comes back in `alerts` and is delivered to the `AlertListener`s.
    pub fn record_checkin(&self, checkin: CheckIn) -> FfiResult<CheckInOutcome> {
        let (stored, alerts) = self
            .0
            .alerts()
            .record_checkin(&checkin, core_monitor::now_ms())?;
        Ok(CheckInOutcome {
            checkin: stored,
            alerts: alerts.into_iter().map(Into::into).collect(),
        })
    }

    /// Check-ins in `[from_ms, to_ms)`, oldest first.
    pub fn checkins_in_range(&self, from_ms: i64, to_ms: i64) -> FfiResult<Vec<CheckIn>> {
        check_range(from_ms, to_ms)?;
        Ok(self.0.store().checkins_in_range(from_ms, to_ms)?)
    }

    /// Deletes a check-in by id (`at_ms`); `NotFound` when there is none.
    pub fn delete_checkin(&self, id: i64) -> FfiResult<()> {
        if self.0.store().delete_checkin(id)? {
            Ok(())
        } else {
            Err(TwitchWatchError::not_found(format!(
                "no check-in with id {id}"
            )))
        }
    }

    // ---- alerts and rules ----

    /// Every stored alert: live ones first, most important first, then newest.
    pub fn alerts(&self) -> FfiResult<Vec<Alert>> {
        Ok(self
            .0
            .alerts()
            .alerts()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub fn alert(&self, alert_id: String) -> FfiResult<Option<Alert>> {
        Ok(self.0.alerts().alert(&alert_id)?.map(Into::into))
    }

    /// The user has seen the alert; it stays quiet until new evidence or a higher severity.
    pub fn acknowledge_alert(&self, alert_id: String) -> FfiResult<Alert> {
        Ok(self
            .0
            .alerts()
            .acknowledge(&alert_id, core_monitor::now_ms())?
            .into())
    }

    /// Runs the rules over the history now; returns (and delivers) new or escalated alerts.
    pub async fn evaluate_rules(&self) -> FfiResult<Vec<Alert>> {
        let monitor = self.0.clone();
        let alerts = blocking(move || monitor.evaluate_rules(core_monitor::now_ms())).await??;
        Ok(alerts.into_iter().map(Into::into).collect())
    }

    /// The rules with their severity and the sentence of the medical text each rests on.
    pub fn rules(&self) -> Vec<RuleInfo> {
        twitchwatch_rules::RULES.iter().map(Into::into).collect()
    }

    /// Every tunable threshold with its bounds and current value.
    pub fn rule_thresholds(&self) -> FfiResult<Vec<RuleThreshold>> {
        let params = self.0.alerts().params(self.0.store())?;
        Ok(twitchwatch_rules::PARAMETERS
            .iter()
            .map(|spec| RuleThreshold::of(spec, params.get(spec.key).unwrap_or(spec.default)))
            .collect())
    }

    /// Sets a threshold (`null` restores its default). Values outside the safe bounds are `InvalidInput`.
    pub fn set_rule_threshold(&self, key: String, value: Option<f64>) -> FfiResult<()> {
        Ok(self.0.alerts().set_param(&key, value)?)
    }

    // ---- report and export ----

    /// Writes the doctor's report (one self-contained HTML file) for `from_date..=to_date` (YYYY-MM-DD;
    /// `null`: the last 90 days up to today) to `path`. Runs off the calling thread.
    pub async fn write_report(
        &self,
        path: String,
        from_date: Option<String>,
        to_date: Option<String>,
    ) -> FfiResult<ReportSummary> {
        let (from, to) = parse_period(from_date, to_date)?;
        let store = self.0.store().clone();
        blocking(move || {
            let data = twitchwatch_report::write_html(
                &store,
                core_monitor::now_ms(),
                from,
                to,
                std::path::Path::new(&path),
                twitchwatch_report::Overwrite::Refuse,
            )?;
            Ok(ReportSummary::of(path, &data))
        })
        .await?
    }

    /// Exports `sections` (empty: all) as CSV or JSON to `path` (JSON: one file; CSV: a file for one
    /// section, a folder for several). Period as for `writeReport`. Runs off the calling thread.
    pub async fn export_data(
        &self,
        path: String,
        format: ExportFormat,
        sections: Vec<ExportSection>,
        from_date: Option<String>,
        to_date: Option<String>,
    ) -> FfiResult<ExportResult> {
        let (from, to) = parse_period(from_date, to_date)?;
        let store = self.0.store().clone();
        blocking(move || {
            Ok(twitchwatch_report::export(
                &store,
                core_monitor::now_ms(),
                format,
                &sections,
                from,
                to,
                std::path::Path::new(&path),
                twitchwatch_report::Overwrite::Refuse,
            )?
            .into())
        })
        .await?
    }

    // ---- settings ----

    pub fn settings(&self) -> FfiResult<Settings> {
        let s = self.0.store().settings()?;
        Ok(Settings {
            retention_days: s.retention_days,
            time_zone: s.time_zone,
        })
    }

    /// Saves settings (rule thresholds are kept). Bad values are `InvalidInput`, nothing is changed.
    pub fn set_settings(&self, settings: Settings) -> FfiResult<()> {
        let store = self.0.store();
        let mut s = store.settings()?;
        s.retention_days = settings.retention_days;
        s.time_zone = settings.time_zone;
        s.validate()?;
        Ok(store.set_settings(&s)?)
    }
}

impl TwitchWatch {
    pub(crate) fn monitor(&self) -> &Monitor {
        &self.0
    }
}

impl Drop for TwitchWatch {
    fn drop(&mut self) {
        // The app let go (Kotlin `close()`, Swift deinit, GC): end the session here, so the store is
        // released and no listener runs after this returns. The core's own drop is lazier: its session
        // thread holds the monitor during a frame and may deliver one more batch.
        // A listener that drops the last reference runs on the session thread itself, where joining
        // would wait on ourselves; there the core ends the session when the thread lets go.
        // (Thread names are the core's `start_session` names; a core `is_session_thread()` would be cleaner.)
        let on_session_thread = std::thread::current()
            .name()
            .is_some_and(|n| n == "twitchwatch-sim" || n == "twitchwatch-ble");
        if !on_session_thread {
            self.0.stop();
        }
    }
}

/// The simulator's built-in scenarios, for the demo mode's picker (empty in a build without demo mode).
/// A data key from the shell: exactly 32 bytes.
fn data_key(bytes: &[u8]) -> FfiResult<[u8; 32]> {
    bytes.try_into().map_err(|_| {
        TwitchWatchError::invalid(format!(
            "a data key is 32 bytes, this one has {}; use generateDataKey()",
            bytes.len()
        ))
    })
}

fn non_empty_dir(data_dir: &str) -> FfiResult<PathBuf> {
    if data_dir.trim().is_empty() {
        return Err(TwitchWatchError::invalid(
            "data_dir is empty; pass the app's private files folder (Context.filesDir / Application Support)",
        ));
    }
    Ok(PathBuf::from(data_dir))
}

/// The settings `OpenOptions` asks for, without its data key (open and rotation each apply theirs).
fn monitor_settings(options: &OpenOptions) -> MonitorSettings {
    MonitorSettings {
        store: StoreOptions {
            keep_raw_samples: options.keep_raw_samples,
            retention_days: options.retention_days,
            ..StoreOptions::default()
        },
        ..MonitorSettings::default()
    }
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
/// must be closed (dropped) first.
#[uniffi::export]
pub fn rotate_data_key(
    data_dir: String,
    old_key: Vec<u8>,
    new_key: Vec<u8>,
    options: OpenOptions,
) -> FfiResult<Arc<TwitchWatch>> {
    let dir = non_empty_dir(&data_dir)?;
    let settings = monitor_settings(&options);
    let monitor = data::rotate_data_key(&dir, data_key(&old_key)?, data_key(&new_key)?, settings)?;
    Ok(Arc::new(TwitchWatch(monitor)))
}

/// "Delete my data": removes every record and every file of the store at `data_dir`, then checks
/// that a reopened store there is empty. Every `TwitchWatch` on this folder must be closed (dropped)
/// first; an open one is `InvalidState`. Delete the data key from the keystore afterwards.
#[uniffi::export]
pub fn delete_all_data(data_dir: String) -> FfiResult<()> {
    data::delete_all_data(&non_empty_dir(&data_dir)?)?;
    Ok(())
}

#[uniffi::export]
pub fn simulator_scenarios() -> Vec<ScenarioInfo> {
    crate::demo::scenarios()
}

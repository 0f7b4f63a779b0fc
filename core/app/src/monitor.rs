//! The `Monitor`: one store, one classifier pipeline, the rules and alerts, and the session that feeds them
//! (a replayed or simulated wearable, pushed notification bytes, or the paired wearable). Shells talk to the core through it.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use twitchwatch_store::sync::lock;

use thiserror::Error;

use twitchwatch_alerts::{Alert, AlertCenter, AlertListener};
use twitchwatch_classify::{
    ClassifierConfig, ClassifierOutput, ClassifyError, StreamingClassifier,
};
use twitchwatch_device::guard::{TimeGuard, TimeGuardConfig};
use twitchwatch_device::protocol::{FrameError, StreamDecoder};
use twitchwatch_device::replay::FrameSource;
use twitchwatch_device::shell::{Routed, ShellError, ShellRouter};
use twitchwatch_model::{
    ConnectionState, MinuteSummary, MotorEvent, MotorEventKind, SensorBatch, StreamStats,
    TimestampMs,
};
use twitchwatch_rules::RulesError;
use twitchwatch_store::{SessionId, Store, StoreError, StoreOptions};

/// Everything a shell can observe while a session runs. Called on the session's thread, never
/// while the monitor holds a lock; a slow listener slows only the session that calls it.
pub trait MonitorListener: Send + Sync {
    fn on_event(&self, _event: &MotorEvent) {}
    fn on_minute(&self, _minute: &MinuteSummary) {}
    fn on_connection(&self, _state: &ConnectionState) {}
    fn on_battery(&self, _percent: u8) {}
    /// Progress of a session: stream counters and how far it has got (0..=1 when the length is known).
    fn on_progress(&self, _stats: &StreamStats, _fraction_done: Option<f32>) {}
    /// A session ended (stopped, finished, or failed with `error`).
    fn on_session_end(&self, _summary: &SessionSummary, _error: Option<&MonitorError>) {}
}

#[derive(Debug, Clone, Default)]
pub struct MonitorSettings {
    pub store: StoreOptions,
    pub classifier: ClassifierConfig,
}

#[derive(Debug, Error)]
pub enum MonitorError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Classify(#[from] ClassifyError),
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error(transparent)]
    Notification(#[from] ShellError),
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error("a monitoring session is already running; stop it first")]
    AlreadyRunning,
    #[error("no wearable is paired")]
    NoPairedDevice,
    /// A shell-driven GATT session ended for good (a typed refusal, a timeout, or given up).
    #[error(transparent)]
    Session(#[from] twitchwatch_device::session::SessionError),
    #[error("speed must be a finite number ≥ 0 (0 = as fast as possible), got {0}")]
    InvalidSpeed(f32),
    /// The paired wearable's Bluetooth link ended for good (after its reconnection attempts).
    #[cfg(feature = "ble")]
    #[error(transparent)]
    Device(#[from] twitchwatch_device::link::LinkError),
    /// The operating system refused a thread or runtime the session needs (out of resources).
    #[error("cannot start the {what}: {source}")]
    Spawn {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// Why a task result was not recorded: refused by the task's validation (nothing stored), or stored
/// and then the rules could not run.
#[derive(Debug, Error)]
pub enum TaskRecordError {
    #[error(transparent)]
    Task(#[from] twitchwatch_tasks::TaskError),
    #[error(transparent)]
    Monitor(#[from] MonitorError),
}

/// Totals of one session, shown at its end.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SessionSummary {
    pub started_ms: TimestampMs,
    pub ended_ms: TimestampMs,
    pub samples: u64,
    pub minutes: u32,
    pub fasciculations: u32,
    pub tremor_events: u32,
    pub tremor_seconds: f32,
    pub spasm_events: u32,
    pub spasm_seconds: f32,
    pub stream: StreamStats,
    /// Alerts raised or escalated during the session.
    pub alerts: u32,
}

impl SessionSummary {
    fn add_event(&mut self, e: &MotorEvent) {
        let secs = e.duration_ms() as f32 / 1000.0;
        match e.kind {
            MotorEventKind::Fasciculation => self.fasciculations += 1,
            MotorEventKind::Tremor => {
                self.tremor_events += 1;
                self.tremor_seconds += secs;
            }
            MotorEventKind::Spasm => {
                self.spasm_events += 1;
                self.spasm_seconds += secs;
            }
        }
    }
}

/// What one call into the pipeline produced, handed to listeners after the lock is released.
#[derive(Debug, Default)]
pub struct Produced {
    pub events: Vec<MotorEvent>,
    pub minutes: Vec<MinuteSummary>,
    pub alerts: Vec<Alert>,
}

/// Classifier → store, with the accounting of one session. Single-threaded; the monitor guards it.
struct Pipeline {
    classifier: StreamingClassifier,
    out: ClassifierOutput,
    /// Counters of the source feeding this pipeline (decoder, link), as it last reported them.
    stream: StreamStats,
    summary: SessionSummary,
    /// Set by the first batch: the minutes of this pipeline are this session's part of each minute,
    /// so a session started in the same wall-clock minute as the last one adds to it.
    session: Option<SessionId>,
    /// The last check on every batch, whatever its source: nothing ahead of the reference time,
    /// nothing at a time this monitor already classified (also across its sessions).
    guard: TimeGuard,
    /// While an active tremor task runs, a copy of every admitted batch for it (`begin_task_capture`).
    capture: Option<TaskCapture>,
}

/// The most samples a task capture keeps: the longest tremor task is 30 s, and 90 s at 1 kHz leaves
/// room for a slow start without letting a forgotten capture grow (≈2 MB at most).
pub const TASK_CAPTURE_MAX_SAMPLES: usize = 90_000;

/// The batches an active task recorded, bounded by [`TASK_CAPTURE_MAX_SAMPLES`].
#[derive(Debug, Default)]
struct TaskCapture {
    batches: Vec<SensorBatch>,
    samples: usize,
}

impl TaskCapture {
    fn keep(&mut self, batch: &SensorBatch) {
        if self.samples + batch.len() <= TASK_CAPTURE_MAX_SAMPLES {
            self.samples += batch.len();
            self.batches.push(batch.clone());
        }
    }
}

impl Pipeline {
    fn new(config: &ClassifierConfig, now_ms: TimestampMs) -> Self {
        Pipeline {
            classifier: StreamingClassifier::new(config.clone()),
            out: ClassifierOutput::default(),
            stream: StreamStats::default(),
            session: None,
            guard: TimeGuard::new(TimeGuardConfig::ordering_only(), None),
            capture: None,
            summary: SessionSummary {
                started_ms: now_ms,
                ..Default::default()
            },
        }
    }

    /// Classifies and stores `batch`, whose samples may not lie ahead of `reference_us` (the wall
    /// clock for a live source, the arrival time for a replayed one) by more than the guard allows.
    fn ingest(
        &mut self,
        store: &Store,
        batch: &SensorBatch,
        reference_us: i64,
    ) -> Result<Produced, MonitorError> {
        let Some(batch) = self.guard.admit_ref(batch, reference_us) else {
            return Ok(Produced::default());
        };
        let batch = batch.as_ref();
        if let Some(capture) = &mut self.capture {
            capture.keep(batch);
        }
        self.classifier.push_batch(batch, &mut self.out)?;
        self.session
            .get_or_insert_with(|| SessionId::from_first_sample(batch.first_sample_us));
        self.summary.samples += batch.len() as u64;
        self.persist(store)
    }

    /// The source's counters and what this pipeline's own guard dropped.
    fn stream_stats(&self) -> StreamStats {
        let mut stats = self.stream;
        self.guard.counts().add_to(&mut stats);
        stats
    }

    fn finish(&mut self, store: &Store) -> Result<Produced, MonitorError> {
        self.classifier.finish(&mut self.out);
        let produced = self.persist(store)?;
        store.flush()?;
        Ok(produced)
    }

    /// Writes what the classifier produced. Events go in as they come; a completed minute triggers an
    /// explicit flush, so a crash loses at most the current minute.
    fn persist(&mut self, store: &Store) -> Result<Produced, MonitorError> {
        let produced = Produced {
            events: std::mem::take(&mut self.out.events),
            minutes: std::mem::take(&mut self.out.minutes),
            alerts: Vec::new(),
        };
        if !produced.events.is_empty() {
            store.put_events(&produced.events)?;
        }
        if !produced.minutes.is_empty() {
            let session = self.session.unwrap_or(SessionId::UNSPECIFIED);
            store.put_session_minutes(session, &produced.minutes)?;
            store.flush()?;
        }
        for e in &produced.events {
            self.summary.add_event(e);
        }
        self.summary.minutes += produced.minutes.len() as u32;
        Ok(produced)
    }
}

struct Session {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    store: Store,
    alerts: AlertCenter,
    settings: MonitorSettings,
    listeners: Mutex<Vec<Arc<dyn MonitorListener>>>,
    pipeline: Mutex<Pipeline>,
    /// Decoder state for notifications pushed by a shell, keyed by the paired device's id.
    router: Mutex<Option<(String, ShellRouter)>>,
    /// Local day of the last daily housekeeping done by a session.
    last_tick_day: Mutex<Option<jiff::civil::Date>>,
    session: Mutex<Option<Session>>,
}

pub fn now_ms() -> TimestampMs {
    jiff::Timestamp::now().as_millisecond()
}

/// The object a shell owns: open it once per store, register listeners, start and stop sessions.
#[derive(Clone)]
pub struct Monitor {
    shared: Arc<Shared>,
}

impl Monitor {
    pub fn open(data_dir: &Path, settings: MonitorSettings) -> Result<Monitor, MonitorError> {
        let store = Store::open(data_dir, settings.store.clone())?;
        let alerts = AlertCenter::new(store.clone());
        let pipeline = Pipeline::new(&settings.classifier, now_ms());
        Ok(Monitor {
            shared: Arc::new(Shared {
                store,
                alerts,
                settings,
                listeners: Mutex::new(Vec::new()),
                pipeline: Mutex::new(pipeline),
                router: Mutex::new(None),
                last_tick_day: Mutex::new(None),
                session: Mutex::new(None),
            }),
        })
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    pub fn alerts(&self) -> &AlertCenter {
        &self.shared.alerts
    }

    pub fn add_listener(&self, listener: Arc<dyn MonitorListener>) {
        lock(&self.shared.listeners).push(listener);
    }

    /// Unregisters `listener` (the same `Arc` that was added). A call already under way may still
    /// reach it; none that starts after this returns does.
    pub fn remove_listener(&self, listener: &Arc<dyn MonitorListener>) {
        lock(&self.shared.listeners).retain(|l| !Arc::ptr_eq(l, listener));
    }

    pub fn add_alert_listener(&self, listener: Arc<dyn AlertListener>) {
        self.shared.alerts.add_listener(listener);
    }

    pub fn remove_alert_listener(&self, listener: &Arc<dyn AlertListener>) {
        self.shared.alerts.remove_listener(listener);
    }

    fn listeners(&self) -> Vec<Arc<dyn MonitorListener>> {
        lock(&self.shared.listeners).clone()
    }

    /// Calls every listener, outside any lock. A listener that panics is logged and skipped: one bad
    /// listener must not end the session or starve the others.
    fn notify(&self, f: impl Fn(&dyn MonitorListener)) {
        for l in self.listeners() {
            let call = std::panic::AssertUnwindSafe(|| f(l.as_ref()));
            if std::panic::catch_unwind(call).is_err() {
                tracing::warn!("a monitor listener panicked; it was skipped");
            }
        }
    }

    fn deliver(&self, produced: &Produced) {
        if produced.events.is_empty() && produced.minutes.is_empty() {
            return;
        }
        self.notify(|l| {
            for e in &produced.events {
                l.on_event(e);
            }
            for m in &produced.minutes {
                l.on_minute(m);
            }
        });
    }

    /// Runs the rules over the history (new data arrived) and delivers new or escalated alerts.
    pub fn evaluate_rules(&self, now_ms: TimestampMs) -> Result<Vec<Alert>, MonitorError> {
        self.shared
            .alerts
            .evaluate(&self.shared.store, now_ms)
            .map_err(MonitorError::from)
    }

    /// Stores one completed task (from a task's `into_result`) and runs the rules at once, as a
    /// check-in does, so a sustained decline it completes is raised in the same call.
    pub fn record_task_result(
        &self,
        result: &twitchwatch_tasks::TaskResult,
        now_ms: TimestampMs,
    ) -> Result<(twitchwatch_tasks::TaskResult, Vec<Alert>), TaskRecordError> {
        use twitchwatch_tasks::TaskStore;
        let stored = self.shared.store.put_task_result(result)?;
        let alerts = self.evaluate_rules(now_ms)?;
        Ok((stored, alerts))
    }

    /// The once-a-day housekeeping (retention, then the rules) for shells to schedule (WorkManager,
    /// BGTaskScheduler); a running session also does it on its own at the first minute of each day.
    pub fn daily_tick(&self, now_ms: TimestampMs) -> Result<Vec<Alert>, MonitorError> {
        let (removed, alerts) = self.shared.alerts.daily_tick(now_ms)?;
        tracing::debug!(removed, "daily tick");
        Ok(alerts)
    }

    /// Feeds decoded samples from any live source. Returns what they produced (already stored and
    /// delivered). Samples ahead of the wall clock, or at times this monitor already classified, are
    /// dropped and counted in `stream_stats`.
    pub fn ingest(&self, batch: &SensorBatch) -> Result<Produced, MonitorError> {
        self.ingest_at(batch, now_ms().saturating_mul(1000))
    }

    /// `ingest` for a batch whose time reference is `reference_us` rather than the wall clock.
    fn ingest_at(&self, batch: &SensorBatch, reference_us: i64) -> Result<Produced, MonitorError> {
        let mut produced =
            lock(&self.shared.pipeline).ingest(&self.shared.store, batch, reference_us)?;
        self.after_ingest(&mut produced)?;
        Ok(produced)
    }

    fn after_ingest(&self, produced: &mut Produced) -> Result<(), MonitorError> {
        self.deliver(produced);
        if !produced.minutes.is_empty() {
            let until = produced
                .minutes
                .iter()
                .map(|m| m.minute_start_ms + 60_000)
                .max()
                .unwrap_or_else(now_ms);
            let now = until.max(now_ms());
            // The first completed minute of each local day also runs the daily housekeeping
            // (retention), so a monitor left running follows the calendar by itself.
            let today = twitchwatch_store::local_date(&self.shared.store.time_zone(), now);
            let new_day = {
                let mut last = lock(&self.shared.last_tick_day);
                let new_day = *last != Some(today);
                *last = Some(today);
                new_day
            };
            produced.alerts = if new_day {
                self.daily_tick(now)?
            } else {
                self.evaluate_rules(now)?
            };
            lock(&self.shared.pipeline).summary.alerts += produced.alerts.len() as u32;
        }
        Ok(())
    }

    /// Shell-managed BLE: a notification pushed by a shell that runs the platform's own Bluetooth stack
    /// (iOS state restoration, Android GATT), with the device id and the characteristic UUID. It goes
    /// through the same router, validation and accounting as the btleplug path; only the paired device
    /// is accepted. A bad frame is a typed error, counted, and the stream goes on.
    pub fn push_notification(
        &self,
        device_id: &str,
        characteristic_uuid: &str,
        bytes: &[u8],
        receive_time_us: i64,
    ) -> Result<Produced, MonitorError> {
        let routed = {
            let mut router = lock(&self.shared.router);
            let paired = self
                .shared
                .store
                .paired_device()?
                .ok_or(MonitorError::NoPairedDevice)?;
            // A new pairing (or the first push) gets a fresh decoder.
            if router
                .as_ref()
                .map(|(id, _)| id != &paired.id)
                .unwrap_or(true)
            {
                *router = Some((paired.id.clone(), ShellRouter::new(&paired)));
            }
            let Some((_, r)) = router.as_mut() else {
                return Err(MonitorError::NoPairedDevice);
            };
            let routed = r.push(device_id, characteristic_uuid, bytes, receive_time_us);
            lock(&self.shared.pipeline).stream = r.stats();
            routed?
        };
        match routed {
            Routed::Batches(batches) => {
                let mut all = Produced::default();
                for b in &batches {
                    let p = self.ingest(b)?;
                    all.events.extend(p.events);
                    all.minutes.extend(p.minutes);
                    all.alerts.extend(p.alerts);
                }
                Ok(all)
            }
            Routed::Battery(level) => {
                self.notify(|l| l.on_battery(level));
                Ok(Produced::default())
            }
            Routed::ControlResponse(_) => Ok(Produced::default()),
        }
    }

    /// What a shell does with a `GattSession`'s outputs, besides performing its actions: batches are
    /// classified and stored, link state, battery and stream counters reach the listeners. Returns the
    /// actions to perform, in order, and what the batches produced. `Stopped` or `Failed` ends the
    /// pipeline as any session's end does: open events and the partial minute are stored, the rules
    /// run, and the listeners hear `on_session_end` (with the session's error after `Failed`).
    pub fn apply_session_outputs(
        &self,
        outputs: Vec<twitchwatch_device::session::SessionOutput>,
    ) -> Result<(Vec<twitchwatch_device::session::GattAction>, Produced), MonitorError> {
        use twitchwatch_device::session::SessionOutput as Out;
        let mut actions = Vec::new();
        let mut all = Produced::default();
        let mut ended = None;
        // The end of a session says `Disconnected` once, with its summary, as every session's end does.
        let ends = outputs
            .iter()
            .any(|o| matches!(o, Out::Stopped | Out::Failed(_)));
        for o in outputs {
            match o {
                Out::Do(a) => actions.push(a),
                Out::Batch(b) => {
                    let p = self.ingest(&b)?;
                    all.events.extend(p.events);
                    all.minutes.extend(p.minutes);
                    all.alerts.extend(p.alerts);
                }
                Out::State(ConnectionState::Disconnected) if ends => {}
                Out::State(s) => self.notify(|l| l.on_connection(&s)),
                Out::Battery(level) => self.notify(|l| l.on_battery(level)),
                Out::Stats(st) => {
                    let st = {
                        let mut p = lock(&self.shared.pipeline);
                        p.stream = st;
                        p.stream_stats()
                    };
                    self.notify(|l| l.on_progress(&st, None));
                }
                Out::DeviceInfo(info) => tracing::debug!(?info, "device information"),
                Out::Rejected(e) => tracing::debug!(%e, "notification rejected"),
                Out::Failed(e) => {
                    tracing::info!(%e, "GATT session ended");
                    ended = Some(Some(MonitorError::Session(e)));
                }
                Out::Stopped => ended = Some(None),
            }
        }
        if let Some(error) = ended {
            end_session(self, error);
        }
        Ok((actions, all))
    }

    /// `push_notification` for our wearable's data characteristic.
    pub fn push_frame(
        &self,
        device_id: &str,
        bytes: &[u8],
        receive_time_us: i64,
    ) -> Result<Produced, MonitorError> {
        let data =
            twitchwatch_device::protocol::uuid_string(twitchwatch_device::protocol::DATA_UUID);
        self.push_notification(device_id, &data, bytes, receive_time_us)
    }

    /// Stream counters of the current pipeline (frames, gaps, duplicates, samples dropped…).
    pub fn stream_stats(&self) -> StreamStats {
        lock(&self.shared.pipeline).stream_stats()
    }

    pub fn is_running(&self) -> bool {
        lock(&self.shared.session)
            .as_ref()
            .and_then(|s| s.thread.as_ref())
            .is_some_and(|t| !t.is_finished())
    }

    /// Closes the current pipeline: open events and the partial minute are stored, the totals are
    /// returned, and a fresh pipeline starts.
    pub fn finish_pipeline(&self) -> Result<SessionSummary, MonitorError> {
        let (mut produced, mut summary) = {
            let mut p = lock(&self.shared.pipeline);
            let produced = p.finish(&self.shared.store)?;
            let mut summary = p.summary.clone();
            summary.stream = p.stream_stats();
            let last_sample_us = p.guard.last_sample_us();
            let capture = p.capture.take();
            *p = Pipeline::new(&self.shared.settings.classifier, now_ms());
            p.capture = capture;
            p.guard.resume_after(last_sample_us);
            (produced, summary)
        };
        self.after_ingest(&mut produced)?;
        summary.alerts += produced.alerts.len() as u32;
        summary.ended_ms = now_ms();
        Ok(summary)
    }

    /// Streams `source` in the background: its frames go through the protocol decoder, the classifier,
    /// the store and the rules exactly as a paired wearable's would. `speed` is source seconds per
    /// wall-clock second (0 = as fast as possible). Returns at once.
    pub fn start_replay(
        &self,
        source: Box<dyn FrameSource>,
        speed: f32,
    ) -> Result<(), MonitorError> {
        if !(speed.is_finite() && speed >= 0.0) {
            return Err(MonitorError::InvalidSpeed(speed));
        }
        self.start_session("twitchwatch-replay", move |weak, stop| {
            run_replay(weak, source, speed, stop)
        })
    }

    /// Runs `body` on a session thread. The thread holds the monitor weakly: dropping the last
    /// handle ends the session.
    fn start_session(
        &self,
        name: &str,
        body: impl FnOnce(Weak<Shared>, Arc<AtomicBool>) + Send + 'static,
    ) -> Result<(), MonitorError> {
        let mut session = lock(&self.shared.session);
        if session
            .as_ref()
            .and_then(|s| s.thread.as_ref())
            .is_some_and(|t| !t.is_finished())
        {
            return Err(MonitorError::AlreadyRunning);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let weak = Arc::downgrade(&self.shared);
        let stop_flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(weak, stop_flag))
            .map_err(|source| MonitorError::Spawn {
                what: "session thread",
                source,
            })?;
        *session = Some(Session {
            stop,
            thread: Some(thread),
        });
        Ok(())
    }

    /// Streams the paired wearable over Bluetooth (btleplug) in the background: connect, configure,
    /// subscribe, reconnect on link loss; batches go through the classifier, store and rules. Returns at
    /// once; connection state, battery and events reach the listeners.
    #[cfg(feature = "ble")]
    pub fn start_paired(
        &self,
        config: twitchwatch_device::link::LinkConfig,
    ) -> Result<(), MonitorError> {
        self.start_paired_with(config, None)
    }

    /// As `start_paired`, with the Bluetooth I/O on `runtime` (a shell's shared tokio runtime) instead
    /// of a runtime of the session's own.
    #[cfg(feature = "ble")]
    pub fn start_paired_on(
        &self,
        config: twitchwatch_device::link::LinkConfig,
        runtime: tokio::runtime::Handle,
    ) -> Result<(), MonitorError> {
        self.start_paired_with(config, Some(runtime))
    }

    #[cfg(feature = "ble")]
    fn start_paired_with(
        &self,
        config: twitchwatch_device::link::LinkConfig,
        runtime: Option<tokio::runtime::Handle>,
    ) -> Result<(), MonitorError> {
        let device = self
            .shared
            .store
            .paired_device()?
            .ok_or(MonitorError::NoPairedDevice)?;
        self.start_session("twitchwatch-ble", move |weak, stop| {
            run_paired(weak, device, config, runtime, stop)
        })
    }

    /// Asks the running session to stop; returns once it has stored everything and ended.
    ///
    /// Called from the session's own thread (a listener reacting to an event), it only asks: the
    /// session ends after the current call returns, and joining itself would deadlock.
    pub fn stop(&self) {
        let session = lock(&self.shared.session).take();
        if let Some(mut s) = session {
            s.stop.store(true, Ordering::Relaxed);
            if let Some(t) = s.thread.take() {
                if t.thread().id() == std::thread::current().id() {
                    return;
                }
                // The session thread never holds the session lock, so this cannot deadlock.
                let _ = t.join();
            }
        }
    }

    /// Starts keeping a copy of every batch the monitor classifies, for an active task (a tremor task
    /// with the wearable); an earlier capture is dropped. Bounded by [`TASK_CAPTURE_MAX_SAMPLES`].
    pub fn begin_task_capture(&self) {
        lock(&self.shared.pipeline).capture = Some(TaskCapture::default());
    }

    /// Ends the capture and returns its batches in arrival order (`None` when none was begun).
    pub fn take_task_capture(&self) -> Option<Vec<SensorBatch>> {
        lock(&self.shared.pipeline)
            .capture
            .take()
            .map(|c| c.batches)
    }

    /// Waits for the running session to end by itself (used by the CLI and tests).
    pub fn wait(&self) {
        let thread = lock(&self.shared.session)
            .as_mut()
            .and_then(|s| s.thread.take());
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The last handle is gone: stop the session (it holds the monitor only weakly) and flush.
        let session = self
            .session
            .get_mut()
            .map(|s| s.take())
            .unwrap_or_else(|e| e.into_inner().take());
        if let Some(mut s) = session {
            s.stop.store(true, Ordering::Relaxed);
            if let Some(t) = s.thread.take() {
                // When the session thread itself drops the last strong reference, it must not join itself.
                if t.thread().id() != std::thread::current().id() {
                    let _ = t.join();
                }
            }
        }
        if let Err(e) = self.store.flush() {
            tracing::warn!(error = %e, "final flush failed");
        }
    }
}

fn run_replay(
    shared: Weak<Shared>,
    mut frames: Box<dyn FrameSource>,
    speed: f32,
    stop: Arc<AtomicBool>,
) {
    let upgrade = || shared.upgrade().map(|shared| Monitor { shared });
    let Some(monitor) = upgrade() else { return };
    monitor.notify(|l| l.on_connection(&ConnectionState::Connecting));
    monitor.notify(|l| l.on_connection(&ConnectionState::Streaming));
    drop(monitor);
    let wall_start = Instant::now();
    let start_ms = frames.start_ms();
    let duration_ms = frames.duration_ms();
    let mut last_progress = Instant::now();
    let mut error: Option<MonitorError> = None;
    let mut batches = Vec::new();
    let mut decoder = StreamDecoder::default();
    // The same limits as a paired wearable's stream, on the source's clock.
    let mut guard = TimeGuard::new(TimeGuardConfig::default(), None);
    let mut last_rx_us = start_ms.saturating_mul(1000);
    let replay_stats = |decoder: &StreamDecoder, guard: &TimeGuard| {
        let mut stats = decoder.stats();
        guard.counts().add_to(&mut stats);
        stats
    };
    while !stop.load(Ordering::Relaxed) {
        let Some(frame) = frames.next_frame() else {
            break;
        };
        let Some(monitor) = upgrade() else {
            // Every handle was dropped: nobody is left to deliver to.
            return;
        };
        let rx_us = frame.arrival_us;
        if speed > 0.0 {
            let sim_elapsed_ms = (rx_us / 1000 - start_ms).max(0) as f64;
            let due = Duration::from_secs_f64(sim_elapsed_ms / 1000.0 / speed as f64);
            if let Some(wait) = due.checked_sub(wall_start.elapsed()) {
                std::thread::sleep(wait.min(Duration::from_millis(200)));
            }
        }
        batches.clear();
        if let Err(e) = decoder.push(&frame.bytes, rx_us, &mut batches) {
            // Counted by the decoder; the stream goes on.
            tracing::debug!(error = %e, "replayed frame rejected");
        }
        last_rx_us = rx_us;
        lock(&monitor.shared.pipeline).stream = replay_stats(&decoder, &guard);
        for b in batches.drain(..) {
            let Some(b) = guard.admit(b, rx_us) else {
                continue;
            };
            if let Err(e) = monitor.ingest_at(&b, rx_us) {
                error = Some(e);
                break;
            }
        }
        lock(&monitor.shared.pipeline).stream = replay_stats(&decoder, &guard);
        if error.is_some() {
            break;
        }
        if last_progress.elapsed() >= Duration::from_millis(100) {
            last_progress = Instant::now();
            let stats = monitor.stream_stats();
            let done =
                ((rx_us / 1000 - start_ms) as f32 / duration_ms.max(1) as f32).clamp(0.0, 1.0);
            monitor.notify(|l| l.on_progress(&stats, Some(done)));
        }
    }
    let Some(monitor) = upgrade() else { return };
    batches.clear();
    decoder.flush(&mut batches);
    for b in batches.drain(..) {
        let Some(b) = guard.admit(b, last_rx_us) else {
            continue;
        };
        if let Err(e) = monitor.ingest_at(&b, last_rx_us) {
            error.get_or_insert(e);
        }
    }
    lock(&monitor.shared.pipeline).stream = replay_stats(&decoder, &guard);
    end_session(&monitor, error);
}

/// Ends a session: stores what is left, tells the listeners.
fn end_session(monitor: &Monitor, mut error: Option<MonitorError>) {
    let summary = match monitor.finish_pipeline() {
        Ok(s) => s,
        Err(e) => {
            error.get_or_insert(e);
            SessionSummary::default()
        }
    };
    if let Some(e) = &error {
        tracing::warn!(error = %e, "session ended with an error");
    }
    monitor.notify(|l| l.on_connection(&ConnectionState::Disconnected));
    monitor.notify(|l| l.on_session_end(&summary, error.as_ref()));
}

#[cfg(feature = "ble")]
fn run_paired(
    shared: Weak<Shared>,
    device: twitchwatch_model::PairedDevice,
    config: twitchwatch_device::link::LinkConfig,
    runtime: Option<tokio::runtime::Handle>,
    stop: Arc<AtomicBool>,
) {
    use twitchwatch_device::link::{LinkEvent, LinkSession};
    let upgrade = || shared.upgrade().map(|shared| Monitor { shared });
    let session = async {
        let mut link = LinkSession::start(device, config);
        let mut error = None;
        loop {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let event =
                match tokio::time::timeout(Duration::from_millis(100), link.next_event()).await {
                    Ok(Some(e)) => e,
                    Ok(None) => break,
                    Err(_) => continue,
                };
            let Some(monitor) = upgrade() else { break };
            match event {
                LinkEvent::Batch(b) => {
                    if let Err(e) = monitor.ingest(&b) {
                        error = Some(e);
                        break;
                    }
                }
                LinkEvent::State(s) => monitor.notify(|l| l.on_connection(&s)),
                LinkEvent::Battery(p) => monitor.notify(|l| l.on_battery(p)),
                LinkEvent::Stats(st) => {
                    let st = {
                        let mut p = lock(&monitor.shared.pipeline);
                        p.stream = st;
                        p.stream_stats()
                    };
                    monitor.notify(|l| l.on_progress(&st, None));
                }
                LinkEvent::DeviceInfo(info) => tracing::debug!(?info, "device information"),
                LinkEvent::Rejected(reason) => tracing::debug!(%reason, "notification rejected"),
                LinkEvent::Failed(e) => {
                    error = Some(MonitorError::Device(e));
                    break;
                }
            }
        }
        link.stop().await;
        error
    };
    let error = match runtime {
        // The shared runtime's own threads drive its I/O and timers; this thread only polls the session.
        Some(handle) => handle.block_on(session),
        None => match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(session),
            Err(e) => Some(MonitorError::Spawn {
                what: "Bluetooth runtime",
                source: e,
            }),
        },
    };
    if let Some(monitor) = upgrade() {
        end_session(&monitor, error);
    }
}

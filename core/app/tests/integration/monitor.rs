//! The whole pipeline through `Monitor`: simulated frames → decoder → classifier → sled → listeners,
//! and the shell-managed push path with its validation.

use std::sync::{Arc, Mutex};

use twitchwatch_app::monitor::{
    now_ms, Monitor, MonitorError, MonitorListener, MonitorSettings, SessionSummary,
};
use twitchwatch_device::protocol::{encode_frame, DataFrame};
use twitchwatch_device::shell::ShellError;
use twitchwatch_lab::simulator::{SimError, SimulatedSession, SimulatedWearable};
use twitchwatch_model::{
    ConnectionState, DeviceProtocol, MinuteSummary, MotorEvent, MotorEventKind, PairedDevice,
};

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<MotorEvent>>,
    minutes: Mutex<Vec<MinuteSummary>>,
    states: Mutex<Vec<ConnectionState>>,
    ended: Mutex<Option<(SessionSummary, Option<String>)>>,
    battery: Mutex<Vec<u8>>,
}

impl MonitorListener for Recorder {
    fn on_event(&self, e: &MotorEvent) {
        self.events.lock().unwrap().push(e.clone());
    }
    fn on_minute(&self, m: &MinuteSummary) {
        self.minutes.lock().unwrap().push(m.clone());
    }
    fn on_connection(&self, s: &ConnectionState) {
        self.states.lock().unwrap().push(s.clone());
    }
    fn on_battery(&self, level: u8) {
        self.battery.lock().unwrap().push(level);
    }
    fn on_session_end(&self, s: &SessionSummary, e: Option<&MonitorError>) {
        *self.ended.lock().unwrap() = Some((s.clone(), e.map(MonitorError::to_string)));
    }
}

/// Streams the lab's simulated wearable, as `monitor --simulate` and the demo mode do.
fn start_simulated(monitor: &Monitor, options: SimulatedSession) -> Result<(), MonitorError> {
    let wearable = SimulatedWearable::live(&options, now_ms()).expect("a valid simulated session");
    monitor.start_replay(Box::new(wearable), options.speed)
}

fn simulate(monitor: &Monitor, scenario: &str, duration_s: f32) {
    start_simulated(
        monitor,
        SimulatedSession {
            scenario: scenario.into(),
            duration_s: Some(duration_s),
            speed: 0.0,
            ..Default::default()
        },
    )
    .unwrap();
    monitor.wait();
}

#[test]
fn a_simulated_session_lands_in_the_store_and_reaches_listeners() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
    let rec = Arc::new(Recorder::default());
    monitor.add_listener(rec.clone());
    simulate(&monitor, "tremor", 120.0);

    let (summary, error) = rec.ended.lock().unwrap().clone().expect("session ended");
    assert_eq!(error, None);
    assert!(summary.samples >= 120 * 200 - 200, "{summary:?}");
    assert!(summary.tremor_events >= 1, "{summary:?}");
    assert_eq!(summary.stream.frames_rejected, 0);
    let events = rec.events.lock().unwrap().clone();
    assert!(events.iter().any(|e| e.kind == MotorEventKind::Tremor));
    let minutes = rec.minutes.lock().unwrap().clone();
    assert!(minutes.len() >= 2, "{}", minutes.len());
    assert_eq!(
        rec.states.lock().unwrap().last(),
        Some(&ConnectionState::Disconnected)
    );

    // Everything the listeners saw is in the store, and survives reopening.
    drop(monitor);
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
    let stored = monitor.store().events_in_range(i64::MIN, i64::MAX).unwrap();
    assert_eq!(stored.len(), events.len());
    let stored_minutes = monitor
        .store()
        .minutes_in_range(i64::MIN, i64::MAX)
        .unwrap();
    assert_eq!(stored_minutes.len(), minutes.len());
    // Simulated data is never in the future.
    let now = twitchwatch_app::monitor::now_ms();
    assert!(stored.iter().all(|e| e.end_ms <= now + 1000));
}

#[test]
fn a_second_session_while_one_runs_is_refused_and_stop_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
    let live = SimulatedSession {
        scenario: "rest".into(),
        duration_s: Some(600.0),
        speed: 1.0,
        ..Default::default()
    };
    start_simulated(&monitor, live.clone()).unwrap();
    assert!(matches!(
        start_simulated(&monitor, live),
        Err(MonitorError::AlreadyRunning)
    ));
    assert!(monitor.is_running());
    monitor.stop();
    assert!(!monitor.is_running());
}

#[test]
fn dropping_the_monitor_ends_a_running_session() {
    let dir = tempfile::tempdir().unwrap();
    let rec = Arc::new(Recorder::default());
    {
        let monitor = Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
        monitor.add_listener(rec.clone());
        start_simulated(
            &monitor,
            SimulatedSession {
                scenario: "rest".into(),
                duration_s: Some(3600.0),
                speed: 1.0,
                ..Default::default()
            },
        )
        .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    // The store is closed again: it can be reopened at once.
    Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
}

#[test]
fn bad_session_options_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
    for speed in [f32::NAN, -1.0, f32::INFINITY] {
        let r = start_simulated(
            &monitor,
            SimulatedSession {
                speed,
                ..Default::default()
            },
        );
        assert!(matches!(r, Err(MonitorError::InvalidSpeed(_))), "{speed}");
    }
    let r = SimulatedWearable::live(
        &SimulatedSession {
            duration_s: Some(-3.0),
            ..Default::default()
        },
        now_ms(),
    );
    assert!(matches!(r, Err(SimError::InvalidDuration(_))));
    let r = SimulatedWearable::live(
        &SimulatedSession {
            scenario: "no-such-scenario".into(),
            ..Default::default()
        },
        now_ms(),
    );
    let msg = r.err().expect("an unknown scenario is refused").to_string();
    assert!(msg.contains("mixed"), "lists the valid names: {msg}");
}

fn frame(seq: u16) -> Vec<u8> {
    encode_frame(&DataFrame {
        seq,
        device_time_us: u64::from(seq) * 100_000,
        sample_rate_hz: 100,
        accel_g_per_lsb: 8.0 / 32768.0,
        gyro_dps_per_lsb: 0.0,
        accel_raw: vec![[0, 0, 4096]; 10],
        gyro_raw: vec![],
    })
}

#[test]
fn pushed_bytes_are_accepted_only_from_the_paired_device() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
    assert!(matches!(
        monitor.push_frame("AA:BB", &frame(0), 0),
        Err(MonitorError::NoPairedDevice)
    ));
    monitor
        .store()
        .pair_device(&PairedDevice {
            id: "AA:BB".into(),
            name: "TwitchWatch band".into(),
            protocol: DeviceProtocol::TwitchWatchV1,
            sample_rate_hz: 100,
            with_gyro: false,
            paired_at_ms: 0,
        })
        .unwrap();
    assert!(matches!(
        monitor.push_frame("CC:DD", &frame(0), 0),
        Err(MonitorError::Notification(
            ShellError::NotPairedDevice { .. }
        ))
    ));
    let t0 = 1_700_000_000_000_000i64;
    for seq in 0..20u16 {
        monitor
            .push_frame("AA:BB", &frame(seq), t0 + i64::from(seq + 1) * 100_000)
            .unwrap();
    }
    // A malformed frame is a typed error, counted, and the stream goes on.
    let err = monitor.push_frame("AA:BB", &[1, 2, 3], t0).unwrap_err();
    assert!(err.to_string().contains("too short"), "{err}");
    monitor
        .push_frame("AA:BB", &frame(20), t0 + 2_100_000)
        .unwrap();
    let stats = monitor.stream_stats();
    assert_eq!(stats.frames_ok, 21);
    assert_eq!(stats.frames_rejected, 1);
    assert_eq!(stats.samples_ok, 210);
    // Battery notifications reach the listeners; a bad one is an error, not a crash.
    let rec = Arc::new(Recorder::default());
    monitor.add_listener(rec.clone());
    monitor
        .push_notification("AA:BB", "2a19", &[77], t0)
        .unwrap();
    assert!(monitor
        .push_notification("AA:BB", "2a19", &[200], t0)
        .is_err());
    assert!(monitor
        .push_notification("AA:BB", "not-a-uuid", &[1], t0)
        .is_err());
    assert_eq!(*rec.battery.lock().unwrap(), vec![77]);
}

#[test]
fn a_running_session_does_the_daily_housekeeping_itself() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
    let now = twitchwatch_app::monitor::now_ms();
    let old = MotorEvent {
        kind: MotorEventKind::Fasciculation,
        start_ms: now - 40 * 86_400_000,
        end_ms: now - 40 * 86_400_000 + 50,
        peak_accel_g: 0.01,
        dominant_freq_hz: None,
        confidence: 0.9,
    };
    monitor.store().put_events(&[old]).unwrap();
    let mut settings = monitor.store().settings().unwrap();
    settings.retention_days = Some(30);
    monitor.store().set_settings(&settings).unwrap();
    simulate(&monitor, "rest", 65.0);
    let left = monitor
        .store()
        .events_in_range(i64::MIN, now - 30 * 86_400_000)
        .unwrap();
    assert!(
        left.is_empty(),
        "retention applied by the session: {left:?}"
    );
}

/// A listener that stops the session from inside a callback (e.g. "stop after the first tremor").
struct StopOnFirstEvent {
    monitor: Mutex<Option<Monitor>>,
}

impl MonitorListener for StopOnFirstEvent {
    fn on_minute(&self, _m: &MinuteSummary) {
        if let Some(m) = self.monitor.lock().unwrap().take() {
            m.stop();
        }
    }
}

#[test]
fn a_listener_can_stop_the_session_from_its_own_callback() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
    monitor.add_listener(Arc::new(StopOnFirstEvent {
        monitor: Mutex::new(Some(monitor.clone())),
    }));
    let rec = Arc::new(Recorder::default());
    monitor.add_listener(rec.clone());
    start_simulated(
        &monitor,
        SimulatedSession {
            scenario: "rest".into(),
            duration_s: Some(3600.0),
            speed: 0.0,
            ..Default::default()
        },
    )
    .unwrap();
    // The stop is asked from the session thread itself; the session must still end and report.
    for _ in 0..600 {
        if rec.ended.lock().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (summary, _) = rec
        .ended
        .lock()
        .unwrap()
        .clone()
        .expect("the session ended");
    assert!(summary.minutes < 60, "stopped early: {summary:?}");
}

/// A simulated session of `duration_s` that ends at `end_ms` (as fast as the machine can).
fn simulate_ending_at(monitor: &Monitor, seed: u64, duration_s: f32, end_ms: i64) {
    let options = SimulatedSession {
        scenario: "twitches".into(),
        duration_s: Some(duration_s),
        speed: 0.0,
        config: twitchwatch_lab::simulator::SimConfig {
            seed,
            ..Default::default()
        },
    };
    let wearable = SimulatedWearable::live(&options, end_ms).unwrap();
    monitor.start_replay(Box::new(wearable), 0.0).unwrap();
    monitor.wait();
}

/// Two short sessions inside one wall-clock minute (a monitor stopped and started again, or an
/// app killed and relaunched): the minute holds both, and its counts match the stored events.
#[test]
fn two_sessions_in_one_wall_clock_minute_add_up_instead_of_replacing_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).unwrap();
    let minute_ms = (now_ms() / 60_000 - 3) * 60_000;
    simulate_ending_at(&monitor, 1, 15.0, minute_ms + 20_000);
    let store = monitor.store();
    let first = store
        .minutes_in_range(minute_ms, minute_ms + 60_000)
        .unwrap();
    assert_eq!(first.len(), 1, "{first:?}");
    simulate_ending_at(&monitor, 2, 15.0, minute_ms + 45_000);

    let minutes = store
        .minutes_in_range(minute_ms, minute_ms + 60_000)
        .unwrap();
    assert_eq!(minutes.len(), 1, "{minutes:?}");
    let m = &minutes[0];
    assert!(
        m.samples_received >= 2 * first[0].samples_received - 400,
        "the second session replaced the first: {} samples after, {} after the first",
        m.samples_received,
        first[0].samples_received
    );
    assert!(m.twitch_count >= first[0].twitch_count);
    let twitches = store
        .events_in_range(minute_ms, minute_ms + 60_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == MotorEventKind::Fasciculation)
        .count() as u32;
    assert!(twitches > 0, "the scenario should twitch in 30 s");
    assert_eq!(m.twitch_count, twitches, "{m:?}");
    assert!((m.wear.at_rest + m.wear.moving - 0.5).abs() < 0.05, "{m:?}");
    let tz = store.time_zone();
    let day = twitchwatch_store::local_date(&tz, minute_ms);
    let summary = &store.daily_summaries(day, day, &tz).unwrap()[0];
    assert_eq!(summary.minutes_recorded, 1);
    assert_eq!(summary.twitch_count, twitches);
    assert_eq!(summary.samples_received, u64::from(m.samples_received));

    // The same session streamed again (a replayed recording) changes nothing.
    simulate_ending_at(&monitor, 2, 15.0, minute_ms + 45_000);
    assert_eq!(
        store
            .minutes_in_range(minute_ms, minute_ms + 60_000)
            .unwrap(),
        minutes
    );
    assert_eq!(&store.daily_summaries(day, day, &tz).unwrap()[0], summary);
}

//! Crash consistency, measured: a child process monitors the built-in simulated wearable into an
//! encrypted store (session after session, some sharing a wall-clock minute), is killed with SIGKILL
//! at a random moment, and the store is reopened and checked. Repeated for `TWITCHWATCH_KILL_CYCLES`
//! cycles (default 4; README "Measured figures" has the command for 1,000).
//!
//! What the child prints is what it knows: `frame T` before a frame is ingested (so the data ends
//! at or before the last one printed), and the monitor's events and minutes, which listeners get
//! only after the store wrote them; a minute is also flushed before it is delivered, so every line
//! printed before the last minute (or session end) line of a cycle was acknowledged as on disk.
//!
//! After each kill the store must open; every acknowledged event and minute must be there (a
//! minute at least as large as what was acknowledged of it); no minute may hold more samples than a
//! minute has (nothing counted twice); each day's roll-up must equal its minutes; and no day's
//! counts, nor the number of events and minutes, may go down from one cycle to the next.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use twitchwatch_app::monitor::{
    now_ms, Monitor, MonitorError, MonitorListener, MonitorSettings, SessionSummary,
};
use twitchwatch_device::replay::{ArrivedFrame, FrameSource};
use twitchwatch_lab::simulator::{SimConfig, SimulatedSession, SimulatedWearable};
use twitchwatch_model::{MinuteSummary, MotorEvent, MotorEventKind};
use twitchwatch_store::{Settings, Store, StoreOptions};

const RATE_HZ: f32 = 100.0;
/// Simulated seconds per wall-clock second: a few minutes of data per cycle.
const SPEED: f32 = 300.0;
const SCENARIOS: [&str; 3] = ["twitches", "mixed", "tremor"];
/// The store is encrypted, as the shells open it: sealing is on the path a kill interrupts.
const CRASH_KEY: [u8; 32] = [0x42; 32];

fn keyed() -> StoreOptions {
    StoreOptions {
        data_key: Some(twitchwatch_store::DataKey::from_bytes(CRASH_KEY)),
        ..StoreOptions::default()
    }
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn kind_code(kind: MotorEventKind) -> u8 {
    match kind {
        MotorEventKind::Fasciculation => 0,
        MotorEventKind::Tremor => 1,
        MotorEventKind::Spasm => 2,
    }
}

/// Prints every line at once (stdout is line-buffered), so a kill loses no printed line.
struct Printer;

fn say(line: String) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

impl MonitorListener for Printer {
    fn on_event(&self, e: &MotorEvent) {
        say(format!("event {} {}", kind_code(e.kind), e.start_ms));
    }
    fn on_minute(&self, m: &MinuteSummary) {
        say(format!(
            "minute {} {} {}",
            m.minute_start_ms, m.twitch_count, m.samples_received
        ));
    }
    fn on_session_end(&self, _summary: &SessionSummary, error: Option<&MonitorError>) {
        let error = error.map_or_else(|| "-".to_string(), MonitorError::to_string);
        say(format!("end {error}"));
    }
}

/// The simulated wearable, announcing each frame's time before the monitor gets it.
struct Announcing {
    inner: SimulatedWearable,
    last_ms: Arc<AtomicI64>,
}

impl FrameSource for Announcing {
    fn start_ms(&self) -> i64 {
        self.inner.start_ms()
    }
    fn duration_ms(&self) -> i64 {
        self.inner.duration_ms()
    }
    fn next_frame(&mut self) -> Option<ArrivedFrame> {
        let frame = self.inner.next_frame()?;
        let ms = frame.arrival_us.div_euclid(1000);
        self.last_ms.store(ms, Ordering::SeqCst);
        say(format!("frame {ms}"));
        Some(frame)
    }
}

/// Child half: sessions back to back from `TWITCHWATCH_CRASH_START` ms until it is killed.
/// Does nothing unless started by `monitoring_survives_sigkill_at_random_moments`.
#[test]
fn crash_monitor_child() {
    let Some(dir) = std::env::var_os("TWITCHWATCH_CRASH_DIR") else {
        return;
    };
    let env_i64 = |name: &str| -> i64 {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    let mut start_ms = env_i64("TWITCHWATCH_CRASH_START");
    let mut rng = XorShift(env_i64("TWITCHWATCH_CRASH_SEED") as u64 | 1);
    let monitor =
        Monitor::open_encrypted(Path::new(&dir), CRASH_KEY, MonitorSettings::default()).unwrap();
    monitor.add_listener(Arc::new(Printer));
    let last_ms = Arc::new(AtomicI64::new(start_ms));
    for session in 0.. {
        let duration_s = 20 + rng.below(220) as i64;
        let options = SimulatedSession {
            scenario: SCENARIOS[session % SCENARIOS.len()].into(),
            duration_s: Some(duration_s as f32),
            speed: SPEED,
            config: SimConfig {
                seed: rng.next(),
                sample_rate_hz: RATE_HZ,
                ..SimConfig::default()
            },
        };
        // `live` ends the clock at its "now" when played at `speed`; this "now" starts it at start_ms.
        let duration_ms = duration_s * 1000;
        let now = start_ms + duration_ms - (duration_ms as f64 / f64::from(SPEED)) as i64;
        let inner = SimulatedWearable::live(&options, now).unwrap();
        let source = Announcing {
            inner,
            last_ms: last_ms.clone(),
        };
        monitor.start_replay(Box::new(source), SPEED).unwrap();
        monitor.wait();
        // Often inside the minute the last session ended in, so the two share it.
        start_ms = last_ms.load(Ordering::SeqCst) + 1_000 + rng.below(40_000) as i64;
    }
}

/// What one killed child had acknowledged.
#[derive(Default)]
struct Cycle {
    last_frame_ms: Option<i64>,
    events: Vec<(u8, i64)>,
    /// minute start → (twitches, samples) of this cycle's acknowledged parts.
    minutes: Vec<(i64, u32, u32)>,
}

fn run_cycle(dir: &Path, start_ms: i64, seed: u64, kill_after_ms: u64) -> Cycle {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "crash::crash_monitor_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TWITCHWATCH_CRASH_DIR", dir)
        .env("TWITCHWATCH_CRASH_START", start_ms.to_string())
        .env("TWITCHWATCH_CRASH_SEED", seed.to_string())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => lines.lock().unwrap().push(l),
                    Err(_) => break,
                }
            }
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(kill_after_ms));
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    let lines = std::mem::take(&mut *lines.lock().unwrap());

    let mut cycle = Cycle::default();
    let mut pending_events = Vec::new();
    let mut pending_minutes = Vec::new();
    for line in &lines {
        let mut words = line.split_whitespace();
        let word = words.next().unwrap_or_default();
        let mut num = || -> i64 { words.next().and_then(|w| w.parse().ok()).unwrap_or(0) };
        match word {
            "frame" => {
                let t = num();
                cycle.last_frame_ms = Some(cycle.last_frame_ms.map_or(t, |l| l.max(t)));
            }
            "event" => {
                let kind = num() as u8;
                pending_events.push((kind, num()));
            }
            "minute" => {
                let (start, twitches, samples) = (num(), num() as u32, num() as u32);
                pending_minutes.push((start, twitches, samples));
                // Flushed before it was delivered: it and every earlier line are on disk.
                cycle.events.append(&mut pending_events);
                cycle.minutes.append(&mut pending_minutes);
            }
            "end" => {
                cycle.events.append(&mut pending_events);
                cycle.minutes.append(&mut pending_minutes);
            }
            _ => {}
        }
    }
    cycle
}

/// What the store showed after the previous kill, to check nothing went backwards.
#[derive(Default)]
struct Seen {
    events: usize,
    minutes: usize,
    days: BTreeMap<jiff::civil::Date, (u32, u32, u64)>,
}

fn check_store(
    dir: &Path,
    acked_events: &BTreeSet<(u8, i64)>,
    acked_minutes: &BTreeMap<i64, (u64, u64)>,
    seen: &mut Seen,
    failures: &mut Vec<String>,
    cycle: usize,
) {
    let store = match Store::open(dir, keyed()) {
        Ok(s) => s,
        Err(e) => {
            failures.push(format!("cycle {cycle}: the store did not open: {e}"));
            return;
        }
    };
    let mut fail = |what: String| failures.push(format!("cycle {cycle}: {what}"));
    let events = store.events_in_range(i64::MIN, i64::MAX).unwrap();
    let minutes = store.minutes_in_range(i64::MIN, i64::MAX).unwrap();
    let stored_events: BTreeSet<(u8, i64)> = events
        .iter()
        .map(|e| (kind_code(e.kind), e.start_ms))
        .collect();
    if let Some(lost) = acked_events.difference(&stored_events).next() {
        fail(format!(
            "an acknowledged event is missing: {lost:?} ({} of {} missing)",
            acked_events.difference(&stored_events).count(),
            acked_events.len()
        ));
    }
    let by_start: BTreeMap<i64, &MinuteSummary> =
        minutes.iter().map(|m| (m.minute_start_ms, m)).collect();
    for (start, (twitches, samples)) in acked_minutes {
        match by_start.get(start) {
            None => fail(format!("an acknowledged minute is missing: {start}")),
            Some(m) if u64::from(m.samples_received) < *samples => fail(format!(
                "minute {start} holds {} samples, {samples} were acknowledged",
                m.samples_received
            )),
            Some(m) if u64::from(m.twitch_count) < *twitches => fail(format!(
                "minute {start} counts {} twitches, {twitches} were acknowledged",
                m.twitch_count
            )),
            Some(_) => {}
        }
    }
    let one_minute = (60.0 * RATE_HZ * 1.02) as u32 + 20;
    for m in &minutes {
        if m.samples_received > one_minute {
            fail(format!(
                "minute {} holds {} samples, more than a minute has: counted twice",
                m.minute_start_ms, m.samples_received
            ));
        }
    }
    if events.len() < seen.events || minutes.len() < seen.minutes {
        fail(format!(
            "history shrank: {} events and {} minutes, after {} and {}",
            events.len(),
            minutes.len(),
            seen.events,
            seen.minutes
        ));
    }
    let tz = store.time_zone();
    if let (Some(first), Some(last)) = (minutes.first(), minutes.last()) {
        let from = twitchwatch_store::local_date(&tz, first.minute_start_ms);
        let to = twitchwatch_store::local_date(&tz, last.minute_start_ms);
        for day in store.daily_summaries(from, to, &tz).unwrap() {
            let of_day: Vec<&MinuteSummary> = minutes
                .iter()
                .filter(|m| twitchwatch_store::local_date(&tz, m.minute_start_ms) == day.date)
                .collect();
            let twitches: u32 = of_day.iter().map(|m| m.twitch_count).sum();
            if day.twitch_count != twitches || day.minutes_recorded as usize != of_day.len() {
                fail(format!(
                    "{}: the day counts {} twitches in {} minutes, its minutes {twitches} in {}",
                    day.date,
                    day.twitch_count,
                    day.minutes_recorded,
                    of_day.len()
                ));
            }
            let now = (day.twitch_count, day.minutes_recorded, day.samples_received);
            if let Some(before) = seen.days.get(&day.date) {
                if now.0 < before.0 || now.1 < before.1 || now.2 < before.2 {
                    fail(format!(
                        "{}: (twitches, minutes, samples) went from {before:?} to {now:?}",
                        day.date
                    ));
                }
            }
            seen.days.insert(day.date, now);
        }
    }
    seen.events = events.len();
    seen.minutes = minutes.len();
}

#[test]
fn monitoring_survives_sigkill_at_random_moments() {
    let cycles: usize = std::env::var("TWITCHWATCH_KILL_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let seed: u64 = std::env::var("TWITCHWATCH_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| now_ms() as u64);
    let mut rng = XorShift(seed | 1);
    let dir = tempfile::tempdir().unwrap();
    Store::open(dir.path(), keyed())
        .unwrap()
        .set_settings(&Settings {
            time_zone: Some("UTC".into()),
            ..Settings::default()
        })
        .unwrap();
    // Far enough back that even 1,000 cycles of a few simulated minutes stay in the past.
    let mut start_ms = now_ms() - 20 * 86_400_000;
    let mut acked_events = BTreeSet::new();
    let mut acked_minutes: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    let mut parts: BTreeMap<i64, usize> = BTreeMap::new();
    let mut seen = Seen::default();
    let mut failures = Vec::new();
    for cycle in 0..cycles {
        let kill_after_ms = 300 + rng.below(2_500);
        let c = run_cycle(dir.path(), start_ms, rng.next(), kill_after_ms);
        acked_events.extend(c.events.iter().copied());
        for (start, twitches, samples) in &c.minutes {
            let sum = acked_minutes.entry(*start).or_default();
            sum.0 += u64::from(*twitches);
            sum.1 += u64::from(*samples);
            *parts.entry(*start).or_default() += 1;
        }
        check_store(
            dir.path(),
            &acked_events,
            &acked_minutes,
            &mut seen,
            &mut failures,
            cycle,
        );
        if cycle % 100 == 99 {
            eprintln!("{} cycles, {} failures so far", cycle + 1, failures.len());
        }
        if let Some(last) = c.last_frame_ms {
            // After everything the child may have ingested; sometimes still in its last minute.
            start_ms = last + 1_000 + rng.below(40_000) as i64;
        }
    }
    let shared = parts.values().filter(|&&n| n > 1).count();
    eprintln!(
        "SIGKILL cycles: {cycles}, failures: {}; acknowledged: {} events, {} minutes ({shared} shared by sessions); \
         stored: {} events, {} minutes (seed {seed})",
        failures.len(),
        acked_events.len(),
        acked_minutes.len(),
        seen.events,
        seen.minutes
    );
    assert!(
        failures.is_empty(),
        "{} failures (seed {seed}); first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(
        !acked_minutes.is_empty(),
        "no cycle got as far as a stored minute"
    );
}

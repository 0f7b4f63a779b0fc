//! The sled store on disk: reopen, schema checks, corruption handling, crash safety, day rollups,
//! retention, devices and settings.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use twitchwatch_model::{
    DeviceProtocol, MinuteSummary, MotorEvent, MotorEventKind, PairedDevice, TremorFractions,
    WearFractions,
};
use twitchwatch_store::{
    CorruptRecordPolicy, SessionId, Settings, Store, StoreError, StoreOptions,
};

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn twitch(start_ms: i64) -> MotorEvent {
    MotorEvent {
        kind: MotorEventKind::Fasciculation,
        start_ms,
        end_ms: start_ms + 40,
        peak_accel_g: 0.012,
        dominant_freq_hz: None,
        confidence: 0.8,
    }
}

fn tremor(start_ms: i64, seconds: i64) -> MotorEvent {
    MotorEvent {
        kind: MotorEventKind::Tremor,
        start_ms,
        end_ms: start_ms + seconds * 1000,
        peak_accel_g: 0.1,
        dominant_freq_hz: Some(5.5),
        confidence: 0.9,
    }
}

fn minute(start_ms: i64, twitches: u32, tremor_fraction: f32) -> MinuteSummary {
    MinuteSummary {
        minute_start_ms: start_ms,
        tremor: TremorFractions {
            none: 1.0 - tremor_fraction,
            mild: tremor_fraction,
            ..Default::default()
        },
        wear: WearFractions {
            at_rest: 0.75,
            moving: 0.25,
            ..Default::default()
        },
        twitch_count: twitches,
        spasm_seconds: 0.5,
        tremor_events: 0,
        samples_received: 6000,
        samples_lost: 3,
    }
}

fn utc_store(dir: &Path) -> Store {
    let store = Store::open(dir, StoreOptions::default()).expect("open store");
    store
        .set_settings(&Settings {
            time_zone: Some("UTC".into()),
            ..Settings::default()
        })
        .expect("set zone");
    store
}

#[test]
fn reopen_after_drop_keeps_every_flushed_event_and_minute() {
    let dir = tempfile::tempdir().unwrap();
    let events: Vec<_> = (0..500).map(|i| twitch(T0 + i * 1_000)).collect();
    let minutes: Vec<_> = (0..60).map(|i| minute(T0 + i * 60_000, 3, 0.1)).collect();
    {
        let store = utc_store(dir.path());
        store.put_events(&events).unwrap();
        store.put_minutes(&minutes).unwrap();
        store.flush().unwrap();
    }
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(store.events_in_range(i64::MIN, i64::MAX).unwrap(), events);
    assert_eq!(store.minutes_in_range(T0, T0 + 3_600_000).unwrap(), minutes);
    assert_eq!(store.time_zone_name(), "UTC");
    // Half-open range: an event starting exactly at `to` is excluded.
    assert_eq!(store.events_in_range(T0, T0 + 10_000).unwrap().len(), 10);
}

#[test]
fn reinserting_the_same_events_and_minutes_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let store = utc_store(dir.path());
    let events: Vec<_> = (0..50).map(|i| twitch(T0 + i * 1_000)).collect();
    let minutes: Vec<_> = (0..10).map(|i| minute(T0 + i * 60_000, 5, 0.0)).collect();
    for _ in 0..3 {
        store.put_events(&events).unwrap();
        store.put_minutes(&minutes).unwrap();
    }
    assert_eq!(store.events_in_range(i64::MIN, i64::MAX).unwrap().len(), 50);
    let day = jiff::civil::date(2026, 1, 1);
    let summary = &store
        .daily_summaries(day, day, &jiff::tz::TimeZone::UTC)
        .unwrap()[0];
    assert_eq!(
        summary.twitch_count, 50,
        "replayed minutes must not double count"
    );
    assert_eq!(summary.minutes_recorded, 10);
    // A replaced minute with a different count updates the day exactly.
    store.put_minutes(&[minute(T0, 0, 0.0)]).unwrap();
    let summary = &store
        .daily_summaries(day, day, &jiff::tz::TimeZone::UTC)
        .unwrap()[0];
    assert_eq!(summary.twitch_count, 45);
}

/// What a session that covered `seconds` of the minute at `start_ms` at rest recorded.
fn partial_minute(start_ms: i64, seconds: f32, twitches: u32) -> MinuteSummary {
    let covered = seconds / 60.0;
    MinuteSummary {
        minute_start_ms: start_ms,
        tremor: TremorFractions {
            unknown: 1.0 - covered,
            none: covered,
            ..Default::default()
        },
        wear: WearFractions {
            at_rest: covered,
            no_data: 1.0 - covered,
            ..Default::default()
        },
        twitch_count: twitches,
        spasm_seconds: 0.0,
        tremor_events: 0,
        samples_received: (seconds * 200.0) as u32,
        samples_lost: 0,
    }
}

#[test]
fn sessions_sharing_a_minute_merge_and_the_day_never_shrinks() {
    let dir = tempfile::tempdir().unwrap();
    let store = utc_store(dir.path());
    let day = jiff::civil::date(2026, 1, 1);
    let summary = |store: &Store| {
        store
            .daily_summaries(day, day, &jiff::tz::TimeZone::UTC)
            .unwrap()
            .remove(0)
    };
    let (a, b) = (SessionId(11), SessionId(12));
    store
        .put_session_minutes(a, &[partial_minute(T0, 15.0, 2)])
        .unwrap();
    let after_a = summary(&store);
    store
        .put_session_minutes(b, &[partial_minute(T0, 15.0, 1)])
        .unwrap();
    let after_b = summary(&store);
    assert_eq!(after_b.twitch_count, 3);
    assert_eq!(after_b.samples_received, 6000);
    assert_eq!(after_b.minutes_recorded, 1);
    assert!((after_b.worn_minutes - 0.5).abs() < 1e-3, "{after_b:?}");
    assert!(after_b.twitch_count >= after_a.twitch_count);
    assert!(after_b.worn_minutes >= after_a.worn_minutes);
    let minutes = store.minutes_in_range(T0, T0 + 60_000).unwrap();
    assert_eq!(minutes.len(), 1);
    assert_eq!(minutes[0].samples_received, 6000);
    assert!((minutes[0].wear.no_data - 0.5).abs() < 1e-6);
    // Either session written again (a replay) changes nothing.
    for _ in 0..3 {
        store
            .put_session_minutes(b, &[partial_minute(T0, 15.0, 1)])
            .unwrap();
        store
            .put_session_minutes(a, &[partial_minute(T0, 15.0, 2)])
            .unwrap();
    }
    assert_eq!(summary(&store), after_b);
    assert_eq!(store.minutes_in_range(T0, T0 + 60_000).unwrap(), minutes);
    // A rebuilt rollup agrees with the incremental one.
    store
        .set_settings(&Settings {
            time_zone: Some("Europe/Berlin".into()),
            ..Settings::default()
        })
        .unwrap();
    drop(store);
    let store = utc_store(dir.path());
    assert_eq!(summary(&store), after_b);
}

#[test]
fn a_store_written_before_sessions_were_told_apart_opens_and_merges_new_sessions() {
    let dir = tempfile::tempdir().unwrap();
    drop(utc_store(dir.path()));
    let old_minute = partial_minute(T0, 15.0, 2);
    {
        // Schema 1: a minute was a bare, version-1 `MinuteSummary`.
        let db = raw_sled(dir.path());
        let meta = db.open_tree("meta").unwrap();
        meta.insert(b"schema_version", &1u32.to_be_bytes()).unwrap();
        let mut value = vec![1u8];
        value.extend(postcard::to_stdvec(&old_minute).unwrap());
        let key = ((T0 as u64) ^ (1u64 << 63)).to_be_bytes();
        db.open_tree("minutes").unwrap().insert(key, value).unwrap();
        db.open_tree("days").unwrap().clear().unwrap();
        meta.remove(b"rollup_time_zone").unwrap();
        db.flush().unwrap();
    }
    std::fs::remove_file(dir.path().join("twitchwatch-store.json")).unwrap();
    let store = utc_store(dir.path());
    assert_eq!(
        store.minutes_in_range(T0, T0 + 60_000).unwrap(),
        vec![old_minute]
    );
    store
        .put_session_minutes(SessionId(5), &[partial_minute(T0, 15.0, 1)])
        .unwrap();
    let merged = store.minutes_in_range(T0, T0 + 60_000).unwrap();
    assert_eq!(merged[0].twitch_count, 3);
    drop(store);
    let db = raw_sled(dir.path());
    let schema = db
        .open_tree("meta")
        .unwrap()
        .get(b"schema_version")
        .unwrap();
    assert_eq!(
        schema.as_deref(),
        Some(&twitchwatch_store::PLAINTEXT_SCHEMA_VERSION.to_be_bytes()[..]),
        "the store is marked with the current plaintext schema, so an older build refuses it"
    );
}

#[test]
fn invalid_input_is_rejected_and_nothing_from_the_batch_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = utc_store(dir.path());
    let mut bad = twitch(T0 + 5_000);
    bad.end_ms = bad.start_ms - 1;
    let err = store.put_events(&[twitch(T0), bad]).unwrap_err();
    assert!(
        matches!(err, StoreError::InvalidInput { index: 1, .. }),
        "{err}"
    );
    assert!(store
        .events_in_range(i64::MIN, i64::MAX)
        .unwrap()
        .is_empty());
    let mut nan = minute(T0, 1, 0.0);
    nan.spasm_seconds = f32::NAN;
    assert!(matches!(
        store.put_minutes(&[nan]).unwrap_err(),
        StoreError::InvalidInput { .. }
    ));
}

#[test]
fn daily_summaries_follow_local_days_across_a_dst_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    store
        .set_settings(&Settings {
            time_zone: Some("Europe/Berlin".into()),
            ..Settings::default()
        })
        .unwrap();
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    // 2026-03-29 is 23 hours long in Berlin. One minute with one twitch every local hour.
    let start = jiff::civil::date(2026, 3, 28)
        .to_zoned(berlin.clone())
        .unwrap()
        .timestamp()
        .as_millisecond();
    let minutes: Vec<_> = (0..72)
        .map(|h| minute(start + h * 3_600_000, 1, 0.5))
        .collect();
    store.put_minutes(&minutes).unwrap();
    store
        .put_events(&[tremor(start + 86_400_000 + 3_600_000, 30)])
        .unwrap();
    let days = store
        .daily_summaries(
            jiff::civil::date(2026, 3, 27),
            jiff::civil::date(2026, 3, 31),
            &berlin,
        )
        .unwrap();
    let counts: Vec<u32> = days.iter().map(|d| d.twitch_count).collect();
    assert_eq!(counts, vec![0, 24, 23, 24, 1]);
    assert_eq!(days[2].tremor_episodes, 1);
    assert!((days[2].tremor_episode_seconds - 30.0).abs() < 1e-3);
    assert!((days[1].tremor_minutes - 12.0).abs() < 1e-3);
    assert!((days[1].worn_minutes - 24.0).abs() < 1e-3);
    // Asking in another zone aggregates minutes directly and regroups them.
    let utc = store
        .daily_summaries(
            jiff::civil::date(2026, 3, 27),
            jiff::civil::date(2026, 3, 31),
            &jiff::tz::TimeZone::UTC,
        )
        .unwrap();
    let utc_counts: Vec<u32> = utc.iter().map(|d| d.twitch_count).collect();
    assert_eq!(utc_counts.iter().sum::<u32>(), 72);
    assert_eq!(utc_counts, vec![1, 24, 24, 23, 0]);
    // Changing the zone rebuilds the rollup; its answer matches the direct aggregation.
    store
        .set_settings(&Settings {
            time_zone: Some("UTC".into()),
            ..Settings::default()
        })
        .unwrap();
    let rebuilt = store
        .daily_summaries(
            jiff::civil::date(2026, 3, 27),
            jiff::civil::date(2026, 3, 31),
            &jiff::tz::TimeZone::UTC,
        )
        .unwrap();
    assert_eq!(rebuilt, utc);
}

/// Opens the store's sled files directly (to damage them), waiting for the previous handle's
/// flusher thread to release the lock.
fn raw_sled(dir: &Path) -> sled::Db {
    for _ in 0..100 {
        match sled::open(dir) {
            Ok(db) => return db,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
    sled::open(dir).unwrap()
}

fn write_schema_version(dir: &Path, version: u32) {
    let db = raw_sled(dir);
    db.open_tree("meta")
        .unwrap()
        .insert(b"schema_version", &version.to_be_bytes())
        .unwrap();
    db.flush().unwrap();
}

#[test]
fn a_store_from_a_newer_version_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = utc_store(dir.path());
        store.put_events(&[twitch(T0)]).unwrap();
        store.flush().unwrap();
    }
    // Newer sled-side schema record.
    write_schema_version(dir.path(), 99);
    match Store::open(dir.path(), StoreOptions::default()) {
        Err(StoreError::NewerSchema {
            found, supported, ..
        }) => {
            assert_eq!(found, 99);
            assert_eq!(supported, twitchwatch_store::STORE_SCHEMA_VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    // Newer sidecar: refused before the storage engine opens anything.
    std::fs::write(
        dir.path().join("twitchwatch-store.json"),
        br#"{"schema_version":7,"flush_generation":1}"#,
    )
    .unwrap();
    let err = Store::open(dir.path(), StoreOptions::default()).unwrap_err();
    assert!(
        matches!(err, StoreError::NewerSchema { found: 7, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("update TwitchWatch"), "{err}");
}

#[test]
fn a_damaged_store_file_is_a_clear_error_not_a_panic_or_silent_loss() {
    for damage in ["overwrite_db", "truncate_db", "garbage_conf"] {
        let dir = tempfile::tempdir().unwrap();
        let store_dir = dir.path().join("store");
        {
            let store = utc_store(&store_dir);
            let events: Vec<_> = (0..2000).map(|i| twitch(T0 + i * 1_000)).collect();
            store.put_events(&events).unwrap();
            store.flush().unwrap();
        }
        let db_file = store_dir.join("db");
        match damage {
            "overwrite_db" => {
                let len = std::fs::metadata(&db_file).unwrap().len() as usize;
                std::fs::write(&db_file, vec![0xAB; len]).unwrap();
            }
            "truncate_db" => {
                let bytes = std::fs::read(&db_file).unwrap();
                std::fs::write(&db_file, &bytes[..100]).unwrap();
            }
            _ => std::fs::write(store_dir.join("conf"), b"not a config").unwrap(),
        }
        let err = Store::open(&store_dir, StoreOptions::default()).unwrap_err();
        assert!(
            matches!(err, StoreError::Corrupt { .. }),
            "{damage}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(&store_dir.display().to_string()), "{msg}");
        assert!(msg.contains("move that folder aside"), "{msg}");
        // Still refused on a second attempt: the damage is not "healed" into an empty store.
        assert!(Store::open(&store_dir, StoreOptions::default()).is_err());
    }
}

#[test]
fn a_data_folder_that_is_a_file_is_named_as_such_not_as_a_corrupt_store() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, b"my own notes").unwrap();
    let err = Store::open(&file, StoreOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::NotADirectory { .. }), "{err:?}");
    assert!(err.to_string().contains("is a file, not a folder"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"my own notes");
}

#[test]
fn a_read_only_open_of_a_missing_store_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        create_if_missing: false,
        ..StoreOptions::default()
    };
    let missing = dir.path().join("never-created");
    let err = Store::open(&missing, options.clone()).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(!missing.exists(), "a read-only open created the folder");
    // An empty folder is no store either, and stays empty.
    let err = Store::open(dir.path(), options.clone()).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // Once a store exists, the same options open it.
    drop(utc_store(&missing));
    Store::open(&missing, options).unwrap();
}

#[cfg(unix)]
#[test]
fn the_store_folder_and_its_files_are_private_to_the_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("data");
    {
        let store = utc_store(&store_dir);
        store.put_events(&[twitch(T0)]).unwrap();
        store.flush().unwrap();
    }
    // A folder that already existed with open permissions is tightened on open too.
    std::fs::set_permissions(&store_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    drop(Store::open(&store_dir, StoreOptions::default()).unwrap());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&store_dir), 0o700);
    let files = snapshot_files(&store_dir);
    assert!(files.contains_key(Path::new("db")), "{:?}", files.keys());
    for name in files.keys() {
        assert_eq!(mode(&store_dir.join(name)), 0o600, "{}", name.display());
    }
}

#[test]
fn a_record_corrupted_in_place_names_tree_and_key_and_the_rest_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    let events: Vec<_> = (0..100).map(|i| twitch(T0 + i * 1_000)).collect();
    {
        let store = utc_store(dir.path());
        store.put_events(&events).unwrap();
        store.flush().unwrap();
    }
    {
        // Damage the value of the 43rd event directly in sled.
        let db = raw_sled(dir.path());
        let tree = db.open_tree("events").unwrap();
        let (key, _) = tree.iter().nth(42).unwrap().unwrap();
        tree.insert(key, &[1u8, 0xFF, 0xFF, 0xFF][..]).unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let read = store.events_in_range(i64::MIN, i64::MAX).unwrap();
    assert_eq!(read.len(), 99);
    assert!(!read.contains(&events[42]));
    assert_eq!(store.corrupt_records_skipped(), 1);
    let problems = store.check_integrity().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].tree, "events");
    assert!(
        problems[0].key.contains("2026-01-01T00:00:42Z"),
        "key should say which time: {}",
        problems[0].key
    );
    drop(store);

    let strict = Store::open(
        dir.path(),
        StoreOptions {
            on_corrupt_record: CorruptRecordPolicy::Fail,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    let err = strict.events_in_range(i64::MIN, i64::MAX).unwrap_err();
    match &err {
        StoreError::CorruptRecord { tree, key, .. } => {
            assert_eq!(*tree, "events");
            assert!(key.contains("00:00:42"));
        }
        other => panic!("expected CorruptRecord, got {other:?}"),
    }
    // Ranges that avoid the bad record still read in strict mode.
    assert_eq!(strict.events_in_range(T0, T0 + 42_000).unwrap().len(), 42);
    // A newer-version record is reported as such, not as garbage.
    drop(strict);
    {
        let db = raw_sled(dir.path());
        let tree = db.open_tree("events").unwrap();
        let (key, _) = tree.iter().nth(10).unwrap().unwrap();
        tree.insert(key, &[9u8, 1, 2][..]).unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let problems = store.check_integrity().unwrap();
    assert_eq!(problems.len(), 2);
    assert!(problems.iter().any(|p| p.reason.contains("newer")));
}

/// Child half of the crash test: writes minute batches forever, reporting each completed flush.
/// Does nothing unless started by `history_stays_readable_after_a_crash_mid_write`.
#[test]
fn crash_writer_child() {
    let Some(dir) = std::env::var_os("TWITCHWATCH_CRASH_CHILD_DIR") else {
        return;
    };
    let first: i64 = std::env::var("TWITCHWATCH_CRASH_FIRST_BATCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let store = Store::open(
        Path::new(&dir),
        StoreOptions {
            flush_every_ms: 1,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    for batch in first.. {
        let (events, minutes) = crash_batch(batch);
        store.put_events(&events).unwrap();
        store.put_minutes(&minutes).unwrap();
        store.flush().unwrap();
        println!("flushed {batch}");
    }
}

fn crash_batch(batch: i64) -> (Vec<MotorEvent>, Vec<MinuteSummary>) {
    let start = T0 + batch * 60_000;
    let events = (0..40).map(|i| twitch(start + i * 1_500)).collect();
    (events, vec![minute(start, 40, 0.0)])
}

fn run_child_until(dir: &Path, first_batch: i64, flushed_batches: i64) -> i64 {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "crash_writer_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TWITCHWATCH_CRASH_CHILD_DIR", dir)
        .env("TWITCHWATCH_CRASH_FIRST_BATCH", first_batch.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut last = -1;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(n) = line.trim().strip_prefix("flushed ") {
            last = n.parse().unwrap();
            if last >= first_batch + flushed_batches {
                // SIGKILL while the child is already writing the next batch.
                child.kill().unwrap();
                break;
            }
        }
    }
    child.wait().unwrap();
    assert!(last >= first_batch, "child never reported a flush");
    last
}

#[test]
fn history_stays_readable_after_a_crash_mid_write() {
    let dir = tempfile::tempdir().unwrap();
    drop(utc_store(dir.path()));
    let mut next = 0;
    for round in 0..3 {
        let last_flushed = run_child_until(dir.path(), next, 25 + round * 7);
        let store = Store::open(dir.path(), StoreOptions::default())
            .expect("store must reopen after SIGKILL");
        assert!(store.check_integrity().unwrap().is_empty());
        let events = store.events_in_range(i64::MIN, i64::MAX).unwrap();
        let minutes = store.minutes_in_range(i64::MIN, i64::MAX).unwrap();
        for batch in 0..=last_flushed {
            let (want_events, want_minutes) = crash_batch(batch);
            for e in &want_events {
                assert!(events.contains(e), "flushed event of batch {batch} lost");
            }
            assert!(minutes.contains(&want_minutes[0]));
        }
        // Unflushed batches may or may not be there, but never half of one: the day rollup
        // (written in the same transaction) agrees with the minutes that survived.
        let day = jiff::civil::date(2026, 1, 1);
        let summary = &store
            .daily_summaries(day, day, &jiff::tz::TimeZone::UTC)
            .unwrap()[0];
        let minute_twitches: u32 = minutes.iter().map(|m| m.twitch_count).sum();
        assert_eq!(summary.twitch_count, minute_twitches);
        assert_eq!(summary.minutes_recorded as usize, minutes.len());
        assert_eq!(events.len() % 40, 0, "an event batch was half written");
        next = minutes.len() as i64;
    }
}

#[test]
fn retention_compacts_old_days_into_their_daily_summaries_and_keeps_recent_ones_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = utc_store(dir.path());
    assert_eq!(store.apply_retention(T0 + 100 * 86_400_000).unwrap(), 0);
    for day in 0..40 {
        let start = T0 + day * 86_400_000 + 12 * 3_600_000;
        store.put_events(&[twitch(start)]).unwrap();
        store.put_minutes(&[minute(start, 1, 0.0)]).unwrap();
    }
    let err = store
        .set_settings(&Settings {
            retention_days: Some(2),
            time_zone: Some("UTC".into()),
            ..Settings::default()
        })
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::InvalidSetting {
            field: "retention_days",
            ..
        }
    ));
    store
        .set_settings(&Settings {
            retention_days: Some(30),
            time_zone: Some("UTC".into()),
            ..Settings::default()
        })
        .unwrap();
    // "Now" is day 39 at 08:00: keep day 9 onwards (days 0..=8 are gone).
    let now = T0 + 39 * 86_400_000 + 8 * 3_600_000;
    let removed = store.apply_retention(now).unwrap();
    assert_eq!(removed, 18);
    let events = store.events_in_range(i64::MIN, i64::MAX).unwrap();
    assert_eq!(events.len(), 31);
    assert_eq!(events[0].start_ms, T0 + 9 * 86_400_000 + 12 * 3_600_000);
    // The removed days live on as their daily summaries, also through a roll-up rebuild.
    let span = store.data_span().unwrap().unwrap();
    assert_eq!(span.first, jiff::civil::date(2026, 1, 1));
    store.rebuild_rollup().unwrap();
    let days = store
        .daily_summaries(
            jiff::civil::date(2026, 1, 1),
            jiff::civil::date(2026, 1, 12),
            &jiff::tz::TimeZone::UTC,
        )
        .unwrap();
    assert_eq!(days.len(), 12);
    assert!(
        days.iter().all(|d| d.twitch_count == 1),
        "every day, compacted or not, still counts its twitch: {days:?}"
    );
    assert!(store
        .minutes_in_range(i64::MIN, T0 + 9 * 86_400_000)
        .unwrap()
        .is_empty());
}

#[test]
fn data_span_finds_first_and_last_day_across_years() {
    let dir = tempfile::tempdir().unwrap();
    let store = utc_store(dir.path());
    assert_eq!(store.data_span().unwrap(), None);
    // 2025-12-31, 2026-01-01 and 2027-03-07 (noon UTC), inserted out of order.
    for day in [430, -1, 0] {
        store
            .put_events(&[twitch(T0 + day * 86_400_000 + 12 * 3_600_000)])
            .unwrap();
    }
    let span = store.data_span().unwrap().unwrap();
    assert_eq!(span.first, jiff::civil::date(2025, 12, 31));
    assert_eq!(span.last, jiff::civil::date(2027, 3, 7));
}

#[test]
fn raw_samples_are_not_kept_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let batch = twitchwatch_model::SensorBatch {
        first_sample_us: T0 * 1000,
        sample_rate_hz: 100.0,
        accel_g: vec![[0.0, 0.0, 1.0]; 10],
        gyro_dps: vec![],
        samples_lost_before: 0,
    };
    let store = Store::open(&dir.path().join("a"), StoreOptions::default()).unwrap();
    assert!(!store.put_raw_batch(&batch).unwrap());
    assert_eq!(store.counts().raw_batches, 0);
    let keep = Store::open(
        &dir.path().join("b"),
        StoreOptions {
            keep_raw_samples: true,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    assert!(keep.put_raw_batch(&batch).unwrap());
    assert_eq!(keep.counts().raw_batches, 1);
}

#[test]
fn devices_pair_forget_and_persist() {
    let dir = tempfile::tempdir().unwrap();
    let device = PairedDevice {
        id: "AA:BB:CC:DD:EE:FF".into(),
        name: "TwitchWatch band".into(),
        protocol: DeviceProtocol::TwitchWatchV1,
        sample_rate_hz: 400,
        with_gyro: true,
        paired_at_ms: T0,
    };
    {
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        assert_eq!(store.paired_device().unwrap(), None);
        store.pair_device(&device).unwrap();
    }
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(store.paired_device().unwrap(), Some(device.clone()));
    assert_eq!(store.forget_device().unwrap(), Some(device.clone()));
    assert_eq!(store.paired_device().unwrap(), None);
    assert_eq!(store.known_devices().unwrap(), vec![device.clone()]);
    assert!(store.remove_known_device(&device.id).unwrap());
    assert!(store.known_devices().unwrap().is_empty());
    let mut nameless = device;
    nameless.id = " ".into();
    assert!(store.pair_device(&nameless).is_err());
}

#[test]
fn settings_are_validated_and_persist() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let err = store
        .set_settings(&Settings {
            time_zone: Some("Mars/Olympus_Mons".into()),
            ..Settings::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("Mars/Olympus_Mons"), "{err}");
    let mut settings = Settings {
        time_zone: Some("America/New_York".into()),
        retention_days: Some(365),
        ..Settings::default()
    };
    settings
        .rule_params
        .insert("persistence.window_days".into(), 28.0);
    store.set_settings(&settings).unwrap();
    drop(store);
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(store.settings().unwrap(), settings);
    assert_eq!(store.time_zone_name(), "America/New_York");
    assert_eq!(store.retention_days().unwrap(), Some(365));
}

/// Every file under `dir` (relative path → bytes), to prove a failed open wrote nothing.
fn snapshot_files(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Damage `count` bytes of the used part of `db` at positions drawn from `seed`.
fn flip_bytes(db_file: &Path, seed: u64, count: usize) {
    let mut bytes = std::fs::read(db_file).unwrap();
    let used = bytes.iter().rposition(|&b| b != 0).unwrap_or(0) + 1;
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for _ in 0..count {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let at = (x % used as u64) as usize;
        bytes[at] ^= 0xA5;
    }
    std::fs::write(db_file, bytes).unwrap();
}

#[test]
fn a_failed_open_of_a_damaged_store_leaves_every_file_byte_identical() {
    let mut refused = 0;
    for seed in 1..=12u64 {
        let dir = tempfile::tempdir().unwrap();
        let store_dir = dir.path().join("store");
        {
            let store = utc_store(&store_dir);
            let events: Vec<_> = (0..3000).map(|i| twitch(T0 + i * 1_000)).collect();
            store.put_events(&events).unwrap();
            let minutes: Vec<_> = (0..50).map(|i| minute(T0 + i * 60_000, 3, 0.1)).collect();
            store.put_minutes(&minutes).unwrap();
            store.flush().unwrap();
        }
        // Let the dropped handle's flusher thread finish before taking the snapshot.
        drop(raw_sled(&store_dir));
        flip_bytes(&store_dir.join("db"), seed, 10);
        let before = snapshot_files(&store_dir);
        match Store::open(&store_dir, StoreOptions::default()) {
            Ok(_) => continue,
            Err(err) => {
                refused += 1;
                assert!(
                    matches!(err, StoreError::Corrupt { .. }),
                    "seed {seed}: {err:?}"
                );
                assert!(err.to_string().contains("move that folder aside"), "{err}");
            }
        }
        let after = snapshot_files(&store_dir);
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "seed {seed}: a failed open added or removed files"
        );
        for (name, bytes) in &before {
            assert!(
                after[name] == *bytes,
                "seed {seed}: a failed open changed {}",
                name.display()
            );
        }
    }
    assert!(refused > 0, "no damage pattern made the open fail");
}

#[test]
fn an_open_ended_daily_summary_range_is_refused_not_built() {
    let dir = tempfile::tempdir().unwrap();
    let store = utc_store(dir.path());
    let err = store
        .daily_summaries(
            jiff::civil::date(1900, 1, 1),
            jiff::civil::date(9999, 12, 31),
            &jiff::tz::TimeZone::UTC,
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::RangeTooLong { max, .. } if max == twitchwatch_store::DAILY_SUMMARY_DAYS_MAX),
        "{err:?}"
    );
    assert!(err.to_string().contains("shorter range"), "{err}");
    // Ten years is fine.
    let to = jiff::civil::date(2026, 1, 1);
    let from = to.checked_sub(jiff::Span::new().days(3652)).unwrap();
    let days = store
        .daily_summaries(from, to, &jiff::tz::TimeZone::UTC)
        .unwrap();
    assert_eq!(days.len(), 3653);
}

//! Encryption at rest, migration and deletion, as seen from the files: nothing health-related in
//! clear, a wrong or missing key changes nothing, the plaintext fixture migrates once (also when
//! killed half way), a key rotation killed half way finishes with either key, and deleted records
//! and stores are gone from the disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use twitchwatch_model::{
    DeviceProtocol, MinuteSummary, MotorEvent, MotorEventKind, PairedDevice, WearFractions,
};
use twitchwatch_store::{Collection, DataKey, Settings, Store, StoreError, StoreOptions};

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const NOTE: &str = "NOTE-marmalade-ocelot-4471";
const MEDICATION: &str = "medicol-quixotrazine";
/// An amplitude whose four bytes (as stored) would be found if any event were in clear.
const AMPLITUDE_G: f32 = 0.734_912_3;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plaintext-schema2")
}

fn key(byte: u8) -> DataKey {
    DataKey::from_bytes([byte; 32])
}

fn keyed(k: &DataKey) -> StoreOptions {
    StoreOptions {
        data_key: Some(k.clone()),
        flush_every_ms: 0,
        ..StoreOptions::default()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn all_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                out.insert(entry.path(), std::fs::read(entry.path()).unwrap());
            }
        }
    }
    out
}

/// The files under `dir` that contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    all_files(dir)
        .into_iter()
        .filter(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle))
        .map(|(p, _)| p)
        .collect()
}

fn event(start_ms: i64, peak: f32) -> MotorEvent {
    MotorEvent {
        kind: MotorEventKind::Fasciculation,
        start_ms,
        end_ms: start_ms + 40,
        peak_accel_g: peak,
        dominant_freq_hz: None,
        confidence: 0.8,
    }
}

fn minute(start_ms: i64) -> MinuteSummary {
    MinuteSummary {
        minute_start_ms: start_ms,
        wear: WearFractions {
            at_rest: 1.0,
            ..Default::default()
        },
        tremor: Default::default(),
        twitch_count: 1,
        spasm_seconds: 0.0,
        tremor_events: 0,
        samples_received: 6000,
        samples_lost: 0,
    }
}

/// Writes the records the plaintext test looks for: a journal day with the note and medication,
/// a check-in, an alert, an event with the distinctive amplitude, a paired device, settings.
fn write_health_data(store: &Store) {
    let journal = serde_json::json!({
        "date": "2026-01-01",
        "notes": NOTE,
        "medications": [{"name": MEDICATION, "class": "stimulant"}],
    });
    store
        .put_json(
            Collection::Journal,
            &twitchwatch_store::date_key(jiff::civil::date(2026, 1, 1)),
            &journal,
        )
        .unwrap();
    let checkin =
        serde_json::json!({"at_ms": T0, "symptoms": ["difficulty_swallowing"], "note": NOTE});
    store
        .put_json(
            Collection::Checkins,
            &twitchwatch_store::time_key(T0),
            &checkin,
        )
        .unwrap();
    store
        .put_json(
            Collection::Alerts,
            b"difficulty_swallowing",
            &serde_json::json!({"rule": "difficulty_swallowing"}),
        )
        .unwrap();
    store.put_events(&[event(T0 + 1_000, AMPLITUDE_G)]).unwrap();
    store.put_minutes(&[minute(T0)]).unwrap();
    store
        .pair_device(&PairedDevice {
            id: "AA:BB:CC:DD:EE:FF".into(),
            name: "TwitchWatch-hand-7781".into(),
            protocol: DeviceProtocol::TwitchWatchV1,
            sample_rate_hz: 100,
            with_gyro: false,
            paired_at_ms: T0,
        })
        .unwrap();
    store
        .set_settings(&Settings {
            retention_days: Some(90),
            time_zone: Some("Europe/Berlin".into()),
            ..Settings::default()
        })
        .unwrap();
    store.flush().unwrap();
}

fn needles() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("journal note", NOTE.as_bytes().to_vec()),
        ("medication", MEDICATION.as_bytes().to_vec()),
        ("symptom", b"difficulty_swallowing".to_vec()),
        ("device name", b"TwitchWatch-hand-7781".to_vec()),
        ("device id", b"AA:BB:CC:DD:EE:FF".to_vec()),
        ("event amplitude", AMPLITUDE_G.to_le_bytes().to_vec()),
    ]
}

#[test]
fn no_file_under_an_encrypted_store_holds_health_data_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    // The same data in a plaintext store is found by the same search, so the search works.
    let plain = dir.path().join("plain");
    write_health_data(&Store::open(&plain, StoreOptions::default()).unwrap());
    for (what, needle) in needles() {
        assert!(
            !files_containing(&plain, &needle).is_empty(),
            "{what} should be visible in a plaintext store"
        );
    }
    let sealed = dir.path().join("sealed");
    let k = key(7);
    {
        let store = Store::open(&sealed, keyed(&k)).unwrap();
        assert!(store.is_encrypted());
        write_health_data(&store);
        // What was written reads back.
        let entry: serde_json::Value = store
            .get_json(
                Collection::Journal,
                &twitchwatch_store::date_key(jiff::civil::date(2026, 1, 1)),
            )
            .unwrap()
            .unwrap();
        assert_eq!(entry["notes"], NOTE);
        let events = store.events_in_range(i64::MIN, i64::MAX).unwrap();
        assert_eq!(events[0].peak_accel_g, AMPLITUDE_G);
        assert_eq!(
            store.paired_device().unwrap().unwrap().name,
            "TwitchWatch-hand-7781"
        );
        assert_eq!(store.settings().unwrap().retention_days, Some(90));
        assert!(store.check_integrity().unwrap().is_empty());
    }
    for (what, needle) in needles() {
        assert_eq!(
            files_containing(&sealed, &needle),
            Vec::<PathBuf>::new(),
            "{what} is in clear"
        );
    }
    let reopened = Store::open(&sealed, keyed(&k)).unwrap();
    assert_eq!(reopened.counts().events, 1);
    assert_eq!(reopened.known_devices().unwrap().len(), 1);
}

#[test]
fn a_wrong_or_missing_key_is_a_typed_error_and_changes_no_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    write_health_data(&Store::open(&path, keyed(&key(1))).unwrap());
    std::thread::sleep(Duration::from_millis(100));
    let before = all_files(&path);
    let err = Store::open(&path, keyed(&key(2))).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err}");
    let err = Store::open(&path, StoreOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::KeyRequired { .. }), "{err}");
    assert!(
        before == all_files(&path),
        "a refused open changed the files"
    );
    let store = Store::open(&path, keyed(&key(1))).unwrap();
    assert_eq!(store.counts().checkins, 1);
}

/// Opens a copy of the fixture with `k` and checks everything it holds is there and in no file in clear.
fn check_migrated(path: &Path, k: &DataKey) {
    let store = Store::open(path, keyed(k)).unwrap();
    assert_eq!(
        store.schema_version(),
        twitchwatch_store::STORE_SCHEMA_VERSION
    );
    let counts = store.counts();
    assert_eq!(
        (
            counts.events,
            counts.minutes,
            counts.journal_days,
            counts.checkins
        ),
        (10, 4, 1, 1)
    );
    let events = store.events_in_range(i64::MIN, i64::MAX).unwrap();
    assert_eq!(events[0].start_ms, 1_796_410_810_106);
    let minutes = store.minutes_in_range(i64::MIN, i64::MAX).unwrap();
    assert_eq!(minutes.len(), 4);
    let entry: serde_json::Value = store
        .get_json(
            Collection::Journal,
            &twitchwatch_store::date_key(jiff::civil::date(2026, 11, 20)),
        )
        .unwrap()
        .unwrap();
    assert_eq!(entry["notes"], "FIXTURENOTE zebra-quartz");
    assert_eq!(entry["medications"][0]["name"], "fixturemedicol");
    let checkins: Vec<(Vec<u8>, serde_json::Value)> =
        store.scan_json(Collection::Checkins, None, None).unwrap();
    assert_eq!(checkins[0].1["note"], "FIXTURECHECKIN amber");
    assert!(store.check_integrity().unwrap().is_empty());
    assert_eq!(store.corrupt_records_skipped(), 0);
    drop(store);
    std::thread::sleep(Duration::from_millis(100));
    for needle in ["zebra-quartz", "fixturemedicol", "FIXTURECHECKIN"] {
        assert_eq!(
            files_containing(path, needle.as_bytes()),
            Vec::<PathBuf>::new(),
            "{needle} left in clear"
        );
    }
    let amplitude = events[0].peak_accel_g.to_le_bytes();
    assert_eq!(
        files_containing(path, &amplitude),
        Vec::<PathBuf>::new(),
        "an event amplitude left in clear"
    );
}

#[test]
fn the_committed_plaintext_store_migrates_once_to_an_encrypted_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    copy_dir(&fixture(), &path);
    // The fixture as the old build left it: its note is in clear.
    assert!(!files_containing(&path, b"zebra-quartz").is_empty());
    let k = key(3);
    check_migrated(&path, &k);
    // Once: the second open finds nothing to do and the data is unchanged.
    check_migrated(&path, &k);
    let err = Store::open(&path, StoreOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::KeyRequired { .. }), "{err}");
}

#[test]
fn a_store_from_a_newer_build_is_refused_and_left_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    copy_dir(&fixture(), &path);
    let sidecar = path.join("twitchwatch-store.json");
    let text = std::fs::read_to_string(&sidecar).unwrap();
    std::fs::write(
        &sidecar,
        text.replace("\"schema_version\":2", "\"schema_version\":4"),
    )
    .unwrap();
    let before = all_files(&path);
    for options in [keyed(&key(3)), StoreOptions::default()] {
        let err = Store::open(&path, options).unwrap_err();
        assert!(
            matches!(err, StoreError::NewerSchema { found: 4, .. }),
            "{err}"
        );
    }
    assert!(
        before == all_files(&path),
        "the refused open changed the files"
    );
}

#[test]
fn a_deleted_record_is_gone_from_the_files_after_the_rewrite() {
    // Plaintext, so the search can see what sled's log would otherwise keep.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let key_bytes = twitchwatch_store::time_key(T0);
    {
        let store = Store::open(&path, StoreOptions::default()).unwrap();
        write_health_data(&store);
        assert!(store.remove_key(Collection::Checkins, &key_bytes).unwrap());
        assert!(store
            .remove_key(
                Collection::Journal,
                &twitchwatch_store::date_key(jiff::civil::date(2026, 1, 1))
            )
            .unwrap());
        store.flush().unwrap();
    }
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !files_containing(&path, NOTE.as_bytes()).is_empty(),
        "sled keeps a removed value in its log (what the rewrite is for)"
    );
    Store::compact(&path, StoreOptions::default()).unwrap();
    assert_eq!(
        files_containing(&path, NOTE.as_bytes()),
        Vec::<PathBuf>::new()
    );
    let store = Store::open(&path, StoreOptions::default()).unwrap();
    assert_eq!(store.counts().events, 1, "the rest is kept");
    assert_eq!(store.counts().checkins, 0);
}

#[test]
fn delete_all_removes_every_file_and_a_reopened_store_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let k = key(9);
    {
        let store = Store::open(&path, keyed(&k)).unwrap();
        write_health_data(&store);
        let err = Store::delete_all(&path).unwrap_err();
        assert!(
            matches!(err, StoreError::InUse { .. }),
            "an open store is not deleted: {err}"
        );
    }
    std::thread::sleep(Duration::from_millis(100));
    let report = Store::delete_all(&path).unwrap();
    assert!(report.files_removed >= 4, "{report:?}");
    assert!(report.folder_removed);
    assert!(!path.exists());
    let err = Store::open(
        &path,
        StoreOptions {
            create_if_missing: false,
            ..keyed(&k)
        },
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    let fresh = Store::open(&path, keyed(&k)).unwrap();
    assert_eq!(fresh.counts(), twitchwatch_store::StoreCounts::default());
}

#[test]
fn rotation_reseals_everything_and_the_old_key_no_longer_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let (a, b) = (key(1), key(2));
    write_health_data(&Store::open(&path, keyed(&a)).unwrap());
    std::thread::sleep(Duration::from_millis(100));
    let store = Store::rotate_key(&path, &a, &b, keyed(&b)).unwrap();
    assert_eq!(store.counts().events, 1);
    assert!(store.check_integrity().unwrap().is_empty());
    drop(store);
    std::thread::sleep(Duration::from_millis(100));
    let err = Store::open(&path, keyed(&a)).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err}");
    let store = Store::open(&path, keyed(&b)).unwrap();
    let entry: serde_json::Value = store
        .get_json(
            Collection::Journal,
            &twitchwatch_store::date_key(jiff::civil::date(2026, 1, 1)),
        )
        .unwrap()
        .unwrap();
    assert_eq!(entry["notes"], NOTE);
}

// ---- killed half way ----

const EVENTS: i64 = 20_000;

/// A store with enough records that a re-encryption takes a while to kill inside.
fn big_plaintext_store(path: &Path) {
    let store = Store::open(
        path,
        StoreOptions {
            flush_every_ms: 0,
            ..StoreOptions::default()
        },
    )
    .unwrap();
    let events: Vec<MotorEvent> = (0..EVENTS)
        .map(|i| event(T0 + i * 3_000, 0.01 + i as f32 * 1e-6))
        .collect();
    for chunk in events.chunks(2_000) {
        store.put_events(chunk).unwrap();
    }
    let minutes: Vec<MinuteSummary> = (0..EVENTS / 20).map(|i| minute(T0 + i * 60_000)).collect();
    store.put_minutes(&minutes).unwrap();
    write_health_data(&store);
}

fn check_big(path: &Path, k: &DataKey) {
    let store = Store::open(path, keyed(k)).unwrap();
    let counts = store.counts();
    assert_eq!(counts.events as i64, EVENTS + 1, "no event lost or doubled");
    assert_eq!(counts.minutes as i64, EVENTS / 20);
    assert!(
        store.check_integrity().unwrap().is_empty(),
        "every record reads"
    );
    let events = store.events_in_range(i64::MIN, i64::MAX).unwrap();
    assert_eq!(events.len() as i64, EVENTS + 1);
    assert_eq!(store.corrupt_records_skipped(), 0);
}

/// Child half: re-encrypts the store at `TWITCHWATCH_REKEY_DIR` (open with the key, or rotate
/// from one key to the other) until it is killed. Does nothing unless started by the tests below.
#[test]
fn rekey_child() {
    let Some(dir) = std::env::var_os("TWITCHWATCH_REKEY_DIR") else {
        return;
    };
    let from = key(std::env::var("TWITCHWATCH_REKEY_FROM")
        .unwrap()
        .parse()
        .unwrap());
    let to = key(std::env::var("TWITCHWATCH_REKEY_TO")
        .unwrap()
        .parse()
        .unwrap());
    let path = Path::new(&dir);
    if from == to {
        drop(Store::open(path, keyed(&to)).unwrap());
    } else {
        drop(Store::rotate_key(path, &from, &to, keyed(&to)).unwrap());
    }
}

fn run_child(path: &Path, from: u8, to: u8, kill_after: Duration) -> bool {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["rekey_child", "--exact", "--nocapture", "--test-threads=1"])
        .env("TWITCHWATCH_REKEY_DIR", path)
        .env("TWITCHWATCH_REKEY_FROM", from.to_string())
        .env("TWITCHWATCH_REKEY_TO", to.to_string())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(kill_after);
    let finished = child.try_wait().unwrap().is_some_and(|s| s.success());
    let _ = child.kill();
    let _ = child.wait();
    finished
}

fn kill_delays(cycles: u64, seed: u64) -> impl Iterator<Item = Duration> {
    let mut x = seed | 1;
    (0..cycles).map(move |_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        Duration::from_millis(30 + x % 900)
    })
}

fn cycles() -> u64 {
    std::env::var("TWITCHWATCH_REKEY_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6)
}

#[test]
fn a_migration_killed_half_way_resumes_and_loses_nothing() {
    // On the committed fixture, killed at once and at random moments after.
    let dir = tempfile::tempdir().unwrap();
    let fixture_copy = dir.path().join("fixture");
    copy_dir(&fixture(), &fixture_copy);
    let mut fixture_killed = 0;
    for delay in kill_delays(cycles(), 11).map(|d| d / 20) {
        if !run_child(&fixture_copy, 3, 3, delay) {
            fixture_killed += 1;
        }
    }
    check_migrated(&fixture_copy, &key(3));
    // On a store large enough to be killed in the middle of its re-encryption.
    let path = dir.path().join("big");
    big_plaintext_store(&path);
    std::thread::sleep(Duration::from_millis(100));
    let mut interrupted = 0;
    for delay in kill_delays(cycles(), 5) {
        if !run_child(&path, 4, 4, delay) {
            interrupted += 1;
        }
    }
    assert!(
        interrupted > 0,
        "no kill landed inside the migration; the test proves nothing"
    );
    check_big(&path, &key(4));
    assert!(files_containing(&path, NOTE.as_bytes()).is_empty());
    eprintln!(
        "migration: the fixture's run killed before it finished {fixture_killed} of {n} times, \
         the 20,001-event store's {interrupted} of {n}; nothing lost, nothing left in clear",
        n = cycles()
    );
}

#[test]
fn a_rotation_killed_half_way_finishes_with_whichever_key_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    big_plaintext_store(&path);
    drop(Store::open(&path, keyed(&key(1))).unwrap());
    std::thread::sleep(Duration::from_millis(100));
    let mut current = 1u8;
    let mut interrupted = 0;
    for (i, delay) in kill_delays(cycles(), 23).enumerate() {
        let next = if current == 1 { 2 } else { 1 };
        if run_child(&path, current, next, delay) {
            current = next;
            continue;
        }
        interrupted += 1;
        // Killed: either key may come back. Alternate which one does.
        let pick = if i % 2 == 0 { next } else { current };
        let opened = Store::open(&path, keyed(&key(pick)));
        match opened {
            Ok(store) => {
                assert!(store.check_integrity().unwrap().is_empty());
                current = pick;
            }
            // Killed before the keyring had the new key's slot, or after the old one's went.
            Err(StoreError::WrongKey { .. }) => {
                current = if pick == next { current } else { next };
                drop(Store::open(&path, keyed(&key(current))).unwrap());
            }
            Err(e) => panic!("the store did not open after a kill during rotation: {e}"),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        interrupted > 0,
        "no kill landed inside a rotation; the test proves nothing"
    );
    check_big(&path, &key(current));
    eprintln!(
        "rotation: killed before it finished {interrupted} of {} times; every record read back",
        cycles()
    );
}

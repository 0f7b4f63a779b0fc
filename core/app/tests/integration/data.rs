//! The user's data as a whole through the app layer: a store opened with the shell's key holds no
//! health data in clear, a wrong key changes nothing, "delete my data" leaves nothing, and a
//! check-in left in the inbox is recorded by the running monitor with its red flag raised.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use twitchwatch_alerts::{Alert, AlertListener, ListenerError};
use twitchwatch_app::data::{delete_all_data, generate_data_key, rotate_data_key};
use twitchwatch_app::inbox::submit_checkin;
use twitchwatch_app::monitor::{now_ms, Monitor, MonitorError, MonitorSettings};
use twitchwatch_journal::{
    CheckIn, JournalEntry, JournalStore, Medication, MedicationClass, Symptom,
};
use twitchwatch_lab::simulator::{SimulatedSession, SimulatedWearable};
use twitchwatch_store::{DataKey, StoreError};

const NOTE: &str = "slept-badly-kumquat-9931";
const MEDICATION: &str = "zorblatamine";

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                out.push((entry.path(), std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    out
}

fn found_in(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|(_, b)| b.windows(needle.len()).any(|w| w == needle))
        .map(|(p, _)| p)
        .collect()
}

fn record_a_day(monitor: &Monitor) {
    let options = SimulatedSession {
        scenario: "twitches".into(),
        duration_s: Some(120.0),
        speed: 0.0,
        ..Default::default()
    };
    let wearable = SimulatedWearable::live(&options, now_ms()).unwrap();
    monitor.start_replay(Box::new(wearable), 0.0).unwrap();
    monitor.wait();
    let store = monitor.store();
    let today = twitchwatch_store::local_date(&store.time_zone(), now_ms());
    let mut entry = JournalEntry::new(today);
    entry.notes = NOTE.into();
    entry.medications.push(Medication {
        name: MEDICATION.into(),
        class: MedicationClass::Stimulant,
        started_on: None,
    });
    store.put_journal_entry(&entry, now_ms()).unwrap();
    let mut checkin = CheckIn::new(now_ms());
    checkin.symptoms.insert(Symptom::Weakness);
    checkin.note = NOTE.into();
    monitor.alerts().record_checkin(&checkin, now_ms()).unwrap();
    store.flush().unwrap();
}

#[test]
fn an_encrypted_store_holds_no_note_medication_or_amplitude_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    let key = generate_data_key();
    let monitor = Monitor::open_encrypted(&path, key, MonitorSettings::default()).unwrap();
    record_a_day(&monitor);
    let events = monitor.store().events_in_range(i64::MIN, i64::MAX).unwrap();
    assert!(!events.is_empty(), "the session stored events");
    drop(monitor);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(found_in(&path, NOTE.as_bytes()), Vec::<PathBuf>::new());
    assert_eq!(
        found_in(&path, MEDICATION.as_bytes()),
        Vec::<PathBuf>::new()
    );
    assert_eq!(found_in(&path, b"weakness"), Vec::<PathBuf>::new());
    for e in &events {
        assert_eq!(
            found_in(&path, &e.peak_accel_g.to_le_bytes()),
            Vec::<PathBuf>::new(),
            "an event amplitude is in clear"
        );
    }
    // Wrong key: typed, and the store still opens with the right one afterwards.
    let Err(err) = Monitor::open_encrypted(&path, [0x55; 32], MonitorSettings::default()) else {
        panic!("a wrong key opened the store");
    };
    assert!(
        matches!(err, MonitorError::Store(StoreError::WrongKey { .. })),
        "{err}"
    );
    let again = Monitor::open_encrypted(&path, key, MonitorSettings::default()).unwrap();
    assert_eq!(again.store().counts().events, events.len() as u64);
    assert_eq!(again.store().counts().journal_days, 1);
}

#[test]
fn a_new_key_opens_the_store_after_rotation_and_the_old_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    let (old, new) = (generate_data_key(), generate_data_key());
    let monitor = Monitor::open_encrypted(&path, old, MonitorSettings::default()).unwrap();
    record_a_day(&monitor);
    let before = monitor.store().counts();
    drop(monitor);
    std::thread::sleep(Duration::from_millis(100));
    let monitor = rotate_data_key(&path, old, new, MonitorSettings::default()).unwrap();
    assert_eq!(monitor.store().counts(), before);
    drop(monitor);
    std::thread::sleep(Duration::from_millis(100));
    let Err(err) = Monitor::open_encrypted(&path, old, MonitorSettings::default()) else {
        panic!("the old key still opened the store");
    };
    assert!(
        matches!(err, MonitorError::Store(StoreError::WrongKey { .. })),
        "{err}"
    );
}

#[test]
fn delete_all_data_leaves_no_file_and_a_reopened_store_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    let key = generate_data_key();
    let monitor = Monitor::open_encrypted(&path, key, MonitorSettings::default()).unwrap();
    record_a_day(&monitor);
    // A check-in still waiting in the inbox is the user's data too.
    submit_checkin(
        &path,
        Some(&DataKey::from_bytes(key)),
        &CheckIn::new(now_ms()),
    )
    .unwrap();
    let err = delete_all_data(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::InUse { .. }),
        "not while open: {err}"
    );
    assert!(
        path.join("db").exists(),
        "a refused deletion deletes nothing"
    );
    drop(monitor);
    std::thread::sleep(Duration::from_millis(100));
    let report = delete_all_data(&path).unwrap();
    assert!(report.folder_removed, "{report:?}");
    assert!(!path.exists());
    let fresh = Monitor::open_encrypted(&path, key, MonitorSettings::default()).unwrap();
    assert_eq!(fresh.store().counts(), Default::default());
}

#[derive(Default)]
struct Alerts(Mutex<Vec<String>>);

impl AlertListener for Alerts {
    fn on_alert(&self, alert: &Alert) -> Result<(), ListenerError> {
        self.0.lock().unwrap().push(alert.id.clone());
        Ok(())
    }
}

#[test]
fn a_check_in_left_in_the_inbox_is_recorded_by_the_monitor_and_raises_its_red_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    let key = generate_data_key();
    let monitor = Monitor::open_encrypted(&path, key, MonitorSettings::default()).unwrap();
    let heard = Arc::new(Alerts::default());
    monitor.add_alert_listener(heard.clone());
    let watcher = monitor.watch_inbox();
    let mut checkin = CheckIn::new(now_ms());
    checkin.symptoms.insert(Symptom::DifficultySwallowing);
    let pending = submit_checkin(&path, Some(&DataKey::from_bytes(key)), &checkin).unwrap();
    // Sealed while it waits.
    let waiting = std::fs::read(pending.request_path()).unwrap_or_default();
    assert!(!waiting.windows(8).any(|w| w == b"swallowi"));
    let reply = pending
        .wait(Duration::from_secs(5))
        .unwrap()
        .expect("the monitor answered");
    assert_eq!(reply.error, None);
    assert!(
        !reply.alerts.is_empty(),
        "the red flag was raised: {reply:?}"
    );
    assert!(
        !heard.0.lock().unwrap().is_empty(),
        "alert listeners heard it"
    );
    drop(watcher);
    let stored = monitor
        .store()
        .checkins_in_range(0, now_ms() + 60_000)
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].symptoms.contains(&Symptom::DifficultySwallowing));
    // A check-in sealed with another key is refused, not recorded.
    let stray = submit_checkin(&path, Some(&DataKey::from_bytes([1; 32])), &checkin).unwrap();
    assert_eq!(monitor.collect_inbox(now_ms()).unwrap(), 1);
    let refused = stray.wait(Duration::from_secs(1));
    assert!(refused.is_err() || refused.unwrap().is_some_and(|r| r.error.is_some()));
    assert_eq!(
        monitor
            .store()
            .checkins_in_range(0, now_ms() + 60_000)
            .unwrap()
            .len(),
        1
    );
    // Not taken yet: withdrawn, and nothing is left for a monitor to record twice.
    let untaken = submit_checkin(&path, Some(&DataKey::from_bytes(key)), &checkin).unwrap();
    assert!(untaken.withdraw().unwrap());
    assert!(!untaken.request_path().exists());
    assert_eq!(monitor.collect_inbox(now_ms()).unwrap(), 0);
}

/// The shell's first screen follows the folder's state, and asking changes no byte: nothing yet is
/// onboarding, a store with a day in it is opened with its key (and is locked while open), a newer
/// version's store is the data-problem screen with the core's texts and no "start over".
#[test]
fn the_first_screen_follows_the_data_folder_state_and_asking_writes_nothing() {
    use twitchwatch_app::data::{data_folder_state, DataFolderState};
    use twitchwatch_app::screens::{data_problem, start_screen, DataProblem, FirstScreen};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    let state = data_folder_state(&path);
    assert_eq!(
        start_screen(&state).first_screen,
        FirstScreen::Onboarding,
        "{state:?}"
    );
    assert!(!path.exists(), "asking created the folder");

    let key = generate_data_key();
    let monitor = Monitor::open_encrypted(&path, key, MonitorSettings::default()).unwrap();
    record_a_day(&monitor);
    assert_eq!(data_folder_state(&path), DataFolderState::Locked);
    drop(monitor);
    std::thread::sleep(Duration::from_millis(200));
    let before = files(&path);
    let state = data_folder_state(&path);
    assert_eq!(state, DataFolderState::Current);
    let start = start_screen(&state);
    assert_eq!(
        (start.first_screen, start.problem),
        (FirstScreen::OpenStore, None)
    );
    assert!(before == files(&path), "asking changed a file");
    // The state was right: the key opens it, with the day recorded.
    let again = Monitor::open_encrypted(&path, key, MonitorSettings::default()).unwrap();
    assert_eq!(again.store().counts().journal_days, 1);
    drop(again);
    std::thread::sleep(Duration::from_millis(200));

    let sidecar = path.join("twitchwatch-store.json");
    let text = std::fs::read_to_string(&sidecar).unwrap();
    std::fs::write(
        &sidecar,
        text.replace("\"schema_version\":3", "\"schema_version\":9"),
    )
    .unwrap();
    let before = files(&path);
    let start = start_screen(&data_folder_state(&path));
    assert!(before == files(&path), "asking changed a file");
    assert_eq!(start.first_screen, FirstScreen::DataProblem);
    let problem = start.problem.expect("the problem screen's texts");
    assert_eq!(problem.problem, DataProblem::FromTheFuture);
    assert_eq!(problem.title, "Update TwitchWatch");
    assert_eq!(
        problem.start_over_label, None,
        "a newer version's data is kept"
    );
    // A lost key is the one problem whose way out is starting over.
    let lost = data_problem(DataProblem::KeyLost, None);
    assert_eq!(lost.start_over_label.as_deref(), Some("Start over"));
    assert!(lost.body.contains("cannot be read again"));
}

//! The history as a whole from the command line: encrypted on disk with the key file beside it,
//! a check-in recorded while `monitor` runs (two processes), `rotate-key` and `delete-all-data`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn twitchwatch(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_twitchwatch"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("TWITCHWATCH_KEY_FILE")
        .output()
        .expect("the twitchwatch binary runs")
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn found_in(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                let bytes = std::fs::read(entry.path()).unwrap();
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    hits.push(entry.path());
                }
            }
        }
    }
    hits
}

#[test]
fn the_history_on_disk_holds_no_note_medication_or_amplitude_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = twitchwatch(
        &data,
        &[
            "journal",
            "add",
            "--note",
            "CLINOTE-pumpernickel",
            "--medication",
            "glorbazine:stimulant",
        ],
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = twitchwatch(
        &data,
        &[
            "monitor",
            "--simulate",
            "--scenario",
            "twitches",
            "--duration",
            "2m",
            "--speed",
            "0",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = twitchwatch(
        &data,
        &[
            "checkin",
            "--symptom",
            "weakness",
            "--note",
            "CLINOTE-pumpernickel",
        ],
    );
    assert!(o.status.success(), "{}", out(&o));
    let key = dir.path().join("data.key");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the key file is owner-only");
    let export = dir.path().join("export.json");
    let o = twitchwatch(
        &data,
        &[
            "export",
            "--format",
            "json",
            "--out",
            export.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", out(&o));
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    let events = exported["events"].as_array().unwrap();
    assert!(!events.is_empty());
    assert_eq!(
        exported["journal"][0]["notes"], "CLINOTE-pumpernickel",
        "it reads back"
    );
    for needle in ["CLINOTE-pumpernickel", "glorbazine", "weakness"] {
        assert_eq!(
            found_in(&data, needle.as_bytes()),
            Vec::<PathBuf>::new(),
            "{needle} in clear"
        );
    }
    for e in events {
        let amplitude = e["peak_accel_g"].as_f64().unwrap() as f32;
        assert_eq!(
            found_in(&data, &amplitude.to_le_bytes()),
            Vec::<PathBuf>::new(),
            "amplitude {amplitude} in clear"
        );
    }
}

#[test]
fn a_check_in_is_recorded_while_the_monitor_runs_and_its_red_flag_raised_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let monitor = Command::new(env!("CARGO_BIN_EXE_twitchwatch"))
        .arg("--data-dir")
        .arg(&data)
        .args([
            "monitor",
            "--simulate",
            "--scenario",
            "rest",
            "--duration",
            "10m",
            "--speed",
            "1",
        ])
        .env_remove("RUST_LOG")
        .env_remove("TWITCHWATCH_KEY_FILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !data.join("db").exists() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let asked = Instant::now();
    let o = twitchwatch(&data, &["checkin", "--symptom", "difficulty_swallowing"]);
    let took = asked.elapsed();
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("saved by the running monitor"), "{text}");
    assert!(
        text.contains("ALERT"),
        "the red flag comes back at once: {text}"
    );
    assert!(took < Duration::from_secs(8), "took {took:?}");
    // The monitor printed the alert too (its own listeners heard it); stop it, then look.
    let _ = Command::new("kill")
        .args(["-INT", &monitor.id().to_string()])
        .status();
    let finished = monitor.wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&finished.stdout);
    assert!(printed.contains("ALERT [Urgent]"), "{printed}");
    let o = twitchwatch(&data, &["checkin", "--list", "1"]);
    assert!(out(&o).contains("difficulty_swallowing"), "{}", out(&o));
}

#[test]
fn rotate_key_replaces_the_key_file_and_the_old_key_no_longer_opens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = twitchwatch(
        &data,
        &[
            "journal",
            "add",
            "--note",
            "before rotation",
            "--stress",
            "3",
        ],
    );
    assert!(o.status.success(), "{}", out(&o));
    let key = dir.path().join("data.key");
    let old = std::fs::read(&key).unwrap();
    let o = twitchwatch(&data, &["rotate-key"]);
    assert!(o.status.success(), "{}", out(&o));
    assert_ne!(std::fs::read(&key).unwrap(), old);
    assert!(!dir.path().join("data.key.next").exists());
    let o = twitchwatch(&data, &["journal", "list", "--json"]);
    assert!(out(&o).contains("before rotation"), "{}", out(&o));
    let new = std::fs::read(&key).unwrap();
    std::fs::write(&key, &old).unwrap();
    let o = twitchwatch(&data, &["journal", "list"]);
    assert!(!o.status.success());
    assert!(out(&o).contains("data key does not open"), "{}", out(&o));
    std::fs::write(&key, &new).unwrap();
}

#[test]
fn delete_all_data_asks_for_confirmation_then_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = twitchwatch(
        &data,
        &["checkin", "--site", "left_hand", "--note", "to be deleted"],
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = twitchwatch(&data, &["delete-all-data"]);
    assert!(!o.status.success());
    assert!(out(&o).contains("--yes"), "{}", out(&o));
    assert!(data.join("db").exists(), "nothing deleted without --yes");
    let o = twitchwatch(&data, &["delete-all-data", "--yes"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("is gone"), "{}", out(&o));
    assert!(!data.exists());
    assert!(
        !dir.path().join("data.key").exists(),
        "the key file went too"
    );
    let o = twitchwatch(&data, &["checkin", "--list", "30"]);
    assert!(out(&o).contains("no TwitchWatch history"), "{}", out(&o));
}

#[test]
fn data_status_says_what_the_folder_holds_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = twitchwatch(&data, &["data-status", "--json"]);
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        r#"{"state":"empty","folder_exists":false}"#
    );
    assert!(!data.exists(), "data-status created the folder");
    assert!(
        !dir.path().join("data.key").exists(),
        "data-status made a key file"
    );
    let o = twitchwatch(&data, &["checkin", "--site", "left_hand"]);
    assert!(o.status.success(), "{}", out(&o));
    let listing = |d: &Path| {
        let mut v: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        let mut pending = vec![d.to_path_buf()];
        while let Some(d) = pending.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    pending.push(e.path());
                } else {
                    v.push((e.path(), std::fs::read(e.path()).unwrap()));
                }
            }
        }
        v.sort();
        v
    };
    let before = listing(dir.path());
    let o = twitchwatch(&data, &["data-status"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("a history of this version"), "{}", out(&o));
    assert!(before == listing(dir.path()), "data-status changed a file");
}

//! The `twitchwatch` binary as a user runs it: exit codes, messages, JSON lines, the stored history.

use std::path::Path;
use std::process::{Command, Output};

fn twitchwatch(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_twitchwatch"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("RUST_LOG")
        // Inside the test's own folder, so the key file goes with it.
        .env("TWITCHWATCH_KEY_FILE", data_dir.join("test.key"))
        .output()
        .expect("the twitchwatch binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn classify_text(csv: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.csv");
    std::fs::write(&path, csv).unwrap();
    twitchwatch(dir.path(), &["classify", "--input", path.to_str().unwrap()])
}

fn rows(n: usize, rate: f64) -> String {
    let mut s = String::from("t,ax,ay,az\n");
    for i in 0..n {
        s.push_str(&format!("{:.4},0.01,0.02,0.99\n", i as f64 / rate));
    }
    s
}

#[test]
fn classify_rejects_missing_columns() {
    let o = classify_text("t,ax,ay\n0,0,0\n0.01,0,0\n");
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("az"), "message names the missing column: {e}");
}

#[test]
fn classify_rejects_non_numeric_cells_with_the_line() {
    let mut csv = rows(50, 100.0);
    csv.push_str("0.5,abc,0,1\n");
    let o = classify_text(&csv);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("52") && e.contains("abc"),
        "names line 52 and the cell: {e}"
    );
}

#[test]
fn classify_rejects_time_going_backwards() {
    let mut csv = rows(50, 100.0);
    csv.push_str("0.2,0,0,1\n");
    let o = classify_text(&csv);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.to_lowercase().contains("time"), "{e}");
}

#[test]
fn classify_rejects_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = twitchwatch(dir.path(), &["classify", "--input", "/nonexistent/x.csv"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("/nonexistent/x.csv"));
}

#[test]
fn classify_prints_minutes_as_json_lines_and_timings_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("still.csv");
    std::fs::write(&path, rows(100 * 125, 100.0)).unwrap();
    let o = twitchwatch(
        dir.path(),
        &["classify", "--input", path.to_str().unwrap(), "--timings"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    let minutes: Vec<_> = lines.iter().filter(|v| v["type"] == "minute").collect();
    assert_eq!(
        minutes.len(),
        3,
        "125 s = two full minutes and a partial one"
    );
    // A perfectly still sensor: no events of any kind.
    assert!(lines.iter().all(|v| v["type"] == "minute"), "{lines:?}");
    let t = &minutes[0]["tremor"];
    let sum: f64 = ["unknown", "none", "slight", "mild", "moderate", "strong"]
        .iter()
        .map(|k| t[*k].as_f64().unwrap())
        .sum();
    assert!((sum - 1.0).abs() < 1e-3, "fractions sum to 1: {sum}");
    let e = stderr(&o);
    assert!(e.contains("samples") && e.contains("12500"), "{e}");
}

#[test]
fn monitor_simulate_streams_into_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let o = twitchwatch(
        dir.path(),
        &[
            "monitor",
            "--simulate",
            "--scenario",
            "tremor",
            "--duration",
            "90s",
            "--speed",
            "0",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.lines().any(|l| l.contains("\"kind\":\"tremor\"")),
        "{out}"
    );
    assert!(stderr(&o).contains("Session summary"));
    let h = twitchwatch(dir.path(), &["history", "--json"]);
    assert!(h.status.success(), "{}", stderr(&h));
    let days: Vec<serde_json::Value> = stdout(&h)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!days.is_empty());
    let tremor_min: f64 = days
        .iter()
        .map(|d| d["tremor_minutes"].as_f64().unwrap())
        .sum();
    assert!(tremor_min > 0.1, "tremor stored in the history: {days:?}");
}

/// Ctrl-C ends a live session cleanly: exit 0, the summary printed, what was classified stored.
/// Two interrupt times, so that one can land while `stop()` is still storing the session's last
/// minute: the main thread must wait for it rather than report "ended without a summary".
#[test]
fn monitor_ends_cleanly_with_a_summary_on_ctrl_c() {
    for after_ms in [1200u64, 2500] {
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_twitchwatch"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["monitor", "--simulate", "--duration", "1h", "--speed", "60"])
            .env_remove("RUST_LOG")
            // Without it the key file would go beside the temporary folder, into /tmp, and outlive it.
            .env("TWITCHWATCH_KEY_FILE", dir.path().join("test.key"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the twitchwatch binary runs");
        std::thread::sleep(std::time::Duration::from_millis(after_ms));
        let killed = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let o = child.wait_with_output().unwrap();
        let e = stderr(&o);
        assert!(o.status.success(), "interrupted after {after_ms} ms: {e}");
        assert!(e.contains("Session summary"), "{e}");
        let samples: u64 = e
            .lines()
            .find(|l| l.contains("samples classified"))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if after_ms >= 2500 {
            assert!(
                samples > 0,
                "two and a half seconds at 60x classifies samples: {e}"
            );
        }
    }
}

#[test]
fn monitor_rejects_bad_arguments_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let o = twitchwatch(dir.path(), &["monitor", "--simulate", "--scenario", "nope"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("mixed"),
        "lists the valid scenarios: {}",
        stderr(&o)
    );
    let o = twitchwatch(dir.path(), &["monitor", "--simulate", "--duration", "-5s"]);
    assert!(!o.status.success());
    let o = twitchwatch(dir.path(), &["monitor", "--simulate", "--speed", "NaN"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("speed"));
}

#[test]
fn history_of_a_future_day_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path()).unwrap();
    let _ = twitchwatch(
        dir.path(),
        &[
            "monitor",
            "--simulate",
            "--scenario",
            "rest",
            "--duration",
            "10s",
            "--speed",
            "0",
        ],
    );
    let o = twitchwatch(dir.path(), &["history", "--day", "2999-01-01"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("future"));
}

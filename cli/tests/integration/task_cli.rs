//! `task tapping --simulate`, `task import FILE`, `task list` and `task trends` as a user runs them:
//! results recorded encrypted, the rules run on them, bad files refused with the line to fix.

use std::path::Path;
use std::process::{Command, Output};

fn tw(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_twitchwatch"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("RUST_LOG")
        .env("TWITCHWATCH_KEY_FILE", data_dir.with_extension("key"))
        .output()
        .expect("the twitchwatch binary runs")
}

fn out(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "should fail: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn simulated_tapping_records_both_hands_and_lists_them_with_trends() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("h");
    let first = out(&tw(&d, &["task", "tapping", "--simulate", "--seed", "7"]));
    let lines: Vec<&str> = first.lines().collect();
    assert!(
        lines[0].starts_with("left ") && lines[1].starts_with("right "),
        "{first}"
    );
    assert!(lines[0].contains("taps ("), "{first}");
    assert!(lines[2].starts_with("asymmetry: "), "{first}");
    // The same seed taps the same way.
    let again = out(&tw(&d, &["task", "tapping", "--simulate", "--seed", "7"]));
    assert_eq!(again.lines().next(), first.lines().next());
    // A slower left hand, JSON out.
    let json = out(&tw(
        &d,
        &[
            "task",
            "tapping",
            "--simulate",
            "--hand",
            "left",
            "--rate",
            "3",
            "--json",
            "--seed",
            "8",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(v["hand"], "left");
    let taps = v["measures"]["metrics"]["tap_count"].as_u64().unwrap();
    assert!((50..=70).contains(&taps), "{taps}");

    let list = out(&tw(&d, &["task", "list"]));
    assert_eq!(list.lines().count(), 5, "{list}");
    let trends = out(&tw(&d, &["task", "trends"]));
    let left = trends
        .lines()
        .find(|l| l.starts_with("tapping") && l.contains(" left ") && l.contains("tap_count"))
        .unwrap_or_else(|| panic!("{trends}"));
    assert!(left.contains("3 sessions"), "{left}");
    assert!(left.contains("baseline "), "{left}");
    // Nothing readable in the files: the history is encrypted like the rest.
    for entry in std::fs::read_dir(&d).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !bytes.windows(9).any(|w| w == b"tap_count"),
                "{}",
                p.display()
            );
        }
    }
    // Export carries them; delete-all removes them.
    let export = dir.path().join("tasks.csv");
    out(&tw(
        &d,
        &[
            "export",
            "--format",
            "csv",
            "--section",
            "tasks",
            "--out",
            export.to_str().unwrap(),
        ],
    ));
    let csv = std::fs::read_to_string(&export).unwrap();
    assert_eq!(csv.lines().count(), 6, "{csv}");
    out(&tw(&d, &["delete-all-data", "--yes"]));
    assert!(err(&tw(&d, &["task", "list"])).contains("no TwitchWatch history"));
}

#[test]
fn imported_taps_are_measured_and_bad_files_are_refused_with_the_line_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("h");
    let file = dir.path().join("taps.csv");
    // 50 taps every 400 ms: 2.5 a second, a steady rhythm; 3-4-5 pt from the target at (100, 100).
    let mut csv = String::from("hand,t_ms,x_pt,y_pt\n");
    for i in 0..50 {
        csv.push_str(&format!("Right,{},103,104\n", 100 + i * 400));
    }
    std::fs::write(&file, csv).unwrap();
    let o = out(&tw(
        &d,
        &[
            "task",
            "import",
            file.to_str().unwrap(),
            "--targets",
            "100,100,300,100",
            "--json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(o.lines().next().unwrap()).unwrap();
    let m = &v["measures"]["metrics"];
    assert_eq!(m["tap_count"], 50);
    assert_eq!(m["interval_mean_ms"], 400.0);
    assert_eq!(m["accuracy_mean_pt"], 5.0);
    assert_eq!(v["hand"], "right");

    let bad = |body: &str, args: &[&str]| {
        std::fs::write(&file, body).unwrap();
        let mut all = vec!["task", "import", file.to_str().unwrap()];
        all.extend_from_slice(args);
        err(&tw(&d, &all))
    };
    assert!(bad("hand,t_ms\nleft,100\nleft,50\n", &[]).contains("line 3"));
    assert!(bad("hand,t_ms\nleft,100\nleft,abc\n", &[]).contains("line 3"));
    assert!(bad("hand,t_ms\nmiddle,100\n", &[]).contains("line 2"));
    assert!(bad("hand,t_ms\nleft,-100\n", &[]).contains("before the task started"));
    assert!(bad("hand,t_ms\nleft,inf\n", &[]).contains("not a finite number"));
    assert!(bad("hand,t_ms\n", &[]).contains("no taps"));
    assert!(bad(
        "hand,t_ms\nleft,100\n",
        &["--started-at", "2999-01-01T00:00:00Z"]
    )
    .contains("in the future"));
    assert!(bad("hand,t_ms\nleft,100\n", &["--targets", "1,2,3,4"]).contains("needs x_pt and y_pt"));
    // Nothing from the refused files was recorded.
    assert_eq!(out(&tw(&d, &["task", "list"])).lines().count(), 1);
    assert!(err(&tw(&d, &["task", "tapping"])).contains("--simulate"));
}

//! `journal`, `checkin`, `alerts`, `rules`, `report` and `export` as a user runs them.

use std::path::Path;
use std::process::{Command, Output};

fn tw(data_dir: &Path, args: &[&str]) -> Output {
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

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn journal_rejects_bad_input_with_a_clear_message_and_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (vec!["journal", "add", "--caffeine-mg", "-5"], "caffeine_mg"),
        (vec!["journal", "add", "--sleep-hours", "30"], "sleep_hours"),
        (
            vec!["journal", "add", "--date", "2999-01-01", "--stress", "2"],
            "future",
        ),
        (vec!["journal", "add", "--drink", "mate"], "unknown drink"),
        (
            vec!["journal", "add", "--medication", "x:vitamin"],
            "medication class",
        ),
        (
            vec!["journal", "edit", "--date", "2020-01-01", "--stress", "2"],
            "no journal entry",
        ),
        (
            vec!["rules", "set", "persistence.window_days", "3"],
            "safe bounds",
        ),
        (vec!["alerts", "ack", "nope"], "no alert"),
    ] {
        let o = tw(dir.path(), &args);
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn core_errors_reach_the_user_with_the_command_to_type() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A history to work on: the commands below never create one.
    assert!(tw(
        d,
        &["journal", "add", "--date", "2020-01-01", "--stress", "2"]
    )
    .status
    .success());
    for (args, core, hint) in [
        (
            vec!["rules", "set", "no.such", "1"],
            "unknown rule threshold 'no.such'",
            "`twitchwatch rules list` shows them all",
        ),
        (
            vec!["alerts", "ack", "nope"],
            "no alert with id 'nope'",
            "`twitchwatch alerts list` shows the ids",
        ),
        (
            vec!["monitor"],
            "no wearable is paired",
            "pair one first: run `twitchwatch scan`, then `twitchwatch pair ID`",
        ),
        (
            vec!["journal", "edit", "--date", "2020-01-02", "--stress", "2"],
            "no journal entry for 2020-01-02",
            "add one first with `twitchwatch journal add --date 2020-01-02`",
        ),
    ] {
        let o = tw(d, &args);
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(err.contains(&format!("{core}; {hint}")), "{args:?}: {err}");
    }
}

#[test]
fn journal_checkin_alerts_report_and_export_work_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = tw(
        d,
        &[
            "journal",
            "add",
            "--drink",
            "espresso:2",
            "--stress",
            "8",
            "--note",
            "<i>x</i>",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let (out, _) = text(&tw(d, &["journal", "list", "--json"]));
    let entry: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(entry["caffeine_mg"], 126.0);

    let o = tw(
        d,
        &[
            "checkin",
            "--site",
            "right_hand",
            "--symptom",
            "difficulty_swallowing",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("[URGENT]") && out.contains("Seek immediate medical attention"),
        "{out}"
    );

    let (out, _) = text(&tw(d, &["alerts", "list", "--json"]));
    let alert: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(alert["id"], "swallowing_or_speaking");
    assert!(tw(d, &["alerts", "ack", "swallowing_or_speaking"])
        .status
        .success());
    let (out, _) = text(&tw(d, &["alerts", "list"]));
    assert!(out.contains("acknowledged"), "{out}");
    assert!(
        !out.contains("NEW "),
        "an acknowledged alert does not re-fire: {out}"
    );

    let html = d.join("report.html");
    let o = tw(d, &["report", "--out", html.to_str().unwrap()]);
    assert!(o.status.success(), "{:?}", text(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Informational, not a medical device"));
    assert!(page.contains("&lt;i&gt;x&lt;/i&gt;") && !page.contains("<i>x</i>"));

    let csv_dir = d.join("csv");
    let o = tw(
        d,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            csv_dir.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    for section in ["events", "minutes", "days", "journal", "checkins"] {
        assert!(csv_dir.join(format!("{section}.csv")).exists(), "{section}");
    }
    let json = d.join("e.json");
    let o = tw(
        d,
        &[
            "export",
            "--format",
            "json",
            "--section",
            "journal",
            "--out",
            json.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["journal"].as_array().unwrap().len(), 1);
    let o = tw(d, &["export", "--format", "xml", "--out", "x"]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("csv or json"));

    let (out, _) = text(&tw(d, &["rules", "list"]));
    assert!(out.contains("immediate medical attention should be sought"));
    assert!(out.contains("lifestyle.caffeine_mg_above"));
}

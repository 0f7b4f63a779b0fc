//! The CLI run carelessly or with hostile input: folders that do not exist or are files, files that
//! must not be overwritten, control characters, binary and endless input.

use std::path::Path;
use std::process::{Command, Output};

fn tw(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_twitchwatch"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("RUST_LOG")
        // The key file then goes beside the data folder, inside the test's temporary folder.
        .env_remove("TWITCHWATCH_KEY_FILE")
        .output()
        .expect("the twitchwatch binary runs")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A store with one journal entry in `dir`.
fn recorded(dir: &Path) {
    let o = tw(dir, &["journal", "add", "--stress", "3"]);
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn read_only_commands_never_create_a_store_where_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-history-here");
    let out = dir.path().join("out.json");
    let html = dir.path().join("out.html");
    let commands: Vec<Vec<&str>> = vec![
        vec!["rules", "list"],
        vec!["alerts", "list"],
        vec!["journal", "list"],
        vec!["checkin", "--list", "7"],
        vec!["history"],
        vec!["devices"],
        vec!["export", "--format", "json", "--out", out.to_str().unwrap()],
        vec!["report", "--out", html.to_str().unwrap()],
    ];
    for args in commands {
        let o = tw(&missing, &args);
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{args:?} succeeded without a history");
        assert!(err.contains("no TwitchWatch history"), "{args:?}: {err}");
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
        assert!(!out.exists() && !html.exists(), "{args:?} wrote a file");
    }
}

#[test]
fn a_data_dir_that_is_a_file_is_reported_as_a_file_not_as_a_corrupt_store() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, b"my notes").unwrap();
    for args in [
        vec!["journal", "list"],
        vec!["journal", "add", "--stress", "2"],
        vec!["monitor", "--simulate", "--duration", "1s", "--speed", "0"],
    ] {
        let o = tw(&file, &args);
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{args:?}");
        assert!(err.contains("is a file, not a folder"), "{args:?}: {err}");
        assert!(!err.contains("corrupt"), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"my notes");
}

#[cfg(unix)]
#[test]
fn the_history_folder_reports_and_exports_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    recorded(&data);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
    let html = dir.path().join("r.html");
    assert!(tw(&data, &["report", "--out", html.to_str().unwrap()])
        .status
        .success());
    assert_eq!(mode(&html), 0o600);
    let csv = dir.path().join("csv");
    let o = tw(
        &data,
        &["export", "--format", "csv", "--out", csv.to_str().unwrap()],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(mode(&csv), 0o700);
    assert_eq!(mode(&csv.join("journal.csv")), 0o600);
}

#[test]
fn report_and_export_refuse_to_overwrite_follow_links_or_escape_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    recorded(&data);
    let existing = dir.path().join("report.html");
    std::fs::write(&existing, b"mine").unwrap();
    let ex = existing.to_str().unwrap();
    for args in [
        vec!["report", "--out", ex],
        vec!["export", "--format", "json", "--out", ex],
        vec![
            "export",
            "--format",
            "csv",
            "--section",
            "days",
            "--out",
            ex,
        ],
    ] {
        let o = tw(&data, &args);
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{args:?} overwrote a file");
        assert!(
            err.contains("already exists") && err.contains("--force"),
            "{args:?}: {err}"
        );
        assert_eq!(std::fs::read(&existing).unwrap(), b"mine");
    }
    let o = tw(&data, &["report", "--out", ex, "--force"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(std::fs::read_to_string(&existing)
        .unwrap()
        .contains("not a medical device"));

    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let sub = dir.path().join("reports");
    std::fs::create_dir(&sub).unwrap();
    let escape = sub.join("..").join("victim.txt");
    let o = tw(
        &data,
        &["report", "--out", escape.to_str().unwrap(), "--force"],
    );
    assert!(!o.status.success());
    assert!(text(&o).1.contains("'..'"), "{:?}", text(&o));
    #[cfg(unix)]
    {
        let link = sub.join("link.json");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        for args in [
            vec!["report", "--out", link.to_str().unwrap(), "--force"],
            vec![
                "export",
                "--format",
                "json",
                "--out",
                link.to_str().unwrap(),
                "--force",
            ],
        ] {
            let o = tw(&data, &args);
            assert!(!o.status.success(), "{args:?} wrote through a link");
            assert!(text(&o).1.contains("symbolic link"), "{:?}", text(&o));
        }
    }
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
}

#[test]
fn control_characters_in_journal_and_checkin_text_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    recorded(&data);
    for args in [
        vec!["journal", "add", "--note", "fine\x1b[2J\x1b]0;owned\x07"],
        vec!["journal", "add", "--medication", "sal\rbutamol:stimulant"],
        vec!["journal", "add", "--medication", "x\x1b[31m:other"],
        vec!["checkin", "--site", "face", "--note", "ok\x08\x08\x08"],
    ] {
        let o = tw(&data, &args);
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{args:?} was stored");
        assert!(err.contains("control character"), "{args:?}: {err}");
        assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
    }
    let (out, _) = text(&tw(&data, &["journal", "list", "--json"]));
    assert!(!out.contains("\\u001b") && !out.contains("sal\\r"), "{out}");
    // Line breaks and tabs are ordinary in a note.
    let o = tw(
        &data,
        &["journal", "add", "--note", "slept badly\n\tcoffee at 9"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn an_empty_checkin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    recorded(&data);
    let o = tw(&data, &["checkin"]);
    let (_, err) = text(&o);
    assert!(!o.status.success(), "an empty check-in was stored");
    assert!(err.contains("empty"), "{err}");
    let (out, _) = text(&tw(&data, &["checkin", "--list", "1"]));
    assert!(out.contains("no check-ins"), "{out}");
}

#[test]
fn a_binary_file_given_to_classify_gets_a_short_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.csv");
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.push(x as u8);
    }
    std::fs::write(&path, &bytes).unwrap();
    let o = tw(dir.path(), &["classify", "--input", path.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(!o.status.success());
    assert!(out.is_empty());
    assert!(err.contains("not a text"), "{err}");
    assert!(
        err.len() < 400,
        "a short message, not a dump: {} bytes",
        err.len()
    );
}

#[test]
fn an_endless_header_line_is_refused_early_with_a_short_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    std::fs::write(&path, "t".repeat(20 * 1024 * 1024)).unwrap();
    let o = tw(dir.path(), &["classify", "--input", path.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("longer than"),
        "{}",
        &err[..err.len().min(400)]
    );
    assert!(err.len() < 400, "{} bytes of error", err.len());
}

/// `/dev/zero` never ends and has no line break: refused at once, in bounded memory (the child
/// runs under a 1 GiB address-space limit, which reading it whole would exceed at once).
#[cfg(target_os = "linux")]
#[test]
fn classify_of_an_endless_stream_fails_fast_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" classify --input /dev/zero")
        .arg(env!("CARGO_BIN_EXE_twitchwatch"))
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("not a text"), "{err}");
}

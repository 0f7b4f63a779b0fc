//! The doctor's report (HTML checked in headless Chromium) and the CSV/JSON export, over a
//! simulated 120-day history in a real store.

#[path = "../../alerts/tests/integration/rules_support/mod.rs"]
mod rules_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::civil::date;
use rand::Rng;
use rules_support::*;
use twitchwatch_alerts::AlertCenter;
use twitchwatch_journal::{BodySite, CheckIn, Medication, MedicationClass, Symptom};
use twitchwatch_report::{self as report, ExportFormat, ExportSection, Overwrite, ReportError};

const TODAY: jiff::civil::Date = date(2026, 6, 30);
const NASTY: &str = r#"<script>alert("pwned")</script>"#;

/// Twitching in the last four weeks, caffeine highs, some tremor, a medication with a hostile
/// name and a check-in with a hostile note.
fn history() -> History {
    let mut h = History::new(TODAY, 120, 21);
    h.fill(|rng, i, d| {
        let mut j = calm_journal(d, rng);
        if i % 4 == 0 {
            j.caffeine_mg = Some(520.0);
        }
        if i % 6 == 0 {
            j.sleep_hours = Some(5.0);
        }
        if i == 100 {
            j.notes = format!("{NASTY} =HYPERLINK(\"http://x\")");
            j.medications.push(Medication {
                name: "<b>Ventolin</b>".into(),
                class: MedicationClass::Stimulant,
                started_on: Some(d),
            });
        }
        DayPlan {
            twitches: if i >= 92 {
                twitchy(rng)
            } else {
                background(rng)
            },
            tremor_minutes: rng.gen_range(0..4),
            tremor_episodes: 1,
            spasm_seconds: if i % 10 == 0 { 12 } else { 0 },
            worn_minutes: if i % 15 == 7 { 0 } else { 120 },
            journal: Some(j),
        }
    });
    let center = AlertCenter::new(h.store.clone());
    let mut c = CheckIn::new(h.now_ms() - 3_600_000);
    c.twitch_sites.extend([BodySite::LeftHand, BodySite::Face]);
    c.symptoms.insert(Symptom::Weakness);
    c.note = format!("=cmd|' /C calc'!A0 {NASTY}");
    center.record_checkin(&c, h.now_ms()).unwrap();
    h
}

fn find_chromium() -> Option<PathBuf> {
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        if let Ok(out) = Command::new("which").arg(name).output() {
            if out.status.success() {
                let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if !path.is_empty() {
                    return Some(PathBuf::from(path));
                }
            }
        }
    }
    None
}

fn chromium(browser: &Path, extra: &[&str], url: &str) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium")
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

#[test]
fn report_has_every_section_escapes_user_text_and_renders_in_chromium() {
    let h = history();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let data =
        report::write_html(&h.store, h.now_ms(), None, None, &out, Overwrite::Refuse).unwrap();
    assert_eq!(data.days.len(), 90, "default period is 90 days");
    let html = std::fs::read_to_string(&out).unwrap();

    for needle in [
        "Informational, not a medical device",
        r#"id="summary""#,
        r#"id="alerts""#,
        r#"id="charts""#,
        r#"id="links""#,
        r#"id="checkins""#,
        r#"id="journal""#,
        "Persistent twitching",
        "Weakness together with twitching",
        "Twitches (fasciculations) per day",
        "Tremor per day",
        "Spasm per day",
        "high caffeine",
        "not monitored",
        "left hand, face",
    ] {
        assert!(html.contains(needle), "report lacks {needle}");
    }
    assert_eq!(html.matches("<svg").count(), 3);
    assert!(
        !html.contains("<script"),
        "user text must never become markup"
    );
    assert!(!html.contains("<b>Ventolin"));
    assert!(html.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;Ventolin&lt;/b&gt;"));
    assert!(
        !html.contains("src=") && !html.contains("<link") && !html.contains("url("),
        "no external resources: the page is self-contained"
    );
    let summary = report::summary_sentences(&data);
    assert!(
        summary.iter().any(|s| s.contains("alert(s) are open")),
        "{summary:?}"
    );

    let Some(browser) = find_chromium() else {
        eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        eprintln!("!!! SKIPPED the Chromium screenshot check: no chromium in PATH.        !!!");
        eprintln!("!!! Install Debian's `chromium` (CI does) to check the rendered report. !!!");
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
        return;
    };
    let url = format!("file://{}", out.display());
    let shot = dir.path().join("report.png");
    let run = chromium(
        &browser,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,2000",
        ],
        &url,
    );
    assert!(
        shot.exists(),
        "chromium wrote no screenshot: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(png_size(&png), (1200, 2000));
    // A blank page of the same size compresses to almost nothing; the report must not.
    let blank_html = dir.path().join("blank.html");
    std::fs::write(&blank_html, "<!doctype html><html><body></body></html>").unwrap();
    let blank_shot = dir.path().join("blank.png");
    chromium(
        &browser,
        &[
            &format!("--screenshot={}", blank_shot.display()),
            "--window-size=1200,2000",
        ],
        &format!("file://{}", blank_html.display()),
    );
    let blank = std::fs::read(&blank_shot).unwrap();
    assert!(
        png.len() > 8 * blank.len(),
        "report screenshot looks blank: {} bytes vs {} for an empty page",
        png.len(),
        blank.len()
    );
    // The browser's DOM (after parsing) holds the content: the charts and the alert text.
    let dom = chromium(&browser, &["--dump-dom"], &url);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(dom.matches("<svg").count(), 3);
    assert!(dom.contains("Persistent twitching"));
    assert!(!dom.contains("<script"));
    eprintln!(
        "report screenshot: {} ({} bytes; blank page {} bytes)",
        shot.display(),
        png.len(),
        blank.len()
    );
    if let Ok(keep) = std::env::var("TWITCHWATCH_KEEP_REPORT") {
        let _ = std::fs::copy(&shot, format!("{keep}.png"));
        let _ = std::fs::copy(&out, format!("{keep}.html"));
    }
}

/// 120 days of finger tapping with both hands: the left hand slows by a third over the last 10
/// days, the right stays as it was; a grip session every fourth day with the phone held.
fn task_history() -> History {
    use twitchwatch_tasks::{GripInput, Hand, PhoneMotionSample, Tap, TappingInput, TaskStore};
    let mut h = History::new(TODAY, 120, 31);
    h.fill(|rng, _, _| plan(background(rng), None));
    for (i, day) in h.dates().into_iter().enumerate() {
        for (hand, hour) in [(Hand::Left, 9), (Hand::Right, 10)] {
            let usual = 95 + h.rng.gen_range(0..=8u32);
            let count = if hand == Hand::Left && i >= 110 {
                usual - 32
            } else {
                usual
            };
            let step = 20_000.0 / count as f64;
            let r = TappingInput {
                hand,
                started_at_ms: h.at(day, hour),
                duration_ms: 20_000.0,
                targets: vec![],
                taps: (0..count)
                    .map(|k| Tap {
                        t_ms: k as f64 * step,
                        x_pt: 0.0,
                        y_pt: 0.0,
                    })
                    .collect(),
            }
            .into_result(h.now_ms())
            .unwrap();
            h.store.put_task_result(&r).unwrap();
        }
        if i % 4 == 0 {
            let shake = 0.004 + h.rng.gen_range(0.0..0.002);
            let r = GripInput {
                hand: Hand::Right,
                started_at_ms: h.at(day, 11),
                held_ms: 20_000.0,
                samples: (0..1000)
                    .map(|k| {
                        let t = k as f64 * 20.0;
                        PhoneMotionSample {
                            t_ms: t,
                            x_g: shake * (t / 1000.0 * 6.0 * std::f64::consts::TAU).sin(),
                            y_g: 0.0,
                            z_g: 1.0,
                        }
                    })
                    .collect(),
                self_rated_grip_0_10: Some(8),
                dynamometer_kg: None,
            }
            .into_result(h.now_ms())
            .unwrap();
            h.store.put_task_result(&r).unwrap();
        }
    }
    // What a running app does after each result: the rules run and raise their alerts.
    AlertCenter::new(h.store.clone())
        .evaluate(&h.store, h.now_ms())
        .unwrap();
    h
}

#[test]
fn task_trends_are_charted_with_the_baseline_band_cited_in_the_alert_and_render_in_chromium() {
    let h = task_history();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tasks.html");
    let data =
        report::write_html(&h.store, h.now_ms(), None, None, &out, Overwrite::Refuse).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    // Tapping count and rhythm for both hands; grip: held share, sag, self-rating.
    let charts = html.matches(r#"class="chart trend""#).count();
    assert_eq!(charts, 7, "one chart per task, hand and measure");
    assert_eq!(html.matches(r#"class="band""#).count(), charts);
    assert!(html.contains("Finger tapping — left hand (taps in 20 s)"));
    assert!(html.contains("Finger tapping — right hand (taps in 20 s)"));
    assert!(html.contains("Sustained decline: 10 consecutive sessions on 10 days"));
    assert!(html.contains("What the grip task can and cannot tell."));
    assert!(html.contains("Neither measures grip force"));
    assert!(html.contains("Latest finger tapping: left"));
    // The decline is objective evidence for the coordination red flag, cited in the report's alert.
    let alert = data
        .alerts
        .iter()
        .find(|a| a.id == "coordination_loss")
        .expect("coordination_loss raised");
    assert!(alert.is_live());
    assert!(html
        .contains("Measured: Finger tapping (left hand), taps in 20 s: 10 consecutive sessions"));
    // Sessions of the 90-day period only (baseline sessions were before it), red where worse.
    let left = data
        .evaluation
        .task_trends
        .iter()
        .find(|t| {
            t.hand == twitchwatch_tasks::Hand::Left
                && t.metric == twitchwatch_tasks::Metric::TapCount
        })
        .unwrap();
    assert_eq!(left.points.len(), 120);
    assert!(html.matches(r#"class="dot worse""#).count() >= 10);

    let Some(browser) = find_chromium() else {
        eprintln!("!!! SKIPPED the Chromium check of the task charts: no chromium in PATH. !!!");
        return;
    };
    let url = format!("file://{}", out.display());
    let dom = chromium(&browser, &["--dump-dom"], &url);
    let dom = String::from_utf8_lossy(&dom.stdout);
    // Chromium parsed every chart as SVG with its dots (none swallowed by an unclosed element).
    assert_eq!(dom.matches(r#"class="chart trend""#).count(), charts);
    assert_eq!(
        dom.matches("<circle").count(),
        html.matches("<circle").count()
    );
    assert!(dom.matches("<circle").count() >= 7 * 20);
    assert!(dom.contains("Sustained decline"));
    // Rendered: the page is not blank where the charts are (the tasks section is on screen at this size).
    let shot = dir.path().join("tasks.png");
    chromium(
        &browser,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,4000",
        ],
        &url,
    );
    let png = std::fs::read(&shot).expect("chromium wrote a screenshot");
    assert_eq!(png_size(&png), (1200, 4000));
    if let Ok(keep) = std::env::var("TWITCHWATCH_KEEP_REPORT") {
        let _ = std::fs::copy(&shot, format!("{keep}-tasks.png"));
        let _ = std::fs::copy(&out, format!("{keep}-tasks.html"));
    }
    // JSON and CSV exports carry the sessions.
    let json = dir.path().join("tasks.json");
    report::export(
        &h.store,
        h.now_ms(),
        ExportFormat::Json,
        &[ExportSection::Tasks],
        None,
        None,
        &json,
        Overwrite::Refuse,
    )
    .unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let tasks = doc["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), data.task_results.len());
    assert!(tasks.iter().any(|t| t["measures"]["task"] == "grip"));
}

/// 120 days of the arms-out tremor task every other day with a little tremor, then daily sessions
/// with tremor half the time over the last 8 days: the tremor-progression red flag on measurements.
fn tremor_task_history() -> History {
    use twitchwatch_tasks::{
        Hand, SensorQuality, TaskKind, TaskMeasures, TaskResult, TaskStore, TremorMetrics,
    };
    let mut h = History::new(TODAY, 120, 41);
    h.fill(|rng, _, _| plan(background(rng), None));
    for (i, day) in h.dates().into_iter().enumerate() {
        let percent = if i >= 112 {
            50.0 + (i % 3) as f64
        } else if i % 2 == 0 {
            h.rng.gen_range(2.0..8.0)
        } else {
            continue;
        };
        let started_at_ms = h.at(day, 9);
        let r = TaskResult {
            started_at_ms,
            completed_at_ms: started_at_ms + 30_000,
            hand: Hand::Right,
            measures: TaskMeasures::Tremor {
                kind: TaskKind::TremorOutstretched,
                metrics: TremorMetrics {
                    duration_s: 30.0,
                    tremor_fraction: percent / 100.0,
                    dominant_freq_hz: Some(6.0),
                    amplitude_g: Some(0.03),
                    tremor_events: 1,
                    judged_fraction: 1.0,
                    quality: SensorQuality {
                        effective_rate_hz: 100.0,
                        nominal_rate_hz: 100.0,
                        samples_received: 3000,
                        samples_lost: 0,
                        gaps: 0,
                        has_gyro: true,
                    },
                },
            },
        };
        h.store.put_task_result(&r).unwrap();
    }
    AlertCenter::new(h.store.clone())
        .evaluate(&h.store, h.now_ms())
        .unwrap();
    h
}

#[test]
fn a_tremor_task_rise_is_cited_in_the_tremor_alert_and_charted_and_renders_in_chromium() {
    let h = tremor_task_history();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tremor.html");
    let data =
        report::write_html(&h.store, h.now_ms(), None, None, &out, Overwrite::Refuse).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    let alert = data
        .alerts
        .iter()
        .find(|a| a.id == "tremor_progression")
        .expect("tremor_progression raised");
    assert!(alert.is_live());
    assert_eq!(alert.evidence.task_declines.len(), 1);
    // The alert in the report cites the measurement, and the task's chart shows the run.
    assert!(html.contains("Tremor growing over weeks"));
    assert!(html.contains(
        "Measured: Arms held out (right hand), time in tremor (%): 8 consecutive sessions on 8 days"
    ));
    assert!(html.contains("Arms held out — right hand (time in tremor (%))"));
    assert!(html.contains("Sustained increase (worse): 8 consecutive sessions on 8 days"));
    assert!(html.matches(r#"class="dot worse""#).count() >= 8);

    let Some(browser) = find_chromium() else {
        eprintln!(
            "!!! SKIPPED the Chromium check of the tremor task chart: no chromium in PATH. !!!"
        );
        return;
    };
    let url = format!("file://{}", out.display());
    let dom = chromium(&browser, &["--dump-dom"], &url);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(dom.matches(r#"class="chart trend""#).count(), 1);
    assert!(dom.contains("Measured: Arms held out (right hand)"));
    assert!(dom.contains("Sustained increase (worse)"));
}

#[test]
fn export_writes_csv_and_json_that_read_back() {
    let h = history();
    let dir = tempfile::tempdir().unwrap();
    let from = Some(date(2026, 6, 1));
    let csv_dir = dir.path().join("csv");
    let summary = report::export(
        &h.store,
        h.now_ms(),
        ExportFormat::Csv,
        &[],
        from,
        None,
        &csv_dir,
        Overwrite::Refuse,
    )
    .unwrap();
    assert_eq!(summary.files.len(), ExportSection::ALL.len());
    assert!(summary.files.iter().any(|f| f.ends_with("tasks.csv")));
    let rows =
        |s: ExportSection| summary.rows.iter().find(|r| r.section == s).unwrap().rows as usize;
    assert_eq!(rows(ExportSection::Days), 30);
    assert_eq!(rows(ExportSection::Journal), 30);
    assert_eq!(rows(ExportSection::Checkins), 1);
    let events = h
        .store
        .events_in_range(h.at(date(2026, 6, 1), 0), i64::MAX)
        .unwrap();
    assert_eq!(rows(ExportSection::Events), events.len());
    for file in &summary.files {
        let mut reader = csv::Reader::from_path(file).unwrap();
        let n = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .len();
        let section = file.file_stem().unwrap().to_str().unwrap().parse().unwrap();
        assert_eq!(n, rows(section), "{}", file.display());
    }
    let checkins = std::fs::read_to_string(csv_dir.join("checkins.csv")).unwrap();
    assert!(
        checkins.contains("'=cmd"),
        "formula-like cells are defused: {checkins}"
    );
    assert!(checkins.contains("left_hand;face"));

    let json_path = dir.path().join("export.json");
    report::export(
        &h.store,
        h.now_ms(),
        ExportFormat::Json,
        &[ExportSection::Journal, ExportSection::Days],
        from,
        None,
        &json_path,
        Overwrite::Refuse,
    )
    .unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(doc["format"], "twitchwatch-export");
    assert_eq!(doc["days"].as_array().unwrap().len(), 30);
    assert_eq!(doc["journal"].as_array().unwrap().len(), 30);
    assert!(doc.get("events").is_none());
    assert_eq!(doc["time_zone"], ZONE);

    let one = dir.path().join("events.csv");
    let s = report::export(
        &h.store,
        h.now_ms(),
        ExportFormat::Csv,
        &[ExportSection::Events],
        from,
        None,
        &one,
        Overwrite::Refuse,
    )
    .unwrap();
    assert_eq!(s.files, vec![one.clone()]);
    assert!(std::fs::read_to_string(&one)
        .unwrap()
        .starts_with("kind,start_ms,end_ms"));
}

#[test]
fn bad_periods_are_clear_errors() {
    let h = History::new(TODAY, 10, 1);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let err = report::write_html(
        &h.store,
        h.now_ms(),
        Some(date(2026, 6, 20)),
        Some(date(2026, 6, 10)),
        &out,
        Overwrite::Refuse,
    )
    .unwrap_err();
    assert!(matches!(err, ReportError::Period(_)), "{err}");
    let err = report::write_html(
        &h.store,
        h.now_ms(),
        None,
        Some(date(2026, 7, 5)),
        &out,
        Overwrite::Refuse,
    )
    .unwrap_err();
    assert!(err.to_string().contains("future"), "{err}");
    let err = report::write_html(
        &h.store,
        h.now_ms(),
        Some(date(2020, 1, 1)),
        None,
        &out,
        Overwrite::Refuse,
    )
    .unwrap_err();
    assert!(err.to_string().contains("maximum"), "{err}");
    // An empty store still gives a readable page.
    let data =
        report::write_html(&h.store, h.now_ms(), None, None, &out, Overwrite::Refuse).unwrap();
    assert!(report::summary_sentences(&data)[0].contains("not worn long enough"));
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("No open alerts"));
}

/// The report and the export write only where they were told: never over an existing file unless
/// asked, never through a symlink, never outside the named folder (`..`), and owner-only.
#[test]
fn report_and_export_never_overwrite_follow_links_or_leave_the_named_folder() {
    let h = History::new(TODAY, 10, 3);
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let existing = dir.path().join("report.html");
    std::fs::write(&existing, b"last week's report").unwrap();
    let now = h.now_ms();

    let err =
        report::write_html(&h.store, now, None, None, &existing, Overwrite::Refuse).unwrap_err();
    assert!(matches!(err, ReportError::Exists { .. }), "{err:?}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"last week's report");
    let err = report::export(
        &h.store,
        now,
        ExportFormat::Json,
        &[],
        None,
        None,
        &existing,
        Overwrite::Refuse,
    )
    .unwrap_err();
    assert!(matches!(err, ReportError::Exists { .. }), "{err:?}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"last week's report");

    #[cfg(unix)]
    {
        let link = dir.path().join("link.html");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err =
            report::write_html(&h.store, now, None, None, &link, Overwrite::Refuse).unwrap_err();
        assert!(matches!(err, ReportError::Symlink { .. }), "{err:?}");
        let err = report::export(
            &h.store,
            now,
            ExportFormat::Csv,
            &[ExportSection::Days],
            None,
            None,
            &link,
            Overwrite::Refuse,
        )
        .unwrap_err();
        assert!(matches!(err, ReportError::Symlink { .. }), "{err:?}");
        let err =
            report::write_html(&h.store, now, None, None, &link, Overwrite::Replace).unwrap_err();
        assert!(matches!(err, ReportError::Symlink { .. }), "{err:?}");
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    }

    let sub = dir.path().join("reports");
    std::fs::create_dir(&sub).unwrap();
    let escape = sub.join("..").join("victim.txt");
    let err =
        report::write_html(&h.store, now, None, None, &escape, Overwrite::Refuse).unwrap_err();
    assert!(matches!(err, ReportError::OutsideFolder { .. }), "{err:?}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");

    // A CSV folder with one section file already there: nothing is written at all.
    let csv_dir = dir.path().join("csv");
    std::fs::create_dir(&csv_dir).unwrap();
    std::fs::write(csv_dir.join("journal.csv"), b"mine").unwrap();
    let err = report::export(
        &h.store,
        now,
        ExportFormat::Csv,
        &[],
        None,
        None,
        &csv_dir,
        Overwrite::Refuse,
    )
    .unwrap_err();
    assert!(matches!(err, ReportError::Exists { .. }), "{err:?}");
    assert_eq!(std::fs::read_dir(&csv_dir).unwrap().count(), 1);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let fresh = dir.path().join("fresh.html");
        report::write_html(&h.store, now, None, None, &fresh, Overwrite::Refuse).unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the report holds health data");
        // Asked to, it replaces the existing file (atomically, owner-only).
        report::write_html(&h.store, now, None, None, &existing, Overwrite::Replace).unwrap();
        assert!(std::fs::read_to_string(&existing)
            .unwrap()
            .contains("not a medical device"));
        let mode = std::fs::metadata(&existing).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let json = dir.path().join("fresh.json");
        report::export(
            &h.store,
            now,
            ExportFormat::Json,
            &[],
            None,
            None,
            &json,
            Overwrite::Refuse,
        )
        .unwrap();
        let mode = std::fs::metadata(&json).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the export holds health data");
    }
}

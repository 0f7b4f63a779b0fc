//! The classifier on real recordings no simulator made (shared/data, MIT licensed): a person with
//! Parkinson's disease doing MDS-UPDRS tasks, and a person without a movement disorder (negative control).

use std::fs::File;
use std::path::PathBuf;

use twitchwatch_classify::{ClassifierConfig, ClassifierOutput, StreamingClassifier};
use twitchwatch_lab::recording::{import, Format, Recording};
use twitchwatch_model::{MotorEvent, MotorEventKind};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(rel)
}

/// `TW_CFG="tremor_min_hops=6"`: the defaults with a few values changed, for checking a candidate
/// setting against real data (the classifier-eval test reads the same variable).
fn config_from_env() -> ClassifierConfig {
    twitchwatch_lab::eval::config_with_overrides(&std::env::var("TW_CFG").unwrap_or_default())
        .expect("TW_CFG")
}

fn classify(rec: &Recording) -> ClassifierOutput {
    let mut c = StreamingClassifier::new(config_from_env());
    let mut out = ClassifierOutput::new();
    for b in rec.batches((rec.sample_rate_hz / 10.0) as usize) {
        c.push_batch(&b, &mut out).expect("real data is valid");
    }
    c.finish(&mut out);
    out
}

fn pdkit(task: &str, hand: &str) -> (Recording, ClassifierOutput) {
    let path = data(&format!("pdkit-2458/{task}_-_{hand}_HAND.csv"));
    let rec =
        import(Format::Pdkit, File::open(&path).expect("pdkit file"), None).expect("pdkit parses");
    let out = classify(&rec);
    println!(
        "{task} {hand}: {:.1} s at {} Hz",
        rec.duration_s(),
        rec.sample_rate_hz
    );
    for e in &out.events {
        println!("  {e:?}");
    }
    (rec, out)
}

fn of(out: &ClassifierOutput, kind: MotorEventKind) -> Vec<&MotorEvent> {
    out.events.iter().filter(|e| e.kind == kind).collect()
}

/// Time the classifier called tremor, from the minute summaries (each hop's class). Not the events'
/// spans: a bout that resumes after a pause is one event, and its span includes the pause.
fn tremor_seconds(out: &ClassifierOutput) -> f32 {
    out.minutes
        .iter()
        .map(|m| m.tremor.any_tremor() * 60.0)
        .sum()
}

fn tremor_event_seconds(out: &ClassifierOutput) -> f32 {
    of(out, MotorEventKind::Tremor)
        .iter()
        .map(|e| e.duration_ms() as f32 / 1000.0)
        .sum()
}

#[test]
fn rest_tremor_tasks_find_tremor_in_the_parkinsonian_range_stronger_on_the_right() {
    let (_, right) = pdkit("REST_TREMOR_AMPLITUDE", "RIGHT");
    let (_, left) = pdkit("REST_TREMOR_AMPLITUDE", "LEFT");
    let (r, l) = (
        of(&right, MotorEventKind::Tremor),
        of(&left, MotorEventKind::Tremor),
    );
    // The phone sees only a few mg of rest tremor here (docs/accuracy.md); what it calls tremor must
    // still be in the 3–8 Hz range of parkinsonian tremor, and the right (UPDRS 2) must not read
    // weaker than the left (UPDRS 1).
    // Both hands were rated (UPDRS 2 right, 1 left): each task must show a bout. (A change to the
    // autocorrelation's lag range once lost the left hand's only bout without any other test noticing.)
    assert!(
        !r.is_empty() && !l.is_empty(),
        "rest tremor missing: right {r:?}, left {l:?}"
    );
    for e in r.iter().chain(&l) {
        let f = e.dominant_freq_hz.unwrap_or(0.0);
        assert!((3.0..=8.0).contains(&f), "tremor at {f} Hz: {e:?}");
    }
    // The right hand (UPDRS 2) must not read weaker than the left (UPDRS 1). Compared by the
    // share of time in tremor below, not by the largest event's peak: one brief 8 mg burst on
    // the left outweighs a right hand that trembles at 4–5 mg for most of the task.
    println!(
        "tremor seconds: right {:.1}, left {:.1}; inside tremor events: right {:.1}, left {:.1}",
        tremor_seconds(&right),
        tremor_seconds(&left),
        tremor_event_seconds(&right),
        tremor_event_seconds(&left)
    );
    // The share of each recording called tremor (docs/accuracy.md reports it): the score-2 hand
    // must show at least a quarter of its recording as tremor, and not less than the score-1 hand.
    let share =
        |rec: &Recording, out: &ClassifierOutput| tremor_seconds(out) / rec.duration_s() as f32;
    let (right_rec, _) = pdkit("REST_TREMOR_AMPLITUDE", "RIGHT");
    let (left_rec, _) = pdkit("REST_TREMOR_AMPLITUDE", "LEFT");
    let (rs, ls) = (share(&right_rec, &right), share(&left_rec, &left));
    assert!(
        rs >= 0.25 && rs >= ls,
        "tremor share right {rs:.2}, left {ls:.2}"
    );
    assert!(
        of(&right, MotorEventKind::Spasm).is_empty() && of(&left, MotorEventKind::Spasm).is_empty()
    );
}

#[test]
fn pronation_supination_is_voluntary_not_tremor_or_spasm() {
    for hand in ["RIGHT", "LEFT"] {
        let (_, out) = pdkit("PRONATION_SUPINATION", hand);
        assert!(
            of(&out, MotorEventKind::Tremor).is_empty(),
            "{hand}: {:?}",
            out.events
        );
        assert!(
            of(&out, MotorEventKind::Spasm).is_empty(),
            "{hand}: {:?}",
            out.events
        );
        let moving: f32 = out.minutes.iter().map(|m| m.wear.moving).sum();
        assert!(
            moving > 0.2,
            "{hand}: the task should read as movement: {:?}",
            out.minutes
        );
    }
}

#[test]
fn postural_and_kinetic_tasks_report_what_they_find() {
    // No assertion on tremor here beyond sanity: UPDRS 1 (slight) on both hands; these print the
    // findings for docs/accuracy.md.
    for task in ["POSTURAL_TREMOR_OF_THE_HANDS", "KINETIC_TREMOR_OF_HANDS"] {
        for hand in ["RIGHT", "LEFT"] {
            let (rec, out) = pdkit(task, hand);
            for e in of(&out, MotorEventKind::Tremor) {
                let f = e.dominant_freq_hz.unwrap_or(0.0);
                assert!((3.0..=12.5).contains(&f), "{task} {hand}: {e:?}");
            }
            assert!(
                out.events.len() < (rec.duration_s() as usize),
                "{task} {hand}: burst of events"
            );
        }
    }
}

#[test]
fn wrist_daily_living_negative_control_has_no_tremor_no_spasm_few_twitches() {
    let path = data("wrist-daily-living/sample_wrist_accelerometer_data.csv");
    let rec = import(
        Format::WristDailyLiving,
        File::open(&path).expect("file"),
        None,
    )
    .expect("parses");
    assert_eq!(rec.sample_rate_hz, 100.0);
    let out = classify(&rec);
    println!("wrist daily living: {:.1} s", rec.duration_s());
    for e in &out.events {
        println!("  {e:?}");
    }
    for m in &out.minutes {
        println!("  {m:?}");
    }
    assert!(
        of(&out, MotorEventKind::Tremor).is_empty(),
        "{:?}",
        out.events
    );
    assert!(
        of(&out, MotorEventKind::Spasm).is_empty(),
        "{:?}",
        out.events
    );
    assert!(
        of(&out, MotorEventKind::Fasciculation).len() <= 2,
        "{:?}",
        out.events
    );
}

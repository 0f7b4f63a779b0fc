//! Regression floors: the CI subset of the held-out evaluation suite must keep its accuracy.
//! Run the full table with `twitchwatch evaluate --split held-out`.

use twitchwatch_classify::ClassifierConfig;
use twitchwatch_lab::eval::{config_with_overrides, evaluate, run_case, suite, Split};
use twitchwatch_model::MotorEventKind;

/// `TW_CFG="spasm_min_rms_g=0.06,twitch_threshold_mads=10"` overrides defaults while tuning.
fn config_from_env() -> ClassifierConfig {
    config_with_overrides(&std::env::var("TW_CFG").unwrap_or_default()).expect("TW_CFG")
}

#[test]
fn ci_split_stays_above_floors() {
    let split = std::env::var("TW_EVAL_SPLIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(Split::Ci);
    if std::env::var("TW_EVAL_VERBOSE").is_ok() {
        // TW_EVAL_CASE=spasm-2s limits the per-case listing to names containing it.
        let only = std::env::var("TW_EVAL_CASE").unwrap_or_default();
        for case in suite(split).into_iter().filter(|c| c.name.contains(&only)) {
            let (labels, out, _) = run_case(&case, &config_from_env()).unwrap();
            let fmt = |k: &dyn std::fmt::Debug| format!("{k:?}");
            println!(
                "== {} labels {} detections {}",
                case.name,
                labels.len(),
                out.events.len()
            );
            for l in &labels {
                println!(
                    "   L {:>8} {:>8} {:<14} {:.4} {:?}",
                    l.start_ms,
                    l.end_ms,
                    fmt(&l.kind),
                    l.amplitude_g,
                    l.freq_hz
                );
            }
            for d in &out.events {
                println!(
                    "   D {:>8} {:>8} {:<14} {:.4} {:?} {:.2}",
                    d.start_ms,
                    d.end_ms,
                    fmt(&d.kind),
                    d.peak_accel_g,
                    d.dominant_freq_hz,
                    d.confidence
                );
            }
        }
        if !only.is_empty() {
            return; // looking at a few cases, not measuring
        }
    }
    let report = evaluate(split, &config_from_env()).expect("suite runs");
    println!("{}", report.table());
    if split != Split::Ci {
        return;
    }
    // Floors sit a little under what the CI subset measured when they were set (docs/accuracy.md);
    // a change that drops below one has made the classifier worse.
    let totals = report.totals();
    let floor = |name: &str, value: f32, min: f32| {
        assert!(
            value >= min,
            "{name} = {value:.3} fell below its floor {min}\n{}",
            report.table()
        );
    };
    floor(
        "tremor F1 (worst rate)",
        report.min_f1_over_rates(MotorEventKind::Tremor),
        0.65,
    );
    floor(
        "tremor frequency within ±0.3 Hz",
        report.tremor_freq_within_0_3(),
        0.95,
    );
    floor(
        "tremor precision, further pieces of a found bout counted as false",
        report.precision_counting_fragments(1),
        0.85,
    );
    floor("spasm precision", totals[2].precision(), 0.9);
    floor("spasm recall", totals[2].recall(), 0.4);
    floor(
        "fasciculation F1, hand at rest, >=200 Hz, >=5 mg",
        report.twitch_target.f1(),
        0.38,
    );
    floor(
        "fasciculation F1, at rest, >= 10x sensor noise",
        report.twitch_strong.f1(),
        0.34,
    );
    floor(
        "fasciculation precision (all rates)",
        totals[0].precision(),
        0.8,
    );
    let per_h = |n: u32| n as f32 / report.voluntary_hours.max(1e-9) as f32;
    let [false_twitch, false_tremor, false_spasm] = report.healthy_false_by_kind;
    assert!(
        per_h(false_twitch) <= 3.0,
        "false twitches per hour in healthy-only recordings = {:.2} > 3\n{}",
        per_h(false_twitch),
        report.table()
    );
    assert!(
        per_h(false_tremor + false_spasm) <= 2.0,
        "false tremor or spasm per hour in healthy-only recordings = {:.2} > 2\n{}",
        per_h(false_tremor + false_spasm),
        report.table()
    );
}

/// Handwriting is a rhythm of strokes between line shifts; rest tremor is a rhythm of the arm at
/// rest. TUNING's five simulated writers (the split every threshold was chosen on) gave 10 false
/// tremor bouts while a rhythm could carry on across the voluntary movements between its hops, and
/// 4 once a movement ends a bout: this holds the second.
#[test]
fn handwriting_is_seldom_called_tremor() {
    let mut bouts = Vec::new();
    for case in suite(Split::Tuning)
        .into_iter()
        .filter(|c| c.name.starts_with("voluntary-Writing"))
    {
        let (_, out, _) = run_case(&case, &ClassifierConfig::default()).unwrap();
        bouts.extend(
            out.events
                .iter()
                .filter(|e| e.kind == MotorEventKind::Tremor)
                .map(|e| (case.name.clone(), e.start_ms, e.end_ms)),
        );
    }
    assert!(
        bouts.len() <= 6,
        "{} tremor bouts while writing: {bouts:?}",
        bouts.len()
    );
}

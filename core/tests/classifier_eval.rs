//! Regression floors: the CI subset of the held-out evaluation suite must keep its accuracy.
//! Run the full table with `twitchwatch evaluate --split held-out`.

use twitchwatch_core::classify::eval::{evaluate, run_case, suite, Split};
use twitchwatch_core::classify::ClassifierConfig;

#[test]
fn ci_split_stays_above_floors() {
    let split = std::env::var("TW_EVAL_SPLIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(Split::Ci);
    if std::env::var("TW_EVAL_VERBOSE").is_ok() {
        for case in suite(split) {
            let (labels, out, _) = run_case(&case, &ClassifierConfig::default()).unwrap();
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
    }
    let report = evaluate(split, &ClassifierConfig::default()).expect("suite runs");
    println!("{}", report.table());
}

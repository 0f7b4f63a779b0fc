//! `twitchwatch classify`: a recording analysed offline, printed as JSON lines (docs/cli.md).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use twitchwatch_classify::{ClassifierConfig, ClassifierOutput, StreamingClassifier};
use twitchwatch_lab::recording::{self, Format};

use crate::output;

#[derive(clap::Args)]
pub struct ClassifyArgs {
    /// The recording (CSV: t in s, ax,ay,az in g, optional gx,gy,gz in deg/s).
    #[arg(long)]
    input: PathBuf,
    /// Input layout: csv (ours), pdkit, wrist-daily-living (the public recordings; units converted).
    #[arg(long, default_value = "csv")]
    format: Format,
    /// Sample rate in Hz (default: inferred from t).
    #[arg(long)]
    rate: Option<f32>,
    /// Print the sample count and the time spent reading and classifying to stderr.
    #[arg(long)]
    timings: bool,
}

/// A tenth of a second per batch, like a wearable's notifications.
const BATCH_SECONDS: f32 = 0.1;

pub fn run(args: ClassifyArgs) -> anyhow::Result<()> {
    let read_started = Instant::now();
    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("cannot open {}", args.input.display()))?;
    let rec = recording::import(args.format, std::io::BufReader::new(file), args.rate)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let read_s = read_started.elapsed().as_secs_f64();

    let classify_started = Instant::now();
    let mut classifier = StreamingClassifier::new(ClassifierConfig::default());
    let mut out = ClassifierOutput::new();
    let mut events = Vec::new();
    let mut minutes = Vec::new();
    let per_batch = ((rec.sample_rate_hz * BATCH_SECONDS).ceil() as usize).max(1);
    for batch in rec.batches(per_batch) {
        classifier
            .push_batch(&batch, &mut out)
            .with_context(|| format!("cannot classify {}", args.input.display()))?;
        events.append(&mut out.events);
        minutes.append(&mut out.minutes);
    }
    classifier.finish(&mut out);
    events.append(&mut out.events);
    minutes.append(&mut out.minutes);
    let classify_s = classify_started.elapsed().as_secs_f64();

    // Events and minutes interleaved in time order, so a reader can stream the output.
    let mut lines: Vec<(i64, u8, serde_json::Value)> = events
        .iter()
        .map(|e| (e.start_ms, 1, output::event_json(e)))
        .chain(
            minutes
                .iter()
                .map(|m| (m.minute_start_ms + 60_000, 0, output::minute_json(m))),
        )
        .collect();
    lines.sort_by_key(|(t, order, _)| (*t, *order));
    let mut stdout = std::io::stdout().lock();
    for (_, _, line) in &lines {
        if writeln!(stdout, "{line}").is_err() {
            break; // the reader closed the pipe
        }
    }
    if args.timings {
        let n = rec.len();
        eprintln!(
            "samples {n}  rate_hz {:.1}  read_s {read_s:.4}  classify_s {classify_s:.4}  classify_samples_per_s {:.0}",
            rec.sample_rate_hz,
            n as f64 / classify_s.max(1e-9)
        );
    }
    Ok(())
}

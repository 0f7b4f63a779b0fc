//! `twitchwatch evaluate`: runs the classifier over the labelled simulated suite and prints the
//! accuracy table (per-class P/R/F1, confusion, frequency and onset errors, false events per hour).

use std::time::Instant;

use anyhow::Context;
use twitchwatch_classify::ClassifierConfig;
use twitchwatch_lab::eval::{evaluate, Split};

#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// Which part of the suite: held-out (the reported accuracy: all twitch shapes and everyday
    /// tasks), wide (the sensors' own rates, wider floors and smaller tremor, never used to choose
    /// anything), fresh (held-out's ranges on other seeds and spasm sizes, read only after a choice
    /// held-out had informed), tuning (what the thresholds were chosen on) or ci (the fast subset
    /// the regression floors use).
    #[arg(long, default_value = "held-out", value_parser = parse_split)]
    pub split: Split,
}

fn parse_split(s: &str) -> Result<Split, String> {
    s.parse()
}

pub fn run(args: EvaluateArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let report = evaluate(args.split, &ClassifierConfig::default())
        .with_context(|| format!("evaluating the {} split", args.split))?;
    println!("{}", report.table());
    eprintln!(
        "evaluated {} cases ({} samples) in {:.1} s",
        report.cases,
        report.samples,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

//! Writes the twitch candidates of one evaluation split, with their features and whether each is a
//! labelled twitch, as CSV: the input of `lab/train/train_twitch_model.py`.
//!
//! `cargo run --release -p twitchwatch-lab --bin twitch-features -- tuning > tuning.csv`

use std::process::ExitCode;

use twitchwatch_lab::eval::{twitch_candidate_rows, Split};

fn main() -> ExitCode {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "tuning".into());
    let split: Split = match arg.parse() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("twitch-features: {e} (tuning, held-out, wide or ci)");
            return ExitCode::from(2);
        }
    };
    let rows = match twitch_candidate_rows(split) {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("twitch-features: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    for row in &rows {
        if let Err(e) = w.serialize(row) {
            eprintln!("twitch-features: {e}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(e) = w.flush() {
        eprintln!("twitch-features: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

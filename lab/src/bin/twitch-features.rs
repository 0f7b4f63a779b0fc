//! Writes the twitch candidates of one evaluation split, with their features and whether each is a
//! labelled twitch, as CSV: the input of `lab/train/train_twitch_model.py`.
//!
//! `cargo run --release -p twitchwatch-lab --bin twitch-features -- tuning > tuning.csv`
//!
//! With `--labels` after the split it writes instead every labelled twitch with what became of it
//! (no candidate, the gate that refused it, the model, or found): the diagnosis of a recall figure.
//! `TW_CFG="name=value,…"` changes classifier settings while one is tried, as the evaluation
//! tests read it.

use std::process::ExitCode;

use twitchwatch_lab::eval::{
    split_and_config_from_env, twitch_candidate_rows, twitch_label_outcomes,
};

fn main() -> ExitCode {
    let (split, config) = match split_and_config_from_env() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("twitch-features: {e}");
            return ExitCode::from(2);
        }
    };
    let written = if std::env::args().nth(2).as_deref() == Some("--labels") {
        twitch_label_outcomes(split, &config).map(|rows| write_csv(&rows))
    } else {
        twitch_candidate_rows(split, &config).map(|rows| write_csv(&rows))
    };
    match written {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("twitch-features: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("twitch-features: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_csv<T: serde::Serialize>(rows: &[T]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    for row in rows {
        w.serialize(row)?;
    }
    w.flush()?;
    Ok(())
}

//! Writes every simulated spasm of one evaluation split with what became of it, and every spasm
//! reported in the split's healthy recordings, with what the sensor saw over each (CSV):
//! the diagnosis of a spasm recall or false-spasm figure.
//!
//! `cargo run --release -p twitchwatch-lab --bin spasm-cases -- tuning > spasms.csv`
//!
//! `TW_CFG="name=value,…"` changes classifier settings while one is tried.

use std::process::ExitCode;

use twitchwatch_lab::eval::split_and_config_from_env;
use twitchwatch_lab::spasm_diagnosis::spasm_rows;

fn main() -> ExitCode {
    let (split, config) = match split_and_config_from_env() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("spasm-cases: {e}");
            return ExitCode::from(2);
        }
    };
    let rows = match spasm_rows(split, &config) {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("spasm-cases: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    for row in &rows {
        if let Err(e) = w.serialize(row) {
            eprintln!("spasm-cases: {e}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(e) = w.flush() {
        eprintln!("spasm-cases: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

//! The evaluation table of one split with trial settings, for trying a change without rebuilding
//! the CLI: `TW_CFG="name=value,…" eval-split tuning` (the same table as `twitchwatch evaluate`).

use std::process::ExitCode;

use twitchwatch_lab::eval::{config_with_overrides, evaluate, Split};

fn main() -> ExitCode {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "tuning".into());
    let split: Split = match arg.parse() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("eval-split: {e}");
            return ExitCode::from(2);
        }
    };
    let config = match config_with_overrides(&std::env::var("TW_CFG").unwrap_or_default()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("eval-split: TW_CFG: {e}");
            return ExitCode::from(2);
        }
    };
    match evaluate(split, &config) {
        Ok(report) => {
            print!("{}", report.table());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("eval-split: {e}");
            ExitCode::FAILURE
        }
    }
}

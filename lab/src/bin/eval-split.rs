//! The evaluation table of one split with trial settings, for trying a change without rebuilding
//! the CLI: `TW_CFG="name=value,…" eval-split tuning` (the same table as `twitchwatch evaluate`).

use std::process::ExitCode;

use twitchwatch_lab::eval::{evaluate, split_and_config_from_env};

fn main() -> ExitCode {
    let (split, config) = match split_and_config_from_env() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("eval-split: {e}");
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

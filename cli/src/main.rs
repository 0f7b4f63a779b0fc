//! `twitchwatch`: the desktop shell over twitchwatch-core. It parses arguments, prints, and nothing more;
//! every decision is the core's.

mod classify_cmd;
mod history_cmd;
mod monitor_cmd;
mod output;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "twitchwatch",
    version,
    about = "Watch a hand-worn motion sensor for fasciculations, tremor and spasm; keep the history on this machine.",
    long_about = "TwitchWatch is informational, not a medical device. It does not diagnose anything; \
                  if you are worried about your symptoms, see a doctor."
)]
struct Cli {
    /// Where the history is kept (default: the per-user data folder, e.g. ~/.local/share/twitchwatch).
    #[arg(long, global = true, env = "TWITCHWATCH_DATA_DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Stream from the wearable (or the built-in simulator) through the classifier into the history, live.
    Monitor(monitor_cmd::MonitorArgs),
    /// Analyse a recording offline and print JSON lines (one per event and per minute).
    Classify(classify_cmd::ClassifyArgs),
    /// Show daily and per-minute summaries from the history.
    History(history_cmd::HistoryArgs),
    /// List the simulator's built-in scenarios.
    Scenarios,
}

fn data_dir(cli_value: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match cli_value {
        Some(p) => Ok(p),
        None => dirs::data_local_dir()
            .map(|d| d.join("twitchwatch"))
            .context("no per-user data folder on this system; pass --data-dir"),
    }
}

fn init_logging() {
    // RUST_LOG works as usual; by default only warnings, so health values (debug) never show.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn main() -> std::process::ExitCode {
    init_logging();
    let cli = Cli::parse();
    let result = run(cli);
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Monitor(args) => monitor_cmd::run(&data_dir(cli.data_dir)?, args),
        Command::Classify(args) => classify_cmd::run(args),
        Command::History(args) => history_cmd::run(&data_dir(cli.data_dir)?, args),
        Command::Scenarios => {
            for s in twitchwatch_core::device::simulator::builtin_scenarios() {
                println!(
                    "{:<24} {:>6.0} s  {}",
                    s.name,
                    s.duration_s(),
                    s.description
                );
            }
            Ok(())
        }
    }
}

//! `twitchwatch`: the desktop shell over the product crates (`core/`) and the lab. It parses arguments,
//! prints, and nothing more; every decision is the core's.

mod ble_cmd;
mod care_cmd;
mod classify_cmd;
mod data_cmd;
mod evaluate;
mod hints;
mod history_cmd;
mod history_store;
mod journal_cmd;
mod monitor_cmd;
mod output;
mod task_cmd;

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
    /// Measure the classifier on the labelled simulated suite and print one accuracy table.
    Evaluate(evaluate::EvaluateArgs),
    /// Scan for TwitchWatch wearables and Polar sensors nearby (name, id, signal, battery, protocol).
    Scan(ble_cmd::ScanArgs),
    /// Choose the wearable with this id (from `scan`) and remember it; only its data is accepted.
    Pair(ble_cmd::PairArgs),
    /// Forget the paired wearable (its history stays).
    Forget,
    /// List the paired wearable and the ones paired before.
    Devices,
    /// Show daily and per-minute summaries from the history.
    History(history_cmd::HistoryArgs),
    /// List the simulator's built-in scenarios.
    Scenarios,
    /// The lifestyle journal: one entry per day (caffeine, sleep, stress, medications…).
    #[command(subcommand)]
    Journal(journal_cmd::JournalCommand),
    /// Record a symptom check-in (where twitching is felt, red-flag symptoms); alerts are evaluated at once.
    Checkin(journal_cmd::CheckinArgs),
    /// Red-flag and lifestyle alerts: list (evaluates the rules now) and acknowledge.
    #[command(subcommand)]
    Alerts(care_cmd::AlertsCommand),
    /// The rules, the medical text each rests on, and their adjustable thresholds.
    #[command(subcommand)]
    Rules(care_cmd::RulesCommand),
    /// The active tasks: finger tapping (simulated or imported from a CSV of taps), their results and trends.
    #[command(subcommand)]
    Task(task_cmd::TaskCommand),
    /// Write a self-contained HTML report for a doctor.
    Report(care_cmd::ReportArgs),
    /// Export events, minutes, day summaries, the journal, check-ins and task results as CSV or JSON.
    Export(care_cmd::ExportArgs),
    /// Delete every record and the history's files and key file (needs --yes), then check that nothing is left.
    DeleteAllData(data_cmd::DeleteArgs),
    /// Re-encrypt the history under a new random key (the key file is replaced once it is done).
    RotateKey,
    /// Say what the data folder holds (nothing, a current store, one to migrate, one from a newer
    /// version, not a store, damaged, in use) without opening or writing anything.
    DataStatus(data_cmd::StatusArgs),
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

/// Errors can quote what a file or a user supplied (a CSV header, a path): control characters are
/// escaped so they cannot drive the terminal, and a very long message is cut.
fn printable_error(message: &str) -> String {
    const MAX_CHARS: usize = 2000;
    let text = output::printable(message);
    let total = text.chars().count();
    if total <= MAX_CHARS {
        return text.into_owned();
    }
    let kept: String = text.chars().take(MAX_CHARS).collect();
    format!("{kept}… ({} more characters)", total - MAX_CHARS)
}

fn main() -> std::process::ExitCode {
    init_logging();
    let cli = Cli::parse();
    let result = run(cli);
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let message = hints::with_hint(&format!("{e:#}"), hints::for_chain(&e));
            eprintln!("error: {}", printable_error(&message));
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Monitor(args) => monitor_cmd::run(&data_dir(cli.data_dir)?, args),
        Command::Classify(args) => classify_cmd::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Scan(args) => ble_cmd::run_scan(args),
        Command::Pair(args) => ble_cmd::run_pair(&data_dir(cli.data_dir)?, args),
        Command::Forget => ble_cmd::run_forget(&data_dir(cli.data_dir)?),
        Command::Devices => ble_cmd::run_devices(&data_dir(cli.data_dir)?),
        Command::History(args) => history_cmd::run(&data_dir(cli.data_dir)?, args),
        Command::Journal(c) => journal_cmd::run(&data_dir(cli.data_dir)?, c),
        Command::Checkin(args) => journal_cmd::run_checkin(&data_dir(cli.data_dir)?, args),
        Command::Alerts(c) => care_cmd::run_alerts(&data_dir(cli.data_dir)?, c),
        Command::Rules(c) => care_cmd::run_rules(&data_dir(cli.data_dir)?, c),
        Command::Task(c) => task_cmd::run(&data_dir(cli.data_dir)?, c),
        Command::Report(args) => care_cmd::run_report(&data_dir(cli.data_dir)?, args),
        Command::Export(args) => care_cmd::run_export(&data_dir(cli.data_dir)?, args),
        Command::DeleteAllData(args) => data_cmd::run_delete(&data_dir(cli.data_dir)?, args),
        Command::RotateKey => data_cmd::run_rotate(&data_dir(cli.data_dir)?),
        Command::DataStatus(args) => data_cmd::run_status(&data_dir(cli.data_dir)?, args),
        Command::Scenarios => {
            for s in twitchwatch_lab::simulator::builtin_scenarios() {
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

//! `twitchwatch monitor`: a live session on the simulated wearable (or the paired one), with a progress
//! display, events printed as they happen and a summary at the end.

use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use twitchwatch_alerts::{Alert, AlertListener, ListenerError};
use twitchwatch_app::monitor::{
    now_ms, Monitor, MonitorError, MonitorListener, MonitorSettings, SessionSummary,
};
use twitchwatch_lab::simulator::{Placement, SimConfig, SimulatedSession, SimulatedWearable};
use twitchwatch_model::{ConnectionState, MinuteSummary, MotorEvent, StreamStats};

use crate::output;

#[derive(clap::Args)]
pub struct MonitorArgs {
    /// Use the built-in simulated wearable instead of the paired one.
    #[arg(long)]
    simulate: bool,
    /// Simulator scenario (see `twitchwatch scenarios`).
    #[arg(long, default_value = "mixed", requires = "simulate")]
    scenario: String,
    /// How long to simulate, e.g. 90s, 5m, 1h (default: the scenario's own length).
    #[arg(long, value_parser = parse_duration_s)]
    duration: Option<f32>,
    /// Simulated seconds per real second; 0 = as fast as the machine can (default 1 = live).
    #[arg(long, default_value_t = 1.0)]
    speed: f32,
    /// Simulated sample rate in Hz (50..=1000).
    #[arg(long, default_value_t = 200.0)]
    rate: f32,
    /// Simulator seed (same seed, same session).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the simulated sensor sits.
    #[arg(long, value_enum, default_value_t = PlacementArg::Hand)]
    placement: PlacementArg,
    /// Print JSON lines (as `classify` does) instead of human-readable lines.
    #[arg(long)]
    json: bool,
    /// Bluetooth adapter to use for the paired wearable (e.g. hci0); needed only with several.
    #[arg(long, conflicts_with = "simulate")]
    adapter: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PlacementArg {
    /// Back of the hand (recommended: twitches are visible there).
    Hand,
    /// Wrist, like a watch (twitches are attenuated).
    Wrist,
}

/// Seconds from `90` (plain seconds), `90s`, `5m`, `1.5m`, `1h`, `1h 30m`, `2 minutes` or `PT5M`: a plain
/// number, else jiff's friendly or ISO 8601 duration, so any spelling jiff prints is read back.
pub fn parse_duration_s(text: &str) -> Result<f32, String> {
    let t = text.trim();
    let secs = match t.parse::<f64>() {
        Ok(secs) => secs,
        Err(_) => t
            .parse::<jiff::SignedDuration>()
            .map_err(|_| format!("'{text}' is not a duration; use e.g. 90s, 5m or 1h"))?
            .as_secs_f64(),
    };
    if !(secs.is_finite() && secs > 0.0) {
        return Err(format!("duration must be positive, got '{text}'"));
    }
    Ok(secs as f32)
}

struct Printer {
    bar: ProgressBar,
    json: bool,
    done: Mutex<Option<mpsc::Sender<SessionEnd>>>,
}

impl Printer {
    fn print(&self, line: String) {
        // Events go to stdout (pipeable); the bar lives on stderr and is redrawn around them.
        // A closed pipe (`| head`) is not an error worth a panic: the rest is simply not shown.
        self.bar.suspend(|| {
            use std::io::Write;
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        });
    }
}

impl AlertListener for Printer {
    fn on_alert(&self, alert: &Alert) -> Result<(), ListenerError> {
        self.print(format!(
            "ALERT [{:?}] {}: {}",
            alert.severity, alert.title, alert.message
        ));
        Ok(())
    }
}

impl MonitorListener for Printer {
    fn on_event(&self, e: &MotorEvent) {
        self.print(if self.json {
            output::event_json(e).to_string()
        } else {
            output::event_line(e)
        });
    }

    fn on_minute(&self, m: &MinuteSummary) {
        if self.json {
            self.print(output::minute_json(m).to_string());
        }
    }

    fn on_connection(&self, state: &ConnectionState) {
        self.bar.set_message(format!("{state:?}").to_lowercase());
    }

    fn on_progress(&self, stats: &StreamStats, fraction: Option<f32>) {
        if let Some(f) = fraction {
            self.bar.set_position((f * 1000.0) as u64);
        }
        self.bar.set_message(format!(
            "{} frames, {} samples, {} lost, {} rejected, {} dropped",
            stats.frames_ok,
            stats.samples_ok,
            stats.samples_lost,
            stats.frames_rejected,
            stats
                .samples_dropped_time
                .saturating_add(stats.samples_dropped_rate)
                .saturating_add(stats.samples_dropped_backlog)
        ));
    }

    fn on_session_end(&self, summary: &SessionSummary, error: Option<&MonitorError>) {
        if let Some(tx) = twitchwatch_store::sync::lock(&self.done).take() {
            // The error is lent for this call only; the CLI's wording is settled here, while it is typed.
            let _ = tx.send((summary.clone(), error.map(crate::hints::describe)));
        }
    }
}

pub fn run(data_dir: &Path, args: MonitorArgs) -> anyhow::Result<()> {
    // The store creates the folder (owner-only) itself, and names a file in the way as such.
    crate::history_store::finish_rotation(data_dir)?;
    let key = crate::history_store::data_key(data_dir, crate::history_store::Access::Record)?;
    let settings = MonitorSettings {
        store: crate::history_store::options(key, crate::history_store::Access::Record),
        ..MonitorSettings::default()
    };
    let monitor = Monitor::open(data_dir, settings)?;
    let bar = ProgressBar::new(1000);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {percent:>3}%  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (tx, rx) = mpsc::channel();
    let printer = Arc::new(Printer {
        bar: bar.clone(),
        json: args.json,
        done: Mutex::new(Some(tx)),
    });
    monitor.add_listener(printer.clone());
    monitor.add_alert_listener(printer);
    // `checkin` run beside this session leaves its check-in here (the store is this process's).
    let _inbox = monitor.watch_inbox();
    if !args.simulate {
        if monitor.store().paired_device()?.is_none() {
            anyhow::bail!(
                "{}; or pass --simulate for the built-in simulated wearable",
                crate::hints::describe(&MonitorError::NoPairedDevice)
            );
        }
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        monitor.start_paired(twitchwatch_device::link::LinkConfig {
            adapter: args.adapter.clone(),
            ..Default::default()
        })?;
        return wait_for_end(&monitor, rx, &bar, data_dir);
    }
    let config = SimConfig {
        seed: args.seed,
        sample_rate_hz: args.rate,
        placement: match args.placement {
            PlacementArg::Hand => Placement::BackOfHand,
            PlacementArg::Wrist => Placement::Wrist,
        },
        ..SimConfig::default()
    };
    let options = SimulatedSession {
        scenario: args.scenario.clone(),
        duration_s: args.duration,
        speed: args.speed,
        config,
    };
    let wearable = SimulatedWearable::live(&options, now_ms())?;
    monitor.start_replay(Box::new(wearable), args.speed)?;
    wait_for_end(&monitor, rx, &bar, data_dir)
}

type SessionEnd = (SessionSummary, Option<String>);

fn wait_for_end(
    monitor: &Monitor,
    rx: mpsc::Receiver<SessionEnd>,
    bar: &ProgressBar,
    data_dir: &Path,
) -> anyhow::Result<()> {
    {
        let monitor = monitor.clone();
        // Ctrl-C ends the session cleanly: open events and the partial minute are stored.
        let _ = ctrlc::set_handler(move || monitor.stop());
    }
    let (summary, error) = loop {
        match rx.recv_timeout(std::time::Duration::from_millis(250)) {
            Ok(end) => break end,
            Err(mpsc::RecvTimeoutError::Timeout) if monitor.is_running() => continue,
            // Not running any more: it ended by itself, or Ctrl-C's `stop()` took the session and
            // is still storing what is left. Either way the summary is sent as the last step.
            Err(_) => match rx.recv_timeout(std::time::Duration::from_secs(60)) {
                Ok(end) => break end,
                Err(_) => anyhow::bail!("the monitoring session ended without a summary"),
            },
        }
    };
    monitor.wait();
    bar.finish_and_clear();
    print_summary(&summary, data_dir);
    match error {
        Some(e) => anyhow::bail!("the session stopped early: {e}"),
        None => Ok(()),
    }
}

fn print_summary(s: &SessionSummary, data_dir: &Path) {
    let minutes = (s.ended_ms - s.started_ms).max(0) as f64 / 60_000.0;
    eprintln!();
    eprintln!("Session summary");
    eprintln!("  samples classified   {}", s.samples);
    eprintln!("  minutes summarised   {}", s.minutes);
    eprintln!("  fasciculations       {}", s.fasciculations);
    eprintln!(
        "  tremor               {} bouts, {:.1} s",
        s.tremor_events, s.tremor_seconds
    );
    eprintln!(
        "  spasms               {} events, {:.1} s",
        s.spasm_events, s.spasm_seconds
    );
    eprintln!(
        "  stream               {} frames ok, {} rejected, {} duplicate, {} missing ({} samples lost)",
        s.stream.frames_ok,
        s.stream.frames_rejected,
        s.stream.frames_duplicate,
        s.stream.frames_missing,
        s.stream.samples_lost
    );
    eprintln!(
        "  samples dropped      {} at impossible times, {} beyond the sensor's rate, {} while behind",
        s.stream.samples_dropped_time, s.stream.samples_dropped_rate, s.stream.samples_dropped_backlog
    );
    eprintln!("  alerts raised        {}", s.alerts);
    eprintln!("  wall time            {minutes:.1} min");
    eprintln!("  history stored in    {}", data_dir.display());
    eprintln!("TwitchWatch is informational, not a medical device.");
}

#[cfg(test)]
mod tests {
    use super::parse_duration_s;

    #[test]
    fn durations_read_as_people_write_them() {
        for (text, secs) in [
            ("90", 90.0),
            ("90s", 90.0),
            ("5m", 300.0),
            ("1.5m", 90.0),
            ("1h", 3600.0),
            (" 15s ", 15.0),
            ("5 m", 300.0),
            ("0.5s", 0.5),
            ("1h 30m", 5400.0),
            ("2 minutes", 120.0),
            ("PT5M", 300.0),
        ] {
            assert_eq!(parse_duration_s(text), Ok(secs), "{text}");
        }
        assert_eq!(
            parse_duration_s("soon"),
            Err("'soon' is not a duration; use e.g. 90s, 5m or 1h".to_string())
        );
        for bad in ["-5s", "0", "0s", "NaN", "inf"] {
            assert_eq!(
                parse_duration_s(bad),
                Err(format!("duration must be positive, got '{bad}'")),
                "{bad}"
            );
        }
    }
}

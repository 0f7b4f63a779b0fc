//! `twitchwatch alerts list|ack`, `rules list|set|reset`, `report` and `export`: what the rules
//! found, their thresholds, the doctor's report and the data export.

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use twitchwatch_alerts::{Alert, AlertCenter, AlertStatus};
use twitchwatch_model::AlertSeverity;
use twitchwatch_report::{self as report, ExportFormat, ExportSection};
use twitchwatch_rules::{RuleParams, PARAMETERS, RULES};

use crate::history_store::{self, Access};
use crate::journal_cmd::now_ms;

/// Prints a line to stdout; a closed pipe (`| head`) ends the command quietly instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout().lock(), $($arg)*).is_err() {
            return Ok(());
        }
    }};
}
pub(crate) use outln;

#[derive(clap::Subcommand)]
pub enum AlertsCommand {
    /// Evaluate the rules now and list the open alerts (`--all` adds resolved ones).
    List {
        #[arg(long)]
        all: bool,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge an alert: it stays quiet until new evidence or a higher severity.
    Ack {
        /// The alert id shown by `alerts list` (e.g. persistence, lifestyle:caffeine).
        id: String,
    },
}

#[derive(clap::Subcommand)]
pub enum RulesCommand {
    /// Every rule (with the sentence of the medical text it rests on) and every threshold.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Change a threshold within its safe bounds, e.g. `rules set lifestyle.caffeine_mg_above 300`.
    Set { key: String, value: f64 },
    /// Restore a threshold's default.
    Reset { key: String },
}

#[derive(clap::Args)]
pub struct ReportArgs {
    /// Where to write the HTML page.
    #[arg(long)]
    out: PathBuf,
    /// First day (YYYY-MM-DD); default 89 days before --to.
    #[arg(long)]
    from: Option<Date>,
    /// Last day (YYYY-MM-DD); default today.
    #[arg(long)]
    to: Option<Date>,
    /// Replace --out if it already exists (otherwise an existing file is never touched).
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// csv or json.
    #[arg(long)]
    format: ExportFormat,
    /// JSON: a file. CSV: a file for one section, a folder for several.
    #[arg(long)]
    out: PathBuf,
    /// Sections: events, minutes, days, journal, checkins, tasks (comma-separated; default all).
    #[arg(long, value_delimiter = ',')]
    section: Vec<ExportSection>,
    #[arg(long)]
    from: Option<Date>,
    #[arg(long)]
    to: Option<Date>,
    /// Replace files that already exist (otherwise nothing is written when one does).
    #[arg(long)]
    force: bool,
}

fn severity_label(s: AlertSeverity) -> &'static str {
    match s {
        AlertSeverity::Info => "INFO",
        AlertSeverity::Advice => "ADVICE",
        AlertSeverity::SeeADoctor => "SEE A DOCTOR",
        AlertSeverity::Urgent => "URGENT",
    }
}

/// Prints one alert: severity, id, message and evidence facts.
pub fn print_alert(a: &Alert, tz: &jiff::tz::TimeZone, new: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut o = std::io::stdout().lock();
    let when = jiff::Timestamp::from_millisecond(a.last_seen_ms)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    writeln!(
        o,
        "{}[{}] {}  ({}, {}, id: {})",
        if new { "NEW " } else { "" },
        severity_label(a.severity),
        a.title,
        a.status.as_str(),
        when,
        a.id
    )?;
    writeln!(o, "    {}", a.message)?;
    for fact in &a.evidence.facts {
        writeln!(o, "    - {fact}")?;
    }
    if !a.evidence.days.is_empty() {
        writeln!(o, "    - days: {}", report::date_ranges(&a.evidence.days))?;
    }
    Ok(())
}

pub fn run_alerts(data_dir: &Path, command: AlertsCommand) -> anyhow::Result<()> {
    // Listing evaluates and stores alerts, and acknowledging changes one, but neither has anything
    // to work on without a history: they never create one.
    let store = history_store::open(data_dir, Access::ReadOnly)?;
    let tz = store.time_zone();
    let center = AlertCenter::new(store.clone());
    match command {
        AlertsCommand::List { all, json } => {
            let raised = center.evaluate(&store, now_ms())?;
            let alerts: Vec<Alert> = center
                .alerts()?
                .into_iter()
                .filter(|a| all || a.is_live())
                .collect();
            if alerts.is_empty() && !json {
                outln!("no open alerts");
            }
            for a in &alerts {
                if json {
                    outln!("{}", serde_json::to_string(a)?);
                } else {
                    if print_alert(a, &tz, raised.iter().any(|r| r.id == a.id)).is_err() {
                        return Ok(());
                    }
                }
            }
        }
        AlertsCommand::Ack { id } => {
            let a = center.acknowledge(&id, now_ms())?;
            match a.status {
                AlertStatus::Resolved => outln!("{id} is already resolved"),
                _ => outln!("acknowledged {id}; it stays quiet until its evidence changes"),
            }
        }
    }
    Ok(())
}

pub fn run_rules(data_dir: &Path, command: RulesCommand) -> anyhow::Result<()> {
    let access = match command {
        RulesCommand::List { .. } => Access::ReadOnly,
        RulesCommand::Set { .. } | RulesCommand::Reset { .. } => Access::Record,
    };
    let store = history_store::open(data_dir, access)?;
    let center = AlertCenter::new(store.clone());
    match command {
        RulesCommand::List { json } => {
            let params: RuleParams = center.params(&store)?;
            if json {
                for r in RULES.iter() {
                    outln!("{}", serde_json::to_string(r)?);
                }
                for p in PARAMETERS {
                    let mut v = serde_json::to_value(p)?;
                    v["value"] = serde_json::json!(params.get(p.key));
                    outln!("{v}");
                }
                return Ok(());
            }
            for r in RULES.iter() {
                outln!(
                    "{:<24} {:<13} {}",
                    r.id.as_str(),
                    severity_label(r.severity),
                    r.title
                );
                outln!("    checks: {}", r.checks);
                outln!("    basis:  \"{}\"", r.seed_sentence);
            }
            outln!("");
            outln!(
                "{:<46} {:>8} {:>8}  {:<17} unit",
                "threshold",
                "value",
                "default",
                "safe bounds"
            );
            for p in PARAMETERS {
                let value = params.get(p.key).unwrap_or(p.default);
                outln!(
                    "{:<46} {:>8} {:>8}  {:<17} {}",
                    p.key,
                    value,
                    p.default,
                    format!("{}..={}", p.min, p.max),
                    p.unit
                );
            }
        }
        RulesCommand::Set { key, value } => {
            center.set_param(&key, Some(value))?;
            outln!("{key} = {value}");
        }
        RulesCommand::Reset { key } => {
            center.set_param(&key, None)?;
            outln!("{key} restored to its default");
        }
    }
    Ok(())
}

fn overwrite(force: bool) -> report::Overwrite {
    if force {
        report::Overwrite::Replace
    } else {
        report::Overwrite::Refuse
    }
}

/// The core says a file exists; the shell knows the flag that replaces it.
fn with_force_hint(e: report::ReportError) -> anyhow::Error {
    match e {
        e @ report::ReportError::Exists { .. } => {
            anyhow::anyhow!("{e}; pass --force to replace it")
        }
        other => other.into(),
    }
}

pub fn run_report(data_dir: &Path, args: ReportArgs) -> anyhow::Result<()> {
    let store = history_store::open(data_dir, Access::ReadOnly)?;
    let data = report::write_html(
        &store,
        now_ms(),
        args.from,
        args.to,
        &args.out,
        overwrite(args.force),
    )
    .map_err(with_force_hint)?;
    outln!(
        "wrote {} ({} to {}, {} alerts)",
        args.out.display(),
        data.from,
        data.to,
        data.alerts.iter().filter(|a| a.is_live()).count()
    );
    Ok(())
}

pub fn run_export(data_dir: &Path, args: ExportArgs) -> anyhow::Result<()> {
    let store = history_store::open(data_dir, Access::ReadOnly)?;
    let summary = report::export(
        &store,
        now_ms(),
        args.format,
        &args.section,
        args.from,
        args.to,
        &args.out,
        overwrite(args.force),
    )
    .map_err(with_force_hint)?;
    for section in &summary.rows {
        outln!("{:<9} {} rows", section.section.as_str(), section.rows);
    }
    for f in &summary.files {
        outln!("wrote {}", f.display());
    }
    Ok(())
}

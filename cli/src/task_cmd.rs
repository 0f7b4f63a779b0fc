//! `twitchwatch task tapping --simulate`, `task import FILE`, `task list` and `task trends`: the finger
//! tapping task from the lab's simulated tapper or a recorded CSV, recorded through the monitor (the
//! rules run at once), and the task history against the person's baseline.

use std::path::{Path, PathBuf};

use anyhow::Context;
use twitchwatch_alerts::AlertCenter;
use twitchwatch_app::monitor::{Monitor, MonitorError, MonitorSettings, TaskRecordError};
use twitchwatch_lab::tapping::{self, Tapper};
use twitchwatch_tasks::{
    asymmetry, Hand, Tap, TapTarget, TappingInput, TaskMeasures, TaskResult, TaskStore,
};

use crate::care_cmd::{outln, print_alert};
use crate::history_store::{self, Access};
use crate::journal_cmd::now_ms;

#[derive(clap::Subcommand)]
pub enum TaskCommand {
    /// The finger-tapping task (two targets, 20 s per hand) from the built-in simulated tapper.
    Tapping(TappingArgs),
    /// Record tapping sessions from a CSV file of taps.
    #[command(long_about = IMPORT_HELP)]
    Import(ImportArgs),
    /// List the recorded task sessions.
    List {
        /// Print JSON lines (one stored result each).
        #[arg(long)]
        json: bool,
    },
    /// Each task, measure and hand against its baseline: sessions, the baseline's range, and any
    /// sustained change.
    Trends {
        #[arg(long)]
        json: bool,
    },
}

const IMPORT_HELP: &str = "Record finger-tapping sessions from a CSV file of taps.

Format (UTF-8, comma-separated, one header line; column order free):
  hand   left or right (one session per hand in the file)
  t_ms   time of the tap in milliseconds since that hand's session started (0 ≤ t_ms, in time order)
  x_pt   optional: horizontal position on the screen, points
  y_pt   optional: vertical position, points

Example:
  hand,t_ms,x_pt,y_pt
  left,120,108.5,601.0
  left,330,281.0,598.2
  right,95,112.0,603.9

Each session lasts --duration-ms (default 20000) and started --started-at (default: that long before
now). With --targets the accuracy (mean distance to the nearer target) is computed; without it, none.
A row whose hand or numbers cannot be read, or whose time comes before the hand's previous tap, is
refused with its line number; a negative time, a tap after the session's end, a value that is not finite
or a start in the future is refused naming the hand. Nothing is recorded when anything is refused.";

#[derive(clap::Args)]
pub struct TappingArgs {
    /// Use the built-in simulated tapper (the only source on a desktop).
    #[arg(long)]
    simulate: bool,
    /// left, right or both.
    #[arg(long, default_value = "both")]
    hand: String,
    /// The simulated tapper's pace, taps per second.
    #[arg(long, default_value_t = 5.0)]
    rate: f64,
    /// Share of the pace the simulated tapper loses by the end, 0..0.95.
    #[arg(long, default_value_t = 0.05)]
    slowdown: f64,
    /// Seed of the simulated tapper (the same seed taps the same way).
    #[arg(long)]
    seed: Option<u64>,
    /// Print the stored results as JSON lines.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The CSV file (format: `twitchwatch task import --help`).
    file: PathBuf,
    /// When the sessions started (RFC 3339, e.g. 2026-06-30T09:00:00+02:00); default: --duration-ms before now.
    #[arg(long)]
    started_at: Option<jiff::Timestamp>,
    /// Length of each session, ms.
    #[arg(long, default_value_t = 20_000.0)]
    duration_ms: f64,
    /// The two targets' centres as X1,Y1,X2,Y2 (points), for accuracy.
    #[arg(long, value_delimiter = ',')]
    targets: Vec<f64>,
    #[arg(long)]
    json: bool,
}

fn hands(arg: &str) -> anyhow::Result<Vec<Hand>> {
    Ok(match arg.trim().to_ascii_lowercase().as_str() {
        "both" => Hand::ALL.to_vec(),
        other => vec![other
            .parse::<Hand>()
            .map_err(|_| anyhow::anyhow!("--hand '{other}' is not left, right or both"))?],
    })
}

fn open_monitor(data_dir: &Path) -> anyhow::Result<Monitor> {
    history_store::finish_rotation(data_dir)?;
    let key = history_store::data_key(data_dir, Access::Record)?;
    let settings = MonitorSettings {
        store: history_store::options(key, Access::Record),
        ..MonitorSettings::default()
    };
    match Monitor::open(data_dir, settings) {
        Ok(m) => Ok(m),
        Err(MonitorError::Store(e)) => Err(history_store::describe(data_dir, e)),
        Err(e) => Err(e.into()),
    }
}

fn describe_result(r: &TaskResult) -> String {
    match &r.measures {
        TaskMeasures::Tapping { metrics: m } => {
            let opt =
                |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map(f).unwrap_or_else(|| "–".into());
            format!(
                "{:<5} {} taps ({:.2}/s), interval {} ms, CV {}, accuracy {} pt, fatigue {}",
                r.hand.as_str(),
                m.tap_count,
                m.taps_per_s,
                opt(m.interval_mean_ms, &|v| format!("{v:.0}")),
                opt(m.interval_cv, &|v| format!("{v:.3}")),
                opt(m.accuracy_mean_pt, &|v| format!("{v:.1}")),
                opt(m.fatigue_ratio, &|v| format!("{v:.2}")),
            )
        }
        TaskMeasures::Tremor { metrics: m, .. } => format!(
            "{:<5} tremor {:.0} % of {:.0} s{}, {:.0} Hz sensor, {} gap(s)",
            r.hand.as_str(),
            m.tremor_fraction * 100.0,
            m.duration_s,
            m.dominant_freq_hz
                .map(|f| format!(" at {f:.1} Hz"))
                .unwrap_or_default(),
            m.quality.effective_rate_hz,
            m.quality.gaps
        ),
        TaskMeasures::Grip { measures: g } => format!(
            "{:<5} hold {}, self-rated {}, dynamometer {}",
            r.hand.as_str(),
            g.steadiness
                .as_ref()
                .map(|s| format!(
                    "{:.0} s, shake {:.0} mg, sag {:.0}°",
                    s.held_ms / 1000.0,
                    s.shake_rms_mg,
                    s.sag_deg
                ))
                .unwrap_or_else(|| "–".into()),
            g.self_rated_grip_0_10
                .map(|v| format!("{v}/10"))
                .unwrap_or_else(|| "–".into()),
            g.dynamometer_kg
                .map(|v| format!("{v:.1} kg"))
                .unwrap_or_else(|| "–".into()),
        ),
    }
}

/// Records the sessions (each validated first: none is stored when one is refused) and prints them,
/// their asymmetry and any alert they raise.
fn record(data_dir: &Path, sessions: Vec<TappingInput>, json: bool) -> anyhow::Result<()> {
    let now = now_ms();
    let results = sessions
        .into_iter()
        .map(|s| {
            let hand = s.hand;
            s.into_result(now)
                .with_context(|| format!("the {} hand's session", hand.as_str()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let monitor = open_monitor(data_dir)?;
    let tz = monitor.store().time_zone();
    let mut raised = Vec::new();
    let mut stored = Vec::new();
    for r in &results {
        let (s, alerts) = monitor.record_task_result(r, now).map_err(|e| match e {
            TaskRecordError::Task(e) => anyhow::Error::from(e),
            TaskRecordError::Monitor(e) => e.into(),
        })?;
        stored.push(s);
        raised.extend(alerts);
    }
    for r in &stored {
        if json {
            outln!("{}", serde_json::to_string(r)?);
        } else {
            outln!("{}", describe_result(r));
        }
    }
    let tapping_of = |hand: Hand| {
        stored.iter().find_map(|r| match &r.measures {
            TaskMeasures::Tapping { metrics } if r.hand == hand => Some(metrics),
            _ => None,
        })
    };
    if let (Some(l), Some(r), false) = (tapping_of(Hand::Left), tapping_of(Hand::Right), json) {
        let a = asymmetry(l, r);
        outln!(
            "asymmetry: {:+.2} (left − right over their mean tap count; positive: the left hand is faster)",
            a.tap_count_index
        );
    }
    for a in &raised {
        if print_alert(a, &tz, true).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

pub fn run(data_dir: &Path, command: TaskCommand) -> anyhow::Result<()> {
    match command {
        TaskCommand::Tapping(args) => {
            if !args.simulate {
                anyhow::bail!(
                    "the tapping task needs a touch screen: use --simulate for the built-in simulated tapper, or record taps on the phone and `twitchwatch task import FILE`"
                );
            }
            if !(args.rate.is_finite() && (0.5..=15.0).contains(&args.rate)) {
                anyhow::bail!("--rate {} is outside 0.5..=15 taps per second", args.rate);
            }
            if !(args.slowdown.is_finite() && (0.0..=0.95).contains(&args.slowdown)) {
                anyhow::bail!("--slowdown {} is outside 0..=0.95", args.slowdown);
            }
            let tapper = Tapper {
                rate_hz: args.rate,
                slowdown: args.slowdown,
                ..Tapper::default()
            };
            let seed = args.seed.unwrap_or_else(|| now_ms() as u64);
            let start = now_ms() - 60_000;
            let sessions = hands(&args.hand)?
                .into_iter()
                .enumerate()
                .map(|(i, hand)| {
                    tapping::simulate(
                        &tapper,
                        hand,
                        start + i as i64 * 25_000,
                        seed.wrapping_add(i as u64),
                    )
                })
                .collect();
            record(data_dir, sessions, args.json)
        }
        TaskCommand::Import(args) => {
            let sessions = read_taps(&args)?;
            record(data_dir, sessions, args.json)
        }
        TaskCommand::List { json } => {
            let store = history_store::open(data_dir, Access::ReadOnly)?;
            let tz = store.time_zone();
            let results = store.all_task_results()?;
            if results.is_empty() && !json {
                outln!("no task results yet (`twitchwatch task tapping --simulate` records one)");
            }
            for r in &results {
                if json {
                    outln!("{}", serde_json::to_string(r)?);
                } else {
                    let when = jiff::Timestamp::from_millisecond(r.completed_at_ms)?
                        .to_zoned(tz.clone())
                        .strftime("%Y-%m-%d %H:%M");
                    outln!("{when}  {:<20} {}", r.kind().as_str(), describe_result(r));
                }
            }
            Ok(())
        }
        TaskCommand::Trends { json } => {
            let store = history_store::open(data_dir, Access::ReadOnly)?;
            let tz = store.time_zone();
            let center = AlertCenter::new(store.clone());
            let evaluation = center.assess(&store, now_ms())?;
            if evaluation.task_trends.is_empty() && !json {
                outln!("no task results yet");
            }
            for t in &evaluation.task_trends {
                if json {
                    outln!("{}", serde_json::to_string(t)?);
                    continue;
                }
                let standing = match (&t.baseline, &t.decline, &t.improvement) {
                    (None, _, _) => format!(
                        "baseline after {} more session(s)",
                        3usize.saturating_sub(t.points.len())
                    ),
                    (Some(b), d, i) => {
                        let change = match (d, i) {
                            (Some(d), _) => format!(
                                "SUSTAINED DECLINE: {} sessions on {} days since {}, {:+.0} %",
                                d.sessions,
                                d.days,
                                twitchwatch_store::local_date(&tz, d.first_ms),
                                d.change_percent
                            ),
                            (None, Some(i)) => {
                                format!("sustained improvement, {:+.0} %", i.change_percent)
                            }
                            (None, None) => "no sustained change".into(),
                        };
                        format!(
                            "baseline {:.2} (usual {:.2}–{:.2}); {change}",
                            b.median, b.low, b.high
                        )
                    }
                };
                let latest = t
                    .points
                    .last()
                    .map(|p| format!("{:.2} ({})", p.value, p.status.as_str()));
                outln!(
                    "{:<20} {:<5} {:<20} {:>3} sessions, latest {}; {standing}",
                    t.kind.as_str(),
                    t.hand.as_str(),
                    t.metric.as_str(),
                    t.points.len(),
                    latest.unwrap_or_else(|| "–".into())
                );
            }
            Ok(())
        }
    }
}

#[derive(serde::Deserialize)]
struct TapRow {
    hand: String,
    t_ms: f64,
    #[serde(default)]
    x_pt: Option<f64>,
    #[serde(default)]
    y_pt: Option<f64>,
}

fn read_taps(args: &ImportArgs) -> anyhow::Result<Vec<TappingInput>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let targets = match args.targets.as_slice() {
        [] => Vec::new(),
        [x1, y1, x2, y2] => vec![
            TapTarget {
                x_pt: *x1,
                y_pt: *y1,
            },
            TapTarget {
                x_pt: *x2,
                y_pt: *y2,
            },
        ],
        _ => anyhow::bail!("--targets takes four numbers: X1,Y1,X2,Y2"),
    };
    let started_at_ms = match args.started_at {
        Some(t) => t.as_millisecond(),
        None => now_ms() - args.duration_ms.max(0.0).round() as i64,
    };
    let mut sessions: Vec<TappingInput> = Vec::new();
    for (i, row) in reader.deserialize::<TapRow>().enumerate() {
        // Line 1 is the header.
        let line = i + 2;
        let row = row.with_context(|| {
            format!(
                "{} line {line}: expected hand,t_ms[,x_pt,y_pt] with numbers for the times and positions",
                args.file.display()
            )
        })?;
        let hand: Hand = row
            .hand
            .parse()
            .with_context(|| format!("{} line {line}", args.file.display()))?;
        let session = match sessions.iter_mut().position(|s| s.hand == hand) {
            Some(k) => &mut sessions[k],
            None => {
                sessions.push(TappingInput {
                    hand,
                    started_at_ms,
                    duration_ms: args.duration_ms,
                    targets: targets.clone(),
                    taps: Vec::new(),
                });
                sessions.last_mut().expect("just pushed")
            }
        };
        if let Some(prev) = session.taps.last() {
            if row.t_ms < prev.t_ms {
                anyhow::bail!(
                    "{} line {line}: the {} hand's tap at {} ms comes before its tap at {} ms; taps must be in time order",
                    args.file.display(),
                    hand.as_str(),
                    row.t_ms,
                    prev.t_ms
                );
            }
        }
        // Accuracy against targets needs every tap's position; without targets positions are unused.
        let (x_pt, y_pt) = match (row.x_pt, row.y_pt, targets.is_empty()) {
            (Some(x), Some(y), _) => (x, y),
            (_, _, true) => (0.0, 0.0),
            _ => anyhow::bail!(
                "{} line {line}: --targets was given, so every tap needs x_pt and y_pt",
                args.file.display()
            ),
        };
        session.taps.push(Tap {
            t_ms: row.t_ms,
            x_pt,
            y_pt,
        });
    }
    if sessions.is_empty() {
        anyhow::bail!(
            "{} holds no taps (only a header, or nothing)",
            args.file.display()
        );
    }
    Ok(sessions)
}

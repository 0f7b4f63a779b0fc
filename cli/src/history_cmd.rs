//! `twitchwatch history`: daily summaries of the stored history, and the minutes of one day.

use std::path::Path;

use anyhow::Context;
use jiff::civil::Date;

use crate::history_store::{self, Access};
use crate::output;

#[derive(clap::Args)]
pub struct HistoryArgs {
    /// How many days back from today to show.
    #[arg(long, default_value_t = 14)]
    days: u32,
    /// Show the per-minute summaries of this local day (YYYY-MM-DD) instead of the daily table.
    #[arg(long)]
    day: Option<Date>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(data_dir: &Path, args: HistoryArgs) -> anyhow::Result<()> {
    let store = history_store::open(data_dir, Access::ReadOnly)?;
    let tz = store.time_zone();
    let today = jiff::Timestamp::now().to_zoned(tz.clone()).date();
    if let Some(day) = args.day {
        if day > today {
            anyhow::bail!("{day} is in the future; the history ends today ({today})");
        }
        let from = day.to_zoned(tz.clone()).context("invalid day")?;
        let to = from.tomorrow().context("invalid day")?;
        let minutes = store.minutes_in_range(
            from.timestamp().as_millisecond(),
            to.timestamp().as_millisecond(),
        )?;
        if minutes.is_empty() {
            println!("no minutes recorded on {day}");
        }
        for m in &minutes {
            if args.json {
                println!("{}", output::minute_json(m));
            } else {
                let t = jiff::Timestamp::from_millisecond(m.minute_start_ms)?.to_zoned(tz.clone());
                println!(
                    "{}  tremor {:>3.0}%  twitches {:>3}  spasm {:>4.1} s  at rest {:>3.0}%  moving {:>3.0}%  lost {}",
                    t.strftime("%H:%M"),
                    m.tremor.any_tremor() * 100.0,
                    m.twitch_count,
                    m.spasm_seconds,
                    m.wear.at_rest * 100.0,
                    m.wear.moving * 100.0,
                    m.samples_lost
                );
            }
        }
        return Ok(());
    }
    if args.days == 0 || args.days > 3650 {
        anyhow::bail!("--days must be between 1 and 3650");
    }
    let from = today
        .checked_sub(jiff::Span::new().days(i64::from(args.days) - 1))
        .context("--days reaches too far back")?;
    let days = store.daily_summaries(from, today, &tz)?;
    if !args.json {
        println!(
            "{:<10}  {:>8}  {:>10}  {:>11}  {:>10}  {:>10}",
            "day", "twitches", "tremor min", "tremor bouts", "spasm s", "worn min"
        );
    }
    for d in days.iter().filter(|d| d.minutes_recorded > 0) {
        if args.json {
            println!(
                "{}",
                serde_json::json!({
                    "type": "day", "date": d.date.to_string(), "twitch_count": d.twitch_count,
                    "tremor_minutes": d.tremor_minutes, "tremor_episodes": d.tremor_episodes,
                    "spasm_seconds": d.spasm_seconds, "spasm_events": d.spasm_events,
                    "worn_minutes": d.worn_minutes, "samples_lost": d.samples_lost,
                })
            );
        } else {
            println!(
                "{:<10}  {:>8}  {:>10.1}  {:>11}  {:>10.1}  {:>10.0}",
                d.date.to_string(),
                d.twitch_count,
                d.tremor_minutes,
                d.tremor_episodes,
                d.spasm_seconds,
                d.worn_minutes
            );
        }
    }
    if days.iter().all(|d| d.minutes_recorded == 0) && !args.json {
        println!("(nothing recorded in the last {} days)", args.days);
    }
    Ok(())
}

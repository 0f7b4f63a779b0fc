//! `twitchwatch journal add|edit|list|delete|drinks` and `twitchwatch checkin`: the lifestyle
//! journal and symptom check-ins. Validation is the core's; this file parses and prints.

use std::path::Path;
use twitchwatch_journal::JournalStore;

use anyhow::Context;
use jiff::civil::Date;
use twitchwatch_alerts::AlertCenter;
use twitchwatch_journal::{
    BodySite, CheckIn, Drink, Hydration, JournalEntry, Medication, MedicationClass, Supplement,
    SupplementKind, Symptom,
};
use twitchwatch_store::{Store, StoreError};

use crate::care_cmd::{outln, print_alert};
use crate::history_store::{self, Access};
use crate::output::printable;

#[derive(clap::Subcommand)]
pub enum JournalCommand {
    /// Record a day (creates it, or adds the given fields to the existing entry).
    Add(EntryArgs),
    /// Change fields of an existing day's entry.
    Edit(EntryArgs),
    /// List entries (default: the last 14 days).
    List {
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: Option<Date>,
        /// Last day (YYYY-MM-DD), default today.
        #[arg(long)]
        to: Option<Date>,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Delete a day's entry.
    Delete {
        /// The day (YYYY-MM-DD).
        date: Date,
    },
    /// Show the drinks `--drink` knows and their caffeine.
    Drinks,
}

#[derive(clap::Args)]
pub struct EntryArgs {
    /// The day (YYYY-MM-DD); default today.
    #[arg(long)]
    date: Option<Date>,
    /// Total caffeine for the day in mg (replaces the recorded total).
    #[arg(long, allow_negative_numbers = true)]
    caffeine_mg: Option<f32>,
    /// A drink, optionally with servings: espresso, coffee:2, cola, energy_drink… (repeatable; adds caffeine).
    #[arg(long = "drink", value_name = "DRINK[:SERVINGS]")]
    drinks: Vec<String>,
    /// Hours slept the night before.
    #[arg(long, allow_negative_numbers = true)]
    sleep_hours: Option<f32>,
    /// Sleep quality 1 (very poor) – 5 (very good).
    #[arg(long)]
    sleep_quality: Option<u8>,
    /// Stress 0–10.
    #[arg(long)]
    stress: Option<u8>,
    /// How hydrated: poor, fair, good.
    #[arg(long)]
    hydration: Option<String>,
    /// Water drunk, in ml.
    #[arg(long)]
    water_ml: Option<u32>,
    /// Physical strain / exertion 0–10.
    #[arg(long)]
    exertion: Option<u8>,
    /// Nicotine in mg (a cigarette delivers about 1–2 mg).
    #[arg(long, allow_negative_numbers = true)]
    nicotine_mg: Option<f32>,
    /// A medication taken that day: NAME:CLASS[:STARTED] with CLASS one of stimulant,
    /// antidepressant, diuretic, corticosteroid, other (repeatable).
    #[arg(long = "medication", value_name = "NAME:CLASS[:YYYY-MM-DD]")]
    medications: Vec<String>,
    /// Remove the day's medications before adding the given ones.
    #[arg(long)]
    clear_medications: bool,
    /// A supplement: magnesium, potassium, calcium, electrolytes, other, optionally :MG (repeatable).
    #[arg(long = "supplement", value_name = "KIND[:MG]")]
    supplements: Vec<String>,
    /// Free-text note (replaces the existing note).
    #[arg(long)]
    note: Option<String>,
}

#[derive(clap::Args, Clone)]
pub struct CheckinArgs {
    /// Where twitching is felt: left_hand, right_hand, left_forearm, right_forearm, left_upper_arm,
    /// right_upper_arm, face, tongue, trunk, legs, feet (repeatable or comma-separated).
    #[arg(long = "site", value_delimiter = ',')]
    sites: Vec<String>,
    /// Symptoms: weakness, fine_motor_difficulty, muscle_wasting, difficulty_swallowing,
    /// difficulty_speaking (repeatable or comma-separated).
    #[arg(long = "symptom", value_delimiter = ',')]
    symptoms: Vec<String>,
    /// Free-text note.
    #[arg(long)]
    note: Option<String>,
    /// List the check-ins of the last N days instead of adding one.
    #[arg(long, value_name = "DAYS", conflicts_with_all = ["sites", "symptoms", "note", "delete"])]
    list: Option<u32>,
    /// Delete the check-in with this id (from --list).
    #[arg(long, value_name = "ID")]
    delete: Option<i64>,
}

pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

pub(crate) fn today(store: &Store) -> Date {
    jiff::Timestamp::now().to_zoned(store.time_zone()).date()
}

fn parse_medication(s: &str) -> anyhow::Result<Medication> {
    let mut parts = s.splitn(3, ':');
    let name = parts.next().unwrap_or_default().trim().to_string();
    let class: MedicationClass = parts
        .next()
        .context("a medication needs a class: NAME:CLASS, e.g. salbutamol:stimulant")?
        .parse()?;
    let started_on = match parts.next() {
        Some(d) => Some(
            d.trim()
                .parse::<Date>()
                .with_context(|| format!("'{d}' is not a date (YYYY-MM-DD)"))?,
        ),
        None => None,
    };
    Ok(Medication {
        name,
        class,
        started_on,
    })
}

fn parse_supplement(s: &str) -> anyhow::Result<Supplement> {
    let (kind, dose) = match s.split_once(':') {
        Some((k, d)) => (
            k,
            Some(
                d.trim()
                    .parse::<f32>()
                    .with_context(|| format!("'{d}' is not a dose in mg"))?,
            ),
        ),
        None => (s, None),
    };
    Ok(Supplement {
        kind: kind.parse::<SupplementKind>()?,
        dose_mg: dose,
    })
}

fn apply(entry: &mut JournalEntry, args: &EntryArgs) -> anyhow::Result<()> {
    if let Some(v) = args.caffeine_mg {
        entry.caffeine_mg = Some(v);
        entry.drinks.clear();
    }
    for d in &args.drinks {
        let (name, servings) = match d.split_once(':') {
            Some((n, s)) => (
                n,
                s.trim()
                    .parse::<u8>()
                    .with_context(|| format!("'{s}' is not a number of servings (1-255)"))?,
            ),
            None => (d.as_str(), 1),
        };
        entry.add_drink(name.parse::<Drink>()?, servings);
    }
    if args.sleep_hours.is_some() {
        entry.sleep_hours = args.sleep_hours;
    }
    if args.sleep_quality.is_some() {
        entry.sleep_quality_1_5 = args.sleep_quality;
    }
    if args.stress.is_some() {
        entry.stress_0_10 = args.stress;
    }
    if let Some(h) = &args.hydration {
        entry.hydration = Some(h.parse::<Hydration>()?);
    }
    if args.water_ml.is_some() {
        entry.water_ml = args.water_ml;
    }
    if args.exertion.is_some() {
        entry.exertion_0_10 = args.exertion;
    }
    if args.nicotine_mg.is_some() {
        entry.nicotine_mg = args.nicotine_mg;
    }
    if args.clear_medications {
        entry.medications.clear();
    }
    for m in &args.medications {
        let med = parse_medication(m)?;
        entry
            .medications
            .retain(|x| !x.name.eq_ignore_ascii_case(&med.name));
        entry.medications.push(med);
    }
    for s in &args.supplements {
        entry.supplements.push(parse_supplement(s)?);
    }
    if let Some(n) = &args.note {
        entry.notes = n.clone();
    }
    Ok(())
}

fn entry_line(e: &JournalEntry) -> String {
    let opt = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    let meds: Vec<String> = e
        .medications
        .iter()
        .map(|m| format!("{} ({})", printable(&m.name), m.class.as_str()))
        .collect();
    format!(
        "{}  caffeine {:>5} mg  sleep {:>4} h{}  stress {:>2}  hydration {:<5}  exertion {:>2}  nicotine {:>4}{}{}",
        e.date,
        opt(e.caffeine_mg.map(|v| format!("{v:.0}"))),
        opt(e.sleep_hours.map(|v| format!("{v:.1}"))),
        e.sleep_quality_1_5.map(|q| format!(" ({q}/5)")).unwrap_or_default(),
        opt(e.stress_0_10.map(|v| v.to_string())),
        opt(e.hydration.map(|h| format!("{h:?}").to_lowercase()).or(e.water_ml.map(|ml| format!("{ml}ml")))),
        opt(e.exertion_0_10.map(|v| v.to_string())),
        opt(e.nicotine_mg.map(|v| format!("{v:.0}"))),
        if meds.is_empty() { String::new() } else { format!("  meds: {}", meds.join(", ")) },
        if e.notes.is_empty() { String::new() } else { format!("  note: {}", printable(&e.notes)) },
    )
}

pub fn run(data_dir: &Path, command: JournalCommand) -> anyhow::Result<()> {
    if let JournalCommand::Drinks = command {
        for &d in Drink::ALL {
            outln!(
                "{:<16} {:>4.0} mg caffeine per serving",
                d.as_str(),
                d.caffeine_mg()
            );
        }
        return Ok(());
    }
    let access = match command {
        JournalCommand::Add(_) | JournalCommand::Edit(_) => Access::Record,
        _ => Access::ReadOnly,
    };
    let store = history_store::open(data_dir, access)?;
    let now = now_ms();
    let deleting = matches!(command, JournalCommand::Delete { .. });
    match command {
        JournalCommand::Add(args) => {
            let date = args.date.unwrap_or_else(|| today(&store));
            let mut entry = store
                .journal_entry(date)?
                .unwrap_or_else(|| JournalEntry::new(date));
            apply(&mut entry, &args)?;
            store.put_journal_entry(&entry, now)?;
            outln!("saved {}", entry_line(&entry));
        }
        JournalCommand::Edit(args) => {
            let date = args.date.unwrap_or_else(|| today(&store));
            let mut result = Ok(());
            let entry = store.edit_journal_entry(date, now, |e| result = apply(e, &args))?;
            result?;
            outln!("saved {}", entry_line(&entry));
        }
        JournalCommand::List { from, to, json } => {
            let to = to.unwrap_or_else(|| today(&store));
            let from =
                from.unwrap_or_else(|| to.checked_sub(jiff::Span::new().days(13)).unwrap_or(to));
            let entries = store.journal_entries(from, to)?;
            if entries.is_empty() && !json {
                outln!("no journal entries from {from} to {to}");
            }
            for e in &entries {
                if json {
                    outln!("{}", serde_json::to_string(e)?);
                } else {
                    outln!("{}", entry_line(e));
                }
            }
        }
        JournalCommand::Delete { date } => {
            if store.delete_journal_entry(date)? {
                outln!("deleted the entry for {date}");
            } else {
                anyhow::bail!("no journal entry for {date}");
            }
        }
        JournalCommand::Drinks => {}
    }
    if deleting {
        drop(store);
        history_store::compact(data_dir)?;
    }
    Ok(())
}

pub fn run_checkin(data_dir: &Path, args: CheckinArgs) -> anyhow::Result<()> {
    let recording = args.list.is_none() && args.delete.is_none();
    let access = if recording {
        Access::Record
    } else {
        Access::ReadOnly
    };
    let now = now_ms();
    if recording {
        history_store::finish_rotation(data_dir)?;
        let key = history_store::data_key(data_dir, access)?;
        // Held right now: most likely a running monitor, which takes the check-in within 200 ms,
        // without the wait an open makes for a handle that is only closing.
        if Store::is_in_use(data_dir) && hand_over_at_once(data_dir, key.clone(), &args, now)? {
            return Ok(());
        }
        match Store::open(data_dir, history_store::options(key.clone(), access)) {
            Ok(store) => return record_checkin(&store, args, now),
            // A running monitor holds the store: it records the check-in for us.
            Err(StoreError::InUse { .. }) => return hand_to_monitor(data_dir, key, args, now),
            Err(e) => return Err(history_store::describe(data_dir, e)),
        }
    }
    let store = history_store::open(data_dir, access)?;
    let tz = store.time_zone();
    if let Some(id) = args.delete {
        if store.delete_checkin(id)? {
            drop(store);
            history_store::compact(data_dir)?;
            outln!("deleted check-in {id}");
            return Ok(());
        }
        anyhow::bail!("no check-in with id {id}; `twitchwatch checkin --list 30` shows the ids");
    }
    if let Some(days) = args.list {
        let from = now.saturating_sub(days as i64 * 86_400_000);
        let list = store.checkins_in_range(from, now.saturating_add(60_001))?;
        if list.is_empty() {
            outln!("no check-ins in the last {days} days");
        }
        for c in list {
            let when = jiff::Timestamp::from_millisecond(c.at_ms)?
                .to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M");
            let sites: Vec<&str> = c.twitch_sites.iter().map(|s| s.as_str()).collect();
            let symptoms: Vec<&str> = c.symptoms.iter().map(|s| s.as_str()).collect();
            outln!(
                "{:<14} {when}  sites: {:<30} symptoms: {}{}",
                c.at_ms,
                if sites.is_empty() {
                    "–".to_string()
                } else {
                    sites.join(",")
                },
                if symptoms.is_empty() {
                    "–".to_string()
                } else {
                    symptoms.join(",")
                },
                if c.note.is_empty() {
                    String::new()
                } else {
                    format!("  note: {}", printable(&c.note))
                }
            );
        }
        return Ok(());
    }
    Ok(())
}

fn checkin_from(args: CheckinArgs, now: i64) -> anyhow::Result<CheckIn> {
    let mut checkin = CheckIn::new(now);
    for s in &args.sites {
        checkin.twitch_sites.insert(s.parse::<BodySite>()?);
    }
    for s in &args.symptoms {
        checkin.symptoms.insert(s.parse::<Symptom>()?);
    }
    if let Some(n) = args.note {
        checkin.note = n;
    }
    Ok(checkin)
}

/// How long `checkin` waits for a running monitor to answer (it looks every 200 ms).
const MONITOR_ANSWER_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a check-in handed over at once waits before it is taken back and the store opened.
const QUICK_ANSWER_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// Leaves the check-in for a running monitor; `false` (and nothing left behind) when no monitor
/// took it quickly, so the caller opens the store itself.
fn hand_over_at_once(
    data_dir: &Path,
    key: Option<twitchwatch_store::DataKey>,
    args: &CheckinArgs,
    now: i64,
) -> anyhow::Result<bool> {
    let checkin = checkin_from(args.clone(), now)?;
    checkin.validate(now)?;
    let pending = twitchwatch_app::inbox::submit_checkin(data_dir, key.as_ref(), &checkin)?;
    let reply = match pending.wait(QUICK_ANSWER_WAIT)? {
        Some(reply) => reply,
        None if pending.withdraw()? => return Ok(false),
        // Taken between the wait and the withdrawal: its answer is on the way.
        None => match pending.wait(MONITOR_ANSWER_WAIT)? {
            Some(reply) => reply,
            None => anyhow::bail!("the running monitor took the check-in but did not answer"),
        },
    };
    print_reply(reply)?;
    Ok(true)
}

fn print_reply(reply: twitchwatch_app::inbox::InboxReply) -> anyhow::Result<()> {
    if let Some(e) = reply.error {
        anyhow::bail!("the running monitor refused the check-in: {e}");
    }
    outln!("check-in {} saved by the running monitor", reply.at_ms);
    for title in &reply.alerts {
        outln!("ALERT {}", printable(title));
    }
    Ok(())
}

fn hand_to_monitor(
    data_dir: &Path,
    key: Option<twitchwatch_store::DataKey>,
    args: CheckinArgs,
    now: i64,
) -> anyhow::Result<()> {
    let checkin = checkin_from(args, now)?;
    // Refused here rather than by the monitor, with the same words.
    checkin.validate(now)?;
    let pending = twitchwatch_app::inbox::submit_checkin(data_dir, key.as_ref(), &checkin)?;
    match pending.wait(MONITOR_ANSWER_WAIT)? {
        Some(reply) => print_reply(reply)?,
        None => outln!(
            "the history is in use by another process that does not take check-ins; the check-in              waits in {} and is recorded when `twitchwatch monitor` next runs",
            pending.request_path().display()
        ),
    }
    Ok(())
}

fn record_checkin(store: &Store, args: CheckinArgs, now: i64) -> anyhow::Result<()> {
    let tz = store.time_zone();
    let checkin = checkin_from(args, now)?;
    let center = AlertCenter::new(store.clone());
    let outcome = center.record_checkin(&checkin, now)?;
    outln!("check-in {} saved", outcome.checkin.at_ms);
    for a in &outcome.alerts {
        if print_alert(a, &tz, true).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

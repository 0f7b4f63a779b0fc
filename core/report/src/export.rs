//! CSV and JSON export of events, minute summaries, day summaries, the journal, check-ins and task
//! results. JSON is one document; CSV is one file per section (a folder when several are asked for).

use std::path::{Path, PathBuf};
use twitchwatch_journal::JournalStore;

use jiff::civil::Date;
use serde::Serialize;

use super::files::{self, Overwrite};
use super::{resolve_period, ReportError};
use twitchwatch_journal::{CheckIn, Hydration, JournalEntry};
use twitchwatch_model::{names, MinuteSummary, MotorEvent, TimestampMs};
use twitchwatch_store::{start_of_day_ms, DaySummary, Store};
use twitchwatch_tasks::{TaskMeasures, TaskResult, TaskStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ExportFormat {
    Csv,
    Json,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        names::find(&norm).ok_or_else(|| format!("unknown export format '{norm}': use csv or json"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ExportSection {
    Events,
    Minutes,
    Days,
    Journal,
    Checkins,
    /// Active-task results (finger tapping, tremor tasks, grip), one row per session.
    Tasks,
}

impl ExportSection {
    pub const ALL: &'static [ExportSection] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::str::FromStr for ExportSection {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        names::find(&s.trim().to_ascii_lowercase()).ok_or_else(|| {
            format!(
                "unknown export section '{s}': use {}",
                names::choices::<ExportSection>()
            )
        })
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ExportSummary {
    pub from: Date,
    pub to: Date,
    pub files: Vec<PathBuf>,
    /// Rows per section, in the order asked.
    pub rows: Vec<SectionRows>,
}

/// How many rows one section of an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SectionRows {
    pub section: ExportSection,
    pub rows: u64,
}

#[derive(Serialize)]
struct JsonExport<'a> {
    format: &'static str,
    version: u32,
    time_zone: String,
    from: Date,
    to: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<&'a [MotorEvent]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    minutes: Option<&'a [MinuteSummary]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    days: Option<&'a [DaySummary]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    journal: Option<&'a [JournalEntry]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checkins: Option<&'a [CheckIn]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tasks: Option<&'a [TaskResult]>,
}

#[derive(Default)]
struct Collected {
    events: Vec<MotorEvent>,
    minutes: Vec<MinuteSummary>,
    days: Vec<DaySummary>,
    journal: Vec<JournalEntry>,
    checkins: Vec<CheckIn>,
    tasks: Vec<TaskResult>,
}

/// Writes the chosen sections over `from..=to` (defaults as for the report) to `out`.
/// JSON: `out` is one file. CSV: `out` is a file for one section, a folder for several (created
/// owner-only if missing; its files are named after the sections). Files are owner-only; an
/// existing one is replaced only with [`Overwrite::Replace`] (otherwise nothing at all is written),
/// and a path with `..` or ending in a symlink is refused.
#[allow(clippy::too_many_arguments)]
pub fn export(
    store: &Store,
    now_ms: TimestampMs,
    format: ExportFormat,
    sections: &[ExportSection],
    from: Option<Date>,
    to: Option<Date>,
    out: &Path,
    overwrite: Overwrite,
) -> Result<ExportSummary, ReportError> {
    let (from, to) = resolve_period(store, now_ms, from, to)?;
    let mut sections: Vec<ExportSection> = if sections.is_empty() {
        ExportSection::ALL.to_vec()
    } else {
        sections.to_vec()
    };
    sections.sort();
    sections.dedup();
    let into_folder = format == ExportFormat::Csv && sections.len() > 1;
    let targets: Vec<PathBuf> = if into_folder {
        files::check_folder(out)?;
        sections
            .iter()
            .map(|s| out.join(format!("{}.csv", s.as_str())))
            .collect()
    } else {
        vec![out.to_path_buf()]
    };
    // Every target is checked before anything is read or written: all files or none.
    for target in &targets {
        files::check_target(target, overwrite)?;
    }
    let tz = store.time_zone();
    let from_ms = start_of_day_ms(&tz, from);
    let to_ms = to
        .tomorrow()
        .map(|d| start_of_day_ms(&tz, d))
        .unwrap_or(i64::MAX);
    let mut c = Collected::default();
    for s in &sections {
        match s {
            ExportSection::Events => c.events = store.events_in_range(from_ms, to_ms)?,
            ExportSection::Minutes => c.minutes = store.minutes_in_range(from_ms, to_ms)?,
            ExportSection::Days => c.days = store.daily_summaries(from, to, &tz)?,
            ExportSection::Journal => c.journal = store.journal_entries(from, to)?,
            ExportSection::Checkins => c.checkins = store.checkins_in_range(from_ms, to_ms)?,
            ExportSection::Tasks => c.tasks = store.task_results_in_range(from_ms, to_ms)?,
        }
    }
    let rows: Vec<SectionRows> = sections
        .iter()
        .map(|&s| {
            let n = match s {
                ExportSection::Events => c.events.len(),
                ExportSection::Minutes => c.minutes.len(),
                ExportSection::Days => c.days.len(),
                ExportSection::Journal => c.journal.len(),
                ExportSection::Checkins => c.checkins.len(),
                ExportSection::Tasks => c.tasks.len(),
            };
            SectionRows {
                section: s,
                rows: n as u64,
            }
        })
        .collect();
    let files = match format {
        ExportFormat::Json => {
            let has = |s| sections.contains(&s);
            let doc = JsonExport {
                format: "twitchwatch-export",
                version: 1,
                time_zone: store.time_zone_name(),
                from,
                to,
                events: has(ExportSection::Events).then_some(&c.events[..]),
                minutes: has(ExportSection::Minutes).then_some(&c.minutes[..]),
                days: has(ExportSection::Days).then_some(&c.days[..]),
                journal: has(ExportSection::Journal).then_some(&c.journal[..]),
                checkins: has(ExportSection::Checkins).then_some(&c.checkins[..]),
                tasks: has(ExportSection::Tasks).then_some(&c.tasks[..]),
            };
            files::write_file(out, overwrite, |w| {
                serde_json::to_writer_pretty(w, &doc).map_err(|e| ReportError::Io {
                    path: out.to_path_buf(),
                    source: std::io::Error::other(e),
                })
            })?;
            targets
        }
        ExportFormat::Csv => {
            if into_folder {
                files::prepare_folder(out)?;
            }
            for (section, path) in sections.iter().zip(&targets) {
                write_csv(*section, &c, &tz, path, overwrite)?;
            }
            targets
        }
    };
    Ok(ExportSummary {
        from,
        to,
        files,
        rows,
    })
}

/// Spreadsheets run cells that start with these as formulas; a leading quote keeps them text.
fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// A number written as Rust displays it (`1`, `0.5`, `0.0000001`). The csv crate's own float format
/// would write `1.0` and `1e-7`; the exported files keep the plain form spreadsheets read everywhere.
#[derive(Default)]
struct Num<T>(T);

impl<T: std::fmt::Display> Serialize for Num<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

fn num<T>(v: Option<T>) -> Option<Num<T>> {
    v.map(Num)
}

fn utc(ms: TimestampMs) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

// One struct per CSV section: its fields, in order, are the file's columns.

#[derive(Serialize, Default)]
struct EventRow {
    kind: &'static str,
    start_ms: TimestampMs,
    end_ms: TimestampMs,
    start_utc: String,
    duration_ms: i64,
    peak_accel_g: Num<f32>,
    dominant_freq_hz: Option<Num<f32>>,
    confidence: Num<f32>,
}

impl From<&MotorEvent> for EventRow {
    fn from(e: &MotorEvent) -> Self {
        EventRow {
            kind: e.kind.as_str(),
            start_ms: e.start_ms,
            end_ms: e.end_ms,
            start_utc: utc(e.start_ms),
            duration_ms: e.duration_ms(),
            peak_accel_g: Num(e.peak_accel_g),
            dominant_freq_hz: num(e.dominant_freq_hz),
            confidence: Num(e.confidence),
        }
    }
}

#[derive(Serialize, Default)]
struct MinuteRow {
    minute_start_ms: TimestampMs,
    minute_start_utc: String,
    tremor_unknown: Num<f32>,
    tremor_none: Num<f32>,
    tremor_slight: Num<f32>,
    tremor_mild: Num<f32>,
    tremor_moderate: Num<f32>,
    tremor_strong: Num<f32>,
    at_rest: Num<f32>,
    moving: Num<f32>,
    not_worn: Num<f32>,
    no_data: Num<f32>,
    twitch_count: u32,
    spasm_seconds: Num<f32>,
    tremor_events: u32,
    samples_received: u32,
    samples_lost: u32,
}

impl From<&MinuteSummary> for MinuteRow {
    fn from(m: &MinuteSummary) -> Self {
        let (t, w) = (&m.tremor, &m.wear);
        MinuteRow {
            minute_start_ms: m.minute_start_ms,
            minute_start_utc: utc(m.minute_start_ms),
            tremor_unknown: Num(t.unknown),
            tremor_none: Num(t.none),
            tremor_slight: Num(t.slight),
            tremor_mild: Num(t.mild),
            tremor_moderate: Num(t.moderate),
            tremor_strong: Num(t.strong),
            at_rest: Num(w.at_rest),
            moving: Num(w.moving),
            not_worn: Num(w.not_worn),
            no_data: Num(w.no_data),
            twitch_count: m.twitch_count,
            spasm_seconds: Num(m.spasm_seconds),
            tremor_events: m.tremor_events,
            samples_received: m.samples_received,
            samples_lost: m.samples_lost,
        }
    }
}

#[derive(Serialize, Default)]
struct DayRow {
    date: String,
    twitch_count: u32,
    tremor_minutes: Num<f32>,
    tremor_episodes: u32,
    tremor_episode_seconds: Num<f32>,
    longest_tremor_seconds: Num<f32>,
    spasm_seconds: Num<f32>,
    spasm_events: u32,
    worn_minutes: Num<f32>,
    minutes_recorded: u32,
    samples_received: u64,
    samples_lost: u64,
}

impl From<&DaySummary> for DayRow {
    fn from(d: &DaySummary) -> Self {
        DayRow {
            date: d.date.to_string(),
            twitch_count: d.twitch_count,
            tremor_minutes: Num(d.tremor_minutes),
            tremor_episodes: d.tremor_episodes,
            tremor_episode_seconds: Num(d.tremor_episode_seconds),
            longest_tremor_seconds: Num(d.longest_tremor_seconds),
            spasm_seconds: Num(d.spasm_seconds),
            spasm_events: d.spasm_events,
            worn_minutes: Num(d.worn_minutes),
            minutes_recorded: d.minutes_recorded,
            samples_received: d.samples_received,
            samples_lost: d.samples_lost,
        }
    }
}

#[derive(Serialize, Default)]
struct JournalRow {
    date: String,
    caffeine_mg: Option<Num<f32>>,
    /// `espresso x2; green_tea x1`
    drinks: String,
    sleep_hours: Option<Num<f32>>,
    sleep_quality_1_5: Option<u8>,
    stress_0_10: Option<u8>,
    hydration: Option<Hydration>,
    water_ml: Option<u32>,
    exertion_0_10: Option<u8>,
    nicotine_mg: Option<Num<f32>>,
    /// `Ventolin (stimulant, since 2026-06-12); …`, defused as a formula.
    medications: String,
    /// `magnesium 250 mg; electrolytes`
    supplements: String,
    notes: String,
}

impl From<&JournalEntry> for JournalRow {
    fn from(e: &JournalEntry) -> Self {
        let drinks: Vec<String> = e
            .drinks
            .iter()
            .map(|d| format!("{} x{}", d.drink.as_str(), d.servings))
            .collect();
        let meds: Vec<String> = e
            .medications
            .iter()
            .map(|m| {
                let since = m.started_on.map(|d| format!(", since {d}"));
                format!(
                    "{} ({}{})",
                    m.name,
                    m.class.as_str(),
                    since.unwrap_or_default()
                )
            })
            .collect();
        let sups: Vec<String> = e
            .supplements
            .iter()
            .map(|s| match s.dose_mg {
                Some(mg) => format!("{} {mg} mg", s.kind.as_str()),
                None => s.kind.as_str().to_string(),
            })
            .collect();
        JournalRow {
            date: e.date.to_string(),
            caffeine_mg: num(e.caffeine_mg),
            drinks: drinks.join("; "),
            sleep_hours: num(e.sleep_hours),
            sleep_quality_1_5: e.sleep_quality_1_5,
            stress_0_10: e.stress_0_10,
            hydration: e.hydration,
            water_ml: e.water_ml,
            exertion_0_10: e.exertion_0_10,
            nicotine_mg: num(e.nicotine_mg),
            medications: cell(&meds.join("; ")),
            supplements: sups.join("; "),
            notes: cell(&e.notes),
        }
    }
}

#[derive(Serialize, Default)]
struct CheckInRow {
    id_ms: TimestampMs,
    /// RFC 9557 with the zone name: `2026-06-12T13:00:00+02:00[Europe/Berlin]`.
    local_time: String,
    /// `left_hand;face`
    twitch_sites: String,
    symptoms: String,
    note: String,
}

impl CheckInRow {
    fn new(ch: &CheckIn, tz: &jiff::tz::TimeZone) -> Self {
        let sites: Vec<&str> = ch.twitch_sites.iter().map(|s| s.as_str()).collect();
        let symptoms: Vec<&str> = ch.symptoms.iter().map(|s| s.as_str()).collect();
        CheckInRow {
            id_ms: ch.at_ms,
            local_time: jiff::Timestamp::from_millisecond(ch.at_ms)
                .map(|t| t.to_zoned(tz.clone()).to_string())
                .unwrap_or_default(),
            twitch_sites: sites.join(";"),
            symptoms: symptoms.join(";"),
            note: cell(&ch.note),
        }
    }
}

/// One task session: the columns its task does not measure stay empty.
#[derive(Serialize, Default)]
struct TaskRow {
    completed_at_ms: TimestampMs,
    completed_at_utc: String,
    task: &'static str,
    hand: &'static str,
    tap_count: Option<u32>,
    taps_per_s: Option<Num<f64>>,
    interval_mean_ms: Option<Num<f64>>,
    interval_cv: Option<Num<f64>>,
    accuracy_mean_pt: Option<Num<f64>>,
    fatigue_ratio: Option<Num<f64>>,
    tremor_fraction: Option<Num<f64>>,
    dominant_freq_hz: Option<Num<f64>>,
    amplitude_g: Option<Num<f64>>,
    judged_fraction: Option<Num<f64>>,
    effective_rate_hz: Option<Num<f64>>,
    samples_lost: Option<u64>,
    gaps: Option<u32>,
    held_ms: Option<Num<f64>>,
    shake_rms_mg: Option<Num<f64>>,
    sag_deg: Option<Num<f64>>,
    self_rated_grip_0_10: Option<u8>,
    dynamometer_kg: Option<Num<f64>>,
}

impl From<&TaskResult> for TaskRow {
    fn from(r: &TaskResult) -> Self {
        let mut row = TaskRow {
            completed_at_ms: r.completed_at_ms,
            completed_at_utc: utc(r.completed_at_ms),
            task: r.kind().as_str(),
            hand: r.hand.as_str(),
            ..TaskRow::default()
        };
        match &r.measures {
            TaskMeasures::Tapping { metrics: m } => {
                row.tap_count = Some(m.tap_count);
                row.taps_per_s = Some(Num(m.taps_per_s));
                row.interval_mean_ms = num(m.interval_mean_ms);
                row.interval_cv = num(m.interval_cv);
                row.accuracy_mean_pt = num(m.accuracy_mean_pt);
                row.fatigue_ratio = num(m.fatigue_ratio);
            }
            TaskMeasures::Tremor { metrics: m, .. } => {
                row.tremor_fraction = Some(Num(m.tremor_fraction));
                row.dominant_freq_hz = num(m.dominant_freq_hz);
                row.amplitude_g = num(m.amplitude_g);
                row.judged_fraction = Some(Num(m.judged_fraction));
                row.effective_rate_hz = Some(Num(m.quality.effective_rate_hz));
                row.samples_lost = Some(m.quality.samples_lost);
                row.gaps = Some(m.quality.gaps);
            }
            TaskMeasures::Grip { measures: g } => {
                if let Some(s) = &g.steadiness {
                    row.held_ms = Some(Num(s.held_ms));
                    row.shake_rms_mg = Some(Num(s.shake_rms_mg));
                    row.sag_deg = Some(Num(s.sag_deg));
                }
                row.self_rated_grip_0_10 = g.self_rated_grip_0_10;
                row.dynamometer_kg = num(g.dynamometer_kg);
            }
        }
        row
    }
}

/// Writes one row per item, or only the header line when there are none (the csv crate writes the
/// header with the first row, so an empty section would otherwise be an empty file).
fn write_rows<R: Serialize + Default, W: std::io::Write>(
    w: &mut csv::Writer<W>,
    rows: impl ExactSizeIterator<Item = R>,
) -> Result<(), csv::Error> {
    if rows.len() == 0 {
        let mut probe = csv::Writer::from_writer(Vec::new());
        probe.serialize(R::default())?;
        let bytes = probe.into_inner().map_err(|e| e.into_error())?;
        let mut reader = csv::Reader::from_reader(&bytes[..]);
        return w.write_record(reader.headers()?);
    }
    for row in rows {
        w.serialize(row)?;
    }
    Ok(())
}

fn write_csv(
    section: ExportSection,
    c: &Collected,
    tz: &jiff::tz::TimeZone,
    path: &Path,
    overwrite: Overwrite,
) -> Result<(), ReportError> {
    let csv_err = |e: csv::Error| ReportError::Csv {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    files::write_file(path, overwrite, |file| {
        let mut w = csv::Writer::from_writer(file);
        match section {
            ExportSection::Events => write_rows(&mut w, c.events.iter().map(EventRow::from)),
            ExportSection::Minutes => write_rows(&mut w, c.minutes.iter().map(MinuteRow::from)),
            ExportSection::Days => write_rows(&mut w, c.days.iter().map(DayRow::from)),
            ExportSection::Journal => write_rows(&mut w, c.journal.iter().map(JournalRow::from)),
            ExportSection::Checkins => {
                write_rows(&mut w, c.checkins.iter().map(|ch| CheckInRow::new(ch, tz)))
            }
            ExportSection::Tasks => write_rows(&mut w, c.tasks.iter().map(TaskRow::from)),
        }
        .map_err(csv_err)?;
        w.flush().map_err(|e| ReportError::Io {
            path: path.to_path_buf(),
            source: e,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use twitchwatch_journal::{
        BodySite, DrinkServing, Hydration, Medication, MedicationClass, Supplement, SupplementKind,
        Symptom,
    };
    use twitchwatch_model::{MotorEventKind, TremorFractions, WearFractions};
    use twitchwatch_store::{Settings, StoreOptions};

    const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/export");

    /// Two days of hand-made history whose values exercise the cell formats: whole and fractional
    /// floats, tiny floats, missing values, quotes, separators, formula-like text and non-ASCII.
    fn small_history(dir: &Path) -> (Store, TimestampMs) {
        let store = Store::open(&dir.join("db"), StoreOptions::default()).unwrap();
        store
            .set_settings(&Settings {
                time_zone: Some("Europe/Berlin".into()),
                ..Settings::default()
            })
            .unwrap();
        let day1 = 1_781_258_400_000; // 2026-06-12 10:00 UTC
        let event = |kind, start_ms: i64, peak, freq, confidence| MotorEvent {
            kind,
            start_ms,
            end_ms: start_ms + 180,
            peak_accel_g: peak,
            dominant_freq_hz: freq,
            confidence,
        };
        store
            .put_events(&[
                event(MotorEventKind::Fasciculation, day1 + 1_234, 0.1, None, 1.0),
                event(
                    MotorEventKind::Tremor,
                    day1 + 61_000,
                    0.035,
                    Some(5.25),
                    0.8,
                ),
                event(
                    MotorEventKind::Spasm,
                    day1 + 86_400_000,
                    1e-7,
                    None,
                    0.333_333_34,
                ),
            ])
            .unwrap();
        let minute = |start: i64, twitches| MinuteSummary {
            minute_start_ms: start,
            tremor: TremorFractions {
                unknown: 0.25,
                none: 0.5,
                slight: 0.125,
                mild: 0.1,
                moderate: 0.025,
                strong: 0.0,
            },
            wear: WearFractions {
                at_rest: 0.7,
                moving: 0.3,
                not_worn: 0.0,
                no_data: 0.0,
            },
            twitch_count: twitches,
            spasm_seconds: 1.5,
            tremor_events: 1,
            samples_received: 6000,
            samples_lost: 3,
        };
        store
            .put_minutes(&[minute(day1, 1), minute(day1 + 60_000, 0)])
            .unwrap();
        let d1 = jiff::civil::date(2026, 6, 12);
        let mut j = JournalEntry::new(d1);
        j.caffeine_mg = Some(189.5);
        j.drinks = vec![
            DrinkServing {
                drink: twitchwatch_journal::Drink::Espresso,
                servings: 2,
            },
            DrinkServing {
                drink: twitchwatch_journal::Drink::GreenTea,
                servings: 1,
            },
        ];
        j.sleep_hours = Some(7.0);
        j.sleep_quality_1_5 = Some(4);
        j.stress_0_10 = Some(6);
        j.hydration = Some(Hydration::Fair);
        j.water_ml = Some(1500);
        j.nicotine_mg = Some(0.5);
        j.medications = vec![
            Medication {
                name: "-Ventolin, \"blue\"".into(),
                class: MedicationClass::Stimulant,
                started_on: Some(d1),
            },
            Medication {
                name: "Sertralin".into(),
                class: MedicationClass::Antidepressant,
                started_on: None,
            },
        ];
        j.supplements = vec![
            Supplement {
                kind: SupplementKind::Magnesium,
                dose_mg: Some(250.0),
            },
            Supplement {
                kind: SupplementKind::Electrolytes,
                dose_mg: None,
            },
        ];
        j.notes = "=1+1, Müdigkeit;\nzweite Zeile".into();
        let now_ms = day1 + 2 * 86_400_000;
        store.put_journal_entry(&j, now_ms).unwrap();
        store
            .put_journal_entry(&JournalEntry::new(d1.tomorrow().unwrap()), now_ms)
            .unwrap();
        let mut c = CheckIn::new(day1 + 3_600_000);
        c.twitch_sites.extend([BodySite::LeftHand, BodySite::Face]);
        c.symptoms.insert(Symptom::Weakness);
        c.symptoms.insert(Symptom::DifficultySpeaking);
        c.note = "@home \"tired\"".into();
        store.add_checkin(&c, now_ms).unwrap();
        // An empty check-in, as stores written before they were refused may hold: still exported.
        let empty = CheckIn::new(day1 + 7_200_000);
        store
            .put_json(
                twitchwatch_store::Collection::Checkins,
                &twitchwatch_store::time_key(empty.at_ms),
                &empty,
            )
            .unwrap();
        // A tapping session (irregular taps) and a grip session with a dynamometer value only.
        let tapping = twitchwatch_tasks::TappingInput {
            hand: twitchwatch_tasks::Hand::Left,
            started_at_ms: day1 + 3_600_000,
            duration_ms: 20_000.0,
            targets: vec![],
            taps: [0.0, 250.0, 500.0, 800.0, 19_500.0]
                .into_iter()
                .map(|t_ms| twitchwatch_tasks::Tap {
                    t_ms,
                    x_pt: 0.0,
                    y_pt: 0.0,
                })
                .collect(),
        }
        .into_result(now_ms)
        .unwrap();
        store.put_task_result(&tapping).unwrap();
        let grip = twitchwatch_tasks::GripInput {
            hand: twitchwatch_tasks::Hand::Right,
            started_at_ms: day1 + 3_700_000,
            held_ms: 0.0,
            samples: vec![],
            self_rated_grip_0_10: Some(6),
            dynamometer_kg: Some(28.5),
        }
        .into_result(now_ms)
        .unwrap();
        store.put_task_result(&grip).unwrap();
        (store, now_ms)
    }

    #[test]
    fn csv_files_are_byte_identical_to_the_pinned_ones() {
        let dir = tempfile::tempdir().unwrap();
        let (store, now_ms) = small_history(dir.path());
        let out = dir.path().join("csv");
        let from = Some(jiff::civil::date(2026, 6, 11));
        let summary = export(
            &store,
            now_ms,
            ExportFormat::Csv,
            &[],
            from,
            None,
            &out,
            Overwrite::Refuse,
        )
        .unwrap();
        assert_eq!(summary.files.len(), ExportSection::ALL.len());
        let update = std::env::var_os("TW_UPDATE_GOLDEN").is_some();
        for file in &summary.files {
            let got = std::fs::read_to_string(file).unwrap();
            let golden = Path::new(GOLDEN).join(file.file_name().unwrap());
            if update {
                std::fs::create_dir_all(GOLDEN).unwrap();
                std::fs::write(&golden, &got).unwrap();
            }
            let want = std::fs::read_to_string(&golden).unwrap();
            assert_eq!(got, want, "{}", golden.display());
        }
        // An empty section still has its header line.
        let empty = dir.path().join("events.csv");
        let later = Some(jiff::civil::date(2026, 6, 14));
        export(
            &store,
            now_ms,
            ExportFormat::Csv,
            &[ExportSection::Events],
            later,
            later,
            &empty,
            Overwrite::Refuse,
        )
        .unwrap();
        let want = std::fs::read_to_string(Path::new(GOLDEN).join("events.csv")).unwrap();
        let header = want.lines().next().unwrap();
        assert_eq!(
            std::fs::read_to_string(&empty).unwrap(),
            format!("{header}\n")
        );
    }
}

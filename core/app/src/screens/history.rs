//! History: per-day charts (twitches, tremor, spasm, wear) over a week, month or quarter, and one day's
//! hourly detail. Values come from the store's per-day rollup; days without wear are gaps, not zeros.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::ToSpan;

use super::format::{count_label, day_label, duration_label, round1, short_day_label};
use super::today::EventRow;
use super::{ScreenError, ScreenModel};
use twitchwatch_model::{MinuteSummary, TimestampMs};
use twitchwatch_store::{local_date, start_of_day_ms, DaySummary};

/// Minutes of wear below which a day's rate is not shown (a gap in the chart instead).
const MIN_WORN_MINUTES_FOR_RATE: f32 = 30.0;
/// Events listed in a day's detail, newest first.
const DAY_DETAIL_EVENTS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum HistoryRange {
    Week,
    Month,
    Quarter,
}

impl HistoryRange {
    pub fn days(self) -> i64 {
        match self {
            HistoryRange::Week => 7,
            HistoryRange::Month => 30,
            HistoryRange::Quarter => 90,
        }
    }

    fn label(self) -> &'static str {
        match self {
            HistoryRange::Week => "Last 7 days",
            HistoryRange::Month => "Last 30 days",
            HistoryRange::Quarter => "Last 90 days",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ChartMetric {
    Twitches,
    TwitchesPerWornHour,
    TremorMinutes,
    SpasmSeconds,
    WornHours,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChartPoint {
    /// ISO date, "2026-11-25".
    pub date: String,
    /// Axis label, "25 Nov".
    pub label: String,
    /// `None` = no data that day (draw a gap).
    pub value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChartSeries {
    pub metric: ChartMetric,
    pub title: String,
    pub unit: String,
    pub points: Vec<ChartPoint>,
    /// Top of the y axis (≥ 1 so an empty chart still has an axis).
    pub y_max: f64,
    /// Mean over the days that have a value.
    pub average: Option<f64>,
    pub average_label: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HistoryDayRow {
    pub date: String,
    pub label: String,
    pub twitches_label: String,
    pub tremor_label: String,
    pub spasm_label: String,
    pub worn_label: String,
    pub has_data: bool,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HistoryState {
    pub range: HistoryRange,
    pub range_label: String,
    pub from_date: String,
    pub to_date: String,
    pub charts: Vec<ChartSeries>,
    /// Newest first, for the list under the charts.
    pub days: Vec<HistoryDayRow>,
    pub days_with_data: u32,
    /// Shown instead of the charts when nothing was recorded in the range.
    pub empty_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HourBucket {
    /// Local hour 0..=23.
    pub hour: u8,
    pub label: String,
    pub twitches: u32,
    pub tremor_minutes: f64,
    pub spasm_seconds: f64,
    pub worn_minutes: f64,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DayDetailState {
    pub date: String,
    pub label: String,
    pub hourly: Vec<HourBucket>,
    /// Newest first, at most 50.
    pub events: Vec<EventRow>,
    pub events_total: u32,
}

/// Twenty-four local-hour buckets of a day's minutes (a DST day still gets 24 labelled hours; the
/// repeated or skipped hour folds into its wall-clock hour).
pub(crate) fn hour_buckets(
    tz: &TimeZone,
    _date: Date,
    minutes: &[MinuteSummary],
) -> Vec<HourBucket> {
    let mut out: Vec<HourBucket> = (0u8..24)
        .map(|h| HourBucket {
            hour: h,
            label: format!("{h:02}"),
            twitches: 0,
            tremor_minutes: 0.0,
            spasm_seconds: 0.0,
            worn_minutes: 0.0,
        })
        .collect();
    for m in minutes {
        let Ok(t) = jiff::Timestamp::from_millisecond(m.minute_start_ms) else {
            continue;
        };
        let hour = tz.to_datetime(t).hour();
        let Some(b) = usize::try_from(hour).ok().and_then(|h| out.get_mut(h)) else {
            continue;
        };
        b.twitches = b.twitches.saturating_add(m.twitch_count);
        b.tremor_minutes += f64::from(m.tremor.any_tremor());
        b.spasm_seconds += f64::from(m.spasm_seconds);
        b.worn_minutes += f64::from(m.wear.at_rest + m.wear.moving);
    }
    for b in &mut out {
        b.tremor_minutes = round1(b.tremor_minutes);
        b.spasm_seconds = round1(b.spasm_seconds);
        b.worn_minutes = round1(b.worn_minutes);
    }
    out
}

fn metric_value(metric: ChartMetric, d: &DaySummary) -> Option<f64> {
    if d.minutes_recorded == 0 {
        return None;
    }
    let v = match metric {
        ChartMetric::Twitches => f64::from(d.twitch_count),
        ChartMetric::TwitchesPerWornHour => d.twitches_per_worn_hour(MIN_WORN_MINUTES_FOR_RATE)?,
        ChartMetric::TremorMinutes => f64::from(d.tremor_minutes),
        ChartMetric::SpasmSeconds => f64::from(d.spasm_seconds),
        ChartMetric::WornHours => f64::from(d.worn_minutes) / 60.0,
    };
    v.is_finite().then(|| round1(v))
}

fn series(metric: ChartMetric, days: &[DaySummary]) -> ChartSeries {
    let (title, unit) = match metric {
        ChartMetric::Twitches => ("Twitches per day", "twitches"),
        ChartMetric::TwitchesPerWornHour => ("Twitches per hour worn", "per hour"),
        ChartMetric::TremorMinutes => ("Tremor", "minutes"),
        ChartMetric::SpasmSeconds => ("Spasm", "seconds"),
        ChartMetric::WornHours => ("Time worn", "hours"),
    };
    let points: Vec<ChartPoint> = days
        .iter()
        .map(|d| ChartPoint {
            date: d.date.to_string(),
            label: short_day_label(d.date),
            value: metric_value(metric, d),
        })
        .collect();
    let values: Vec<f64> = points.iter().filter_map(|p| p.value).collect();
    let average =
        (!values.is_empty()).then(|| round1(values.iter().sum::<f64>() / values.len() as f64));
    let y_max = values.iter().copied().fold(1.0_f64, f64::max);
    ChartSeries {
        metric,
        title: title.into(),
        unit: unit.into(),
        points,
        y_max,
        average_label: match average {
            Some(a) => format!("Average {a} {unit} on days with data"),
            None => "No data in this period".into(),
        },
        average,
    }
}

impl ScreenModel {
    pub fn history(
        &self,
        range: HistoryRange,
        now_ms: TimestampMs,
    ) -> Result<HistoryState, ScreenError> {
        let store = self.store();
        let tz = store.time_zone();
        let to = local_date(&tz, now_ms);
        let from = to.checked_sub((range.days() - 1).days()).map_err(|e| {
            ScreenError::InvalidInput(format!(
                "cannot go back {} days from {to}: {e}",
                range.days()
            ))
        })?;
        let days = store.daily_summaries(from, to, &tz)?;
        let charts = [
            ChartMetric::Twitches,
            ChartMetric::TwitchesPerWornHour,
            ChartMetric::TremorMinutes,
            ChartMetric::SpasmSeconds,
            ChartMetric::WornHours,
        ]
        .into_iter()
        .map(|m| series(m, &days))
        .collect();
        let days_with_data = days.iter().filter(|d| d.minutes_recorded > 0).count() as u32;
        let rows = days
            .iter()
            .rev()
            .map(|d| HistoryDayRow {
                date: d.date.to_string(),
                label: day_label(d.date),
                twitches_label: count_label(u64::from(d.twitch_count), "twitch", "twitches"),
                tremor_label: format!(
                    "{} tremor",
                    duration_label(f64::from(d.tremor_minutes) * 60.0)
                ),
                spasm_label: format!("{} spasm", duration_label(f64::from(d.spasm_seconds))),
                worn_label: format!("worn {}", duration_label(f64::from(d.worn_minutes) * 60.0)),
                has_data: d.minutes_recorded > 0,
            })
            .collect();
        Ok(HistoryState {
            range,
            range_label: range.label().into(),
            from_date: from.to_string(),
            to_date: to.to_string(),
            charts,
            days: rows,
            days_with_data,
            empty_message: (days_with_data == 0).then(|| {
                "Nothing recorded in this period yet. Wear the sensor and start monitoring."
                    .to_string()
            }),
        })
    }

    /// One day's hourly chart and its events. `date` is ISO ("2026-11-25"), as in `ChartPoint::date`.
    pub fn day_detail(
        &self,
        date: &str,
        now_ms: TimestampMs,
    ) -> Result<DayDetailState, ScreenError> {
        let store = self.store();
        let tz = store.time_zone();
        let day: Date = date.trim().parse().map_err(|e| {
            ScreenError::InvalidInput(format!("'{date}' is not a date like 2026-11-25: {e}"))
        })?;
        if day > local_date(&tz, now_ms) {
            return Err(ScreenError::InvalidInput(format!(
                "{day} is in the future; pick today or an earlier day"
            )));
        }
        let start = start_of_day_ms(&tz, day);
        let end = day
            .tomorrow()
            .map(|d| start_of_day_ms(&tz, d))
            .unwrap_or(i64::MAX);
        let minutes = store.minutes_in_range(start, end)?;
        let events = store.events_in_range(start, end)?;
        Ok(DayDetailState {
            date: day.to_string(),
            label: day_label(day),
            hourly: hour_buckets(&tz, day, &minutes),
            events: events
                .iter()
                .rev()
                .take(DAY_DETAIL_EVENTS)
                .map(|e| EventRow::of(&tz, e))
                .collect(),
            events_total: events.len() as u32,
        })
    }
}

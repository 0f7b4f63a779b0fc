//! Labels the screens share: dates, clock times, durations and counts in the user's time zone.
//! One place so that Today, History, Alerts and notifications spell things the same way.

use jiff::civil::Date;
use jiff::tz::TimeZone;

use twitchwatch_model::{MotorEventKind, TimestampMs};

/// "Wed 25 Nov".
pub(crate) fn day_label(date: Date) -> String {
    date.strftime("%a %-d %b").to_string()
}

/// "25 Nov".
pub(crate) fn short_day_label(date: Date) -> String {
    date.strftime("%-d %b").to_string()
}

/// "14:05" in the user's zone; far-out timestamps (never real data) read "--:--".
pub(crate) fn clock_label(tz: &TimeZone, ms: TimestampMs) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => tz.to_datetime(t).strftime("%H:%M").to_string(),
        Err(_) => "--:--".into(),
    }
}

/// "Wed 25 Nov, 14:05".
pub(crate) fn moment_label(tz: &TimeZone, ms: TimestampMs) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => {
            let dt = tz.to_datetime(t);
            format!("{}, {}", day_label(dt.date()), dt.strftime("%H:%M"))
        }
        Err(_) => "unknown time".into(),
    }
}

/// "1 twitch" / "3 twitches".
pub(crate) fn count_label(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "45 s", "3.5 min", "2.0 h".
pub(crate) fn duration_label(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "–".into();
    }
    if seconds < 60.0 {
        format!("{seconds:.0} s")
    } else if seconds < 3600.0 {
        format!("{:.1} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}

pub(crate) fn kind_label(kind: MotorEventKind) -> &'static str {
    match kind {
        MotorEventKind::Fasciculation => "Twitch",
        MotorEventKind::Tremor => "Tremor",
        MotorEventKind::Spasm => "Spasm",
    }
}

/// Rounds for display without ever producing NaN in a record a shell renders.
pub(crate) fn round1(v: f64) -> f64 {
    if v.is_finite() {
        (v * 10.0).round() / 10.0
    } else {
        0.0
    }
}

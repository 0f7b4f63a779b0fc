//! How events and minutes are printed: stable JSON lines for other tools (docs/cli.md) and short human lines.

use serde_json::{json, Value};
use twitchwatch_model::{MinuteSummary, MotorEvent, MotorEventKind};

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

/// One JSON object per event. Times in seconds (since the Unix epoch, or since the start of a file).
pub fn event_json(e: &MotorEvent) -> Value {
    let mut v = json!({
        "type": "event",
        "kind": e.kind.as_str(),
        "start_s": round(e.start_ms as f64 / 1000.0, 3),
        "end_s": round(e.end_ms as f64 / 1000.0, 3),
        "confidence": round(f64::from(e.confidence), 3),
        "peak_g": round(f64::from(e.peak_accel_g), 4),
    });
    if let (MotorEventKind::Tremor, Some(f)) = (e.kind, e.dominant_freq_hz) {
        v["freq_hz"] = json!(round(f64::from(f), 2));
    }
    v
}

/// One JSON object per minute: the Apple-style tremor fractions, counts and wear state.
pub fn minute_json(m: &MinuteSummary) -> Value {
    let r = |x: f32| round(f64::from(x), 4);
    json!({
        "type": "minute",
        "start_s": round(m.minute_start_ms as f64 / 1000.0, 3),
        "tremor": {
            "unknown": r(m.tremor.unknown),
            "none": r(m.tremor.none),
            "slight": r(m.tremor.slight),
            "mild": r(m.tremor.mild),
            "moderate": r(m.tremor.moderate),
            "strong": r(m.tremor.strong),
        },
        "twitch_count": m.twitch_count,
        "tremor_events": m.tremor_events,
        "spasm_seconds": r(m.spasm_seconds),
        "wear": {
            "at_rest": r(m.wear.at_rest),
            "moving": r(m.wear.moving),
            "not_worn": r(m.wear.not_worn),
            "no_data": r(m.wear.no_data),
        },
        "samples_received": m.samples_received,
        "samples_lost": m.samples_lost,
    })
}

fn clock(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%H:%M:%S%.3f")
            .to_string(),
        Err(_) => format!("{ms} ms"),
    }
}

/// A line a person reads while monitoring.
pub fn event_line(e: &MotorEvent) -> String {
    let secs = e.duration_ms() as f64 / 1000.0;
    let detail = match e.kind {
        MotorEventKind::Fasciculation => format!("{:>5.1} mg twitch", e.peak_accel_g * 1000.0),
        MotorEventKind::Tremor => format!(
            "{:>5.1} Hz, {:.0} mg, {secs:.1} s",
            e.dominant_freq_hz.unwrap_or(f32::NAN),
            e.peak_accel_g * 1000.0
        ),
        MotorEventKind::Spasm => format!("{:.2} g, {secs:.1} s", e.peak_accel_g),
    };
    format!(
        "{}  {:<13} {detail}  (confidence {:.0}%)",
        clock(e.start_ms),
        e.kind.as_str(),
        e.confidence * 100.0
    )
}

/// Text a user typed, made safe to print on a terminal: control characters (escape sequences, BEL,
/// CR…) are shown as `\u{1b}` rather than acted on. New input with them is refused by the journal;
/// this covers text stored before that, and anything else read back from the store.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

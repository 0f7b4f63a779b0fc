//! Byte layout of keys and values in the sled trees: big-endian time keys, version-prefixed values.
//! Nothing outside `store` (and the journal/alerts persistence it serves) depends on these bytes.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::StoreError;
use twitchwatch_model::{MotorEventKind, TimestampMs};

/// Version of every value this build writes. Byte 0 of each stored value.
pub(crate) const RECORD_VERSION: u8 = 1;

/// Maps an i64 onto a u64 whose big-endian bytes sort in numeric order (negative offline
/// timestamps sort before positive ones).
pub fn time_key(ms: TimestampMs) -> [u8; 8] {
    ((ms as u64) ^ (1u64 << 63)).to_be_bytes()
}

pub(crate) fn time_from_key(bytes: &[u8]) -> Option<TimestampMs> {
    let head: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
    Some((u64::from_be_bytes(head) ^ (1u64 << 63)) as i64)
}

pub(crate) fn kind_byte(kind: MotorEventKind) -> u8 {
    match kind {
        MotorEventKind::Fasciculation => 0,
        MotorEventKind::Tremor => 1,
        MotorEventKind::Spasm => 2,
    }
}

/// Event key: start time, then kind. The classifier's refractory period means two distinct
/// events of one kind never start in the same millisecond, so the same event re-sent after a
/// reconnect lands on the same key and overwrites itself instead of duplicating.
pub(crate) fn event_key(start_ms: TimestampMs, kind: MotorEventKind) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[..8].copy_from_slice(&time_key(start_ms));
    key[8] = kind_byte(kind);
    key
}

/// A civil date as 4 sortable bytes: year (offset so negative years sort first), month, day.
pub fn date_key(date: jiff::civil::Date) -> [u8; 4] {
    let year = (date.year() as i32 + 32768) as u16;
    let y = year.to_be_bytes();
    [y[0], y[1], date.month() as u8, date.day() as u8]
}

pub fn date_from_key(bytes: &[u8]) -> Option<jiff::civil::Date> {
    let b: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    let year = u16::from_be_bytes([b[0], b[1]]) as i32 - 32768;
    jiff::civil::Date::new(i16::try_from(year).ok()?, b[2] as i8, b[3] as i8).ok()
}

/// Human-readable form of a key for error messages: hex, plus the time it encodes when it is a time key.
pub(crate) fn describe_key(tree: &str, key: &[u8]) -> String {
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let decoded = match tree {
        "events" | "minutes" | "checkins" | "raw" if key.len() >= 8 => time_from_key(key)
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
            .map(|t| format!(" ({t})")),
        "journal" | "days" if key.len() == 4 => date_from_key(key).map(|d| format!(" ({d})")),
        _ => std::str::from_utf8(key).ok().map(|s| format!(" ('{s}')")),
    };
    format!("{hex}{}", decoded.unwrap_or_default())
}

fn check_version(tree: &'static str, key: &[u8], bytes: &[u8]) -> Result<(), StoreError> {
    check_version_up_to(tree, key, bytes, RECORD_VERSION).map(drop)
}

/// The version byte of a value of a tree whose records have their own version (up to `supported`).
pub(crate) fn check_version_up_to(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
    supported: u8,
) -> Result<u8, StoreError> {
    match bytes.first() {
        None => Err(StoreError::CorruptRecord {
            tree,
            key: describe_key(tree, key),
            reason: "empty value (no schema version byte)".into(),
        }),
        Some(0) => Err(StoreError::CorruptRecord {
            tree,
            key: describe_key(tree, key),
            reason: "schema version 0 is never written".into(),
        }),
        Some(&v) if v > supported => Err(StoreError::NewerRecord {
            tree,
            key: describe_key(tree, key),
            found: v,
            supported,
        }),
        Some(&v) => Ok(v),
    }
}

pub(crate) fn encode_compact<T: Serialize>(
    tree: &'static str,
    value: &T,
) -> Result<Vec<u8>, StoreError> {
    encode_compact_as(tree, RECORD_VERSION, value)
}

/// `encode_compact` with the version byte of a tree whose records have their own version.
pub(crate) fn encode_compact_as<T: Serialize>(
    tree: &'static str,
    version: u8,
    value: &T,
) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![version];
    let body = postcard::to_stdvec(value).map_err(|e| StoreError::Encode {
        tree,
        reason: e.to_string(),
    })?;
    out.extend_from_slice(&body);
    Ok(out)
}

pub(crate) fn decode_compact<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    check_version(tree, key, bytes)?;
    decode_compact_body(tree, key, bytes.get(1..).unwrap_or_default())
}

/// The postcard body of a value (after its version byte), all of it used.
pub(crate) fn decode_compact_body<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    body: &[u8],
) -> Result<T, StoreError> {
    match postcard::take_from_bytes::<T>(body) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(StoreError::CorruptRecord {
            tree,
            key: describe_key(tree, key),
            reason: format!("{} unexpected trailing bytes", rest.len()),
        }),
        Err(e) => Err(StoreError::CorruptRecord {
            tree,
            key: describe_key(tree, key),
            reason: e.to_string(),
        }),
    }
}

/// JSON is used for the small, evolving records (settings, journal, check-ins, alerts): new
/// optional fields can be added with `#[serde(default)]` without a version bump.
pub(crate) fn encode_json<T: Serialize>(
    tree: &'static str,
    value: &T,
) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![RECORD_VERSION];
    serde_json::to_writer(&mut out, value).map_err(|e| StoreError::Encode {
        tree,
        reason: e.to_string(),
    })?;
    Ok(out)
}

pub(crate) fn decode_json<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    check_version(tree, key, bytes)?;
    let body = bytes.get(1..).unwrap_or_default();
    serde_json::from_slice(body).map_err(|e| StoreError::CorruptRecord {
        tree,
        key: describe_key(tree, key),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_keys_sort_numerically_across_zero() {
        let mut times = vec![5i64, -3, 0, i64::MIN, i64::MAX, -1, 1_700_000_000_000];
        let mut keys: Vec<_> = times.iter().map(|&t| time_key(t)).collect();
        keys.sort();
        times.sort();
        let back: Vec<_> = keys.iter().map(|k| time_from_key(k).unwrap()).collect();
        assert_eq!(back, times);
    }

    #[test]
    fn date_keys_sort_and_round_trip() {
        let a = jiff::civil::date(2025, 12, 31);
        let b = jiff::civil::date(2026, 1, 1);
        assert!(date_key(a) < date_key(b));
        assert_eq!(date_from_key(&date_key(b)), Some(b));
    }

    #[test]
    fn newer_and_empty_values_are_typed_errors() {
        let e = decode_compact::<u32>("events", b"k", &[]).unwrap_err();
        assert!(matches!(e, StoreError::CorruptRecord { .. }));
        let e = decode_compact::<u32>("events", b"k", &[RECORD_VERSION + 1, 1]).unwrap_err();
        assert!(matches!(e, StoreError::NewerRecord { .. }));
        let e = decode_json::<u32>("settings", b"k", &[RECORD_VERSION, b'{']).unwrap_err();
        assert!(e.to_string().contains("settings"));
    }
}

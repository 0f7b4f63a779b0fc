//! One stored record per wall-clock minute, holding what each session contributed to it, so that two
//! sessions sharing a minute add up while the same session written again replaces its own part.
//!
//! Why parts rather than one running sum: a session re-sent or replayed must stay idempotent, and a
//! sum cannot tell "the same data again" from "more data". Readers only ever see the merged minute.

use serde::{Deserialize, Serialize};

use twitchwatch_model::{MinuteSummary, TremorFractions, WearFractions};

use super::codec::{check_version_up_to, decode_compact_body, encode_compact_as};
use super::StoreError;

/// Who wrote a minute summary: one monitoring session, or one replay of a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SessionId(pub u64);

impl SessionId {
    /// Minutes written without a session ([`crate::Store::put_minutes`]: imports, tests, and
    /// every minute stored before sessions were told apart). They replace one another.
    pub const UNSPECIFIED: SessionId = SessionId(0);

    /// Stands for the parts folded together once a minute has more than [`MAX_PARTS`] of them.
    const FOLDED: SessionId = SessionId(u64::MAX);

    /// The session whose first sample was taken at `first_sample_us`. Streaming the same
    /// recording again gives the same id (its minutes replace themselves); a new session starts at
    /// another instant and gets another id.
    pub fn from_first_sample(first_sample_us: i64) -> SessionId {
        let id = (first_sample_us as u64) ^ (1u64 << 63);
        match SessionId(id) {
            SessionId::UNSPECIFIED | SessionId::FOLDED => SessionId(1),
            other => other,
        }
    }
}

/// Version byte of `minutes` values: 1 was a bare `MinuteSummary` (read as the unspecified
/// session's part), 2 is [`StoredMinute`].
pub(crate) const MINUTE_RECORD_VERSION: u8 = 2;

/// Enough for a minute restarted many times (a crash loop); beyond it the oldest parts are folded
/// into one, which keeps their counts but can no longer be replaced on its own.
const MAX_PARTS: usize = 16;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MinutePart {
    session: SessionId,
    minute: MinuteSummary,
}

/// The value of one `minutes` key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredMinute {
    parts: Vec<MinutePart>,
}

impl StoredMinute {
    pub(crate) fn decode(key: &[u8], bytes: &[u8]) -> Result<StoredMinute, StoreError> {
        let version = check_version_up_to("minutes", key, bytes, MINUTE_RECORD_VERSION)?;
        let body = bytes.get(1..).unwrap_or_default();
        if version == 1 {
            let minute: MinuteSummary = decode_compact_body("minutes", key, body)?;
            return Ok(StoredMinute {
                parts: vec![MinutePart {
                    session: SessionId::UNSPECIFIED,
                    minute,
                }],
            });
        }
        let stored: StoredMinute = decode_compact_body("minutes", key, body)?;
        if stored.parts.is_empty() {
            return Err(StoreError::CorruptRecord {
                tree: "minutes",
                key: super::describe_key("minutes", key),
                reason: "a stored minute without any session's part".into(),
            });
        }
        Ok(stored)
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, StoreError> {
        encode_compact_as("minutes", MINUTE_RECORD_VERSION, self)
    }

    /// Puts `session`'s part of the minute, replacing that session's earlier part.
    pub(crate) fn put(&mut self, session: SessionId, minute: &MinuteSummary) {
        match self.parts.iter_mut().find(|p| p.session == session) {
            Some(part) => part.minute = minute.clone(),
            None => self.parts.push(MinutePart {
                session,
                minute: minute.clone(),
            }),
        }
        if self.parts.len() > MAX_PARTS {
            let keep_from = self.parts.len() - (MAX_PARTS - 1);
            let folded: Vec<MinutePart> = self.parts.drain(..keep_from).collect();
            let minute = merge(folded.iter().map(|p| &p.minute));
            self.parts.insert(
                0,
                MinutePart {
                    session: SessionId::FOLDED,
                    minute,
                },
            );
        }
    }

    /// The minute as readers see it: every session's part merged.
    pub(crate) fn merged(&self) -> MinuteSummary {
        merge(self.parts.iter().map(|p| &p.minute))
    }
}

/// Merges parts of one minute recorded by different sessions. Time fractions add up (scaled down
/// if together they claim more than the whole minute, as the classifier does for jittery clocks),
/// counts add up, and what no session covered stays "no data". A single part is returned as it is.
fn merge<'a>(parts: impl Iterator<Item = &'a MinuteSummary>) -> MinuteSummary {
    let parts: Vec<&MinuteSummary> = parts.collect();
    match parts.as_slice() {
        [] => return empty_minute(0),
        [only] => return (*only).clone(),
        _ => {}
    }
    let mut out = empty_minute(parts[0].minute_start_ms);
    let (mut at_rest, mut moving, mut not_worn) = (0f64, 0f64, 0f64);
    let (mut unknown_with_data, mut none) = (0f64, 0f64);
    let mut severity = [0f64; 4];
    let mut spasm_s = 0f64;
    for m in &parts {
        let f = |v: f32| {
            if v.is_finite() {
                f64::from(v.max(0.0))
            } else {
                0.0
            }
        };
        at_rest += f(m.wear.at_rest);
        moving += f(m.wear.moving);
        not_worn += f(m.wear.not_worn);
        // A part's `unknown` includes the time it had no data; only the rest is its own.
        unknown_with_data += (f(m.tremor.unknown) - f(m.wear.no_data)).max(0.0);
        none += f(m.tremor.none);
        severity[0] += f(m.tremor.slight);
        severity[1] += f(m.tremor.mild);
        severity[2] += f(m.tremor.moderate);
        severity[3] += f(m.tremor.strong);
        spasm_s += f(m.spasm_seconds);
        out.twitch_count = out.twitch_count.saturating_add(m.twitch_count);
        out.tremor_events = out.tremor_events.saturating_add(m.tremor_events);
        out.samples_received = out.samples_received.saturating_add(m.samples_received);
        out.samples_lost = out.samples_lost.saturating_add(m.samples_lost);
    }
    let covered = at_rest + moving + not_worn;
    let scale = if covered > 1.0 { 1.0 / covered } else { 1.0 };
    let no_data = (1.0 - covered * scale).max(0.0);
    let s = |v: f64| (v * scale) as f32;
    out.wear = WearFractions {
        at_rest: s(at_rest),
        moving: s(moving),
        not_worn: s(not_worn),
        no_data: no_data as f32,
    };
    out.tremor = TremorFractions {
        unknown: s(unknown_with_data) + no_data as f32,
        none: s(none),
        slight: s(severity[0]),
        mild: s(severity[1]),
        moderate: s(severity[2]),
        strong: s(severity[3]),
    };
    let total = out.tremor.total();
    if total > 0.0 {
        out.tremor.unknown = (out.tremor.unknown + 1.0 - total).max(0.0);
    }
    out.spasm_seconds = spasm_s.min(60.0) as f32;
    out
}

fn empty_minute(minute_start_ms: i64) -> MinuteSummary {
    MinuteSummary {
        minute_start_ms,
        tremor: TremorFractions::default(),
        wear: WearFractions::default(),
        twitch_count: 0,
        spasm_seconds: 0.0,
        tremor_events: 0,
        samples_received: 0,
        samples_lost: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session that covered `seconds` of the minute, at rest, with `twitches`.
    fn part(seconds: f32, twitches: u32, mild_s: f32) -> MinuteSummary {
        let covered = seconds / 60.0;
        let no_data = 1.0 - covered;
        MinuteSummary {
            minute_start_ms: 1_767_225_600_000,
            tremor: TremorFractions {
                unknown: no_data,
                none: covered - mild_s / 60.0,
                mild: mild_s / 60.0,
                ..Default::default()
            },
            wear: WearFractions {
                at_rest: covered,
                no_data,
                ..Default::default()
            },
            twitch_count: twitches,
            spasm_seconds: 0.0,
            tremor_events: 0,
            samples_received: (seconds * 200.0) as u32,
            samples_lost: 1,
        }
    }

    #[test]
    fn two_sessions_add_up_and_the_uncovered_rest_stays_no_data() {
        let mut stored = StoredMinute::default();
        stored.put(SessionId(7), &part(15.0, 2, 3.0));
        stored.put(SessionId(9), &part(15.0, 1, 0.0));
        let m = stored.merged();
        assert_eq!(m.twitch_count, 3);
        assert_eq!(m.samples_received, 6000);
        assert_eq!(m.samples_lost, 2);
        assert!((m.wear.at_rest - 0.5).abs() < 1e-6, "{m:?}");
        assert!((m.wear.no_data - 0.5).abs() < 1e-6, "{m:?}");
        assert!((m.tremor.mild - 0.05).abs() < 1e-6, "{m:?}");
        assert!((m.tremor.total() - 1.0).abs() < 1e-5, "{m:?}");
        // The same session again replaces its own part.
        stored.put(SessionId(9), &part(15.0, 1, 0.0));
        assert_eq!(stored.merged(), m);
    }

    #[test]
    fn parts_claiming_more_than_a_minute_are_scaled_to_one_minute() {
        let mut stored = StoredMinute::default();
        stored.put(SessionId(1), &part(45.0, 0, 0.0));
        stored.put(SessionId(2), &part(45.0, 0, 0.0));
        let m = stored.merged();
        assert!((m.wear.at_rest - 1.0).abs() < 1e-6, "{m:?}");
        assert_eq!(m.wear.no_data, 0.0);
        assert!((m.tremor.total() - 1.0).abs() < 1e-5, "{m:?}");
    }

    #[test]
    fn a_crash_loop_keeps_every_count_within_a_bounded_record() {
        let mut stored = StoredMinute::default();
        for session in 1..=100 {
            stored.put(SessionId(session), &part(0.5, 1, 0.0));
        }
        assert!(stored.parts.len() <= MAX_PARTS);
        assert_eq!(stored.merged().twitch_count, 100);
        assert_eq!(stored.merged().samples_received, 100 * 100);
    }

    #[test]
    fn a_minute_written_before_sessions_were_told_apart_reads_as_one_part() {
        let m = part(60.0, 4, 0.0);
        let mut v1 = vec![1u8];
        v1.extend(postcard::to_stdvec(&m).unwrap());
        let stored = StoredMinute::decode(b"k", &v1).unwrap();
        assert_eq!(stored.merged(), m);
        let back = StoredMinute::decode(b"k", &stored.encode().unwrap()).unwrap();
        assert_eq!(back, stored);
        assert!(matches!(
            StoredMinute::decode(b"k", &[MINUTE_RECORD_VERSION + 1, 0]),
            Err(StoreError::NewerRecord { .. })
        ));
    }
}

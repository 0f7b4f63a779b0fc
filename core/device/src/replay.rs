//! A wearable that is not on the radio: a source that hands over TwitchWatch V1 wire frames in order, each
//! with the time it arrived — a recording being replayed, or the lab's simulated wearable. The `Monitor`
//! streams one through the same decoder, classifier and store as a paired wearable.

use twitchwatch_model::TimestampMs;

/// One frame as it arrived: the notification's bytes and its arrival time on the source's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrivedFrame {
    pub bytes: Vec<u8>,
    /// Microseconds since the Unix epoch, on the same clock as the frame's own timestamps.
    pub arrival_us: i64,
}

/// Frames from something other than the radio, in arrival order; `None` ends the stream.
pub trait FrameSource: Send + 'static {
    /// Time of the stream's first sample, ms since the Unix epoch.
    fn start_ms(&self) -> TimestampMs;
    /// Length of the stream in ms (for progress; the stream may end earlier).
    fn duration_ms(&self) -> i64;
    fn next_frame(&mut self) -> Option<ArrivedFrame>;
}

// The body of the `frame_decoder` fuzz target, shared with the corpus replay test in a normal
// `cargo test` (included with `include!`, so no inner attributes or doc comments here).
// Our wearable's frame decoder and stream accounting must never panic, whatever the bytes.
use twitchwatch_device::protocol::{
    decode_control_response, decode_frame, encode_frame, ControlCommand, FrameError, StreamDecoder,
    StreamDecoderConfig,
};
use twitchwatch_device::shell::{Routed, ShellRouter};
use twitchwatch_model::{DeviceProtocol, PairedDevice};

/// Random bytes almost never carry a valid checksum; patching it in lets the fuzzer reach the
/// checks behind it (lengths, rates, scales, channel counts).
fn with_valid_crc(data: &[u8]) -> Vec<u8> {
    let mut fixed = data.to_vec();
    if let Err(FrameError::ChecksumMismatch { computed, .. }) = decode_frame(data) {
        let n = fixed.len();
        fixed[n - 2..].copy_from_slice(&computed.to_le_bytes());
    }
    fixed
}

/// One input through the target's entry points; panics when an invariant breaks.
pub fn check(data: &[u8]) {
    // A frame that decodes must re-encode to the same bytes.
    for bytes in [data.to_vec(), with_valid_crc(data)] {
        if let Ok(frame) = decode_frame(&bytes) {
            assert_eq!(encode_frame(&frame), bytes);
        }
    }
    let _ = ControlCommand::decode(data);
    let _ = decode_control_response(data);
    // The input as a sequence of notifications: a length byte, then that many bytes.
    let mut decoder = StreamDecoder::new(StreamDecoderConfig::default());
    let mut router = ShellRouter::new(&PairedDevice {
        id: "dev".into(),
        name: "fuzz".into(),
        protocol: DeviceProtocol::TwitchWatchV1,
        sample_rate_hz: 100,
        with_gyro: true,
        paired_at_ms: 0,
    });
    let data_uuid = twitchwatch_device::protocol::DATA_UUID;
    let mut out = Vec::new();
    let mut rest = data;
    let mut t = 1_700_000_000_000_000i64;
    let mut last_routed_us: Option<i64> = None;
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (chunk, next) = tail.split_at(n);
        let chunk = with_valid_crc(chunk);
        let _ = decoder.push(&chunk, t, &mut out);
        if let Ok(Routed::Batches(batches)) = router.push_uuid(data_uuid, &chunk, t) {
            for b in batches {
                // The time guard lets no sample through twice, nor ahead of its arrival.
                if let Some(prev) = last_routed_us {
                    assert!(b.first_sample_us > prev, "routed time went backwards");
                }
                let last = b.sample_time_us(b.len().saturating_sub(1));
                assert!(last <= t + 3_000_000, "a routed sample ahead of its arrival");
                last_routed_us = Some(last);
            }
        }
        t += i64::from(len) * 997;
        rest = next;
    }
    decoder.flush(&mut out);
    let _ = router.flush();
    for b in &out {
        assert!(b.gyro_dps.is_empty() || b.gyro_dps.len() == b.accel_g.len());
    }
}

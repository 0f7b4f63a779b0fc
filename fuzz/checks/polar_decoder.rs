// The body of the `polar_decoder` fuzz target, shared with the corpus replay test in a normal
// `cargo test` (included with `include!`, so no inner attributes or doc comments here).
// The Polar PMD decoder (frames, control-point responses, requests) must never panic on any bytes.
use twitchwatch_device::polar::{
    decode_data_frame, parse_control_response, ControlRequest, PmdSettings, PolarDecoder,
    PMD_DATA_UUID,
};
use twitchwatch_device::shell::ShellRouter;
use twitchwatch_model::{DeviceProtocol, PairedDevice};

/// One input through the target's entry points; panics when an invariant breaks.
pub fn check(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let resolution = u16::from(selector & 0x3F);
    if let Ok(frame) = decode_data_frame(bytes, resolution) {
        // Delta frames grow by at most 255 samples per 2-byte block header.
        assert!(frame.samples.len() <= 1 + bytes.len() * 255);
    }
    let _ = parse_control_response(bytes);
    if let Ok(req) = ControlRequest::decode(bytes) {
        let _ = req.encode();
    }
    let mut decoder = PolarDecoder::new(
        PmdSettings::acc(u16::from(selector) * 2),
        Some(PmdSettings::gyro(52)),
    );
    // The same notifications on the wall clock, alone and through the shell router's time guard.
    let mut received = PolarDecoder::new(PmdSettings::acc(52), Some(PmdSettings::gyro(52)));
    let mut router = ShellRouter::new(&PairedDevice {
        id: "dev".into(),
        name: "fuzz".into(),
        protocol: DeviceProtocol::PolarPmd,
        sample_rate_hz: 52,
        with_gyro: true,
        paired_at_ms: 0,
    });
    let mut t = 1_700_000_000_000_000i64;
    let mut rest = bytes;
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (chunk, next) = tail.split_at(n);
        if let Ok(Some(batch)) = decoder.push(chunk) {
            assert!(batch.gyro_dps.is_empty() || batch.gyro_dps.len() == batch.accel_g.len());
        }
        if let Ok(Some(batch)) = received.push_received(chunk, t) {
            assert!(batch.gyro_dps.is_empty() || batch.gyro_dps.len() == batch.accel_g.len());
        }
        let _ = router.push_uuid(PMD_DATA_UUID, chunk, t);
        t += i64::from(len) * 7919;
        rest = next;
    }
}
